"""What a run leaves for its readers: results.json, the failover matrix, the Allure 3 HTML report.

- `write_results` / `validate_results`: the `results.json` contract of DESIGN.md (extra keys such as
  "row", "node", "group" are kept; the matrix needs them).
- `matrix`: the seed's failover table (rows S1-S4, N1-N4, D1-D4) crossed with the (node, group or
  domain) columns a run covered, each cell holding the verdicts of its scenarios; rendered for the
  terminal (`render_matrix_text`) and as a standalone summary page (`render_matrix_html`).
- `generate_html`: renders the Allure 3 report with the npm package pinned in package.json, as one
  self-contained `index.html` (Awesome plugin, single-file mode, so it opens from disk without a web
  server), with the summary page beside it as `summary.html`, reachable two ways: as a global
  attachment of the report, and through a link banner injected into `index.html`. The Awesome
  template's analytics tag (a Google Tag Manager script) is stripped so that opening a report
  never reaches the network.
"""

from __future__ import annotations

import html
import json
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from emulators.vcs.config import secret_spans
from harness.processes import die_with_parent, pid_alive

REPO_ROOT = Path(__file__).resolve().parents[1]
VERDICTS = ("pass", "fail", "error")


class ReportError(Exception):
    """A report cannot be written or rendered; the message says why and what to do."""


class ResultsError(ReportError, ValueError):
    """results.json content that does not follow the DESIGN.md contract."""


# --- results.json ---------------------------------------------------------------------------------


class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class FaultRecord(_Model):
    kind: str = Field(min_length=1)
    where: str = Field(pattern=r"^[^:\s]+(:\S+)?$")


class ExpectedOutcome(_Model):
    failover: bool
    alternateio: Literal["ONLINE", "OFFLINE"]


class ObservedOutcome(_Model):
    failover: bool
    alternateio: str
    ldom_system: str


class ScenarioResult(_Model):
    id: str = Field(min_length=1)
    faults: list[FaultRecord]
    expected: ExpectedOutcome
    observed: ObservedOutcome
    verdict: Literal["pass", "fail", "error"]
    detect_s: float | None = Field(ge=0)
    failover_s: float | None = Field(ge=0)
    clock: Literal["virtual", "real"]
    clock_s: float = Field(ge=0)
    wall_s: float = Field(ge=0)


Outcome = Literal["passed", "failed", "interrupted", "error"]


class HarnessError(_Model):
    """A test that broke for a reason of the harness's own (not a verdict on the monitor)."""

    test: str
    error: str


class RunResults(_Model):
    lab: str
    target: str
    monitor: str
    seed: int
    # the run as a whole: "interrupted" (Ctrl-C, SIGTERM, or killed: written before the first test) and
    # "error" (a harness or lab failure) are never verdicts on the monitor, whatever the scenarios say
    outcome: Outcome
    harness_errors: list[HarnessError] = []
    scenarios: list[ScenarioResult]


def outcome_of(scenarios: list[dict], harness_errors: list | None = None, failed_tests: int = 0) -> str:
    """The outcome of a run that finished: error beats fail beats pass."""
    if harness_errors or any(s["verdict"] == "error" for s in scenarios):
        return "error"
    if failed_tests or any(s["verdict"] == "fail" for s in scenarios):
        return "failed"
    return "passed"


def _error_lines(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"{where or '(top)'}: {err['msg']}")
    return lines


def validate_results(obj: object) -> RunResults:
    """Check an object (e.g. a loaded results.json) against the contract; ResultsError lists every problem."""
    if not isinstance(obj, Mapping):
        raise ResultsError(f"results must be a JSON object, got {type(obj).__name__}")
    try:
        return RunResults.model_validate(dict(obj))
    except ValidationError as exc:
        raise ResultsError("results.json does not follow the contract:\n  " + "\n  ".join(_error_lines(exc))) from None


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    to_jsonable = getattr(value, "to_jsonable", None)
    if callable(to_jsonable):
        return to_jsonable()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_results(
    path: str | os.PathLike[str], lab: str, target: str, monitor: str, seed: int, scenarios: list[dict],
    extra: Mapping[str, Any] | None = None, outcome: str | None = None,
) -> None:
    """Write results.json (validated first, written atomically so a reader never sees half a file).
    `extra`: more top-level fields (e.g. `agent`: the build identified on a real lab); `outcome`:
    the run's (default: from the scenarios' verdicts)."""
    doc = {"lab": lab, "target": target, "monitor": monitor, "seed": seed,
           "outcome": outcome or outcome_of(list(scenarios)), **dict(extra or {}), "scenarios": list(scenarios)}
    try:
        text = json.dumps(doc, indent=2, default=_jsonable, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ResultsError(f"results cannot be written as JSON: {exc}") from None
    validate_results(json.loads(text))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)


