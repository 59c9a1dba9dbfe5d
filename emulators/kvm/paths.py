"""Disk path servers: one `nbdkit` per (I/O domain, volume), all of one volume on the same file.

That is what an mpgroup is: several service domains export one backend, the guest sees one path
per service domain. Each server runs nbdkit's error filter over the file plugin: while its error
file exists every request fails with EIO (the path is down: the backend's pool is offline, its disk
is gone, or its I/O domain died); deleting the file heals it. The guest's device never goes away
(detaching a disk would rename devices in the guest).
"""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import time
from pathlib import Path

from emulators.kvm import KvmSetupError


class PathServerError(KvmSetupError):
    pass


class PathServer:
    def __init__(self, directory: Path, service: str, volume: str, backend: Path) -> None:
        self.service, self.volume, self.backend = service, volume, backend
        stem = f"{service}-{volume}"
        self.socket = directory / f"{stem}.nbd"
        self.pidfile = directory / f"{stem}.pid"
        self.error_file = directory / f"{stem}.down"
        self.logfile = directory / f"{stem}.log"
        self._proc: subprocess.Popen | None = None

    def start(self) -> None:
        """Start the server (its path up unless the error file says down); returns once it listens."""
        if self.alive():
            return
        with contextlib.suppress(FileNotFoundError):
            self.socket.unlink()
        # in the foreground, a child of the lab daemon: --exit-with-parent takes it down with a killed
        # daemon (the thread that starts it must live as long as the daemon: the loop's thread)
        argv = ["nbdkit", "--foreground", "--exit-with-parent", "-U", str(self.socket), "-P", str(self.pidfile),
                "-e", self.volume, "--filter=error", "file", str(self.backend), "error=EIO", "error-rate=100%",
                f"error-file={self.error_file}"]
        try:
            with open(self.logfile, "ab") as log:  # the error filter logs every error it injects
                self._proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=log)
        except FileNotFoundError:
            raise PathServerError("nbdkit is not installed (make bootstrap installs it)") from None
        deadline = time.monotonic() + 10
        while not self.listening():
            if self._proc.poll() is not None:
                err = self.logfile.read_text(errors="replace").strip()[-500:]
                raise PathServerError(f"nbdkit for {self.service}/{self.volume} failed: {err}")
            if time.monotonic() > deadline:
                raise PathServerError(f"nbdkit for {self.service}/{self.volume} does not listen on {self.socket}")
            time.sleep(0.02)

    def pid(self) -> int | None:
        try:
            return int(self.pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None

    def alive(self) -> bool:
        pid = self.pid()
        if pid is None:
            return False
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        return _cmdline(pid).startswith(b"nbdkit")

    def listening(self) -> bool:
        with socket.socket(socket.AF_UNIX) as s:
            s.settimeout(1)
            try:
                s.connect(str(self.socket))
            except OSError:
                return False
        return True

    def set_up(self, up: bool) -> None:
        """The path works (no error file) or fails every request (error file)."""
        if up:
            with contextlib.suppress(FileNotFoundError):
                self.error_file.unlink()
        else:
            self.error_file.touch()

    def serving(self) -> bool:
        """What a monitor sees of the path: the server is alive, listens and does not fail requests."""
        return self.alive() and not self.error_file.exists() and self.listening()

    def stop(self) -> None:
        pid = self.pid()
        if pid is not None and self.alive():
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            try:
                if self._proc is not None:
                    self._proc.wait(timeout=2)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
                self._proc.wait(timeout=2)
        for path in (self.socket, self.pidfile, self.error_file, self.logfile):
            with contextlib.suppress(FileNotFoundError):
                path.unlink()


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def stop_strays(directory: Path) -> list[int]:
    """Stop the servers a killed daemon left in `directory` (their pidfiles say which); the pids."""
    stopped = []
    for pidfile in directory.glob("*.pid"):
        try:
            pid = int(pidfile.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if _cmdline(pid).startswith(b"nbdkit") and str(directory).encode() in _cmdline(pid):
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
            stopped.append(pid)
        with contextlib.suppress(FileNotFoundError):
            pidfile.unlink()
    return stopped
