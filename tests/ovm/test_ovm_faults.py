"""Each fault point: its effect on ldm/zpool/dladm output and on the guest's I/O timeline; the heal
puts every command's output back as it was."""

from __future__ import annotations

import pytest
from ovm_probe import ldm_states, ok, outputs, without_uptime
from ovm_seed_lab import SETTLED_AT, build_seed

from emulators.ovm import FAULT_KINDS, DomainChanged, FaultError, run_dladm, run_ldm, run_zpool


def test_nic_pull_and_heal() -> None:
    p = build_seed()
    before = outputs(p)
    p.inject("nic_pull", "primary1:nxge3")
    assert ok(run_dladm(p, "primary1", ["show-phys"])).splitlines()[1].split()[:4] == \
        ["nxge3", "Ethernet", "down", "0"]
    assert ok(run_dladm(p, "primary1", ["show-link"])).splitlines()[1].split()[3] == "down"
    assert outputs(p)["primary1: ldm list"] == before["primary1: ldm list"]  # ldm does not see links
    assert p.guest_io("ldg1").ok  # vnet1 through alternate1 still carries the network
    assert len(p.io_timeline("ldg1")) == 2
    p.inject("nic_pull", "alternate1:nxge4")
    sample = p.io_timeline("ldg1")[-1]
    assert (sample.t, sample.node, sample.storage_ok, sample.network_ok) == (SETTLED_AT, "node1", True, False)
    p.clock.advance(30)
    p.heal("nic_pull", "alternate1:nxge4")
    outage = p.io_outages("ldg1", 0, p.clock.now())
    assert [(o.start, o.end, o.network_lost, o.storage_lost) for o in outage] == \
        [(SETTLED_AT, SETTLED_AT + 30, True, False)]
    p.heal("nic_pull", "primary1:nxge3")
    assert p.faults() == []
    assert without_uptime(outputs(p)) == without_uptime(before)


def test_disk_offline_and_heal() -> None:
    p = build_seed(solaris=10)  # pins Solaris 10 texts (UNAVAIL, no NORM)
    before = outputs(p)
    p.inject("disk_offline", "alternate1:c1t2d0")  # one side of the mirror
    assert " state: DEGRADED" in ok(run_zpool(p, "alternate1", ["status"]))
    assert p.guest_io("ldg1").ok
    p.inject("disk_offline", "primary1:c0t1d0")  # the single-disk pool
    assert ok(run_zpool(p, "primary1", ["list", "-H", "-o", "name,health"])) == "zfsprim\tUNAVAIL\n"
    assert p.guest_io("ldg1").storage_ok  # the mirror still serves the alternate path
    p.inject("disk_offline", "alternate1:c1t3d0")
    assert ok(run_zpool(p, "alternate1", ["list", "-H", "-o", "name,health"])) == "zfsmirr\tUNAVAIL\n"
    assert not p.guest_io("ldg1").storage_ok and p.guest_io("ldg1").network_ok
    assert outputs(p)["primary1: ldm list -p"] == before["primary1: ldm list -p"]
    for where in ("alternate1:c1t3d0", "primary1:c0t1d0", "alternate1:c1t2d0"):
        p.heal("disk_offline", where)
    assert outputs(p) == before
    assert [s.storage_ok for s in p.io_timeline("ldg1")][-2:] == [False, True]


