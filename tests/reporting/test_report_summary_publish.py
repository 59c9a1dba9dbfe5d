"""publish(): what a report directory gets after its results.json, for `run` and `report merge` alike."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

import pytest

from harness.report import allure as allure_mod
from harness.report import publish, read_allure_environment, write_allure_environment
from harness.report.publish import DISTRIBUTION_ATTACHMENT, HISTORY_FILE

TITLE = "altio-hil: seed-2node (sim, legacy-primary-only)"


def scenario(sid, row, verdict="pass", **extra):
    return {"id": sid, "row": row, "node": "node1", "group": "primary1-strsg", "verdict": verdict,
            "faults": [{"kind": "zpool_offline", "where": "primary1:zfsprim"}],
            "expected": {"failover": False, "alternateio": "ONLINE"},
            "observed": {"failover": verdict != "pass", "alternateio": "ONLINE", "ldom_system": "primary1"},
            "detect_s": 50.0, "failover_s": 65.0, "clock": "virtual", "clock_s": 180.0, "wall_s": 0.01,
            "problems": [] if verdict == "pass" else ["expected no failover, ldomsg moved to primary2"], **extra}


def make_report(tmp_path: Path, with_allure: bool = True) -> tuple[Path, dict]:
    """A report directory as `run` leaves it before publishing: results.json, timelines/, allure-results/."""
    report = tmp_path / "report"
    (report / "timelines").mkdir(parents=True)
    (report / "timelines" / "S2.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'><g id='S2TL'/></svg>")
    scenarios = [scenario("S1[node1/primary1-strsg]", "S1"),
                 scenario("S2[node1/primary1-strsg]", "S2", "fail", timeline_svg="../timelines/S2.svg")]
    results = {"lab": "seed-2node", "target": "sim", "monitor": "legacy-primary-only", "seed": 7,
               "outcome": "failed", "harness_errors": [], "scenarios": scenarios,
               "agent": {"monitor": "alternateio", "files": {"primary1": {"monitor": "ab12"}, "primary2": {}}}}
    (report / "results.json").write_text(json.dumps(results))
    allure = report / "allure-results"
    allure.mkdir()
    if with_allure:
        for i, sc in enumerate(scenarios):
            (allure / f"u-{i}-result.json").write_text(json.dumps({
                "uuid": f"u-{i}", "name": f"test_failover_table[{sc['id']}]", "fullName": "suites.t#test_failover_table",
                "historyId": f"h{i}", "status": "passed" if sc["verdict"] == "pass" else "failed",
                "start": 1000 + i, "stop": 2000 + i, "labels": [{"name": "scenario", "value": sc["id"]}]}))
    return report, results


def links(page: str) -> list[str]:
    return re.findall(r'href="([^"]*)"', page)


def assert_no_dead_link(page_path: Path, allure_ids: set[str]) -> None:
    """Every link of a page resolves from where the page is: anchors to ids of the page, files to files,
    index.html#/<id> to a test the report has."""
    page = page_path.read_text(encoding="utf-8")
    ids = set(re.findall(r' id="([^"]+)"', page))
    for href in links(page):
        path, _, fragment = href.partition("#")
        if not path:
            assert fragment in ids, href
            continue
        assert (page_path.parent / path).is_file(), f"{page_path}: {href}"
        if fragment.startswith("/"):
            assert fragment[1:] in allure_ids, href


def test_publish_without_html_writes_everything_else_and_no_dead_link(tmp_path):
    report, results = make_report(tmp_path)
    out = publish(report, results, {"inventory": "inventories/sim-2node.yaml", "wall_s": 0.7, "workers": 2},
                  html=False, title=TITLE)
    assert out.results == report / "results.json" and out.html is None and out.html_error is None
    assert out.junit == report / "junit.xml" and "<testsuite" in out.junit.read_text()
    assert out.summary == report / "summary.html"
    env = read_allure_environment(report / "allure-results")
    assert env["lab"] == "seed-2node" and env["inventory"] == "inventories/sim-2node.yaml" and env["seed"] == "7"
    assert env["outcome"] == "failed" and env["python"] and env["altio-hil"]
    assert env["installed agent"] == "alternateio"
    assert env["agent monitor sha256 @primary1"] == "ab12" and env["agent monitor sha256 @primary2"] == "missing"
    for page in (report / "summary.html", report / "html" / "summary.html"):
        text = page.read_text(encoding="utf-8")
        assert "index.html" not in text and "Allure" not in text  # --no-html: no link to a report that is not there
        assert "S2TL" in text and "Detection and failover times" in text and "<td>workers</td><td>2</td>" in text
        assert any(h.endswith("S2.svg") for h in links(text))
        assert_no_dead_link(page, set())
    assert not (report / "html" / "index.html").exists() and not (report / HISTORY_FILE).exists()