# --- the failover matrix --------------------------------------------------------------------------


@dataclass(frozen=True)
class ReferenceRow:
    """One row of the seed's failover table (../shared/reference/failover-scenarios.md)."""

    id: str
    watched: str
    control: str
    alternate: str
    expected: str

    @property
    def family(self) -> str:
        return self.id[0]


REFERENCE_TABLE: tuple[ReferenceRow, ...] = (
    ReferenceRow("S1", "each storage SG in AlternateIO's StorageSG", "Online", "Online", "no failover"),
    ReferenceRow("S2", "each storage SG in AlternateIO's StorageSG", "Offline/Faulted", "Online", "no failover"),
    ReferenceRow("S3", "each storage SG in AlternateIO's StorageSG", "Online", "Offline/Faulted", "no failover"),
    ReferenceRow("S4", "each storage SG in AlternateIO's StorageSG", "Offline/Faulted", "Offline/Faulted", "failover"),
    ReferenceRow("N1", "each network SG in AlternateIO's NetworkSG", "Online", "Online", "no failover"),
    ReferenceRow("N2", "each network SG in AlternateIO's NetworkSG", "Offline/Faulted", "Online", "no failover"),
    ReferenceRow("N3", "each network SG in AlternateIO's NetworkSG", "Online", "Offline/Faulted", "no failover"),
    ReferenceRow("N4", "each network SG in AlternateIO's NetworkSG", "Offline/Faulted", "Offline/Faulted", "failover"),
    ReferenceRow("D1", "node (domain) state", "up", "up", "no failover"),
    ReferenceRow("D2", "node (domain) state", "up", "down", "no failover"),
    ReferenceRow("D3", "node (domain) state", "down", "up", "failover"),
    ReferenceRow("D4", "node (domain) state", "down", "down", "failover"),
)
FAMILIES: dict[str, str] = {"S": "storage service groups", "N": "network service groups", "D": "domains"}
ROW_IDS = tuple(r.id for r in REFERENCE_TABLE)


@dataclass(frozen=True, order=True)
class MatrixColumn:
    """A (node, group-or-domain) column; D rows use the scenario's "group" key, else "domain". In a
    run of several guests each guest has its block of columns (`guest`: its LDom service group)."""

    node: str
    target: str
    guest: str = ""

    @property
    def label(self) -> str:
        return f"{self.node} / {self.target}"

    @property
    def order(self) -> tuple[str, str, str]:
        return (self.guest, self.node, self.target)


@dataclass(frozen=True)
class Cell:
    verdicts: tuple[str, ...]
    scenario_ids: tuple[str, ...]
    applicable: bool = True

    @property
    def status(self) -> str:
        """"n/a" (column not used by this row's family), "not run", or the worst verdict: fail, error, pass."""
        if not self.applicable:
            return "n/a"
        if not self.verdicts:
            return "not run"
        for worst in ("fail", "error"):
            if worst in self.verdicts:
                return worst
        return "pass"

    @property
    def mark(self) -> str:
        status = self.status
        if status in ("n/a", "not run"):
            return {"n/a": ".", "not run": "--"}[status]
        n = len(self.verdicts)
        if n == 1:
            return status.upper()
        bad = sum(1 for v in self.verdicts if v == status)
        return f"{status.upper()} {bad}/{n}" if status != "pass" else f"PASS x{n}"


