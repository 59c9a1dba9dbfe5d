"""The summary page: failures first with their reasons, every matrix cell and scenario linked to the
scenario's row and (with a report) to its test in the Allure report, no dead link without one."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import unquote, urlsplit

from harness.report import matrix, render_matrix_html, scenario_anchors


def scenario(sid, row, node="node1", group="primary1-strsg", verdict="pass", **extra) -> dict:
    return {
        "id": sid, "row": row, "node": node, "group": group, "verdict": verdict,
        "faults": [{"kind": "zpool_offline", "where": "primary1:zfsprim"}],
        "expected": {"failover": False, "alternateio": "ONLINE"},
        "observed": {"failover": verdict != "pass", "alternateio": "ONLINE", "ldom_system": "primary1"},
        "detect_s": 50.0, "failover_s": None, "clock": "virtual", "clock_s": 180.0, "wall_s": 0.01,
        "problems": [], **extra,
    }


def run() -> list[dict]:
    return [
        scenario("S1[node1/primary1-strsg]", "S1"),
        scenario("S2[node1/primary1-strsg]", "S2", verdict="fail",
                 problems=["expected no failover, ldomsg moved to primary2", "guest I/O stopped 1 time(s)"]),
        scenario("N2[node1/primary1-nwsg]", "N2", group="primary1-nwsg", verdict="fail",
                 problems=["expected no failover, ldomsg moved to primary2"]),
        scenario("D4[node1]", "D4", group=""), scenario("D4[node1/power]", "D4", group=""),
        scenario("combo-1", "combo", verdict="error", problems=["the lab did not answer"]),
    ]


INFO = {"lab": "seed-2node", "target": "sim", "monitor": "legacy-primary-only", "seed": 7, "outcome": "failed",
        "harness_errors": []}


class Page(HTMLParser):
    """The parts of a page the tests look at: ids, links (and the class of the cell they are in)."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.links: list[tuple[str, str]] = []  # (href, the enclosing table's class)
        self.matrix_cells: list[list[str]] = []  # the links of each verdict cell of a matrix table
        self.order: list[str] = []  # ids and h2 texts in document order
        self._tables: list[str] = []
        self._cell: list[str] | None = None
        self._h2 = False
        self.feed(text)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if a.get("id"):
            self.ids.append(a["id"])
            self.order.append("#" + a["id"])
        if tag == "table":
            self._tables.append(a.get("class") or "")
        if tag == "td" and self._tables and self._tables[-1] == "matrix" and a.get("class") in ("pass", "fail", "error"):
            self._cell = []
            self.matrix_cells.append(self._cell)
        if tag == "a" and "href" in a:
            self.links.append((a["href"], self._tables[-1] if self._tables else ""))
            if self._cell is not None:
                self._cell.append(a["href"])
        self._h2 = tag == "h2"

    def handle_endtag(self, tag):
        if tag == "table" and self._tables:
            self._tables.pop()
        if tag == "td":
            self._cell = None

    def handle_data(self, data):
        if self._h2 and data.strip():
            self.order.append(data.strip())
            self._h2 = False


def test_every_matrix_cell_links_to_its_scenarios_rows():
    scenarios = run()
    page = Page(render_matrix_html(matrix(scenarios), INFO, scenarios))
    anchors = dict(zip((s["id"] for s in scenarios), scenario_anchors(scenarios), strict=True))
    assert len(page.matrix_cells) == 4  # S1, S2, N2 and the D4 cell of two scenarios
    assert all(cell for cell in page.matrix_cells)
    for cell in page.matrix_cells:
        for href in cell:
            assert href.startswith("#") and href[1:] in page.ids, href
    cells = {tuple(c) for c in page.matrix_cells}
    assert ("#" + anchors["S2[node1/primary1-strsg]"],) in cells
    # a cell of several scenarios: the mark links to the first, then one numbered link each
    d4 = "#" + anchors["D4[node1]"], "#" + anchors["D4[node1/power]"]
    assert (d4[0], d4[0], d4[1]) in cells
    # the other kinds of scenario link to theirs too
    assert ("#" + anchors["combo-1"], "") in page.links


