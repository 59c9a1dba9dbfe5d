"""Everything a report directory gets once its results.json is written: by `altio-hil run` after
pytest, and by `altio-hil report merge` after joining runs.

`publish(report, results, run_info, html=..., title=...)` writes
- allure-results/environment.properties: the run's lab, inventory, target, monitor, seed, outcome,
  versions and the agent build found on the lab (keys already there, e.g. a merge's, are kept);
- junit.xml (harness.report.junit);
- summary.html, twice: report/summary.html and report/html/summary.html, each with links that work
  from where it is (timelines, and the Allure report's tests when there is one);
- html/index.html, the Allure report (unless html=False), with the summary and the detection and
  failover times as global attachments, and the report directory's history (history.jsonl: kept
  across runs into the same directory, so that Allure shows each test's history and the trend).
"""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from harness.report.allure import (
    generate_html,
    read_allure_environment,
    scenario_test_ids,
    write_allure_environment,
)
from harness.report.distribution import render_latency_svg
from harness.report.errors import ReportError
from harness.report.junit import write_junit
from harness.report.summary import render_matrix_html
from harness.report.verdict_matrix import matrix

HISTORY_FILE = "history.jsonl"  # in the report directory; `run` and `report merge` leave it in place
DISTRIBUTION_ATTACHMENT = "detect-failover-times.svg"
_RUN_KEYS = ("lab", "target", "monitor", "seed")


@dataclass(frozen=True)
class Published:
    results: Path  # results.json (written before: by the plugin, or by report merge)
    junit: Path
    summary: Path  # report/summary.html (report/html/summary.html is its twin)
    html: Path | None  # html/index.html, None with html=False or when it could not be rendered
    html_error: str | None  # why the HTML report was not rendered (node or Allure missing, Allure failed)


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("altio-hil")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "source"


def allure_environment(results: Mapping[str, Any], run_info: Mapping[str, Any]) -> dict[str, str]:
    """What Allure shows as the run's environment: the lab, its inventory, target, monitor, seed and
    outcome, the Python and altio-hil versions, and the agent build installed on the lab (the sha256
    of its monitor on every system) when results.json identifies one."""
    env: dict[str, str] = {}
    for key in ("lab", "inventory", "target", "monitor", "seed", "outcome"):
        value = run_info.get(key, results.get(key))
        if value is not None:
            env[key] = str(value)
    env["python"] = sys.version.split()[0]
    env["altio-hil"] = _version()
    agent = results.get("agent")
    if isinstance(agent, Mapping) and agent.get("monitor"):
        env["installed agent"] = str(agent["monitor"])
        for system, files in sorted((agent.get("files") or {}).items()):
            env[f"agent monitor sha256 @{system}"] = str((files or {}).get("monitor") or "missing")
    return env


def publish(report: Path, results: Mapping[str, Any], run_info: Mapping[str, Any], *, html: bool = True,
            title: str) -> Published:
    """Write the report directory's environment, junit.xml, summary pages and (with `html`) the Allure
    HTML report, from `results` (the results.json document) and `run_info` (lab, target, monitor,
    seed, inventory, wall_s, clock_s, workers, ...: shown on the summary page; outcome, harness
    errors and merged runs are taken from `results` when run_info does not give them).

    An HTML report that cannot be rendered is not an error of the run: `html_error` says why, and the
    summary pages are then written without links to it."""
    report = Path(report)
    allure_dir = report / "allure-results"
    scenarios = list(results.get("scenarios") or [])
    info: dict[str, Any] = {k: results[k] for k in _RUN_KEYS if k in results}
    info.update(run_info)
    info.setdefault("outcome", results.get("outcome"))
    info.setdefault("harness_errors", list(results.get("harness_errors") or []))
    if results.get("runs"):
        info.setdefault("runs", results["runs"])
    if info["outcome"] is None:
        del info["outcome"]

    environment = allure_environment(results, run_info)
    environment.update(read_allure_environment(allure_dir))  # a merge's joined values are kept
    write_allure_environment(allure_dir, environment)
    junit = write_junit(report / "junit.xml", results)

    not_run = list(results.get("not_run") or [])
    m = matrix(scenarios, not_run=not_run)
    times = render_latency_svg(scenarios)
    html_dir = report / "html"

    def page(where: Path, report_href: str | None, test_ids: Mapping[str, str] | None) -> str:
        return render_matrix_html(m, info, scenarios, link_base=where, report_href=report_href,
                                  paths_base=html_dir, test_ids=test_ids, distribution_svg=times, not_run=not_run)

    index: Path | None = None
    html_error: str | None = None
    test_ids: dict[str, str] = {}
    if html:
        test_ids = scenario_test_ids(allure_dir)
        # inside the report the page is in a sandboxed frame that follows no link, not even within it
        attachment = render_matrix_html(m, info, scenarios, report_href=None, distribution_svg=times,
                                        not_run=not_run, timelines=False, links=False)
        try:
            index = generate_html(allure_dir, html_dir, page(html_dir, "index.html", test_ids), title,
                                  attachment_html=attachment, extra_attachments=[(DISTRIBUTION_ATTACHMENT, times)],
                                  history_path=report / HISTORY_FILE)
        except ReportError as exc:
            html_error = str(exc)
    if index is None:
        html_dir.mkdir(parents=True, exist_ok=True)
        (html_dir / "summary.html").write_text(page(html_dir, None, None), encoding="utf-8")
    summary = report / "summary.html"
    summary.write_text(page(report, "html/index.html" if index else None, test_ids if index else None),
                       encoding="utf-8")
    return Published(results=report / "results.json", junit=junit, summary=summary, html=index,
                     html_error=html_error)
