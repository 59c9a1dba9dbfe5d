"""The `Target` API: one way to look at and break a lab, whatever runs it (sim, kvm, sparc).

Suites, the operator procedures, the oracle and the judge use only this API, and it asks only what a
lab reached by commands can answer:

- `snapshot()`: the whole cluster and its domains at one instant (harness.targets.snapshot);
- `wait_for(condition, timeout)`: let the lab run until a snapshot satisfies the condition;
- `timeline`: events with times on the target's clock, fed by the target's event source (the
  engine in-process on `sim`; diffs of polled snapshots and the engine log on labs reached by
  commands); the judge reads it by time windows (`timeline.since(t)`), never by position;
- `timing()`: the resource types' timing as the cluster runs it, from which the judge derives
  how long to watch (harness.timing.Windows);
- `run(system, argv)`: a command as typed on a system; `disk_pools()`; `engine_log(since)`;
  `guest_io_outages(...)` where the target can measure guest I/O (capability "guest_io");
- `inject`/`heal`/`heal_all`: faults of the catalogue, through the fault ledger so that nothing a
  run broke outlives it (written before the lab is touched, dropped after the repair).
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from harness.faults import Fault
from harness.inventory import Lab
from harness.targets.snapshot import Snapshot
from harness.timeline import Timeline
from harness.timing import MEMBERSHIP_S, LabTiming


class InfrastructureError(Exception):
    """The lab cannot be used (unreachable, baseline not reached): exit 3, not a product failure."""


class BadLabInput(Exception):
    """What the run was asked to do does not fit the lab (wrong credentials, a --where naming
    nothing there, a bad template): exit 2, and nothing was sent that changes the lab."""


class Target(abc.ABC):
    kind: str = "?"
    clock_kind: str = "real"
    capabilities: frozenset[str] = frozenset()  # "guest_io": guest I/O outages are measured
    poll_s: float = 5.0  # how often (clock seconds) a target reached by commands looks at the lab
    fresh: bool = False  # the lab was booted for this test alone (sim); a shared lab keeps its history
    membership_s: float = MEMBERSHIP_S  # how long the cluster takes to see a system leave (harness.timing)

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger) -> None:
        self.lab = lab
        self.monitor = monitor
        self.seed = seed
        self.ledger = ledger
        self.timeline = Timeline()
        self.active_faults: list[Fault] = []
        self._repaired: list[Fault] = []  # healed on the lab, not yet dropped from the ledger

    # -- clock ----------------------------------------------------------------------------------
    @abc.abstractmethod
    def now(self) -> float: ...

    @abc.abstractmethod
    def wait_for(self, condition: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        """Let the lab run until a snapshot satisfies `condition` (that snapshot is returned) or
        `timeout` clock seconds pass (None)."""

    def wait(self, seconds: float) -> Snapshot:
        """Let the lab run for `seconds` (watching it: events reach the timeline); the last snapshot."""
        self.wait_for(lambda _: False, seconds)
        return self.snapshot()

    # -- the lab's state ----------------------------------------------------------------------------
    @abc.abstractmethod
    def snapshot(self) -> Snapshot: ...

    @abc.abstractmethod
    def run(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        """Run a command as on `system` (hastatus, hagrp, ldm, zpool, dladm, ...)."""

    @abc.abstractmethod
    def probe_monitor(self, system: str, attrs: dict[str, dict[str, str]]) -> tuple[int, str]:
        """Run the AlternateIO agent's monitor by hand on control system `system` for its resource with
        these ArgList values (`{"StorageSG": {group: "0"|"1"}, "NetworkSG": {...}}`), as the VCS agent
        framework would call it, outside the cluster's own cycle: (exit code, what it said)."""

    @abc.abstractmethod
    def timing(self) -> LabTiming:
        """The timing attributes of the resource types as the cluster runs them now."""

    @abc.abstractmethod
    def disk_pools(self) -> dict[str, str]:
        """`SYSTEM:DISK` -> pool on it, for the oracle's disk_offline rule (no silent default)."""

    def guest_io_outages(self, guest: str, t0: float, t1: float) -> list[tuple[float, float]]:
        """Intervals within [t0, t1] when the guest had no storage or no network path."""
        raise NotImplementedError(f"the {self.kind} target does not measure guest I/O")

    def guest_data_problems(self, guest: str, since: float) -> list[str]:
        """What the guest lost of its data by moving since `since` (targets that can read it back)."""
        return []

    def engine_log(self, since: float = 0.0) -> list[str]:
        return []

    # -- cluster commands the operator procedures need ------------------------------------------------
    def hagrp(self, *args: str, snap: Snapshot | None = None) -> tuple[int, str, str]:
        return self.run(self.any_running_system(snap), ["hagrp", *args])

    def any_running_system(self, snap: Snapshot | None = None) -> str:
        snap = snap or self.snapshot()
        for node in self.lab.nodes:
            for s in node.systems:
                if snap.running(s):
                    return s
        raise InfrastructureError("no cluster system is RUNNING")

    # -- faults ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def _inject(self, fault: Fault) -> None: ...

    @abc.abstractmethod
    def _heal(self, fault: Fault) -> None: ...

    def _heal_recipe(self, fault: Fault) -> list[dict] | None:
        """What the ledger should keep to heal `fault` without this process (commands targets)."""
        return None

    def inject(self, fault: Fault) -> None:
        """Record the fault in the ledger, then break the lab."""
        self.ledger.record(fault, heal=self._heal_recipe(fault))
        try:
            self._inject(fault)
        except BaseException:
            self.ledger.drop(fault)
            raise
        self.ledger.confirm(fault)
        self.active_faults.append(fault)
        self.timeline.add(self.now(), "fault", str(fault), fault.system)

    def heal(self, fault: Fault) -> None:
        """Repair the lab, then drop the fault from the ledger.

        A heal cut short by Ctrl-C after the repair is finished by the next call (teardown's heal_all)
        without repairing twice: a lab refuses to heal a fault that is no longer in force."""
        if fault not in self._repaired:
            self._heal(fault)
            self._repaired.append(fault)
        self.ledger.drop(fault)
        if fault in self.active_faults:
            self.active_faults.remove(fault)
        self._repaired.remove(fault)
        self.timeline.add(self.now(), "heal", str(fault), fault.system)

    def heal_all(self) -> list[Fault]:
        """Heal every fault in force, newest first; one heal that fails does not stop the others
        (the first error is raised once all were tried; its fault stays in the ledger)."""
        healed, errors = [], []
        for fault in reversed(list(self.active_faults)):
            try:
                self.heal(fault)
            except Exception as exc:  # noqa: BLE001 - try the rest, then report
                errors.append(exc)
            else:
                healed.append(fault)
        if errors:
            raise errors[0]
        return healed

    def step(self, name: str, detail: str = "") -> None:
        self.timeline.add(self.now(), "step", name, detail=detail)

    def close(self) -> None:
        """Heal what is still broken and release the lab."""
        self.heal_all()
