"""pytest-xdist support (workers' results reach results.json, same verdicts as one process) and the
plugin's markers (`altio_row` labels, `destructive` on shared labs)."""

from __future__ import annotations

import json
import re
import sys

import pytest
from altio_runs import FAST, LAB_2NODE, MATRIX_SUITE

from harness.report import validate_results

SAME = ("id", "row", "faults", "expected", "observed", "verdict", "detect_s", "failover_s", "clock_s")


def _matrix_run(pytester, altio_env, name: str, *workers: str):
    report = pytester.path / name
    result = pytester.runpytest_subprocess(*FAST, str(MATRIX_SUITE), "-k", "S1 or S2", "-v", "--seed", "3",
                                           "--monitor", "legacy-primary-only", "--altio-report", str(report),
                                           *workers)
    results = json.loads((report / "results.json").read_text())
    validate_results(results)
    return result, results


def test_two_workers_give_the_verdicts_of_one(pytester, altio_env):
    """With the legacy monitor the S2 rows fail and the S1 rows pass: both kinds of verdict must travel."""
    two, by_two = _matrix_run(pytester, altio_env, "n2", "-n", "2")
    assert two.ret == pytest.ExitCode.TESTS_FAILED
    ran_on: dict[str, set[str]] = {}
    for line in two.outlines:
        m = re.match(r"\[(gw\d)\] .*(PASSED|FAILED) .*test_failover_table\[(.+)\]\s*$", line)
        if m:
            ran_on.setdefault(m[1], set()).add(m[3])
    assert set(ran_on) == {"gw0", "gw1"}, f"not every worker ran a scenario: {ran_on}"
    ids = {s["id"] for s in by_two["scenarios"]}
    assert ids == ran_on["gw0"] | ran_on["gw1"], "a worker's results are missing from results.json"
    assert {s["row"] for s in by_two["scenarios"]} == {"S1", "S2"} and len(ids) == 4

    one, by_one = _matrix_run(pytester, altio_env, "n1", "-p", "no:xdist")
    assert one.ret == pytest.ExitCode.TESTS_FAILED
    assert [{k: s[k] for k in SAME} for s in by_two["scenarios"]] == \
           [{k: s[k] for k in SAME} for s in by_one["scenarios"]]
    assert {s["verdict"] for s in by_one["scenarios"] if s["row"] == "S2"} == {"fail"}
    assert {s["verdict"] for s in by_one["scenarios"] if s["row"] == "S1"} == {"pass"}
    assert by_two["seed"] == by_one["seed"] == 3 and by_two["monitor"] == "legacy-primary-only"
    assert altio_env.ledger() == []


def test_altio_row_labels_the_allure_result(pytester, altio_env):
    pytester.makepyfile("""
        import pytest

        @pytest.mark.altio_row("N3")
        def test_row(altio_report):
            with altio_report.step("a step"):
                pass
    """)
    allure_dir = pytester.path / "allure"
    result = pytester.runpytest_subprocess(*FAST, "--alluredir", str(allure_dir), "--monitor", "legacy-primary-only")
    result.assert_outcomes(passed=1)
    [path] = allure_dir.glob("*-result.json")
    labels = {(x["name"], x["value"]) for x in json.loads(path.read_text())["labels"]}
    assert {("row", "N3"), ("lab", "seed-2node"), ("target", "sim"), ("host", "seed-2node (sim)"),
            ("monitor", "legacy-primary-only")} <= labels
    assert ("tag", "N3") not in labels  # the row is a label of its own, not repeated as a tag


def test_a_kvm_run_on_an_inventory_that_is_not_kvm_is_refused_before_any_test(pytester, altio_env):
    """The kvm target needs a kvm inventory (its timing, its VMs): a sim inventory with --target kvm is
    bad input (exit 2) reported once at session start; no scenario runs and nothing is injected."""
    result = pytester.runpytest_subprocess(*FAST, str(MATRIX_SUITE), "--lab", str(LAB_2NODE), "--target", "kvm",
                                           "-k", "S1 or D3", "-rsE")
    assert result.ret == 2
    out = result.stdout.str() + result.stderr.str()
    assert "the kvm target needs an inventory with `target: kvm`" in out and "Traceback" not in out
    assert "passed" not in out and "failed" not in out
    assert not altio_env.ledgers.exists() or altio_env.ledger(target="kvm") == []


def _error_sections(out: str) -> dict[str, list[str]]:
    """Scenario id -> the lines of its "ERROR at setup" section."""
    sections: dict[str, list[str]] = {}
    current = None
    for line in out.splitlines():
        m = re.match(r"_+ ERROR at setup of test_failover_table\[(.+)\] _+$", line)
        if m:
            current = sections.setdefault(m[1], [])
        elif re.match(r"=+ ", line):
            current = None
        elif current is not None and line.strip():
            current.append(line.strip())
    return sections


def test_two_sessions_in_one_process_report_only_their_own_scenarios(pytester, altio_env):
    """The plugin keeps results in module state; a second pytest.main in the same process (a library
    caller, a notebook) must not report the first session's scenarios again."""
    script = pytester.makepyfile(twice=f"""
        import sys

        import pytest

        for name, rows in (("first", "S1"), ("second", "S2")):
            pytest.main([{str(MATRIX_SUITE)!r}, "-q", "-p", "no:xdist", *{FAST!r}, "-k", rows,
                         "--altio-report", name])
    """)
    pytester.run(sys.executable, str(script))
    first = json.loads((pytester.path / "first" / "results.json").read_text())
    second = json.loads((pytester.path / "second" / "results.json").read_text())
    assert {s["row"] for s in first["scenarios"]} == {"S1"}
    assert {s["row"] for s in second["scenarios"]} == {"S2"} and len(second["scenarios"]) == 2
