"""Transcripts of sessions: what was sent (`>>> `), what came back, timestamped, secrets redacted.

Redaction happens when an entry is stored, never when it is read: a transcript never holds a
secret, so nothing that copies it (a report, a log) can leak one. Received data arrives in chunks
that may split a secret; the pending tail of a chunk is held back until it cannot be the start of
a secret. One `Transcript` may collect several sessions (each entry names its source), and
`mark()` / `text(since=mark)` give a test scenario just its own slice.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

REDACTED = "********"

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_])")

SENT = ">>> "
RECEIVED = "    "
STDERR = "2>  "
NOTE = "--- "


@dataclass(frozen=True)
class Entry:
    when: float
    source: str
    tag: str
    text: str


class Transcript:
    """An append-only, redacted record of one or more sessions."""

    def __init__(self, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        self._entries: list[Entry] = []
        self._secrets: list[str] = []
        self._pending: dict[str, str] = {}
        self._lock = threading.Lock()

    # -- secrets -------------------------------------------------------------------------------
    def redact(self, value: str) -> None:
        """Register a secret: from now on it is stored as ******** wherever it appears."""
        if value and value not in self._secrets:
            with self._lock:
                self._secrets.append(value)
                self._secrets.sort(key=len, reverse=True)

    def _scrub(self, text: str) -> str:
        for secret in self._secrets:
            text = text.replace(secret, REDACTED)
        return text

    def _held_back(self, text: str) -> int:
        """How many trailing characters could be the beginning of a secret (keep them pending)."""
        hold = 0
        for secret in self._secrets:
            for k in range(min(len(secret) - 1, len(text)), hold, -1):
                if text.endswith(secret[:k]):
                    hold = k
                    break
        return hold

    # -- writing -------------------------------------------------------------------------------
    def _store(self, source: str, tag: str, text: str) -> None:
        now = self._clock()
        for line in self._scrub(text).split("\n"):
            self._entries.append(Entry(now, source, tag, line))

    def sent(self, source: str, text: str) -> None:
        with self._lock:
            self._flush(source, final=True)
            self._store(source, SENT, text)

    def note(self, source: str, text: str) -> None:
        with self._lock:
            self._flush(source, final=True)
            self._store(source, NOTE, text)

    def lines(self, source: str, text: str, tag: str = RECEIVED) -> None:
        """Store already-parsed text (a command's stdout or stderr) line by line."""
        if not text:
            return
        with self._lock:
            self._flush(source, final=True)
            self._store(source, tag, text[:-1] if text.endswith("\n") else text)

    def received(self, source: str, chunk: str) -> None:
        """Raw terminal data: cleaned (ANSI, CR) and stored by complete lines."""
        with self._lock:
            self._pending[source] = self._pending.get(source, "") + chunk
            self._flush(source, final=False)

    def _flush(self, source: str, final: bool) -> None:
        data = self._pending.pop(source, "")
        if not data:
            return
        cut = data.rfind("\n") + 1
        if final:
            cut = len(data) - self._held_back(data)
        complete, rest = data[:cut], data[cut:]
        if rest:
            self._pending[source] = rest
        if complete:
            text = _ANSI.sub("", complete).replace("\r\n", "\n").replace("\r", "")
            self._store(source, RECEIVED, text[:-1] if text.endswith("\n") else text)

    def flush(self, source: str) -> None:
        """Store what is pending for `source` (before the terminal changes hands)."""
        with self._lock:
            self._flush(source, final=True)

    # -- reading -------------------------------------------------------------------------------
    def mark(self) -> int:
        """A position: `text(since=mark)` returns what was recorded after it."""
        with self._lock:
            for source in list(self._pending):
                self._flush(source, final=True)
            return len(self._entries)

    def text(self, since: int = 0, source: str | None = None) -> str:
        """The transcript from `since` on, one entry a line, optionally of one source only."""
        with self._lock:
            for name in list(self._pending):
                self._flush(name, final=True)
            entries = self._entries[since:]
        out = []
        for e in entries:
            if source is not None and e.source != source and not e.source.startswith(source + ">"):
                continue
            stamp = time.strftime("%H:%M:%S", time.localtime(e.when)) + f".{int(e.when * 1000) % 1000:03d}"
            out.append(f"{stamp} {e.source} {e.tag}{e.text}".rstrip())
        return "\n".join(out) + ("\n" if out else "")


class TranscriptTap:
    """A file-like sink for pexpect's `logfile_read`; muted while a marker command runs (the
    session then records the parsed output instead of marker noise)."""

    def __init__(self, transcript: Transcript, source: str) -> None:
        self.transcript = transcript
        self._source = source
        self.muted = False

    @property
    def source(self) -> str:
        return self._source

    @source.setter
    def source(self, name: str) -> None:
        """Who the terminal's data belongs to from now on (a console opened on a session's terminal)."""
        if name != self._source:
            self.transcript.flush(self._source)
            self._source = name

    def write(self, data: str) -> None:
        if not self.muted:
            self.transcript.received(self._source, data)

    def flush(self) -> None:
        pass


class Transcribed:
    """What every session offers of its transcript (`self.log`, entries tagged `self.name`)."""

    log: Transcript
    name: str

    def transcript(self, since: int = 0) -> str:
        """What this session sent (`>>> `) and received, timestamped, secrets redacted."""
        return self.log.text(since, source=self.name)

    def mark(self) -> int:
        return self.log.mark()

    def redact(self, value: str) -> None:
        """Never store `value` in the transcript (it becomes ********)."""
        self.log.redact(value)
