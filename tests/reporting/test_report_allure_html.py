"""The Allure 3 HTML report: rendered for real from allure-pytest results, with the summary linked."""

from __future__ import annotations

import base64
import json
import re
import subprocess
import sys
import textwrap

import pytest

from harness.report import allure as reporting
from harness.report import ReportError, generate_html, write_allure_environment

TINY_SUITE = textwrap.dedent(
    """
    import allure

    @allure.label("row", "S2")
    def test_storage_on_control_domain():
        with allure.step("inject zpool_offline primary1:zfsprim"):
            allure.attach("<svg xmlns='http://www.w3.org/2000/svg'/>", name="timeline",
                          attachment_type=allure.attachment_type.SVG)

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
