"""A harness failure never reads as a verdict, and a run that did not finish says so.

results.json's `outcome` ("passed" | "failed" | "interrupted" | "error"), junit.xml's
`altio_outcome` property and the exit code of `altio-hil run` agree: a test that broke for a reason
of the harness's own (an exception that is not an assertion) and a suite that could not be collected
are harness errors (exit 3, listed with their cause), Ctrl-C is 130 and SIGTERM 143 (faults healed
first), and a run killed outright leaves results that say "interrupted", never a green partial list.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import time
from pathlib import Path

import pytest
from altio_runs import FAST, LAB_2NODE, REPO, AltioEnv, signalled_mid_run

from harness.processes import pid_alive
from harness.report import validate_results

ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"


def _results(report: Path) -> dict:
    doc = json.loads((report / "results.json").read_text())
    validate_results(doc)
    return doc


def _junit_outcome(report: Path) -> str:
    import xml.etree.ElementTree as ET

    props = ET.parse(report / "junit.xml").getroot().iter("property")
    return next(p.get("value") for p in props if p.get("name") == "altio_outcome")


# -- the plugin: what a session records ------------------------------------------------------------------

def test_an_exception_in_a_test_is_a_harness_error_not_a_verdict(pytester, altio_env, tmp_path):
    """The fuzz campaign's case: a scenario played and recorded as passed, then the test broke
    (reading main.cf for the report). Before, results.json said "14 passed" and the run exited 1."""
    pytester.makepyfile("""
        import pytest

        def test_played_then_broke(altio_record):
            altio_record({"id": "S1[node1/x]", "faults": [], "verdict": "pass",
                          "expected": {"failover": False, "alternateio": "ONLINE"},
                          "observed": {"failover": False, "alternateio": "ONLINE", "ldom_system": "primary1"},
                          "detect_s": None, "failover_s": None, "clock": "virtual", "clock_s": 1.0,
                          "wall_s": 0.1, "problems": []})
            b"\\xff".decode("utf-8")

        def test_a_verdict(altio_lab):
            assert 1 == 2, "the monitor did something wrong"
    """)
    report = tmp_path / "report"
    result = pytester.runpytest_subprocess(*FAST, "--lab", str(LAB_2NODE), "--altio-report", str(report),
                                           "--junitxml", str(report / "junit.xml"))
    assert result.ret == 1
    doc = _results(report)
    assert doc["outcome"] == "error"
    assert [e["test"] for e in doc["harness_errors"]] == ["test_an_exception_in_a_test_is_a_harness_error_not_a_verdict.py::test_played_then_broke"]
    assert doc["harness_errors"][0]["error"].startswith("UnicodeDecodeError: ")
    assert _junit_outcome(report) == "error"


def test_an_assertion_alone_makes_the_run_failed(pytester, altio_env, tmp_path):
    pytester.makepyfile("""
        def test_a_verdict(altio_lab):
            assert 1 == 2, "the monitor did something wrong"

        def test_fine(altio_lab):
            pass
    """)
    report = tmp_path / "report"
    pytester.runpytest_subprocess(*FAST, "--lab", str(LAB_2NODE), "--altio-report", str(report),
                                  "--junitxml", str(report / "junit.xml"))
    doc = _results(report)
    assert (doc["outcome"], doc["harness_errors"]) == ("failed", [])
    assert _junit_outcome(report) == "failed"


def test_a_suite_that_cannot_be_collected_is_an_error_with_its_cause(pytester, altio_env, tmp_path):
    """pytest calls a collection error "Interrupted"; the run was not interrupted, it never started."""
    pytester.makepyfile(test_ok="def test_ok(altio_lab):\n    pass\n",
                        test_broken="import nosuchmodule_of_the_lab\n")
    report = tmp_path / "report"
    result = pytester.runpytest_subprocess(*FAST, "--lab", str(LAB_2NODE), "--altio-report", str(report))
    assert result.ret == pytest.ExitCode.INTERRUPTED  # pytest's own word for it
    doc = _results(report)
    assert doc["outcome"] == "error"
    assert doc["harness_errors"][0]["test"] == "test_broken.py"
    assert "nosuchmodule_of_the_lab" in doc["harness_errors"][0]["error"]


# -- altio-hil run: signals and exit codes -----------------------------------------------------------------

def _start_run(env: AltioEnv, report: Path, *args: str) -> subprocess.Popen:
    return subprocess.Popen([str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "matrix",
                             *args], env=env.environ(), cwd=report.parent, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def test_sigterm_heals_and_exits_143_with_an_interrupted_outcome(tmp_path, altio_env):
    report = tmp_path / "report"
    proc, out, err = signalled_mid_run(lambda: _start_run(altio_env, report), signal.SIGTERM)
    assert proc.returncode == 143, (out, err)
    assert "terminated (SIGTERM)" in err and "injected faults were healed" in err
    doc = _results(report)
    assert doc["outcome"] == "interrupted" and 0 < len(doc["scenarios"]) < 26
    assert _junit_outcome(report) == "interrupted"
    assert altio_env.ledger() == []  # the teardown healed what the interrupted scenario injected


def test_a_run_killed_outright_leaves_results_that_say_interrupted(tmp_path, altio_env):
    report = tmp_path / "report"
    report.mkdir()
    (report / "results.json").write_text(json.dumps({"outcome": "passed", "scenarios": []}))  # last run's
    proc, _, _ = signalled_mid_run(lambda: _start_run(altio_env, report), signal.SIGKILL)
    assert proc.returncode == -signal.SIGKILL
    doc = _results(report)
    assert (doc["outcome"], doc["scenarios"]) == ("interrupted", [])


@pytest.mark.parametrize("args, message", [
    (["-n", "99999999999999999999"], "-n takes an integer from 1 to 64"),
    (["-n", "-1"], "-n takes an integer from 1 to 64"),
    (["-n", "0"], "-n takes an integer from 1 to 64"),
    (["--seed", "-5"], "--seed takes an integer from 0 to"),
    (["--seed", "1" * 5000], "--seed takes an integer from 0 to"),
])
def test_out_of_range_numbers_are_refused_before_anything_runs(tmp_path, altio_env, args, message):
    report = tmp_path / "report"
    done = subprocess.run([str(ALTIO_HIL), "run", "--report", str(report), *args], env=altio_env.environ(),
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and message in done.stderr and "Traceback" not in done.stderr, done.stderr
    assert not report.exists()


def _refused(env: AltioEnv, report: str, cwd: Path) -> subprocess.CompletedProcess:
    done = subprocess.run([str(ALTIO_HIL), "run", "--report", report, "--no-html"], env=env.environ(), cwd=cwd,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 2 and "Traceback" not in done.stderr, (done.stdout, done.stderr)
    return done


def test_report_directories_that_cannot_be_one_are_refused_and_left_alone(tmp_path, altio_env):
    cwd = tmp_path / "cwd"
    (cwd / "html").mkdir(parents=True)  # `--report ""` used to mean the cwd, and deleted its html/
    assert "--report is empty" in _refused(altio_env, "", cwd).stderr
    assert (cwd / "html").is_dir()
    assert "kernel or device file system" in _refused(altio_env, "/dev/null", cwd).stderr
    regular = tmp_path / "notes.txt"
    regular.write_text("mine")
    assert "not a directory" in _refused(altio_env, str(regular), cwd).stderr
    assert regular.read_text() == "mine"
    assert "kernel or device file system" in _refused(altio_env, "/proc/self/report", cwd).stderr
    odd = tmp_path / "odd"
    (odd / "results.json").mkdir(parents=True)
    assert "results.json there is not a file" in _refused(altio_env, str(odd), cwd).stderr
    home = tmp_path / "home"
    (home / "html").mkdir(parents=True)
    (home / "html" / "site.html").write_text("someone's page")
    assert "that no altio-hil run wrote" in _refused(altio_env, str(home), cwd).stderr
    assert (home / "html" / "site.html").read_text() == "someone's page"


def test_a_report_directory_in_use_by_another_run_is_refused(tmp_path, altio_env):
    import fcntl

    report = tmp_path / "report"
    report.mkdir()
    (report / "results.json").write_text("{}")
    with open(report / ".altio-hil-report", "w") as held:  # what a run going on holds
        fcntl.flock(held, fcntl.LOCK_EX)
        done = _refused(altio_env, str(report), tmp_path)
    assert "being written by another run" in done.stderr
    assert (report / "results.json").read_text() == "{}"


def test_a_report_directory_of_an_earlier_run_is_replaced(tmp_path, altio_env):
    report = tmp_path / "report"
    done = subprocess.run([str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "combo"],
                          env=altio_env.environ(), capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    (report / "timelines" / "stale.svg").write_text("<svg/>")
    again = subprocess.run([str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "combo"],
                           env=altio_env.environ(), capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert not (report / "timelines" / "stale.svg").exists() and _results(report)["outcome"] == "passed"


# -- the report's helpers ----------------------------------------------------------------------------------

def test_a_child_started_with_die_with_parent_dies_with_a_sigkilled_parent(tmp_path):
    """The Allure generator (`node`) is started so: a run killed while rendering leaves no node behind."""
    pidfile = tmp_path / "child.pid"
    parent = subprocess.Popen([str(REPO / ".venv" / "bin" / "python"), "-c", f"""
