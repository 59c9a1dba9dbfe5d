"""Scenarios of the seed's failover table, generated from a lab, and the runner that plays one.

`failover_matrix(topology)` expands every row of the reference table (S1-S4, N1-N4, D1-D4) over every
node, every storage and network service group that AlternateIO names there, and every alternate
domain where a node has several. `combined_faults(topology)` adds cross-group combinations. Both do
so for every guest of the lab (`Topology.guests()`), each scenario naming the guest it judges. The
oracle decides every expectation; nothing here names a group, system or pool.

`play(target, oracle, scenario, report)` runs one scenario: baseline (the lab in its steady state with
the LDom group on the scenario's node), inject, wait for the outcome or the oracle's deadline,
observe, heal, restore the steady state (clearing faults where VCS requires it) and check that the
heal moved nothing. The returned dict is a `results.json` scenario.
"""

from __future__ import annotations

import contextlib
import functools
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Protocol

from harness.faults import Fault
from harness.oracle import Expected, Oracle, Topology
from harness.targets.base import InfrastructureError, Target
from harness.targets.snapshot import Snapshot

ROWS = {
    "S1": "storage SG online on control and alternate: no failover",
    "S2": "storage SG faulted on control, online on alternate: no failover",
    "S3": "storage SG online on control, faulted on alternate: no failover",
    "S4": "storage SG faulted on control and alternate: failover",
    "N1": "network SG online on control and alternate: no failover",
    "N2": "network SG faulted on control, online on alternate: no failover",
    "N3": "network SG online on control, faulted on alternate: no failover",
    "N4": "network SG faulted on control and alternate: failover",
    "D1": "control and alternate domains up: no failover",
    "D2": "alternate domain down: no failover",
    "D3": "control domain down: failover",
    "D4": "control and alternate domains down: failover",
}


@dataclass(frozen=True)
class Scenario:
    id: str
    row: str  # S1..D4, a combination such as "S2+N3", "nemesis"
    node: str  # physical node the guest starts on
    active: str  # control system the LDom group starts on
    group: str  # the service group (or domain) the row is about
    faults: tuple[Fault, ...] = field(default_factory=tuple)
    guest: str = ""  # the LDom service group of the guest judged ("" : the lab's first guest)

    @property
    def description(self) -> str:
        return ROWS.get(self.row, self.row)


def group_faults(topo: Topology, sg: str, system: str, kind: str) -> list[Fault]:
    """What takes a group away on a system: its NICs pulled, or its storage lost (pools offline, and
    the disks of a shared backend offline on that path)."""
    if kind != "zpool_offline":
        return [Fault(kind, f"{system}:{o}") for o in topo.nics(sg, system)]
    return ([Fault(kind, f"{system}:{p}") for p in topo.pools(sg, system)]
            + [Fault("disk_offline", f"{system}:{d}") for d in topo.disks(sg, system)])


def _every_guest(generate):
    """Run a generator of one guest's scenarios for every guest of the lab: each scenario names the
    guest it judges, and in a lab of several guests its id starts with that guest's LDom group."""
    @functools.wraps(generate)
    def over_guests(topo: Topology) -> list[Scenario]:
        out: list[Scenario] = []
        for t in topo.guests():
            for sc in generate(t):
                sid = f"{t.ldom_group}:{sc.id}" if topo.multiguest else sc.id
                out.append(replace(sc, id=sid, guest=t.ldom_group))
        return out

    return over_guests


