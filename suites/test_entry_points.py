"""The AlternateIO entry-point contract at suite level (seed, "Exemplary Agent functions").

online brings every value-1 group up on every system of its SystemList and leaves value-0 groups
alone; offline takes the value-1 groups down everywhere and leaves value-0 groups alone. Observed
through the cluster's own state while the LDom group is switched between nodes.
"""

import pytest

from harness.scenarios import bring_to, ldom_location, move_guest


def _values(topo, control, value):
    return [sg for sg, v in topo.services[control].groups.items() if v == value]


@pytest.mark.altio_row("contract")
def test_online_brings_value_1_groups_up_everywhere(altio_target, altio_topology, altio_oracle):
    topo, target = altio_topology, altio_target
    # a shared lab starts where the last run left it: the steady state with the guest where it is
    bring_to(target, topo, ldom_location(target.snapshot(), topo) or topo.control_systems()[0],
             altio_oracle.windows.settle_s)
    snap = target.snapshot()
    active = ldom_location(snap, topo)
    assert active is not None, "the LDom group is online nowhere after boot"
    value1 = _values(topo, active, 1)
    assert value1, "AlternateIO names no value-1 group for the active system"
    for sg in value1:
        for s in topo.serving_systems(sg):
            assert snap.group(sg, s) == "ONLINE", f"{sg} on {s}"
    # nothing brings the other nodes' storage groups up: AlternateIO is not online there. A freshly
    # booted lab shows it as it is; a shared lab may still hold them from an earlier run's failover
    # (when a node dies its offline entry point never runs): an operator takes them down, and then
    # nothing may bring them back
    others = [(sg, s) for other in topo.control_systems() if other != active
              for sg in topo.services[other].storage for s in topo.serving_systems(sg)]
    held = [(sg, s) for sg, s in others if snap.group(sg, s) != "OFFLINE"]
    if held and not target.fresh:
        for sg, s in held:
            target.hagrp("-offline", sg, "-sys", s)
        target.wait_for(lambda now: all(now.group(sg, s) == "OFFLINE" for sg, s in held), altio_oracle.windows.settle_s)
        snap = target.wait(altio_oracle.windows.quiet_s)
    for sg, s in others:
        assert snap.group(sg, s) == "OFFLINE", f"{sg} on {s} came up without AlternateIO"


@pytest.mark.altio_row("contract")
def test_moving_the_guest_runs_offline_then_online_and_leaves_value_0_groups_alone(altio_target, altio_topology,
                                                                                 altio_oracle):
    topo, target = altio_topology, altio_target
    windows = altio_oracle.windows
    source = ldom_location(target.snapshot(), topo) or topo.control_systems()[0]
    bring_to(target, topo, source, windows.settle_s)
    dest = next(s for s in topo.control_systems() if s != source)
    # take every value-0 group down on one serving system of the source node and of the destination
    # (where the group has another system to serve from): nothing may bring it back, offline or online
    parked = []
    for sg in [*_values(topo, source, 0), *_values(topo, dest, 0)]:
        if len(topo.serving_systems(sg)) < 2 or any(g == sg for g, _ in parked):
            continue
        alt = topo.serving_systems(sg)[-1]
        rc, out, err = target.hagrp("-offline", sg, "-sys", alt)
        assert rc == 0, err
        parked.append((sg, alt))
    target.wait_for(lambda snap: all(snap.group(g, s) == "OFFLINE" for g, s in parked), windows.settle_s)

    t_move = target.now()
    assert move_guest(target, topo, dest, windows.settle_s), f"{topo.ldom_group} did not move to {dest}"
    # let the offline entry point's effects settle on the source node
    snap = target.wait(windows.quiet_s)

    # the entry points themselves did the work: VCS calls clean when an online or offline was
    # ineffective (monitor still disagreeing after it), and clean's forced offline must not hide that
    ineffective = [line for line in target.engine_log(t_move)
                   if f"resource({topo.alternateio_resource})" in line and "was ineffective" in line]
    assert not ineffective, "AlternateIO's entry point was ineffective: " + "; ".join(ineffective)

    for sg in _values(topo, source, 1):  # offline: value-1 groups down on every system of the source node
        for s in topo.serving_systems(sg):
            assert snap.group(sg, s) == "OFFLINE", f"offline left {sg} {snap.group(sg, s)} on {s}"
    for sg, s in parked:  # value-0 groups: neither brought up by online nor touched by offline
        assert snap.group(sg, s) == "OFFLINE", f"value-0 group {sg} was brought up on {s}"
    for sg in _values(topo, source, 0):
        for s in topo.serving_systems(sg):
            if (sg, s) not in parked:
                assert snap.group(sg, s) == "ONLINE", f"offline took value-0 group {sg} down on {s}"
    for sg in _values(topo, dest, 1):  # online on the destination: value-1 groups up everywhere
        for s in topo.serving_systems(sg):
            assert snap.group(sg, s) == "ONLINE", f"online left {sg} {snap.group(sg, s)} on {s}"


def _arglist(topo, control) -> dict[str, dict[str, str]]:
    """The AlternateIO resource's ArgList values on `control`, as the framework passes them."""
    service = topo.services[control]
    return {"StorageSG": {sg: str(service.groups[sg]) for sg in service.storage},
            "NetworkSG": {sg: str(service.groups[sg]) for sg in service.network}}


@pytest.mark.altio_row("contract")
def test_monitor_is_unknown_when_a_group_cannot_be_read(altio_target, altio_topology, altio_oracle):
    """VCS: a monitor that cannot determine the state answers UNKNOWN (99), never ONLINE. The agent's
    monitor is run by hand on the active control domain, once with its own ArgList values (it must say
    ONLINE: the probe works) and once with a watched group that does not exist on the cluster."""
    topo, target = altio_topology, altio_target
    active = ldom_location(target.snapshot(), topo) or topo.control_systems()[0]
    bring_to(target, topo, active, altio_oracle.windows.settle_s)
    attrs = _arglist(topo, active)
    code, said = target.probe_monitor(active, attrs)
    assert code == 110, f"monitor with the lab's own StorageSG/NetworkSG on {active} exited {code}, not 110: {said}"
    ghost = "altio-hil-unreadable-sg"
    assert ghost not in topo.config.groups
    unreadable = {**attrs, "StorageSG": {**attrs["StorageSG"], ghost: "0"}}
    code, said = target.probe_monitor(active, unreadable)
    assert code == 99, (f"monitor exited {code} for a StorageSG naming {ghost}, a group it cannot read "
                        f"(UNKNOWN, 99, expected): {said.strip()[:300]}")