def test_anchors_are_unique_and_url_safe_also_across_merged_runs():
    scenarios = [scenario("S2[n1/g]", "S2"), scenario("S2[n1/g]", "S2", run=1), scenario("S2[n1/g]", "S2", run=1)]
    anchors = scenario_anchors(scenarios)
    assert len(set(anchors)) == 3
    assert all(a.replace("-", "").replace("_", "").isalnum() for a in anchors)
    page = render_matrix_html(matrix(scenarios), INFO, scenarios)
    parsed = Page(page)
    assert all(a in parsed.ids for a in anchors)
    assert parsed.matrix_cells == [["#" + anchors[0], "#" + anchors[0], "#" + anchors[1], "#" + anchors[2]]]
    assert "<th>run</th>" in page


def test_failures_come_first_with_their_reasons():
    scenarios = run()
    text = render_matrix_html(matrix(scenarios), INFO, scenarios)
    page = Page(text)
    assert page.order.index("#failures") < page.order.index("#matrix") < page.order.index("#scenarios")
    failures = text[text.index('id="failures"'):text.index('id="matrix"')]
    assert "Failures (3)" in failures
    for reason in ("expected no failover, ldomsg moved to primary2", "guest I/O stopped 1 time(s)",
                   "the lab did not answer"):
        assert reason in failures
    # fail before error, each in the reference table's order; every failure links to its row
    assert failures.index("S2[node1/primary1-strsg]") < failures.index("N2[node1/primary1-nwsg]") \
        < failures.index("combo-1")
    anchors = dict(zip((s["id"] for s in scenarios), scenario_anchors(scenarios), strict=True))
    assert f'href="#{anchors["combo-1"]}"' in failures
    # the scenario table: failures first, and the reasons of each under its row
    table = text[text.index('id="scenarios"'):]
    rows = [table.index(f'id="{anchors[s]}"') for s in ("S2[node1/primary1-strsg]", "N2[node1/primary1-nwsg]",
                                                         "combo-1", "S1[node1/primary1-strsg]", "D4[node1]")]
    assert rows == sorted(rows)
    s2 = table[table.index(f'id="{anchors["S2[node1/primary1-strsg]"]}"'):]
    s2 = s2[:s2.index("</tbody>")]
    assert "<li>guest I/O stopped 1 time(s)</li>" in s2


def test_a_run_without_failures_says_so():
    scenarios = [scenario("S1[n]", "S1")]
    text = render_matrix_html(matrix(scenarios), {**INFO, "outcome": "passed"}, scenarios)
    assert "Failures (0)" in text and "No scenario failed." in text


def test_scenarios_link_to_their_tests_in_the_allure_report():
    scenarios = run()
    ids = {"S2[node1/primary1-strsg]": "b186a655e6c53ca5833748250dc0f8aa", "combo-1": "0123"}
    text = render_matrix_html(matrix(scenarios), INFO, scenarios, report_href="index.html", test_ids=ids)
    assert text.count('href="index.html#/b186a655e6c53ca5833748250dc0f8aa"') == 2  # failures block and table
    assert 'href="index.html#/0123"' in text
    # from the copy outside html/
    top = render_matrix_html(matrix(scenarios), INFO, scenarios, report_href="html/index.html", test_ids=ids)
    assert 'href="html/index.html#/b186a655e6c53ca5833748250dc0f8aa"' in top
    assert 'href="index.html' not in top.replace('href="html/index.html', "")


def test_without_a_report_no_link_leaves_the_page(tmp_path):
    scenarios = run()
    svg = tmp_path / "timelines" / "S2.svg"
    svg.parent.mkdir()
    svg.write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    scenarios[1]["timeline_svg"] = "../timelines/S2.svg"  # as the plugin writes it: relative to html/
    text = render_matrix_html(matrix(scenarios), INFO, scenarios, link_base=tmp_path, report_href=None,
                              paths_base=tmp_path / "html", test_ids={"S2[node1/primary1-strsg]": "abc"})
    page = Page(text)
    assert "index.html" not in text and "Allure" not in text
    for href, _ in page.links:
        if href.startswith("#"):
            assert href[1:] in page.ids, href
        else:
            assert (tmp_path / unquote(urlsplit(href).path)).is_file(), href


def test_timeline_links_work_from_the_report_directory_and_from_html(tmp_path):
    (tmp_path / "timelines").mkdir()
    big = "<svg xmlns='http://www.w3.org/2000/svg'>" + "<g/>" * 100 + "</svg>"
    (tmp_path / "timelines" / "S2.svg").write_text(big)
    scenarios = run()
    scenarios[1]["timeline_svg"] = "../timelines/S2.svg"
    for page_dir in (tmp_path, tmp_path / "html"):
        text = render_matrix_html(matrix(scenarios), INFO, scenarios, link_base=page_dir,
                                  paths_base=tmp_path / "html")
        files = [h for h, _ in Page(text).links if h.endswith(".svg")]
        assert files and all((page_dir / h).resolve() == (tmp_path / "timelines" / "S2.svg") for h in files)
        assert "<g/>" in text  # inlined: read from where the scenario says, not from the page's directory