@_every_guest
def failover_matrix(topo: Topology) -> list[Scenario]:
    out: list[Scenario] = []
    for control in topo.control_systems():
        node = topo.node_of(control)
        alternates = [s for s in node.systems if s != control]
        service = topo.services[control]
        for family, groups, kind in (("S", service.storage, "zpool_offline"), ("N", service.network, "nic_pull")):
            for sg in groups:
                serving = topo.serving_systems(sg)
                on_control = group_faults(topo, sg, control, kind)
                alt_serving = [a for a in serving if a != control]
                out.append(Scenario(f"{family}1[{node.name}/{sg}]", f"{family}1", node.name, control, sg))
                out.append(Scenario(f"{family}2[{node.name}/{sg}]", f"{family}2", node.name, control, sg,
                                    tuple(on_control)))
                for alt in alt_serving:
                    out.append(Scenario(f"{family}3[{node.name}/{sg}/{alt}]", f"{family}3", node.name, control,
                                        sg, tuple(group_faults(topo, sg, alt, kind))))
                everywhere = [f for s in serving for f in group_faults(topo, sg, s, kind)]
                out.append(Scenario(f"{family}4[{node.name}/{sg}]", f"{family}4", node.name, control, sg,
                                    tuple(everywhere)))
                partial = [Fault("zpool_offline", f"{s}:{p}") for s in serving for p in topo.partial_pools(sg, s)]
                if family == "S" and partial:  # a PARTIAL group serves no I/O one can count on
                    out.append(Scenario(f"S4[{node.name}/{sg}/partial]", "S4", node.name, control, sg,
                                        tuple(partial)))
        # the D rows are about the node's domains: one matrix column per node ("" = the domain column),
        # one per alternate domain where a node has several
        out.append(Scenario(f"D1[{node.name}]", "D1", node.name, control, ""))
        for alt in alternates:
            out.append(Scenario(f"D2[{node.name}/{alt}]", "D2", node.name, control,
                                alt if len(alternates) > 1 else "", (Fault("domain_kill", alt),)))
        out.append(Scenario(f"D3[{node.name}]", "D3", node.name, control, "",
                            (Fault("domain_kill", control),)))
        out.append(Scenario(f"D4[{node.name}]", "D4", node.name, control, "",
                            tuple(Fault("domain_kill", s) for s in (control, *alternates))))
        out.append(Scenario(f"D4[{node.name}/power]", "D4", node.name, control, "",
                            (Fault("node_power_off", control),)))
    return out


@_every_guest
def combined_faults(topo: Topology) -> list[Scenario]:
    """Faults across groups and domains at once; the oracle decides each outcome.

    Each combination is named by the reference rows it combines, one per group or domain: a storage
    fault on the control domain with a network fault on the alternate is S2 for the storage group
    and N3 for the network group, hence row "S2+N3".
    """
    out: list[Scenario] = []
    for control in topo.control_systems():
        node = topo.node_of(control)
        service = topo.services[control]
        alternates = [s for s in node.systems if s != control]
        for sg in service.storage:
            for ng in service.network:
                for alt in alternates:
                    if alt not in topo.serving_systems(sg) or alt not in topo.serving_systems(ng):
                        continue
                    out.append(Scenario(f"S2+N3[{node.name}/{sg}@{control}+{ng}@{alt}]", "S2+N3", node.name,
                                        control, f"{sg}+{ng}",
                                        tuple(group_faults(topo, sg, control, "zpool_offline")
                                              + group_faults(topo, ng, alt, "nic_pull"))))
                    out.append(Scenario(f"N2+S3[{node.name}/{ng}@{control}+{sg}@{alt}]", "N2+S3", node.name,
                                        control, f"{ng}+{sg}",
                                        tuple(group_faults(topo, ng, control, "nic_pull")
                                              + group_faults(topo, sg, alt, "zpool_offline"))))
            for alt in alternates:
                # storage lost on the control domain while an alternate domain dies
                out.append(Scenario(f"S2+D2[{node.name}/{sg}@{control}+{alt} down]", "S2+D2", node.name, control,
                                    f"{sg}+{alt}", tuple(group_faults(topo, sg, control, "zpool_offline")
                                                         + [Fault("domain_kill", alt)])))
    return out


# -- playing a scenario ------------------------------------------------------------------------------------

class Report(Protocol):
    """Where a scenario's steps and attachments go (Allure in the plugin; nothing elsewhere)."""

    def step(self, title: str) -> contextlib.AbstractContextManager: ...

    def attach(self, name: str, body: str, kind: str = "text") -> None: ...


class StepFailed(AssertionError):
    """Raised inside a report step so that the report shows that step failed; caught right after it."""


class Judged:
    problems: list[str]

    def __init__(self) -> None:
        self.problems = []


@contextlib.contextmanager
def judged_step(report: Report, title: str) -> Iterator[Judged]:
    """A report step that fails (red in Allure) when the block leaves problems in `judged.problems`;
    the scenario goes on (its heal still runs). Any other exception goes through, marking it broken."""
    judged = Judged()
    try:
        with report.step(title):
            yield judged
            if judged.problems:
                raise StepFailed("; ".join(judged.problems))
    except StepFailed:
        pass


