"""The randomized schedule of faults and heals (a Jepsen-style nemesis), one scenario per step.

`schedule(seed, catalogue)` draws the schedule from the session's seed alone (the same seed replays
it exactly, and every process of a run draws the same one): each step injects a fault of the lab's
catalogue (`lab_faults`) or heals one in force, at most `MAX_FAULTS` at once. Each step is a test of
its own, so that a run counts it once everywhere (progress, pytest, Allure, JUnit, results.json).

`Nemesis.play(step)` plays one step on a lab that lives across the steps of one process. When the
lab is not where the schedule left it (the first step, a step run alone with `-k`/`--lf`/a shard),
the steps before it are replayed first, unjudged. After an injection the oracle says where every
guest must be and what AlternateIO must report; after a heal the lab is restored and the heal must
not have moved any guest. Every guest is judged on every step: in a lab of several guests a step is
one test per guest (played once, by the first of them to run), each recorded under the reference
rows the faults in force put that guest in (e.g. "S2", "S3+N2").
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace

from harness.faults import Fault
from harness.oracle import Oracle, Topology
from harness.scenarios import (
    NoReport,
    Report,
    Scenario,
    _settled,
    await_outcome,
    bring_to,
    group_faults,
    judged_step,
    ldom_location,
    observe,
    restore,
    steady_problems,
    timings,
    watch_every_guest,
)
from harness.targets.base import Target

STEPS = 14
MAX_FAULTS = 2


def lab_faults(topology: Topology, destructive_ok: bool) -> list[Fault]:
    """Every fault the lab's configuration offers a randomized schedule: each pool, disk and NIC that a
    storage or network group of AlternateIO uses, on every system serving it, and every I/O domain
    (domain kills only where destructive faults are allowed)."""
    faults: list[Fault] = []
    for topo in topology.guests():  # every guest's groups and domains
        for control in topo.control_systems():
            node = topo.node_of(control)
            for sg in topo.services[control].storage:
                faults += [f for s in topo.serving_systems(sg) for f in group_faults(topo, sg, s, "zpool_offline")]
            for sg in topo.services[control].network:
                faults += [f for s in topo.serving_systems(sg) for f in group_faults(topo, sg, s, "nic_pull")]
            faults += [Fault("domain_kill", a) for a in node.systems]
    return sorted({f for f in faults if destructive_ok or not f.destructive})


@dataclass(frozen=True)
class NemesisStep:
    seed: int
    index: int
    action: str  # "inject" | "heal"
    fault: Fault
    before: tuple[Fault, ...]  # the faults in force before the step, in the order they came
    guest: str = ""  # the LDom group this test of the step judges, in a lab of several guests

    @property
    def after(self) -> tuple[Fault, ...]:
        if self.action == "inject":
            return (*self.before, self.fault)
        return tuple(f for f in self.before if f != self.fault)

    @property
    def id(self) -> str:
        # -k friendly: `-k step09`, `-k nemesis` (a -k expression takes no spaces)
        name = f"nemesis-step{self.index:02d}[seed={self.seed}: {self.action} {self.fault}]"
        return f"{self.guest}:{name}" if self.guest else name

    @property
    def plan(self) -> str:
        force = ", ".join(map(str, self.after)) or "none"
        judge = ("every guest must do what the oracle expects" if self.action == "inject"
                 else "the heal must move no guest")
        return f"{judge} (faults in force after the step: {force})"


def schedule(seed: int, catalogue: list[Fault], topo: Topology | None = None, steps: int = STEPS,
             max_faults: int = MAX_FAULTS) -> list[NemesisStep]:
    """The schedule of a seed: each step heals a fault in force (always at `max_faults`, else with
    probability 0.4) or injects one that is not. Nothing is typed where a fault in force keeps a
    domain down, as on a real lab where it cannot be reached: a fault on a stopped domain waits for
    the domain to come back, and no new fault goes there; an alternate domain is stopped and started
    from its node's control domain (`ldm`), so not while that one is down (`topo` says which is which)."""
    rng = random.Random(seed)
    active: list[Fault] = []
    out: list[NemesisStep] = []

    def reachable(f: Fault, down: set[str]) -> bool:
        if f.spec.takes_down == "system" and topo is not None:
            node = topo.node_of(f.system)
            if f.system != node.control and node.control in down:
                return False
        return f.system not in down or (f.spec.takes_down == "system" and f in active)

    for i in range(steps):
        down = {f.system for f in active if f.spec.takes_down == "system"}
        heal_now = active and (len(active) >= max_faults or rng.random() < 0.4)
        if heal_now:
            fault = rng.choice([f for f in active if reachable(f, down)])
            out.append(NemesisStep(seed, i, "heal", fault, tuple(active)))
            active.remove(fault)
        else:
            choices = [f for f in catalogue if f not in active and reachable(f, down)]
            if not choices:
                break
            fault = rng.choice(choices)
            out.append(NemesisStep(seed, i, "inject", fault, tuple(active)))
            active.append(fault)
    return out


