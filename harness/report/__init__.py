"""What a run leaves for its readers.

- `results`: results.json (the DESIGN.md contract), the run's outcome;
- `verdict_matrix`: the seed's failover table crossed with the columns a run covered;
- `terminal`: the matrix for a terminal; `summary`: the summary page (summary.html);
- `allure`: the Allure 3 HTML report and its environment; `redaction`: main.cf as a report may show it.
"""

from harness.report.allure import (
    SUMMARY_LINK_MARK,
    allure_command,
    generate_html,
    write_allure_environment,
)
from harness.report.errors import ReportError, ResultsError
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
from harness.report.summary import render_matrix_html
from harness.report.terminal import render_matrix_text
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
]
