"""The `sim` target: the lab runs in this process on a virtual clock.

Waiting costs no wall time: `wait_until` runs the lab's discrete events until the predicate holds or
the virtual deadline passes. Every pytest-xdist worker builds its own labs, so nothing is shared and
nothing needs locking; a fresh lab is cheap, which lets each scenario start from a clean boot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from emulators.clock import VirtualClock
from emulators.lab import LabSpec, NodeSpec, SimLab
from emulators.vcs.engine.log import stamp
from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.targets.base import InfrastructureError, Target


def lab_spec(lab: Lab, monitor: str, seed: int) -> LabSpec:
    inv = lab.inventory
    return LabSpec(
        name=lab.name, main_cf=str(lab.main_cf),
        nodes=tuple(NodeSpec(n.name, n.control, tuple(n.alternates)) for n in inv.nodes),
        type_overrides=inv.timing.type_overrides(), monitor=monitor,
        time_scale=inv.timing.time_scale, seed=seed)


class SimTarget(Target):
    kind = "sim"
    clock_kind = "virtual"

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger) -> None:
        super().__init__(lab, monitor, seed, ledger)
        self.clock = VirtualClock()
        # the engine mutates its configuration (haconf); every lab gets its own copy
        self.sim = SimLab(lab_spec(lab, monitor, seed), self.clock, config=copy.deepcopy(lab.config))
        self.sim.engine.subscribe(self._on_engine)
        self.sim.platform.subscribe(self._on_platform)

    # -- events into the timeline ----------------------------------------------------------------------
    def _on_engine(self, ev) -> None:
        self.timeline.add(ev.time, ev.kind, ev.name, ev.system, ev.old, ev.new)

    def _on_platform(self, ev) -> None:
        kind = getattr(ev, "kind", "")
        if kind == "domain":
            self.timeline.add(self.clock.now(), "domain", ev.domain, ev.node, ev.old, ev.new)
        elif kind == "io":
            self.timeline.add(self.clock.now(), "io", f"{ev.guest} storage", ev.node, None,
                              "ok" if ev.storage_ok else "lost")
            self.timeline.add(self.clock.now(), "io", f"{ev.guest} network", ev.node, None,
                              "ok" if ev.network_ok else "lost")

    # -- lifecycle -----------------------------------------------------------------------------------
    def boot(self, timeout: float = 3600.0) -> None:
        self.step("boot")
        if not self.sim.boot(limit=timeout):
            raise InfrastructureError(f"lab {self.lab.name} did not settle within {timeout:.0f} virtual seconds")

    # -- clock ---------------------------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def wait_until(self, predicate: Callable[[], bool], timeout: float) -> bool:
        deadline = self.clock.now() + timeout
        while not predicate():
            nxt = self.clock.next_time()
            if nxt is None or nxt > deadline:
                self.clock.run_until(deadline)
                return predicate()
            self.clock.run_until(nxt)  # every event due at that instant, then look again
        return True

    # -- state -----------------------------------------------------------------------------------------
    def group_state(self, group: str, system: str) -> str:
        return self.sim.engine.group_state(group, system)

    def resource_state(self, resource: str, system: str) -> str:
        return self.sim.engine.resource_state(resource, system)

    def system_state(self, system: str) -> str:
        return self.sim.engine.system_state(system)

    def domain_state(self, node: str, domain: str) -> str:
        try:
            return self.sim.platform.node(node).domain(domain).state
        except Exception:  # noqa: BLE001 - not defined on that node
            return ""

    def guest_io_outages(self, guest: str, t0: float, t1: float) -> list[tuple[float, float]]:
        return [(o.start, o.end if o.end is not None else t1) for o in self.sim.platform.io_outages(guest, t0, t1)]

    def run(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        return self.sim.run_command(system, argv)

    def engine_log(self, since: float = 0.0) -> list[str]:
        # lines start with "YYYY/MM/DD hh:mm:ss" (epoch + clock seconds): they compare as text
        cut = stamp(self.sim.engine.epoch, since)
        return [line for line in self.sim.engine.log_lines if line[:19] >= cut]

    def disk_pools(self) -> dict[str, str]:
        return {f"{dom.hostname}:{disk}": pool.name
                for node in self.sim.platform.nodes.values() for dom in node.domains.values()
                for pool in dom.pools.values() for disk in pool.disks()}

    # -- faults ----------------------------------------------------------------------------------------
    def _inject(self, fault: Fault) -> None:
        self.sim.inject(fault.kind, fault.where)

    def _heal(self, fault: Fault) -> None:
        self.sim.heal(fault.kind, fault.where)