@dataclass
class Matrix:
    rows: tuple[ReferenceRow, ...]
    columns: dict[str, list[MatrixColumn]]  # family letter -> its columns, in order
    cells: dict[tuple[str, MatrixColumn], Cell]
    counts: dict[str, int]  # pass, fail, error (scenarios), not_run (cells), scenarios, cells
    others: dict[str, list[tuple[str, str]]] = field(default_factory=dict)  # row kind -> [(id, verdict)]

    def cell(self, row_id: str, column: MatrixColumn | tuple[str, str]) -> Cell:
        col = column if isinstance(column, MatrixColumn) else MatrixColumn(*column)
        return self.cells.get((row_id, col), Cell((), (), applicable=False))

    def rows_of(self, family: str) -> list[ReferenceRow]:
        return [r for r in self.rows if r.family == family]


def matrix(
    scenarios: Iterable[Mapping[str, Any]],
    expected_columns: Mapping[str, Iterable[tuple[str, str]]] | None = None,
) -> Matrix:
    """Cross the reference table with the columns the scenarios cover.

    A scenario lands in the matrix when its "row" is one of S1..D4; its column is ("node", "group"),
    with "domain" standing in for a missing group. Other rows ("combo", "nemesis", "contract", ...)
    are tallied under `others`. `expected_columns` (family letter -> columns) adds columns the run
    should have covered, so that a group that was never exercised shows as "not run".
    """
    columns: dict[str, list[MatrixColumn]] = {f: [] for f in FAMILIES}
    found: dict[tuple[str, MatrixColumn], list[tuple[str, str]]] = {}
    others: dict[str, list[tuple[str, str]]] = {}
    counts = {"pass": 0, "fail": 0, "error": 0, "not_run": 0, "scenarios": 0, "cells": 0}
    scenarios = list(scenarios)
    # several guests judged: one block of columns per guest (one guest: no guest in the columns)
    several = len({str(sc.get("guest") or "") for sc in scenarios if str(sc.get("row") or "") in ROW_IDS}) > 1
    for family, cols in (expected_columns or {}).items():
        if family not in FAMILIES:
            raise ReportError(f"unknown row family {family!r} in expected columns; expected one of S, N, D")
        for node, target in cols:
            col = MatrixColumn(str(node), str(target))
            if col not in columns[family]:
                columns[family].append(col)
    for sc in scenarios:
        verdict = str(sc.get("verdict", "error"))
        counts["scenarios"] += 1
        if verdict in VERDICTS:
            counts[verdict] += 1
        row = str(sc.get("row") or "other")
        sid = str(sc.get("id", "?"))
        if row not in ROW_IDS:
            others.setdefault(row, []).append((sid, verdict))
            continue
        col = MatrixColumn(str(sc.get("node") or "?"), str(sc.get("group") or "domain"),
                           str(sc.get("guest") or "") if several else "")
        family_cols = columns[row[0]]
        if col not in family_cols:
            family_cols.append(col)
        found.setdefault((row, col), []).append((sid, verdict))
    if expected_columns is None:
        for cols in columns.values():
            cols.sort(key=lambda c: c.order)
    # D rows: where a node has several alternate domains, D2 (one alternate down) gets a column per
    # alternate domain and the node-wide rows (D1, D3, D4) keep the "domain" column; the other
    # crossings do not exist and are shown as not applicable, not as gaps
    split_nodes = {c.node for c in columns["D"] if c.target != "domain"}

    def applicable(row_id: str, col: MatrixColumn) -> bool:
        if row_id[0] != "D" or col.node not in split_nodes:
            return True
        return (row_id == "D2") == (col.target != "domain")

    cells: dict[tuple[str, MatrixColumn], Cell] = {}
    for ref in REFERENCE_TABLE:
        for col in columns[ref.family]:
            hits = found.get((ref.id, col), [])
            if not hits and not applicable(ref.id, col):
                cells[(ref.id, col)] = Cell((), (), applicable=False)
                continue
            cell = Cell(tuple(v for _, v in hits), tuple(i for i, _ in hits))
            cells[(ref.id, col)] = cell
            counts["cells"] += 1
            if not hits:
                counts["not_run"] += 1
    return Matrix(REFERENCE_TABLE, columns, cells, counts, others)


def guest_blocks(cols: list[MatrixColumn]) -> list[tuple[str, list[MatrixColumn]]]:
    """A family's columns cut into one block per guest, in order ("" : a run of one guest)."""
    blocks: dict[str, list[MatrixColumn]] = {}
    for col in cols:
        blocks.setdefault(col.guest, []).append(col)
    return list(blocks.items())