def test_zpool_offline_and_heal() -> None:
    p = build_seed(solaris=10)  # pins Solaris 10 texts (UNAVAIL, no NORM)
    before = outputs(p)
    p.inject("zpool_offline", "alternate1:zfsmirr")
    status = ok(run_zpool(p, "alternate1", ["status", "zfsmirr"]))
    assert " state: UNAVAIL" in status
    assert "            c1t2d0  UNAVAIL      0     0     0  cannot open" in status
    assert "          mirror-0  UNAVAIL      0     0     0  insufficient replicas" in status
    assert ok(run_zpool(p, "alternate1", ["status", "-x"])) == status
    assert p.guest_io("ldg1").ok  # the primary's path still works
    p.clock.advance(5)
    p.inject("zpool_offline", "primary1:zfsprim")
    assert not p.guest_io("ldg1").storage_ok
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-n----")  # the guest runs on, without disks
    p.clock.advance(20)
    p.heal("zpool_offline", "primary1:zfsprim")
    (o,) = p.io_outages("ldg1")
    assert (o.start, o.duration, o.storage_lost, o.network_lost, o.ongoing) == (SETTLED_AT + 5, 20, True, False, False)
    assert not p.io_ok_between("ldg1", SETTLED_AT, SETTLED_AT + 30)
    assert p.io_ok_between("ldg1", 0, SETTLED_AT + 4)
    p.heal("zpool_offline", "alternate1:zfsmirr")
    assert without_uptime(outputs(p)) == without_uptime(before)
    assert outputs(p)["alternate1: zpool status"] == before["alternate1: zpool status"]


def test_domain_kill_of_the_alternate_domain_and_heal() -> None:
    p = build_seed(solaris=10)  # pins Solaris 10 texts (UNAVAIL, no NORM)
    before = outputs(p)
    events: list[object] = []
    p.subscribe(events.append)
    p.inject("domain_kill", "alternate1")
    assert ldm_states(p, "primary1")["alternate1"] == ("bound", "------")
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-n----")
    assert run_zpool(p, "alternate1", ["status"])[0] == 255
    assert run_dladm(p, "alternate1", ["show-phys"])[0] == 255
    assert p.guest_io("ldg1").ok  # the control domain's paths carry on
    assert [e for e in events if isinstance(e, DomainChanged)] == [
        DomainChanged(SETTLED_AT, "node1", "alternate1", "alternate1", "active", "bound", True, False)]
    p.heal("domain_kill", "alternate1")
    assert ldm_states(p, "primary1")["alternate1"] == ("active", "-t--v-")  # booting
    p.clock.advance(10)
    assert ldm_states(p, "primary1")["alternate1"] == ("active", "-n--v-")
    assert without_uptime(outputs(p)) == without_uptime(before)
    assert "alternate1       active     -n--v-  5000    8     8G       0.2%  10s" in \
        ok(run_ldm(p, "primary1", ["list"]))


def test_domain_kill_of_the_control_domain_leaves_the_guest_on_the_alternate() -> None:
    p = build_seed()
    before = outputs(p)
    events: list[object] = []
    p.subscribe(events.append)
    p.inject("domain_kill", "primary1")
    assert not p.system_up("primary1")
    assert DomainChanged(SETTLED_AT, "node1", "primary", "primary1", "active", "bound", True, False) in events
    assert run_ldm(p, "primary1", ["list"])[0] == 255
    assert p.guest_node("ldg1").name == "node1"
    assert p.guest_io("ldg1").ok  # failure-policy=ignore: the guest keeps its alternate paths
    p.heal("domain_kill", "primary1")
    p.clock.advance(10)
    assert without_uptime(outputs(p)) == without_uptime(before)


def test_control_domain_death_stops_the_guest_with_failure_policy_stop() -> None:
    p = build_seed()
    ok(run_ldm(p, "primary1", ["set-domain", "failure-policy=stop", "primary"]))
    p.inject("domain_kill", "primary1")
    assert p.domain_of("ldg1").state == "bound"
    assert p.guest_node("ldg1") is None
    last = p.io_timeline("ldg1")[-1]
    assert (last.node, last.storage_ok, last.network_ok) == (None, False, False)


def test_domain_kill_of_the_guest_and_heal() -> None:
    p = build_seed()
    before = outputs(p)
    p.inject("domain_kill", "ldg1")
    assert ldm_states(p, "primary1")["ldg1"] == ("bound", "------")
    assert ok(run_dladm(p, "primary1", ["show-phys"])) == before["primary1: dladm show-phys"][1]
    assert run_dladm(p, "ldg1", ["show-link"])[0] == 255
    p.heal("domain_kill", "ldg1")
    assert not p.guest_io("ldg1").ok  # still booting
    p.clock.advance(10)
    assert p.guest_io("ldg1").ok
    assert without_uptime(outputs(p)) == without_uptime(before)
    assert [(s.t, s.ok) for s in p.io_timeline("ldg1")][-3:] == \
        [(SETTLED_AT, False), (SETTLED_AT, False), (SETTLED_AT + 10, True)]


