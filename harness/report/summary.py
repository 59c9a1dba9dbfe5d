"""The summary page (summary.html): run info, the matrix, every scenario with its timeline."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report.results import VERDICTS
from harness.report.verdict_matrix import FAMILIES, Matrix, guest_blocks

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
