"""``haconf -makerw`` / ``-dump -makero`` and ``hagrp -modify`` / ``hares -modify``: refused while the
configuration is read-only, and the engine acts on the new values (it reindexes)."""

from __future__ import annotations

import pytest

from emulators.vcs.commands import run
from tests.engine.lab import Lab, config, group, seed_lab

NOT_WRITABLE = (1, "", "VCS WARNING V-16-1-10369 Cluster not writable\n")


def test_modify_refused_while_read_only_then_allowed_after_makerw():
    eng, _, _ = seed_lab()
    assert not eng.writable
    assert run(eng, ["hagrp", "-modify", "aiosg", "SystemList", "primary2", "0", "primary1", "1"]) == NOT_WRITABLE
    assert run(eng, ["hares", "-modify", "ldmguest", "LDomName", "ldg2"]) == NOT_WRITABLE
    assert run(eng, ["hagrp", "-value", "aiosg", "SystemList"])[1] == "primary1 0 primary2 1\n"  # unchanged
    assert run(eng, ["haconf", "-makerw"]) == (0, "", "")
    assert run(eng, ["hagrp", "-modify", "aiosg", "SystemList", "primary2", "0", "primary1", "1"]) == (0, "", "")
    assert run(eng, ["hagrp", "-value", "aiosg", "SystemList"])[1] == "primary2 0 primary1 1\n"
    assert eng.config.groups["aiosg"].system_list == {"primary2": 0, "primary1": 1}
    assert run(eng, ["hares", "-modify", "ldmguest", "LDomName", "ldg2"]) == (0, "", "")
    assert run(eng, ["hares", "-value", "ldmguest", "LDomName"])[1] == "ldg2\n"
    # haconf -dump -makero writes nothing here, but the configuration is read-only again
    assert run(eng, ["haconf", "-dump", "-makero"]) == (0, "", "")
    assert not eng.writable
    assert run(eng, ["hagrp", "-modify", "aiosg", "AutoFailOver", "0"]) == NOT_WRITABLE


def test_modified_resource_attribute_reaches_the_agent_per_system():
    eng, clock, ag = seed_lab()
    run(eng, ["haconf", "-makerw"])
    assert run(eng, ["hares", "-modify", "zpres1", "PoolName", "newpool", "-sys", "alternate1"]) == (0, "", "")
    assert run(eng, ["hares", "-value", "zpres1", "PoolName", "alternate1"])[1] == "newpool\n"
    assert run(eng, ["hares", "-value", "zpres1", "PoolName", "primary1"])[1] == "zfsprim\n"  # untouched
    seen: dict[str, str] = {}
    zpool = ag["Zpool"]
    original = zpool.monitor

    def spy(ctx):
        if ctx.resource == "zpres1":
            seen[ctx.system] = ctx.attrs["PoolName"]
        return original(ctx)

    zpool.monitor = spy
    clock.advance(300)  # OfflineMonitorInterval: both offline zpres1 copies are monitored again
    assert seen == {"primary1": "zfsprim", "alternate1": "newpool"}


def test_modified_group_attribute_changes_what_the_engine_decides():
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    eng = lab.engine
    run(eng, ["haconf", "-makerw"])
    assert run(eng, ["hagrp", "-modify", "G", "AutoFailOver", "0"]) == (0, "", "")
    assert run(eng, ["hagrp", "-value", "G", "AutoFailOver"])[1] == "0\n"
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE"}
    assert lab.log("Group G will not fail over from s1: AutoFailOver is 0")


