"""The `Target` API: one way to look at and break a lab, whatever runs it (sim, kvm, sparc).

Suites and the scenario runner talk only to this API. A target knows its clock (virtual seconds in
`sim`, wall seconds elsewhere), keeps a timeline of everything it saw or did, and injects and heals
faults through the fault ledger so that nothing it broke outlives a run.
"""

from __future__ import annotations

import abc
from collections.abc import Callable

from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.timeline import Timeline


class InfrastructureError(Exception):
    """The lab cannot be used (unreachable, baseline not reached): exit 3, not a product failure."""


class Target(abc.ABC):
    kind: str = "?"
    clock_kind: str = "real"

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger) -> None:
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
    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        """Let the lab run until `predicate()` holds or `timeout` clock seconds pass."""

    def wait(self, seconds: float) -> None:
        self.wait_until(lambda: False, seconds)

    # -- cluster and domain state --------------------------------------------------------------------
    @abc.abstractmethod
    def group_state(self, group: str, system: str) -> str: ...

    @abc.abstractmethod
    def resource_state(self, resource: str, system: str) -> str: ...

    @abc.abstractmethod
    def system_state(self, system: str) -> str: ...

    @abc.abstractmethod
    def domain_state(self, node: str, domain: str) -> str:
        """`ldm` state (active, bound, inactive) of a domain on a physical node; "" when undefined."""

    @abc.abstractmethod
    def guest_io_outages(self, guest: str, t0: float, t1: float) -> list[tuple[float, float]]:
        """Intervals within [t0, t1] when the guest had no storage or no network path."""

    @abc.abstractmethod
    def run(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        """Run a command as on `system` (hastatus, hagrp, ldm, zpool, dladm, ...)."""

    @abc.abstractmethod
    def engine_log(self, since: float = 0.0) -> list[str]: ...

    def disk_pools(self) -> dict[str, str]:
        """`SYSTEM:DISK` -> pool on it, for the oracle's disk_offline rule."""
        return {}

    def groups_online(self, group: str) -> list[str]:
        return [s for s in self.lab.config.groups[group].system_list if self.group_state(group, s) == "ONLINE"]

    # -- cluster commands the harness needs to restore a steady state ------------------------------------
    def hagrp(self, *args: str) -> tuple[int, str, str]:
        return self.run(self.any_running_system(), ["hagrp", *args])

    def any_running_system(self) -> str:
        for node in self.lab.nodes:
            for s in node.systems:
                if self.system_state(s) == "RUNNING":
                    return s
        raise InfrastructureError("no cluster system is RUNNING")

    # -- faults ------------------------------------------------------------------------------------
    @abc.abstractmethod
    def _inject(self, fault: Fault) -> None: ...

    @abc.abstractmethod
    def _heal(self, fault: Fault) -> None: ...

    def inject(self, fault: Fault) -> None:
        """Record the fault in the ledger, then break the lab."""
        self.ledger.record(fault)
        try:
            self._inject(fault)
        except Exception:
            self.ledger.drop(fault)
            raise
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
