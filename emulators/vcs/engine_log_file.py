"""The engine log of a lab daemon as a real file a person can `tail -f`: every line the engine logs is
appended to it (one `write` per line, O_APPEND, no buffering) when the engine logs it.

`EngineLogFile(engine, path)` opens `path` (created 0600 if need be, never through a symlink) and
empties it in place, so the file keeps its inode across `lab down` / `lab up` and a `tail -f` that was
already following it goes on ("file truncated") rather than watching a file that was replaced.

The engine keeps its log as a list (`Engine.log_lines`) and tells nobody when it grows; the file is
kept up with it two ways: the list is swapped for one that says when a line is appended (the engine
only appends to it, and every reader sees the same list), and `flush()` writes whatever the file is
still missing, called by the daemon every `FLUSH_INTERVAL_S` as a safety net (an engine that one day
builds a new list, or writes it otherwise, still reaches the file within that time). A write that
fails (disk full) is said once on stderr and never disturbs the engine.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from emulators.front.labdir import open_private

FLUSH_INTERVAL_S = 0.5


class _Announcing(list):
    """A list of log lines that calls `on_grow()` after every append."""

    def __init__(self, lines, on_grow) -> None:
        super().__init__(lines)
        self._on_grow = on_grow

    def append(self, line) -> None:
        super().append(line)
        self._on_grow()

    def extend(self, lines) -> None:
        super().extend(lines)
        self._on_grow()

    def __iadd__(self, lines):
        super().__iadd__(lines)
        self._on_grow()
        return self


class EngineLogFile:
    """Follows one engine's log into one file (see the module docstring)."""

    def __init__(self, engine, path: Path) -> None:
        self.engine = engine
        self.path = Path(path)
        self._fd: int | None = open_private(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
        os.ftruncate(self._fd, 0)
        self._written = 0
        self._warned = False
        engine.log_lines = _Announcing(engine.log_lines, self.flush)
        self.flush()

    def flush(self) -> None:
        """Append the lines the file does not have yet."""
        lines = self.engine.log_lines
        if self._fd is None or len(lines) <= self._written:
            return
        data = "".join(f"{line}\n" for line in lines[self._written:]).encode("utf-8", "replace")
        self._written = len(lines)
        try:
            while data:
                data = data[os.write(self._fd, data):]
        except OSError as exc:
            if not self._warned:
                self._warned = True
                print(f"altio-hil lab: cannot append to the engine log {self.path}: {exc.strerror}; "
                      "lines are lost from the file (the engine keeps them)", file=sys.stderr, flush=True)

    def close(self) -> None:
        if self._fd is None:
            return
        self.flush()
        os.close(self._fd)
        self._fd = None
        lines = self.engine.log_lines
        if isinstance(lines, _Announcing):
            self.engine.log_lines = list(lines)
