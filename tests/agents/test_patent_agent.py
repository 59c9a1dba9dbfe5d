"""An AlternateIO agent written from the patent alone (tests/agents/patent_agent), certified by the harness.

The agent in tests/agents/patent_agent is an independent build of US 9,143,410's AlternateIO agent: a
VCS script agent in POSIX sh written from the patent text, the script-agent calling convention and the
`hagrp` output formats, without the project's own agent (agents/). The slow test runs the harness's
whole seed matrix against it (`altio-hil run --monitor <dir>`): it shows that the harness certifies any
build of the agent, not only the project's. The fast tests call the entry points directly against a fake
`$VCS_HOME/bin/hagrp` (a small sh script printing what VCS prints) and need no harness.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
AGENT = Path(__file__).resolve().parent / "patent_agent"
ALTIO_HIL = Path(sys.executable).parent / "altio-hil"
ENTRY_POINTS = ("monitor", "online", "offline", "clean")

ONLINE, OFFLINE, UNKNOWN = 110, 100, 99

# The fake hagrp. A group is a file under groups/: one line "<system> <state>" per system of its
# SystemList (state without pipes), in SystemList order; a first line "FAIL <message>" makes every
# command on the group fail with that message. No file: the group does not exist. -online/-offline
# change the file (refused on a FAULTED system for -online), every call is appended to `calls`.
# FAKE_BARE=1 prints the states of the table without their pipes.
FAKE_HAGRP = r"""#!/bin/sh
here=$(cd "$(dirname "$0")/.." && pwd)
echo "$*" >> "$here/calls"
g=$2
f=$here/groups/$g
if [ ! -f "$f" ]; then
    echo "VCS WARNING V-16-1-40131 Group $g does not exist" >&2
    exit 1
fi
if head -n 1 "$f" | grep -q '^FAIL '; then
    head -n 1 "$f" | sed 's/^FAIL //' >&2
    exit 1
fi
case $1 in
-state)
    echo "#Group         Attribute             System     Value"
    while read -r s v; do
        if [ "${FAKE_BARE:-0}" = 1 ]; then
            printf '%-14s State                 %-10s %s\n' "$g" "$s" "$v"
        else
            printf '%-14s State                 %-10s |%s|\n' "$g" "$s" "$v"
        fi
    done < "$f"
    ;;
-display)
    echo "#Group       Attribute             System     Value"
    printf '%s SystemList global' "$g"
    i=0
    while read -r s v; do
        printf ' %s %d' "$s" "$i"
        i=$((i + 1))
    done < "$f"
    echo
    ;;
-online|-offline)
    s=$4
    cur=$(awk -v s="$s" '$1 == s { print $2 }' "$f")
    if [ -z "$cur" ]; then
        echo "VCS WARNING V-16-1-10135 System $s is not in the SystemList of group $g" >&2
        exit 1
    fi
    new=ONLINE
    if [ "$1" = -offline ]; then
        new=OFFLINE
    else
        case $cur in
        *FAULTED*)
            echo "VCS NOTICE V-16-1-10284 Cannot online a faulted resource:Clear the faulted resource on system $s." >&2
            exit 1
            ;;
        esac
    fi
    awk -v s="$s" -v n="$new" '$1 == s { $2 = n } { print }' "$f" > "$f.tmp" && mv "$f.tmp" "$f"
    ;;
*)
    echo "VCS ERROR V-16-1-10600 Cannot connect to VCS engine" >&2
    exit 1
    ;;
