"""The detection and failover times picture: a strip per row, a point per scenario (and run), the
percentiles written."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from harness.report.distribution import percentile, render_latency_svg

SVG = "{http://www.w3.org/2000/svg}"


def sc(sid, row, detect, failover, verdict="pass", **extra):
    return {"id": sid, "row": row, "detect_s": detect, "failover_s": failover, "verdict": verdict, **extra}


def points(svg: str) -> list[str]:
    """The tooltips of the scenario points (circles: detect, paths: failover)."""
    root = ET.fromstring(svg)
    return [el.find(f"{SVG}title").text for el in root.iter() if el.tag in (f"{SVG}circle", f"{SVG}path")
            and el.find(f"{SVG}title") is not None]


def stats(svg: str) -> dict[tuple[str, str], list[str]]:
    """(strip lane, column) -> the texts written in the statistics columns."""
    root = ET.fromstring(svg)
    out: dict[tuple[str, str], list[str]] = {}
    for el in root.iter(f"{SVG}text"):
        cls = el.get("class") or ""
        if cls.startswith("stat-"):
            out.setdefault((el.get("data-lane"), cls[5:]), []).append(el.text)
    return out


@pytest.mark.parametrize("values, p, expected", [
    ([5.0], 50, 5.0), ([5.0], 95, 5.0),
    ([1.0, 2.0, 3.0, 4.0], 50, 2.0), ([1.0, 2.0, 3.0, 4.0], 95, 4.0),
    ([float(i) for i in range(1, 21)], 95, 19.0), ([float(i) for i in range(1, 21)], 50, 10.0),
    ([3.0, 1.0, 2.0], 100, 3.0),
])
def test_percentiles_are_nearest_rank(values, p, expected):
    assert percentile(values, p) == expected


def test_percentile_of_nothing_is_an_error():
    with pytest.raises(ValueError):
        percentile([], 50)


def test_a_strip_per_row_a_point_per_scenario_and_percentiles_written():
    scenarios = [
        sc("S4[n1]", "S4", 50.0, 65.0), sc("S4[n2]", "S4", 52.0, 70.0),
        sc("D3[n1]", "D3", 0.0, 15.0), sc("D4[n1]", "D4", None, 15.0),
        sc("S2[n1]", "S2", 50.0, 65.0, verdict="fail"),
        sc("S1[n1]", "S1", None, None),  # nothing measured: no strip
        sc("combo-1", "combo", 40.0, 60.0),
    ]
    svg = render_latency_svg(scenarios)
    root = ET.fromstring(svg)  # well-formed, self-contained SVG
    assert root.tag == f"{SVG}svg" and root.get("width") and root.get("viewBox")
    tips = points(svg)
    assert len(tips) == 11  # every measured value a point: 5 detect, 6 failover
    assert "S4[n2]: detect 52.0 s, pass" in tips and "S4[n2]: failover 70.0 s, pass" in tips
    assert "S2[n1]: failover 65.0 s, fail" in tips
    assert not any(t.startswith("S1[n1]") for t in tips)
    strips = [el.text for el in root.iter(f"{SVG}text") if el.get("font-size") == "14"]
    assert strips == ["S2", "S4", "D3", "D4", "combo"]  # the reference table's order, then other kinds
    st = stats(svg)
    assert st[("S4 detect", "n")] == ["2"] and st[("S4 detect", "p50")] == ["50.0"]
    assert st[("S4 detect", "p95")] == ["52.0"] and st[("S4 detect", "max")] == ["52.0"]
    assert st[("S4 failover", "p50")] == ["65.0"] and st[("S4 failover", "max")] == ["70.0"]
    assert st[("D3 detect", "max")] == ["0"]
    assert ("D4 detect", "n") not in st and "detect: not measured" in svg


def test_failed_scenarios_are_hollow_and_red():
    svg = render_latency_svg([sc("S2[n1]", "S2", 50.0, None, verdict="fail"), sc("S4[n1]", "S4", 50.0, None)])
    root = ET.fromstring(svg)
    circles = {c.find(f"{SVG}title").text.split(":")[0]: c for c in root.iter(f"{SVG}circle")
               if c.find(f"{SVG}title") is not None}
    assert circles["S2[n1]"].get("fill") == "#fff" and circles["S2[n1]"].get("stroke") == "#d93025"
    assert circles["S4[n1]"].get("fill") == circles["S4[n1]"].get("stroke") != "#d93025"


def test_several_runs_are_drawn_together_and_told_apart():
    runs = [sc("S4[n1]", "S4", 50.0 + i, 65.0, run=i) for i in range(3)]
    svg = render_latency_svg(runs)
    assert "3 scenarios of 3 runs" in svg
    tips = points(svg)
    assert {"S4[n1] (run 0): detect 50.0 s, pass", "S4[n1] (run 2): detect 52.0 s, pass"} <= set(tips)
    st = stats(svg)
    assert st[("S4 detect", "n")] == ["3"] and st[("S4 detect", "p50")] == ["51.0"]
    assert st[("S4 detect", "max")] == ["52.0"]


def test_nothing_measured_says_so():
    svg = render_latency_svg([sc("S1[n1]", "S1", None, None)])
    ET.fromstring(svg)
    assert "No detection or failover time was measured" in svg and not points(svg)


def test_names_are_escaped():
    svg = render_latency_svg([sc("x<&>\"'", "combo<b>", 1.0, 2.0)])
    root = ET.fromstring(svg)
    assert any(el.text == "combo<b>" for el in root.iter(f"{SVG}text"))
    assert any(t.startswith("x<&>\"'") for t in points(svg))