def test_the_page_as_an_attachment_has_no_timelines_and_no_links():
    """Allure shows a global attachment in a sandboxed frame that follows no link, not even an anchor."""
    scenarios = run()
    scenarios[1]["timeline_svg"] = "/nonexistent/S2.svg"
    text = render_matrix_html(matrix(scenarios), INFO, scenarios, report_href=None, timelines=False, links=False,
                              distribution_svg="<svg xmlns='http://www.w3.org/2000/svg' class='latency'/>")
    assert "S2.svg" not in text and "<details" not in text
    assert Page(text).links == [] and "<a " not in text
    assert "class='latency'" in text and "S2[node1/primary1-strsg]" in text and "Failures (3)" in text
    assert "summary.html beside the report" in text
    assert '<td class="fail" title="S2[node1/primary1-strsg]: fail">FAIL</td>' in text


def test_not_run_scenarios_and_merged_runs_are_listed():
    scenarios = [scenario("S1[n]", "S1", run=0), scenario("S1[n]", "S1", run=1)]
    info = {**INFO, "runs": [{"dir": "/r/a", "lab": "l", "target": "sim", "monitor": "m", "seed": 1,
                              "outcome": "passed"},
                             {"dir": "/r/b", "lab": "l", "target": "sim", "monitor": "m", "seed": 2,
                              "outcome": "passed"}]}
    text = render_matrix_html(matrix(scenarios), info, scenarios,
                              not_run=[{"id": "D4[node2/power]", "reason": "destructive: pass --allow-destructive"}])
    assert 'id="not-run"' in text and "D4[node2/power]" in text and "pass --allow-destructive" in text
    assert 'id="runs"' in text and "/r/b" in text and "[{" not in text  # a table, not a repr


def test_the_summary_of_a_scenario_says_what_its_row_means():
    scenarios = [scenario("N2[n]", "N2", description="network SG faulted on control, online on alternate")]
    text = render_matrix_html(matrix(scenarios), INFO, scenarios)
    assert "network SG faulted on control, online on alternate" in text


def test_pages_written_in_two_places_resolve_relative_to_each(tmp_path):
    """The same scenarios as seen from report/ and report/html/: the links differ, the files are the same."""
    (tmp_path / "timelines").mkdir()
    (tmp_path / "timelines" / "a.svg").write_text("<svg xmlns='http://www.w3.org/2000/svg'/>")
    scenarios = [scenario("S2[n]", "S2", timeline_svg="../timelines/a.svg")]
    top = render_matrix_html(matrix(scenarios), INFO, scenarios, link_base=tmp_path, paths_base=tmp_path / "html")
    inner = render_matrix_html(matrix(scenarios), INFO, scenarios, link_base=tmp_path / "html",
                               paths_base=tmp_path / "html")
    assert 'href="timelines/a.svg"' in top and 'href="../timelines/a.svg"' in inner
    assert Path(tmp_path / "timelines/a.svg").is_file()


def test_a_guest_expected_and_seen_down_everywhere_is_shown_as_that():
    down = scenario("nemesis-step01[seed=1: inject domain_kill primary2]", "D3",
                    expected={"failover": True, "alternateio": "OFFLINE", "ldom_system": None, "down_everywhere": True},
                    observed={"failover": True, "alternateio": "OFFLINE", "ldom_system": ""})
    moved = scenario("D3[node1]", "D3", expected={"failover": True, "alternateio": "OFFLINE",
                                                 "ldom_system": "primary2", "down_everywhere": False})
    text = render_matrix_html(matrix([down, moved]), INFO, [down, moved])
    rows = {sid: text[text.index(f">{sid}<"):] for sid in (down["id"], moved["id"])}
    down_row = rows[down["id"]][:rows[down["id"]].index("</tbody>")]
    moved_row = rows[moved["id"]][:rows[moved["id"]].index("</tbody>")]
    assert down_row.count("guest down everywhere") == 2  # expected, and seen
    assert "guest down everywhere" not in moved_row and "LDom on primary2" in moved_row
