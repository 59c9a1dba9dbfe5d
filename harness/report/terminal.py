"""The matrix for a terminal."""

from __future__ import annotations

from harness.report.verdict_matrix import FAMILIES, Matrix, guest_blocks


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
