"""The standby node after a failover: its storage groups belong to AlternateIO, not to the operator.

AlternateIO's monitor reports ONLINE wherever the groups it names are available. If an operator
brings the standby node's value-1 storage groups up by hand, the AlternateIO resource of that node
reports ONLINE on a system where its failover group is offline: VCS calls that a concurrency
violation, takes the group offline there, and AlternateIO's offline entry point takes the storage
groups down again. The LDom group must not move. (This is why the harness's `restore` leaves the
standby node's storage groups OFFLINE, as at boot.)
"""

from pathlib import Path

from harness.faults import Fault, FaultLedger
from harness.inventory import load_inventory
from harness.oracle import Topology
from harness.scenarios import ldom_location, restore
from harness.targets.sim import SimTarget

REPO = Path(__file__).resolve().parents[2]


def test_hand_onlined_standby_storage_is_taken_back_without_moving_the_guest(tmp_path):
    lab = load_inventory(REPO / "inventories" / "sim-2node.yaml")
    topo = Topology(lab.config, lab.nodes)
    target = SimTarget(lab, "alternateio", 1, FaultLedger(tmp_path / "ledger.json"))
    target.boot()
    first, second = topo.control_systems()
    sg = next(iter(topo.services[first].storage))
    faults = [Fault("zpool_offline", f"{s}:{p}") for s in topo.serving_systems(sg) for p in topo.pools(sg, s)]
    for f in faults:
        target.inject(f)
    assert target.wait_for(lambda snap: ldom_location(snap, topo) == second, 3600)
    target.heal_all()
    restore(target, topo, second)
    snap = target.wait(600)
    assert all(snap.group(sg, s) == "OFFLINE" for s in topo.serving_systems(sg))

    mark = len(target.engine_log(0))
    for s in topo.serving_systems(sg):
        rc, _, err = target.hagrp("-online", sg, "-sys", s)
        assert rc == 0, err
    target.wait(1200)
    log = target.engine_log(0)[mark:]
    assert any("Concurrency Violation" in line and topo.alternateio_group in line for line in log), log
    snap = target.snapshot()
    assert ldom_location(snap, topo) == second
    assert snap.group(topo.alternateio_group, first) != "ONLINE"
    assert all(snap.group(sg, s) == "OFFLINE" for s in topo.serving_systems(sg))