class NoReport:
    def step(self, title: str) -> contextlib.AbstractContextManager:
        return contextlib.nullcontext()

    def attach(self, name: str, body: str, kind: str = "text") -> None:
        pass


def ldom_location(snap: Snapshot, topo: Topology) -> str | None:
    """The system where the LDom group is ONLINE (None when nowhere)."""
    for s in topo.control_systems():
        if snap.running(s) and snap.group(topo.ldom_group, s) == "ONLINE":
            return s
    return None


def _groups_to_hold(topo: Topology, control: str) -> list[str]:
    """Service groups that must be ONLINE on every system of their SystemList in the steady state
    with the guest on `control`: the groups AlternateIO drives there (value 1), and on every node
    the groups it only watches (value 0), which run by themselves (AutoStart)."""
    groups = [sg for sg, v in topo.services[control].groups.items() if v]
    for other in topo.control_systems():
        groups += [sg for sg, v in topo.services[other].groups.items() if not v and sg not in groups]
    return groups


def steady_problems(snap: Snapshot, topo: Topology, control: str) -> list[str]:
    """What keeps the lab from its steady state with the guest on `control` (empty: steady)."""
    problems = []
    node = topo.node_of(control)
    for s in node.systems:
        if not snap.running(s):
            problems.append(f"system {s} is {snap.system(s)}")
    for g in (topo.alternateio_group, topo.ldom_group):
        st = snap.group(g, control)
        if st != "ONLINE":
            problems.append(f"group {g} is {st or 'unknown'} on {control}")
    for sg in _groups_to_hold(topo, control):
        for s in topo.serving_systems(sg):
            if not snap.running(s) and s not in node.systems:
                continue  # another node's domain that is down: not this scenario's business
            st = snap.group(sg, s)
            if st != "ONLINE":
                problems.append(f"group {sg} is {st or 'unknown'} on {s}")
    if snap.domain(node.name, topo.guest) != "active":
        problems.append(f"guest {topo.guest} is not active on {node.name}")
    io = snap.io.get(topo.guest)
    if io is not None and not (io.storage_ok and io.network_ok):  # e.g. a guest still booting
        problems.append(f"guest {topo.guest} has no {'storage' if not io.storage_ok else 'network'} I/O yet")
    return problems


def clear_faults(target: Target, topo: Topology) -> None:
    """`hagrp -clear` every FAULTED group on the running systems (VCS wants that before a group may
    run there again)."""
    snap = target.snapshot()
    for g in topo.config.groups:
        for s in topo.group(g).system_list:
            if snap.running(s) and "FAULTED" in snap.group(g, s):
                target.hagrp("-clear", g, "-sys", s, snap=snap)


def restore(target: Target, topo: Topology, control: str, timeout: float = 600.0) -> None:
    """Bring the lab back to its steady state around `control` the way an operator would:
    clear every FAULTED group (VCS wants that before a group may run there again), then online what
    is missing: the guest's groups on `control` (the AlternateIO group first: the LDom group requires
    it online locally), and the service groups of `_groups_to_hold`."""
    clear_faults(target, topo)
    snap = target.snapshot()
    where = ldom_location(snap, topo)
    aio = topo.alternateio_group
    # the AlternateIO group goes where the guest is (or will be); a rejoining system that found it
    # online (a concurrency violation) may have taken it offline under an online LDom group
    if where in (None, control) and snap.running(control) and snap.group(aio, control) != "ONLINE":
        elsewhere = [s for s in topo.group(aio).system_list
                     if s != control and snap.running(s) and snap.group(aio, s) == "ONLINE"]
        if elsewhere:  # a failover group online on another system: only a switch brings it here
            target.hagrp("-switch", aio, "-to", control, snap=snap)
        elif snap.group(aio, control) == "OFFLINE":
            target.hagrp("-online", aio, "-sys", control, snap=snap)
        snap = target.wait_for(lambda s: s.group(aio, control) == "ONLINE", timeout) or target.snapshot()
    if where is None and snap.running(control):
        target.hagrp("-online", topo.ldom_group, "-sys", control, snap=snap)
    for sg in _groups_to_hold(topo, control):
        for s in topo.serving_systems(sg):
            if snap.running(s) and snap.group(sg, s) == "OFFLINE":
                target.hagrp("-online", sg, "-sys", s, snap=snap)


