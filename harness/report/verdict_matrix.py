"""The seed's failover table (rows S1-S4, N1-N4, D1-D4) crossed with the (node, group or domain)
columns a run covered, each cell holding the verdicts of its scenarios."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from harness.report.errors import ReportError
from harness.report.results import VERDICTS


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
        """The cell in one notation, for the terminal and the summary page alike: "." not applicable,
        "--" not run; one scenario: its verdict ("pass", "FAIL", "ERROR": what failed shouts); several:
        the worst verdict and how many of the cell's scenarios had it ("pass 3/3", "FAIL 1/2")."""
        status = self.status
        if status in ("n/a", "not run"):
            return {"n/a": ".", "not run": "--"}[status]
        word = "pass" if status == "pass" else status.upper()
        n = len(self.verdicts)
        if n == 1:
            return word
        return f"{word} {sum(1 for v in self.verdicts if v == status)}/{n}"


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
    not_run: Iterable[Mapping[str, Any]] = (),
) -> Matrix:
    """Cross the reference table with the columns the scenarios cover.

    A scenario lands in the matrix when its "row" is one of S1..D4; its column is ("node", "group"),
    with "domain" standing in for a missing group. Other rows ("combo", "nemesis", "contract", ...)
    are tallied under `others`. `expected_columns` (family letter -> columns) adds columns the run
    should have covered, so that a group that was never exercised shows as "not run". `not_run`
    (results.json's units refused or not judged) counts in `counts["skipped"]`: the run's units are
    its scenarios and those.
    """
    columns: dict[str, list[MatrixColumn]] = {f: [] for f in FAMILIES}
    found: dict[tuple[str, MatrixColumn], list[tuple[str, str]]] = {}
    others: dict[str, list[tuple[str, str]]] = {}
    counts = {"pass": 0, "fail": 0, "error": 0, "not_run": 0, "scenarios": 0, "cells": 0,
              "skipped": len(list(not_run))}
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
