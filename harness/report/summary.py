"""The summary page (summary.html): what failed and why first, then the matrix, the detection and
failover times, and every scenario with its reasons and timeline.

Every matrix cell links to its scenarios' rows in the page; every scenario links to its test in the
Allure report when the page is given one (`report_href` and the scenarios' Allure test ids). A page
without a report (`report_href=None`, `altio-hil run --no-html`) has no link out of itself but to
the timeline pictures beside it, so it has no dead link."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report.results import VERDICTS
from harness.report.verdict_matrix import FAMILIES, ROW_IDS, Matrix, guest_blocks

_CSS = """
body{font-family:DejaVu Sans,Verdana,Arial,Helvetica,sans-serif;margin:24px;color:#202124;font-size:14px}
h1{font-size:22px;margin:0 0 4px} h2{font-size:17px;margin:28px 0 8px} h3{font-size:14px;margin:16px 0 6px}
a{color:#1a73e8} .muted{color:#5f6368} nav.toc{margin:6px 0 10px} nav.toc a{margin-right:14px}
table{border-collapse:collapse;margin:6px 0} th,td{border:1px solid #dadce0;padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f4;font-weight:600} td.num{text-align:right;font-variant-numeric:tabular-nums}
.info td:first-child{font-weight:600;background:#f8f9fa}
.pass{background:#ceead6;color:#0d652d;font-weight:600} .fail{background:#fad2cf;color:#a50e0e;font-weight:600}
.error{background:#feefc3;color:#8a4b00;font-weight:600} .notrun{background:#f1f3f4;color:#5f6368}
.na{background:#fff;color:#bdc1c6} .differs{color:#a50e0e;font-weight:600} .down{color:#5f6368;font-style:italic}
.counts span{display:inline-block;margin-right:8px;padding:2px 8px;border-radius:10px}
table.matrix td.pass a,table.matrix td.fail a,table.matrix td.error a{color:inherit;display:block;text-decoration:none}
table.matrix td a:hover{text-decoration:underline}
table.matrix td a.sub{display:block;font-weight:400;font-size:12px;text-decoration:underline}
.failures td{vertical-align:top} .failures code{white-space:nowrap} ul.why{margin:0;padding-left:18px} ul.why li{margin:1px 0}
[id]{scroll-margin-top:12px} tbody.sc:target td{background:#e8f0fe} tbody.sc:target td.pass,tbody.sc:target td.fail,tbody.sc:target td.error{outline:2px solid #1a73e8}
tr.why td{border-top:0;color:#a50e0e} tr.why.ok td{color:#5f6368}
details{margin:4px 0} summary{cursor:pointer} .tl{overflow-x:auto} .dist{overflow-x:auto}
code{font-family:DejaVu Sans Mono,Consolas,monospace;font-size:12px} a.allure{white-space:nowrap;font-size:12px}
"""
_STATUS_CLASS = {"pass": "pass", "fail": "fail", "error": "error", "not run": "notrun", "n/a": "na"}
_VERDICT_ORDER = {"fail": 0, "error": 1, "pass": 2}  # the scenario table: failures first
_XML_PROLOG = re.compile(r"^\s*(<\?xml[^>]*\?>\s*)?(<!DOCTYPE[^>]*>\s*)?", re.IGNORECASE)
_UNLINK = re.compile(r"</?a\b[^>]*>")
INLINE_SVG_BUDGET = 8_000_000  # bytes of timeline SVG inlined in one summary page; the rest is linked
_COLUMNS = 10


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


def scenario_anchors(scenarios: Sequence[Mapping[str, Any]]) -> list[str]:
    """The in-page anchor of each scenario (its rows in the Scenarios table): unique, URL-safe, stable
    for a scenario id (and run, in a report merged from several runs)."""
    taken: set[str] = set()
    anchors = []
    for sc in scenarios:
        base = "sc-" + (f"r{sc['run']}-" if sc.get("run") is not None else "")
        base += re.sub(r"[^A-Za-z0-9_-]+", "-", str(sc.get("id", "?"))).strip("-") or "scenario"
        anchor, n = base, 1
        while anchor in taken:
            n += 1
            anchor = f"{base}-{n}"
        taken.add(anchor)
        anchors.append(anchor)
    return anchors


def _order(sc: Mapping[str, Any]) -> tuple[int, int]:
    """Failures first (fail, error, then pass), each in the reference table's order, then the other kinds."""
    row = str(sc.get("row") or "")
    return (_VERDICT_ORDER.get(str(sc.get("verdict", "error")), 1),
            ROW_IDS.index(row) if row in ROW_IDS else len(ROW_IDS))


def _reasons(sc: Mapping[str, Any]) -> list[str]:
    """Why a scenario has its verdict, as results.json says it."""
    problems = [str(p) for p in sc.get("problems") or []]
    if not problems and sc.get("error"):
        problems = [str(sc["error"])]
    return problems


def _where(sc: Mapping[str, Any], several_guests: bool) -> str:
    parts = [str(sc[k]) for k in ("node", "group") if sc.get(k)]
    if several_guests and sc.get("guest"):
        parts.append(f"guest {sc['guest']}")
    return " ".join(parts)


def _timeline_html(sc: Mapping[str, Any], page_dir: Path | None, paths_base: Path | None, budget: list[int]) -> str:
    path_value = sc.get("timeline_svg")
    if not path_value:
        return ""
    path = Path(path_value)
    if paths_base is not None and not path.is_absolute():
        path = Path(os.path.normpath(paths_base / path))  # html/../timelines/x.svg, with or without html/
    href = str(path_value)
    if page_dir is not None:
        try:
            href = os.path.relpath(path, page_dir)
        except ValueError:
            href = str(path)
    open_attr = " open" if sc.get("verdict") != "pass" else ""
    link = _e(Path(href).as_posix())
    try:
        svg = path.read_text(encoding="utf-8")
    except OSError:
        return f'<a href="{link}">timeline (SVG)</a>'
    if len(svg) > budget[0]:
        return f'<a href="{link}">timeline (SVG)</a>'
    budget[0] -= len(svg)
    svg = _XML_PROLOG.sub("", svg, count=1)
    return (
        f'<details{open_attr}><summary>timeline</summary><div class="tl">{svg}</div>'
        f'<a class="muted" href="{link}">open the SVG</a></details>'
    )


def render_matrix_html(
    m: Matrix,
    run_info: Mapping[str, Any],
    scenarios: Sequence[Mapping[str, Any]],
    link_base: str | os.PathLike[str] | None = None,
    report_href: str | None = "index.html",
    *,
    paths_base: str | os.PathLike[str] | None = None,
    test_ids: Mapping[str, str] | None = None,
    distribution_svg: str | None = None,
    not_run: Sequence[Mapping[str, Any]] = (),
    timelines: bool = True,
    links: bool = True,
) -> str:
    """A standalone summary page (inline CSS, no scripts): run info, failures, matrix, every scenario.

    - `run_info`: lab, target, monitor, seed and optionally wall_s / clock_s for the whole run (else
      summed from the scenarios), outcome, harness_errors, runs (a report merged from several runs).
    - `link_base`: the directory the page is written to (links are made relative to it);
      `paths_base`: the directory relative `scenario["timeline_svg"]` paths are relative to (default
      `link_base`). Timelines are inlined (up to a size budget) or linked; none with `timelines=False`.
    - `report_href`: the Allure report's index.html as seen from the page, None when there is none
      (then the page links nowhere but into itself and to its timelines); `test_ids`: scenario id ->
      the id of its test in the Allure report (awesome's route `index.html#/<id>`).
    - `distribution_svg`: the detection and failover times picture (harness.report.distribution).
    - `not_run`: the scenarios that did not run ({"id", "reason"}), listed with their reasons.
    - `links=False`: a page without any link, for a place that cannot follow them (the Allure report
      shows its global attachments in a sandboxed frame where even a link within the page goes nowhere).
    """
    page_dir = Path(link_base) if link_base is not None else None
    base = Path(paths_base) if paths_base is not None else page_dir
    test_ids = test_ids if report_href else None
    anchors = scenario_anchors(scenarios)
    anchors_of: dict[str, list[str]] = {}
    for sc, anchor in zip(scenarios, anchors, strict=True):
        anchors_of.setdefault(str(sc.get("id", "?")), []).append(anchor)
    several_guests = len({str(sc.get("guest") or "") for sc in scenarios}) > 1

    def allure_link(sc: Mapping[str, Any], text: str = "Allure \u2197") -> str:
        tid = (test_ids or {}).get(str(sc.get("id", "")))
        if not tid or not report_href:
            return ""
        return (f'<a class="allure" href="{_e(report_href)}#/{_e(tid)}" '
                f'title="this scenario\'s test in the Allure report">{text}</a>')

    c = m.counts
    clock_s = run_info.get("clock_s", sum(float(s.get("clock_s") or 0) for s in scenarios))
    wall_s = run_info.get("wall_s", sum(float(s.get("wall_s") or 0) for s in scenarios))
    try:
        speedup = f"{float(clock_s) / float(wall_s):,.0f}\u00d7" if float(wall_s) > 0 else "\u2013"
    except (TypeError, ValueError):
        speedup = "\u2013"
    title = f"altio-hil run \u2013 {run_info.get('lab', '?')} on {run_info.get('target', '?')}"
    failed = [(sc, a) for sc, a in zip(scenarios, anchors, strict=True) if str(sc.get("verdict", "error")) != "pass"]
    out = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>",
        f'<h1 id="top">{_e(title)}</h1>',
    ]
    toc = ['<a href="#failures">Failures</a>', '<a href="#matrix">Matrix</a>']
    if distribution_svg:
        toc.append('<a href="#times">Times</a>')
    toc.append('<a href="#scenarios">Scenarios</a>')
    if report_href:
        toc.append(f'<a href="{_e(report_href)}">&larr; back to the Allure report</a>')
    if links:
        out.append(f'<nav class="toc">{"".join(toc)}</nav>')
    else:
        out.append('<p class="muted">This copy of the summary links nowhere: the linked one, with every '
                   "scenario's timeline, is summary.html beside the report (its header's "
                   "&ldquo;Failover matrix&rdquo; button).</p>")
    if "outcome" in run_info:  # the run as a whole, as results.json and junit.xml say it
        outcome = str(run_info["outcome"])
        css = {"passed": "pass", "failed": "fail"}.get(outcome, "error")
        out.append(f'<p class="counts" id="outcome"><span class="{css}">outcome: {_e(outcome)}</span></p>')
        errors = run_info.get("harness_errors") or []
        if errors:
            out.append("<p>Harness errors (not verdicts on the monitor):</p><ul id=\"harness-errors\">")
            out.extend(f"<li><code>{_e(e['test'])}</code>: {_e(e['error'])}</li>" for e in errors)
            out.append("</ul>")
    out.append(
        '<p class="counts">'
        f'<span class="pass">pass {c["pass"]}</span><span class="fail">fail {c["fail"]}</span>'
        f'<span class="error">error {c["error"]}</span><span class="notrun">matrix cells not run {c["not_run"]}</span>'
        + (f'<span class="notrun">not run {c["skipped"]}</span>' if c.get("skipped") else "")
        + f'<span class="muted">{c["scenarios"] + c.get("skipped", 0)} scenarios</span></p>'
    )

    # -- failures first
    out.append(f'<h2 id="failures">Failures ({len(failed)})</h2>')
    if not failed:
        out.append('<p class="muted">No scenario failed.</p>')
    else:
        out.append('<table class="failures"><tr><th>verdict</th><th>scenario</th><th>row, where</th>'
                   "<th>why</th></tr>")
        for sc, anchor in sorted(failed, key=lambda p: _order(p[0])):
            verdict = str(sc.get("verdict", "error"))
            reasons = _reasons(sc) or ["no reason recorded"]
            link = allure_link(sc)
            out.append(
                f'<tr><td class="{_STATUS_CLASS.get(verdict, "error")}">{_e(verdict.upper())}</td>'
                f'<td><a href="#{anchor}"><code>{_e(sc.get("id", "?"))}</code></a>'
                f"{'<br>' + link if link else ''}</td>"
                f'<td>{_e(sc.get("row", ""))} <span class="muted">{_e(_where(sc, several_guests))}</span></td>'
                f'<td><ul class="why">{"".join(f"<li>{_e(r)}</li>" for r in reasons)}</ul></td></tr>'
            )
        out.append("</table>")
    if not_run:
        out.append(f'<h2 id="not-run">Not run ({len(not_run)})</h2><ul>')
        out.extend(f"<li><code>{_e(e.get('id', '?'))}</code>: {_e(e.get('reason', ''))}</li>" for e in not_run)
        out.append("</ul>")

    # -- the matrix
    out.append('<h2 id="matrix">Failover matrix</h2>')
    out.append(
        '<p class="muted">Rows: the seed\'s failover table. Columns: node / service group (or domain). '
        "Each cell: the verdict of the scenarios of that row on that column; click it for the scenario.</p>"
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
                out.append(f'<td class="{_STATUS_CLASS[cell.status]}" title="{_e(tip)}">'
                           f"{_cell_links(cell, anchors_of)}</td>")
            out.append("</tr>")
        out.append("</table>")
    if not any_cols:
        out.append('<p class="muted">No scenario of the reference table ran.</p>')
    if m.others:
        out.append("<h3>other scenarios</h3><table><tr><th>kind</th><th>pass</th><th>fail</th><th>error</th>"
                   "<th>scenarios</th></tr>")
        for kind, items in m.others.items():
            n = {v: sum(1 for _, x in items if x == v) for v in VERDICTS}
            kind_links = [
                f'<a class="{_STATUS_CLASS.get(verdict, "error")}" href="#{anchor}" '
                f'title="{_e(sid)}: {_e(verdict)}"><code>{_e(sid)}</code></a>'
                for sid, verdict, anchor in _targets([i for i, _ in items], [v for _, v in items], anchors_of)
                if anchor
            ]
            out.append(
                f"<tr><td>{_e(kind)}</td><td class=\"num\">{n['pass']}</td><td class=\"num\">{n['fail']}</td>"
                f"<td class=\"num\">{n['error']}</td><td>{' '.join(kind_links)}</td></tr>"
            )
        out.append("</table>")

    # -- detection and failover times
    if distribution_svg:
        out.append('<h2 id="times">Detection and failover times</h2>')
        out.append(f'<div class="dist">{_XML_PROLOG.sub("", distribution_svg, count=1)}</div>')

    # -- every scenario, failures first
    out.append('<h2 id="scenarios">Scenarios</h2>')
    runs_col = any(sc.get("run") is not None for sc in scenarios)
    out.append(
        "<table class=\"scenarios\"><thead><tr>" + ("<th>run</th>" if runs_col else "")
        + "<th>id</th><th>row</th><th>faults</th><th>expected</th><th>observed</th>"
        "<th>detect_s</th><th>failover_s</th><th>clock_s</th><th>wall_s</th><th>verdict</th></tr></thead>"
    )
    width = _COLUMNS + (1 if runs_col else 0)
    budget = [INLINE_SVG_BUDGET]
    ordered = sorted(zip(scenarios, anchors, strict=True), key=lambda p: _order(p[0]))
    for sc, anchor in ordered:
        exp = sc.get("expected") or {}
        obs = sc.get("observed") or {}
        faults = "<br>".join(
            f"<code>{_e(f.get('kind', '?'))} {_e(f.get('where', '?'))}</code>" for f in sc.get("faults") or []
        )
        verdict = str(sc.get("verdict", "error"))
        expected = f"{_yes_no(exp.get('failover'))}<br>AlternateIO {_e(exp.get('alternateio', '?'))}"
        if exp.get("down_everywhere"):  # no node can take the guest: it must end down on every node
            expected += '<br><span class="down">guest down everywhere</span>'
        elif exp.get("ldom_system"):
            expected += f"<br>LDom on {_e(exp['ldom_system'])}"
        landed = obs.get("ldom_system", "?")
        observed = (
            f"{_differs(exp, obs, 'failover', _yes_no(obs.get('failover')))}"
            f"<br>{_differs(exp, obs, 'alternateio', 'AlternateIO ' + _e(obs.get('alternateio', '?')))}"
            + (f"<br>LDom on {_e(landed)}" if landed else '<br><span class="down">guest down everywhere</span>')
        )
        where = _e(_where(sc, several_guests))
        meaning = _e(sc["description"]) if sc.get("description") else ""
        link = allure_link(sc)
        out.append(f'<tbody class="sc" id="{anchor}">')
        out.append(
            "<tr>" + (f'<td class="num">{_e(sc.get("run"))}</td>' if runs_col else "")
            + f'<td><a href="#{anchor}"><code>{_e(sc.get("id", "?"))}</code></a>'
            f"{'<br>' + link if link else ''}</td>"
            f"<td><b>{_e(sc.get('row', ''))}</b>"
            f"{'<br><span class=muted>' + where + '</span>' if where else ''}"
            f"{'<br><span class=muted>' + meaning + '</span>' if meaning else ''}</td><td>{faults}</td>"
            f"<td>{expected}</td><td>{observed}</td>"
            f'<td class="num">{_fmt_seconds(sc.get("detect_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("failover_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("clock_s"))}</td>'
            f'<td class="num">{_fmt_seconds(sc.get("wall_s"))}</td>'
            f'<td class="{_STATUS_CLASS.get(verdict, "error")}">{_e(verdict.upper())}</td></tr>'
        )
        reasons = _reasons(sc)
        if reasons:
            ok = " ok" if verdict == "pass" else ""
            out.append(f'<tr class="why{ok}"><td colspan="{width}"><ul class="why">'
                       + "".join(f"<li>{_e(r)}</li>" for r in reasons) + "</ul></td></tr>")
        timeline = _timeline_html(sc, page_dir, base, budget) if timelines else ""
        if timeline:
            out.append(f'<tr><td colspan="{width}">{timeline}</td></tr>')
        out.append("</tbody>")
    out.append("</table>")

    # -- the run
    out.append('<h2 id="run">The run</h2><table class="info">')
    for key in ("lab", "target", "monitor", "seed"):
        out.append(f"<tr><td>{key}</td><td>{_e(run_info.get(key, '?'))}</td></tr>")
    for key, value in run_info.items():
        if key not in ("lab", "target", "monitor", "seed", "wall_s", "clock_s", "outcome", "harness_errors", "runs"):
            out.append(f"<tr><td>{_e(key)}</td><td>{_e(value)}</td></tr>")
    out.append(f"<tr><td>clock seconds</td><td>{_fmt_seconds(clock_s)}</td></tr>")
    out.append(f"<tr><td>wall seconds</td><td>{_fmt_seconds(wall_s)}</td></tr>")
    out.append(f"<tr><td>speed-up (clock / wall)</td><td>{speedup}</td></tr>")
    out.append("</table>")
    runs = run_info.get("runs") or []
    if runs:
        out.append('<h3 id="runs">Runs merged into this report</h3><table><tr><th>run</th><th>from</th><th>lab</th>'
                   "<th>target</th><th>monitor</th><th>seed</th><th>outcome</th></tr>")
        for i, r in enumerate(runs):
            out.append(f'<tr><td class="num">{i}</td>' + "".join(
                f"<td>{_e(r.get(k, '?'))}</td>" for k in ("dir", "lab", "target", "monitor", "seed", "outcome"))
                + "</tr>")
        out.append("</table>")
    out.append("</body></html>")
    page = "\n".join(out) + "\n"
    return page if links else _UNLINK.sub("", page)


def _cell_links(cell: Any, anchors_of: Mapping[str, list[str]]) -> str:
    """A matrix cell's mark, linked to its scenario; a cell of several scenarios links to the first of
    its worst verdict and lists every scenario as a numbered link."""
    if cell.status in ("n/a", "not run"):
        return _e({"not run": "not run", "n/a": "\u00b7"}[cell.status])
    targets = _targets(cell.scenario_ids, cell.verdicts, anchors_of)
    first = next((a for _, v, a in targets if v == cell.status and a), None)
    mark = _e(cell.mark)
    head = f'<a href="#{first}">{mark}</a>' if first else mark
    if len(targets) == 1:
        return head
    subs = " ".join(
        f'<a class="sub" href="#{a}" title="{_e(sid)}: {_e(v)}">{_e(_short(sid, i))}</a>'
        for i, (sid, v, a) in enumerate(targets, 1) if a
    )
    return f"{head}{subs}"


def _short(sid: str, index: int) -> str:
    """A scenario named within its cell: what its id says between brackets (D4[node1/power]: node1/power)."""
    match = re.fullmatch(r"[^\[]*\[(.+)\]", sid)
    return match.group(1) if match else str(index)


def _targets(ids: Sequence[str], verdicts: Sequence[str], anchors_of: Mapping[str, list[str]]
             ) -> list[tuple[str, str, str | None]]:
    """(id, verdict, anchor) of each scenario listed: the k-th time an id comes, its k-th scenario (a
    report merged from several runs holds the same id once per run), in the order of the scenarios."""
    used: dict[str, int] = {}
    out: list[tuple[str, str, str | None]] = []
    for sid, verdict in zip(ids, verdicts, strict=True):
        k = used.get(sid, 0)
        used[sid] = k + 1
        options = anchors_of.get(sid) or []
        out.append((sid, verdict, options[min(k, len(options) - 1)] if options else None))
    return out