def move_guest(target: Target, topo: Topology, dest: str, timeout: float) -> bool:
    """Move the LDom group (and the AlternateIO group it depends on) to `dest`, as an operator would.

    `hagrp -switch` first; the emulated engine, like VCS for a parent with an online-local-hard child
    that is not online on the target, refuses it: then parent down, child switched, parent up.
    """
    snap = target.snapshot()
    where = ldom_location(snap, topo)
    if where is None or where == dest:
        return where == dest
    rc, _, _ = target.hagrp("-switch", topo.ldom_group, "-to", dest, snap=snap)
    if rc != 0:
        target.hagrp("-offline", topo.ldom_group, "-sys", where, snap=snap)
        target.wait_for(lambda s: s.group(topo.ldom_group, where) == "OFFLINE", timeout)
        target.hagrp("-switch", topo.alternateio_group, "-to", dest)
        target.wait_for(lambda s: s.group(topo.alternateio_group, dest) == "ONLINE", timeout)
        target.hagrp("-online", topo.ldom_group, "-sys", dest)
    return target.wait_for(lambda s: ldom_location(s, topo) == dest, timeout) is not None


def _settled(snap: Snapshot, topo: Topology) -> bool:
    """No group of the guest's in transition, and each online on one system at most: a rejoining system
    first probes its resources, and until VCS has resolved what it found (a concurrency violation)
    a switch would act on a state that is about to change."""
    for g in (topo.alternateio_group, topo.ldom_group):
        states = [snap.group(g, s) or "" for s in topo.group(g).system_list if snap.running(s)]
        if sum(st == "ONLINE" for st in states) > 1 or any(
                w in st for st in states for w in ("STARTING", "STOPPING", "W_")):
            return False
    return True


class AgentFailure(AssertionError):
    """The steady state was not reached because the AlternateIO agent under test did not bring its
    group online (an entry point that cannot run, crashes, hangs, answers garbage or does nothing):
    a verdict on the agent, never an infrastructure error."""


def agent_failure(target: Target, topo: Topology, control: str, since: float = 0.0) -> list[str]:
    """Why the agent under test, and not the lab, keeps the steady state from `control` (empty: it is
    not the agent). The agent is to blame when every system of the node is up and the AlternateIO
    group or resource is not ONLINE there; its own log lines (entry point errors, timeouts, an
    UNKNOWN state) say how."""
    snap = target.snapshot()
    node = topo.node_of(control)
    if not all(snap.running(s) for s in node.systems):
        return []
    res, grp = topo.alternateio_resource, topo.alternateio_group
    res_state, grp_state = snap.resource(res, control) or "unknown", snap.group(grp, control) or "unknown"
    if res_state == "ONLINE" and grp_state == "ONLINE":
        return []
    reasons = [f"the AlternateIO agent under test did not bring {grp} online on {control} with every "
               f"system of {node.name} up: resource {res} is {res_state}, group {grp} is {grp_state}"]
    said: dict[str, str] = {}  # the same message with other counts or systems is said once, the latest
    for line in target.engine_log(since):
        if res not in line or not any(w in line for w in (" ERROR ", " WARNING ", "timed out", "UNKNOWN")):
            continue
        text = line.split(" V-16-", 1)[-1].split(" ", 1)[-1]  # the message, without stamp and UMI
        key = re.sub(r"\d+", "#", text.replace(control, "SYS"))
        said.pop(key, None)
        said[key] = text
    reasons += [f"engine log: {text}" for text in list(said.values())[-4:]]
    return reasons


def bring_to(target: Target, topo: Topology, control: str, timeout: float) -> None:
    """Baseline: steady state with the LDom group on `control` (moving it there if needed).

    A domain a heal just restarted takes its boot to rejoin the cluster: a move started before it
    is back is refused by VCS halfway (the LDom group offline, the AlternateIO group not switched),
    so the systems of `control`'s node are waited for first."""
    node = topo.node_of(control)
    target.wait_for(lambda s: all(s.running(x) for x in node.systems) and _settled(s, topo), timeout)
    move_guest(target, topo, control, timeout)
    t0 = target.now()
    problems = restore_steady(target, topo, control, timeout)
    if problems:
        blame = agent_failure(target, topo, control, t0)
        if blame:
            raise AgentFailure(f"baseline not reached on {control}: " + "; ".join(blame))
        raise InfrastructureError(f"baseline not reached on {control}: " + "; ".join(problems))


