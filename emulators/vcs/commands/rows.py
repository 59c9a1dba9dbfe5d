"""Attributes as rows, (attribute, system or "global", value as printed): how an object's
configured values become rows, and what ``-display`` and ``-value`` read of them."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

from emulators.vcs.config.model import AttrValue
from emulators.vcs.engine import Engine, EngineCommandError

from .cli import Cli, Handler, UsageError, split_options
from .objects import Check
from .tables import bare, format_value

Row = tuple[str, str, str]  # (attribute, system or "global", value as printed)
_R = TypeVar("_R", bound=Sequence[str])


def configured_rows(a: str, av: AttrValue | None, systems: Iterable[str], default: Any,
                    assoc_sep: str = " ") -> list[Row]:
    """The rows of one configured attribute: one a system of `systems` when it is localized, else one
    global; `default` where the configuration gives no value."""
    if av is not None and av.localized:
        rows: list[Row] = []
        for s in systems:
            v = av.for_system(s)
            rows.append((a, s, format_value(default if v is None else v, assoc_sep)))
        return rows
    value = av.value if av is not None and av.value is not None else default
    return [(a, "global", format_value(value, assoc_sep))]


def picked(rows: list[_R], attrs: list[str]) -> list[_R]:
    """The rows of `-display -attribute A ...`: every row, or the ones of the attributes asked for in the
    order asked (LITP reads ``-attribute TFrozen -attribute Frozen`` back in that order)."""
    return rows if not attrs else [row for a in dict.fromkeys(attrs) for row in rows if row[0] == a]


def display_rows(name: str, rows: list[Row], attrs: list[str], sys_filter: str | None) -> list[list[str]]:
    """The rows of one object a `-display` prints: every attribute, or the ones asked for (`picked`);
    with ``-sys``, the global values and the ones of that system."""
    return [[name, a, s, v] for a, s, v in picked(rows, attrs)
            if not sys_filter or s in ("global", sys_filter)]


def pick(rows: list[Row], attr: str, system: str | None, owner: str, systems: list[str]) -> str:
    """The value `-value NAME ATTR [SYSTEM]` prints: the global one, or the one of the system asked for,
    else of the system the command runs on (`system`)."""
    mine = [(where, v) for a, where, v in rows if a == attr]
    if not mine:
        raise EngineCommandError("V-16-1-10016", f"Attribute {attr} does not exist for {owner}")
    for where, v in mine:
        if where == "global":
            return v
    want = system if system is not None else (systems[0] if systems else None)
    for where, v in mine:
        if where == want:
            return v
    # Choice: a per-system value asked for a system outside the SystemList is refused as VCS refuses
    # other per-system requests there.
    raise EngineCommandError("V-16-1-10135", f"System {want} is not in SystemList of {owner}")


def value_option(usage: str, noun: str, check: Check, rows: Callable[[Engine, str], list[Row]],
                 systems: Callable[[Engine, str], list[str]]) -> Handler:
    """``-value NAME ATTRIBUTE [SYSTEM]`` of a group or resource (`noun`): a per-system value (State, a
    localized attribute) without a system is the one of the system the command runs on."""

    def handler(cli: Cli, args: list[str]) -> str:
        _, pos = split_options(args, {"-localclus": 0})
        if len(pos) not in (2, 3):
            raise UsageError(usage)
        name, a = pos[0], pos[1]
        check(cli.engine, name)
        system = pos[2] if len(pos) == 3 else cli.local
        return pick(rows(cli.engine, name), a, system, f"{noun} {name}", systems(cli.engine, name)) + "\n"

    return handler


def matches(value: str, want: str) -> bool:
    """`value` (as -value prints it) equals `want`; a State also matches without its pipes
    (``hagrp -wait G State ONLINE``, as VCS's own installer scripts write it, waits for ``|ONLINE|``)."""
    return value == want or (value.startswith("|") and bare(value) == bare(want))
