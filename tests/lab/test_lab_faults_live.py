"""Faults injected into a running seed lab (issue 4, last "Done when" bullet), watched as a person
watches them: `altio-hil lab exec ... -- hagrp -state` and `ldm list -p`, on the wall clock.

The lab is the seed's (same main.cf, same nodes) with faster timing, so that the whole story runs in
a few wall seconds; every budget below is computed from that timing, not guessed."""

from __future__ import annotations

import re
import time

import pytest
import yaml
from live_lab import fast_inventory, running_lab, wait_for

from harness.inventory import load_inventory
from harness.oracle import Topology
from harness.parsers import parse_hagrp_state, parse_hastatus_sum, parse_ldm_list_p

TIMING = {"MonitorInterval": 10, "OfflineMonitorInterval": 60, "OnlineTimeout": 60, "OfflineTimeout": 60,
          "time_scale": 100}
CLI_SLACK_S = 3.0  # wall seconds for process start-up of the polling commands themselves


def budgets(inventory) -> dict[str, float]:
    """Wall-clock budgets from the inventory's timing (type defaults where it says nothing)."""
    lab = load_inventory(inventory)
    topo = Topology(lab.config, lab.nodes)
    timing = yaml.safe_load(inventory.read_text())["timing"]

    def attr(type_name: str, name: str, default: int) -> float:
        return float(timing.get(name, topo.timing(type_name, name, default)))

    scale = float(timing["time_scale"])
    detect = {t: attr(t, "MonitorInterval", 60) * (attr(t, "ToleranceLimit", 0) + 1)
              for t in ("Zpool", "AlternateIO")}
    # the Zpool resource faults, then AlternateIO sees its storage group gone on every I/O domain;
    # the LDom and AlternateIO groups go offline on primary1 and come online on primary2
    failover = (detect["Zpool"] + detect["AlternateIO"]
                + attr("LDom", "OfflineTimeout", 300) + attr("AlternateIO", "OfflineTimeout", 300)
                + attr("AlternateIO", "OnlineTimeout", 300) + attr("LDom", "OnlineTimeout", 300))
    return {"detect": detect["Zpool"] / scale,
            "monitor_cycle": (detect["Zpool"] + detect["AlternateIO"]) / scale,
            "failover": failover / scale,
            "offline_monitor": attr("AlternateIO", "OfflineMonitorInterval", 300) / scale,
            "online": attr("Zpool", "OnlineTimeout", 300) / scale}


@pytest.fixture
def seed_lab(tmp_path):
    inventory = fast_inventory(tmp_path, **TIMING)
    with running_lab(inventory) as cli:
        yield cli, budgets(inventory)


def states(cli) -> dict[tuple[str, str], str]:
    """`hagrp -state` through `altio-hil lab exec` (what the issue asks the watcher to use)."""
    return parse_hagrp_state(cli.out("primary1", "hagrp", "-state"))


def shell_states(cli) -> dict[tuple[str, str], str]:
    """`hagrp -state` typed in a `lab shell` on primary1 (the shim): the same answer, cheaper."""
    return parse_hagrp_state(cli.shim_out("primary1", "hagrp", "-state"))


def guest_state(cli, control: str) -> str:
    return {d.name: d.state for d in parse_ldm_list_p(cli.shim_out(control, "ldm", "list", "-p"))}["ldg1"]


