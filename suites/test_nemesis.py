"""A randomized schedule of faults and heals (a Jepsen-style nemesis) over a long virtual run.

The schedule comes from the session's seed (printed in the header and in the report): the same seed
replays the same schedule exactly. After every injection the oracle says where the LDom group must be
and what AlternateIO must report, judged as a scenario of its own and recorded in results.json under
the reference rows the faults in force put the node in (e.g. "S2", "S3+N2"); after every heal the lab
is restored and the heal must not have moved the guest.
"""

import random
import time

import pytest

from harness.scenarios import (
    Scenario,
    await_outcome,
    bring_to,
    ldom_location,
    observe,
    restore,
    steady_problems,
    timings,
    watch_every_guest,
)

STEPS = 14
MAX_FAULTS = 2


def _record(target, scenario, expected_json, observed, problems, t0, wall0, topo) -> dict:
    result = {
        "id": scenario.id, "row": scenario.row, "node": scenario.node, "guest": topo.ldom_group,
        "group": scenario.group,
        "faults": [f.to_json() for f in scenario.faults], "expected": expected_json, "observed": observed,
        "verdict": "fail" if problems else "pass", "detect_s": None, "failover_s": None,
        "clock": target.clock_kind, "clock_s": round(target.now() - t0, 3),
        "wall_s": round(time.perf_counter() - wall0, 4), "problems": problems,
    }
    if scenario.faults:
        timings(target, topo, scenario, t0, result)
    return result


@pytest.mark.altio_row("nemesis")
def test_randomized_schedule(altio_target, altio_oracle, altio_topology, altio_seed, altio_report,
                             altio_record, altio_lab_faults, altio_save_timeline):
    target, oracle, topo = altio_target, altio_oracle, altio_topology
    rng = random.Random(altio_seed)
    catalogue = altio_lab_faults
    windows = oracle.windows
    log, failed = [], []
    # after a step the monitor failed, the lab is off the oracle's course (a wrong failover may still be
    # going on): what a heal then does cannot be told from what the monitor did, so it is logged, not
    # judged, until every fault is healed and the lab is steady again
    off_course: str | None = None
    t_start = target.now()
    # the schedule starts from the steady state (an agent that cannot bring its group online fails here,
    # rather than every step being judged against a guest that never ran)
    bring_to(target, topo, ldom_location(target.snapshot(), topo) or topo.control_systems()[0], windows.settle_s)
    altio_report.attach("seed", f"nemesis seed {altio_seed}: rerun with --seed {altio_seed} to replay\n")
    others = [o for o in topo.guests() if o is not topo]  # judged on every step as well
    for other in others:
        bring_to(target, other, ldom_location(target.snapshot(), other) or other.home(), windows.settle_s)
    for i in range(STEPS):
        snap0 = target.snapshot()
        location = ldom_location(snap0, topo)
        others_at = {o: ldom_location(snap0, o) for o in others}
        t0, wall0 = target.now(), time.perf_counter()
        heal_now = target.active_faults and (len(target.active_faults) >= MAX_FAULTS or rng.random() < 0.4)
        if heal_now:
            fault = rng.choice(target.active_faults)
            with altio_report.step(f"step {i}: heal {fault}"):
                target.heal(fault)
                target.wait(windows.quiet_s)  # let a rebooted domain rejoin before restoring
                landing = location or topo.control_systems()[0]
                for other, at in others_at.items():  # the other guests of the lab, where they are
                    if at is not None:
                        restore(target, other, at, windows.settle_s)
                restore(target, topo, landing, windows.settle_s)
                target.wait_for(lambda snap, at=landing: not steady_problems(snap, topo, at)
                                or bool(target.active_faults), windows.settle_s)
                snap = target.snapshot()
                now_at = ldom_location(snap, topo)
                problems = ([f"healing {fault} moved {topo.ldom_group} from {location} to {now_at}"]
                            if location is not None and now_at != location else [])
                problems += [f"guest {o.ldom_group}: healing {fault} moved it from {at} to {ldom_location(snap, o)}"
                             for o, at in others_at.items() if at is not None and ldom_location(snap, o) != at]
            log.append(f"{i}: heal {fault} -> {topo.ldom_group} on {now_at}")
            if off_course is not None:
                log[-1] += f" (not judged: the lab is off course since {off_course})"
                if not target.active_faults and not steady_problems(snap, topo, now_at or landing):
                    off_course = None
                continue
            step = Scenario(f"heal[nemesis seed={altio_seed} step {i:02d}: {fault}]", "heal",
                            topo.node_of(landing).name, landing, "", ())
            observed = {"failover": now_at != location, "alternateio": "", "ldom_system": now_at or ""}
            results = [_record(target, step, {"failover": False, "alternateio": "ONLINE"}, observed, problems,
                               t0, wall0, topo)]
        else:
            fault = rng.choice([f for f in catalogue if f not in target.active_faults])
            with altio_report.step(f"step {i}: inject {fault}"):
                target.inject(fault)
                if location is None:  # nothing can run the guest: just let the cluster react
                    snap = target.wait(windows.quiet_s)
                    log.append(f"{i}: inject {fault} (guest down before) -> {ldom_location(snap, topo)}")
                    continue
                in_force = list(target.active_faults)
                watched = watch_every_guest(target, oracle, in_force, {
                    topo: location, **{o: at for o, at in others_at.items() if at is not None}})
                await_outcome(target, watched, windows, t0)
                results = []
                for w in watched:  # every guest judged, under the rows the faults put it in
                    o = oracle.for_guest(w.topo.ldom_group)
                    parts = o.row_parts(in_force, w.active, target.disk_pools())
                    row = "+".join(dict.fromkeys(r for r, _ in parts))
                    group = parts[0][1] if len(parts) == 1 else "+".join(g for _, g in parts if g)
                    name = f"{w.topo.ldom_group}:" if topo.multiguest else ""
                    step = Scenario(f"{name}{row}[nemesis seed={altio_seed} step {i:02d}: {fault}]", row,
                                    w.topo.node_of(w.active).name, w.active, group, tuple(in_force),
                                    w.topo.ldom_group)
                    observed, problems = observe(target, w.topo, step, w.expected, t0)
                    log.append(f"{i}: inject {fault} ({row}) -> expected {w.topo.ldom_group} on "
                               f"{w.expected.ldom_system if w.expected.failover else w.active}, "
                               f"observed {observed['ldom_system']}")
                    results.append(_record(target, step, w.expected.to_json(), observed, problems, t0, wall0,
                                           w.topo))
        for result in results:
            altio_record(result)
            failed += [f"step {i} ({result['id']}): {p}" for p in result["problems"]]
            if result["problems"] and off_course is None:
                off_course = f"step {i}"
    target.heal_all()
    altio_report.attach("schedule", "\n".join(log) + "\n")
    svg = target.timeline.window(t_start, target.now()).to_svg(f"nemesis, seed {altio_seed}")
    altio_report.attach("timeline", svg, "svg")
    altio_save_timeline(f"nemesis-{altio_seed}", svg)
    assert not failed, "\n".join(failed)
