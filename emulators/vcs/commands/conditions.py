"""The conditions of ``-list`` (``Attr=value``, ``Attr!=value``, ``Attr=~regex``) and whether an
object's rows meet them."""

from __future__ import annotations

import re

from .cli import UsageError
from .rows import Row, matches


def conditions(args: list[str], usage: str) -> list[tuple[str, str, str]]:
    """``Attr=value`` (equal), ``Attr!=value`` (not equal), ``Attr=~value`` (matches the regular
    expression: VCS's installer writes ``hagrp -list State=~ONLINE Parallel=0``, which only a search
    can match against ``|ONLINE|``); ``-localclus`` / ``-clus C`` are accepted and ignored."""
    conds = []
    skip = False
    for a in args:
        if skip:
            skip = False
            continue
        if a == "-localclus":
            continue
        if a == "-clus":
            skip = True
            continue
        m = re.match(r"^([A-Za-z_][A-Za-z0-9_]*)(!=|=~|=)(.*)$", a)
        if m is None:
            raise UsageError(usage)
        name, op, want = m.groups()
        if op == "=~":
            try:
                re.compile(want)
            except re.error as exc:
                raise UsageError(f"{usage}: bad regular expression {want!r}: {exc}") from None
        conds.append((name, op, want))
    return conds


def holds(rows: list[Row], system: str, conds: list[tuple[str, str, str]]) -> bool:
    """Every condition holds of the rows, read for `system` or global."""
    def one(name: str, op: str, want: str) -> bool:
        values = [v for a, where, v in rows if a == name and where in ("global", system)]
        if not values:
            return False
        if op == "=~":
            return any(re.search(want, v) for v in values)
        equal = any(matches(v, want) for v in values)
        return equal if op == "=" else not equal
    return all(one(*c) for c in conds)