def test_publish_renders_the_report_and_links_every_scenario_to_its_test(tmp_path):
    report, results = make_report(tmp_path)
    out = publish(report, results, {"wall_s": 0.7}, title=TITLE)
    assert out.html == report / "html" / "index.html" and out.html.is_file() and out.html_error is None
    tid = {sc["id"]: hashlib.md5(f"u-{i}".encode()).hexdigest() for i, sc in enumerate(results["scenarios"])}
    top = (report / "summary.html").read_text(encoding="utf-8")
    inner = (report / "html" / "summary.html").read_text(encoding="utf-8")
    assert f'href="html/index.html#/{tid["S2[node1/primary1-strsg]"]}"' in top
    assert f'href="index.html#/{tid["S2[node1/primary1-strsg]"]}"' in inner
    assert f'href="index.html#/{tid["S1[node1/primary1-strsg]"]}"' in inner
    for page in (report / "summary.html", report / "html" / "summary.html"):
        assert_no_dead_link(page, set(tid.values()))
    index = out.html.read_text(encoding="utf-8")
    files = {n: v for n, v in re.findall(r'd\("([^"]+)","([^"]*)"\)', index)}
    names = [a["name"] for a in json.loads(base64.b64decode(files["widgets/globals.json"]))["attachments"]]
    assert names == ["summary.html", DISTRIBUTION_ATTACHMENT]
    assert (report / HISTORY_FILE).is_file()
    # a second publish into the same directory (the next run) adds to the history
    publish(report, results, {}, title=TITLE)
    assert len((report / HISTORY_FILE).read_text().splitlines()) == 2


def test_an_html_report_that_cannot_be_rendered_leaves_pages_without_links_to_it(tmp_path, monkeypatch):
    report, results = make_report(tmp_path)
    monkeypatch.setattr(allure_mod.shutil, "which", lambda name: None)  # no node
    out = publish(report, results, {}, title=TITLE)
    assert out.html is None and "make bootstrap" in out.html_error
    for page in (report / "summary.html", report / "html" / "summary.html"):
        assert "index.html" not in page.read_text(encoding="utf-8")
        assert_no_dead_link(page, set())


def test_an_environment_already_there_keeps_its_values(tmp_path):
    """report merge writes the joined environment of its runs first; publish adds what it lacks."""
    report, results = make_report(tmp_path)
    write_allure_environment(report / "allure-results", {"lab": "a, b", "seed": "1, 2"})
    publish(report, results, {}, html=False, title=TITLE)
    env = read_allure_environment(report / "allure-results")
    assert env["lab"] == "a, b" and env["seed"] == "1, 2" and env["monitor"] == "legacy-primary-only"


def test_merged_runs_show_the_runs_and_the_outcome_from_the_results(tmp_path):
    report, results = make_report(tmp_path, with_allure=False)
    results["scenarios"] = [{**sc, "run": i} for i, sc in enumerate(results["scenarios"])]
    results["runs"] = [{"dir": "/r/first", "lab": "seed-2node", "target": "sim", "monitor": "m", "seed": 1,
                        "outcome": "passed"},
                       {"dir": "/r/second", "lab": "seed-2node", "target": "sim", "monitor": "m", "seed": 2,
                        "outcome": "failed"}]
    results["not_run"] = [{"id": "D4[node2/power]", "reason": "destructive"}]
    publish(report, results, {}, html=False, title=TITLE)
    text = (report / "summary.html").read_text(encoding="utf-8")
    assert "/r/second" in text and "outcome: failed" in text and "D4[node2/power]" in text
    assert "<th>run</th>" in text and "of 2 runs" in text


@pytest.mark.parametrize("html", [False, True])
def test_publish_of_a_run_with_no_scenarios(tmp_path, html):
    report, results = make_report(tmp_path, with_allure=False)
    results["scenarios"] = []
    results["outcome"] = "passed"
    out = publish(report, results, {}, html=html, title=TITLE)
    assert "No scenario failed." in out.summary.read_text(encoding="utf-8")
    assert (out.html is not None) == html