def test_zpool_faults_fail_the_guest_over_and_heal_brings_storage_back(seed_lab):
    cli, budget = seed_lab

    # S3: the alternate domain's pool goes; the storage group stays up on the control domain
    fault = cli.lab("fault", "zpool_offline", "--where", "alternate1:zfsmirr")
    assert fault.returncode == 0, fault.stderr
    assert wait_for(lambda: shell_states(cli)[("primary1-strsg", "alternate1")] == "OFFLINE|FAULTED",
                    budget["detect"] + CLI_SLACK_S, interval=0)
    time.sleep(2 * budget["monitor_cycle"])  # AlternateIO has looked at least once since
    now = shell_states(cli)
    assert now[("ldomsg", "primary1")] == now[("aiosg", "primary1")] == "ONLINE"
    assert now[("primary1-strsg", "primary1")] == "ONLINE"
    assert now[("ldomsg", "primary2")] == "OFFLINE"
    assert guest_state(cli, "primary1") == "active"
    status = cli.lab("status")
    assert status.returncode == 0 and "zpool_offline alternate1:zfsmirr" in status.stdout

    # S4: the control domain's pool goes too: the LDom group and the guest move to primary2
    t0 = time.monotonic()
    fault = cli.lab("fault", "zpool_offline", "--where", "primary1:zfsprim")
    assert fault.returncode == 0, fault.stderr
    seen: list[dict] = []

    def moved() -> bool:
        seen.append(states(cli))
        return seen[-1][("ldomsg", "primary2")] == "ONLINE"

    assert wait_for(moved, budget["failover"] + CLI_SLACK_S, interval=0), seen[-1]
    assert time.monotonic() - t0 <= budget["failover"] + CLI_SLACK_S
    now = seen[-1]
    assert now[("ldomsg", "primary1")] == "OFFLINE" and now[("aiosg", "primary2")] == "ONLINE"
    assert now[("primary2-strsg", "primary2")] == now[("primary2-strsg", "alternate2")] == "ONLINE"
    assert guest_state(cli, "primary2") == "active"
    assert guest_state(cli, "primary1") != "active"
    status = cli.lab("status").stdout
    assert "zpool_offline alternate1:zfsmirr" in status and "zpool_offline primary1:zfsprim" in status

    # heal everything: `lab heal --all` clears what faulted itself, node1 is a clean standby again and
    # the guest stays put
    heal_all(cli)
    now = shell_states(cli)
    assert now[("primary1-strsg", "primary1")] == now[("primary1-strsg", "alternate1")] == "OFFLINE"
    assert now[("aiosg", "primary1")] == now[("ldomsg", "primary1")] == "OFFLINE"
    assert now[("ldomsg", "primary2")] == "ONLINE"

    # bring the storage group up again where VCS needs it (AutoStart = 0: nothing else will); the
    # LDom group does not move, through a whole offline-monitor period of AlternateIO on primary1
    for system in ("primary1", "alternate1"):
        done = cli.exec("primary1", "hagrp", "-online", "primary1-strsg", "-sys", system)
        assert done.returncode == 0, done.stderr
    watched = watch(cli, budget["online"] + budget["offline_monitor"] + budget["monitor_cycle"])
    for snapshot in watched:
        assert snapshot[("ldomsg", "primary2")] == "ONLINE", snapshot
        assert snapshot[("ldomsg", "primary1")] == "OFFLINE", snapshot
    assert not any("FAULTED" in v for v in watched[-1].values()), watched[-1]
    assert guest_state(cli, "primary2") == "active" and guest_state(cli, "primary1") != "active"
    assert not parse_hastatus_sum(cli.shim_out("primary2", "hastatus", "-sum")).resources_failed


def heal_all(cli) -> None:
    """`lab heal --all` restores the steady state itself: no fault in force, nothing FAULTED, and it
    printed the `hagrp -clear G -sys S` it typed for each group that had FAULTED."""
    faulted = sorted(key for key, value in shell_states(cli).items() if "FAULTED" in value)
    assert ("primary1-strsg", "primary1") in faulted and ("primary1-strsg", "alternate1") in faulted
    heal = cli.lab("heal", "--all")
    assert heal.returncode == 0, heal.stderr
    for group, system in faulted:
        assert re.search(rf"^\s*hagrp -clear {re.escape(group)} -sys {re.escape(system)}\b", heal.stdout, re.M), \
            (group, system, heal.stdout)
    assert "no faults in force" in cli.lab("status").stdout
    now = shell_states(cli)
    assert not any("FAULTED" in v for v in now.values()), (now, heal.stdout)


def watch(cli, seconds: float) -> list[dict]:
    snapshots = []
    deadline = time.monotonic() + seconds
    while not snapshots or time.monotonic() < deadline:
        snapshots.append(shell_states(cli))
    return snapshots


REFUSED = [
    (["exec", "--system", "primary9", "--", "hastatus", "-sum"], "primary1, alternate1, primary2, alternate2"),
    (["exec", "--system", "primary1"], "give a command after --"),
    (["fault", "disk_pull", "--where", "primary1:c0t1d0"], "nic_pull, disk_offline, zpool_offline"),
    (["fault", "zpool_offline", "--where", "primary9:zfsprim"], "primary1, alternate1, primary2, alternate2"),
    (["fault", "zpool_offline", "--where", "primary1:zfsmirr"], "zfsprim"),
    (["fault", "nic_pull", "--where", "alternate1:nxge3"], "nxge4"),
    (["fault", "domain_kill", "--where", "primary1:nxge3"], "--where SYSTEM"),
    (["fault", "zpool_offline", "--where", "primary1"], "SYSTEM:OBJECT"),
    (["heal", "zpool_offline", "--where", "primary1:zfsprim"], "none"),
    (["heal"], "--all"),
]


def test_bad_faults_are_refused_with_the_valid_ones(seed_lab):
    """Exit 2 with the list of valid kinds / systems / objects; nothing injected, nothing in the ledger."""
    cli, _ = seed_lab
    for argv, valid in REFUSED:
        done = cli.lab(*argv)
        assert done.returncode == 2, (argv, done.returncode, done.stdout, done.stderr)
        assert valid in done.stderr, (argv, done.stderr)
        assert "Traceback" not in done.stderr
    assert "no faults in force" in cli.lab("status").stdout
    assert cli.daemon_ledger() == []
