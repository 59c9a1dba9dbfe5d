"""`altio-hil run` end to end on the sim tier, as a user runs it (a subprocess, ~4 s a run).

Each test makes its own run(s) and checks everything about them, so that under `pytest -n 2` no run
is made twice.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from altio_runs import LAB_2NODE, LAB_3NODE, REPO, AltioEnv, signalled_mid_run

from harness.report import validate_results

ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"
PROGRESS = re.compile(r"^\s*\[\s*(\d+)/(\d+)\] (pass|FAIL|error|skip)\s+(\S.*) \(\d+\.\d+s\)$")
NOT_TIMING = ("wall_s",)  # everything else of a scenario is decided by the seed and the lab's clock


class Run:
    def __init__(self, proc: subprocess.CompletedProcess, report: Path) -> None:
        self.rc, self.out, self.err, self.report = proc.returncode, proc.stdout, proc.stderr, report

    @property
    def results(self) -> dict:
        return json.loads((self.report / "results.json").read_text())

    def verdicts(self) -> dict[str, str]:
        return {s["id"]: s["verdict"] for s in self.results["scenarios"]}

    def progress(self) -> list[tuple[int, int, str, str]]:
        return [(int(m[1]), int(m[2]), m[3], m[4]) for m in map(PROGRESS.match, self.err.splitlines()) if m]

    def __repr__(self) -> str:  # shown when an assertion about the run fails
        return f"<altio-hil run: exit {self.rc}\n--- stdout\n{self.out}\n--- stderr\n{self.err[-3000:]}>"


def altio_hil_run(env: AltioEnv, report: Path, *args: str) -> Run:
    proc = subprocess.run([str(ALTIO_HIL), "run", "--report", str(report), *args], env=env.environ(),
                          cwd=report.parent, capture_output=True, text=True, timeout=300)
    return Run(proc, report)


def assert_one_progress_line_per_test(run: Run, tests: int) -> None:
    lines = run.progress()
    assert [(n, total) for n, total, _, _ in lines] == [(i, tests) for i in range(1, tests + 1)], run
    marks = {name: mark for _, _, mark, name in lines}
    for sid, verdict in run.verdicts().items():
        if "nemesis" not in sid:  # the randomized schedule is one test with a scenario per step
            assert marks[sid] == {"pass": "pass", "fail": "FAIL"}[verdict], (sid, run)


def test_default_run_passes_and_writes_the_whole_report(tmp_path, altio_env):
    report = tmp_path / "report"
    run = altio_hil_run(altio_env, report, "--seed", "11")
    assert run.rc == 0, run
    results = run.results
    validate_results(results)
    assert (results["lab"], results["target"], results["monitor"], results["seed"]) == \
           ("seed-2node", "sim", "alternateio", 11)
    scenarios = results["scenarios"]
    steps = [s for s in scenarios if "[nemesis seed=11 step" in s["id"]]
    assert len(scenarios) - len(steps) == 32 and steps and {s["verdict"] for s in scenarios} == {"pass"}

    suites = ET.parse(report / "junit.xml").getroot()
    cases = suites.findall(".//testcase")
    assert len(cases) == 36 and not suites.findall(".//failure") + suites.findall(".//error")

    allure = [json.loads(p.read_text()) for p in (report / "allure-results").glob("*-result.json")]
    assert len(allure) == 36 and {r["status"] for r in allure} == {"passed"}
    rows = {s["id"]: s["row"] for s in scenarios}
    for result in allure:
        labels = {x["name"]: x["value"] for x in result["labels"]}
        assert (labels["lab"], labels["target"], labels["monitor"]) == ("seed-2node", "sim", "alternateio")
        scenario = re.fullmatch(r"test_(?:failover_table|combined_faults)\[(.+)\]", result["name"])
        if scenario:  # every scenario test carries its reference-table row (marker altio_row)
            assert labels["row"] == rows[scenario[1]], result["name"]
    assert (report / "allure-results" / "environment.properties").exists()

    index = report / "html" / "index.html"
    assert index.stat().st_size > 0
    # progress while it runs, then the matrix, then where the report is
    assert_one_progress_line_per_test(run, 36)
    out = run.out.splitlines()
    matrix = next(i for i, line in enumerate(out)
                  if re.match(rf"Failover matrix: {len(scenarios)} scenarios  pass {len(scenarios)}  fail 0", line))
    assert out[-2:] == [f"report: {index}", f"results: {report / 'results.json'}"], run
    assert matrix < len(out) - 2
    assert altio_env.ledger() == []


def test_legacy_monitor_fails_exactly_the_s2_and_n2_rows(tmp_path, altio_env):
    run = altio_hil_run(altio_env, tmp_path / "report", "--monitor", "legacy-primary-only", "--no-html")
    assert run.rc == 1, run
    results = run.results
    validate_results(results)
    assert results["monitor"] == "legacy-primary-only"
    scenarios = results["scenarios"]
    failing = {s["id"] for s in scenarios if s["verdict"] != "pass"}
    assert failing and {s["verdict"] for s in scenarios} == {"pass", "fail"}, run
    for s in scenarios:
        if s["id"] in failing:
            # matrix rows S2/N2, and combinations (the combined suite's, the randomized schedule's
            # steps) one of whose parts is S2 or N2: exactly where the two monitors differ
            assert set(s["row"].split("+")) & {"S2", "N2"}, s
        if s["row"] in ("S2", "N2"):
            assert s["id"] in failing, f"{s['id']} passed with the primary-only monitor"
    assert len([s for s in scenarios if s["row"] in ("S2", "N2") and "nemesis" not in s["id"]]) == 4
    suites = ET.parse(tmp_path / "report" / "junit.xml").getroot()
    nemesis_failed = any("nemesis" in sid for sid in failing)
    assert len(suites.findall(".//failure")) == len(failing) - sum("nemesis" in sid for sid in failing) + nemesis_failed
    assert_one_progress_line_per_test(run, 36)
    assert not (tmp_path / "report" / "html").exists()
    assert altio_env.ledger() == []


def test_three_node_matrix_covers_every_node_alternate_and_storage_group(tmp_path, altio_env):
    run = altio_hil_run(altio_env, tmp_path / "report", "--lab", str(LAB_3NODE), "--suite", "matrix", "--no-html")
    assert run.rc == 0, run
    results = run.results
    validate_results(results)
    assert results["lab"] == "tri-altio" and set(run.verdicts().values()) == {"pass"}

    expected = set()
    for node in yaml.safe_load(LAB_3NODE.read_text())["nodes"]:
        name, letter, alternates = node["name"], node["name"][-1], node["alternates"]
        assert len(alternates) == 2
        # the groups AlternateIO names on this node, as sim-3node/main.cf spells them
        for family, groups in (("S", [f"{letter}-db-stor", f"{letter}-log-stor"]), ("N", [f"{letter}-pub-net"])):
            for group in groups:
                expected |= {f"{family}{row}[{name}/{group}]" for row in (1, 2, 4)}
                expected |= {f"{family}3[{name}/{group}/{alt}]" for alt in alternates}
        expected |= {f"D1[{name}]", f"D3[{name}]", f"D4[{name}]", f"D4[{name}/power]"}
        expected |= {f"D2[{name}/{alt}]" for alt in alternates}
    # sparc-a's log group holds a non-critical cache pool: losing it everywhere leaves the group PARTIAL
    expected.add("S4[sparc-a/a-log-stor/partial]")
    assert set(run.verdicts()) == expected
    assert_one_progress_line_per_test(run, len(expected))


def test_a_bad_inventory_exits_2_and_injects_nothing(tmp_path, altio_env):
    text = LAB_2NODE.read_text().replace("main_cf: sim-2node/main.cf",
                                         f"main_cf: {LAB_2NODE.parent / 'sim-2node' / 'main.cf'}")
    bad = tmp_path / "bad.yaml"
    bad.write_text(text.replace("  - name: node2\n", "  - name: node2\n    rack: 4\n"))
    line = bad.read_text().splitlines().index("    rack: 4") + 1
    # a leftover of an earlier run of that lab: a run that got going would heal it
    dead_pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True).stdout)
    altio_env.ledgers.mkdir(parents=True)
    ledger = altio_env.ledgers / "seed-2node-sim.json"
    ledger.write_text(json.dumps([{"kind": "nic_pull", "where": "primary1:nxge3", "pid": dead_pid, "since": 0}]))
    before = ledger.read_bytes()

    run = altio_hil_run(altio_env, tmp_path / "report", "--no-html", "--lab", str(bad))
    assert run.rc == 2, run
    assert f"{bad}:{line}:5: nodes.1.rack: unknown key" in run.err, run
    assert "Traceback" not in run.err
    assert not (tmp_path / "report").exists(), "a run with a bad inventory wrote a report"
    assert ledger.read_bytes() == before and sorted(p.name for p in altio_env.ledgers.iterdir()) == \
           ["seed-2node-sim.json"]


def test_the_same_seed_replays_the_same_run(tmp_path, altio_env):
    first = altio_hil_run(altio_env, tmp_path / "first", "--seed", "2024", "--no-html")
    second = altio_hil_run(altio_env, tmp_path / "second", "--seed", "2024", "--no-html")
    assert first.rc == second.rc == 0, (first, second)

    def decided(run: Run) -> list[dict]:
        return [{k: v for k, v in s.items() if k not in NOT_TIMING} for s in run.results["scenarios"]]

    assert decided(first) == decided(second)
    steps = [s["id"] for s in first.results["scenarios"] if "[nemesis seed=2024 step" in s["id"]]
    assert steps and steps == [s["id"] for s in second.results["scenarios"] if "nemesis" in s["id"]]


@pytest.mark.parametrize("args, message", [
    (["--monitor", "primary-only"], "argument --monitor: 'primary-only' is neither a built-in monitor"),
    (["--target", "kvm"], "the kvm target needs an inventory with `target: kvm`"),
])
def test_bad_options_and_unavailable_targets_inject_nothing(tmp_path, altio_env, args, message):
    run = altio_hil_run(altio_env, tmp_path / "report", "--no-html", *args)
    assert run.rc == 2, run
    assert message in run.err and "Traceback" not in run.err
    assert not (tmp_path / "report").exists() and not altio_env.ledgers.exists()


def test_two_workers_show_progress_against_the_whole_run(tmp_path, altio_env):
    run = altio_hil_run(altio_env, tmp_path / "report", "-n", "2", "--suite", "combo", "--no-html", "--seed", "5")
    assert run.rc == 0, run
    combos = run.verdicts()
    assert len(combos) == 6 and set(combos.values()) == {"pass"}
    assert_one_progress_line_per_test(run, 6)  # "[ n/6]", not "[ n/?]": the controller collects nothing


def test_ctrl_c_stops_the_run_heals_and_exits_130(tmp_path, altio_env):
    report = tmp_path / "report"
    proc, out, err = signalled_mid_run(lambda: subprocess.Popen(
        [str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "matrix"], env=altio_env.environ(),
        cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True), signal.SIGINT)
    assert proc.returncode == 130, (out, err)
    assert re.search(r"altio-hil: interrupted after \d+ scenario\(s\); injected faults were healed", err), err
    assert json.loads((report / "results.json").read_text())["outcome"] == "interrupted"
    assert 'name="altio_outcome" value="interrupted"' in (report / "junit.xml").read_text()
    done = [line for line in err.splitlines() if PROGRESS.match(line)]
    assert len(done) < 25, "the run went on after Ctrl-C"
    assert altio_env.ledger() == []
