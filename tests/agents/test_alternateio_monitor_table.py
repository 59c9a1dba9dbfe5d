"""The monitor over every combination of group states on the control domain and on one, two and
three alternate I/O domains, for both monitors and for both ways of reading the cluster (in memory,
and HagrpGroupControl over what `hagrp` prints)."""

from __future__ import annotations

import itertools

import pytest
from altio_agent_fakes import CELLS, ERROR_CELLS, Cluster, FakeGroups, FakeHagrpRun, LogBook, context

from agents.alternateio import MONITORS, AlternateIOAgent, LegacyPrimaryOnlyAgent
from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, MONITOR_UNKNOWN
from agents.hagrp import HagrpGroupControl

CONTROLS = {
    "in-memory": lambda cluster: FakeGroups(cluster),
    "hagrp-piped": lambda cluster: HagrpGroupControl(run=FakeHagrpRun(cluster, piped=True)),
    "hagrp-bare": lambda cluster: HagrpGroupControl(run=FakeHagrpRun(cluster, piped=False)),
}


def expected_group(monitor: str, cells: tuple[str, ...]) -> str:
    """The oracle, stated independently of the agent: 'up', 'down' or 'unknown'."""
    watched = cells if monitor == "alternateio" else cells[:1]
    if "ONLINE" in watched:
        return "up"
    if any(cell in ERROR_CELLS for cell in watched):
        return "unknown"
    return "down"


CODE = {"up": MONITOR_ONLINE, "down": MONITOR_OFFLINE, "unknown": MONITOR_UNKNOWN}


def systems(alternates: int) -> list[str]:
    return ["primary1"] + [f"alternate1{chr(ord('a') + i)}" for i in range(alternates)]


def test_registry_names_both_monitors():
    assert MONITORS == {"alternateio": AlternateIOAgent, "legacy-primary-only": LegacyPrimaryOnlyAgent}


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("monitor", MONITORS)
@pytest.mark.parametrize("alternates", [1, 2, 3])
@pytest.mark.parametrize("attribute", ["StorageSG", "NetworkSG"])
def test_one_group_every_state_combination(control, monitor, alternates, attribute):
    names = systems(alternates)
    mismatches = []
    for cells in itertools.product(CELLS, repeat=len(names)):
        cluster = Cluster()
        cluster.add("primary1-sg", dict(zip(names, cells, strict=True)))
        log = LogBook()
        agent = MONITORS[monitor](CONTROLS[control](cluster))
        ctx = context(log=log, **{("storage" if attribute == "StorageSG" else "network"): {"primary1-sg": 1}})
        got = agent.monitor(ctx)
        want = CODE[expected_group(monitor, cells)]
        if got != want:
            mismatches.append((cells, got, want))
        elif want == MONITOR_UNKNOWN and not any("primary1-sg" in line for line in log.errors()):
            mismatches.append((cells, "no ERROR line naming the group", log.lines))
        elif want != MONITOR_UNKNOWN and log.errors():
            mismatches.append((cells, "unexpected ERROR lines", log.lines))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("monitor", MONITORS)
def test_storage_and_network_groups_combine(control, monitor):
    """ONLINE needs every group available; a group known down wins over one that cannot be read."""
    names = systems(1)
    mismatches = []
    for storage_cells in itertools.product(CELLS, repeat=2):
        for network_cells in itertools.product(CELLS, repeat=2):
            cluster = Cluster()
            cluster.add("primary1-strsg", dict(zip(names, storage_cells, strict=True)))
            cluster.add("primary1-nwsg", dict(zip(names, network_cells, strict=True)))
            verdicts = {expected_group(monitor, storage_cells), expected_group(monitor, network_cells)}
            want = (MONITOR_OFFLINE if "down" in verdicts else
                    MONITOR_UNKNOWN if "unknown" in verdicts else MONITOR_ONLINE)
            agent = MONITORS[monitor](CONTROLS[control](cluster))
            got = agent.monitor(context({"primary1-strsg": 1}, {"primary1-nwsg": 0}))
            if got != want:
                mismatches.append((storage_cells, network_cells, got, want))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("control", CONTROLS)
@pytest.mark.parametrize("monitor", MONITORS)
def test_group_that_does_not_exist_is_unknown_and_named(control, monitor):
    cluster = Cluster()
    cluster.add("primary1-strsg", {"primary1": "ONLINE", "alternate1": "ONLINE"})
    log = LogBook()
    agent = MONITORS[monitor](CONTROLS[control](cluster))
    assert agent.monitor(context({"primary1-strsg": 1}, {"primary1-nwsg-typo": 0}, log=log)) == MONITOR_UNKNOWN
    assert any("primary1-nwsg-typo" in line and "does not exist" in line for line in log.errors())


@pytest.mark.parametrize("rows,legacy,alternateio", [
    # the seed's table, storage (S) and network (N) rows: control cell, alternate cell
    (("ONLINE", "ONLINE"), MONITOR_ONLINE, MONITOR_ONLINE),  # S1 N1
    (("OFFLINE|FAULTED", "ONLINE"), MONITOR_OFFLINE, MONITOR_ONLINE),  # S2 N2: the rows that differ
    (("ONLINE", "OFFLINE|FAULTED"), MONITOR_ONLINE, MONITOR_ONLINE),  # S3 N3
    (("OFFLINE|FAULTED", "OFFLINE|FAULTED"), MONITOR_OFFLINE, MONITOR_OFFLINE),  # S4 N4
])
def test_seed_table_rows(rows, legacy, alternateio):
    cluster = Cluster()
    cluster.add("primary1-strsg", {"primary1": rows[0], "alternate1": rows[1]})
    ctx = context({"primary1-strsg": 1})
    assert AlternateIOAgent(FakeGroups(cluster)).monitor(ctx) == alternateio
    assert LegacyPrimaryOnlyAgent(FakeGroups(cluster)).monitor(ctx) == legacy


def test_primary_is_lowest_priority_not_first_written():
    """SystemList `{ alternate1 = 1, primary1 = 0 }`: the legacy monitor watches primary1."""
    from agents.hagrp import parse_system_list_output

    out = "#Group  Attribute  System  Value\nsg  SystemList  global  alternate1 1 primary1 0\n"
    assert parse_system_list_output(out, "sg") == ["primary1", "alternate1"]

    def run(argv):
        if argv[1] == "-display":
            return 0, out, ""
        return 0, ("|ONLINE|" if argv[4] == "alternate1" else "|OFFLINE|") + "\n", ""

    groups = HagrpGroupControl(run=run)
    assert LegacyPrimaryOnlyAgent(groups).monitor(context({"sg": 1})) == MONITOR_OFFLINE
    assert AlternateIOAgent(groups).monitor(context({"sg": 1})) == MONITOR_ONLINE