def _ascii(text: str) -> str:
    return text.encode("ascii", "replace").decode("ascii")


def render_matrix_text(m: Matrix) -> str:
    """The matrix for a terminal: one block per row family, aligned columns, ASCII only."""
    out: list[str] = []
    c = m.counts
    out.append(
        f"Failover matrix: {c['scenarios']} scenarios  pass {c['pass']}  fail {c['fail']}  "
        f"error {c['error']}  cells not run {c['not_run']}   (-- not run, . not applicable)"
    )
    for family, title in FAMILIES.items():
        for guest, cols in guest_blocks(m.columns[family]):
            head = ["row", "control", "alternate", "expected"] + [_ascii(col.label) for col in cols]
            body = []
            for ref in m.rows_of(family):
                body.append(
                    [ref.id, ref.control, ref.alternate, ref.expected] + [m.cell(ref.id, col).mark for col in cols]
                )
            widths = [max(len(r[i]) for r in [head, *body]) for i in range(len(head))]
            out.append("")
            out.append(f"{title} ({_ascii(m.rows_of(family)[0].watched)})"
                       + (f", guest {_ascii(guest)}" if guest else ""))
            for r in [head, *body]:
                out.append("  ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)).rstrip())
    if m.others:
        out.append("")
        for kind, items in m.others.items():
            tally = {v: sum(1 for _, x in items if x == v) for v in dict.fromkeys(x for _, x in items)}
            failed = [i for i, v in items if v != "pass"]
            line = f"{_ascii(kind)}: " + "  ".join(f"{v} {n}" for v, n in tally.items())
            if failed:
                line += "  (" + ", ".join(_ascii(i) for i in failed[:8]) + (", ..." if len(failed) > 8 else "") + ")"
            out.append(line)
    return "\n".join(out) + "\n"


_CSS = """
body{font-family:DejaVu Sans,Verdana,Arial,Helvetica,sans-serif;margin:24px;color:#202124;font-size:14px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} h3{font-size:14px;margin:16px 0 6px}
a{color:#1a73e8} .muted{color:#5f6368}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #dadce0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.info td:first-child{font-weight:600;background:#f8f9fa}
.pass{background:#ceead6;color:#0d652d;font-weight:600} .fail{background:#fad2cf;color:#a50e0e;font-weight:600}
.error{background:#feefc3;color:#8a4b00;font-weight:600} .notrun{background:#f1f3f4;color:#5f6368}
.na{background:#fff;color:#bdc1c6} .differs{color:#a50e0e;font-weight:600}
.counts span{display:inline-block;margin-right:8px;padding:2px 8px;border-radius:10px}
details{margin:4px 0} summary{cursor:pointer} .tl{overflow-x:auto}
code{font-family:DejaVu Sans Mono,Consolas,monospace;font-size:12px}
"""
_STATUS_CLASS = {"pass": "pass", "fail": "fail", "error": "error", "not run": "notrun", "n/a": "na"}
_XML_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
INLINE_SVG_BUDGET = 8_000_000  # bytes of timeline SVG inlined in one summary page; the rest is linked


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _fmt_seconds(value: object) -> str:
    if value is None:
        return "\u2013"
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return _e(value)
    return f"{f:.3f}" if f < 10 else f"{f:.1f}"


def _yes_no(value: object) -> str:
    return {True: "failover", False: "no failover"}.get(value, str(value))  # type: ignore[call-overload]


def _differs(exp: Mapping[str, Any], obs: Mapping[str, Any], key: str, text: str) -> str:
    """Mark in red what the oracle did not expect."""
    return f'<span class="differs">{text}</span>' if key in exp and exp.get(key) != obs.get(key) else text


def _timeline_html(sc: Mapping[str, Any], link_base: Path | None, budget: list[int]) -> str:
    path_value = sc.get("timeline_svg")
    if not path_value:
        return ""
    path = Path(path_value)
    if link_base is not None and not path.is_absolute():
        path = link_base / path
    href = str(path_value)
    if link_base is not None:
        try:
            href = os.path.relpath(path, link_base)
        except ValueError:
            href = str(path)
    open_attr = " open" if sc.get("verdict") != "pass" else ""
    try:
        svg = path.read_text(encoding="utf-8")
    except OSError:
        return f'<a href="{_e(Path(href).as_posix())}">timeline (SVG)</a>'
    if len(svg) > budget[0]:
        return f'<a href="{_e(Path(href).as_posix())}">timeline (SVG)</a>'
    budget[0] -= len(svg)
    svg = _XML_PROLOG.sub("", svg, count=1)
    return (
        f'<details{open_attr}><summary>timeline</summary><div class="tl">{svg}</div>'
        f'<a class="muted" href="{_e(Path(href).as_posix())}">open the SVG</a></details>'
    )


def render_matrix_html(
    m: Matrix,
    run_info: Mapping[str, Any],
    scenarios: Sequence[Mapping[str, Any]],
    link_base: str | os.PathLike[str] | None = None,
    report_href: str | None = "index.html",
) -> str:
    """A standalone summary page (inline CSS, no scripts): run info, matrix, every scenario.

    `run_info`: lab, target, monitor, seed and optionally wall_s / clock_s for the whole run (else
    summed from the scenarios). Timelines named by `scenario["timeline_svg"]` are inlined (up to a
    size budget) or linked; relative paths are read from, and links made relative to, `link_base`
    (the directory the page is written to).
    """
    base = Path(link_base) if link_base is not None else None
    c = m.counts
    clock_s = run_info.get("clock_s", sum(float(s.get("clock_s") or 0) for s in scenarios))
    wall_s = run_info.get("wall_s", sum(float(s.get("wall_s") or 0) for s in scenarios))
    try:
        speedup = f"{float(clock_s) / float(wall_s):,.0f}\u00d7" if float(wall_s) > 0 else "\u2013"
    except (TypeError, ValueError):
        speedup = "\u2013"
    title = f"altio-hil run \u2013 {run_info.get('lab', '?')} on {run_info.get('target', '?')}"
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f"<h1>{_e(title)}</h1>",
    ]
    if report_href:
        out.append(f'<p class="muted"><a href="{_e(report_href)}">&larr; back to the Allure report</a></p>')
    if "outcome" in run_info:  # the run as a whole, as results.json and junit.xml say it
        outcome = str(run_info["outcome"])
        css = {"passed": "pass", "failed": "fail"}.get(outcome, "error")
        out.append(f'<p class="counts" id="outcome"><span class="{css}">outcome: {_e(outcome)}</span></p>')
        errors = run_info.get("harness_errors") or []
        if errors:
            out.append("<p>Harness errors (not verdicts on the monitor):</p><ul id=\"harness-errors\">")
            out.extend(f"<li><code>{_e(e['test'])}</code>: {_e(e['error'])}</li>" for e in errors)
            out.append("</ul>")
    out.append('<table class="info">')
    for key in ("lab", "target", "monitor", "seed"):
        out.append(f"<tr><td>{key}</td><td>{_e(run_info.get(key, '?'))}</td></tr>")
    for key, value in run_info.items():
        if key not in ("lab", "target", "monitor", "seed", "wall_s", "clock_s", "outcome", "harness_errors"):
            out.append(f"<tr><td>{_e(key)}</td><td>{_e(value)}</td></tr>")
    out.append(f"<tr><td>clock seconds</td><td>{_fmt_seconds(clock_s)}</td></tr>")
    out.append(f"<tr><td>wall seconds</td><td>{_fmt_seconds(wall_s)}</td></tr>")
    out.append(f"<tr><td>speed-up (clock / wall)</td><td>{speedup}</td></tr>")
    out.append("</table>")
    out.append(
        '<p class="counts">'
        f'<span class="pass">pass {c["pass"]}</span><span class="fail">fail {c["fail"]}</span>'
        f'<span class="error">error {c["error"]}</span><span class="notrun">matrix cells not run {c["not_run"]}</span>'
        f'<span class="muted">{c["scenarios"]} scenarios</span></p>'
    )
    out.append("<h2>Failover matrix</h2>")
    out.append(
        '<p class="muted">Rows: the seed\'s failover table. Columns: node / service group (or domain). '
        "Each cell: the verdict of the scenarios of that row on that column.</p>"
    )
    any_cols = False
    for family, fam_title in FAMILIES.items():
        cols = m.columns[family]
        if not cols:
            continue
        any_cols = True
        out.append(f"<h3>{_e(fam_title)}</h3><table class=\"matrix\">")
        blocks = guest_blocks(cols)
        if any(guest for guest, _ in blocks):  # several guests: a column block per guest
            out.append('<tr><th colspan="5"></th>' + "".join(
                f'<th colspan="{len(bc)}" class="guest">guest {_e(guest)}</th>' for guest, bc in blocks) + "</tr>")
        out.append("<tr><th>row</th><th>what is watched</th>"
                   "<th>on control domain</th><th>on alternate I/O domain</th><th>expected</th>")
        out.extend(f"<th>{_e(col.node)}<br>{_e(col.target)}</th>" for col in cols)
        out.append("</tr>")
        for ref in m.rows_of(family):
            out.append(
                f"<tr><td><b>{ref.id}</b></td><td>{_e(ref.watched)}</td><td>{_e(ref.control)}</td>"
                f"<td>{_e(ref.alternate)}</td><td>{_e(ref.expected)}</td>"
            )
            for col in cols:
                cell = m.cell(ref.id, col)
                tip = ", ".join(f"{i}: {v}" for i, v in zip(cell.scenario_ids, cell.verdicts, strict=True))
                text = {"not run": "not run", "n/a": "\u00b7"}.get(cell.status, cell.mark)
                out.append(f'<td class="{_STATUS_CLASS[cell.status]}" title="{_e(tip)}">{_e(text)}</td>')
            out.append("</tr>")
        out.append("</table>")
    if not any_cols:
        out.append('<p class="muted">No scenario of the reference table ran.</p>')
    if m.others:
        out.append("<h3>other scenarios</h3><table><tr><th>kind</th><th>pass</th><th>fail</th><th>error</th></tr>")
        for kind, items in m.others.items():
            n = {v: sum(1 for _, x in items if x == v) for v in VERDICTS}
            out.append(
                f"<tr><td>{_e(kind)}</td><td class=\"num\">{n['pass']}</td><td class=\"num\">{n['fail']}</td>"
                f"<td class=\"num\">{n['error']}</td></tr>"
            )
        out.append("</table>")
    out.append("<h2>Scenarios</h2>")
    out.append(
        "<table><tr><th>id</th><th>row</th><th>faults</th><th>expected</th><th>observed</th>"
        "<th>detect_s</th><th>failover_s</th><th>clock_s</th><th>wall_s</th><th>verdict</th></tr>"
    )
    budget = [INLINE_SVG_BUDGET]
    for sc in scenarios:
        exp = sc.get("expected") or {}
        obs = sc.get("observed") or {}
        faults = "<br>".join(
            f"<code>{_e(f.get('kind', '?'))} {_e(f.get('where', '?'))}</code>" for f in sc.get("faults") or []
        )
        verdict = str(sc.get("verdict", "error"))
        expected = f"{_yes_no(exp.get('failover'))}<br>AlternateIO {_e(exp.get('alternateio', '?'))}"
        observed = (
            f"{_differs(exp, obs, 'failover', _yes_no(obs.get('failover')))}"
            f"<br>{_differs(exp, obs, 'alternateio', 'AlternateIO ' + _e(obs.get('alternateio', '?')))}"
            f"<br>LDom on {_e(obs.get('ldom_system', '?'))}"
        )
        where = " ".join(_e(sc[k]) for k in ("node", "group") if sc.get(k))
        out.append(
            f"<tr><td><code>{_e(sc.get('id', '?'))}</code></td><td>{_e(sc.get('row', ''))}"
            f"{'<br><span class=muted>' + where + '</span>' if where else ''}</td><td>{faults}</td>"
            f"<td>{expected}</td><td>{observed}</td>"
            f'<td class="num">{_fmt_seconds(sc.get("detect_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("failover_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("clock_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("wall_s"))}</td>'
            f'<td class="{_STATUS_CLASS.get(verdict, "error")}">{_e(verdict.upper())}</td></tr>'
        )
        timeline = _timeline_html(sc, base, budget)
        if timeline:
            out.append(f'<tr><td colspan="10">{timeline}</td></tr>')
    out.append("</table></body></html>")
    return "\n".join(out) + "\n"