def per_guest(steps: list[NemesisStep], topo: Topology) -> list[NemesisStep]:
    """The tests of a schedule: one per step, or one per step and guest in a lab of several guests."""
    if not topo.multiguest:
        return steps
    return [replace(s, guest=t.ldom_group) for s in steps for t in topo.guests()]


def _row_and_group(parts: list[tuple[str, str]]) -> tuple[str, str]:
    """The rows a step puts a guest in ("S3+N2") and what they are about (its matrix column)."""
    row = "+".join(dict.fromkeys(r for r, _ in parts))
    return row, parts[0][1] if len(parts) == 1 else "+".join(g for _, g in parts if g)


class Nemesis:
    """A lab that lives across the steps of a schedule (one per process), and the judge of each step."""

    def __init__(self, target: Target, oracle: Oracle, steps: list[NemesisStep]) -> None:
        self.target, self.oracle = target, oracle
        self.steps = steps  # the schedule (one entry per step)
        self.next_index: int | None = None  # the step the lab is ready for (None: not set up)
        self.judged: dict[int, dict[str, dict]] = {}  # the step just played: guest -> its result
        # after a step the monitor failed, the lab is off the oracle's course (a wrong failover may have
        # put a guest where no step expects it): what a heal then does cannot be told from what the
        # monitor did, so heals are played but not judged until every fault is healed and the lab is
        # steady again
        self.off_course: str | None = None

    def play(self, step: NemesisStep, report: Report | None = None) -> dict:
        """The judgement of one step for its guest: a results.json scenario, or {"not_judged": why}.
        The step is played unless it was just played for another guest (the steps before it are
        replayed first when the lab is not where they leave it)."""
        guest = step.guest or self.oracle.topo.ldom_group
        if step.index in self.judged and self.next_index == step.index + 1:
            return self.judged[step.index][guest]
        report = report or NoReport()
        target, windows = self.target, self.oracle.windows
        step = replace(step, guest="")
        if self.next_index != step.index or set(target.active_faults) != set(step.before):
            self.off_course = None  # the replay starts from the steady state
            with report.step(f"set-up: the lab as steps 00-{step.index - 1:02d} leave it (not judged)"
                             if step.index else "set-up: the steady state, every guest at home"):
                self._replay(step.index)
        else:  # the previous step may have left a wrong failover going on: judge from a settled lab
            target.wait_for(lambda s: all(_settled(s, t) for t in self._guests()), windows.settle_s)
        self.next_index, self.judged = None, {}  # until the step is over (an interrupted one leaves the lab unknown)
        if step.action == "heal" and self.off_course is not None:
            self._apply(step, report, judge=False)
            why = {"not_judged": f"heal played, not judged: the lab is off the oracle's course since "
                                 f"{self.off_course}, where the monitor failed"}
            results = {t.ldom_group: why for t in self._guests()}
            snap = target.snapshot()
            if not target.active_faults and not any(steady_problems(snap, t, ldom_location(snap, t) or t.home())
                                                    for t in self._guests()):
                self.off_course = None
        else:
            results = self._apply(step, report, judge=True)
            if any(r["verdict"] != "pass" for r in results.values()) and self.off_course is None:
                self.off_course = f"step {step.index:02d}"
        self.next_index, self.judged = step.index + 1, {step.index: results}
        return results[guest]

    def _guests(self) -> list[Topology]:
        return self.oracle.topo.guests()

    def _replay(self, upto: int) -> None:
        target, windows = self.target, self.oracle.windows
        target.heal_all()
        everyone = [x for n in self.oracle.topo.nodes for x in n.systems]
        target.wait_for(lambda s: all(s.running(x) for x in everyone), windows.settle_s)
        for t in self._guests():
            bring_to(target, t, t.home(), windows.settle_s)
        for earlier in self.steps[:upto]:
            self._apply(earlier, NoReport(), judge=False)

    def _step_id(self, step: NemesisStep, topo: Topology) -> str:
        return replace(step, guest=topo.ldom_group if topo.multiguest else "").id

    def _apply(self, step: NemesisStep, report: Report, judge: bool) -> dict[str, dict]:
        target, oracle, windows = self.target, self.oracle, self.oracle.windows
        guests = self._guests()
        snap0 = target.snapshot()
        at0 = {t: ldom_location(snap0, t) for t in guests}
        t0, wall0 = target.now(), time.perf_counter()
        if step.action == "heal":
            return self._heal(step, report, judge, at0, t0, wall0)
        with report.step(f"inject {step.fault}"):
            target.step("inject")
            target.inject(step.fault)
        in_force = list(target.active_faults)
        up = {t: at for t, at in at0.items() if at is not None}
        watched = {w.topo: w for w in watch_every_guest(target, oracle, in_force, up)} if up else {}
        deadline = max([w.expected.deadline_s for w in watched.values()] or [windows.quiet_s])
        with report.step(f"wait up to {deadline:.0f} s for the outcome"):
            target.step("wait")
            if watched:
                await_outcome(target, list(watched.values()), windows, t0)
            rest = windows.quiet_s - (target.now() - t0)
            if len(up) < len(guests) and rest > 0:  # a guest down everywhere must stay so: the quiet window
                target.wait(rest)
        if not judge:
            return {}
        pools = target.disk_pools()
        results: dict[str, dict] = {}
        with judged_step(report, "assert against the oracle") as judged:
            target.step("assert")
            snap = target.snapshot()
            for t in guests:
                mine = oracle.for_guest(t.ldom_group)
                if at0[t] is None:
                    # nothing could run the guest before this fault, and a fault brings nothing back:
                    # it must stay down everywhere (its rows: those of the node it calls home)
                    home = t.home()
                    row, group = _row_and_group(mine.row_parts(in_force, home, pools))
                    scenario = Scenario(self._step_id(step, t), row, t.node_of(home).name, home, group,
                                        tuple(in_force), t.ldom_group)
                    now_at = ldom_location(snap, t)
                    problems = ([f"expected {t.ldom_group} to stay down everywhere (no node can take it), it "
                                 f"came ONLINE on {now_at}"] if now_at else [])
                    expected = {"failover": False, "alternateio": "OFFLINE", "ldom_system": None,
                                "down_everywhere": True}
                    observed = {"failover": now_at is not None, "alternateio": "", "ldom_system": now_at or ""}
                    results[t.ldom_group] = self._record(scenario, expected, observed, problems, t0, wall0)
                    continue
                w = watched[t]
                row, group = _row_and_group(mine.row_parts(in_force, w.active, pools))
                scenario = Scenario(self._step_id(step, t), row, t.node_of(w.active).name, w.active, group,
                                    tuple(in_force), t.ldom_group)
                observed, problems = observe(target, t, scenario, w.expected, t0)
                results[t.ldom_group] = self._record(scenario, w.expected.to_json(), observed, problems, t0, wall0)
                timings(target, t, scenario, t0, results[t.ldom_group])
            judged.problems = self._all_problems(results)
        return results

    def _all_problems(self, results: dict[str, dict]) -> list[str]:
        several = len(results) > 1
        return [f"guest {g}: {p}" if several else p for g, r in results.items() for p in r["problems"]]

    def _heal(self, step: NemesisStep, report: Report, judge: bool, at0: dict[Topology, str | None],
              t0: float, wall0: float) -> dict[str, dict]:
        target, oracle, windows = self.target, self.oracle, self.oracle.windows
        guests = self._guests()
        landing = {t: at0[t] or t.home() for t in guests}
        results: dict[str, dict] = {}
        with judged_step(report, f"heal {step.fault} and restore the steady state") as judged:
            target.step("heal")
            target.heal(step.fault)
            target.wait(windows.quiet_s)  # let a rebooted domain rejoin before restoring
            for t in guests[1:] + guests[:1]:  # the other guests where they are (or at home), then this one
                restore(target, t, landing[t], windows.settle_s)
            # where each guest must be now: where it was, or, when it was down everywhere, back at home
            # if the faults still in force let it run there (the restore brings it)
            in_force = list(target.active_faults)
            pools = target.disk_pools()
            must_be = {t: at0[t] or (None if oracle.for_guest(t.ldom_group).expect(in_force, landing[t], pools).failover
                                     else landing[t]) for t in guests}
            target.wait_for(lambda snap: all(_settled(snap, t) for t in guests) and all(
                m is None or ldom_location(snap, t) == m for t, m in must_be.items()), windows.settle_s)
            if not in_force:
                target.wait_for(lambda snap: not any(steady_problems(snap, t, m) for t, m in must_be.items() if m),
                                windows.settle_s)
            if not judge:
                return {}
            snap = target.snapshot()
            for t in guests:
                now_at = ldom_location(snap, t)
                problems = []
                if at0[t] is not None and now_at != at0[t]:
                    problems.append(f"healing {step.fault} moved {t.ldom_group} from {at0[t]} to {now_at or 'nowhere'}")
                elif at0[t] is None and now_at != must_be[t]:
                    problems.append(f"{t.ldom_group} was down everywhere; after healing {step.fault} it "
                                    f"{'is ONLINE on ' + now_at if now_at else 'stayed down'}, expected "
                                    f"{'it back on ' + must_be[t] if must_be[t] else 'it down everywhere'}")
                scenario = Scenario(self._step_id(step, t), "heal", t.node_of(landing[t]).name, landing[t], "",
                                    tuple(in_force), t.ldom_group)
                expected = {"failover": False, "alternateio": "ONLINE" if must_be[t] else "OFFLINE",
                            "ldom_system": must_be[t], "down_everywhere": must_be[t] is None}
                observed = {"failover": at0[t] is not None and now_at != at0[t],
                            "alternateio": (snap.resource(t.alternateio_resource, now_at) or "") if now_at else "",
                            "ldom_system": now_at or ""}
                results[t.ldom_group] = self._record(scenario, expected, observed, problems, t0, wall0)
            judged.problems = self._all_problems(results)
        return results

    def _record(self, scenario: Scenario, expected: dict, observed: dict, problems: list[str],
                t0: float, wall0: float) -> dict:
        target = self.target
        return {
            "id": scenario.id, "suite": "nemesis", "row": scenario.row, "node": scenario.node,
            "guest": scenario.guest, "group": scenario.group,
            "faults": [f.to_json() for f in scenario.faults], "expected": expected, "observed": observed,
            "verdict": "fail" if problems else "pass", "detect_s": None, "failover_s": None,
            "clock": target.clock_kind, "clock_s": round(target.now() - t0, 3),
            "wall_s": round(time.perf_counter() - wall0, 4), "problems": problems,
        }