def restore_steady(target: Target, topo: Topology, control: str, timeout: float) -> list[str]:
    """`restore`, then wait for the steady state; a second pass when it is not reached: a system that
    rejoined may probe its resources only after the first (VCS then resolves what it found, e.g. a
    concurrency violation that takes a group offline again). What still keeps the lab from its
    steady state after that (empty: steady)."""
    for _ in range(2):
        restore(target, topo, control, timeout)
        if target.wait_for(lambda s: not steady_problems(s, topo, control), timeout) is not None:
            return []
    return steady_problems(target.snapshot(), topo, control)


def injection_order(faults, topo: Topology) -> list[Fault]:
    """Faults that stop a domain go after the others, control domains last: on a lab reached by
    commands a later fault may be typed on a control domain (`ldm stop-domain` of an alternate), and
    the heals (newest first) then bring the control domain back before what goes through it."""
    controls = set(topo.control_systems())

    def key(f: Fault) -> tuple[int, int]:
        return (f.spec.takes_down is not None, f.system in controls)

    return sorted(faults, key=key)


def _evidence(target: Target, topo: Topology, node: str) -> str:
    """`hastatus -sum` and `ldm list` as an engineer would read them, for the report."""
    out = []
    snap = target.snapshot()
    system = target.any_running_system(snap)
    out.append(f"# hastatus -sum (on {system})\n" + target.run(system, ["hastatus", "-sum"])[1])
    for n in topo.nodes:
        if snap.running(n.control) or n.name == node:
            rc, text, err = target.run(n.control, ["ldm", "list"])
            out.append(f"# ldm list (on {n.control}, node {n.name})\n" + (text or err))
    return "\n".join(out)


@dataclass
class Watched:
    """A guest a scenario judges: where it starts and what the oracle expects of it."""

    topo: Topology
    active: str
    expected: Expected

    def scenario(self, sc: Scenario) -> Scenario:
        """The scenario as this guest lives it (same faults, its own start)."""
        return replace(sc, active=self.active, node=self.topo.node_of(self.active).name,
                       guest=self.topo.ldom_group)


def watch_every_guest(target: Target, oracle: Oracle, faults, where: dict[Topology, str]) -> list[Watched]:
    """Each guest at its control system (`where`, the judged guest first) with what the oracle
    expects of it under `faults` (the target's disk map read once)."""
    pools = target.disk_pools()
    return [Watched(t, at, oracle.for_guest(t.ldom_group).expect(list(faults), at, pools)) for t, at in where.items()]


