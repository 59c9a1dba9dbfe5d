"""The emulated ha* commands answer as real VCS does (each test names the source of the rule).

Sources, abbreviated below:
- captures/...: /work/shared/reference/captures/ (each file names its own source on line 1).
- LITP: Ericsson LITP ERIClitpvcs `vcs_cmd_api.py` (the mcollective agent that drives real clusters)
  and its testware (integration test story11240, which asserts command output of a real cluster).
- enminst: Ericsson ENM installer `VcsCodes` (UMIs with their texts).
- CPI: Veritas's own installer scripts (CPI perl modules: ``hagrp -wait cvm State ONLINE -sys S
  -time 300``, ``hagrp -list State=~ONLINE Parallel=0``, ``hares -list Type=CoordPoint``).
- patent: US 9,143,410 (the seed), "Exemplary" types.cf of the AlternateIO agent.
"""

from __future__ import annotations

import threading

from emulators.vcs.commands import run
from emulators.vcs.config.model import GroupDep
from tests.engine.lab import Lab, config, group, seed_lab, sim_seed_lab

NOT_CONNECTED = "VCS ERROR V-16-1-10600 Cannot connect to VCS engine\n"


def ok(result: tuple[int, str, str]) -> str:
    rc, out, err = result
    assert rc == 0 and err == "", result
    return out


# ------------------------------------------------------------------ 1. per-system values: the local system
def test_value_without_a_system_answers_for_the_system_typed_on():
    # vcs-semantics.md "`hagrp -state` output": `hagrp -value G Attr` / `hares -value R Attr` without a
    # system answer for the local system (LITP reads `hagrp -value G State S` per system, and reads
    # localized values such as PoolName on the system it runs on)
    lab = sim_seed_lab()
    assert ok(lab.run_command("primary1", ["hagrp", "-value", "aiosg", "State"])) == "|ONLINE|\n"
    assert ok(lab.run_command("primary2", ["hagrp", "-value", "aiosg", "State"])) == "|OFFLINE|\n"
    assert ok(lab.run_command("primary1", ["hares", "-value", "zpres1", "PoolName"])) == "zfsprim\n"
    assert ok(lab.run_command("alternate1", ["hares", "-value", "zpres1", "PoolName"])) == "zfsmirr\n"
    assert ok(lab.run_command("primary2", ["hagrp", "-value", "aiosg", "TriggersEnabled"])) == "PREONLINE\n"
    # an explicit system still wins, and a global attribute is the same everywhere
    assert ok(lab.run_command("primary2", ["hagrp", "-value", "aiosg", "State", "primary1"])) == "|ONLINE|\n"
    assert ok(lab.run_command("alternate2", ["hagrp", "-value", "aiosg", "SystemList"])) == "primary1 0 primary2 1\n"
    # in-process callers name the system the same way
    eng, _, _ = seed_lab()
    assert ok(run(eng, ["hagrp", "-value", "aiosg", "State"], local_system="primary2")) == "|OFFLINE|\n"


