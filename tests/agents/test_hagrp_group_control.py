"""HagrpGroupControl: the commands it runs and how it reads what `hagrp` prints."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agents.group_control import GroupControl, GroupStateError
from agents.hagrp import HagrpGroupControl, normalize_state, subprocess_runner


def answering(rc: int = 0, out: str = "", err: str = ""):
    calls: list[list[str]] = []

    def run(argv):
        calls.append(argv)
        return rc, out, err

    return run, calls


def test_is_a_group_control():
    assert isinstance(HagrpGroupControl(run=answering()[0]), GroupControl)


@pytest.mark.parametrize("printed,state", [
    ("|ONLINE|\n", "ONLINE"),
    ("ONLINE\n", "ONLINE"),
    ("|OFFLINE|\n", "OFFLINE"),
    ("|OFFLINE|FAULTED|\n", "OFFLINE|FAULTED"),
    ("OFFLINE|FAULTED", "OFFLINE|FAULTED"),
    ("ONLINE|STATE UNKNOWN\n", "ONLINE|STATE UNKNOWN"),
    ("|PARTIAL|\n", "PARTIAL"),
    ("|ONLINE|PARTIAL|\n", "ONLINE|PARTIAL"),
    ("  |OFFLINE|STARTING|  \r\n", "OFFLINE|STARTING"),
    # a release that prints the table form even with -sys
    ("#Group       Attribute             System     Value\n"
     "kc_sg        State                 xha239194  |ONLINE|\n", "ONLINE"),
    ("#Group       Attribute             System     Value\n"
     "kc_sg        State                 other      |ONLINE|\n"
     "kc_sg        State                 xha239194  |OFFLINE|\n", "OFFLINE"),
])
def test_state_reads_piped_bare_and_table_forms(printed, state):
    run, calls = answering(out=printed)
    assert HagrpGroupControl(run=run).state("kc_sg", "xha239194") == state
    assert calls == [["hagrp", "-state", "kc_sg", "-sys", "xha239194"]]


@pytest.mark.parametrize("rc,out,err,needle", [
    (1, "", "VCS WARNING V-16-1-40131 Group nosg does not exist in the local cluster\n", "V-16-1-40131"),
    (1, "", "VCS WARNING V-16-1-12130 Group nosg does not exist\n", "does not exist"),
    (1, "", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine\n", "Cannot connect"),
    (1, "VCS WARNING V-16-1-11030 HAD not ready\n", "", "HAD not ready"),
    (255, "", "", "exit code 255"),
    (0, "", "", "unreadable"),  # empty answer: the 2002 plugin's UNKNOWN
    (0, "garbage here\n", "", "unreadable"),
    (0, "|online|\n", "", "unreadable"),
])
def test_state_errors_become_group_state_errors_with_the_message(rc, out, err, needle):
    run, _ = answering(rc, out, err)
    with pytest.raises(GroupStateError, match=needle):
        HagrpGroupControl(run=run).state("nosg", "primary1")


@pytest.mark.parametrize("exc", [TimeoutError("no answer within 30s"),
                                 subprocess.TimeoutExpired(["hagrp"], 30),
                                 FileNotFoundError(2, "No such file or directory")])
def test_timeouts_and_missing_command_become_group_state_errors(exc):
    def run(argv):
        raise exc

    with pytest.raises(GroupStateError, match="hagrp -state g -sys s"):
        HagrpGroupControl(run=run).state("g", "s")


@pytest.mark.parametrize("printed,systems", [
    ("#Group  Attribute  System  Value\nprimary1-strsg  SystemList  global  primary1 0 alternate1 1\n",
     ["primary1", "alternate1"]),
    ("#Group\tAttribute\tSystem\tValue\nsg\tSystemList\tglobal\tc 2\ta 0\tb 1\n", ["a", "b", "c"]),
    ("Group Attribute System Value\nsg SystemList global alt1 1 alt2 2 prim 0 alt3 3\n",
     ["prim", "alt1", "alt2", "alt3"]),
    ("#Group  Attribute  System  Value\nsg  SystemList  global\n", []),
])
def test_system_list_sorted_by_priority(printed, systems):
    group = printed.splitlines()[1].split()[0]
    run, calls = answering(out=printed)
    assert HagrpGroupControl(run=run).system_list(group) == systems
    assert calls == [["hagrp", "-display", group, "-attribute", "SystemList"]]


@pytest.mark.parametrize("printed", [
    "#Group  Attribute  System  Value\nsg  SystemList  global  primary1 0 alternate1\n",
    "#Group  Attribute  System  Value\nsg  SystemList  global  primary1 zero\n",
    "#Group  Attribute  System  Value\nother  SystemList  global  a 0\n",
    "",
])
def test_system_list_unreadable(printed):
    run, _ = answering(out=printed)
    with pytest.raises(GroupStateError, match="SystemList"):
        HagrpGroupControl(run=run).system_list("sg")


def test_online_offline_commands_and_refusals():
    run, calls = answering()
    groups = HagrpGroupControl(run=run, hagrp="/opt/VRTSvcs/bin/hagrp")
    groups.online("sg", "alternate1")
    groups.offline("sg", "primary1")
    assert calls == [["/opt/VRTSvcs/bin/hagrp", "-online", "sg", "-sys", "alternate1"],
                     ["/opt/VRTSvcs/bin/hagrp", "-offline", "sg", "-sys", "primary1"]]
    run, _ = answering(1, "", "VCS NOTICE V-16-1-10284 Cannot online a faulted resource:Clear the "
                                  "faulted resource on system node1.\n")
    with pytest.raises(GroupStateError, match="V-16-1-10284"):
        HagrpGroupControl(run=run).online("sg", "node1")


def test_normalize_state():
    assert normalize_state("|OFFLINE|FAULTED|") == "OFFLINE|FAULTED"
    with pytest.raises(ValueError):
        normalize_state("||")


def test_subprocess_runner_runs_and_times_out(tmp_path):
    script = tmp_path / "slow"
    script.write_text(f"#!{sys.executable}\nimport sys, time\nprint('|ONLINE|')\n"
                      "sys.stderr.write('note\\n')\nif 'hang' in sys.argv: time.sleep(5)\n")
    script.chmod(0o755)
    assert subprocess_runner(5)([str(script)]) == (0, "|ONLINE|\n", "note\n")
    with pytest.raises(TimeoutError):
        subprocess_runner(0.3)([str(script), "hang"])
    with pytest.raises(GroupStateError, match="timed out"):
        HagrpGroupControl(run=subprocess_runner(0.3), hagrp=str(script)).online("hang", "x")
