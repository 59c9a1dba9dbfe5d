"""The platform model: builder checks, lookups, guest I/O rules, events, timelines."""

from __future__ import annotations

import pytest
from ovm_seed_lab import SETTLED_AT, build_seed

from emulators.clock import VirtualClock
from emulators.ovm import DomainChanged, IoChanged, NicChanged, Platform, PlatformError, PoolChanged


def test_lookups_resolve_systems_and_the_guest_where_it_is_active() -> None:
    p = build_seed()
    node, dom = p.system("primary2")
    assert (node.name, dom.name, dom.role) == ("node2", "primary", "control")
    assert p.node_of("alternate1").name == "node1"
    assert p.guest_node("ldg1").name == "node1"
    assert [d.node.name for d in p.guest_domains("ldg1")] == ["node1", "node2"]
    p.domain_of("ldg1").stop()
    assert p.guest_node("ldg1") is None
    p.nodes["node2"].domains["ldg1"].bind()
    p.nodes["node2"].domains["ldg1"].start()
    assert p.guest_node("ldg1").name == "node2"
    assert p.system("ldg1")[0].name == "node2"
    with pytest.raises(PlatformError, match="unknown system 'nope'"):
        p.system("nope")
    with pytest.raises(PlatformError, match="unknown guest 'primary1'"):
        p.io_timeline("primary1")


def test_builder_refuses_inconsistent_labs() -> None:
    p = Platform(VirtualClock())
    node = p.add_node("node1")
    with pytest.raises(PlatformError, match="ldm name is 'primary'"):
        node.add_domain("control0", role="control")
    primary = node.add_domain("primary", hostname="primary1", role="control", buses=["pci_0"])
    with pytest.raises(PlatformError, match="pci_0 is already assigned to domain primary"):
        node.add_domain("alt", role="alternate", buses=["pci_0"])
    with pytest.raises(PlatformError, match="system 'primary1' is already defined"):
        p.add_node("node2").add_domain("primary", hostname="primary1", role="control")
    with pytest.raises(PlatformError, match="net-dev nxge3 is not a network device of domain primary"):
        primary.add_vsw("primary-vsw0", net_dev="nxge3")
    with pytest.raises(PlatformError, match="Path /dev/zvol/dsk/zfsprim/vol1 is not valid"):
        primary.add_vds("primary-vds0")
        primary.add_vdsdev("vol1", vds="primary-vds0", backend="/dev/zvol/dsk/zfsprim/vol1")
    with pytest.raises(PlatformError, match="mirror requires at least 2 devices"):
        primary.add_zpool("tank", vdevs=["mirror", "c0t1d0"])
    with pytest.raises(PlatformError, match="unknown domain role 'root'"):
        node.add_domain("alt", role="root")


def test_storage_needs_one_working_path_per_mpgroup() -> None:
    p = build_seed()
    guest = p.domain_of("ldg1")
    assert p.guest_io("ldg1").ok
    p.domain_of("alternate1").pools["zfsmirr"].imported = False  # exported: its zvol is gone
    p._settle()
    assert p.guest_io("ldg1").storage_ok
    p.domain_of("primary1").export_pool("zfsprim")
    assert not p.guest_io("ldg1").storage_ok
    assert guest.state == "active"


def test_events_report_every_observable_change() -> None:
    p = build_seed()
    events: list[object] = []
    unsubscribe = p.subscribe(events.append)
    p.inject("nic_pull", "primary1:nxge3")
    p.inject("zpool_offline", "alternate1:zfsmirr")
    assert events == [NicChanged(SETTLED_AT, "node1", "primary1", "nxge3", "down"),
                      PoolChanged(SETTLED_AT, "node1", "alternate1", "zfsmirr", "UNAVAIL", True)]
    events.clear()
    p.inject("domain_kill", "primary1")  # the only healthy pool was the primary's; the network has nxge4
    kinds = [e.kind for e in events]
    assert kinds == ["domain", "io"]
    assert events[1] == IoChanged(SETTLED_AT, "ldg1", "node1", False, True)
    unsubscribe()
    p.heal_all()
    assert len(events) == 2


def test_a_subscriber_may_act_on_the_platform() -> None:
    """The lab reacts to a dead control domain by moving the guest; the reaction's events follow."""
    p = build_seed()
    seen: list[object] = []

    def lab(event: object) -> None:
        seen.append(event)
        if isinstance(event, DomainChanged) and event.hostname == "primary1" and not event.up:
            p.domain_of("ldg1").stop()

    p.subscribe(lab)
    p.inject("domain_kill", "primary1")
    assert [(e.kind, getattr(e, "domain", None), getattr(e, "new", None)) for e in seen][:2] == [
        ("domain", "primary", "bound"), ("domain", "ldg1", "bound")]
    assert p.guest_node("ldg1") is None


def test_io_outages_measure_and_window() -> None:
    clock = VirtualClock()
    p = build_seed(clock)
    assert p.io_outages("ldg1", SETTLED_AT, SETTLED_AT) == []
    p.inject("nic_pull", "primary1:nxge3")
    p.inject("nic_pull", "alternate1:nxge4")
    clock.advance(12)
    (open_outage,) = p.io_outages("ldg1", SETTLED_AT - 100)
    assert (open_outage.start, open_outage.end, open_outage.ongoing) == (SETTLED_AT, SETTLED_AT + 12, True)
    p.heal("nic_pull", "primary1:nxge3")
    clock.advance(100)
    (o,) = p.io_outages("ldg1", SETTLED_AT + 5, SETTLED_AT + 50)
    assert (o.start, o.end, o.duration, o.ongoing) == (SETTLED_AT + 5, SETTLED_AT + 12, 7, False)
    assert p.io_ok_between("ldg1", SETTLED_AT + 12, SETTLED_AT + 100)
    with pytest.raises(PlatformError, match="empty time window"):
        p.io_outages("ldg1", 10, 5)
