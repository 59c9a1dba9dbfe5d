"""Fault catalogue and the fault ledger.

A fault is a kind from DESIGN.md's catalogue and a place: `SYSTEM` (domain_kill, node_power_off) or
`SYSTEM:OBJECT` (nic_pull, disk_offline, zpool_offline). Every fault is written to the ledger on disk
*before* it is injected and removed only *after* its heal succeeded, so a run killed half-way (SIGKILL,
a lost SSH session) leaves a record of what is still broken; `altio-hil heal` and the start of every
session heal those leftovers (Jepsen's "final heal that always runs").
"""

from __future__ import annotations

import fcntl
import json
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

from emulators.ovm.faults import FAULT_KINDS as _KINDS
from emulators.ovm.faults import FaultPlace

_DESCRIPTIONS = {
    "nic_pull": "SYSTEM:NIC — the physical NIC of a service domain loses its link",
    "disk_offline": "SYSTEM:DISK — a disk of a service domain goes offline",
    "zpool_offline": "SYSTEM:POOL — a zpool of a service domain can no longer be opened",
    "domain_kill": "SYSTEM — a control, alternate or guest domain stops at once",
    "node_power_off": "SYSTEM — the physical node holding SYSTEM loses power",
}
# the catalogue is the platform's (DESIGN.md); the harness adds what each kind means to a person
FAULT_KINDS: dict[str, str] = {k: _DESCRIPTIONS[k] for k in _KINDS}
NEEDS_OBJECT = {"nic_pull", "disk_offline", "zpool_offline"}


class FaultSpecError(ValueError):
    """A fault that cannot be: unknown kind, malformed place."""


@dataclass(frozen=True, order=True)
class Fault(FaultPlace):
    """A fault to inject: a kind of the catalogue and its place."""

    kind: str
    where: str

    def __post_init__(self) -> None:
        if self.kind not in FAULT_KINDS:
            raise FaultSpecError(f"unknown fault kind '{self.kind}'; valid kinds: {', '.join(FAULT_KINDS)}")
        has_object = ":" in self.where
        if self.kind in NEEDS_OBJECT and not has_object:
            raise FaultSpecError(f"{self.kind} needs --where SYSTEM:OBJECT ({FAULT_KINDS[self.kind]})")
        if self.kind not in NEEDS_OBJECT and has_object:
            raise FaultSpecError(f"{self.kind} takes --where SYSTEM, not '{self.where}'")

    def __str__(self) -> str:
        return f"{self.kind} {self.where}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "where": self.where}


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

    def record(self, fault: Fault) -> None:
        with self._locked() as entries:
            entries.append({**asdict(fault), "pid": os.getpid(), "since": time.time()})

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