import subprocess, time
from harness.processes import die_with_parent
child = subprocess.Popen(["sleep", "60"], preexec_fn=die_with_parent)
open({str(pidfile)!r}, "w").write(str(child.pid))
time.sleep(60)
"""], cwd=REPO)
    try:
        for _ in range(100):
            if pidfile.exists() and pidfile.read_text():
                break
            time.sleep(0.05)
        child = int(pidfile.read_text())
        parent.kill()
        parent.wait(10)
        for _ in range(100):
            if not pid_alive(child) or _zombie(child):
                break
            time.sleep(0.05)
        assert not pid_alive(child) or _zombie(child)
    finally:
        parent.kill()


def _zombie(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().split(")")[1].split()[0] == "Z"
    except OSError:
        return False


def test_a_killed_renders_work_folder_is_removed_by_the_next_render(tmp_path):
    from harness.report.allure import _remove_dead_work_dirs

    dead = tmp_path / ".allure-999999999-abc"
    live = tmp_path / f".allure-{os.getpid()}-def"
    other = tmp_path / ".allure-notapid"
    for d in (dead, live, other):
        d.mkdir()
    _remove_dead_work_dirs(tmp_path)
    assert not dead.exists() and live.exists() and other.exists()


def test_ctrl_c_reaches_a_run_started_with_sigint_ignored(tmp_path, altio_env):
    """A shell without job control starts background commands with SIGINT ignored (a CI step,
    `make test &`), and an ignored signal stays ignored across exec: the run would not stop on Ctrl-C."""
    report = tmp_path / "report"
    proc, out, err = signalled_mid_run(lambda: subprocess.Popen(
        [str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "matrix"], env=altio_env.environ(),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN)), signal.SIGINT)
    assert proc.returncode == 130, (out, err)
    assert _results(report)["outcome"] == "interrupted"
