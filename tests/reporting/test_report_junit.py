"""junit.xml from results.json: one testcase per scenario, its facts as properties, the run's suite."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from harness.report import write_junit
from harness.report.junit import classname_of


def scenario(sid, row="S2", verdict="pass", problems=(), **extra) -> dict:
    sc = {
        "id": sid, "row": row, "node": "node1", "guest": "ldomsg", "group": "stgsg",
        "faults": [{"kind": "zpool_offline", "where": "primary1:zfsprim"}, {"kind": "nic_pull", "where": "alternate1"}],
        "expected": {"failover": False, "alternateio": "ONLINE"},
        "observed": {"failover": verdict != "pass", "alternateio": "FAULTED", "ldom_system": "primary2"},
        "verdict": verdict, "problems": list(problems), "detect_s": 61.5, "failover_s": None,
        "clock": "virtual", "clock_s": 300.0, "wall_s": 0.25,
    }
    sc.update(extra)
    return sc


def results(*scenarios, **extra) -> dict:
    return {"lab": "seed-2node", "target": "sim", "monitor": "legacy-primary-only", "seed": 7,
            "outcome": "failed", "harness_errors": [], "scenarios": list(scenarios), **extra}


def parse(path):
    root = ET.parse(path).getroot()
    return root, root.find("testsuite")


def props(el) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for p in el.findall("properties/property"):
        out.setdefault(p.get("name"), []).append(p.get("value"))
    return out


def test_one_testcase_per_scenario_of_every_kind_with_counts_a_consumer_reads(tmp_path):
    doc = results(
        scenario("S1[node1/stgsg]", "S1"),
        scenario("S2[node1/stgsg]", "S2", "fail", ["expected no failover, ldomsg moved to primary2",
                                                    "guest I/O stopped 1 time(s), first at 50.0s for 15.0s"]),
        scenario("N2+S3[node1/x]", "N2+S3"),
        scenario("D3[nemesis seed=7 step 02: domain_kill primary1]", "D3", "error", ["lab unreachable"]),
        scenario("contract[monitor]", "contract", wall_s=1.5),
        scenario("heal[nemesis seed=7 step 03]", "heal"),
        not_run=[{"id": "S4[node2/stgsg]", "reason": "deselected by -k node1"}],
        harness_errors=[{"test": "suites/test_nemesis.py::test_schedule", "error": "KeyError: 'x'\nTraceback"}],
    )
    path = write_junit(tmp_path / "junit.xml", doc)
    assert path == tmp_path / "junit.xml"
    root, suite = parse(path)
    cases = suite.findall("testcase")
    # what a JUnit consumer (Jenkins, GitLab) counts: tests = cases, failures/errors/skipped = their children
    n_fail = sum(1 for c in cases if c.find("failure") is not None)
    n_err = sum(1 for c in cases if c.find("error") is not None)
    n_skip = sum(1 for c in cases if c.find("skipped") is not None)
    assert (len(cases), n_fail, n_err, n_skip) == (8, 1, 2, 1)
    for el in (root, suite):
        assert (el.get("tests"), el.get("failures"), el.get("errors"), el.get("skipped")) == ("8", "1", "2", "1")
        assert float(el.get("time")) == pytest.approx(0.25 * 5 + 1.5)
    assert root.tag == "testsuites" and root.get("name") == "altio-hil"
    assert len(root.findall("testsuite")) == 1
    assert suite.get("name") == "seed-2node (sim, legacy-primary-only)"
    # the scenarios, in results order, then the not-run ones, then the harness errors
    assert [c.get("name") for c in cases[:6]] == [s["id"] for s in doc["scenarios"]]
    assert [c.get("classname") for c in cases] == [
        "altio.storage", "altio.storage", "altio.combo", "altio.domains", "altio.contract", "altio.heal",
        "altio.not_run", "altio.harness"]
    assert cases[4].get("time") == "1.500"
    failure = cases[1].find("failure")
    assert failure.get("message") == "expected no failover, ldomsg moved to primary2"
    assert failure.text.splitlines() == doc["scenarios"][1]["problems"]
    assert cases[3].find("error").get("message") == "lab unreachable"
    assert cases[6].find("skipped").get("message") == "deselected by -k node1"
    assert cases[7].get("name") == "suites/test_nemesis.py::test_schedule"
    assert cases[7].find("error").get("message") == "KeyError: 'x'" and "Traceback" in cases[7].find("error").text


def test_each_testcase_has_its_facts_as_separate_properties(tmp_path):
    doc = results(scenario("S2[node1/stgsg]", "S2", "fail", ["p"], failover_s=12.0))
    _, suite = parse(write_junit(tmp_path / "junit.xml", doc))
    p = props(suite.find("testcase"))
    assert {k: v[0] for k, v in p.items()} == {
        "row": "S2", "node": "node1", "guest": "ldomsg", "group": "stgsg",
        "faults": "zpool_offline primary1:zfsprim; nic_pull alternate1",
        "expected_failover": "false", "expected_alternateio": "ONLINE",
        "expected_ldom_system": "", "expected_down_everywhere": "false",
        "observed_failover": "true", "observed_alternateio": "FAULTED", "observed_ldom_system": "primary2",
        "detect_s": "61.5", "failover_s": "12.0", "clock": "virtual", "clock_s": "300.0",
    }
    assert all(not v[0].startswith("{") for v in p.values())  # no JSON blob


def test_the_suite_says_lab_target_monitor_seed_and_outcome(tmp_path):
    doc = results(scenario("a"), outcome="error",
                  harness_errors=[{"test": "t1", "error": "boom"}, {"test": "t2", "error": "bang"}])
    _, suite = parse(write_junit(tmp_path / "junit.xml", doc))
    p = props(suite)
    assert p["lab"] == ["seed-2node"] and p["target"] == ["sim"] and p["monitor"] == ["legacy-primary-only"]
    assert p["seed"] == ["7"] and p["outcome"] == ["error"] and p["altio_outcome"] == ["error"]
    assert p["altio_harness_error"] == ["t1: boom", "t2: bang"]
    assert suite.get("name") != "pytest"


def test_any_text_gives_valid_xml(tmp_path):
    nasty = "a\x00b\x01c\x1b[31m <&>\"' \u00e9\u2603 \ud800 \ufffe end"
    doc = results(scenario(f"S2[{nasty}]", "S2", "fail", [nasty, "second"], node=nasty),
                  lab=f"lab{nasty}", harness_errors=[{"test": nasty, "error": nasty}])
    path = write_junit(tmp_path / "junit.xml", doc)
    raw = path.read_bytes()
    assert raw.startswith(b"<?xml") and b"\x00" not in raw and b"\x01" not in raw and b"\x1b" not in raw
    _, suite = parse(path)  # parses: XML 1.0 well formed
    case = suite.find("testcase")
    assert case.get("name") == "S2[abc[31m <&>\"' \u00e9\u2603   end]"
    assert case.find("failure").get("message") == "abc[31m <&>\"' \u00e9\u2603   end"
    assert not list(tmp_path.glob("*.tmp"))


def test_an_empty_run_is_an_empty_suite(tmp_path):
    root, suite = parse(write_junit(tmp_path / "j" / "junit.xml", results(outcome="passed")))
    assert root.get("tests") == "0" and suite.findall("testcase") == [] and props(suite)["outcome"] == ["passed"]


@pytest.mark.parametrize("sc, name", [
    ({"row": "S3"}, "altio.storage"), ({"row": "N1"}, "altio.network"), ({"row": "D2"}, "altio.domains"),
    ({"row": "S2+N3"}, "altio.combo"), ({"row": "nemesis"}, "altio.nemesis"), ({}, "altio.other"),
    ({"row": "S2", "suite": "failover matrix"}, "altio.failover_matrix"),
])
def test_classname_is_the_suite_or_the_row_family(sc, name):
    assert classname_of(sc) == name


def test_the_expected_landing_and_a_guest_down_everywhere_are_properties(tmp_path):
    down = scenario("nemesis-step01[seed=1: inject domain_kill primary2]", "D3", expected={
        "failover": True, "alternateio": "OFFLINE", "ldom_system": None, "down_everywhere": True})
    root = ET.parse(write_junit(tmp_path / "junit.xml", results(down))).getroot()
    props = {p.get("name"): p.get("value") for p in root.find(".//testcase").iter("property")}
    assert props["expected_down_everywhere"] == "true" and props["expected_ldom_system"] == ""
