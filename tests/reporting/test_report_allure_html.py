"""The Allure 3 HTML report: rendered for real from allure-pytest results, with the summary linked."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import subprocess
import sys
import textwrap

import pytest

from harness.report import ReportError, generate_html, scenario_test_ids, write_allure_environment
from harness.report import allure as reporting

TINY_SUITE = textwrap.dedent(
    """
    import allure

    @allure.label("row", "S2")
    @allure.label("scenario", "S2[node1/primary1-strsg]")
    def test_storage_on_control_domain():
        with allure.step("inject zpool_offline primary1:zfsprim"):
            allure.attach("<svg xmlns='http://www.w3.org/2000/svg'/>", name="timeline",
                          attachment_type=allure.attachment_type.SVG)

    @allure.label("scenario", "D3[node1]")
    def test_failover_expected():
        with allure.step("assert"):
            assert "primary1" == "primary2"
    """
)


def embedded_files(page: str) -> dict[str, bytes]:
    """The report files that Allure's single-file mode embeds as d("name", "base64") calls."""
    return {name: base64.b64decode(value) for name, value in re.findall(r'd\("([^"]+)","([^"]*)"\)', page)}


@pytest.fixture(scope="module")
def allure_results(tmp_path_factory):
    """Real allure-pytest results from a tiny suite run in a subprocess (the project plugin kept out)."""
    root = tmp_path_factory.mktemp("allure")
    (root / "test_tiny.py").write_text(TINY_SUITE)
    results = root / "allure-results"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:altio_hil", "-p", "no:cacheprovider", "-p", "no:xdist",
         f"--alluredir={results}", "test_tiny.py"],
        cwd=root, capture_output=True, text=True, timeout=120, check=False,
    )
    assert proc.returncode == 1, proc.stdout + proc.stderr  # one test fails on purpose
    assert len(list(results.glob("*-result.json"))) == 2
    write_allure_environment(results, {"lab": "seed", "target": "sim", "monitor": "alternateio", "seed": 42})
    return results


def test_generate_html_renders_the_report_with_the_summary_linked(allure_results, tmp_path):
    html_dir = tmp_path / "report" / "html"
    summary = "<!DOCTYPE html><html><body><h1>Failover matrix SUMMARY-MARK</h1></body></html>"
    index = generate_html(allure_results, html_dir, summary, "altio-hil seed on sim")
    assert index == html_dir / "index.html" and index.is_file()
    page = index.read_text(encoding="utf-8")
    assert reporting.SUMMARY_LINK_MARK in page and 'href="summary.html"' in page
    assert page.index('id="altio-hil-summary-link"') < page.rindex("</body>")
    assert "googletagmanager" not in page
    assert "altio-hil seed on sim" in page
    # single-file mode: the report's data travels inside index.html
    files = embedded_files(page)
    assert any(b"test_storage_on_control_domain" in data for name, data in files.items() if "test-results" in name)
    assert b'"seed"' in files["widgets/allure_environment.json"]
    # the summary is a global attachment of the report, and a file beside it
    globals_ = json.loads(files["widgets/globals.json"])
    attachment = next(a for a in globals_["attachments"] if a["name"] == "summary.html")
    assert files[f"data/attachments/{attachment['id']}{attachment['ext']}"].decode() == summary
    assert (html_dir / "summary.html").read_text(encoding="utf-8") == summary
    assert not list(html_dir.parent.glob(".allure-*"))  # the staging directory is gone

    # a second run replaces the previous report
    again = generate_html(allure_results, html_dir, None, "second")
    assert "second" in again.read_text(encoding="utf-8")
    assert not (html_dir / "summary.html").exists()


def test_generate_html_keeps_the_files_it_did_not_write(allure_results, tmp_path):
    html_dir = tmp_path / "html"
    (html_dir / "timelines").mkdir(parents=True)
    (html_dir / "timelines" / "S2.svg").write_text("<svg/>")
    (html_dir / "index.html").write_text("old report")
    generate_html(allure_results, html_dir, "<p>s</p>", "t")
    assert (html_dir / "timelines" / "S2.svg").read_text() == "<svg/>"
    assert "old report" not in (html_dir / "index.html").read_text()


def test_html_dir_that_is_a_file_is_a_clear_error(allure_results, tmp_path):
    (tmp_path / "html").write_text("x")
    with pytest.raises(ReportError, match="not a directory"):
        generate_html(allure_results, tmp_path / "html", None, "t")


def test_missing_results_directory_is_a_clear_error(tmp_path):
    with pytest.raises(ReportError, match="does not exist"):
        generate_html(tmp_path / "nope", tmp_path / "html", None, "t")


def test_missing_node_says_run_make_bootstrap(tmp_path, monkeypatch):
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(reporting.shutil, "which", lambda name: None)
    with pytest.raises(ReportError, match="make bootstrap"):
        generate_html(tmp_path / "results", tmp_path / "html", None, "t")


def test_missing_allure_package_says_run_make_bootstrap(tmp_path, monkeypatch):
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(reporting, "REPO_ROOT", tmp_path)
    with pytest.raises(ReportError, match="make bootstrap"):
        generate_html(tmp_path / "results", tmp_path / "html", None, "t")


