"""``haconf -makerw`` / ``-dump -makero`` and ``hagrp -modify`` / ``hares -modify``: refused while the
configuration is read-only, and the engine acts on the new values (it reindexes)."""

from __future__ import annotations

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