esac
"""


class FakeVcs:
    def __init__(self, root: Path) -> None:
        self.root = root
        (root / "bin").mkdir(parents=True)
        (root / "groups").mkdir()
        (root / "conf").mkdir()
        (root / "conf" / "sysname").write_text("p1\n")
        hagrp = root / "bin" / "hagrp"
        hagrp.write_text(FAKE_HAGRP)
        hagrp.chmod(0o755)

    def group(self, name: str, **states: str) -> None:
        """`group("g", p1="OFFLINE|FAULTED", a1="ONLINE")`: the group's state per system."""
        (self.root / "groups" / name).write_text("".join(f"{s} {v}\n" for s, v in states.items()))

    def failing(self, name: str, message: str) -> None:
        (self.root / "groups" / name).write_text(f"FAIL {message}\n")

    def states(self, name: str) -> dict[str, str]:
        lines = (self.root / "groups" / name).read_text().split("\n")
        return dict(line.split() for line in lines if line.strip())

    def calls(self) -> list[str]:
        path = self.root / "calls"
        return path.read_text().splitlines() if path.exists() else []

    def run(self, ep: str, *args: str, bare: bool = False, timeout: float = 60) -> subprocess.CompletedProcess:
        env = {"PATH": "/usr/bin:/bin", "LC_ALL": "C", "VCS_HOME": str(self.root), "VCS_CONF": str(self.root),
               "VCS_SYSTEM": "p1", "FAKE_BARE": "1" if bare else "0"}
        return subprocess.run([str(AGENT / ep), *args], env=env, capture_output=True, text=True,
                              timeout=timeout, cwd=AGENT)


@pytest.fixture
def vcs(tmp_path) -> FakeVcs:
    return FakeVcs(tmp_path / "vcs")


def _args(storage: dict[str, int], network: dict[str, int]) -> list[str]:
    """The V50 arguments after the resource name."""
    out: list[str] = []
    for name, assoc in (("StorageSG", storage), ("NetworkSG", network)):
        out += [name, str(2 * len(assoc))] + [x for k, v in assoc.items() for x in (k, str(v))]
    return out


# ---- the agent directory -------------------------------------------------------------------------

def test_the_agent_directory_is_a_vcs_script_agent():
    for ep in ENTRY_POINTS:
        path = AGENT / ep
        assert path.read_text().startswith("#!/bin/sh\n"), ep
        assert os.stat(path).st_mode & 0o777 == 0o755, ep
    bodies = {(AGENT / ep).read_bytes() for ep in ENTRY_POINTS}
    assert len(bodies) == 1, "the four entry points are copies of one script"
    types = " ".join((AGENT / "types.cf").read_text().split())
    assert types == ("type AlternateIO ( static str ArgList[] = { StorageSG, NetworkSG } "
                     "str StorageSG{} str NetworkSG{} )")
    assert "patent" in (AGENT / "README.md").read_text()


@pytest.mark.parametrize("shell", ["sh", "dash"])
def test_the_entry_points_parse_as_posix_sh(shell):
    if shutil.which(shell) is None:
        pytest.skip(f"{shell} not installed")
    for ep in ENTRY_POINTS:
        done = subprocess.run([shell, "-n", str(AGENT / ep)], capture_output=True, text=True)
        assert done.returncode == 0, done.stderr


# ---- monitor -------------------------------------------------------------------------------------

def test_monitor_online_when_every_group_is_online(vcs):
    vcs.group("s1", p1="ONLINE", a1="ONLINE")
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    done = vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0}))
    assert done.returncode == ONLINE, done.stderr


def test_monitor_online_when_a_group_is_online_only_on_the_alternate(vcs):
    vcs.group("s1", p1="OFFLINE|FAULTED", a1="ONLINE")
    vcs.group("n1", p1="ONLINE", a1="OFFLINE")
    done = vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0}))
    assert done.returncode == ONLINE, done.stderr


def test_monitor_online_on_the_second_alternate_of_three_systems(vcs):
    vcs.group("s1", p1="OFFLINE|FAULTED", a1="OFFLINE", a2="ONLINE")
    vcs.group("s2", p1="ONLINE", a1="ONLINE", a2="ONLINE")
    done = vcs.run("monitor", "res", *_args({"s1": 1, "s2": 1}, {}))
    assert done.returncode == ONLINE, done.stderr


