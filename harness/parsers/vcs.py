"""VCS command outputs: ``hastatus -sum``, ``hagrp -state``, ``hares -state``, and the value alone
that ``hagrp -state G -sys S`` prints.

State values keep VCS's words with the surrounding pipes stripped: ``|ONLINE|`` -> ``ONLINE``,
``|OFFLINE|FAULTED|`` -> ``OFFLINE|FAULTED``, ``OFFLINE|STATE UNKNOWN`` as is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import NamedTuple

from harness.parsers import ParseError, content_lines, is_prompt_line

_STATE = re.compile(r"^[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*(?:\|[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*)*$")


def _state(value: str, lineno: int, line: str) -> str:
    text = value.strip().strip("|").strip()
    if not _STATE.match(text):
        raise ParseError(f"{value.strip()!r} is not a VCS state", lineno, line)
    return text


class SystemRow(NamedTuple):
    state: str
    frozen: bool


@dataclass(frozen=True)
class GroupRow:
    probed: bool
    autodisabled: bool
    state: str


@dataclass(frozen=True)
class ResourceRow:
    """A row of the ``-- RESOURCES FAILED`` / ``-- RESOURCES ONLINING`` / ``... NOT PROBED`` /
    ``... OFFLINING`` sections; ``istate`` only where the section prints one."""

    group: str
    type: str
    resource: str
    system: str
    istate: str = ""


@dataclass
class HastatusSummary:
    systems: dict[str, SystemRow] = field(default_factory=dict)
    groups: dict[tuple[str, str], GroupRow] = field(default_factory=dict)
    resources_failed: list[ResourceRow] = field(default_factory=list)
    resources_onlining: list[ResourceRow] = field(default_factory=list)
    resources_offlining: list[ResourceRow] = field(default_factory=list)
    resources_not_probed: list[ResourceRow] = field(default_factory=list)
    other_sections: dict[str, list[list[str]]] = field(default_factory=dict)


_YES_NO = {"Y": True, "N": False}
_RESOURCE_SECTIONS = {
    "RESOURCES FAILED": "resources_failed",
    "RESOURCES ONLINING": "resources_onlining",
    "RESOURCES OFFLINING": "resources_offlining",
    "RESOURCES NOT PROBED": "resources_not_probed",
}
_CONNECTING = re.compile(r"^attempting to connect\.*(?:connected)?$")


def parse_hastatus_sum(text: str) -> HastatusSummary:
    """``hastatus -sum`` (or ``-summary``). When several outputs are pasted one after another,
    later rows replace earlier ones (the latest state wins)."""
    summary = HastatusSummary()
    section: str | None = None
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped) or _CONNECTING.match(stripped):
            continue
        if stripped.startswith("--"):
            title = stripped[2:].strip()
            if title.isupper():  # "-- GROUP STATE"; "-- Group  System ..." is a column header
                section = title
            elif section is None:
                raise ParseError("column header outside a section", lineno, line)
            continue
        fields = stripped.split()
        if section is None or len(fields[0]) != 1 or not fields[0].isalpha():
            raise ParseError("not a line of `hastatus -sum`", lineno, line)
        values = fields[1:]
        if section == "SYSTEM STATE":
            if len(values) != 3 or values[2] not in ("0", "1"):
                raise ParseError("system row is not: System State Frozen", lineno, line)
            summary.systems[values[0]] = SystemRow(_state(values[1], lineno, line), values[2] == "1")
        elif section == "GROUP STATE":
            if len(values) < 5 or values[2] not in _YES_NO or values[3] not in _YES_NO:
                raise ParseError("group row is not: Group System Probed AutoDisabled State", lineno, line)
            summary.groups[(values[0], values[1])] = GroupRow(
                _YES_NO[values[2]], _YES_NO[values[3]], _state(" ".join(values[4:]), lineno, line))
        elif section in _RESOURCE_SECTIONS:
            if len(values) < 4:
                raise ParseError("resource row is not: Group Type Resource System [IState]", lineno, line)
            getattr(summary, _RESOURCE_SECTIONS[section]).append(
                ResourceRow(*values[:4], istate=" ".join(values[4:])))
        else:
            summary.other_sections.setdefault(section, []).append(values)
    return summary


def _attribute_table(text: str, first_column: str) -> dict[tuple[str, str], str]:
    states: dict[tuple[str, str], str] = {}
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped):
            continue
        fields = stripped.split(None, 3)
        if fields[0].lstrip("#") == first_column and fields[1:3] == ["Attribute", "System"]:
            continue  # header, with or without the '#'
        if len(fields) != 4 or fields[1] != "State":
            raise ParseError(f"not a row of `{first_column.lower()} -state`: "
                             f"{first_column} State System Value", lineno, line)
        states[(fields[0], fields[2])] = _state(fields[3], lineno, line)
    return states


def parse_hagrp_state(text: str) -> dict[tuple[str, str], str]:
    """``hagrp -state [G]``: {(group, system): state}; later rows win over earlier ones."""
    return _attribute_table(text, "Group")


def parse_hares_state(text: str) -> dict[tuple[str, str], str]:
    """``hares -state [R]``: {(resource, system): state} (values such as ``OFFLINE|STATE UNKNOWN``)."""
    return _attribute_table(text, "Resource")


def parse_state_value(text: str) -> str:
    """What ``hagrp -state G -sys S`` (or ``hares -state R -sys S``) prints: the value alone, piped
    (``|ONLINE|``) or bare (``ONLINE``). A one-row table form is accepted too."""
    lines = [(n, line) for n, line in content_lines(text) if line.strip() and not is_prompt_line(line)]
    if not lines:
        raise ParseError("empty output: no state printed")
    if len(lines) == 1:
        lineno, line = lines[0]
        return _state(line, lineno, line)
    table = _attribute_table(text, "Group" if lines[0][1].lstrip().lstrip("#").startswith("Group")
                             else "Resource")
    if len(table) != 1:
        raise ParseError(f"expected one state, found {len(table)}", lines[1][0], lines[1][1])
    return next(iter(table.values()))
