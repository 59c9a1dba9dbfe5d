"""The bundled agents' entry points on a small platform."""

from __future__ import annotations

from ovm_probe import drive, ldm_states
from ovm_seed_lab import build_seed

from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, MONITOR_UNKNOWN, Agent, EntryContext
from emulators.clock import VirtualClock
from emulators.ovm import (
    DiskAgent,
    LDomAgent,
    MountAgent,
    MultiNICBAgent,
    NICAgent,
    ZpoolAgent,
    bundled_agents,
)


def ctx(system: str, type_: str, logs: list[tuple[str, str]] | None = None, **attrs: object) -> EntryContext:
    log = (lambda sev, text: logs.append((sev, text))) if logs is not None else (lambda sev, text: None)
    return EntryContext(resource="res", type=type_, group="grp", system=system, attrs=attrs, log=log)


def test_ldom_online_boots_the_guest_on_the_node_of_the_system() -> None:
    clock = VirtualClock()
    p = build_seed(clock)
    agent = LDomAgent(p)
    on2 = ctx("primary2", "LDom", LDomName="ldg1")
    assert agent.monitor(on2) == MONITOR_OFFLINE
    p.domain_of("primary2").import_pool("zfsprim")
    t0 = clock.now()
    assert drive(clock, agent.online(on2)) == 0
    assert clock.now() - t0 == 10  # yielded while the guest booted
    assert agent.monitor(on2) == MONITOR_ONLINE
    assert ldm_states(p, "primary2")["ldg1"] == ("active", "-n----")
    assert agent.monitor(ctx("primary1", "LDom", LDomName="ldg1")) == MONITOR_ONLINE  # still there too
    assert drive(clock, agent.offline(ctx("primary1", "LDom", LDomName="ldg1"))) == 0
    assert ldm_states(p, "primary1")["ldg1"] == ("inactive", "------")
    assert p.guest_node("ldg1").name == "node2"
    assert p.guest_io("ldg1").ok  # one storage path (primary2's pool) and both vnets
    assert drive(clock, agent.clean(on2, 4)) == 0
    assert agent.monitor(on2) == MONITOR_OFFLINE


def test_ldom_agent_reports_unknown_for_a_guest_it_cannot_find() -> None:
    p = build_seed()
    logs: list[tuple[str, str]] = []
    assert LDomAgent(p).monitor(ctx("primary1", "LDom", logs, LDomName="ldg7")) == MONITOR_UNKNOWN
    assert logs == [("ERROR", "LDom ldg7 does not exist on node node1 (primary1)")]
    assert LDomAgent(p).online(ctx("primary1", "LDom", logs)) == 1


def test_zpool_agent_imports_exports_and_reports_health() -> None:
    clock = VirtualClock()
    p = build_seed(clock)
    agent = ZpoolAgent(p)
    alt2 = ctx("alternate2", "Zpool", PoolName="zfsmirr")
    assert agent.monitor(alt2) == MONITOR_OFFLINE
    assert drive(clock, agent.online(alt2)) == 0
    assert agent.monitor(alt2) == MONITOR_ONLINE
    p.inject("disk_offline", "alternate2:c1t2d0")
    assert agent.monitor(alt2) == MONITOR_ONLINE  # DEGRADED still serves
    p.inject("zpool_offline", "alternate2:zfsmirr")
    assert agent.monitor(alt2) == MONITOR_OFFLINE
    assert drive(clock, agent.clean(alt2, 4)) == 0
    assert not p.domain_of("alternate2").pools["zfsmirr"].imported
    logs: list[tuple[str, str]] = []
    assert drive(clock, agent.online(ctx("alternate2", "Zpool", logs, PoolName="zfsmirr"))) == 1
    assert "one or more devices is currently unavailable" in logs[0][1]
    p.heal_all()
    assert drive(clock, agent.online(alt2)) == 0 and agent.monitor(alt2) == MONITOR_ONLINE
    assert drive(clock, agent.offline(alt2)) == 0 and agent.monitor(alt2) == MONITOR_OFFLINE


def test_nic_multinicb_and_disk_agents_follow_the_hardware() -> None:
    p = build_seed()
    nic, mnic, disk = NICAgent(p), MultiNICBAgent(p), DiskAgent(p)
    assert nic.operations == mnic.operations == disk.operations == "None"
    c = ctx("primary1", "NIC", Device="nxge3")
    assert nic.monitor(c) == MONITOR_ONLINE
    p.domain_of("primary1").add_nic("nxge5")
    m = ctx("primary1", "MultiNICB", Device={"nxge3": 0, "nxge5": 1})
    p.inject("nic_pull", "primary1:nxge3")
    assert nic.monitor(c) == MONITOR_OFFLINE
    assert mnic.monitor(m) == MONITOR_ONLINE
    p.inject("nic_pull", "primary1:nxge5")
    assert mnic.monitor(m) == MONITOR_OFFLINE
    d = ctx("alternate1", "Disk", Partition="c1t2d0s2")
    assert disk.monitor(d) == MONITOR_ONLINE
    p.inject("disk_offline", "alternate1:c1t2d0")
    assert disk.monitor(d) == MONITOR_OFFLINE
    assert nic.monitor(ctx("primary1", "NIC")) == MONITOR_UNKNOWN


def test_mount_agent_mounts_a_dataset_of_a_usable_pool() -> None:
    clock = VirtualClock()
    p = build_seed(clock)
    agent = MountAgent(p)
    m = ctx("primary1", "Mount", MountPoint="/data", BlockDevice="zfsprim/data", FSType="zfs")
    assert agent.monitor(m) == MONITOR_OFFLINE
    assert drive(clock, agent.online(m)) == 0 and agent.monitor(m) == MONITOR_ONLINE
    p.inject("zpool_offline", "primary1:zfsprim")
    assert agent.monitor(m) == MONITOR_OFFLINE
    p.heal("zpool_offline", "primary1:zfsprim")
    assert agent.monitor(m) == MONITOR_ONLINE
    p.domain_of("primary1").export_pool("zfsprim")  # export unmounts
    assert agent.monitor(m) == MONITOR_OFFLINE
    assert drive(clock, agent.online(m)) == 1


def test_bundled_agents_implement_the_contract() -> None:
    agents = bundled_agents(build_seed())
    assert set(agents) == {"LDom", "Zpool", "NIC", "MultiNICB", "Disk", "Mount"}
    assert all(isinstance(a, Agent) for a in agents.values())
