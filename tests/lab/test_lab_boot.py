"""Booting the shipped labs in-process (virtual clock) to the steady state, and the lab's platform
as the configuration describes it. Every check reads what the commands print, parsed with
harness.parsers (or, for `ldm list-bindings` / `list-services`, the small readers in live_lab),
never the lab's objects; expectations come from the main.cf through harness.oracle.Topology."""

from __future__ import annotations

import copy

import pytest
from live_lab import SEED_INVENTORY, TRI_INVENTORY, parse_guest_devices, parse_vds_backends

from emulators.clock import VirtualClock
from emulators.lab import SimLab
from harness.inventory import load_inventory
from harness.oracle import Topology
from harness.parsers import (
    parse_dladm_show_phys,
    parse_hagrp_state,
    parse_hastatus_sum,
    parse_ldm_list_p,
    parse_zpool_list_h,
)
from harness.targets.sim import lab_spec

INVENTORIES = {"seed-2node": SEED_INVENTORY, "tri-altio": TRI_INVENTORY}


class Booted:
    """A lab booted to its steady state, read only through its commands."""

    def __init__(self, inventory) -> None:
        self.lab = load_inventory(inventory)
        self.topo = Topology(self.lab.config, self.lab.nodes)
        self.sim = SimLab(lab_spec(self.lab, "alternateio", seed=0), VirtualClock(),
                          config=copy.deepcopy(self.lab.config))
        self.sim.engine.start()
        assert self.sim.engine.settle(limit=3600.0), "the lab did not settle"

    def run(self, system: str, *argv: str) -> tuple[int, str, str]:
        return self.sim.run_command(system, list(argv))

    def out(self, system: str, *argv: str) -> str:
        rc, out, err = self.run(system, *argv)
        assert rc == 0, (system, argv, rc, err)
        return out

    def domain_name(self, system: str) -> str:
        """LDoms calls the control domain `primary`; other domains by their (system) name."""
        node = self.topo.node_of(system)
        return "primary" if system == node.control else system

    def first_control(self) -> str:
        """Where the LDom group starts: the first of its AutoStartList by SystemList priority."""
        group = self.topo.group(self.topo.ldom_group)
        autostart = group.attr("AutoStartList", default=[]) or []
        return min(autostart, key=lambda s: group.system_list[s])


@pytest.fixture(scope="module", params=list(INVENTORIES))
def booted(request) -> Booted:
    return Booted(INVENTORIES[request.param])


def test_seed_lab_steady_state_as_the_issue_states_it():
    """The seed's steady state, names written out (issue 4, "Labs")."""
    lab = Booted(SEED_INVENTORY)
    summary = parse_hastatus_sum(lab.out("primary1", "hastatus", "-sum"))
    state = {key: row.state for key, row in summary.groups.items()}
    assert all(row.state == "RUNNING" for row in summary.systems.values())
    assert set(summary.systems) == {"primary1", "alternate1", "primary2", "alternate2"}
    for group in ("aiosg", "ldomsg"):
        assert state[(group, "primary1")] == "ONLINE"
        assert state[(group, "primary2")] == "OFFLINE"
    for system in ("primary1", "alternate1"):
        assert state[("primary1-strsg", system)] == "ONLINE"
        assert state[("primary1-nwsg", system)] == "ONLINE"
    for system in ("primary2", "alternate2"):
        assert state[("primary2-strsg", system)] == "OFFLINE"
        assert state[("primary2-nwsg", system)] == "ONLINE"
    assert not summary.resources_failed
    on_node1 = {d.name: d.state for d in parse_ldm_list_p(lab.out("primary1", "ldm", "list", "-p"))}
    on_node2 = {d.name: d.state for d in parse_ldm_list_p(lab.out("primary2", "ldm", "list", "-p"))}
    assert on_node1 == {"primary": "active", "alternate1": "active", "ldg1": "active"}
    assert on_node2["ldg1"] != "active" and on_node2["primary"] == on_node2["alternate2"] == "active"


