"""One scenario is one unit everywhere: progress line, pytest test, Allure test, JUnit test case,
results.json entry, matrix cell; the randomized schedule's steps and the contract tests included.

Also what each unit says of itself (Allure title, parameters, severity, behaviours, failed steps), the
expected outcome "the guest is down everywhere", and the deterministic shards of a run.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from altio_runs import FAST, LAB_2NODE, REPO, AltioEnv

from harness.faults import Fault
from harness.inventory import load_inventory
from harness.oracle import Oracle, Topology
from harness.scenarios import Scenario, play
from harness.targets import open_target
from harness.timing import LabTiming, Windows

ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"
LAB_MULTI = REPO / "inventories" / "sim-multiguest.yaml"
PROGRESS = re.compile(r"^\s*\[\s*(\d+)/(\d+)\] (pass|FAIL|ERR|skip)\s+(\S.*) \(\d+\.\d+s\)$")
PYTEST_TALLY = re.compile(r"^(?:(\d+) failed, )?(\d+) passed(?:, (\d+) skipped)?(?:, \d+ deselected)? in ")


def run(env: AltioEnv, report: Path, *args: str) -> tuple[int, str, dict]:
    proc = subprocess.run([str(ALTIO_HIL), "run", "--report", str(report), "--no-html", *args], env=env.environ(),
                          cwd=report.parent, capture_output=True, text=True, timeout=300)
    results = json.loads((report / "results.json").read_text())
    return proc.returncode, proc.stdout + proc.stderr, results


def progress(out: str) -> list[tuple[int, int, str, str]]:
    return [(int(m[1]), int(m[2]), m[3], m[4]) for m in map(PROGRESS.match, out.splitlines()) if m]


def test_every_scenario_is_one_unit_in_progress_pytest_results_and_junit(tmp_path, altio_env):
    rc, out, results = run(altio_env, tmp_path / "r", "--monitor", "legacy-primary-only", "--seed", "11")
    assert rc == 1, out
    lines = progress(out)
    scenarios, not_run = results["scenarios"], results["not_run"]
    total = len(scenarios) + len(not_run)
    # progress: one line per unit, numbered against the whole run
    assert [(n, t) for n, t, _, _ in lines] == [(i, total) for i in range(1, total + 1)], out
    assert sorted(name for *_, name in lines) == sorted([s["id"] for s in scenarios] + [n["id"] for n in not_run])
    # the randomized schedule's steps and the contract tests are units of their own
    assert sum(s["suite"] == "nemesis" for s in scenarios) + len(not_run) == 14
    assert {s["id"] for s in scenarios if s["suite"] == "contract"} == {
        "contract[online brings value 1 groups up everywhere]",
        "contract[moving the guest runs offline then online and leaves value 0 groups alone]",
        "contract[monitor is unknown when a group cannot be read]"}
    # pytest run directly counts the same units
    proc = subprocess.run([sys.executable, "-m", "pytest", *FAST, "-q", str(REPO / "suites"), "--lab", str(LAB_2NODE),
                           "--seed", "11", "--monitor", "legacy-primary-only", "--altio-report", str(tmp_path / "p")],
                          cwd=REPO, env=altio_env.environ(), capture_output=True, text=True, timeout=300)
    direct = json.loads((tmp_path / "p" / "results.json").read_text())
    assert [s["id"] for s in direct["scenarios"]] == [s["id"] for s in scenarios]
    failed = sum(s["verdict"] != "pass" for s in scenarios)
    tally = next(m for m in map(PYTEST_TALLY.match, proc.stdout.splitlines()) if m)
    assert (int(tally[1] or 0), int(tally[2]), int(tally[3] or 0)) == (failed, len(scenarios) - failed, len(not_run))
    # JUnit: one test case per unit
    cases = ET.parse(tmp_path / "r" / "junit.xml").getroot().iter("testcase")
    assert sorted(c.get("name") for c in cases) == sorted(name for *_, name in lines)
    # the run's one count, on the terminal and on the summary page, is the same units
    failed = sum(s["verdict"] != "pass" for s in scenarios)
    assert (f"{total} scenarios: {len(scenarios) - failed} passed, {failed} failed, 0 errors"
            + (f", {len(not_run)} not run" if not_run else "")) in out
    assert f"failures: {failed} of {total} scenarios" in out
    # under a failure, why it failed
    first_fail = next(i for i, ln in enumerate(out.splitlines()) if " FAIL " in ln and ln.lstrip().startswith("["))
    assert out.splitlines()[first_fail + 1].lstrip().startswith("- expected no failover"), out


def _seed_with_both_controls_killed() -> tuple[int, int]:
    """A seed whose schedule kills the second control domain while the first is down (the guest is then
    down everywhere), and that step's index: a step that needs the whole schedule before it."""
    from harness.nemesis import lab_faults, schedule

    lab, topo, _ = _seed_lab()
    catalogue = lab_faults(topo, True)
    for seed in range(1, 500):
        for step in schedule(seed, catalogue, topo):
            kills = {f.system for f in step.after if f.kind == "domain_kill"}
            if step.action == "inject" and step.fault.kind == "domain_kill" and {"primary1", "primary2"} <= kills:
                return seed, step.index
    raise AssertionError("no schedule kills both control domains")


