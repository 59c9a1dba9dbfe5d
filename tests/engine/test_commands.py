"""The ha* commands against an engine: output formats of reference/captures/ and V-16 errors."""

from __future__ import annotations

from agents.group_control import GroupStateError
from emulators.vcs.commands import run
from emulators.vcs.group_control import EngineGroupControl
from tests.engine.lab import seed_lab


def test_hastatus_sum_layout():
    eng, _, _ = seed_lab()
    rc, out, err = run(eng, ["hastatus", "-sum"])
    assert rc == 0 and err == ""
    lines = out.splitlines()
    assert lines[1:4] == ["-- SYSTEM STATE", "-- System               State                Frozen", ""]
    assert "A  primary1             RUNNING              0" in lines
    assert "-- Group           System               Probed     AutoDisabled    State" in lines
    assert "B  aiosg           primary1             Y          N               ONLINE" in lines
    assert "B  aiosg           primary2             Y          N               OFFLINE" in lines


def test_hagrp_state_forms():
    eng, _, _ = seed_lab()
    rc, out, _ = run(eng, ["hagrp", "-state", "aiosg"])
    assert out.splitlines() == ["#Group       Attribute             System     Value",
                                "aiosg        State                 primary1   |ONLINE|",
                                "aiosg        State                 primary2   |OFFLINE|"]
    # the per-system form prints the bare value (tests/engine/test_vcs_cli_fidelity.py has the sources)
    assert run(eng, ["hagrp", "-state", "aiosg", "-sys", "primary1"]) == (0, "ONLINE\n", "")
    assert run(eng, ["hares", "-state", "altiores", "-sys", "primary1"]) == (0, "ONLINE\n", "")
    rc, out, _ = run(eng, ["hares", "-state"])
    assert "altiores     State                 primary1   ONLINE" in out.splitlines()


def test_hagrp_display_systemlist_row_parses():
    eng, _, _ = seed_lab()
    rc, out, _ = run(eng, ["hagrp", "-display", "aiosg", "-attribute", "SystemList"])
    row = out.splitlines()[1].split()
    assert row == ["aiosg", "SystemList", "global", "primary1", "0", "primary2", "1"]


def test_commands_change_state_and_refuse_with_umis():
    eng, clock, ag = seed_lab()
    assert run(eng, ["hagrp", "-online", "primary1-strsg", "-sys", "primary1"]) == (0, "", "")
    eng.settle()
    assert eng.group_state("primary1-strsg", "primary1") == "ONLINE"
    rc, _, err = run(eng, ["hagrp", "-online", "aiosg", "-sys", "primary2"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10165 ")
    rc, _, err = run(eng, ["hagrp", "-state", "nosuch"])
    assert rc == 1 and "V-16-1-12130" in err
    rc, _, err = run(eng, ["hares", "-clear", "altiores"])
    assert err == "VCS WARNING V-16-1-10267 Resource not faulted or group in the process of failing over\n"
    assert run(eng, ["haconf", "-makerw"]) == (0, "", "")
    assert run(eng, ["haconf", "-makerw"])[2] == "VCS WARNING V-16-1-10364 Cluster already writable\n"
    assert run(eng, ["hagrp", "-freeze", "ldomsg", "-persistent"]) == (0, "", "")
    assert run(eng, ["haconf", "-dump", "-makero"]) == (0, "", "")
    assert run(eng, ["haconf", "-dump", "-makero"])[2] == "VCS WARNING V-16-1-10369 Cluster not writable\n"
    rc, out, _ = run(eng, ["hastatus", "-sum"])
    assert "-- GROUPS FROZEN" in out and "C  ldomsg" in out
    rc, out, _ = run(eng, ["hagrp", "-dep"])
    assert out.splitlines()[1].split() == ["ldomsg", "aiosg", "online", "local", "hard"]
    assert run(eng, ["hasys", "-list"])[1].split() == ["primary1", "alternate1", "primary2", "alternate2"]
    rc, _, err = run(eng, ["hagrp", "-bogus"])
    assert rc == 1 and "Usage" in err


def test_hastatus_lists_failed_resources():
    eng, clock, ag = seed_lab()
    ag["NIC"].fail("nicres2", "alternate2")
    clock.advance(60)
    eng.settle()
    out = run(eng, ["hastatus", "-sum"])[1]
    assert "-- RESOURCES FAILED" in out
    assert "D  primary2-nwsg   NIC                  nicres2              alternate2" in out


def test_engine_group_control_defers_requests():
    eng, clock, _ = seed_lab()
    gc = EngineGroupControl(eng)
    assert gc.state("aiosg", "primary1") == "ONLINE"
    assert gc.system_list("primary1-strsg") == ["primary1", "alternate1"]
    gc.online("primary1-strsg", "alternate1")
    assert eng.group_state("primary1-strsg", "alternate1") == "OFFLINE"  # queued, not re-entered
    assert eng.settle()
    assert eng.group_state("primary1-strsg", "alternate1") == "ONLINE"
    gc.online("primary1-strsg", "alternate1")  # refused quietly: logged, not raised
    assert eng.settle()
    assert "V-16-1-50996 Group primary1-strsg is already online on system alternate1" in eng.log_lines[-1]
    try:
        gc.state("nosuch", "primary1")
    except GroupStateError:
        pass
    else:
        raise AssertionError("unknown group must raise GroupStateError")
