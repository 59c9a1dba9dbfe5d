"""`altio-hil mutants`: the kill matrix judged from run directories (synthetic results.json of the
shape `altio-hil run` writes, where every test is a scenario), the exit code, the pages, the runner
with stand-in runs (Ctrl-C, a control that fails, a run that breaks), and one real run end to end on
the sim lab."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from agents.mutants import MUTANTS
from harness import mutants
from harness.mutants import RunExit, exit_code, judge_run, kill_matrix, render_html, render_text
from harness.targets.base import BadLabInput

REPO = Path(__file__).resolve().parents[2]
CLI = [sys.executable, "-m", "harness.cli"]
# the commands below mean the default lab: not the one a developer's shell may name
ENV = {k: v for k, v in os.environ.items() if k != "ALTIO_HIL_LAB"}
N4 = ["N4[node1/primary1-nwsg]", "N4[node2/primary2-nwsg]"]
CONTRACT_TEST = "contract[moving the guest runs offline then online and leaves value 0 groups alone]"
CONTRACT_TESTS = ("contract[online brings value 1 groups up everywhere]", CONTRACT_TEST)
NEMESIS_STEP = "nemesis-step03[seed=11: inject zpool_offline primary1:zfsprim]"


def scenario(sid: str, verdict: str = "pass") -> dict:
    return {"id": sid, "row": sid.split("[")[0], "verdict": verdict,
            "problems": [] if verdict == "pass" else ["expected a failover, ldomsg stayed"]}


def write_run(report: Path, monitor: str, outcome: str, scenarios: list[dict], *,
              contract_failures: tuple[str, ...] = (), harness_errors: tuple[dict, ...] = ()) -> Path:
    """A run directory as `altio-hil run` leaves it: results.json with every test a scenario, the
    entry-point contract tests included (row and suite "contract", the assertion's message as their
    problem). junit.xml is written from results.json and `mutants` does not read it: none here."""
    directory = report / "runs" / monitor
    directory.mkdir(parents=True)
    contract = [{"id": name, "row": "contract", "suite": "contract",
                 "verdict": "fail" if name in contract_failures else "pass",
                 "problems": ["ldomsg did not move to primary2"] if name in contract_failures else []}
                for name in CONTRACT_TESTS]
    (directory / "results.json").write_text(json.dumps({
        "lab": "seed-2node", "target": "sim", "monitor": monitor, "seed": 7, "outcome": outcome,
        "harness_errors": list(harness_errors), "not_run": [], "scenarios": [*scenarios, *contract]}))
    return directory


PASSING = [scenario("S1[node1/primary1-strsg]"), scenario("N4[node1/primary1-nwsg]"),
           scenario("N4[node2/primary2-nwsg]")]
FAILING_N4 = [scenario("S1[node1/primary1-strsg]"), *(scenario(i, "fail") for i in N4)]
CONTROL_OK = {"monitor": "alternateio", "outcome": "passed", "failed": [], "run": "runs/alternateio"}


# -- the kill matrix, from run directories --------------------------------------------------------------

def test_a_failing_run_kills_its_mutant_by_the_failed_scenarios(tmp_path):
    write_run(tmp_path, "ignores-network", "failed", FAILING_N4)
    matrix = kill_matrix(tmp_path, {"ignores-network": RunExit(1, wall_s=1.5)})
    entry = matrix["ignores-network"]
    assert entry["killed"] is True
    assert entry["by"] == N4  # the failed scenario ids, sorted
    assert entry["mistake"] == "ignores NetworkSG"
    assert entry["outcome"] == "failed" and entry["run"] == "runs/ignores-network"
    assert "error" not in entry
    assert exit_code(CONTROL_OK, matrix) == 0


def test_a_passing_run_is_a_survivor_and_the_command_fails(tmp_path):
    write_run(tmp_path, "ignores-network", "failed", FAILING_N4)
    write_run(tmp_path, "partial-counts", "passed", PASSING)
    matrix = kill_matrix(tmp_path, {"ignores-network": RunExit(1), "partial-counts": RunExit(0)})
    assert matrix["partial-counts"]["killed"] is False
    assert matrix["partial-counts"]["by"] == []
    assert "error" not in matrix["partial-counts"]
    # a survivor reported as killed would make this 0
    assert exit_code(CONTROL_OK, matrix) == 1
    assert "1 of 2 mutants killed" in render_text(matrix)


def test_a_run_with_outcome_error_is_no_verdict(tmp_path):
    error = {"test": "suites/test_nemesis.py::test_random_schedule", "error": "InfrastructureError: lab gone"}
    # a scenario failed too, but a run that broke says nothing about the mutant
    write_run(tmp_path, "sticky-online", "error", FAILING_N4, harness_errors=(error,))
    matrix = kill_matrix(tmp_path, {"sticky-online": RunExit(3)})
    entry = matrix["sticky-online"]
    assert entry["killed"] is False and entry["by"] == []
    assert "lab gone" in entry["error"]
    assert exit_code(CONTROL_OK, matrix) == 3


def test_a_failed_contract_test_is_named_in_by(tmp_path):
    write_run(tmp_path, "online-does-nothing", "failed", FAILING_N4, contract_failures=(CONTRACT_TEST,))
    entry = kill_matrix(tmp_path, {"online-does-nothing": RunExit(1)})["online-does-nothing"]
    assert entry["killed"] is True
    assert entry["by"] == sorted([*N4, CONTRACT_TEST])  # by its scenario id; the passing one is not named


def test_a_contract_test_alone_kills(tmp_path):
    # no matrix scenario failed: the failed contract test is what fails the run
    write_run(tmp_path, "online-does-nothing", "failed", PASSING, contract_failures=(CONTRACT_TEST,))
    entry = kill_matrix(tmp_path, {"online-does-nothing": None})["online-does-nothing"]
    assert entry == {**entry, "killed": True, "by": [CONTRACT_TEST]}
    assert "error" not in entry


def test_a_scenario_of_another_verdict_does_not_kill(tmp_path):
    # an errored contract test or a not judged step is no failure: a failed outcome naming none is no verdict
    errored = {**scenario(NEMESIS_STEP), "verdict": "error"}
    directory = write_run(tmp_path, "sticky-online", "failed", [*PASSING, errored])
    results = json.loads((directory / "results.json").read_text())
    results["not_run"] = [{"id": "nemesis-step04[seed=11: heal zpool_offline primary1:zfsprim]",
                           "test": "suites/test_nemesis.py::test_random_schedule", "suite": "nemesis",
                           "reason": "the schedule stopped at step 03"}]
    (directory / "results.json").write_text(json.dumps(results))
    entry = kill_matrix(tmp_path, {"sticky-online": RunExit(1)})["sticky-online"]
    assert entry["killed"] is False and entry["by"] == []
    assert "no failed scenario" in entry["error"]


def test_a_failed_step_of_the_schedule_kills_by_its_id(tmp_path):
    write_run(tmp_path, "sticky-online", "failed", [*PASSING, scenario(NEMESIS_STEP, "fail")],
              contract_failures=CONTRACT_TESTS)
    matrix = kill_matrix(tmp_path, {"sticky-online": RunExit(1)})
    assert matrix["sticky-online"]["by"] == sorted([*CONTRACT_TESTS, NEMESIS_STEP])
    # the `:` inside a step's brackets makes it no contract test; contract tests go by their prefix
    assert mutants.describe_kill(matrix["sticky-online"]["by"], 400) == (
        f"1 scenario(s) and 2 contract test(s) ({', '.join(matrix['sticky-online']['by'])})")
    assert mutants.describe_kill(N4) == f"2 scenario(s) ({', '.join(N4)})"
    text = render_text(matrix, width=400)
    assert "by contract[moving the guest" in text and "contract x2" not in text  # each contract test named


def test_runs_that_give_no_verdict(tmp_path):
    (tmp_path / "runs" / "first-two-systems").mkdir(parents=True)  # died before writing results.json
    write_run(tmp_path, "ignores-storage", "passed", PASSING)  # but exited 2
    write_run(tmp_path, "any-group-suffices", "failed", PASSING)  # failed, on what?
    write_run(tmp_path, "partial-counts", "interrupted", PASSING[:1])
    matrix = kill_matrix(tmp_path, {
        "first-two-systems": RunExit(3, "  [ 3/35] pass x\naltio-hil: infrastructure error: lab unreachable\n"),
        "ignores-storage": RunExit(2, "altio-hil: --report /x is being written by another run\n"),
        "any-group-suffices": RunExit(1),
        "partial-counts": RunExit(130),
    })
    assert not any(entry["killed"] for entry in matrix.values())
    assert "lab unreachable" in matrix["first-two-systems"]["error"]
    assert "exit 2" in matrix["ignores-storage"]["error"]
    assert "no failed scenario" in matrix["any-group-suffices"]["error"]
    assert "interrupted" in matrix["partial-counts"]["error"]


def test_results_of_another_monitor_are_no_verdict(tmp_path):
    write_run(tmp_path, "alternateio", "failed", FAILING_N4)
    judged = judge_run(tmp_path / "runs" / "alternateio", "ignores-network", RunExit(1))
    assert "not 'ignores-network'" in judged["error"]


def test_exit_code_of_the_control_and_of_an_interruption():
    killed = {"ignores-network": {"killed": True, "by": N4}}
    assert exit_code({**CONTROL_OK, "outcome": "failed", "failed": N4}, {}) == 1
    assert exit_code({**CONTROL_OK, "outcome": "error", "error": "outcome error: x"}, {}) == 3
    assert exit_code({**CONTROL_OK, "outcome": "error", "error": "exit 2: refused", "exit_code": 2}, {}) == 2
    assert exit_code(CONTROL_OK, killed, stopped_by=signal.SIGINT) == 130
    assert exit_code(CONTROL_OK, killed) == 0


# -- pages ------------------------------------------------------------------------------------------------

def test_the_page_escapes_everything_and_lists_survivors_first(tmp_path):
    matrix = {
        "ignores-network": {"killed": True, "by": N4, "mistake": "ignores <NetworkSG>", "outcome": "failed",
                            "run": "runs/ignores-network", "summary": "runs/ignores-network/summary.html"},
        "partial-counts": {"killed": False, "by": [], "mistake": "a & b", "outcome": "passed",
                           "run": "runs/partial-counts"},
        "sticky-online": {"killed": False, "by": [], "mistake": "", "outcome": "error", "error": "<b>broke</b>",
                          "run": "runs/sticky-online"},
    }
    page = render_html(matrix, CONTROL_OK, {"lab": "lab<1>", "seed": 7, "date": "2026-01-01"})
    assert "<title>AlternateIO mutants: kill matrix</title>" in page
    assert "1 of 3 mutants killed" in page
    assert "ignores &lt;NetworkSG&gt;" in page and "a &amp; b" in page and "lab&lt;1&gt;" in page
    assert "<b>broke</b>" not in page and "&lt;b&gt;broke&lt;/b&gt;" in page
    assert page.index('id="partial-counts"') < page.index('id="sticky-online"') < page.index('id="ignores-network"')
    assert 'href="../runs/ignores-network/results.json"' in page
    assert 'href="../runs/ignores-network/summary.html"' in page
    assert 'href="../runs/partial-counts/summary.html"' not in page
    assert all(f'title="{html_id}"' in page.replace("&#x27;", "'") for html_id in N4)  # one column each
    assert "<script" not in page and "http" not in page  # self-contained
    text = render_text(matrix)
    assert max(map(len, text.splitlines())) <= 100
    assert text.splitlines()[1].startswith("partial-counts")


# -- choosing and the report directory ----------------------------------------------------------------------

def test_only_names_must_be_mutants():
    assert mutants.select(["sticky-online", "ignores-network", "sticky-online"]) == ["ignores-network", "sticky-online"]
    assert mutants.select(None) == list(MUTANTS)
    with pytest.raises(BadLabInput, match="legacy-primary-only"):
        mutants.select(["alternateio"])


def test_someone_elses_outputs_are_refused_and_ours_replaced(tmp_path):
    (tmp_path / "theirs").mkdir()
    (tmp_path / "theirs" / "mutants.json").write_text("{}")
    with pytest.raises(BadLabInput, match="mutants.json"):
        mutants.check_report_dir(str(tmp_path / "theirs"), ".altio-hil-report")
    ours = tmp_path / "ours"
    write_run(ours, "ignores-network", "failed", FAILING_N4)
    (ours / "runs" / "ignores-network" / ".altio-hil-report").touch()
    (ours / "runs" / "ignores-network.log").write_text("old")
    (ours / "runs" / "notes").mkdir()  # not a run's: left alone
    (ours / "mutants.json").write_text("{}")
    (ours / ".altio-hil-report").touch()
    mutants.check_report_dir(str(ours), ".altio-hil-report")
    mutants.clear_stale(ours, ".altio-hil-report")
    assert sorted(p.name for p in (ours / "runs").iterdir()) == ["notes"]
    assert not (ours / "mutants.json").exists()


# -- the runner, with stand-in runs ------------------------------------------------------------------------

# a stand-in for `altio-hil run`: argv DIRECTORY MONITOR SPEC; SPEC maps a monitor to what its run does
STAND_IN = r"""
import json, os, signal, sys, time
directory, monitor, spec = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
what = spec.get(monitor, "pass")
os.makedirs(directory, exist_ok=True)
def write(outcome, verdict="pass"):
    with open(os.path.join(directory, "results.json"), "w") as f:
        json.dump({"monitor": monitor, "outcome": outcome, "harness_errors": [],
                   "scenarios": [{"id": "N4[node1/primary1-nwsg]", "verdict": verdict}]}, f)
