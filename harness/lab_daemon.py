"""Start, reach and stop emulated lab daemons (`altio-hil lab up|exec|shell|fault|heal|down`).

One daemon per lab name, found through a unix socket under a per-user runtime directory. A socket
that refuses connections belongs to a daemon that died (SIGKILL, reboot): `up` removes it and starts
afresh. Faults injected into a daemon lab go through a fault ledger like any other target's, so
`altio-hil heal` can repair them after the person who broke the lab went home.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from emulators.shim import SOCKET_ENV, SYSTEM_ENV, LabUnreachable, request
from harness.faults import Fault, FaultLedger
from harness.inventory import Lab


class LabDown(Exception):
    """The lab's daemon is not running."""


def runtime_dir() -> Path:
    base = os.environ.get("ALTIO_HIL_RUNTIME") or os.path.join(tempfile.gettempdir(), f"altio-hil-{os.getuid()}")
    path = Path(base)
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def _safe(name: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


class LabDaemon:
    """Handle on the daemon of one lab (running or not)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        d = runtime_dir()
        self.socket = d / f"{_safe(lab.name)}.sock"
        self.pidfile = d / f"{_safe(lab.name)}.pid"
        self.logfile = d / f"{_safe(lab.name)}.log"
        self.specfile = d / f"{_safe(lab.name)}.spec.json"
        self.ledger = FaultLedger.for_lab(lab.name, "sim-daemon")

    # -- state ---------------------------------------------------------------------------------------
    def ask(self, payload: dict, timeout: float = 60.0) -> dict:
        try:
            return request(self.socket, payload, timeout)
        except LabUnreachable:
            raise LabDown(f"lab {self.lab.name} is not up (start it with `altio-hil lab up --lab {self.lab.path}`)") \
                from None

    def is_up(self) -> bool:
        try:
            self.ask({"op": "ping"}, timeout=5)
        except LabDown:
            return False
        return True

    # -- lifecycle -----------------------------------------------------------------------------------
    def up(self, monitor: str = "alternateio", timeout: float = 60.0) -> str:
        from harness.targets.sim import lab_spec

        if self.is_up():
            return f"lab {self.lab.name} is already up (socket {self.socket})"
        if self.socket.exists():  # a daemon died without cleaning up: its socket refuses connections
            self.socket.unlink()
        self.specfile.write_text(lab_spec(self.lab, monitor, seed=0).to_json())
        with open(self.logfile, "ab") as log:
            proc = subprocess.Popen([sys.executable, "-m", "emulators.server", str(self.specfile), str(self.socket)],
                                    stdin=subprocess.DEVNULL, stdout=log, stderr=log, start_new_session=True,
                                    cwd=str(Path(__file__).resolve().parent.parent))
        self.pidfile.write_text(str(proc.pid))
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise LabDown(f"lab {self.lab.name} failed to start; see {self.logfile}:\n"
                              + self.logfile.read_text()[-2000:])
            if self.is_up():
                break
            time.sleep(0.1)
        else:
            raise LabDown(f"lab {self.lab.name} did not answer within {timeout:.0f}s; see {self.logfile}")
        # wait for the steady state (the engine is on the real clock, time-scaled)
        while time.monotonic() < deadline:
            if self.ask({"op": "ready"}).get("rc") == 0:
                return f"lab {self.lab.name} is up (socket {self.socket}, log {self.logfile})"
            time.sleep(0.2)
        return f"lab {self.lab.name} is up but still settling (socket {self.socket})"

    def down(self, timeout: float = 15.0) -> str:
        if not self.is_up():
            if self.socket.exists():
                self.socket.unlink()
            return f"lab {self.lab.name} is not up"
        self.ask({"op": "stop"})
        deadline = time.monotonic() + timeout
        while self.socket.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        if self.socket.exists():
            self._kill()
        return f"lab {self.lab.name} is down"

    def _kill(self) -> None:
        try:
            os.kill(int(self.pidfile.read_text()), signal.SIGKILL)
        except (OSError, ValueError):
            pass
        if self.socket.exists():
            self.socket.unlink()

    # -- using it ------------------------------------------------------------------------------------
    def env(self, system: str) -> dict[str, str]:
        env = dict(os.environ)
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = bindir + os.pathsep + env.get("PATH", "")
        env[SOCKET_ENV] = str(self.socket)
        env[SYSTEM_ENV] = system
        return env

    def exec(self, system: str, argv: list[str]) -> int:
        if not self.is_up():
            raise LabDown(f"lab {self.lab.name} is not up (start it with `altio-hil lab up --lab {self.lab.path}`)")
        return subprocess.call(argv, env=self.env(system))

    def shell(self, system: str) -> int:
        if not self.is_up():
            raise LabDown(f"lab {self.lab.name} is not up (start it with `altio-hil lab up --lab {self.lab.path}`)")
        env = self.env(system)
        env["PS1"] = f"root@{system}:~# "
        shell = os.environ.get("SHELL", "/bin/bash")
        args = [shell, "--norc", "-i"] if shell.endswith("bash") else [shell, "-i"]
        print(f"altio-hil: emulated shell on {system} of lab {self.lab.name}; "
              "ldm, hastatus, hagrp, hares, hasys, haconf, zpool, dladm answer here. `exit` leaves.")
        return subprocess.call(args, env=env)

    def fault(self, fault: Fault) -> dict:
        self.ask({"op": "ping"})
        self.ledger.record(fault)
        reply = self.ask({"op": "fault", "kind": fault.kind, "where": fault.where})
        if reply.get("rc") != 0:
            self.ledger.drop(fault)
        return reply

    def heal(self, fault: Fault | None) -> dict:
        if fault is None:
            reply = self.ask({"op": "heal", "all": True})
            if reply.get("rc") == 0:
                for f in self.ledger.entries():
                    self.ledger.drop(f)
            return reply
        reply = self.ask({"op": "heal", "kind": fault.kind, "where": fault.where})
        if reply.get("rc") == 0:
            self.ledger.drop(fault)
        return reply

    def status(self) -> dict:
        return self.ask({"op": "status"})
