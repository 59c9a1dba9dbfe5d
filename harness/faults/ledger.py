"""The fault ledger of a lab kept by the runner's machine (sim labs, and the local side of others).

Every fault is written to the ledger on disk *before* it is injected and removed only *after* its
heal succeeded, so a run killed half-way (SIGKILL, a lost SSH session) leaves a record of what is
still broken; `altio-hil heal` and the start of every session heal those leftovers (Jepsen's "final
heal that always runs"). Labs reached by commands keep their ledger on the lab itself
(harness/targets/lab_ledger.py) so that a run from any machine sees it.
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from harness.faults.catalogue import Fault


def default_ledger_dir() -> Path:
    base = os.environ.get("ALTIO_HIL_STATE") or os.path.join(
        os.environ.get("XDG_STATE_HOME", os.path.expanduser("~/.local/state")), "altio-hil")
    return Path(base) / "ledgers"


class FaultLedger:
    """Faults in force on one lab, kept in a JSON file so that another process can heal them.

    Shared labs (kvm, sparc) have one ledger per lab; sim labs live only in their process, so their
    ledgers are per process and nothing outlives it. Writes are atomic (rename) under a file lock.
    """

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    @classmethod
    def for_lab(cls, lab: str, target: str, directory: Path | None = None) -> FaultLedger:
        safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{lab}-{target}")
        return cls((directory or default_ledger_dir()) / f"{safe}.json")

    @contextmanager
    def _locked(self) -> Iterator[list[dict]]:
        lock = self.path.with_suffix(".lock")
        with open(lock, "a+") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            entries = self._read()
            yield entries
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps(entries, indent=1))
            os.replace(tmp, self.path)

    def _read(self) -> list[dict]:
        try:
            data = json.loads(self.path.read_text())
        except (OSError, ValueError):
            return []
        return data if isinstance(data, list) else []

    def entries(self) -> list[Fault]:
        return [Fault(e["kind"], e["where"]) for e in self._read()]

    def record(self, fault: Fault, heal: list[dict] | None = None) -> None:
        """Write `fault` down before it is injected ("injecting" until `confirm`); `heal` is how to
        repair it without this process, for targets that can say so."""
        with self._locked() as entries:
            entries.append({**fault.to_json(), "pid": os.getpid(), "since": time.time(), "state": "injecting",
                            **({"heal": heal} if heal else {})})

    def confirm(self, fault: Fault) -> None:
        """The fault is in force (its injection finished)."""
        with self._locked() as entries:
            for e in entries:
                if e["kind"] == fault.kind and e["where"] == fault.where and e.get("pid") == os.getpid():
                    e["state"] = "in force"

    def drop(self, fault: Fault, pid: int | None = None) -> None:
        """Forget one record of `fault`: the one of process `pid` when given, else preferably this
        process's own (pytest-xdist workers may hold the same fault on their own sim labs at once)."""
        with self._locked() as entries:
            same = [i for i, e in enumerate(entries) if e["kind"] == fault.kind and e["where"] == fault.where]
            if pid is not None:
                same = [i for i in same if entries[i].get("pid") == pid]
            mine = [i for i in same if entries[i].get("pid") == os.getpid()]
            if same:
                del entries[(mine or same)[0]]

    def heal_all(self, heal: Callable[[Fault], None]) -> list[Fault]:
        """Heal every recorded fault, newest first; a fault stays recorded if its heal fails."""
        healed = []
        for fault in reversed(self.entries()):
            heal(fault)
            self.drop(fault)
            healed.append(fault)
        return healed
