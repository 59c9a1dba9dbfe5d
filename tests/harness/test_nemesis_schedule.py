"""The randomized schedule: drawn from the seed alone, and never typing where a domain is down."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.inventory import load_inventory
from harness.nemesis import lab_faults, per_guest, schedule
from harness.oracle import Topology

INVENTORIES = Path(__file__).resolve().parents[2] / "inventories"


def _lab(name: str):
    lab = load_inventory(INVENTORIES / f"{name}.yaml")
    topo = Topology(lab.config, lab.nodes)
    return topo, lab_faults(topo, destructive_ok=True)


@pytest.mark.parametrize("name", ["sim-2node", "sim-3node", "sim-multiguest"])
def test_nothing_is_typed_on_a_domain_a_fault_keeps_down(name):
    topo, catalogue = _lab(name)
    for seed in range(400):
        for step in schedule(seed, catalogue, topo):
            down = {f.system for f in step.before if f.spec.takes_down == "system"}
            control = topo.node_of(step.fault.system).control
            if step.fault.kind == "domain_kill":
                assert step.fault.system == control or control not in down, (seed, step)
                assert step.action == "heal" or step.fault.system not in down, (seed, step)
            else:
                assert step.fault.system not in down, (seed, step)


def test_the_seed_alone_decides_the_schedule_and_it_keeps_its_bounds():
    topo, catalogue = _lab("sim-2node")
    first = schedule(7, catalogue, topo)
    assert first == schedule(7, catalogue, topo) and first != schedule(8, catalogue, topo)
    assert len(first) == 14 and [s.index for s in first] == list(range(14))
    for a, b in zip(first, first[1:], strict=False):
        assert b.before == a.after  # each step starts where the one before left the lab
        assert len(a.after) <= 2
    assert all(s.fault in s.before for s in first if s.action == "heal")


def test_a_lab_of_several_guests_has_a_test_per_step_and_guest():
    topo, catalogue = _lab("sim-multiguest")
    steps = schedule(3, catalogue, topo)
    tests = per_guest(steps, topo)
    assert len(tests) == 3 * len(steps) and len({t.id for t in tests}) == len(tests)
    assert tests[0].id == f"ldomsg1:{steps[0].id}" and " " not in tests[0].id.split("[")[0]
    topo2, catalogue2 = _lab("sim-2node")
    assert per_guest(schedule(3, catalogue2, topo2), topo2) == schedule(3, catalogue2, topo2)