def test_monitor_reads_states_printed_without_pipes(vcs):
    vcs.group("s1", p1="OFFLINE", a1="ONLINE")
    vcs.group("n1", p1="ONLINE|PARTIAL", a1="OFFLINE")
    assert vcs.run("monitor", "res", *_args({"s1": 1}, {}), bare=True).returncode == ONLINE
    assert vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0}), bare=True).returncode == OFFLINE


def test_monitor_offline_when_a_group_is_online_partial_everywhere(vcs):
    vcs.group("s1", p1="ONLINE", a1="ONLINE")
    vcs.group("n1", p1="ONLINE|PARTIAL", a1="PARTIAL")
    done = vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0}))
    assert done.returncode == OFFLINE, done.stderr
    assert "n1" in done.stderr


def test_monitor_offline_when_a_group_is_faulted_on_both_domains(vcs):
    vcs.group("s1", p1="OFFLINE|FAULTED", a1="OFFLINE|FAULTED")
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    assert vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0})).returncode == OFFLINE


def test_monitor_unknown_when_hagrp_fails_for_one_group(vcs):
    vcs.group("s1", p1="ONLINE", a1="OFFLINE")
    vcs.failing("n1", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine")
    done = vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0}))
    assert done.returncode == UNKNOWN, done.stderr
    assert "V-16-1-10600" in done.stderr


def test_monitor_unknown_when_a_group_does_not_exist(vcs):
    vcs.group("s1", p1="ONLINE", a1="OFFLINE")
    done = vcs.run("monitor", "res", *_args({"s1": 1}, {"nosuch": 0}))
    assert done.returncode == UNKNOWN, done.stderr
    assert "V-16-1-40131" in done.stderr


def test_monitor_offline_wins_over_unknown(vcs):
    vcs.failing("s1", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine")
    vcs.group("n1", p1="OFFLINE", a1="OFFLINE|FAULTED")
    assert vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0})).returncode == OFFLINE


def test_monitor_unknown_when_no_group_is_named(vcs):
    assert vcs.run("monitor", "res", "StorageSG", "0", "NetworkSG", "0").returncode == UNKNOWN
    assert vcs.run("monitor", "res").returncode == UNKNOWN


@pytest.mark.parametrize("args", [
    # both V50 counts: the number of elements, keys and values together
    ["StorageSG", "4", "s1", "1", "s2", "1", "NetworkSG", "2", "n1", "0"],
    ["StorageSG", "2", "s1", "1", "NetworkSG", "4", "n1", "0", "s2", "0"],
    ["StorageSG", "6", "s1", "1", "s2", "1", "n1", "0", "NetworkSG", "0"],
    ["StorageSG", "0", "NetworkSG", "6", "s1", "1", "s2", "1", "n1", "0"],
    # the V40 form: no attribute names
    ["4", "s1", "1", "s2", "1", "2", "n1", "0"],
])
def test_monitor_parses_both_v50_counts(vcs, args):
    vcs.group("s1", p1="ONLINE", a1="OFFLINE")
    vcs.group("s2", p1="OFFLINE", a1="ONLINE")
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    assert vcs.run("monitor", "res", *args).returncode == ONLINE
    vcs.group("n1", p1="OFFLINE", a1="OFFLINE|FAULTED")
    assert vcs.run("monitor", "res", *args).returncode == OFFLINE
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    vcs.group("s2", p1="ONLINE|PARTIAL", a1="OFFLINE")
    assert vcs.run("monitor", "res", *args).returncode == OFFLINE


def test_monitor_reads_every_group_and_changes_nothing(vcs):
    vcs.group("s1", p1="OFFLINE", a1="ONLINE")
    vcs.group("n1", p1="OFFLINE", a1="OFFLINE")
    assert vcs.run("monitor", "res", *_args({"s1": 1}, {"n1": 0})).returncode == OFFLINE
    assert not [c for c in vcs.calls() if c.startswith(("-online", "-offline"))]


# ---- online, offline, clean ----------------------------------------------------------------------

