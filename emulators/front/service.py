"""The daemon's side of the SSH front: sshd, the forwarders and the engine log, on the daemon's loop.

Everything runs on the asyncio loop that drives the lab, so reading the platform's state needs no
locking. The forwarders follow the platform: a platform event (or, as a safety net, a timer) makes
the watcher open the public port of every endpoint that is reachable and close the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import subprocess
import sys
from collections.abc import Callable
from dataclasses import asdict, replace

from emulators.front import homes, sshd
from emulators.front.forward import Forwarder
from emulators.front.labdir import Endpoint, FrontSpec, LabLayout, open_private, write_private
from emulators.front.sshd import FrontError
from emulators.lab import SimLab
from emulators.ovm.model import PlatformError

WATCH_INTERVAL_S = 0.25


class FrontService:
    """sshd + forwarders + engine log of one emulated sparc lab."""

    def __init__(self, lab: SimLab, layout: LabLayout, spec: FrontSpec) -> None:
        self.lab = lab
        self.layout = layout
        self.spec = spec
        self.endpoints: tuple[Endpoint, ...] = spec.endpoints
        self.forwarders: dict[Endpoint, Forwarder] = {}
        self._sshd: subprocess.Popen | None = None
        self._changed = asyncio.Event()
        self._watcher: asyncio.Task | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._log_fd: int | None = None
        self._log_written = 0
        self._warned: set[int] = set()

    # -- start / stop --------------------------------------------------------------------------------
    @staticmethod
    def prepare(layout: LabLayout, spec: FrontSpec, monitor: str) -> None:
        """Homes and shims, the agent build `monitor` installed in the control domains: before the
        lab boots, since its engine runs what is installed there."""
        homes.prepare(layout, spec, monitor)

    async def start(self) -> None:
        """sshd on free internal ports, every public port (FrontError if one is taken), then the
        forwarders follow the platform (the homes are `prepare`d already)."""
        self._log_fd = open_private(self.layout.engine_log, os.O_WRONLY | os.O_APPEND)
        self._flush_log()
        for _attempt in range(3):
            ports = sshd.free_ports(len(self.spec.endpoints))
            self.endpoints = tuple(replace(ep, internal_port=p) for ep, p in zip(self.spec.endpoints, ports,
                                                                                    strict=True))
            write_private(self.layout.endpoints, json.dumps([asdict(ep) for ep in self.endpoints], indent=1))
            sshd.write_config(self.layout, self.spec, self.endpoints)
            self._sshd = await sshd.start(self.layout, ports)
            if self._sshd is not None:
                break
            print("altio-hil lab: sshd exited at start (an internal port was taken?); trying other ports",
                  file=sys.stderr, flush=True)
        else:
            raise FrontError(f"sshd of lab {self.spec.lab} would not start; see the messages above")
        for ep in self.endpoints:
            fwd = self.forwarders[ep] = Forwarder(ep.port, ep.internal_port)
            try:
                await fwd.open()  # every public port must be ours, even of a system that is down now
            except OSError as exc:
                raise FrontError(f"{ep.where}: port {ep.port} on 127.0.0.1 ({ep.label}) is not free "
                                 f"({exc.strerror}); stop what holds it or choose another port") from None
        await self._reconcile()
        self._unsubscribe = self.lab.platform.subscribe(lambda _event: self._changed.set())
        self._watcher = asyncio.create_task(self._watch())

    async def stop(self) -> None:
        """Close every public port and its connections, stop sshd: nothing of the front is left."""
        if self._watcher is not None:
            self._watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._watcher
        if self._unsubscribe is not None:
            self._unsubscribe()
        for fwd in self.forwarders.values():
            fwd.close()
        if self._sshd is not None:
            await sshd.stop(self._sshd)
        self.layout.endpoints.unlink(missing_ok=True)
        if self._log_fd is not None:
            self._flush_log()
            os.close(self._log_fd)
            self._log_fd = None

    # -- following the platform ----------------------------------------------------------------------
    def reachable(self, ep: Endpoint) -> bool:
        """An ILOM always (standby power); a system while its domain is up (booted)."""
        if ep.kind == "ilom":
            return True
        try:
            return self.lab.platform.system_up(ep.name)
        except PlatformError:
            return False

    def in_sync(self) -> bool:
        return all(fwd.is_open == self.reachable(ep) for ep, fwd in self.forwarders.items())

    async def _reconcile(self) -> None:
        for ep, fwd in self.forwarders.items():
            want = self.reachable(ep)
            if want and not fwd.is_open:
                try:
                    await fwd.open()
                except OSError as exc:
                    if ep.port not in self._warned:
                        self._warned.add(ep.port)
                        print(f"altio-hil lab: cannot reopen port {ep.port} of {ep.label}: {exc.strerror}",
                              file=sys.stderr, flush=True)
                else:
                    self._warned.discard(ep.port)
            elif not want and fwd.is_open:
                fwd.close()

    async def _watch(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), WATCH_INTERVAL_S)
            self._changed.clear()
            await self._reconcile()
            self._flush_log()

    def _flush_log(self) -> None:
        """Append the engine's new log lines (the list only grows) to the lab's engine_A.log."""
        lines = self.lab.engine.log_lines
        if self._log_fd is None or len(lines) <= self._log_written:
            return
        data = "".join(f"{line}\n" for line in lines[self._log_written:]).encode()
        self._log_written = len(lines)
        while data:
            data = data[os.write(self._log_fd, data):]

    # -- what `lab status` prints --------------------------------------------------------------------
    def status_text(self) -> str:
        rows = [f"  {ep.label:<16} -> 127.0.0.1:{ep.port:<6} {'up' if fwd.is_open else 'down'}"
                for ep, fwd in self.forwarders.items()]
        return "endpoints:\n" + "".join(f"{row}\n" for row in rows)