# ------------------------------------------------------------------ 2. -state -sys prints the bare value
def test_state_of_one_object_on_one_system_is_the_bare_value():
    # captures/hagrp-hares-state-sys.note.txt (Nagios check_vcs compares the output with `ONLINE`) and
    # LITP's testware (`^((ONLINE|OFFLINE)(?!\|(STARTING|STOPPING)))`); captures/hagrp-state.1.txt and
    # LITP (`hagrp -value G State S` == "|ONLINE|") keep the pipes for the table and -value
    eng, clock, ag = seed_lab()
    assert ok(run(eng, ["hagrp", "-state", "aiosg", "-sys", "primary1"])) == "ONLINE\n"
    assert ok(run(eng, ["hagrp", "-state", "aiosg", "-sys", "primary2"])) == "OFFLINE\n"
    assert ok(run(eng, ["hares", "-state", "altiores", "-sys", "primary1"])) == "ONLINE\n"
    assert ok(run(eng, ["hagrp", "-value", "aiosg", "State", "primary1"])) == "|ONLINE|\n"
    assert "|ONLINE|" in ok(run(eng, ["hagrp", "-state", "aiosg"]))
    ag["NIC"].fail("nicres2", "alternate2")
    clock.advance(60)
    eng.settle()
    assert ok(run(eng, ["hagrp", "-state", "primary2-nwsg", "-sys", "alternate2"])) == "OFFLINE|FAULTED\n"
    # several groups (or none) with -sys: the table of those groups on that system (LITP
    # _get_groups_on_system_by_state reads `hagrp -state G1 G2 -sys S` as rows after a header)
    table = ok(run(eng, ["hagrp", "-state", "-sys", "primary1"])).splitlines()
    assert table[0].split() == ["#Group", "Attribute", "System", "Value"]
    assert ["aiosg", "State", "primary1", "|ONLINE|"] in [line.split() for line in table]
    # what reads it: the harness's parser and the agent's hagrp group control take either form
    from agents.hagrp import parse_state_output
    from harness.parsers import parse_state_value
    assert parse_state_value("ONLINE\n") == parse_state_value("|ONLINE|\n") == "ONLINE"
    assert parse_state_output(ok(run(eng, ["hagrp", "-state", "aiosg", "-sys", "primary1"])), "aiosg",
                              "primary1") == "ONLINE"


def test_state_sys_naming_no_group_of_that_system_is_refused():
    # LITP _get_groups_on_system_by_state expects "VCS WARNING V-16-1-10554 No group exists with system of S"
    lab = Lab(config(["s1", "s2", "s3"], group("G", ["s1", "s2"])))
    assert run(lab.engine, ["hagrp", "-state", "-sys", "s3"]) == (
        1, "", "VCS WARNING V-16-1-10554 No group exists with system of s3\n")


# ------------------------------------------------------------------ 3. a down domain, a stopped HAD
def test_ha_commands_on_a_down_domain_fail_as_a_login_there_does():
    # a killed domain cannot be logged in to: the same refusal as every command there
    # (emulators/ovm/ldm.py shell_gate), not the cluster's view from elsewhere
    lab = sim_seed_lab()
    lab.inject("domain_kill", "alternate1")
    assert lab.engine.settle()
    for argv in (["hastatus", "-sum"], ["hagrp", "-state"], ["hares", "-state"], ["hasys", "-list"]):
        rc, out, err = lab.run_command("alternate1", argv)
        assert (rc, out) == (255, "") and err == lab.run_command("alternate1", ["zpool", "list"])[2], argv
        assert "not reachable" in err
    assert "alternate1" in ok(lab.run_command("primary1", ["hasys", "-list"]))


def test_ha_commands_where_had_is_not_running_cannot_connect():
    # captures/ha-cli-messages.1.txt: "VCS ERROR V-16-1-10600 Cannot connect to VCS engine" (LITP
    # matches it on stderr of a failing command); `hastatus -sum` on a stopped node: LITP's
    # cluster_stopped expects "VCS WARNING V-16-1-11046" (Local system not available). A LEAVING node
    # still answers (captures/ha-cli-messages.1.txt: operations "rejected as the node is in LEAVING
    # state", i.e. HAD answered).
    lab = sim_seed_lab()
    lab.engine.system_leave("alternate2", fault=False)
    assert lab.engine.system_state("alternate2") == "LEAVING"
    assert ok(lab.run_command("alternate2", ["hagrp", "-state", "primary2-nwsg", "-sys", "alternate2"]))
    assert lab.engine.settle()
    assert lab.engine.system_state("alternate2") == "EXITED"
    assert lab.run_command("alternate2", ["hagrp", "-state"]) == (1, "", NOT_CONNECTED)
    assert lab.run_command("alternate2", ["hares", "-value", "nicres2", "Device"]) == (1, "", NOT_CONNECTED)
    assert lab.run_command("alternate2", ["hastatus", "-sum"]) == (
        1, "", NOT_CONNECTED + "VCS WARNING V-16-1-11046 Local system not available\n")
    # the other systems still answer, with alternate2 EXITED
    assert "A  alternate2           EXITED" in ok(lab.run_command("primary2", ["hastatus", "-sum"]))


