"""The lab daemon: one emulated lab on the real clock, answering on a unix socket.

`altio-hil lab up` starts `python -m emulators.server SPEC.json SOCKET`; the daemon builds the lab
(emulators.lab), runs its engine on a `RealClock` at the inventory's time scale, and serves
newline-delimited JSON requests, one per connection:

    {"op": "exec",   "system": "primary1", "argv": ["hastatus", "-sum"]}  -> {"rc", "out", "err"}
    {"op": "fault",  "kind": "nic_pull", "where": "primary1:nxge3"}       -> {"rc", "out", "err"}
    {"op": "heal",   "kind": ..., "where": ...} | {"op": "heal", "all": true}
    {"op": "status"}                                                        -> {"rc", "out", "err"}
    {"op": "ping"} / {"op": "stop"}

All lab work runs on the asyncio loop's thread, so the engine never sees two callers at once.
The socket path is unlinked on exit; a daemon killed with SIGKILL leaves it behind, and the next
`lab up` finds it dead (connection refused) and removes it (see `harness/lab_daemon.py`).
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from pathlib import Path

from emulators.clock import RealClock
from emulators.lab import LabSpec, SimLab


class LabServer:
    def __init__(self, lab: SimLab, socket_path: Path) -> None:
        self.lab = lab
        self.socket_path = socket_path
        self._stop = asyncio.Event()

    def handle(self, request: dict) -> dict:
        op = request.get("op")
        try:
            if op == "ping":
                return {"rc": 0, "out": f"{self.lab.spec.name} up\n", "err": ""}
            if op == "ready":
                busy = self.lab.engine.busy()
                return {"rc": 1 if busy else 0, "out": "settling\n" if busy else "steady\n", "err": ""}
            if op == "exec":
                rc, out, err = self.lab.run_command(str(request["system"]), [str(a) for a in request["argv"]])
                return {"rc": rc, "out": out, "err": err}
            if op == "fault":
                return self._result(lambda: self.lab.inject(request["kind"], request["where"]))
            if op == "heal":
                if request.get("all"):
                    return self._result(self.lab.heal_all)
                return self._result(lambda: self.lab.heal(request["kind"], request["where"]))
            if op == "status":
                faults = self.lab.faults()
                text = "".join(f"{k} {w}\n" for k, w in faults) or "no faults in force\n"
                return {"rc": 0, "out": text, "err": ""}
            if op == "stop":
                self._stop.set()
                return {"rc": 0, "out": "", "err": ""}
            return {"rc": 2, "out": "", "err": f"unknown request {op!r}\n"}
        except KeyError as exc:
            return {"rc": 2, "out": "", "err": f"request is missing {exc}\n"}

    @staticmethod
    def _result(action) -> dict:
        from emulators.ovm import FaultError

        try:
            text = action()
        except FaultError as exc:
            return {"rc": 2, "out": "", "err": f"{exc}\n"}
        return {"rc": 0, "out": (text or ""), "err": ""}

    async def _serve_one(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            line = await reader.readline()
            try:
                request = json.loads(line)
            except ValueError:
                reply = {"rc": 2, "out": "", "err": "malformed request\n"}
            else:
                reply = self.handle(request)
            writer.write(json.dumps(reply).encode() + b"\n")
            await writer.drain()
        finally:
            writer.close()

    async def serve(self) -> None:
        if self.socket_path.exists():
            self.socket_path.unlink()
        server = await asyncio.start_unix_server(self._serve_one, path=str(self.socket_path))
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._stop.set)
        async with server:
            await self._stop.wait()
        if self.socket_path.exists():
            self.socket_path.unlink()


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    spec_path, socket_path = Path(argv[0]), Path(argv[1])
    spec = LabSpec.from_json(spec_path.read_text())

    async def run() -> None:
        clock = RealClock(asyncio.get_running_loop(), scale=spec.time_scale)
        lab = SimLab(spec, clock)
        lab.boot()
        await LabServer(lab, socket_path).serve()

    os.umask(0o077)
    asyncio.run(run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