def test_allure_failure_is_reported_with_its_output(tmp_path, monkeypatch):
    (tmp_path / "results").mkdir()
    monkeypatch.setattr(reporting, "allure_command", lambda: [sys.executable, "-c", "import sys; sys.exit('boom 42')"])
    with pytest.raises(ReportError, match="boom 42"):
        generate_html(tmp_path / "results", tmp_path / "html", "<p>s</p>", "t")
    assert not (tmp_path / "html").exists()


def test_scenario_test_ids_are_the_ids_of_the_tests_in_the_report(allure_results, tmp_path):
    """Allure 3 names a test md5(uuid); its page in the awesome report is index.html#/<that id>."""
    ids = scenario_test_ids(allure_results)
    assert set(ids) == {"S2[node1/primary1-strsg]", "D3[node1]"}
    files = embedded_files(generate_html(allure_results, tmp_path / "html", None, "t").read_text(encoding="utf-8"))
    for sid, tid in ids.items():
        test = json.loads(files[f"data/test-results/{tid}.json"])
        assert {"name": "scenario", "value": sid} in test["labels"]
    assert json.loads(files[f"data/test-results/{ids['D3[node1]']}.json"])["status"] == "failed"


def test_scenario_test_ids_take_the_latest_result_and_fall_back_to_the_parameter_id(tmp_path):
    def result(uuid, name, stop, labels=()):
        (tmp_path / f"{uuid}-result.json").write_text(json.dumps(
            {"uuid": uuid, "name": name, "status": "passed", "start": stop - 1, "stop": stop,
             "labels": [{"name": k, "value": v} for k, v in labels]}))

    result("u-old", "t", 100, [("scenario", "S1[n]")])
    result("u-new", "t", 200, [("scenario", "S1[n]")])
    result("u-param", "test_failover_table[S3[node1/g/alternate1]]", 50)
    result("u-none", "test_plain", 50)
    (tmp_path / "broken-result.json").write_text("{")
    md5 = lambda text: hashlib.md5(text.encode()).hexdigest()  # noqa: E731
    assert scenario_test_ids(tmp_path) == {"S1[n]": md5("u-new"), "S3[node1/g/alternate1]": md5("u-param")}


def test_history_is_kept_across_reports_rendered_into_the_same_place(allure_results, tmp_path):
    history = tmp_path / "report" / "history.jsonl"
    first = generate_html(allure_results, tmp_path / "report" / "html", None, "t", history_path=history)
    test_files = [n for n in embedded_files(first.read_text(encoding="utf-8")) if n.startswith("data/test-results/")]
    assert history.is_file() and len(history.read_text().splitlines()) == 1
    second = generate_html(allure_results, tmp_path / "report" / "html", None, "t", history_path=history)
    files = embedded_files(second.read_text(encoding="utf-8"))
    assert len(history.read_text().splitlines()) == 2
    for name in test_files:
        past = json.loads(files[name])["history"]
        assert len(past) == 1 and past[0]["status"] in ("passed", "failed")
    # the trend: the report's status over the reports rendered so far
    charts = json.loads(files["widgets/charts.json"])["general"].values()
    dynamics = next(c for c in charts if c["type"] == "statusDynamics")["data"]
    assert [point["statistic"] for point in dynamics] == [{"total": 2, "passed": 1, "failed": 1}] * 2
    # without a history file, a report knows no past
    alone = embedded_files(generate_html(allure_results, tmp_path / "alone", None, "t").read_text(encoding="utf-8"))
    assert all(json.loads(alone[n])["history"] == [] for n in test_files)


def test_global_attachments_the_summary_as_shown_inside_the_report_and_more(allure_results, tmp_path):
    page = generate_html(allure_results, tmp_path / "html", "<p>BESIDE</p>", "t", attachment_html="<p>INSIDE</p>",
                         extra_attachments=[("times.svg", "<svg xmlns='http://www.w3.org/2000/svg'/>"),
                                            ("raw.bin", b"\x00\x01")])
    files = embedded_files(page.read_text(encoding="utf-8"))
    attachments = {a["name"]: a for a in json.loads(files["widgets/globals.json"])["attachments"]}
    assert list(attachments) == ["summary.html", "times.svg", "raw.bin"]
    content = {n: files[f"data/attachments/{a['id']}{a['ext']}"] for n, a in attachments.items()}
    assert content == {"summary.html": b"<p>INSIDE</p>", "times.svg": b"<svg xmlns='http://www.w3.org/2000/svg'/>",
                       "raw.bin": b"\x00\x01"}
    assert attachments["times.svg"]["contentType"] == "image/svg+xml"
    assert (tmp_path / "html" / "summary.html").read_text() == "<p>BESIDE</p>"
    with pytest.raises(ReportError, match="plain file name"):
        generate_html(allure_results, tmp_path / "html", None, "t", extra_attachments=[("../x.svg", "<svg/>")])


def test_the_summary_link_goes_into_the_header_and_html_attachments_get_a_readable_height(allure_results, tmp_path):
    """What the browser test (test_report_rendered.py) checks rendered: here, that the page carries it."""
    page = generate_html(allure_results, tmp_path / "html", "<p>s</p>", "t").read_text(encoding="utf-8")
    banner = page[page.index(reporting.SUMMARY_LINK_MARK):]
    assert 'data-testid="toggle-layout-button"' in banner  # placed beside Allure's header buttons
    assert "bottom:16px" not in banner  # no longer over the footer
    assert '[data-testid="html-attachment-preview"] iframe:not([height]){height:75vh' in banner
    assert "Failover matrix" in banner