def play(target: Target, oracle: Oracle, scenario: Scenario, report: Report | None = None) -> dict:
    """Run one scenario on a target and judge it; always heals what it injected.

    In a lab of several guests the scenario judges its own guest (`scenario.guest`) and, since a fault
    on a shared service group concerns every guest that uses it, every other guest as well: each
    starts at its home (`Topology.home`), must do what the oracle expects of it, and its problems
    are the scenario's, named by guest."""
    report = report or NoReport()
    if scenario.guest and scenario.guest != oracle.topo.ldom_group:
        oracle = oracle.for_guest(scenario.guest)
    topo = oracle.topo
    others = [t for t in topo.guests() if t is not topo]
    windows = oracle.windows
    wall0 = time.perf_counter()
    clock0 = target.now()
    watched = watch_every_guest(target, oracle, scenario.faults,
                                {topo: scenario.active, **{o: o.home() for o in others}})
    expected: Expected = watched[0].expected
    result: dict = {
        "id": scenario.id, "row": scenario.row, "node": scenario.node, "guest": topo.ldom_group,
        "group": scenario.group, "faults": [f.to_json() for f in scenario.faults],
        "expected": expected.to_json(),
        "observed": {"failover": False, "alternateio": "", "ldom_system": ""},
        "verdict": "error", "detect_s": None, "failover_s": None, "clock": target.clock_kind,
        "clock_s": 0.0, "wall_s": 0.0, "problems": [], "windows": windows.to_json(),
    }
    try:
        with report.step(f"baseline: steady state with {topo.ldom_group} on {scenario.active}"
                         + "".join(f", {o.ldom_group} on {o.home()}" for o in others)):
            target.step("baseline")
            for other in others:
                bring_to(target, other, other.home(), windows.settle_s)
            bring_to(target, topo, scenario.active, windows.settle_s)
            report.attach("before: hastatus -sum and ldm list", _evidence(target, topo, scenario.node))
        t_inject = target.now()
        with report.step("inject: " + (", ".join(map(str, scenario.faults)) or "no fault")):
            target.step("inject")
            for f in injection_order(scenario.faults, topo):
                target.inject(f)
        with report.step(f"wait up to {expected.deadline_s:.0f} s for the outcome"):
            target.step("wait")
            await_outcome(target, watched, windows, t_inject)
        with judged_step(report, "assert against the oracle") as judged:
            target.step("assert")
            result["observed"], problems = observe(target, topo, scenario, expected, t_inject)
            for w in watched[1:]:
                _, theirs = observe(target, w.topo, w.scenario(scenario), w.expected, t_inject)
                problems += [f"guest {w.topo.ldom_group}: {p}" for p in theirs]
            judged.problems = list(problems)
            timings(target, topo, scenario, t_inject, result)
            if "guest_io" in target.capabilities:  # what the guest lived through, failover rows included
                result["guest_io_outages"] = [[round(a - t_inject, 3), round(b - a, 3)] for a, b in
                                              target.guest_io_outages(topo.guest, t_inject, target.now())]
            if hasattr(target, "guest_io_gaps"):  # every stretch without a good probe, tolerated ones too
                result["guest_io_gaps"] = target.guest_io_gaps(topo.guest, t_inject, target.now())
            report.attach("after: hastatus -sum and ldm list", _evidence(target, topo, scenario.node))
        t_heal = target.now()
        with judged_step(report, "heal and restore the steady state") as judged:
            target.step("heal")
            target.heal_all()
            judged.problems = _restore_after_heal(target, watched, windows, t_heal)
        problems += judged.problems
        result["problems"] = problems
        result["verdict"] = "fail" if problems else "pass"
        report.attach("engine log", "\n".join(target.engine_log(clock0)))
    except AgentFailure as exc:
        result["problems"].append(str(exc))
        result["verdict"] = "fail"
    except InfrastructureError as exc:
        result["problems"].append(f"infrastructure: {exc}")
        result["verdict"] = "error"
    finally:
        target.heal_all()
        result["clock_s"] = round(target.now() - clock0, 3)
        result["wall_s"] = round(time.perf_counter() - wall0, 4)
    return result


def await_outcome(target: Target, watched: list[Watched], windows, t_inject: float) -> None:
    """Wait for every failover the oracle expects (until the failover deadline), and at least the quiet
    window when some guest must stay or nowhere can take it."""
    movers = [w for w in watched if w.expected.failover and w.expected.ldom_system]
    if movers:
        target.wait_for(lambda s: all(ldom_location(s, w.topo) == w.expected.ldom_system for w in movers),
                        windows.failover_s)
    if len(movers) < len(watched):
        rest = windows.quiet_s - (target.now() - t_inject) if movers else windows.quiet_s
        if rest > 0:
            target.wait(rest)


def _restore_after_heal(target: Target, watched: list[Watched], windows, t_heal: float) -> list[str]:
    """After the heal: wait for the domains it restarted, bring every guest's groups back where the
    guest landed, and check that the heal moved no guest."""
    problems: list[str] = []
    topo = watched[0].topo
    # domains a heal restarted rejoin after their boot; restore acts on a settled cluster
    everyone = [x for n in topo.nodes for x in n.systems]
    target.wait_for(lambda s: all(s.running(x) for x in everyone) and all(_settled(s, w.topo) for w in watched),
                    windows.settle_s)
    for i, w in enumerate(watched):
        who = "" if i == 0 else f"guest {w.topo.ldom_group}: "
        landed = ldom_location(target.snapshot(), w.topo) or w.expected.ldom_system or w.active
        unsteady = restore_steady(target, w.topo, landed, windows.settle_s)
        if unsteady:
            problems.append(f"{who}lab did not return to steady state after heal: " + "; ".join(unsteady))
        moved = [e for e in target.timeline.since(t_heal)
                 if e.kind == "group" and e.subject == w.topo.ldom_group and e.new == "ONLINE"
                 and e.system != landed]
        if moved:
            problems.append(f"{who}the heal moved {w.topo.ldom_group} to {moved[0].system}")
    return problems


