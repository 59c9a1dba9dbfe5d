"""Fuzzing `altio-hil`'s command line: whatever the arguments, the answer is an exit code of the
contract (0, 1, 2 bad input, 3 lab unreachable) with a message, never a traceback or a hang.

In-process (`harness.cli.main`) for volume, on commands that start nothing (no lab is up in the
test's private runtime directory, `run` is planned with `--plan`); a sample through the real console
script checks that nothing reaches the terminal as a traceback.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness import cli

REPO = Path(__file__).resolve().parents[2]
ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"
INVENTORIES = [str(p) for p in sorted((REPO / "inventories").glob("*.yaml"))]
CONTRACT = {0, 1, 2, 3}

# values a user (or a script gone wrong) types where a value is expected
VALUES = st.one_of(
    st.sampled_from(["", " ", "-", "--", "-1", "0", "1", "99999999999999999999", "1e9", "nan", "inf",
                     "primary1", "primary1:", ":x", "primary1 ", "node1", "primary1:nxge3", "alternate1:zfsmirr",
                     "nic_pull", "domain_kill", "/dev/null", "/proc/self/status", "/", "~", "a" * 300,
                     "x" * 5000, "é", "\u202e", "$(id)", "`id`", "primary1;reboot", "../../etc/passwd"]),
    st.sampled_from(INVENTORIES),
    st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40),
    st.integers(min_value=-(10**30), max_value=10**30).map(str),
)

OPTIONS = ["--lab", "--target", "--monitor", "-n", "--seed", "--suite", "--where", "--system", "--all",
           "--report", "--no-html", "--allow-destructive", "--plan", "--help-me", "-x", "--lf", "--shard",
           "--list", "--dry-run", "--version", "--out"]


@st.composite
def command_lines(draw) -> list[str]:
    head = draw(st.sampled_from([
        ["run", "--plan"], ["inventory", "check"], ["heal"], ["lab", "status"], ["lab", "down"],
        ["lab", "exec"], ["lab", "fault"], ["lab", "heal"], ["agent", "verify"], ["agent", "install"],
        ["lab", "ls"], ["lab", "reset"], ["nosuchcommand"], ["lab"], ["inventory"], ["report"], [],
    ]))
    tail = draw(st.lists(st.one_of(st.sampled_from(OPTIONS), VALUES), max_size=6))
    if head[:2] == ["lab", "exec"] and draw(st.booleans()):
        tail += ["--", *draw(st.lists(VALUES, min_size=1, max_size=3))]
    return head + tail


@pytest.fixture
def private_dirs(tmp_path, monkeypatch):
    monkeypatch.setenv("ALTIO_HIL_STATE", str(tmp_path / "state"))
    monkeypatch.setenv("ALTIO_HIL_RUNTIME", str(tmp_path / "rt"))
    monkeypatch.delenv("ALTIO_HIL_LAB", raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


def _answer(argv: list[str]) -> int:
    try:
        return cli.main(argv)
    except SystemExit as exc:  # argparse: usage errors exit 2, --help 0
        return 0 if exc.code is None else exc.code


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(argv=command_lines())
def test_any_command_line_gets_an_exit_code_of_the_contract(private_dirs, capsys, argv):
    if argv[:2] == ["agent", "install"] and any(a in INVENTORIES for a in argv):
        argv = ["agent", "verify", *argv[2:]]  # install writes on a lab; verify reads the same inputs
    code = _answer(argv)
    out, err = capsys.readouterr()
    assert code in CONTRACT, (argv, code, err[-500:])
    assert "Traceback" not in out + err, (argv, err[-2000:])
    if code == 2:
        assert err.strip(), (argv, "bad input must say what is wrong")


@pytest.mark.parametrize("argv", [
    ["run", "-n", "99999999999999999999"],
    ["run", "--seed", "-5"],
    ["run", "--report", ""],
    ["run", "--report", "/dev/null", "--no-html"],
    ["inventory", "check", "/dev/null"],
    ["inventory", "check", "/"],
    ["inventory", "check", "x" * 5000],
    ["lab", "status", "--lab", "/proc/self/status"],
    ["lab", "fault", "nic_pull", "--where", "primary1 "],
    ["lab", "exec", "--system", "nosuch", "--", "hastatus"],
    ["run", "--shard", "0/3"],
    ["run", "--shard", "2/1", "--list"],
    ["run", "-k", "S2 and ("],
    ["run", "--list", "--plan"],
    ["report", "merge", "no-such-report", "--out", "merged"],
    ["report", "merge", "--out", "merged"],
    ["inventory", "check", "no-such-lab.yaml"],
    ["lab", "exec", "--system", "ctl-a", "--", "hostname"],
])
def test_bad_command_lines_through_the_console_script_say_why_in_one_line(tmp_path, argv):
    env = {"PATH": "/usr/bin:/bin", "ALTIO_HIL_STATE": str(tmp_path / "s"), "ALTIO_HIL_RUNTIME": str(tmp_path / "r"),
           "HOME": str(tmp_path)}
    done = subprocess.run([str(ALTIO_HIL), *argv], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60)
    assert done.returncode in (2, 3), (argv, done.returncode, done.stderr)
    assert "Traceback" not in done.stderr and done.stderr.strip(), (argv, done.stderr[-2000:])
    assert not (tmp_path / "merged").exists(), "bad input wrote a report"


@pytest.mark.parametrize("argv, says", [
    (["inventory"], "altio-hil inventory: error: give a subcommand: check"),
    (["lab"], "altio-hil lab: error: give a subcommand: up, down, status, reset, ls,"),
    (["agent"], "altio-hil agent: error: give a subcommand: install, verify"),
    ([], "altio-hil: error: give a command: run, report,"),
    (["inventory", "check", "/no/such/lab.yaml"], "/no/such/lab.yaml: no such file"),
    (["lab", "exec", "--system", "ctl-a", "--", "hostname"], "no system 'ctl-a': no lab is running, and the "
                                                              "default lab seed-2node has primary1,"),
])
def test_errors_name_what_to_type_not_how_the_parser_stores_it(private_dirs, capsys, argv, says):
    """argparse's `inventory_command` / `lab_command` never reach the reader; a missing file has no
    line:col; a system of no running lab lists what the default lab has; every line fits 80 columns."""
    assert _answer(argv) == 2
    err = capsys.readouterr().err
    assert says in " ".join(err.split()), err
    assert "_command" not in err and ":1:1" not in err
    assert all(len(line) <= 80 for line in err.splitlines()), err
