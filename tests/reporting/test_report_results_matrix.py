"""results.json contract, the failover matrix and its terminal and HTML renderings."""

from __future__ import annotations

import json

import pytest

from harness.report import (
    REFERENCE_TABLE,
    MatrixColumn,
    ReportError,
    ResultsError,
    matrix,
    outcome_of,
    render_matrix_html,
    render_matrix_text,
    validate_results,
    write_allure_environment,
    write_results,
)
from harness.timeline import Timeline


def scenario(sid="S2-primary1-stgsg", row="S2", node="primary1", group="stgsg", verdict="pass", **extra) -> dict:
    sc = {
        "id": sid,
        "faults": [{"kind": "zpool_offline", "where": f"{node}:zfsprim"}],
        "expected": {"failover": False, "alternateio": "ONLINE"},
        "observed": {"failover": False, "alternateio": "ONLINE", "ldom_system": node},
        "verdict": verdict,
        "detect_s": 61.5,
        "failover_s": None,
        "clock": "virtual",
        "clock_s": 300,
        "wall_s": 0.12,
        "row": row,
        "node": node,
    }
    if group is not None:
        sc["group"] = group
    sc.update(extra)
    return sc


def run_doc(*scenarios) -> dict:
    return {"lab": "seed", "target": "sim", "monitor": "alternateio", "seed": 7, "outcome": "passed",
            "scenarios": list(scenarios)}


# --- results.json ----------------------------------------------------------------------------------------


def test_write_results_follows_the_contract_and_keeps_extra_keys(tmp_path):
    path = tmp_path / "deep" / "results.json"
    sc = scenario(timeline_svg=tmp_path / "t.svg")
    write_results(path, "seed", "sim", "alternateio", 7, [sc])
    doc = json.loads(path.read_text())
    assert list(doc) == ["lab", "target", "monitor", "seed", "outcome", "scenarios"]
    assert doc["outcome"] == "passed"
    assert doc["seed"] == 7 and doc["scenarios"][0]["row"] == "S2" and doc["scenarios"][0]["group"] == "stgsg"
    assert doc["scenarios"][0]["timeline_svg"] == str(tmp_path / "t.svg")
    model = validate_results(doc)
    assert model.scenarios[0].verdict == "pass" and model.scenarios[0].failover_s is None
    assert not list(path.parent.glob("*.tmp"))


@pytest.mark.parametrize("verdicts, errors, outcome", [
    (["pass", "pass"], [], "passed"),
    (["pass", "fail"], [], "failed"),
    (["fail", "error"], [], "error"),
    (["pass"], [{"test": "t", "error": "UnicodeDecodeError: ..."}], "error"),
    ([], [], "passed"),
])
def test_the_outcome_of_a_finished_run_puts_errors_before_failures(tmp_path, verdicts, errors, outcome):
    scenarios = [scenario(id=f"S{i}", verdict=v) for i, v in enumerate(verdicts)]
    assert outcome_of(scenarios, errors) == outcome
    write_results(tmp_path / "r.json", "seed", "sim", "alternateio", 1, scenarios)
    if not errors:
        assert json.loads((tmp_path / "r.json").read_text())["outcome"] == outcome


def test_timeline_objects_are_written_as_event_lists(tmp_path):
    tl = Timeline()
    tl.add(1, "fault", "nic_pull primary1:net0")
    write_results(tmp_path / "r.json", "seed", "sim", "alternateio", 1, [scenario(timeline=tl)])
    doc = json.loads((tmp_path / "r.json").read_text())
    assert doc["scenarios"][0]["timeline"][0]["subject"] == "nic_pull primary1:net0"