def observe(target: Target, topo: Topology, scenario: Scenario, expected: Expected,
            t_inject: float) -> tuple[dict, list[str]]:
    """What the cluster did since `t_inject` (read from the timeline by time), and where it differs
    from the oracle."""
    active = scenario.active
    since_inject = target.timeline.since(t_inject)
    snap = target.snapshot()
    left = [e for e in since_inject if e.kind == "group" and e.subject == topo.ldom_group
            and e.system == active and e.old == "ONLINE" and e.new != "ONLINE"]
    now_at = ldom_location(snap, topo)
    failover = bool(left) or now_at != active
    aio = snap.resource(topo.alternateio_resource, active)
    # the state AlternateIO reached after the fault: the engine reports it FAULTED once it went offline
    # on its own, and nothing at all when its system left the membership
    aio_seen = [e.new for e in since_inject
                if e.kind == "resource" and e.subject == topo.alternateio_resource and e.system == active]
    if aio_seen and any(s != "ONLINE" for s in aio_seen):
        aio = next(s for s in aio_seen if s != "ONLINE")
    if not snap.running(active):
        aio = "OFFLINE"
    observed = {"failover": failover, "alternateio": aio, "ldom_system": now_at or ""}
    problems = []
    if failover != expected.failover:
        problems.append(f"expected {'a' if expected.failover else 'no'} failover, "
                        f"{topo.ldom_group} {'moved to ' + (now_at or 'nowhere') if failover else 'stayed'}")
    aio_online = aio == "ONLINE"
    if aio_online != (expected.alternateio == "ONLINE"):
        problems.append(f"AlternateIO on {active} is {aio}, expected {expected.alternateio}")
    if expected.failover and expected.ldom_system and now_at != expected.ldom_system:
        problems.append(f"{topo.ldom_group} is on {now_at or 'no system'}, expected {expected.ldom_system}")
    if expected.down_everywhere and now_at:
        problems.append(f"expected {topo.ldom_group} down everywhere (no node can take it), it is ONLINE on {now_at}")
    if not expected.failover:
        node = topo.node_of(active)
        if snap.domain(node.name, topo.guest) != "active":
            problems.append(f"guest {topo.guest} is no longer active on {node.name}")
        if "guest_io" in target.capabilities:
            outages = target.guest_io_outages(topo.guest, t_inject, target.now())
            if outages:
                problems.append(f"guest I/O stopped {len(outages)} time(s), first at "
                                f"{outages[0][0] - t_inject:.1f}s for {outages[0][1] - outages[0][0]:.1f}s")
    elif expected.ldom_system:
        dest = topo.node_of(expected.ldom_system)
        if snap.domain(dest.name, topo.guest) != "active":
            problems.append(f"guest {topo.guest} is not active on {dest.name} after the failover")
    if failover:
        problems.extend(target.guest_data_problems(topo.guest, t_inject))
    return observed, problems


def timings(target: Target, topo: Topology, scenario: Scenario, t_inject: float, result: dict) -> None:
    events = target.timeline.since(t_inject)
    detect = next((e for e in events if e.kind == "resource" and e.subject == topo.alternateio_resource
                   and e.system == scenario.active and e.old == "ONLINE" and e.new != "ONLINE"), None)
    if detect is None:  # the control domain died: the cluster sees its system leave instead
        detect = next((e for e in events if e.kind == "system" and e.subject == scenario.active
                       and e.new != "RUNNING"), None)
    moved = next((e for e in events if e.kind == "group" and e.subject == topo.ldom_group
                  and e.system != scenario.active and e.new == "ONLINE"), None)
    result["detect_s"] = round(detect.t - t_inject, 3) if detect else None
    result["failover_s"] = round(moved.t - t_inject, 3) if moved else None


@contextlib.contextmanager
def healing(target: Target) -> Iterator[Target]:
    """Heal everything the block injected, whatever happens in it (KeyboardInterrupt included)."""
    try:
        yield target
    finally:
        target.heal_all()