def test_node_power_off_and_heal() -> None:
    p = build_seed()
    p.domain_of("ldg1").autoboot = True  # as configured to boot with the node
    before = outputs(p)
    p.inject("node_power_off", "alternate1")  # any system of the node names it
    assert [f.where for f in p.faults()] == ["primary1"]
    for system in ("primary1", "alternate1", "ldg1"):
        assert not p.system_up(system)
        assert run_ldm(p, system, ["list"])[0] == 255
    assert ldm_states(p, "primary2")["ldg1"] == ("inactive", "------")
    assert not p.guest_io("ldg1").ok
    p.clock.advance(60)
    p.heal("node_power_off", "node1")
    p.clock.advance(10)
    assert without_uptime(outputs(p)) == without_uptime(before)
    (o,) = p.io_outages("ldg1")
    assert (o.start, o.end) == (SETTLED_AT, SETTLED_AT + 70)


def test_power_on_leaves_guests_bound_unless_they_autoboot() -> None:
    p = build_seed()
    p.inject("node_power_off", "node1")
    p.heal("node_power_off", "primary1")
    p.clock.advance(10)
    assert ldm_states(p, "primary1") == {"primary": ("active", "-n-cv-"), "alternate1": ("active", "-n--v-"),
                                         "ldg1": ("bound", "------")}


def test_bad_requests_are_refused_with_the_valid_choices_and_change_nothing() -> None:
    p = build_seed()
    before = outputs(p)
    with pytest.raises(FaultError, match="unknown fault kind 'cable_cut'.*nic_pull, disk_offline"):
        p.inject("cable_cut", "primary1:nxge3")
    with pytest.raises(FaultError, match=r"unknown system 'primary9' \(systems: primary1, alternate1, ldg1"):
        p.inject("nic_pull", "primary9:nxge3")
    with pytest.raises(FaultError, match=r"unknown NIC 'nxge9' on primary1 \(NICs of primary1: nxge3\)"):
        p.inject("nic_pull", "primary1:nxge9")
    with pytest.raises(FaultError, match=r"zpools of alternate1: zfsmirr"):
        p.inject("zpool_offline", "alternate1")
    with pytest.raises(FaultError, match="takes a system only"):
        p.inject("domain_kill", "primary1:nxge3")
    with pytest.raises(FaultError, match=r"no nic_pull fault at 'primary1:nxge3' is in force \(in force: none\)"):
        p.heal("nic_pull", "primary1:nxge3")
    p.inject("nic_pull", "primary1:nxge3")
    with pytest.raises(FaultError, match="already in force"):
        p.inject("nic_pull", "primary1:nxge3")
    p.heal_all()
    assert outputs(p) == before
    assert FAULT_KINDS == ("nic_pull", "disk_offline", "zpool_offline", "domain_kill", "node_power_off")


def test_a_domain_that_is_not_active_cannot_be_killed() -> None:
    p = build_seed()
    ok(run_ldm(p, "primary1", ["stop", "ldg1"]))
    with pytest.raises(FaultError, match=r"domain ldg1 \(ldg1\) on node1 is bound, not active"):
        p.inject("domain_kill", "ldg1")
    assert p.faults() == []


def test_faults_in_force_are_listed_and_heal_all_heals_them_newest_first() -> None:
    p = build_seed()
    before = outputs(p)
    p.inject("zpool_offline", "primary1:zfsprim")
    p.inject("domain_kill", "alternate1")
    assert [(f.kind, f.where, f.node) for f in p.faults()] == [
        ("zpool_offline", "primary1:zfsprim", "node1"), ("domain_kill", "alternate1", "node1")]
    healed = p.heal_all()
    assert [f.kind for f in healed] == ["domain_kill", "zpool_offline"]
    p.clock.advance(10)
    assert p.faults() == []
    assert without_uptime(outputs(p)) == without_uptime(before)