def test_online_brings_value_1_groups_online_everywhere_and_leaves_value_0_alone(vcs):
    vcs.group("s1", p1="OFFLINE", a1="OFFLINE", a2="ONLINE")
    vcs.group("s2", p1="OFFLINE|FAULTED", a1="OFFLINE")
    vcs.group("n1", p1="ONLINE", a1="OFFLINE")
    done = vcs.run("online", "res", *_args({"s1": 1, "s2": 1}, {"n1": 0}))
    assert done.returncode == 0, done.stderr
    calls = [c for c in vcs.calls() if c.startswith(("-online", "-offline"))]
    assert sorted(calls) == ["-online s1 -sys a1", "-online s1 -sys p1",
                             "-online s2 -sys a1", "-online s2 -sys p1"]
    assert vcs.states("s1") == {"p1": "ONLINE", "a1": "ONLINE", "a2": "ONLINE"}
    assert vcs.states("s2") == {"p1": "OFFLINE|FAULTED", "a1": "ONLINE"}  # the refusal is not fatal
    assert vcs.states("n1") == {"p1": "ONLINE", "a1": "OFFLINE"}
    assert "refused" in done.stderr
    assert vcs.run("monitor", "res", *_args({"s1": 1, "s2": 1}, {"n1": 0})).returncode == ONLINE


def test_offline_takes_value_1_groups_offline_everywhere_and_leaves_value_0_alone(vcs):
    vcs.group("s1", p1="ONLINE", a1="ONLINE|PARTIAL", a2="OFFLINE")
    vcs.group("s2", p1="OFFLINE|FAULTED", a1="ONLINE")
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    done = vcs.run("offline", "res", *_args({"s1": 1, "s2": 1}, {"n1": 0}))
    assert done.returncode == 0, done.stderr
    calls = [c for c in vcs.calls() if c.startswith(("-online", "-offline"))]
    assert sorted(calls) == ["-offline s1 -sys a1", "-offline s1 -sys p1", "-offline s2 -sys a1"]
    assert vcs.states("s1") == {"p1": "OFFLINE", "a1": "OFFLINE", "a2": "OFFLINE"}
    assert vcs.states("s2") == {"p1": "OFFLINE|FAULTED", "a1": "OFFLINE"}
    assert vcs.states("n1") == {"p1": "ONLINE", "a1": "ONLINE"}


def test_clean_offlines_value_1_groups_and_ignores_errors(vcs):
    vcs.group("s1", p1="ONLINE", a1="OFFLINE|FAULTED")
    vcs.failing("s2", "VCS ERROR V-16-1-10600 Cannot connect to VCS engine")
    vcs.group("n1", p1="ONLINE", a1="ONLINE")
    done = vcs.run("clean", "res", "2", *_args({"s1": 1, "s2": 1}, {"n1": 0}), timeout=20)
    assert done.returncode == 0, done.stderr
    calls = [c for c in vcs.calls() if c.startswith(("-online", "-offline"))]
    assert calls == ["-offline s1 -sys p1"]
    assert vcs.states("n1") == {"p1": "ONLINE", "a1": "ONLINE"}


# ---- the harness certifies this build ------------------------------------------------------------

@pytest.mark.slow
def test_the_harness_certifies_the_patent_agent_on_the_seed_lab(tmp_path):
    report = tmp_path / "report"
    done = subprocess.run([str(ALTIO_HIL), "run", "--monitor", str(AGENT), "--seed", "3", "--no-html",
                           "--report", str(report)], capture_output=True, text=True, timeout=1200, cwd=REPO)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-4000:]
    assert "outcome: passed" in done.stdout
    results = json.loads((report / "results.json").read_text())
    assert results["outcome"] == "passed"
    assert results["monitor"] == str(AGENT)
    assert not results["harness_errors"]
    assert results["scenarios"]
    failed = {s["id"]: s["problems"] for s in results["scenarios"] if s["verdict"] != "pass"}
    assert not failed, failed