def test_a_step_of_the_schedule_run_alone_is_judged_as_in_the_whole_run(tmp_path, altio_env):
    seed, index = _seed_with_both_controls_killed()
    _, _, whole = run(altio_env, tmp_path / "whole", "--suite", "nemesis", "--seed", str(seed))
    steps = {s["id"]: s for s in whole["scenarios"]}
    assert len(steps) == 14 and all(re.match(rf"nemesis-step\d\d\[seed={seed}: (inject|heal) ", i) for i in steps)
    alone_rc, out, alone = run(altio_env, tmp_path / "alone", "--suite", "nemesis", "--seed", str(seed),
                               "-k", f"step{index:02d}")
    assert alone_rc == 0, out
    [step] = alone["scenarios"]
    same = ("id", "row", "node", "faults", "expected", "observed", "verdict", "problems")
    assert {k: step[k] for k in same} == {k: steps[step["id"]][k] for k in same}
    assert step["expected"]["down_everywhere"] is True and step["observed"]["ldom_system"] == ""
    assert step["verdict"] == "pass"


def test_after_a_monitor_failure_the_heals_are_played_and_reported_not_judged(tmp_path, altio_env):
    rc, out, results = run(altio_env, tmp_path / "r", "--lab", str(LAB_MULTI), "--suite", "nemesis",
                           "--monitor", "legacy-primary-only", "--seed", "3")
    assert rc == 1, out
    # one test per step and guest in a lab of three guests
    ids = [s["id"] for s in results["scenarios"]] + [n["id"] for n in results["not_run"]]
    assert len(ids) == 42 and all(i.split(":", 1)[0] in ("ldomsg1", "ldomsg2", "ldomsg3") for i in ids)
    failed = [s for s in results["scenarios"] if s["verdict"] == "fail"]
    assert failed and all({"S2", "N2"} & set(s["row"].split("+")) for s in failed)
    first = min(int(re.search(r"step(\d\d)", s["id"])[1]) for s in failed)
    skipped = results["not_run"]
    assert skipped and all(f"off the oracle's course since step {first:02d}" in n["reason"] for n in skipped)
    assert all("heal" in n["id"] for n in skipped)
    marks = {name: mark for *_, mark, name in progress(out)}
    assert {marks[n["id"]] for n in skipped} == {"skip"}


def _seed_lab():
    lab = load_inventory(LAB_2NODE)
    topo = Topology(lab.config, lab.nodes)
    return lab, topo, Oracle(topo, Windows.from_timing(LabTiming.from_config(lab.config, {})))


def test_a_guest_no_node_can_take_is_expected_and_shown_down_everywhere(altio_env):
    lab, topo, oracle = _seed_lab()
    both = [Fault("domain_kill", "primary1"), Fault("domain_kill", "primary2")]
    expected = oracle.expect(both, "primary1")
    assert expected.failover and expected.down_everywhere
    assert expected.to_json() == {"failover": True, "alternateio": "OFFLINE", "ldom_system": None,
                                  "down_everywhere": True}
    assert not oracle.expect(both[:1], "primary1").down_everywhere
    target = open_target(lab, "sim", "alternateio", 1)
    try:
        result = play(target, oracle, Scenario("both-controls", "D3", "node1", "primary1", "", tuple(both)))
    finally:
        target.close()
    assert result["verdict"] == "pass", result["problems"]
    assert result["expected"]["down_everywhere"] and result["observed"]["ldom_system"] == ""