@pytest.mark.parametrize(
    "mutate,where",
    [
        (lambda d: d.pop("seed"), "seed: Field required"),
        (lambda d: d.update(seed=True), "seed"),
        (lambda d: d["scenarios"][0].update(verdict="passed"), "scenarios[0].verdict"),
        (lambda d: d["scenarios"][0].pop("wall_s"), "scenarios[0].wall_s"),
        (lambda d: d["scenarios"][0].update(clock="cpu"), "scenarios[0].clock"),
        (lambda d: d.update(outcome="green"), "outcome"),
        (lambda d: d.pop("outcome"), "outcome"),
        (lambda d: d["scenarios"][0].update(detect_s="61"), "scenarios[0].detect_s"),
        (lambda d: d["scenarios"][0].update(clock_s=-1.0), "scenarios[0].clock_s"),
        (lambda d: d["scenarios"][0]["faults"][0].update(where="primary1 : x"), "scenarios[0].faults[0].where"),
        (lambda d: d["scenarios"][0]["expected"].update(alternateio="FAULTED"), "scenarios[0].expected.alternateio"),
        (lambda d: d["scenarios"][0]["observed"].pop("ldom_system"), "scenarios[0].observed.ldom_system"),
        (lambda d: d["scenarios"][0]["expected"].update(failover="no"), "scenarios[0].expected.failover"),
    ],
)
def test_invalid_results_are_rejected_with_the_path_of_the_problem(mutate, where):
    doc = run_doc(scenario())
    validate_results(doc)
    mutate(doc)
    with pytest.raises(ResultsError) as err:
        validate_results(doc)
    assert where in str(err.value)


def test_validate_rejects_non_objects_and_write_refuses_bad_data(tmp_path):
    with pytest.raises(ResultsError, match="JSON object"):
        validate_results([1, 2])
    with pytest.raises(ResultsError, match="verdict"):
        write_results(tmp_path / "r.json", "seed", "sim", "alternateio", 1, [scenario(verdict="maybe")])
    with pytest.raises(ResultsError, match="JSON"):
        write_results(tmp_path / "r.json", "seed", "sim", "alternateio", 1, [scenario(blob=object())])
    assert not (tmp_path / "r.json").exists()


def test_fault_where_accepts_system_and_system_object():
    doc = run_doc(scenario(faults=[{"kind": "node_power_off", "where": "primary1"},
                                   {"kind": "disk_offline", "where": "alternate1:c0t5000CCA0d0s0"}]))
    assert [f.where for f in validate_results(doc).scenarios[0].faults] == ["primary1", "alternate1:c0t5000CCA0d0s0"]


# --- matrix ----------------------------------------------------------------------------------------------


def full_run(fail_rows=("S2", "N2")) -> list[dict]:
    out = []
    for node in ("primary1", "primary2"):
        for ref in REFERENCE_TABLE:
            group = {"S": "stgsg", "N": "netsg", "D": None}[ref.family]
            verdict = "fail" if ref.id in fail_rows else "pass"
            out.append(scenario(f"{ref.id}-{node}", ref.id, node, group, verdict))
    return out


def test_reference_table_is_the_seed_table():
    assert [r.id for r in REFERENCE_TABLE] == [f"{f}{i}" for f in "SND" for i in range(1, 5)]
    s4 = REFERENCE_TABLE[3]
    assert (s4.control, s4.alternate, s4.expected) == ("Offline/Faulted", "Offline/Faulted", "failover")
    d3 = REFERENCE_TABLE[10]
    assert (d3.control, d3.alternate, d3.expected) == ("down", "up", "failover")


def test_matrix_cells_and_counts():
    scenarios = full_run() + [scenario("combo-1", "combo", verdict="pass"), scenario("nem", "nemesis", verdict="error")]
    m = matrix(scenarios)
    assert m.columns["S"] == [MatrixColumn("primary1", "stgsg"), MatrixColumn("primary2", "stgsg")]
    assert m.columns["D"] == [MatrixColumn("primary1", "domain"), MatrixColumn("primary2", "domain")]
    assert m.cell("S2", ("primary1", "stgsg")).status == "fail"
    assert m.cell("S2", ("primary1", "stgsg")).scenario_ids == ("S2-primary1",)
    assert m.cell("S4", ("primary2", "stgsg")).status == "pass"
    assert m.cell("D3", ("primary2", "domain")).mark == "pass"
    assert m.cell("S1", ("primary1", "netsg")).status == "n/a"
    assert m.counts == {"pass": 21, "fail": 4, "error": 1, "not_run": 0, "scenarios": 26, "cells": 24, "skipped": 0}
    assert m.others == {"combo": [("combo-1", "pass")], "nemesis": [("nem", "error")]}


def test_missing_cells_are_not_run_and_expected_columns_show_gaps():
    scenarios = [s for s in full_run(fail_rows=()) if s["id"] != "N4-primary2"]
    m = matrix(scenarios, expected_columns={"S": [("primary1", "stgsg"), ("primary1", "stgsg2")]})
    assert m.cell("N4", ("primary2", "netsg")).status == "not run"
    assert m.cell("S1", ("primary1", "stgsg2")).status == "not run"
    assert m.columns["S"][:2] == [MatrixColumn("primary1", "stgsg"), MatrixColumn("primary1", "stgsg2")]
    assert m.counts["not_run"] == 1 + 4
    with pytest.raises(ReportError, match="family"):
        matrix([], expected_columns={"X": []})


