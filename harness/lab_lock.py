"""One run at a time on a shared lab (kvm, sparc): a lock file per lab, held for the whole session.

A sim lab lives inside each process (every xdist worker has its own), so it needs no lock. A shared
lab is one set of machines: two runs injecting faults into it at once would judge each other's
faults. The session's controller takes the lock before anything touches the lab and keeps it until
the session ends; a second run is refused with the holder's pid (exit 3, an infrastructure error).
The lock is an advisory `flock`, so a run killed with SIGKILL releases it with its process.
"""

from __future__ import annotations

import fcntl
import os
from pathlib import Path

from harness.faults import default_ledger_dir


class LabBusy(Exception):
    """Another run holds the lab."""


class LabLock:
    def __init__(self, lab: str, kind: str, directory: Path | None = None) -> None:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{lab}-{kind}")
        self.path = (directory or default_ledger_dir().parent / "locks") / f"{safe}.lock"
        self.lab, self.kind = lab, kind
        self._fh = None

    def acquire(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fh = open(self.path, "a+")
        try:
            fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            fh.seek(0)
            holder = fh.read().strip() or "?"
            fh.close()
            raise LabBusy(f"lab {self.lab} ({self.kind}) is in use by another run (pid {holder}); "
                          "shared labs take one run at a time") from None
        fh.seek(0)
        fh.truncate()
        fh.write(str(os.getpid()))
        fh.flush()
        self._fh = fh

    def release(self) -> None:
        if self._fh is not None:
            fcntl.flock(self._fh, fcntl.LOCK_UN)
            self._fh.close()
            self._fh = None

    def __enter__(self) -> LabLock:
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()