def test_steady_state_follows_the_main_cf(booted: Booted):
    """Both shipped labs: the steady state derived from main.cf + inventory, read from `hastatus -sum`
    (on every cluster system: each answers for the same cluster) and `ldm list -p` on every node."""
    topo, first = booted.topo, booted.first_control()
    want: dict[tuple[str, str], str] = {}
    for control in topo.control_systems():
        here = control == first
        want[(topo.alternateio_group, control)] = "ONLINE" if here else "OFFLINE"
        want[(topo.ldom_group, control)] = "ONLINE" if here else "OFFLINE"
        service = topo.services[control]
        for sg, value in service.storage.items():
            for system in topo.serving_systems(sg):
                # brought up by the AlternateIO resource's online where the value is 1
                want[(sg, system)] = "ONLINE" if here and value == 1 else "OFFLINE"
        for sg in service.network:
            for system in topo.serving_systems(sg):
                want[(sg, system)] = "ONLINE"  # network groups autostart on every I/O domain
    assert len(want) == sum(len(g.system_list) for g in booted.lab.config.groups.values())

    for system in booted.lab.config.systems:
        summary = parse_hastatus_sum(booted.out(system, "hastatus", "-sum"))
        got = {key: row.state for key, row in summary.groups.items()}
        assert got == want, system
        assert {s: row.state for s, row in summary.systems.items()} == \
            dict.fromkeys(booted.lab.config.systems, "RUNNING")
        assert not summary.resources_failed and not summary.resources_not_probed
    assert parse_hagrp_state(booted.out(first, "hagrp", "-state")) == want

    for control in topo.control_systems():
        domains = {d.name: d for d in parse_ldm_list_p(booted.out(control, "ldm", "list", "-p"))}
        node = topo.node_of(control)
        for system in node.systems:
            assert domains[booted.domain_name(system)].state == "active"
        assert "c" in domains["primary"].flags  # the control domain
        guest = domains[topo.guest]
        assert (guest.state == "active") == (control == first), (control, guest)


def test_guest_paths_are_derived_from_the_config(booted: Booted):
    """On every node that can run the guest: one vnet per service domain (and NIC) of the network
    groups AlternateIO names for that control system, one vdisk per service domain of each Zpool
    resource of each storage group, the vdisks of one Zpool resource in one mpgroup of their own,
    each path backed by the zpool that resource names on that service domain."""
    topo = booted.topo
    for control in topo.control_systems():
        service = topo.services[control]
        bindings = booted.out(control, "ldm", "list-bindings", topo.guest)
        assert booted.out(control, "ldm", "list", "-l", topo.guest) == bindings
        vnets, vdisks = parse_guest_devices(bindings)

        want_vnets = sorted((booted.domain_name(s), nic) for sg in service.network
                            for s in topo.serving_systems(sg) for nic in topo.nics(sg, s))
        assert sorted((v.domain, v.vsw.rsplit("-", 1)[-1]) for v in vnets) == want_vnets
        assert len({v.name for v in vnets}) == len(vnets)

        backends = parse_vds_backends(booted.out(control, "ldm", "list-services"))
        by_mpgroup: dict[str, set[tuple[str, str]]] = {}
        for disk in vdisks:
            device = backends[(disk.vds, disk.volume)]
            assert device.startswith("/dev/zvol/dsk/"), device
            pool = device.split("/")[4]
            by_mpgroup.setdefault(disk.mpgroup, set()).add((disk.server, pool))
        # one mpgroup (one virtual disk of the guest) per Zpool resource of each storage group
        want_groups = sorted(
            sorted((booted.domain_name(s), topo.pools(sg, s)[i]) for s in topo.serving_systems(sg))
            for sg in service.storage for i in range(len(topo.pools(sg, topo.serving_systems(sg)[0]))))
        assert sorted(sorted(paths) for paths in by_mpgroup.values()) == want_groups
        assert len(vdisks) == sum(len(paths) for paths in want_groups)
        assert len(by_mpgroup) == len(want_groups) >= len(service.storage) > 0


def test_each_command_answers_where_it_would_on_real_hardware(booted: Booted):
    """`ldm` only in control domains, `zpool`/`dladm` in the service (control and alternate)
    domains with the pools and NICs main.cf gives them, `ha*` on every cluster system."""
    topo, config = booted.topo, booted.lab.config
    for node in booted.lab.nodes:
        for system in node.systems:
            rc, out, err = booted.run(system, "ldm", "list", "-p")
            if system == node.control:
                assert rc == 0 and parse_ldm_list_p(out)
            else:
                assert (rc, out) == (127, "") and "ldm: command not found" in err
            pools = {p for sg, g in config.groups.items() if system in g.system_list
                     for p in topo.pools(sg, system)}
            nics = {n for sg, g in config.groups.items() if system in g.system_list
                    for n in topo.nics(sg, system)}
            assert {p.name for p in parse_zpool_list_h(booted.out(system, "zpool", "list", "-H", "-o",
                                                                     "name,health"))} <= pools
            assert {p.link for p in parse_dladm_show_phys(booted.out(system, "dladm", "show-phys"))} == nics
            for command in (["hastatus", "-sum"], ["hagrp", "-state"], ["hares", "-state"], ["hasys", "-state"]):
                assert booted.run(system, *command)[0] == 0, (system, command)
    rc, _, err = booted.run("no-such-system", "hastatus", "-sum")
    assert rc == 2 and "no-such-system" in err


def test_the_guest_is_no_cluster_system(booted: Booted):
    """In the guest domain neither VCS nor ldm is installed: `ha*` and `ldm` are not found."""
    guest = booted.topo.guest
    for command in (["hastatus", "-sum"], ["hagrp", "-state"], ["ldm", "list"]):
        rc, out, err = booted.run(guest, *command)
        assert (rc, out) == (127, ""), (command, rc, out)
        assert f"{command[0]}: command not found" in err