def test_several_scenarios_in_one_cell_show_the_worst_verdict():
    m = matrix([
        scenario("a", verdict="pass"), scenario("b", verdict="error"), scenario("c", verdict="fail"),
        scenario("d", row="S3", verdict="pass"), scenario("e", row="S3", verdict="pass"),
        scenario("f", row="S4", verdict="pass"), scenario("g", row="S4", verdict="error"),
    ])
    assert m.cell("S2", ("primary1", "stgsg")).status == "fail"
    # one notation: the worst verdict and how many of the cell's scenarios had it
    assert m.cell("S2", ("primary1", "stgsg")).mark == "FAIL 1/3"
    assert m.cell("S3", ("primary1", "stgsg")).mark == "pass 2/2"
    assert m.cell("S4", ("primary1", "stgsg")).mark == "ERROR 1/2"
    assert m.cell("S1", ("primary1", "stgsg")).mark == "--" and m.cell("N1", ("primary1", "stgsg")).mark == "."


def test_render_text_is_aligned_ascii_with_marks():
    scenarios = full_run() + [scenario("combo-1", "combo", verdict="fail")]
    for sc in scenarios:
        if sc["node"] == "primary1":
            sc["node"] = "prim\u00e4r1"
    text = render_matrix_text(matrix(scenarios))
    assert text.isascii()
    lines = text.splitlines()
    assert lines[0] == "25 scenarios: 20 passed, 5 failed, 0 errors"
    s_head = next(i for i, line in enumerate(lines) if line.startswith("row") and "stgsg" in line)
    assert sorted(lines[s_head - 1].split()) == ["prim?r1", "primary2"]  # the nodes above their columns
    s2 = lines[s_head + 2]
    assert s2.startswith("S2") and s2.split()[-2:] == ["FAIL", "FAIL"]
    # the marks of a row sit under their column headers
    col = lines[s_head - 1].index("prim?r1")
    assert lines[s_head][col:col + 5] == "stgsg"
    assert lines[s_head + 1][col:col + 4] == "pass" and s2[col:col + 4] == "FAIL"
    combo = lines.index("  combo  FAIL")
    assert lines[combo + 1] == "    combo-1"


def test_render_text_shows_not_run_cells():
    scenarios = [s for s in full_run(fail_rows=()) if s["id"] != "D4-primary1"]
    d4 = next(line for line in render_matrix_text(matrix(scenarios)).splitlines() if line.startswith("D4"))
    assert d4.split()[-2:] == ["--", "pass"]


def test_render_html_has_run_info_matrix_scenarios_and_escapes(tmp_path):
    svg_path = tmp_path / "html" / "timelines" / "S2.svg"
    svg_path.parent.mkdir(parents=True)
    tl = Timeline()
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    svg_path.write_text('<?xml version="1.0"?>\n' + tl.to_svg("S2 timeline"))
    scenarios = full_run()
    scenarios[1]["timeline_svg"] = "timelines/S2.svg"  # S2-primary1, relative to the page
    scenarios[2]["timeline_svg"] = str(tmp_path / "gone.svg")
    scenarios[1]["observed"]["failover"] = True
    scenarios.append(scenario("x<script>", "combo", group="<b>grp</b>", verdict="error"))
    page = render_matrix_html(
        matrix(scenarios),
        {"lab": "seed<lab>", "target": "sim", "monitor": "legacy-primary-only", "seed": 7, "wall_s": 2.0,
         "clock_s": 9000.0},
        scenarios,
        link_base=tmp_path / "html",
    )
    assert page.startswith("<!DOCTYPE html>") and "<style>" in page and "<script" not in page
    assert "seed&lt;lab&gt;" in page and "legacy-primary-only" in page
    assert "4,500\u00d7" in page  # speed-up clock / wall
    assert '<td class="fail" title="S2-primary1: fail"><a href="#sc-S2-primary1">FAIL</a></td>' in page
    assert '<td class="pass" title="S1-primary1: pass"><a href="#sc-S1-primary1">pass</a></td>' in page
    assert "each storage SG in AlternateIO&#x27;s StorageSG" in page and "<th>primary2<br>stgsg</th>" in page
    assert "x&lt;script&gt;" in page and "&lt;b&gt;grp&lt;/b&gt;" in page
    assert page.count("<svg") == 1 and "<?xml" not in page and "S2 timeline" in page
    assert 'href="timelines/S2.svg"' in page
    assert '<a href="' + str(tmp_path / "gone.svg") in page or 'href="../gone.svg"' in page
    assert '<span class="differs">failover</span>' in page
    assert 'href="index.html"' in page


