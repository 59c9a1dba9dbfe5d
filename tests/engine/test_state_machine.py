"""Random faults, heals, switches, freezes and node deaths on virtual time, with invariants."""

from __future__ import annotations

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from emulators.vcs.config.model import GroupDep
from emulators.vcs.engine import EngineCommandError
from tests.engine.lab import Lab, config, group

SYSTEMS = ["s1", "s2", "s3"]


def _cfg():
    child = group("C", SYSTEMS, AutoStartList=["s1"])
    parent = group("P", SYSTEMS, AutoStartList=["s1"], group_deps=[GroupDep("C", "online", "local", "hard")])
    firm = group("F", SYSTEMS, AutoStartList=["s1"], group_deps=[GroupDep("C", "online", "local", "firm")])
    lone = group("L", SYSTEMS, AutoStartList=["s2"], FailOverPolicy="RoundRobin")
    manual = group("M", SYSTEMS, AutoStartList=["s3"], AutoFailOver=0)
    par = group("Q", SYSTEMS, Parallel=1, AutoStartList=SYSTEMS)
    soft = group("S", SYSTEMS, AutoStartList=["s1"], group_deps=[GroupDep("C", "online", "local", "soft")])
    glob = group("W", SYSTEMS, AutoStartList=["s3"], group_deps=[GroupDep("L", "online", "global", "firm")])
    return config(SYSTEMS, child, parent, firm, lone, manual, par, soft, glob)


FAILOVER = ["C", "P", "F", "L", "M", "S", "W"]
RES = {g: f"{g}_r" for g in ["C", "P", "F", "L", "M", "Q", "S", "W"]}


class EngineMachine(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.lab = Lab(_cfg())
        self.eng = self.lab.engine
        self.where: dict[str, list[str]] = {}
        self.stranded: set[tuple[str, str]] = set()  # (parent, system) left without its child while frozen
        self.snapshot()

    def snapshot(self) -> None:
        self.where = {g: self.eng.online_systems(g) for g in FAILOVER}

    def settle(self) -> None:
        assert self.eng.settle(limit=7200.0), "engine did not become quiescent"

    def check_not_moved(self, before: dict[str, list[str]], allowed: set[str]) -> None:
        for g in FAILOVER:
            now = self.eng.online_systems(g)
            if g in allowed:
                continue
            if self.eng.frozen(g) or g == "M":
                # a frozen group and an AutoFailOver=0 group never come up somewhere new by themselves
                assert set(now) <= set(before[g]) or not now, (g, before[g], now)

    @rule(g=st.sampled_from(list(RES)), s=st.sampled_from(SYSTEMS))
    def fault(self, g, s):
        before = {k: list(v) for k, v in self.where.items()}
        self.lab.app.fail(RES[g], s)
        self.lab.clock.advance(61)
        self.settle()
        self.check_not_moved(before, set())
        self.snapshot()

    @rule(g=st.sampled_from(list(RES)), s=st.sampled_from(SYSTEMS))
    def heal_and_clear(self, g, s):
        self.lab.app.heal(RES[g], s)
        if self.eng.system_state(s) == "RUNNING":
            self.eng.clear_group(g, s)
        self.settle()
        self.snapshot()

    @rule(g=st.sampled_from(FAILOVER), s=st.sampled_from(SYSTEMS))
    def switch(self, g, s):
        try:
            self.eng.switch_group(g, s)
        except EngineCommandError:
            pass
        self.settle()
        self.snapshot()

    @rule(g=st.sampled_from(FAILOVER), s=st.sampled_from(SYSTEMS))
    def online(self, g, s):
        try:
            self.eng.online_group(g, s)
        except EngineCommandError:
            pass
        self.settle()
        self.snapshot()

    @rule(g=st.sampled_from(FAILOVER))
    def freeze(self, g):
        self.eng.freeze_group(g)

    @rule(g=st.sampled_from(FAILOVER))
    def unfreeze(self, g):
        # a parent the child left while it was frozen stays where it is once unfrozen: unfreezing is
        # not an event VCS reacts to (no re-evaluation of what happened while frozen) until the
        # operator or a later event moves it
        self.stranded |= {(g, s) for s in self.eng.online_systems(g) if s not in self.eng.online_systems("C")}
        self.eng.unfreeze_group(g)

    @precondition(lambda self: sum(self.eng.system_state(s) == "RUNNING" for s in SYSTEMS) > 1)
    @rule(s=st.sampled_from(SYSTEMS), fault=st.booleans())
    def node_leaves(self, s, fault):
        if self.eng.system_state(s) != "RUNNING":
            return
        before = {k: list(v) for k, v in self.where.items()}
        if fault:  # the node died: whatever ran on it is gone
            for r in RES.values():
                self.lab.app.set_up(r, s, False)
        self.eng.system_leave(s, fault=fault)
        self.settle()
        self.check_not_moved(before, set())
        self.snapshot()

    @rule(s=st.sampled_from(SYSTEMS))
    def node_joins(self, s):
        if self.eng.system_state(s) == "RUNNING":
            return
        self.eng.system_join(s)
        self.settle()
        self.snapshot()

    @rule()
    def time_passes(self):
        before = {k: list(v) for k, v in self.where.items()}
        self.lab.clock.advance(300)
        self.settle()
        self.check_not_moved(before, set())
        self.snapshot()

    @invariant()
    def failover_group_online_once(self):
        for g in FAILOVER:
            assert len(self.eng.online_systems(g)) <= 1, (g, self.eng.online_systems(g))

    @invariant()
    def local_firm_hard_parent_only_with_child(self):
        self.stranded = {(p, s) for p, s in self.stranded if s in self.eng.online_systems(p)}
        for p in ("P", "F"):
            if self.eng.frozen(p):
                continue  # a frozen parent gets no action at all (documented exemption)
            for s in self.eng.online_systems(p):
                assert s in self.eng.online_systems("C") or (p, s) in self.stranded, (p, s)


EngineMachine.TestCase.settings = settings(max_examples=25, stateful_step_count=20, deadline=None,
                                           suppress_health_check=[HealthCheck.too_slow])
TestEngineMachine = EngineMachine.TestCase
