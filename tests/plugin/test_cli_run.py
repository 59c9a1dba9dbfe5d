"""`altio-hil run` end to end on the sim tier, as a user runs it (a subprocess, ~4 s a run).

Each test makes its own run(s) and checks everything about them, so that under `pytest -n 2` no run
is made twice. What a run prints, in order, on stdout: its header, one progress line per scenario,
the failures (why each failed), the matrix with the run's one count, the outcome, and where
results.json, junit.xml, summary.html and the HTML report are.
"""

from __future__ import annotations

import json
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
import yaml
from altio_runs import LAB_2NODE, LAB_3NODE, REPO, AltioEnv

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
        return [(int(m[1]), int(m[2]), m[3], m[4]) for m in map(PROGRESS.match, self.out.splitlines()) if m]

    def paths(self) -> dict[str, str]:
        """The files the run says it wrote: its last lines, `results: PATH`, `junit: PATH`, ..."""
        return dict(re.findall(r"^(results|junit|summary|report): +(\S.*)$", self.out, re.M))

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
        assert marks[sid] == {"pass": "pass", "fail": "FAIL"}[verdict], (sid, run)


def assert_the_run_says_where_its_files_are(run: Run, html: bool = True) -> None:
    """The last lines: results.json, junit.xml, summary.html (and the HTML report), each written."""
    names = ["results", "junit", "summary", *(["report"] if html else [])]
    tail = run.out.rstrip("\n").splitlines()[-len(names):]
    assert [line.split(":", 1)[0] for line in tail] == names, run
    expected = {"results": "results.json", "junit": "junit.xml", "summary": "summary.html",
                "report": "html/index.html"}
    for name, path in run.paths().items():
        assert path == str(run.report / expected[name]) and Path(path).is_file(), (name, path)


def assert_fits_80_columns(run: Run) -> None:
    """Every line the command prints fits 80 columns, but for the paths under the test's directory
    (the plugin's progress lines are its own tests' business)."""
    wide = [line for line in (run.out + run.err).splitlines()
            if len(line) > 80 and str(run.report.parent) not in line and not PROGRESS.match(line)]
    assert not wide, wide


def test_default_run_passes_and_writes_the_whole_report(tmp_path, altio_env):
    report = tmp_path / "report"
    run = altio_hil_run(altio_env, report, "--seed", "11")
    assert run.rc == 0, run
    results = run.results
    validate_results(results)
    assert (results["lab"], results["target"], results["monitor"], results["seed"]) == \
           ("seed-2node", "sim", "alternateio", 11)
    scenarios = results["scenarios"]
    assert {s["verdict"] for s in scenarios} == {"pass"}
    n = len(scenarios)  # one scenario is one unit everywhere: progress, JUnit, Allure, the count

    suites = ET.parse(report / "junit.xml").getroot()  # written from results.json
    cases = suites.findall(".//testcase")
    assert len(cases) == n and not suites.findall(".//failure") + suites.findall(".//error")
    assert sorted(c.get("name") for c in cases) == sorted(s["id"] for s in scenarios)

    allure = [json.loads(p.read_text()) for p in (report / "allure-results").glob("*-result.json")]
    assert len(allure) == n and {r["status"] for r in allure} == {"passed"}
    for result in allure:
        labels = {x["name"]: x["value"] for x in result["labels"]}
        assert (labels["lab"], labels["target"], labels["monitor"]) == ("seed-2node", "sim", "alternateio")
    assert (report / "allure-results" / "environment.properties").exists()

    index = report / "html" / "index.html"
    assert index.stat().st_size > 0
    # the header, progress while it runs, then the matrix with the one count, the outcome, the files
    out = run.out.splitlines()
    assert out[0].startswith("altio-hil: lab seed-2node (") and "seed 11" in run.out.split("\n  [")[0], run
    assert_one_progress_line_per_test(run, n)
    count = out.index(f"{n} scenarios: {n} passed, 0 failed, 0 errors")
    assert count > max(i for i, line in enumerate(out) if PROGRESS.match(line))
    assert not any(line.startswith("failures:") for line in out)  # nothing failed: no failures block
    outcome = next(i for i, line in enumerate(out) if line.startswith("outcome: passed ("))
    assert count < outcome < len(out) - 4
    assert_the_run_says_where_its_files_are(run)
    assert run.paths()["report"] == str(index)
    assert "passed in" not in run.out  # pytest's own count is not a second one
    assert_fits_80_columns(run)
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
    suites = ET.parse(tmp_path / "report" / "junit.xml").getroot()  # from results.json: a case per scenario
    assert len(suites.findall(".//failure")) == len(failing)
    assert_one_progress_line_per_test(run, len(run.progress()))

    # why each scenario failed, before the matrix: the failures block, then the one count
    out = run.out.splitlines()
    skipped = run.results["not_run"]  # heals after a failed step: played, not judged
    units = len(scenarios) + len(skipped)
    block = out.index(f"failures: {len(failing)} of {units} scenarios")
    count = out.index(f"{units} scenarios: {len(scenarios) - len(failing)} passed, "
                      f"{len(failing)} failed, 0 errors" + (f", {len(skipped)} not run" if skipped else ""))
    assert max(i for i, line in enumerate(out) if PROGRESS.match(line)) < block < count, run
    said = out[block:count]
    first = said.index("FAIL S2[node1/primary1-strsg]")
    assert said[first + 1] == "  - expected no failover, ldomsg moved to primary2", said
    assert {f"FAIL {sid}" for sid in failing} <= set(said)
    assert_the_run_says_where_its_files_are(run, html=False)
    assert not (tmp_path / "report" / "html" / "index.html").exists()
    assert_fits_80_columns(run)
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
    assert_fits_80_columns(run)


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
    steps = [s["id"] for s in first.results["scenarios"] if "nemesis" in s["id"] and "seed=2024" in s["id"]]
    assert steps and steps == [s["id"] for s in second.results["scenarios"] if "nemesis" in s["id"]]


