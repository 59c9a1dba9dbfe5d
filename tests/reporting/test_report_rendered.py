"""The report as its readers see it: a real `altio-hil run` (the legacy monitor, so that scenarios
fail), its pages opened in headless Chromium (Debian's `chromium` and `chromium-driver`, installed by
`make test-deps`), driven through WebDriver (selenium), and checked rendered, not as HTML text:
the matrix is visible and every link of it lands on its scenario, a failed scenario's Allure link
opens that test's page, the link to the summary sits in the report's header and covers nothing, the
summary inside the report is readable, two runs into one directory show history, and a report of
`--no-html` has no dead link.

In CI (CI=true) this test runs or fails, never skips; elsewhere it skips only when Chromium is not
installed. Screenshots (1400 px wide) go to $ALTIO_HIL_SCREENSHOTS when set, else to the test's
temporary directory."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pytest

from harness.report import scenario_test_ids

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("rendered-report")]

ALTIO_HIL = Path(sys.executable).parent / "altio-hil"
CHROMIUM = next((p for p in (shutil.which("chromium"), shutil.which("chromium-browser")) if p), None)
CHROMEDRIVER = shutil.which("chromedriver")
IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
WIDTH, HEIGHT = 1400, 1000
WAIT_S = 30


def _need_chromium() -> None:
    missing = [name for name, path in (("chromium", CHROMIUM), ("chromedriver (chromium-driver)", CHROMEDRIVER))
               if path is None]
    if not missing:
        return
    message = f"{' and '.join(missing)} not installed: run `make test-deps` (Debian packages chromium chromium-driver)"
    if IN_CI:
        pytest.fail(message)
    pytest.skip(message)


def _run(report: Path, *extra: str) -> dict:
    proc = subprocess.run(
        [str(ALTIO_HIL), "run", "--monitor", "legacy-primary-only", "--suite", "matrix", "--seed", "7",
         "--report", str(report), *extra],
        capture_output=True, text=True, timeout=600, check=False,
    )
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # the legacy monitor fails S2, N2
    return json.loads((report / "results.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def shots(tmp_path_factory) -> Path:
    given = os.environ.get("ALTIO_HIL_SCREENSHOTS")
    path = Path(given) if given else tmp_path_factory.mktemp("shots")
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="module")
def browser():
    _need_chromium()
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for arg in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                f"--window-size={WIDTH},{HEIGHT}", "--hide-scrollbars", "--lang=en-US"):
        options.add_argument(arg)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)  # no driver download
    driver.set_page_load_timeout(WAIT_S)
    try:
        yield driver
    finally:
        driver.quit()


@pytest.fixture(scope="module")
def report(tmp_path_factory, browser) -> tuple[Path, dict]:
    """Two runs into the same report directory (the second one has the first as history)."""
    path = tmp_path_factory.mktemp("rendered") / "report"
    _run(path)
    return path, _run(path)


@pytest.fixture(scope="module")
def plain_report(tmp_path_factory, browser) -> tuple[Path, dict]:
    path = tmp_path_factory.mktemp("rendered") / "plain"
    return path, _run(path, "--no-html")


def _wait(driver, condition, what: str):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, WAIT_S, poll_frequency=0.1).until(lambda d: condition(d), message=what)


def _open(driver, path: Path, fragment: str = "") -> None:
    """Open a page as a new reader would: 1400 px wide, none of the Allure report's remembered settings
    (its layout, the trees it had open: kept in localStorage, shared by every file:// page)."""
    driver.set_window_size(WIDTH, HEIGHT)
    driver.get(path.resolve().as_uri() + fragment)
    if driver.execute_script("const n = localStorage.length; localStorage.clear(); return n"):
        driver.get("about:blank")
        driver.get(path.resolve().as_uri() + fragment)


def _dead_links(driver, page: Path, allure_ids: set[str]) -> list[str]:
    """The links of the open page that lead nowhere: an anchor with no element of that id, a file that
    is not there, a test the Allure report does not have."""
    links = driver.execute_script(
        "return Array.from(document.querySelectorAll('a[href]')).map(a => [a.getAttribute('href'), a.href])")
    here = page.resolve().as_uri()
    dead = []
    for given, absolute in links:
        url = urlsplit(absolute)
        if absolute.split("#")[0] == here:
            if not driver.execute_script("return document.getElementById(arguments[0]) !== null",
                                         unquote(url.fragment)):
                dead.append(given)
            continue
        if url.scheme != "file" or not Path(unquote(url.path)).is_file():
            dead.append(given)
        elif url.fragment.startswith("/") and url.fragment[1:] not in allure_ids:
            dead.append(given)
    return dead


def _rect(driver, element) -> dict:
    return driver.execute_script("const r = arguments[0].getBoundingClientRect();"
                                 "return {left: r.left, top: r.top, right: r.right, bottom: r.bottom,"
                                 " width: r.width, height: r.height}", element)


def _overlap(a: dict, b: dict) -> bool:
    return a["left"] < b["right"] and b["left"] < a["right"] and a["top"] < b["bottom"] and b["top"] < a["bottom"]


def _failed(results: dict) -> list[dict]:
    failed = [s for s in results["scenarios"] if s["verdict"] == "fail"]
    assert failed, "the legacy monitor was expected to fail scenarios"
    return failed


def test_the_matrix_is_visible_and_every_cell_lands_on_its_scenario(browser, report, shots):
    path, results = report
    page = path / "summary.html"
    _open(browser, page)
    matrices = _wait(browser, lambda d: d.find_elements("css selector", "table.matrix"), "the matrix tables")
    assert len(matrices) == 3 and all(t.is_displayed() and t.size["height"] > 50 for t in matrices)
    cells = browser.find_elements("css selector", "table.matrix td a[href^='#']")
    assert len(cells) >= len([s for s in results["scenarios"] if s.get("row", "")[:1] in ("S", "N", "D")])
    missing = browser.execute_script(
        "return Array.from(document.querySelectorAll('table.matrix td a[href^=\"#\"]'))"
        ".filter(a => !document.getElementById(decodeURIComponent(a.getAttribute('href').slice(1))))"
        ".map(a => a.getAttribute('href'))")
    assert missing == []
    # every scenario has its rows, failures first, the failures block above the matrix
    rows = browser.find_elements("css selector", "tbody.sc")
    assert len(rows) == len(results["scenarios"])
    verdicts = [r.find_element("css selector", "td:last-child").text for r in
                [row.find_element("css selector", "tr") for row in rows]]
    assert verdicts == sorted(verdicts, key=lambda v: v != "FAIL")
    top = {k: _rect(browser, browser.find_element("id", k))["top"] for k in ("failures", "matrix", "scenarios")}
    assert top["failures"] < top["matrix"] < top["scenarios"]
    failures = browser.find_element("id", "failures").find_element("xpath", "following-sibling::table[1]").text
    for sc in _failed(results):
        assert sc["id"] in failures and sc["problems"][0] in failures
    browser.save_screenshot(str(shots / "summary-matrix.png"))

    # a FAIL cell, clicked, brings its scenario's row into view
    failed_cell = browser.find_element("css selector", "table.matrix td.fail a")
    target = failed_cell.get_attribute("href").split("#", 1)[1]
    failed_cell.click()
    _wait(browser, lambda d: d.execute_script("return location.hash") == "#" + target, "the cell's anchor")
    row = browser.find_element("id", target)
    r = _rect(browser, row)
    assert -2 <= r["top"] < HEIGHT / 2 and row.is_displayed()  # scrolled to the top (borders: half a pixel)
    assert "FAIL" in row.text and any(sc["id"] in row.text for sc in _failed(results))
    browser.save_screenshot(str(shots / "summary-failed-row.png"))


def test_every_link_of_the_summary_pages_leads_somewhere(browser, report):
    path, _ = report
    ids = set(scenario_test_ids(path / "allure-results").values())
    for page in (path / "summary.html", path / "html" / "summary.html"):
        _open(browser, page)
        _wait(browser, lambda d: d.find_elements("css selector", "table.matrix"), f"{page}")
        assert browser.find_elements("css selector", "a.allure"), page
        assert _dead_links(browser, page, ids) == [], page


def test_a_failed_scenarios_allure_link_opens_its_test(browser, report, shots):
    path, results = report
    sc = next(s for s in _failed(results) if s["row"] == "S2")
    _open(browser, path / "summary.html")
    link = _wait(browser, lambda d: [a for a in d.find_elements("css selector", "#failures + table a.allure")
                                     if sc["id"] in a.find_element("xpath", "..").text], "the Allure link")[0]
    link.click()
    title = _wait(browser, lambda d: d.find_elements("css selector", "[data-testid='test-result-info-title']"),
                  "the test's page")[0]
    allure = {}
    for f in (path / "allure-results").glob("*-result.json"):
        doc = json.loads(f.read_text(encoding="utf-8"))
        if {"name": "scenario", "value": sc["id"]} in doc.get("labels", []):
            allure = doc if doc.get("stop", 0) >= allure.get("stop", 0) else allure
    assert allure, f"no Allure result labelled scenario={sc['id']}"
    _wait(browser, lambda d: title.text == allure["name"], f"the title {allure['name']!r}")
    status = browser.find_element("css selector", "[data-testid='test-result-status-failed']")
    assert status.is_displayed() and status.text == "Failed"
    error = browser.find_element("css selector", "[data-testid='test-result-error']")
    assert sc["problems"][0] in error.text
    browser.save_screenshot(str(shots / "allure-failed-scenario.png"))
    # two runs into the same directory: the test has a history
    browser.find_element("css selector", "[data-testid='test-result-tab-history']").click()
    past = _wait(browser, lambda d: d.find_elements("css selector", "[data-testid='test-result-history-item']"),
                 "the history of the test (the first run)")
    assert len(past) == 1 and past[0].find_elements("css selector", "[data-testid='tree-leaf-status-failed']")
    assert "No history information available" not in browser.find_element("css selector", "#app").text
    browser.save_screenshot(str(shots / "allure-failed-scenario-history.png"))


def _footer_rects(driver) -> list[dict]:
    """The report's footer: 'Powered by', the language, 'Generated ...', the keyboard shortcuts."""
    return driver.execute_script("""
        const out = [];
        for (const el of document.querySelectorAll('#app *')) {
          const r = el.getBoundingClientRect();
          if (r.width > 0 && r.height > 0 && r.top > innerHeight - 60 && el.children.length === 0
              && el.id !== 'altio-hil-summary-link' && !el.closest('#altio-hil-summary-link'))
            out.push({left: r.left, top: r.top, right: r.right, bottom: r.bottom, width: r.width, height: r.height});
        }
        return out;""")


@pytest.mark.parametrize("layout", ["base", "split"])
def test_the_summary_link_is_in_the_header_and_covers_nothing(browser, report, shots, layout):
    path, _ = report
    _open(browser, path / "html" / "index.html")
    toggle = _wait(browser, lambda d: d.find_elements("css selector", "[data-testid='toggle-layout-button']"),
                   "the report's header")[0]
    if layout == "split":
        toggle.click()
    link = _wait(browser, lambda d: [a for a in d.find_elements("id", "altio-hil-summary-link")
                                     if "altio-hil-in-header" in (a.get_attribute("class") or "")],
                 "the summary link in the header")[0]
    assert link.is_displayed() and "Failover matrix" in link.text
    r = _rect(browser, link)
    assert r["top"] >= 0 and r["bottom"] <= 60 and r["width"] > 40, r  # in the header bar
    hit = browser.execute_script(
        "const e = document.elementFromPoint(arguments[0], arguments[1]); return e && e.closest('#altio-hil-summary-link') !== null",
        (r["left"] + r["right"]) / 2, (r["top"] + r["bottom"]) / 2)
    assert hit, "something covers the summary link"
    footer = _footer_rects(browser)
    assert footer and "Powered by" in browser.find_element("css selector", "#app").text
    assert not any(_overlap(r, f) for f in footer)
    for other in browser.find_elements("css selector", "[data-testid='toggle-layout-button'], nav button"):
        assert not _overlap(r, _rect(browser, other))
    browser.save_screenshot(str(shots / f"allure-index-{layout}.png"))
    # still there after Allure redraws the page (a test opened, then the tree again)
    browser.find_elements("css selector", "[data-testid='tree-leaf']")[0].click()
    _wait(browser, lambda d: d.find_elements("css selector", "[data-testid='test-result-info-title']"), "a test")
    _wait(browser, lambda d: d.find_element("id", "altio-hil-summary-link").is_displayed(), "the link again")
    browser.find_element("id", "altio-hil-summary-link").click()
    _wait(browser, lambda d: d.find_elements("css selector", "table.matrix"), "summary.html from the link")
    assert browser.current_url.split("#")[0].endswith("/html/summary.html")


def test_the_summary_inside_the_report_is_readable(browser, report, shots):
    path, _ = report
    _open(browser, path / "html" / "index.html", "#globalAttachments")
    for name in ("summary.html", "detect-failover-times.svg"):
        _wait(browser, lambda d, n=name: d.find_elements("xpath", f"//*[text()='{n}']"), name)[0].click()
    frame = _wait(browser, lambda d: d.find_elements("css selector", "iframe[title='HTML attachment']"), "the frame")[0]
    _wait(browser, lambda d: frame.size["height"] >= 400, "a frame tall enough to read")
    image = _wait(browser, lambda d: [i for i in d.find_elements("css selector", "img")
                                      if d.execute_script("return arguments[0].naturalWidth", i) > 300],
                  "the detection and failover times picture")[0]
    assert image.is_displayed()
    browser.save_screenshot(str(shots / "allure-global-attachments.png"))


def test_a_report_without_html_has_no_dead_link(browser, plain_report, shots):
    path, results = plain_report
    assert not (path / "html" / "index.html").exists()
    for page in (path / "summary.html", path / "html" / "summary.html"):
        _open(browser, page)
        _wait(browser, lambda d: d.find_elements("css selector", "table.matrix"), f"{page}")
        assert not browser.find_elements("css selector", "a.allure")
        assert _dead_links(browser, page, set()) == [], page
        # the in-page links still work
        cell = browser.find_element("css selector", "table.matrix td.fail a")
        target = cell.get_attribute("href").split("#", 1)[1]
        cell.click()
        _wait(browser, lambda d, t=target: d.execute_script("return location.hash") == "#" + t, "the anchor")
    browser.save_screenshot(str(shots / "summary-no-html.png"))
    assert len(browser.find_elements("css selector", "tbody.sc")) == len(results["scenarios"])
