"""A private OpenSSH server for the transport tests: its own host key, an authorized client key,
127.0.0.1 on a free port, stopped at teardown whatever happens."""

from __future__ import annotations

import getpass
import os
import signal
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path

SSHD = "/usr/sbin/sshd"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def keygen(path: Path) -> None:
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", path.name, "-f", str(path)],
                   check=True, stdin=subprocess.DEVNULL)


def descendants(pid: int) -> list[int]:
    """Processes below `pid` (read from /proc), deepest last."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    found: list[int] = []
    todo = [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


@dataclass
class Sshd:
    root: Path
    host: str = "127.0.0.1"
    port: int = 0
    user: str = field(default_factory=getpass.getuser)
    proc: subprocess.Popen[bytes] | None = None

    @property
    def client_key(self) -> str:
        return str(self.root / "client_key")

    @property
    def wrong_key(self) -> str:
        return str(self.root / "wrong_key")

    @property
    def known_hosts(self) -> str:
        return str(self.root / "known_hosts")

    @property
    def empty_known_hosts(self) -> str:
        return str(self.root / "empty_known_hosts")

    def prepare(self) -> None:
        for name in ("host_key", "client_key", "wrong_key"):
            keygen(self.root / name)
        (self.root / "authorized_keys").write_text((self.root / "client_key.pub").read_text())
        (self.root / "empty_known_hosts").write_text("")
        if os.geteuid() == 0:
            os.makedirs("/run/sshd", mode=0o755, exist_ok=True)  # sshd's privilege separation directory

    def start(self, attempts: int = 5) -> None:
        for _ in range(attempts):
            self.port = free_port()
            host_key = (self.root / "host_key.pub").read_text().split()
            Path(self.known_hosts).write_text(f"[{self.host}]:{self.port} {host_key[0]} {host_key[1]}\n")
            config = self.root / "sshd_config"
            config.write_text("\n".join([
                f"Port {self.port}", f"ListenAddress {self.host}",
                f"HostKey {self.root / 'host_key'}", f"PidFile {self.root / 'sshd.pid'}",
                f"AuthorizedKeysFile {self.root / 'authorized_keys'}",
                "UsePAM no", "StrictModes no", "PasswordAuthentication no",
                "KbdInteractiveAuthentication no", "PubkeyAuthentication yes", "PermitRootLogin yes",
                "PrintMotd yes", "PrintLastLog yes", "LogLevel INFO", "MaxStartups 50",
            ]) + "\n")
            log = open(self.root / "sshd.log", "ab")
            self.proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(config)], stdin=subprocess.DEVNULL,
                                         stdout=log, stderr=log)
            log.close()
            if self._wait_listening():
                return
            self.stop()
        raise RuntimeError(f"sshd did not start; its log:\n{self.log()}")

    def _wait_listening(self, timeout: float = 20.0) -> bool:
        deadline = time.monotonic() + timeout
        assert self.proc is not None
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                return False
            if "Server listening" in self.log():
                return True
            time.sleep(0.02)
        return False

    def log(self) -> str:
        try:
            return (self.root / "sshd.log").read_text(errors="replace")
        except OSError:
            return ""

    def kill_connections(self) -> list[int]:
        """SIGKILL every per-connection process of this sshd (the listener stays)."""
        assert self.proc is not None
        pids = descendants(self.proc.pid)
        for pid in pids:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        return pids

    def stop(self) -> None:
        if self.proc is None:
            return
        proc, self.proc = self.proc, None
        for pid in descendants(proc.pid):
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        proc.terminate()
        try:
            proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=5)