@pytest.mark.parametrize("args, message", [
    (["--monitor", "primary-only"], "argument --monitor: 'primary-only' is neither a built-in monitor"),
    (["--target", "kvm"], "the kvm target needs an inventory with `target: kvm`"),
])
def test_bad_options_and_unavailable_targets_inject_nothing(tmp_path, altio_env, args, message):
    run = altio_hil_run(altio_env, tmp_path / "report", "--no-html", *args)
    assert run.rc == 2, run
    assert message in " ".join(run.err.split()) and "Traceback" not in run.err
    assert not (tmp_path / "report").exists() and not altio_env.ledgers.exists()


def test_two_workers_show_progress_against_the_whole_run(tmp_path, altio_env):
    run = altio_hil_run(altio_env, tmp_path / "report", "-n", "2", "--suite", "combo", "--no-html", "--seed", "5")
    assert run.rc == 0, run
    combos = run.verdicts()
    assert len(combos) == 6 and set(combos.values()) == {"pass"}
    assert_one_progress_line_per_test(run, 6)  # "[ n/6]", not "[ n/?]": the controller collects nothing
    assert "6 scenarios: 6 passed, 0 failed, 0 errors" in run.out.splitlines()
    assert "bringing up nodes" not in run.out  # pytest-xdist's status line, twice on a pipe


def _interrupted_after(argv: list[str], env: dict, cwd: Path, scenarios: int,
                       sig: int = signal.SIGINT) -> tuple[int, str, str]:
    """Start `altio-hil run`, send it `sig` once `scenarios` progress lines are out, let it end."""
    proc = subprocess.Popen(argv, env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        seen, head = 0, []
        while seen < scenarios:
            line = proc.stdout.readline()
            assert line, ("the run ended before it was signalled", head, proc.stderr.read())
            head.append(line)
            seen += bool(PROGRESS.match(line.rstrip("\n")))
        proc.send_signal(sig)
        out, err = proc.communicate(timeout=120)
    finally:
        proc.kill()
        proc.wait()
    return proc.returncode, "".join(head) + out, err


def test_ctrl_c_prints_what_ran_heals_and_exits_130(tmp_path, altio_env):
    """A real SIGINT to a running `altio-hil run` (the script agent: ~0.5 s a scenario): no pytest
    KeyboardInterrupt banner or traceback; the scenarios done so far as the matrix with its count,
    the faults healed, results.json and junit.xml saying "interrupted", exit 130."""
    report = tmp_path / "report"
    argv = [str(ALTIO_HIL), "run", "--report", str(report), "--no-html", "--suite", "matrix",
            "--monitor", str(REPO / "agents" / "AlternateIO"), "--seed", "3"]
    # where the script agent's homes go (each lab's temporary directory, with a unix socket in it: a
    # short path, as AF_UNIX wants)
    tmp = Path(tempfile.mkdtemp(prefix="ai-", dir="/tmp"))
    try:
        rc, out, err = _interrupted_after(argv, {**altio_env.environ(), "TMPDIR": str(tmp)}, tmp_path, scenarios=2)
        # the interrupted lab's agent homes are gone too, even when Ctrl-C came while it booted
        left = list(tmp.glob("altio-agent-*"))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    assert rc == 130, (rc, out, err)
    assert not left, left
    assert "KeyboardInterrupt" not in out + err and "Traceback" not in out + err, (out, err)
    assert "!!!" not in out + err, out  # no pytest banner of any kind

    results = json.loads((report / "results.json").read_text())
    assert results["outcome"] == "interrupted"
    done = len(results["scenarios"])
    assert 2 <= done < 26, "the run went on after Ctrl-C"
    # what ran: the partial matrix with its count (cells not run marked --), then where the files are
    lines = out.splitlines()
    assert f"{done} scenarios: {done} passed, 0 failed, 0 errors" in lines, out
    assert "storage service groups (in AlternateIO's StorageSG)" in lines and "  --" in out
    assert any(line.startswith("outcome: interrupted (") for line in lines), out
    said = " ".join(err.split())
    assert f"altio-hil: interrupted (Ctrl-C) after {done} scenario(s); injected faults were healed" in said, err
    assert 'name="altio_outcome" value="interrupted"' in (report / "junit.xml").read_text()
    assert (report / "summary.html").is_file() and not (report / "html" / "index.html").exists()
    assert [line.split(":")[0] for line in lines[-3:]] == ["results", "junit", "summary"], out
    assert not [line for line in (out + err).splitlines() if len(line) > 80 and str(tmp_path) not in line]
    assert altio_env.ledger() == []