# --- Allure ---------------------------------------------------------------------------------------


def _properties_escape(text: str, is_key: bool) -> str:
    out = []
    for i, ch in enumerate(str(text)):
        if ch == "\\":
            out.append("\\\\")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\f":
            out.append("\\f")
        elif ch in "=:#!" and (is_key or i == 0):
            out.append("\\" + ch)
        elif ch == " " and (is_key or i == 0):
            out.append("\\ ")
        elif ord(ch) < 0x20 or ord(ch) > 0x7E:
            out.extend(f"\\u{unit:04x}" for unit in _utf16_units(ch))
        else:
            out.append(ch)
    return "".join(out)


def _utf16_units(ch: str) -> list[int]:
    data = ch.encode("utf-16-be")
    return [int.from_bytes(data[i : i + 2], "big") for i in range(0, len(data), 2)]


def redact_main_cf(text: str) -> str:
    """main.cf as it may appear in a report: the values of its secret attributes (the cluster's
    UserNames: password hashes) replaced by ``<redacted>``, wherever the configuration language
    puts them (`secret_spans`: over several lines, among comments, quoted or not).

    Everything else is kept verbatim (comments and layout included), so an engineer reads the
    configuration the lab really runs.
    """
    lines = text.split("\n")
    for line, col, end in sorted(set(secret_spans(text)), reverse=True):
        src = lines[line - 1]
        lines[line - 1] = src[: col - 1] + "<redacted>" + src[end - 1 :]
    return "\n".join(lines)