def test_modify_bad_input_is_a_clear_error():
    eng, _, _ = seed_lab()
    run(eng, ["haconf", "-makerw"])
    rc, _, err = run(eng, ["hagrp", "-modify", "aiosg", "AutoFailOver", "yes"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10553 ") and "'yes' is not an integer" in err
    rc, _, err = run(eng, ["hagrp", "-modify", "aiosg", "SystemList", "primary1"])
    assert rc == 1 and "key value pairs" in err
    rc, _, err = run(eng, ["hagrp", "-modify", "aiosg", "NoSuchAttr", "1"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10016 ")
    rc, _, err = run(eng, ["hares", "-modify", "altiores", "NoSuchAttr", "1"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10016 ")
    rc, _, err = run(eng, ["hagrp", "-modify", "aiosg", "AutoFailOver", "0", "-sys", "nowhere"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10138 ")
    rc, _, err = run(eng, ["hagrp", "-modify", "aiosg"])
    assert rc == 1 and "Usage" in err
    assert run(eng, ["hagrp", "-value", "aiosg", "AutoFailOver"])[1] == "1\n"  # nothing changed


# what VCS refuses of a -modify: a VCS message on stderr, exit 1, and the configuration as it was
REFUSED = [
    (["hagrp", "-modify", "aiosg", "SystemList", "nosuch", "0"], "VCS WARNING V-16-1-10138 System nosuch does not exist"),
    (["hagrp", "-modify", "aiosg", "SystemList"],
     "VCS WARNING V-16-1-10553 aiosg.SystemList: a group needs at least one system"),
    (["hagrp", "-modify", "aiosg", "SystemList", "primary2", "0"],  # aiosg is online on primary1
     "VCS WARNING V-16-1-10180 Group aiosg is not offline on system primary1"),  # UMI: LITP vcs_cmd_api.py
    (["hagrp", "-modify", "aiosg", "AutoStartList", "nosuch"],
     "VCS WARNING V-16-1-10135 System nosuch is not in SystemList of group aiosg"),
    (["hagrp", "-modify", "aiosg", "AutoStartList", "alternate1", "-sys", "primary1"],
     "VCS WARNING V-16-1-10135 System alternate1 is not in SystemList of group aiosg"),
    (["hagrp", "-modify", "aiosg", "Parallel", "5"], "VCS WARNING V-16-1-10553 aiosg.Parallel: must be 0, 1 or 2, not 5"),
    (["hagrp", "-modify", "aiosg", "FailOverPolicy", "Bogus"],
     "VCS WARNING V-16-1-10553 aiosg.FailOverPolicy: must be Priority, RoundRobin, Load or BiggestAvailable, not Bogus"),
    (["hagrp", "-modify", "aiosg", "OnlineRetryLimit", "-1"],
     "VCS WARNING V-16-1-10553 aiosg.OnlineRetryLimit: must be 0 or more, not -1"),
    (["hagrp", "-modify", "aiosg", "Load", "9" * 5000],
     "VCS WARNING V-16-1-10553 aiosg.Load: integer 999999999999... (5000 digits) is out of range "
     "(VCS integers are 32-bit signed)"),
    (["hares", "-modify", "altiores", "StorageSG", "nosuch", "1"],
     "VCS WARNING V-16-1-12130 Group nosuch does not exist in the local cluster"),
    (["hares", "-modify", "altiores", "NetworkSG", "primary1-nwsg", "2", "-sys", "primary1"],
     "VCS WARNING V-16-1-10553 altiores.NetworkSG: the value of primary1-nwsg must be 0 or 1"),
    (["hares", "-modify", "nicres1", "MonitorInterval", "0"],
     "VCS WARNING V-16-1-10553 nicres1.MonitorInterval: must be greater than 0, not 0"),
    (["hatype", "-modify", "NIC", "MonitorInterval", "0"],
     "VCS WARNING V-16-1-10553 NIC.MonitorInterval: must be greater than 0, not 0"),
    (["hatype", "-modify", "LDom", "ToleranceLimit", "-2"],
     "VCS WARNING V-16-1-10553 LDom.ToleranceLimit: must be 0 or more, not -2"),
    (["hatype", "-modify", "Zpool", "Operations", "Sometimes"],
     "VCS WARNING V-16-1-10553 Zpool.Operations: must be OnOff, OnOnly or None, not Sometimes"),
]


def _observable(eng) -> list:
    """What an operator can see of the configuration and the cluster."""
    return [run(eng, argv)[1] for argv in (["hastatus", "-sum"], ["hagrp", "-display"], ["hares", "-display"],
                                            ["hatype", "-display"])]


@pytest.mark.parametrize("argv, message", REFUSED, ids=[" ".join(a[:4]) for a, _ in REFUSED])
def test_modify_refuses_what_vcs_refuses_and_changes_nothing(argv: list[str], message: str):
    eng, clock, _ = seed_lab()
    assert run(eng, ["haconf", "-makerw"]) == (0, "", "")
    before = _observable(eng)
    assert run(eng, argv) == (1, "", message + "\n")
    clock.advance(600)  # nothing the refused command could have started either
    assert eng.settle()
    assert _observable(eng) == before
    assert "nosuch" not in before[0]


def test_modify_accepts_what_vcs_accepts_at_the_edges():
    eng, _, _ = seed_lab()
    run(eng, ["haconf", "-makerw"])
    for argv in (["hagrp", "-modify", "ldomsg", "Parallel", "0"], ["hagrp", "-modify", "aiosg", "OnlineRetryLimit", "0"],
                 ["hagrp", "-modify", "aiosg", "FailOverPolicy", "RoundRobin"],
                 ["hagrp", "-modify", "aiosg", "AutoStartList", "primary2", "primary1"],
                 ["hagrp", "-modify", "aiosg", "SystemList", "primary1", "0", "primary2", "1"],
                 ["hares", "-modify", "altiores", "StorageSG", "primary2-strsg", "0", "-sys", "primary2"],
                 ["hatype", "-modify", "NIC", "MonitorInterval", "1"],
                 ["hatype", "-modify", "NIC", "OfflineMonitorInterval", "0"],
                 ["hagrp", "-modify", "aiosg", "Load", "2147483647"]):
        assert run(eng, argv) == (0, "", ""), argv