def test_a_guest_that_comes_up_where_none_can_take_it_is_a_failure(altio_env):
    """The judge, not only the expectation: told the guest must be down everywhere while it runs, it says so."""
    from harness.scenarios import observe

    lab, topo, oracle = _seed_lab()
    target = open_target(lab, "sim", "alternateio", 1)
    try:
        t0 = target.now()
        target.inject(Fault("domain_kill", "primary1"))
        target.wait(oracle.windows.failover_s)
        expected = oracle.expect([Fault("domain_kill", "primary1"), Fault("domain_kill", "primary2")], "primary1")
        _, problems = observe(target, topo, Scenario("x", "D3", "node1", "primary1", ""), expected, t0)
    finally:
        target.close()
    assert "expected ldomsg down everywhere (no node can take it), it is ONLINE on primary2" in problems


def collect(tmp_path: Path, *args: str) -> list[dict]:
    out = tmp_path / f"collect-{len(list(tmp_path.glob('collect-*')))}.json"
    proc = subprocess.run([sys.executable, "-m", "pytest", *FAST, "-q", "--collect-only", str(REPO / "suites"),
                           "--lab", str(LAB_2NODE), "--seed", "5", "--altio-collect", str(out), *args],
                          cwd=REPO, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(out.read_text())


def test_the_listing_names_every_scenario_with_its_suite_faults_and_plan(tmp_path, altio_env):
    listing = collect(tmp_path)
    assert {x["suite"] for x in listing} == {"matrix", "combo", "nemesis", "contract"}
    assert len(listing) == len({x["id"] for x in listing}) == 26 + 6 + 14 + 3
    s4 = next(x for x in listing if x["id"] == "S4[node1/primary1-strsg]")
    assert s4["faults"] == [{"kind": "zpool_offline", "where": "primary1:zfsprim"},
                            {"kind": "zpool_offline", "where": "alternate1:zfsmirr"}]
    assert s4["plan"] == "storage SG faulted on control and alternate: failover (guest ldomsg starting on primary1)"
    assert s4["action"] == "inject" and s4["test"].endswith("[S4[node1/primary1-strsg]]")
    # -k selects by suite and by the id the reports show
    assert {x["id"] for x in collect(tmp_path, "-k", "contract")} == {x["id"] for x in listing if x["suite"] == "contract"}
    assert len(collect(tmp_path, "-k", "nemesis and step1")) == 4
    step = next(x for x in listing if x["id"].startswith("nemesis-step00[seed=5: inject "))
    assert "faults in force after the step:" in step["plan"] and step["faults"] == [step["faults"][0]]


def test_shards_split_the_scenarios_deterministically_and_cover_them_once(tmp_path, altio_env):
    whole = [x["id"] for x in collect(tmp_path)]
    shards = [[x["id"] for x in collect(tmp_path, "--altio-shard", f"{k}/3")] for k in (1, 2, 3)]
    assert sorted(sum(shards, [])) == sorted(whole)
    assert all(s for s in shards) and sum(map(len, shards)) == len(whole)  # disjoint, none empty
    assert [x["id"] for x in collect(tmp_path, "--altio-shard", "2/3")] == shards[1]  # same seed, same split
    assert all(any(i.startswith("nemesis") for i in s) and any(i.startswith("S") for i in s) for s in shards)


def test_allure_results_say_what_each_scenario_is(tmp_path, altio_env):
    report = tmp_path / "r"
    rc, out, results = run(altio_env, report, "--monitor", "legacy-primary-only", "--seed", "11",
                           "-k", "S2 or S4 or step00 or monitor_is_unknown")
    assert rc == 1, out
    tests = {}
    for path in (report / "allure-results").glob("*-result.json"):
        doc = json.loads(path.read_text())
        tests[doc["name"]] = doc
    assert set(tests) == {s["id"] for s in results["scenarios"]}  # titled by the scenario's id
    s2 = tests["S2[node1/primary1-strsg]"]
    labels = {(x["name"], x["value"]) for x in s2["labels"]}
    assert {("severity", "critical"), ("epic", "failover table"), ("feature", "storage service groups"),
            ("story", "S2: storage SG faulted on control, online on alternate: no failover"),
            ("scenario", "S2[node1/primary1-strsg]"), ("host", "seed-2node (sim)"),
            ("tag", "no failover expected")} <= labels
    assert ("tag", "S2") not in labels
    params = {p["name"]: p for p in s2["parameters"]}
    assert params["node"]["value"] == "'node1'" and params["group"]["value"] == "'primary1-strsg'"
    assert "zpool_offline primary1:zfsprim" in params["faults"]["value"]
    assert params["altio_scenario"].get("mode") == "hidden" and "Scenario(" not in json.dumps(s2["parameters"])
    assert s2["description"].startswith("storage SG faulted on control, online on alternate: no failover")
    assert s2["status"] == "failed"
    steps = {st["name"]: st["status"] for st in s2["steps"]}
    assert steps["assert against the oracle"] == "failed" and steps["heal and restore the steady state"] == "passed"
    s4 = tests["S4[node1/primary1-strsg]"]
    assert ("severity", "blocker") in {(x["name"], x["value"]) for x in s4["labels"]}
    assert {st["name"]: st["status"] for st in s4["steps"]}["assert against the oracle"] == "passed"
    contract = tests["contract[monitor is unknown when a group cannot be read]"]
    assert ("epic", "entry-point contract") in {(x["name"], x["value"]) for x in contract["labels"]}
    # teardown: no nameless, statusless finalizers of pytest's own
    afters = [a for path in (report / "allure-results").glob("*-container.json")
              for a in json.loads(path.read_text()).get("afters", [])]
    assert afters and not [a["name"] for a in afters if "<lambda>" in a["name"] or a.get("status") is None]


@pytest.mark.parametrize("monitor, failing", [("offline-does-nothing", "moving the guest runs offline then online")])
def test_a_failed_contract_test_is_a_failed_scenario_with_its_reason(tmp_path, altio_env, monitor, failing):
    rc, out, results = run(altio_env, tmp_path / "r", "--suite", "contract", "--monitor", monitor)
    assert rc == 1, out
    contract = {s["id"]: s for s in results["scenarios"]}
    assert len(contract) == 3 and {s["row"] for s in contract.values()} == {"contract"}
    [bad] = [s for s in contract.values() if s["verdict"] == "fail"]
    assert failing in bad["id"] and bad["problems"][0].startswith("AlternateIO's entry point was ineffective: ")
    assert bad["observed"]["ldom_system"] in ("primary1", "primary2")
    assert "3 scenarios: 2 passed, 1 failed, 0 errors" in out


def test_a_listing_of_a_real_lab_touches_no_lab(tmp_path, altio_env):
    """--list/--dry-run of a sparc lab collect only: no connection (none is up here), no lease, no ledger."""
    lab = REPO / "inventories" / "sparc-sim-2node.yaml"
    proc = subprocess.run([str(ALTIO_HIL), "run", "--lab", str(lab), "--dry-run", "--seed", "5"], env=altio_env.environ(),
                          cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "scenarios would run; nothing was run" in proc.stdout and "nemesis-step13[seed=5:" in proc.stdout
    assert not altio_env.ledgers.exists() or not any(altio_env.ledgers.iterdir())


def test_a_step_judged_with_the_guest_down_everywhere_lands_in_its_groups_column(tmp_path, altio_env):
    """Seed 5's schedule injects a pool fault while no node can run the guest: that step's rows are
    about the pool's storage group, not a column of its own (which showed as matrix cells not run)."""
    rc, out, results = run(altio_env, tmp_path / "r", "--monitor", "legacy-primary-only", "--seed", "5")
    assert rc == 1, out
    assert "failover matrix: 24 cells, 0 not run" in out
    down = [s for s in results["scenarios"] if s["expected"].get("down_everywhere") and s["row"][0] in "SN"]
    assert down and all(s["group"] for s in down)