# ------------------------------------------------------------------ 4. -list conditions
def test_list_applies_equal_not_equal_and_regex_conditions():
    # hagrp(1M)/hares(1M) -list [conditional]; CPI: `hares -list Type=CoordPoint -localclus`,
    # `hagrp -list State=~ONLINE Parallel=0` (=~ must match `|ONLINE|`: a regular-expression search);
    # LITP: `hagrp -list Parallel=1 | awk '$2=="node"'`
    eng, _, _ = seed_lab()
    pairs = lambda argv: [tuple(line.split()) for line in ok(run(eng, argv)).splitlines()]  # noqa: E731
    assert pairs(["hares", "-list", "Type=Zpool"]) == [
        ("zpres1", "primary1"), ("zpres1", "alternate1"), ("zpres2", "primary2"), ("zpres2", "alternate2")]
    assert pairs(["hares", "-list", "Type=Zpool", "-localclus"]) == pairs(["hares", "-list", "Type=Zpool"])
    assert pairs(["hagrp", "-list", "State=~ONLINE", "Parallel=0"]) == [("aiosg", "primary1"), ("ldomsg", "primary1")]
    assert {g for g, _ in pairs(["hagrp", "-list", "Parallel!=1"])} == {"aiosg", "ldomsg"}
    assert pairs(["hagrp", "-list", "State=ONLINE", "Parallel=0"]) == pairs(["hagrp", "-list", "State=|ONLINE|",
                                                                          "Parallel=0"])
    assert pairs(["hagrp", "-list", "Parallel=1", "State!=|ONLINE|"]) == [
        ("primary1-strsg", "primary1"), ("primary1-strsg", "alternate1"),
        ("primary2-strsg", "primary2"), ("primary2-strsg", "alternate2")]
    assert pairs(["hares", "-list", "Type=~^(NIC|Phantom)$", "Group=primary1-nwsg"]) == [
        ("ph1", "primary1"), ("ph1", "alternate1"), ("nicres1", "primary1"), ("nicres1", "alternate1")]
    assert run(eng, ["hagrp", "-list", "State=~("])[0] == 1


