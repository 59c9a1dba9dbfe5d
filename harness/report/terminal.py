"""The matrix and the failures for a terminal: ASCII, never wider than the width given (80 columns).

`render_matrix_text`: the run's one count ("N scenarios: P passed, F failed, E errors", over exactly
the scenarios given), then one table per row family (and guest), its (node, group) columns cut into as
many tables as the width needs, a node's columns kept together where they fit; the row is described
by its id, the control and alternate I/O domain sides abbreviated, and what is expected; then the
scenarios of no matrix row (combinations, nemesis, contract, heal) one line per kind.

`render_failures`: every failed or errored scenario with its problems, then the harness errors:
what a reader needs before the matrix to know why a run failed.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from harness.report.verdict_matrix import FAMILIES, Cell, Matrix, MatrixColumn, ReferenceRow, guest_blocks

GAP = "  "
_TITLES = {
    "S": "storage service groups (in AlternateIO's StorageSG)",
    "N": "network service groups (in AlternateIO's NetworkSG)",
    "D": "domains (control and alternate I/O domains)",
}
_SIDE = {"online": "on", "offline/faulted": "OFF", "up": "up", "down": "DOWN"}
_EXPECTED = {"no failover": "no fo", "failover": "failover"}
LEGEND = ("cells: pass/FAIL/ERROR for one scenario, \"FAIL 1/2\": 1 of the cell's 2 failed, -- not run, "
          ". not applicable;  ctl/alt: the control/alternate I/O domain side: on, OFF (Offline/Faulted), "
          "up, DOWN;  fo: failover")
MIN_WIDTH = 40
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def _ascii(text: object) -> str:
    return _CONTROL.sub("", str(text)).encode("ascii", "replace").decode("ascii")


def elide(text: str, width: int) -> str:
    """`text` cut to `width` characters, "..." saying that it was."""
    if len(text) <= width:
        return text
    return text[:width] if width <= 3 else text[: width - 3] + "..."


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def count_line(counts: Mapping[str, int]) -> str:
    """The run's one count: "N scenarios: P passed, F failed, E errors[, S not run]" (N: every unit,
    as many as the progress lines, the pytest tests and the JUnit test cases)."""
    skipped = counts.get("skipped", 0)
    return (f"{_plural(counts['scenarios'] + skipped, 'scenario')}: {counts['pass']} passed, {counts['fail']} failed, "
            f"{_plural(counts['error'], 'error')}" + (f", {skipped} not run" if skipped else ""))


def _row_cells(ref: ReferenceRow) -> list[str]:
    return [ref.id, _SIDE.get(ref.control.lower(), ref.control[:4]), _SIDE.get(ref.alternate.lower(), ref.alternate[:4]),
            _EXPECTED.get(ref.expected, ref.expected)]


def _chunks(cols: list[MatrixColumn], widths: dict[MatrixColumn, int], room: int) -> list[list[MatrixColumn]]:
    """The columns cut into tables of at most `room` characters (each column plus its gap), a node's
    columns kept in one table where they fit in one."""
    by_node: dict[str, list[MatrixColumn]] = {}
    for col in cols:
        by_node.setdefault(col.node, []).append(col)
    chunks: list[list[MatrixColumn]] = [[]]
    used = 0
    for node_cols in by_node.values():
        need = sum(len(GAP) + widths[c] for c in node_cols)
        if chunks[-1] and used + need > room:
            chunks.append([])
            used = 0
        for col in node_cols:
            w = len(GAP) + widths[col]
            if chunks[-1] and used + w > room:
                chunks.append([])
                used = 0
            chunks[-1].append(col)
            used += w
    return [c for c in chunks if c]


def _table(m: Matrix, family: str, cols: list[MatrixColumn], width: int) -> list[str]:
    rows = m.rows_of(family)
    head = ["row", "ctl", "alt", "expected"]
    desc = [_row_cells(ref) for ref in rows]
    desc_w = [max(len(r[i]) for r in [head, *desc]) for i in range(len(head))]
    desc_total = sum(desc_w) + len(GAP) * (len(desc_w) - 1)
    room = max(width - desc_total, 1)
    marks = {col: [m.cell(ref.id, col).mark for ref in rows] for col in cols}
    cap = max(room - len(GAP), 1)
    widths = {}
    for col in cols:
        w = max([min(len(_ascii(col.target)), 16), *(len(x) for x in marks[col])])
        widths[col] = min(w, cap)
    # a node alone in its span: wide enough for its name where the room allows
    for node in dict.fromkeys(c.node for c in cols):
        node_cols = [c for c in cols if c.node == node]
        span = sum(widths[c] for c in node_cols) + len(GAP) * (len(node_cols) - 1)
        want = min(len(_ascii(node)), 16)
        if span < want:
            widths[node_cols[-1]] = min(widths[node_cols[-1]] + want - span, cap)
    out: list[str] = []
    for chunk in _chunks(cols, widths, room):
        node_line = " " * desc_total
        i = 0
        while i < len(chunk):
            node = chunk[i].node
            j = i
            while j < len(chunk) and chunk[j].node == node:
                j += 1
            span = sum(widths[c] for c in chunk[i:j]) + len(GAP) * (j - i - 1)
            node_line += GAP + elide(_ascii(node), span).ljust(span)
            i = j
        lines = [node_line]
        for label, cells in [("head", head), *[(ref.id, d) for ref, d in zip(rows, desc, strict=True)]]:
            left = GAP.join(v.ljust(w) for v, w in zip(cells, desc_w, strict=True))
            if label == "head":
                right = [elide(_ascii(c.target), widths[c]).ljust(widths[c]) for c in chunk]
            else:
                right = [elide(m.cell(label, c).mark, widths[c]).ljust(widths[c]) for c in chunk]
            lines.append(left + "".join(GAP + r for r in right))
        if out:
            out.append("")
        out.extend(line.rstrip() for line in lines)
    return out


def _others(m: Matrix, width: int) -> list[str]:
    if not m.others:
        return []
    out = ["", "other scenarios (no row of the table):"]
    kind_w = min(max(len(_ascii(k)) for k in m.others), 24)
    for kind, items in m.others.items():
        cell = Cell(tuple(v for _, v in items), tuple(i for i, _ in items))
        tally = {v: sum(1 for _, x in items if x == v) for v in dict.fromkeys(x for _, x in items)}
        line = f"  {elide(_ascii(kind), kind_w).ljust(kind_w)}  {cell.mark}"
        rest = [f"{v} {n}" for v, n in tally.items() if v != cell.status]
        if rest:  # the verdicts the mark does not count
            line += "  (" + ", ".join(_ascii(x) for x in rest) + ")"
        out.append(line)
        failed = [i for i, v in items if v != "pass"]
        for sid in failed[:5]:
            out.append("    " + _ascii(sid))
        if len(failed) > 5:
            out.append(f"    ... and {len(failed) - 5} more (see the failures above)")
    return out


def render_matrix_text(m: Matrix, width: int = 80) -> str:
    """The matrix for a terminal of `width` columns (at least 40): the run's count on the first line,
    one table per row family and guest, as many as the columns need; long names elided with "...";
    ASCII only; no line wider than `width`."""
    width = max(int(width), MIN_WIDTH)
    c = m.counts
    out = _wrap(count_line(c), width, "", "  ")  # the count is never elided
    if any(m.columns[f] for f in FAMILIES):
        out.append(f"failover matrix: {_plural(c['cells'], 'cell')}, {c['not_run']} not run")
        out.extend(_wrap(LEGEND, width, "", "       "))
    for family, title in FAMILIES.items():
        for guest, cols in guest_blocks(m.columns[family]):
            if not cols:
                continue
            out.append("")
            out.append(_TITLES.get(family, title) + (f", guest {guest}" if guest else ""))
            out.extend(_table(m, family, cols, width))
    out.extend(_others(m, width))
    return "\n".join(elide(_ascii(line), width) for line in out) + "\n"


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines: list[str] = []
    for i, para in enumerate(_ascii(text).splitlines() or [""]):
        lines += textwrap.wrap(para, width=width, initial_indent=first if i == 0 else rest, subsequent_indent=rest,
                               break_long_words=True, break_on_hyphens=False) or [first if i == 0 else rest]
    return [line.rstrip() for line in lines]


def render_failures(scenarios: Sequence[Mapping[str, Any]], harness_errors: Iterable[Mapping[str, Any]] = (),
                    width: int = 80, not_run: Sequence[Mapping[str, Any]] = ()) -> str:
    """The failed and errored scenarios (in results order), each with its id and verdict and then
    its problems, one per item, wrapped at `width`; then the harness errors. "" when nothing failed.
    `not_run` counts in the run's units ("failures: F of N scenarios")."""
    width = max(int(width), MIN_WIDTH)
    bad = [s for s in scenarios if s.get("verdict") in ("fail", "error")]
    errors = list(harness_errors)
    if not bad and not errors:
        return ""
    out: list[str] = []
    if bad:
        out.append(f"failures: {len(bad)} of {_plural(len(scenarios) + len(not_run), 'scenario')}")
        for sc in bad:
            out += _wrap(f"{str(sc['verdict']).upper()} {sc.get('id', '?')}", width, "", "    ")
            problems = [str(p) for p in sc.get("problems") or []] or ["(no problem recorded)"]
            for p in problems:
                out += _wrap(p, width, "  - ", "    ")
    if errors:
        if out:
            out.append("")
        out.append(f"harness errors (not verdicts on the monitor): {len(errors)}")
        for e in errors:
            out += _wrap(f"ERROR {e.get('test', '?')}", width, "", "    ")
            out += _wrap(str(e.get("error", "")), width, "  ", "  ")
    return "\n".join(out) + "\n"
