"""The oracle derives every expectation of the reference table from the lab's configuration."""

from pathlib import Path

import pytest

from harness.faults import Fault
from harness.inventory import load_inventory
from harness.oracle import Oracle, Topology
from harness.scenarios import combined_faults, failover_matrix

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def seed():
    lab = load_inventory(REPO / "inventories" / "sim-2node.yaml")
    return Oracle(Topology(lab.config, lab.nodes))


@pytest.fixture(scope="module")
def tri():
    lab = load_inventory(REPO / "inventories" / "sim-3node.yaml")
    return Oracle(Topology(lab.config, lab.nodes))


def test_topology_reads_alternateio_per_system(seed):
    t = seed.topo
    assert (t.alternateio_group, t.ldom_group, t.guest) == ("aiosg", "ldomsg", "ldg1")
    assert t.services["primary1"].storage == {"primary1-strsg": 1}
    assert t.services["primary2"].network == {"primary2-nwsg": 0}
    assert t.pools("primary1-strsg", "alternate1") == ["zfsmirr"]
    assert t.nics("primary1-nwsg", "primary1") == ["nxge3"]
    assert t.control_systems() == ["primary1", "primary2"]


@pytest.mark.parametrize("faults, failover, aio, where", [
    ([], False, "ONLINE", "primary1"),                                                       # S1/N1/D1
    ([Fault("zpool_offline", "primary1:zfsprim")], False, "ONLINE", "primary1"),             # S2
    ([Fault("zpool_offline", "alternate1:zfsmirr")], False, "ONLINE", "primary1"),           # S3
    ([Fault("zpool_offline", "primary1:zfsprim"),
      Fault("zpool_offline", "alternate1:zfsmirr")], True, "OFFLINE", "primary2"),           # S4
    ([Fault("nic_pull", "primary1:nxge3")], False, "ONLINE", "primary1"),                    # N2
    ([Fault("nic_pull", "primary1:nxge3"), Fault("nic_pull", "alternate1:nxge4")],
     True, "OFFLINE", "primary2"),                                                           # N4
    ([Fault("domain_kill", "alternate1")], False, "ONLINE", "primary1"),                     # D2
    ([Fault("domain_kill", "primary1")], True, "OFFLINE", "primary2"),                       # D3
    ([Fault("node_power_off", "alternate1")], True, "OFFLINE", "primary2"),                  # D4
    ([Fault("zpool_offline", "primary1:zfsprim"), Fault("domain_kill", "alternate1")],
     True, "OFFLINE", "primary2"),
    ([Fault("zpool_offline", "primary2:zfsprim")], False, "ONLINE", "primary1"),             # other node
])
def test_reference_table_rows(seed, faults, failover, aio, where):
    e = seed.expect(faults, "primary1")
    assert (e.failover, e.alternateio, e.ldom_system) == (failover, aio, where)


def test_no_target_when_every_node_is_broken(seed):
    e = seed.expect([Fault("domain_kill", "primary1"), Fault("domain_kill", "primary2")], "primary1")
    assert e.failover and e.ldom_system is None


def test_disk_offline_uses_the_targets_disk_map(seed):
    faults = [Fault("disk_offline", "primary1:c0t1d0"), Fault("zpool_offline", "alternate1:zfsmirr")]
    assert not seed.expect(faults, "primary1").failover  # unknown disk: pool unaffected
    assert seed.expect(faults, "primary1", {"primary1:c0t1d0": "zfsprim"}).failover


def test_three_node_lab_needs_every_alternate_down(tri):
    t = tri.topo
    sg = "a-db-stor"
    assert t.serving_systems(sg) == ["ctl-a", "aio-a1", "aio-a2"]
    two = [Fault("zpool_offline", "ctl-a:dbpool_c"), Fault("zpool_offline", "aio-a1:dbpool_m1")]
    assert not tri.expect(two, "ctl-a").failover
    e = tri.expect([*two, Fault("zpool_offline", "aio-a2:dbpool_m2")], "ctl-a")
    assert e.failover and e.ldom_system == "ctl-b" and e.unavailable == ("a-db-stor",)


def test_matrix_covers_every_row_node_group_and_alternate(seed, tri):
    rows = {s.row for s in failover_matrix(seed.topo)}
    assert rows == {f"{f}{i}" for f in "SND" for i in range(1, 5)}
    m = failover_matrix(tri.topo)
    s3 = [s for s in m if s.row == "S3"]
    # 3 nodes x 2 storage groups x 2 alternate domains
    assert len(s3) == 12
    assert {s.node for s in m} == {"sparc-a", "sparc-b", "sparc-c"}
    assert len({s.id for s in m}) == len(m)
    d2 = [s for s in m if s.row == "D2"]
    assert len(d2) == 6


def test_matrix_expectations_follow_the_table(seed):
    for s in failover_matrix(seed.topo):
        e = seed.expect(list(s.faults), s.active)
        assert e.failover == (s.row in ("S4", "N4", "D3", "D4")), s.id


def test_combined_faults_are_judged_by_the_oracle(seed):
    combos = combined_faults(seed.topo)
    assert combos
    verdicts = {s.id: seed.expect(list(s.faults), s.active).failover for s in combos}
    assert verdicts["S2+N3[node1/primary1-strsg@primary1+primary1-nwsg@alternate1]"] is False
    assert verdicts["N2+S3[node1/primary1-nwsg@primary1+primary1-strsg@alternate1]"] is False
    # with one alternate domain, losing it and the control's storage leaves the group unserved
    assert verdicts["S2+D2[node1/primary1-strsg@primary1+alternate1 down]"] is True


@pytest.mark.parametrize("faults, row", [
    ([], "D1"),
    ([Fault("zpool_offline", "primary1:zfsprim")], "S2"),
    ([Fault("zpool_offline", "alternate1:zfsmirr")], "S3"),
    ([Fault("zpool_offline", "primary1:zfsprim"), Fault("zpool_offline", "alternate1:zfsmirr")], "S4"),
    ([Fault("nic_pull", "primary1:nxge3"), Fault("zpool_offline", "alternate1:zfsmirr")], "S3+N2"),
    ([Fault("domain_kill", "alternate1")], "D2"),
    ([Fault("domain_kill", "primary1")], "D3"),
    ([Fault("node_power_off", "primary1")], "D4"),
    ([Fault("zpool_offline", "primary2:zfsprim")], "D1"),  # the other node: nothing of the guest's
])
def test_rows_classify_a_fault_set(seed, faults, row):
    assert seed.rows(faults, "primary1") == row


def test_rows_count_the_failover_destination(seed):
    # the control domain dies while the destination's control domain has lost its storage group
    faults = [Fault("domain_kill", "primary1"), Fault("zpool_offline", "primary2:zfsprim")]
    assert seed.rows(faults, "primary1") == "D3+S2"
    assert seed.row_parts(faults, "primary1")[1] == ("S2", "primary2-strsg")
