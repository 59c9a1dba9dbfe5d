"""The `sim` target: the lab runs in this process on a virtual clock.

Waiting costs no wall time: `wait_for` runs the lab's discrete events until a snapshot satisfies the
condition or the virtual deadline passes. Its event source is the engine and platform themselves
(subscribed in-process: every transition, exactly timed). Every pytest-xdist worker builds its own
labs, so nothing is shared and nothing needs locking; a fresh lab is cheap, which lets each scenario
start from a clean boot.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path

from emulators.agent_host import AgentHost
from emulators.clock import VirtualClock
from emulators.lab import LabSpec, NodeSpec, SimLab
from emulators.vcs.engine.log import stamp
from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.monitor_arg import is_agent_dir
from harness.targets.base import InfrastructureError, Target
from harness.targets.commands import UNREACHABLE, CommandTarget
from harness.targets.snapshot import Snapshot
from harness.timing import LabTiming


def lab_spec(lab: Lab, monitor: str, seed: int, with_timing: bool = True) -> LabSpec:
    """What the emulator builds for an inventory; `with_timing=False` boots the types' own timing
    (a lab that a run reaches by commands gets the inventory's timing from the run, as a real one)."""
    inv = lab.inventory
    return LabSpec(
        name=lab.name, main_cf=str(lab.main_cf),
        nodes=tuple(NodeSpec(n.name, n.control, tuple(n.alternates)) for n in inv.nodes),
        type_overrides=inv.timing.type_overrides() if with_timing else {}, monitor=monitor,
        time_scale=inv.timing.time_scale, seed=seed,
        kvm=inv.kvm.model_dump() if inv.target == "kvm" and inv.kvm else ({} if inv.target == "kvm" else None),
        **({"solaris": inv.solaris} if inv.solaris is not None else {}))


class _Live(Mapping):
    """A mapping read from the running lab on access: a sim snapshot costs nothing until asked."""

    def __init__(self, keys: Callable[[], list], get: Callable[[object], str]) -> None:
        self._keys, self._get = keys, get

    def __getitem__(self, key):
        if key not in self._keys():
            raise KeyError(key)
        return self._get(key)

    def get(self, key, default=None):
        try:
            return self[key]
        except KeyError:
            return default

    def __iter__(self) -> Iterator:
        return iter(self._keys())

    def __len__(self) -> int:
        return len(self._keys())


class _InProcessLab:
    """A lab built in this process on a virtual clock, and faults handed to its platform."""

    kind = "sim"
    clock_kind = "virtual"
    capabilities = frozenset({"guest_io"})
    fresh = True  # open_target boots one per test

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger) -> None:
        super().__init__(lab, monitor, seed, ledger)  # type: ignore[call-arg]
        self.clock = VirtualClock()
        spec = lab_spec(lab, monitor, seed)
        # --monitor DIR: the entry points run as processes, paced with the virtual clock
        self.agent_host = AgentHost.in_process(spec, Path(monitor)) if is_agent_dir(monitor) else None
        try:
            # the engine mutates its configuration (haconf); every lab gets its own copy
            self.sim = SimLab(spec, self.clock, config=copy.deepcopy(lab.config), agent_host=self.agent_host)
            if self.agent_host is not None:
                self.agent_host.serve(self.sim)
        except BaseException:  # the agent's homes (a temporary directory) are this lab's to remove
            if self.agent_host is not None:
                self.agent_host.close()
            raise

    def close(self) -> None:
        try:
            super().close()  # type: ignore[misc]
        finally:
            if self.agent_host is not None:
                self.agent_host.close()

    def boot(self, timeout: float = 3600.0) -> None:
        self.step("boot")  # type: ignore[attr-defined]
        if not self.sim.boot(limit=timeout):
            raise InfrastructureError(f"lab {self.lab.name} did not settle within {timeout:.0f} virtual seconds")  # type: ignore[attr-defined]

    def now(self) -> float:
        return self.clock.now()

    def probe_monitor(self, system: str, attrs: dict[str, dict[str, str]]) -> tuple[int, str]:
        code, lines = self.sim.probe_monitor(system, attrs)
        return code, "".join(f"{line}\n" for line in lines)

    def _inject(self, fault: Fault) -> None:
        self.sim.inject(fault.kind, fault.where)

    def _heal(self, fault: Fault) -> None:
        self.sim.heal(fault.kind, fault.where)


class SimTarget(_InProcessLab, Target):
    """Read in-process: every transition of the engine and platform, exactly timed."""

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger) -> None:
        super().__init__(lab, monitor, seed, ledger)
        self.sim.engine.subscribe(self._on_engine)
        self.sim.platform.subscribe(self._on_platform)
        engine, platform = self.sim.engine, self.sim.platform
        config = self.sim.config
        group_keys = [(g, s) for g, G in config.groups.items() for s in G.system_list]
        resource_keys = [(r, s) for G in config.groups.values() for r in G.resources for s in G.system_list]
        self._live = Snapshot(
            t=0.0,
            systems=_Live(lambda: list(config.systems), engine.system_state),
            groups=_Live(lambda: group_keys, lambda k: engine.group_state(*k)),
            resources=_Live(lambda: resource_keys, lambda k: engine.resource_state(*k)),
            domains=_Live(lambda: [(n.name, d) for n in platform.nodes.values() for d in n.domains],
                          lambda k: platform.node(k[0]).domain(k[1]).state),
        )

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

    # -- clock ---------------------------------------------------------------------------------------
    def wait_for(self, condition: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        deadline = self.clock.now() + timeout
        while not condition(snap := self.snapshot()):
            nxt = self.clock.next_time()
            if nxt is None or nxt > deadline:
                self.clock.run_until(deadline)
                return snap if condition(snap := self.snapshot()) else None
            self.clock.run_until(nxt)  # every event due at that instant, then look again
        return snap

    # -- state -----------------------------------------------------------------------------------------
    def snapshot(self) -> Snapshot:
        """The lab now; read lazily from the running engine, so valid until the clock moves."""
        object.__setattr__(self._live, "t", self.clock.now())
        return self._live

    def timing(self) -> LabTiming:
        return LabTiming.from_config(self.sim.config)

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


class SimCommandsTarget(_InProcessLab, CommandTarget):
    """The sim lab seen as a real lab is: only through commands and the parsers (inventory
    `sim: {via: commands}`). It proves that the suites, the oracle and the judge need nothing but the
    Target API, and it runs the command path of the `sparc` target on a virtual clock in CI."""

    poll_s = 5.0

    def _advance(self, seconds: float) -> None:
        self.clock.run_until(self.clock.now() + seconds)

    def run(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        """As typed over ssh: a domain that is not up cannot be logged in to (exit 255)."""
        try:
            _, dom = self.sim.platform.system(system)
        except Exception:  # noqa: BLE001 - not a domain of the lab
            return UNREACHABLE, "", f"ssh: Could not resolve hostname {system}\n"
        if not dom.up:
            return UNREACHABLE, "", f"ssh: connect to host {system} port 22: Connection refused\n"
        return self.sim.run_command(system, argv)

    def guest_host(self, guest: str) -> str | None:
        return guest