def test_render_html_sums_times_when_run_info_has_none():
    scenarios = [scenario("a"), scenario("b")]
    page = render_matrix_html(matrix(scenarios), {"lab": "l", "target": "sim", "monitor": "m", "seed": 1}, scenarios)
    assert "<td>clock seconds</td><td>600.0</td>" in page and "<td>wall seconds</td><td>0.240</td>" in page
    assert "2,500\u00d7" in page


# --- environment.properties ------------------------------------------------------------------------------


def test_environment_properties_are_escaped(tmp_path):
    path = write_allure_environment(tmp_path / "allure", {
        "lab": "seed", "seed": 42, "key with space": "a=b:c", "python": "3.11 \u00e9", "multi": "l1\nl2", "path": "C:\\x",
    })
    assert path == tmp_path / "allure" / "environment.properties"
    assert path.read_text().splitlines() == [
        "lab=seed",
        "seed=42",
        "key\\ with\\ space=a=b:c",
        "python=3.11 \\u00e9",
        "multi=l1\\nl2",
        "path=C:\\\\x",
    ]


def test_render_text_with_no_scenarios():
    text = render_matrix_text(matrix([]))
    assert text.startswith("0 scenarios: 0 passed, 0 failed, 0 errors\n")
    assert "storage service groups" not in text


def test_d_rows_with_several_alternates_mark_impossible_crossings_not_applicable():
    from harness.report import matrix

    def sc(row, group):
        return {"id": f"{row}[{group}]", "row": row, "node": "n1", "group": group, "verdict": "pass"}

    m = matrix([sc("D1", ""), sc("D2", "alt1"), sc("D2", "alt2"), sc("D3", ""), sc("D4", "")])
    assert m.counts["not_run"] == 0
    assert not m.cell("D1", ("n1", "alt1")).applicable
    assert not m.cell("D2", ("n1", "domain")).applicable
    assert m.cell("D2", ("n1", "alt2")).status == "pass"
    # a node with one alternate keeps every D row in its single column; a missing one is a gap
    m = matrix([sc("D1", ""), sc("D3", "")])
    assert m.counts["not_run"] == 2


def test_main_cf_in_reports_has_its_user_password_hashes_redacted():
    from harness.report import redact_main_cf

    text = ('cluster c (\n        UserNames = { admin = GlqLqwQ, ops = "h4sh } with, \\" tricks" }\n'
            '        Administrators = { admin }\n        )\n// UserNames mentioned in a comment\n')
    out = redact_main_cf(text)
    assert "GlqLqwQ" not in out and "h4sh" not in out and "tricks" not in out
    assert "UserNames = { admin = <redacted>, ops = <redacted> }" in out
    assert "Administrators = { admin }" in out and out.endswith("// UserNames mentioned in a comment\n")


def test_the_summary_page_says_the_runs_outcome_and_its_harness_errors_first():
    scenarios = [scenario(verdict="pass")]
    info = {"lab": "l", "target": "sim", "monitor": "m", "seed": 1, "outcome": "error",
            "harness_errors": [{"test": "suites/x.py::t", "error": "UnicodeDecodeError: <bad byte>"}]}
    page = render_matrix_html(matrix(scenarios), info, scenarios)
    banner = page.index('id="outcome"')
    assert banner < page.index("Failover matrix")
    assert '<span class="error">outcome: error</span>' in page
    assert "suites/x.py::t" in page and "UnicodeDecodeError: &lt;bad byte&gt;" in page
    assert "<td>outcome</td>" not in page  # said once, in the banner
    calm = render_matrix_html(matrix(scenarios), {**info, "outcome": "passed", "harness_errors": []}, scenarios)
    assert '<span class="pass">outcome: passed</span>' in calm and 'id="harness-errors"' not in calm