# ------------------------------------------------------------------ 5. -modify -add/-delete/-update
def test_modify_add_delete_update_change_lists_and_associations():
    # hagrp(1M)/hares(1M): -modify attr -add value..., -delete value..., -delete -keys, -update key value;
    # LITP: `hagrp -modify G AutoStartList -add n2`, `SystemList -add n3 0`, `SystemList -delete n1`;
    # UMIs V-16-1-10563/10566 (entry already / not in keylist): LITP vcs_cmd_api.py
    lab = Lab(config(["s1", "s2", "s3"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    eng = lab.engine
    ok(run(eng, ["haconf", "-makerw"]))
    ok(run(eng, ["hagrp", "-modify", "G", "AutoStartList", "-add", "s2"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "AutoStartList"])) == "s1 s2\n"
    rc, _, err = run(eng, ["hagrp", "-modify", "G", "AutoStartList", "-add", "s2"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10563 ")
    ok(run(eng, ["hagrp", "-modify", "G", "SystemList", "-add", "s3", "2"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "SystemList"])) == "s1 0 s2 1 s3 2\n"
    ok(run(eng, ["hagrp", "-modify", "G", "SystemList", "-update", "s3", "5"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "SystemList"])) == "s1 0 s2 1 s3 5\n"
    rc, _, err = run(eng, ["hagrp", "-modify", "G", "SystemList", "-update", "s9", "1"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10566 ")
    ok(run(eng, ["hagrp", "-modify", "G", "AutoStartList", "-delete", "s1"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "AutoStartList"])) == "s2\n"
    rc, _, err = run(eng, ["hagrp", "-modify", "G", "AutoStartList", "-delete", "s1"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10566 ")
    ok(run(eng, ["hagrp", "-modify", "G", "TriggersEnabled", "-add", "PREONLINE", "-sys", "s2"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "TriggersEnabled", "s2"])) == "PREONLINE\n"
    assert ok(run(eng, ["hagrp", "-value", "G", "TriggersEnabled", "s1"])) == "\n"
    ok(run(eng, ["hagrp", "-modify", "G", "AutoStartList", "-delete", "-keys"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "AutoStartList"])) == "\n"
    # a scalar has no -add
    assert run(eng, ["hagrp", "-modify", "G", "AutoFailOver", "-add", "1"])[0] == 1


def test_modify_systemlist_dropping_a_system_where_the_group_is_up_is_refused():
    # LITP vcs_cmd_api.py: `hagrp -modify G SystemList -delete S` tolerates
    # "VCS WARNING V-16-1-10180" (system not defined or group not offline); the configuration stays
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    eng = lab.engine
    assert lab.state("G", "s1") == "ONLINE"
    ok(run(eng, ["haconf", "-makerw"]))
    assert run(eng, ["hagrp", "-modify", "G", "SystemList", "-delete", "s1"]) == (
        1, "", "VCS WARNING V-16-1-10180 Group G is not offline on system s1\n")
    assert run(eng, ["hagrp", "-modify", "G", "SystemList", "s2", "0"])[2].startswith("VCS WARNING V-16-1-10180 ")
    assert ok(run(eng, ["hagrp", "-value", "G", "SystemList"])) == "s1 0 s2 1\n"
    ok(run(eng, ["hagrp", "-modify", "G", "SystemList", "-delete", "s2"]))  # offline there: allowed
    assert ok(run(eng, ["hagrp", "-value", "G", "SystemList"])) == "s1 0\n"


# ------------------------------------------------------------------ 6. commands that were missing
def test_wait_runs_the_virtual_clock_until_the_value_or_the_timeout():
    # CPI: `hagrp -wait cvm State ONLINE -sys S -time 300` (State given without pipes, exit status
    # tells); LITP: `haclus -wait DumpingMembership 0 -time 60` fails with exactly
    # "VCS WARNING V-16-1-10805 Connection timed out"
    lab = sim_seed_lab()
    t0 = lab.clock.now()
    assert lab.run_command("primary1", ["hagrp", "-wait", "aiosg", "State", "ONLINE", "-sys", "primary1"]) == (0, "", "")
    assert lab.clock.now() == t0  # held already: at once
    ok(lab.run_command("primary1", ["hagrp", "-offline", "ldomsg", "-sys", "primary1"]))
    assert ok(lab.run_command("primary1", ["hagrp", "-wait", "ldomsg", "State", "OFFLINE", "-sys", "primary1",
                                           "-time", "600"])) == ""
    assert lab.run_command("primary1", ["hagrp", "-state", "ldomsg", "-sys", "primary1"]) == (0, "OFFLINE\n", "")
    t1 = lab.clock.now()
    assert lab.run_command("primary1", ["hagrp", "-wait", "ldomsg", "State", "ONLINE", "-sys", "primary2",
                                        "-time", "30"]) == (1, "", "VCS WARNING V-16-1-10805 Connection timed out\n")
    assert lab.clock.now() == t1 + 30
    assert ok(lab.run_command("primary2", ["hares", "-wait", "altiores", "State", "OFFLINE", "-time", "5"])) == ""
    assert ok(lab.run_command("primary1", ["haclus", "-wait", "DumpingMembership", "0", "-time", "60"])) == ""
    assert ok(lab.run_command("primary1", ["hasys", "-wait", "primary2", "SysState", "RUNNING"])) == ""


def test_wait_from_another_thread_does_not_move_the_clock():
    # the lab's own choice (SimLab._vcs_wait): a script agent's command is answered from the agent
    # host's thread while the lab waits on the entry point: it must not run the clock under it
    lab = sim_seed_lab()
    t0 = lab.clock.now()
    answers = []
    worker = threading.Thread(target=lambda: answers.append(lab.run_command(
        "primary1", ["hagrp", "-wait", "aiosg", "State", "ONLINE", "-sys", "primary2", "-time", "60"])))
    worker.start()
    worker.join()
    assert answers == [(1, "", "VCS WARNING V-16-1-10805 Connection timed out\n")]
    assert lab.clock.now() == t0


def test_online_propagate_brings_the_children_first():
    # LITP `_bring_group_online` runs `hagrp -online -propagate G -sys S`; hagrp(1M): -propagate
    # brings online the groups G requires first
    P = group("P", ["s1", "s2"], group_deps=[GroupDep("C", "online", "local", "firm")])
    lab = Lab(config(["s1", "s2"], P, group("C", ["s1", "s2"])))
    eng = lab.engine
    rc, _, err = run(eng, ["hagrp", "-online", "P", "-sys", "s2"])
    assert rc == 1 and "V-16-1-10190" in err
    ok(run(eng, ["hagrp", "-online", "-propagate", "P", "-sys", "s2"]))
    assert eng.settle()
    assert (lab.state("C", "s2"), lab.state("P", "s2")) == ("ONLINE", "ONLINE")


def test_autoenable_enable_disable_and_resources():
    # "Veritas Tips" capture (`hagrp -resources vxfen` lists one resource a line); hagrp(1M)
    # -autoenable group -sys system (cheat sheets: `hagrp -autoenable groupw -sys sun1`),
    # -enable/-disable group [-sys system] (a disabled group cannot be brought online)
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], [("r1", "App"), ("r2", "App")])))
    eng = lab.engine
    assert ok(run(eng, ["hagrp", "-resources", "G"])) == "r1\nr2\n"
    eng.system_leave("s2", fault=True)
    assert eng.settle()
    assert ok(run(eng, ["hagrp", "-value", "G", "AutoDisabled", "s2"])) == "1\n"
    ok(run(eng, ["hagrp", "-autoenable", "G", "-sys", "s2"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "AutoDisabled", "s2"])) == "0\n"
    assert run(eng, ["hagrp", "-disable", "G", "-sys", "s1"])[2] == "VCS WARNING V-16-1-10369 Cluster not writable\n"
    ok(run(eng, ["haconf", "-makerw"]))
    ok(run(eng, ["hagrp", "-disable", "G", "-sys", "s1"]))
    assert ok(run(eng, ["hagrp", "-value", "G", "Enabled", "s1"])) == "0\n"
    assert run(eng, ["hagrp", "-online", "G", "-sys", "s1"])[0] == 1
    ok(run(eng, ["hagrp", "-enable", "G", "-sys", "s1"]))
    ok(run(eng, ["hagrp", "-online", "G", "-sys", "s1"]))
    assert eng.settle() and lab.state("G", "s1") == "ONLINE"


def test_hares_online_offline_one_resource():
    # "Veritas Tips": `hares -online vol02_mnt -sys sysa`; captures/ha-cli-messages.1.txt:
    # "VCS WARNING V-16-1-10286 Cannot online: resource's group is not offline elsewhere"
    G = group("G", ["s1", "s2"], [("top", "App"), ("bottom", "App")], deps=[("top", "bottom")])
    lab = Lab(config(["s1", "s2"], G))
    eng = lab.engine
    assert run(eng, ["hares", "-online", "top", "-sys", "s1"])[0] == 1  # its child is offline
    ok(run(eng, ["hares", "-online", "bottom", "-sys", "s1"]))
    assert eng.settle()
    assert (lab.rstate("bottom", "s1"), lab.state("G", "s1")) == ("ONLINE", "ONLINE|PARTIAL")
    assert run(eng, ["hares", "-online", "bottom", "-sys", "s2"]) == (
        1, "", "VCS WARNING V-16-1-10286 Cannot online: resource's group is not offline elsewhere\n")
    ok(run(eng, ["hares", "-offline", "bottom", "-sys", "s1"]))
    assert eng.settle() and lab.rstate("bottom", "s1") == "OFFLINE"


def test_display_several_attributes_and_runtime_ones():
    # LITP: `hagrp -display G -attribute TFrozen -attribute Frozen` read back in that order;
    # `hagrp -display G -attribute ProbesPending -attribute AutoDisabled -sys S`, IntentOnline
    # read as "G IntentOnline global 0|1|2"
    eng, _, _ = seed_lab()
    rows = [line.split() for line in ok(run(eng, ["hagrp", "-display", "aiosg", "-attribute", "TFrozen",
                                                  "-attribute", "Frozen"])).splitlines()[1:]]
    assert rows == [["aiosg", "TFrozen", "global", "0"], ["aiosg", "Frozen", "global", "0"]]
    rows = [line.split() for line in ok(run(eng, ["hagrp", "-display", "aiosg", "-attribute", "ProbesPending",
                                                  "AutoDisabled", "IntentOnline", "CurrentCount",
                                                  "-sys", "primary2"])).splitlines()[1:]]
    assert rows == [["aiosg", "ProbesPending", "primary2", "0"], ["aiosg", "AutoDisabled", "primary2", "0"],
                    ["aiosg", "IntentOnline", "global", "1"], ["aiosg", "CurrentCount", "global", "1"]]
    assert ok(run(eng, ["hagrp", "-value", "primary1-strsg", "IntentOnline"])) == "0\n"


def test_hasys_display_value_freeze_unfreeze():
    # "Veritas Tips": `hasys -display S` is `#System Attribute Value`, attributes sorted; LITP reads
    # `hasys -display S -attribute SysState` line 2 as "S SysState RUNNING", `hasys -value S Frozen`,
    # runs `hasys -freeze -persistent -evacuate S` and tolerates
    # "VCS WARNING V-16-1-40205 System is not persistently frozen" of `hasys -unfreeze -persistent S`
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    eng = lab.engine
    out = ok(run(eng, ["hasys", "-display", "s1", "-attribute", "SysState"])).splitlines()
    assert out[0].split() == ["#System", "Attribute", "Value"] and out[1].split() == ["s1", "SysState", "RUNNING"]
    full = [line.split()[1] for line in ok(run(eng, ["hasys", "-display", "s1"])).splitlines()[1:]]
    assert full == sorted(full) and {"Frozen", "TFrozen", "SysState", "NodeId"} <= set(full)
    assert run(eng, ["hasys", "-freeze", "-persistent", "s2"])[2] == "VCS WARNING V-16-1-10369 Cluster not writable\n"
    ok(run(eng, ["haconf", "-makerw"]))
    assert run(eng, ["hasys", "-unfreeze", "-persistent", "s2"]) == (
        1, "", "VCS WARNING V-16-1-40205 System is not persistently frozen\n")
    ok(run(eng, ["hasys", "-freeze", "s2"]))
    assert ok(run(eng, ["hasys", "-value", "s2", "TFrozen"])) == "1\n"
    assert "A  s2                   RUNNING              1" in ok(run(eng, ["hastatus", "-sum"]))
    assert run(eng, ["hagrp", "-switch", "G", "-to", "s2"])[0] == 1  # a frozen system takes no group
    ok(run(eng, ["hasys", "-unfreeze", "s2"]))
    ok(run(eng, ["hasys", "-freeze", "-persistent", "-evacuate", "s1"]))  # G leaves s1 first
    assert eng.settle()
    assert (lab.state("G", "s1"), lab.state("G", "s2")) == ("OFFLINE", "ONLINE")
    assert ok(run(eng, ["hasys", "-value", "s1", "Frozen"])) == "1\n"
    ok(run(eng, ["hasys", "-unfreeze", "-persistent", "s1"]))
    assert ok(run(eng, ["hasys", "-value", "s1", "Frozen"])) == "0\n"


def test_haclus_display_state_value():
    # "Veritas Tips": `haclus -display` is `#Attribute               Value` (25 wide) with ClusState
    # and ClusterName; LITP: `haclus -display | grep -i readonly` -> "ReadOnly 1",
    # `haclus -state CLUSTER` -> "RUNNING" on line 1
    eng, _, _ = seed_lab()
    lines = ok(run(eng, ["haclus", "-display"])).splitlines()
    assert lines[0] == "#Attribute               Value"
    assert "ClusState                RUNNING" in lines and "ClusterName              altio-cluster" in lines
    assert [line.split() for line in lines if "readonly" in line.lower()] == [["ReadOnly", "1"]]
    assert ok(run(eng, ["haclus", "-state", "altio-cluster"])) == "RUNNING\n"
    assert ok(run(eng, ["haclus", "-value", "ClusterName"])) == "altio-cluster\n"
    ok(run(eng, ["haconf", "-makerw"]))
    assert ok(run(eng, ["haclus", "-value", "ReadOnly"])) == "0\n"


def test_hatype_display_value_modify_exist():
    # hatype(1M): -list, -display [type], -value type attr, -modify type attr value, -resources type
    eng, _, _ = seed_lab()
    assert ok(run(eng, ["hatype", "-value", "NIC", "MonitorInterval"])) == "60\n"
    ok(run(eng, ["haconf", "-makerw"]))
    ok(run(eng, ["hatype", "-modify", "NIC", "MonitorInterval", "10"]))
    assert "NIC          MonitorInterval        10" in ok(run(eng, ["hatype", "-display", "NIC"])).splitlines()
    assert ok(run(eng, ["hatype", "-resources", "Zpool"])) == "zpres1\nzpres2\n"


def test_plain_hastatus_prints_its_first_screen_and_group_selects():
    # captures/hastatus.1.txt: the connect lines, `group resource system message` over rules of 15/20/
    # 20/20 dashes, systems then each group's rows, a 73-dash rule, its resources (real hastatus goes
    # on streaming; the emulation prints this first screen and exits)
    vx = group("fencesg", ["sysa", "sysb"], [("cpres", "App"), ("RES_phantom_fencesg", "Phantom")],
               Parallel=1, AutoStartList=["sysa", "sysb"])
    lab = Lab(config(["sysa", "sysb"], vx))
    out = ok(run(lab.engine, ["hastatus"]))
    assert out.splitlines() == [
        "attempting to connect....",
        "attempting to connect....connected",
        "",
        "",
        "group           resource             system               message",
        "--------------- -------------------- -------------------- --------------------",
        "                                     sysa                 RUNNING",
        "                                     sysb                 RUNNING",
        "fencesg                              sysa                 ONLINE",
        "fencesg                              sysb                 ONLINE",
        "-" * 73,
        "                cpres                sysa                 ONLINE",
        "                cpres                sysb                 ONLINE",
        "                RES_phantom_fencesg  sysa                 ONLINE",
        "                RES_phantom_fencesg  sysb                 ONLINE"]
    only = ok(run(lab.engine, ["hastatus", "-group", "fencesg"])).splitlines()
    assert "RUNNING" not in " ".join(only) and only[-1].split() == ["RES_phantom_fencesg", "sysb", "ONLINE"]
    assert run(lab.engine, ["hastatus", "-group", "nosuch"])[2].startswith("VCS WARNING V-16-1-12130 ")


# ------------------------------------------------------------------ 7. column widths
def test_group_column_grows_with_the_longest_name_header_included():
    # LITP integration test story11240 asserts on a real cluster, for `hagrp -state Grp_CS_c1_CS_11240_1`:
    #   '#Group               Attribute             System     Value'
    #   'Grp_CS_c1_CS_11240_1 State                 node1      |OFFLINE|'
    # and captures/hagrp-state.1.txt shows the 13-wide minimum (`kc_sg        State`)
    lab = Lab(config(["node1", "node2"], group("Grp_CS_c1_CS_11240_1", ["node1", "node2"]), group("kc_sg", ["node1"])))
    assert ok(run(lab.engine, ["hagrp", "-state", "Grp_CS_c1_CS_11240_1"])).splitlines() == [
        "#Group               Attribute             System     Value",
        "Grp_CS_c1_CS_11240_1 State                 node1      |OFFLINE|",
        "Grp_CS_c1_CS_11240_1 State                 node2      |OFFLINE|"]
    assert ok(run(lab.engine, ["hagrp", "-state", "kc_sg"])).splitlines() == [
        "#Group       Attribute             System     Value",
        "kc_sg        State                 node1      |OFFLINE|"]
    res = ok(run(lab.engine, ["hares", "-state"])).splitlines()
    assert len({line.index("State") if "State" in line else line.index("Attribute") for line in res}) == 1


# ------------------------------------------------------------------ 8. severities
def test_severity_is_the_one_the_captures_show():
    # captures/ha-cli-messages.1.txt: "VCS NOTICE V-16-1-10284 Cannot online a faulted resource:Clear
    # the faulted resource on system node1." (a NOTICE, not a WARNING)
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.state("G", "s2") == "ONLINE"
    assert run(lab.engine, ["hagrp", "-switch", "G", "-to", "s1"]) == (
        1, "", "VCS NOTICE V-16-1-10284 Cannot online a faulted resource:Clear the faulted resource on system s1.\n")
    assert run(lab.engine, ["hagrp", "-online", "G", "-sys", "s1"])[2].startswith("VCS ")


# ------------------------------------------------------------------ 9. types.cf as the patent declares it
def test_bundled_types_cf_declares_storagesg_networksg_as_the_patent_does():
    # patent (US 9,143,410), AlternateIO type: "static str ArgList[ ]={StorageSG, NetworkSG}",
    # "str StorageSG{ }", "str NetworkSG{ }" (string associations)
    from emulators.vcs.config import bundled_types_path, parse_file
    types = parse_file(bundled_types_path()).types
    aio = types["AlternateIO"].attributes
    assert (aio["StorageSG"].datatype, aio["StorageSG"].dimension) == ("str", "association")
    assert (aio["NetworkSG"].datatype, aio["NetworkSG"].dimension) == ("str", "association")
    assert aio["ArgList"].default == ["StorageSG", "NetworkSG"] and aio["ArgList"].static


def test_wait_on_the_lab_daemon_waits_on_the_real_clock():
    # the daemon's choice (emulators/server.py `_exec_wait`): the real clock cannot be run forward,
    # so a -wait that does not hold yet is asked again until its -time passes at the clock's scale
    import asyncio
    from pathlib import Path

    from emulators.clock import RealClock
    from emulators.lab import LabSpec, NodeSpec, SimLab
    from emulators.server import LabServer
    from tests.engine.lab import SEED_MAIN_CF

    async def scenario() -> list:
        clock = RealClock(asyncio.get_running_loop(), scale=1000.0)
        spec = LabSpec("seed-2node", str(SEED_MAIN_CF),
                       (NodeSpec("node1", "primary1", ("alternate1",)), NodeSpec("node2", "primary2", ("alternate2",))))
        lab = SimLab(spec, clock)
        lab.boot()
        while lab.engine.busy():
            await asyncio.sleep(0.01)
        server = LabServer(lab, Path("/nonexistent/socket"))
        exec_ = lambda *argv: server.handle({"op": "exec", "system": "primary1", "argv": list(argv)})  # noqa: E731
        answers = [exec_("hagrp", "-offline", "ldomsg", "-sys", "primary1")]
        waiting = exec_("hagrp", "-wait", "ldomsg", "State", "OFFLINE", "-sys", "primary1", "-time", "3000")
        assert asyncio.iscoroutine(waiting)  # not offline yet: the daemon waits on the loop
        answers.append(await waiting)
        timing_out = exec_("hagrp", "-wait", "ldomsg", "State", "ONLINE", "-sys", "primary2", "-time", "200")
        answers.append(await timing_out if asyncio.iscoroutine(timing_out) else timing_out)
        return answers

    offline, waited, timed_out = asyncio.run(scenario())
    assert offline["rc"] == 0 and (waited["rc"], waited["err"]) == (0, "")
    assert (timed_out["rc"], timed_out["err"]) == (1, "VCS WARNING V-16-1-10805 Connection timed out\n")
