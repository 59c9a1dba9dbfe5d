"""The host end of a guest's I/O probe: read its serial socket, stamp every line as it arrives.

The guest's /init prints `altio disk N ok|fail`, `altio net N ok|fail`, `altio boot counter=N`,
`altio path DEV failed|reinstated`, `altio bond active=NIC` on its second serial port (libvirt binds
it to a unix socket). A reader thread per running guest VM appends `Sample`s stamped with
time.monotonic() (the clock every process of this host shares, so the harness can compare them with
its own) to a list the lab daemon serves (`{"op": "probe"}`), and keeps the raw lines for reports.
"""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from dataclasses import dataclass


@dataclass(frozen=True)
class Sample:
    t: float
    guest: str
    node: str
    kind: str  # disk | net | boot | path | bond
    seq: int | None
    ok: bool
    text: str

    def to_json(self) -> list:
        return [round(self.t, 3), self.guest, self.node, self.kind, self.seq, self.ok, self.text]

    @classmethod
    def from_json(cls, row: list) -> Sample:
        t, guest, node, kind, seq, ok, text = row
        return cls(float(t), str(guest), str(node), str(kind), seq, bool(ok), str(text))


def parse_line(line: str) -> tuple[str, int | None, bool] | None:
    """`altio disk 12 ok` -> ("disk", 12, True); other probe lines keep their kind; noise -> None."""
    words = line.strip().split()
    if len(words) < 2 or words[0] != "altio":
        return None
    kind = words[1]
    if kind in ("disk", "net") and len(words) == 4 and words[2].isdigit():
        return kind, int(words[2]), words[3] == "ok"
    if kind == "boot":
        counter = words[2].partition("=")[2] if len(words) > 2 else ""
        return "boot", int(counter) if counter.isdigit() else None, True
    if kind == "path" and len(words) == 4:
        return "path", None, words[3] == "reinstated"
    if kind in ("bond", "error"):
        return kind, None, kind == "bond"
    return None


class ProbeReader:
    """Reads one guest VM's probe socket until `stop()` or the VM goes away."""

    def __init__(self, guest: str, node: str, path: str, sink: list[Sample], lock: threading.Lock) -> None:
        self.guest, self.node, self.path = guest, node, path
        self.sink, self.lock = sink, lock
        self._stop = threading.Event()
        self._sock: socket.socket | None = None
        self.thread = threading.Thread(target=self._run, name=f"probe-{guest}@{node}", daemon=True)
        self.thread.start()

    def _connect(self) -> socket.socket | None:
        deadline = time.monotonic() + 30
        while not self._stop.is_set() and time.monotonic() < deadline:
            s = socket.socket(socket.AF_UNIX)
            try:
                s.connect(self.path)
                return s
            except OSError:
                s.close()
                time.sleep(0.05)
        return None

    def _run(self) -> None:
        sock = self._connect()
        if sock is None:
            return
        self._sock = sock
        buf = b""
        with sock:
            while not self._stop.is_set():
                try:
                    chunk = sock.recv(4096)
                except OSError:
                    break
                if not chunk:
                    break
                t = time.monotonic()
                buf += chunk
                *lines, buf = buf.split(b"\n")
                for raw in lines:
                    text = raw.decode(errors="replace").strip("\r\n ")
                    parsed = parse_line(text)
                    if parsed is None:
                        continue
                    kind, seq, ok = parsed
                    with self.lock:
                        self.sink.append(Sample(t, self.guest, self.node, kind, seq, ok, text))

    def stop(self) -> None:
        self._stop.set()
        if self._sock is not None:
            with contextlib.suppress(OSError):
                self._sock.shutdown(socket.SHUT_RDWR)