if what == "pass":
    write("passed"); sys.exit(0)
if what == "fail":
    write("failed", "fail"); sys.exit(1)
if what == "crash":
    print("altio-hil: infrastructure error: lab unreachable", file=sys.stderr); sys.exit(3)
def stop(signum, frame):
    write("interrupted"); print("healed"); sys.exit(130)
signal.signal(signal.SIGINT, stop)
open(os.path.join(directory, "started"), "w").close()
time.sleep(30)
"""


def stand_in(report: Path, spec: dict[str, str]):
    return lambda name: [sys.executable, "-c", STAND_IN, str(report / "runs" / name), name, json.dumps(spec)]


def run_stand_ins(report: Path, names: list[str], spec: dict[str, str], jobs: int = 2) -> tuple[int, str]:
    said: list[str] = []
    code = mutants.run_mutants("lab", Path("lab.yaml"), report, names, 7, jobs=jobs, say=said.append,
                               argv=stand_in(report, spec))
    return code, "\n".join(said)


def test_a_failing_control_stops_before_the_mutants(tmp_path):
    code, said = run_stand_ins(tmp_path, ["ignores-network"], {"alternateio": "fail"})
    assert code == 1
    assert "the correct agent fails on this lab" in said and "a kill matrix would mean nothing" in said
    assert json.loads((tmp_path / "control.json").read_text())["failed"] == ["N4[node1/primary1-nwsg]"]
    assert not (tmp_path / "mutants.json").exists() and not (tmp_path / "runs" / "ignores-network").exists()


def test_a_control_that_breaks_is_a_harness_error(tmp_path):
    code, said = run_stand_ins(tmp_path, ["ignores-network"], {"alternateio": "crash"})
    assert code == 3
    assert "lab unreachable" in json.loads((tmp_path / "control.json").read_text())["error"]
    assert "a kill matrix would mean nothing" in said and not (tmp_path / "mutants.json").exists()


def test_a_broken_run_makes_the_command_a_harness_error(tmp_path):
    code, said = run_stand_ins(tmp_path, ["ignores-network", "ignores-storage"],
                               {"ignores-network": "fail", "ignores-storage": "crash"})
    assert code == 3
    matrix = json.loads((tmp_path / "mutants.json").read_text())
    assert list(matrix) == ["ignores-network", "ignores-storage"]
    assert matrix["ignores-network"]["killed"] is True
    assert matrix["ignores-storage"]["killed"] is False
    assert "lab unreachable" in matrix["ignores-storage"]["error"]
    assert "[3/3]" in said and "NO VERDICT" in said


def test_ctrl_c_stops_the_runs_lets_them_heal_and_writes_what_finished(tmp_path):
    started = tmp_path / "runs" / "ignores-storage" / "started"
    finished = tmp_path / "runs" / "ignores-network" / "results.json"

    def press_ctrl_c() -> None:
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            if started.exists() and finished.exists():
                time.sleep(0.2)
                os.kill(os.getpid(), signal.SIGINT)
                return
            time.sleep(0.02)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    code, said = run_stand_ins(tmp_path, ["ignores-network", "ignores-storage"],
                               {"ignores-network": "fail", "ignores-storage": "hang"})
    assert code == 130
    assert "healed" in (tmp_path / "runs" / "ignores-storage.log").read_text()  # it got its Ctrl-C
    matrix = json.loads((tmp_path / "mutants.json").read_text())
    assert list(matrix) == ["ignores-network"]  # the stopped run did not finish: not a verdict
    assert (tmp_path / "html" / "index.html").exists()
    assert "interrupted" in said


# -- through the command ----------------------------------------------------------------------------------

def altio_hil(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([*CLI, *args], cwd=REPO, env=ENV, capture_output=True, text=True, timeout=120)


def test_list_names_every_mutant():
    done = altio_hil("mutants", "--list")
    assert done.returncode == 0
    assert [line.split()[0] for line in done.stdout.splitlines()] == list(MUTANTS)
    assert len(MUTANTS) == 11


def test_an_unknown_mutant_is_bad_input(tmp_path):
    done = altio_hil("mutants", "--only", "no-such-mutant", "--report", str(tmp_path / "r"))
    assert done.returncode == 2
    assert "no-such-mutant" in done.stderr and "ignores-network" in done.stderr and "sticky-online" in done.stderr
    assert not (tmp_path / "r").exists()  # refused before anything was written


def test_a_report_path_that_is_a_file_is_refused(tmp_path):
    (tmp_path / "f").write_text("")
    done = altio_hil("mutants", "--only", "ignores-network", "--report", str(tmp_path / "f"))
    assert done.returncode == 2 and "not a directory" in done.stderr


def test_end_to_end_on_the_sim_lab(tmp_path):
    report = tmp_path / "mutants"
    done = altio_hil("mutants", "--only", "ignores-network", "--seed", "7", "--report", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    matrix = json.loads((report / "mutants.json").read_text())
    assert list(matrix) == ["ignores-network"]
    assert matrix["ignores-network"]["killed"] is True
    assert matrix["ignores-network"]["by"] and all(i.startswith("N4[") for i in matrix["ignores-network"]["by"])
    assert json.loads((report / "control.json").read_text())["outcome"] == "passed"
    page = (report / "html" / "index.html").read_text()
    assert "ignores-network" in page and "KILLED" in page
    assert (report / "runs" / "ignores-network" / "results.json").is_file()
    assert "[2/2] ignores-network: killed by" in done.stdout
    assert "seed 7" in done.stdout


@pytest.mark.slow
def test_every_mutant_is_killed_on_the_3_node_lab_and_the_seed_lab_misses_only_what_it_cannot_tell(tmp_path):
    """The issue's bar: on sim-3node every mutant dies; the seed lab (two systems per group, no
    non-critical pool) cannot tell first-two-systems and partial-counts from the correct agent."""
    tri = subprocess.run([*CLI, "mutants", "--lab", "inventories/sim-3node.yaml", "--seed", "5",
                          "--report", str(tmp_path / "tri")], cwd=REPO, env=ENV, capture_output=True, text=True,
                         timeout=900)
    assert tri.returncode == 0, tri.stdout[-3000:] + tri.stderr[-2000:]
    matrix = json.loads((tmp_path / "tri" / "mutants.json").read_text())
    assert set(matrix) == set(MUTANTS) and all(m["killed"] and m["by"] for m in matrix.values())
    assert any(i.startswith("S4[") and i.endswith("/partial]") for i in matrix["partial-counts"]["by"])
    seed = subprocess.run([*CLI, "mutants", "--seed", "5", "--report", str(tmp_path / "seed")], cwd=REPO,
                          env=ENV, capture_output=True, text=True, timeout=900)
    assert seed.returncode == 1, seed.stdout[-3000:] + seed.stderr[-2000:]
    matrix = json.loads((tmp_path / "seed" / "mutants.json").read_text())
    assert {name for name, m in matrix.items() if not m["killed"]} == {"first-two-systems", "partial-counts"}