def write_allure_environment(allure_dir: str | os.PathLike[str], mapping: Mapping[str, object]) -> Path:
    """Write environment.properties (Java properties syntax) that Allure shows as the run's environment."""
    directory = Path(allure_dir)
    directory.mkdir(parents=True, exist_ok=True)
    lines = [f"{_properties_escape(k, True)}={_properties_escape(v, False)}" for k, v in mapping.items()]
    path = directory / "environment.properties"
    path.write_text("\n".join(lines) + "\n", encoding="ascii")
    return path


SUMMARY_LINK_MARK = "<!-- altio-hil:summary-link -->"
_ANALYTICS = re.compile(
    r"\s*<script[^>]*googletagmanager\.com[^>]*>\s*</script>\s*<script>(?:(?!</script>).)*?gtag\(.*?</script>",
    re.DOTALL,
)


def _summary_banner(title: str) -> str:
    return (
        f"{SUMMARY_LINK_MARK}\n"
        '<a id="altio-hil-summary-link" href="summary.html" title="Failover matrix and scenario timelines" '
        'style="position:fixed;right:16px;bottom:16px;z-index:2147483647;padding:8px 14px;border-radius:18px;'
        "background:#1a73e8;color:#fff;font:600 13px/1.2 Arial,Helvetica,sans-serif;text-decoration:none;"
        f'box-shadow:0 2px 6px rgba(0,0,0,.3)">{_e(title)}: failover matrix &rarr;</a>\n'
    )


