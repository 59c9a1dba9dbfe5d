"""What a run leaves for its readers.

- `results`: results.json (the DESIGN.md contract), the run's outcome;
- `verdict_matrix`: the seed's failover table crossed with the columns a run covered;
- `terminal`: the matrix and the failures for a terminal; `summary`: the summary page (summary.html);
- `junit`: junit.xml from results.json (one testcase per scenario); `merge`: several reports into one;
- `allure`: the Allure 3 HTML report and its environment; `redaction`: main.cf as a report may show it;
- `distribution`: the detection and failover times as a picture; `publish`: everything a report
  directory gets after its results.json (environment, junit.xml, summary pages, the HTML report).
"""

from harness.report.allure import (
    SUMMARY_LINK_MARK,
    allure_command,
    generate_html,
    read_allure_environment,
    scenario_test_ids,
    write_allure_environment,
)
from harness.report.distribution import render_latency_svg
from harness.report.errors import ReportError, ResultsError
from harness.report.junit import write_junit
from harness.report.merge import merge_reports
from harness.report.publish import Published, allure_environment, publish
from harness.report.redaction import redact_main_cf
from harness.report.results import (
    VERDICTS,
    ExpectedOutcome,
    FaultRecord,
    ObservedOutcome,
    RunResults,
    ScenarioResult,
    outcome_of,
    validate_results,
    write_results,
)
from harness.report.summary import render_matrix_html, scenario_anchors
from harness.report.terminal import render_failures, render_matrix_text
from harness.report.verdict_matrix import (
    FAMILIES,
    REFERENCE_TABLE,
    ROW_IDS,
    Cell,
    Matrix,
    MatrixColumn,
    ReferenceRow,
    guest_blocks,
    matrix,
)

__all__ = [
    "Cell", "ExpectedOutcome", "FAMILIES", "FaultRecord", "Matrix", "MatrixColumn", "ObservedOutcome",
    "REFERENCE_TABLE", "ROW_IDS", "ReferenceRow", "ReportError", "ResultsError", "RunResults",
    "SUMMARY_LINK_MARK", "ScenarioResult", "VERDICTS", "allure_command", "generate_html", "guest_blocks",
    "matrix", "outcome_of", "redact_main_cf", "render_matrix_html", "render_matrix_text", "validate_results",
    "write_allure_environment", "write_results",
    "merge_reports", "render_failures", "write_junit",
    "Published", "allure_environment", "publish", "read_allure_environment", "render_latency_svg",
    "scenario_anchors", "scenario_test_ids",
]
