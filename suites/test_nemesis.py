"""A randomized schedule of faults and heals (a Jepsen-style nemesis) over a long virtual run.

The schedule comes from the session's seed (printed in the header and in the report): the same seed
replays the same schedule exactly. After every step the oracle says where the LDom group must be and
what AlternateIO must report; after every heal the lab is restored and must not move the guest.
"""

import random
import time

import pytest

from harness.faults import Fault
from harness.plugin import save_timeline_svg
from harness.scenarios import ldom_location, restore, steady_problems

STEPS = 14
MAX_FAULTS = 2


def _catalogue(topo) -> list[Fault]:
    """Every fault the schedule may draw, derived from the configuration."""
    faults = []
    for control in topo.control_systems():
        node = topo.node_of(control)
        for sg in topo.services[control].storage:
            faults += [Fault("zpool_offline", f"{s}:{p}") for s in topo.serving_systems(sg) for p in topo.pools(sg, s)]
        for sg in topo.services[control].network:
            faults += [Fault("nic_pull", f"{s}:{n}") for s in topo.serving_systems(sg) for n in topo.nics(sg, s)]
        faults += [Fault("domain_kill", a) for a in node.systems if a != control]
        faults.append(Fault("domain_kill", control))
    return sorted(set(faults))


@pytest.mark.altio_row("nemesis")
def test_randomized_schedule(pytestconfig, altio_target, altio_oracle, altio_topology, altio_seed, altio_report,
                             altio_record):
    target, oracle, topo = altio_target, altio_oracle, altio_topology
    rng = random.Random(altio_seed)
    catalogue = _catalogue(topo)
    deadline = oracle.deadline()
    log, problems = [], []
    t0, wall0 = target.now(), time.perf_counter()
    altio_report.attach("seed", f"nemesis seed {altio_seed}: rerun with --seed {altio_seed} to replay\n")
    for i in range(STEPS):
        location = ldom_location(target, topo)
        heal_now = target.active_faults and (len(target.active_faults) >= MAX_FAULTS or rng.random() < 0.4)
        if heal_now:
            fault = rng.choice(target.active_faults)
            with altio_report.step(f"step {i}: heal {fault}"):
                target.heal(fault)
                target.wait(deadline / 4)  # let a rebooted domain rejoin before restoring
                landing = location or topo.control_systems()[0]
                restore(target, topo, landing)
                target.wait_until(lambda at=landing: not steady_problems(target, topo, at)
                                  or bool(target.active_faults), deadline)
                now_at = ldom_location(target, topo)
                log.append(f"{i}: heal {fault} -> {topo.ldom_group} on {now_at}")
                if location is not None and now_at != location:
                    problems.append(f"step {i}: healing {fault} moved {topo.ldom_group} from {location} to {now_at}")
            continue
        choices = [f for f in catalogue if f not in target.active_faults]
        fault = rng.choice(choices)
        active = location
        with altio_report.step(f"step {i}: inject {fault}"):
            target.inject(fault)
            if active is None:
                target.wait(deadline)
                log.append(f"{i}: inject {fault} (guest down before) -> {ldom_location(target, topo)}")
                continue
            expected = oracle.expect(list(target.active_faults), active, target.disk_pools())
            if expected.failover and expected.ldom_system:
                target.wait_until(lambda want=expected.ldom_system: ldom_location(target, topo) == want, deadline)
            else:
                target.wait(deadline)
            now_at = ldom_location(target, topo)
            want = expected.ldom_system if expected.failover else active
            log.append(f"{i}: inject {fault} -> expected {topo.ldom_group} on {want}, observed {now_at}")
            if now_at != want:
                problems.append(f"step {i}: after {fault} (faults in force: "
                                f"{', '.join(map(str, target.active_faults))}) {topo.ldom_group} is on {now_at}, "
                                f"expected {want}")
    target.heal_all()
    altio_report.attach("schedule", "\n".join(log) + "\n")
    svg = target.timeline.window(t0, target.now()).to_svg(f"nemesis, seed {altio_seed}")
    altio_report.attach("timeline", svg, "svg")
    svg_path = save_timeline_svg(pytestconfig, f"nemesis-{altio_seed}", svg)
    altio_record({
        "id": f"nemesis[seed={altio_seed}]", "row": "nemesis", "node": "*", "group": "*",
        "faults": [], "expected": {"failover": False, "alternateio": "ONLINE"},
        "observed": {"failover": False, "alternateio": "", "ldom_system": ldom_location(target, topo) or ""},
        "verdict": "fail" if problems else "pass", "detect_s": None, "failover_s": None,
        "clock": target.clock_kind, "clock_s": round(target.now() - t0, 3), "wall_s": round(time.perf_counter() - wall0, 4),
        "problems": problems, "schedule": log, **({"timeline_svg": svg_path} if svg_path else {}),
    })
    assert not problems, "\n".join(problems)