def allure_command() -> list[str]:
    """The command that runs the pinned Allure 3 CLI; ReportError when node or the package is missing."""
    node = shutil.which("node")
    cli = REPO_ROOT / "node_modules" / "allure" / "cli.js"
    if node is None:
        raise ReportError("node (Node.js) is not installed, so the HTML report cannot be rendered: run `make bootstrap`")
    if not cli.is_file():
        raise ReportError(f"the Allure 3 npm package is not installed ({cli} is missing): run `make bootstrap`")
    return [node, str(cli)]


_WORK_PREFIX = ".allure-"  # + the pid of the run that renders: a killed run's folder is recognised


def _remove_dead_work_dirs(parent: Path) -> None:
    """The work folders of renders whose run is gone (killed mid-render)."""
    for entry in parent.glob(f"{_WORK_PREFIX}*-*"):
        pid = entry.name[len(_WORK_PREFIX):].split("-", 1)[0]
        if entry.is_dir() and not entry.is_symlink() and pid.isdigit() and not pid_alive(int(pid)):
            shutil.rmtree(entry, ignore_errors=True)


def generate_html(
    allure_results_dir: str | os.PathLike[str],
    html_dir: str | os.PathLike[str],
    summary_html: str | None,
    title: str,
    timeout_s: float = 300.0,
) -> Path:
    """Render the Allure 3 report into html_dir/index.html (single self-contained file) and return its path.

    With `summary_html`, the page is written to html_dir/summary.html, attached to the report as a
    global attachment ("summary.html"), and linked from a fixed banner injected into index.html.
    The files Allure writes replace those of a previous report; anything else in html_dir (such as
    the timeline SVGs the summary links to) is kept. Nothing in html_dir changes when Allure fails.
    """
    results = Path(allure_results_dir)
    out_dir = Path(html_dir)
    if not results.is_dir():
        raise ReportError(f"Allure results directory {results} does not exist")
    if out_dir.exists() and not out_dir.is_dir():
        raise ReportError(f"{out_dir} exists and is not a directory")
    command = allure_command()
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    _remove_dead_work_dirs(out_dir.parent)
    with tempfile.TemporaryDirectory(prefix=f"{_WORK_PREFIX}{os.getpid()}-", dir=out_dir.parent) as tmp:
        work = Path(tmp)
        staged = work / "html"
        config: dict[str, Any] = {
            "name": title,
            "output": str(staged),
            "plugins": {"awesome": {"options": {"singleFile": True, "reportName": title, "reportLanguage": "en"}}},
        }
        if summary_html is not None:
            attach_dir = work / "attach"
            attach_dir.mkdir()
            (attach_dir / "summary.html").write_text(summary_html, encoding="utf-8")
            config["globalAttachments"] = [str(attach_dir / "summary.html")]
        (work / "allurerc.json").write_text(json.dumps(config, indent=2), encoding="utf-8")
        env = dict(os.environ, ALLURE_NO_ANALYTICS="true", NO_UPDATE_NOTIFIER="1")
        try:
            proc = subprocess.run(
                [*command, "generate", str(results.resolve()), "--config", str(work / "allurerc.json"),
                 "--output", str(staged)],
                cwd=work, env=env, capture_output=True, text=True, timeout=timeout_s, check=False,
                preexec_fn=die_with_parent,
            )
        except subprocess.TimeoutExpired:
            raise ReportError(f"allure generate did not finish within {timeout_s:.0f} s") from None
        index = staged / "index.html"
        if proc.returncode != 0 or not index.is_file():
            tail = "\n".join((proc.stderr or proc.stdout or "").strip().splitlines()[-15:])
            raise ReportError(f"allure generate failed (exit {proc.returncode}) for {results}:\n{tail}")
        page = _ANALYTICS.sub("", index.read_text(encoding="utf-8"), count=1)
        if summary_html is not None:
            (staged / "summary.html").write_text(summary_html, encoding="utf-8")
            banner = _summary_banner(title)
            at = page.rfind("</body>")
            page = page[:at] + banner + page[at:] if at >= 0 else page + banner
        index.write_text(page, encoding="utf-8")
        out_dir.mkdir(parents=True, exist_ok=True)
        if summary_html is None:
            (out_dir / "summary.html").unlink(missing_ok=True)  # never leave a stale summary behind
        for entry in staged.iterdir():  # replace what Allure writes, keep the rest (e.g. timelines/)
            target = out_dir / entry.name
            if target.is_dir() and not target.is_symlink():
                shutil.rmtree(target)
            elif target.exists() or target.is_symlink():
                target.unlink()
            entry.rename(target)
    return out_dir / "index.html"


__all__ = [
    "Cell",
    "ExpectedOutcome",
    "FaultRecord",
    "Matrix",
    "MatrixColumn",
    "ObservedOutcome",
    "REFERENCE_TABLE",
    "ReferenceRow",
    "ReportError",
    "ResultsError",
    "RunResults",
    "outcome_of",
    "ScenarioResult",
    "allure_command",
    "generate_html",
    "matrix",
    "render_matrix_html",
    "render_matrix_text",
    "validate_results",
    "write_allure_environment",
    "write_results",
]

