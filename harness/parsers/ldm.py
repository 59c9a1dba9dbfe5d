"""``ldm list -p`` (parseable, short or long) and ``ldm list`` (the table) of Oracle VM Server for SPARC,
of the LDoms 2.x (Solaris 10) and 3.x (Solaris 11, NORM column and ``norm_util``) releases."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.parsers import ParseError, content_lines, is_prompt_line, split_row

_DOMAIN_KEYS = ("name", "state", "flags", "cons", "ncpu", "mem", "util", "uptime", "norm_util")


@dataclass(frozen=True)
class LdmDomain:
    """One ``DOMAIN|name=...|...`` record. ``mem`` in bytes; ``util``/``uptime``/``norm_util`` are
    None when ldm prints them empty (an inactive or bound domain). Unknown keys go to ``extra``."""

    name: str
    state: str
    flags: str
    cons: str
    ncpu: int | None
    mem: int | None
    util: float | None
    uptime: int | None
    norm_util: float | None = None
    extra: dict[str, str] = field(default_factory=dict)
    version: str | None = None


def _number(kind: type, value: str, key: str, lineno: int, line: str):
    if value == "":
        return None
    try:
        return kind(value)
    except ValueError:
        raise ParseError(f"{key}={value!r} is not a number", lineno, line) from None


def parse_ldm_list_p(text: str) -> list[LdmDomain]:
    """Domains of ``ldm list -p``: a ``VERSION x.y`` header, then ``DOMAIN|key=value|...`` lines.

    Other record types that ``ldm list -l -p`` / ``ldm list-bindings -p`` interleave (``UUID|...``,
    ``VDISK|...``, a bare section title such as ``VCPU`` or ``MEMORY``, a ``|``-led continuation) are
    skipped, and so is ``norm_util`` where the release does not print it (LDoms 2.x: the record
    ends with ``uptime=``); the header is optional (kept in ``version``).
    """
    domains: list[LdmDomain] = []
    version: str | None = None
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped):
            continue
        if re.fullmatch(r"VERSION\s+\S+", stripped):
            version = stripped.split()[1]
            continue
        if not stripped.startswith("DOMAIN|"):
            if re.match(r"^[A-Z][A-Z_]*\||^\|", stripped) or re.fullmatch(r"[A-Z][A-Z_]*", stripped):
                continue
            raise ParseError("not a line of `ldm list -p`", lineno, line)
        values: dict[str, str] = {}
        for item in stripped.split("|")[1:]:
            if not item:
                continue
            key, sep, value = item.partition("=")
            if not sep or not key:
                raise ParseError(f"field {item!r} is not key=value", lineno, line)
            values[key] = value
        if "name" not in values or not values["name"]:
            raise ParseError("DOMAIN record without a name", lineno, line)
        domains.append(LdmDomain(
            name=values["name"], state=values.get("state", ""), flags=values.get("flags", ""),
            cons=values.get("cons", ""),
            ncpu=_number(int, values.get("ncpu", ""), "ncpu", lineno, line),
            mem=_number(int, values.get("mem", ""), "mem", lineno, line),
            util=_number(float, values.get("util", ""), "util", lineno, line),
            uptime=_number(int, values.get("uptime", ""), "uptime", lineno, line),
            norm_util=_number(float, values.get("norm_util", ""), "norm_util", lineno, line),
            extra={k: v for k, v in values.items() if k not in _DOMAIN_KEYS},
            version=version,
        ))
    return domains


@dataclass(frozen=True)
class LdmListRow:
    """One row of ``ldm list``. ``memory`` as printed (``32544M``, ``4G``); ``util``/``norm`` in
    percent; ``uptime`` as printed (``9m``, ``2d 3h 24m``); None where ldm prints nothing."""

    name: str
    state: str
    flags: str
    cons: str
    vcpu: int | None
    memory: str
    util: float | None
    norm: float | None
    uptime: str | None


_LDM_HEADER = re.compile(r"^NAME\s+STATE\s+FLAGS\s+CONS\s+VCPU\s+MEMORY\s+UTIL\s+(?:NORM\s+)?UPTIME$")
_STATES = {"active", "inactive", "bound"}
# `ldm list-bindings` continues with indented sections under all-capitals titles
_SECTION_TITLE = re.compile(r"^[A-Z][A-Z_ ]*$")


def _percent(value: str, lineno: int, line: str) -> float | None:
    if value in ("", "-"):
        return None
    try:
        return float(value.rstrip("%"))
    except ValueError:
        raise ParseError(f"{value!r} is not a percentage", lineno, line) from None


def parse_ldm_list(text: str) -> list[LdmListRow]:
    """Rows of ``ldm list`` (header ``NAME STATE FLAGS CONS VCPU MEMORY UTIL [NORM] UPTIME``).

    Also reads the tables of ``ldm list -l``/``-e`` and ``ldm list-bindings``: their detail sections
    (a title in capitals, then indented lines or, under SOFTSTATE, a line of text: Oracle VM Server
    for SPARC 3.2 Administration Guide, `ldm list -o domain`) and the dashed lines between domains
    are skipped.
    """
    rows: list[LdmListRow] = []
    header: str | None = None
    in_table = in_section = False
    for lineno, line in content_lines(text):
        if not line.strip():
            in_table = in_section = False
            continue
        if is_prompt_line(line):
            in_table = in_section = False
            continue
        if _LDM_HEADER.match(line.strip()):
            header, in_table = line, True
            continue
        if header is None:
            raise ParseError("expected the `ldm list` header NAME STATE FLAGS CONS VCPU MEMORY UTIL "
                             "[NORM] UPTIME", lineno, line)
        if not in_table:
            if _SECTION_TITLE.match(line):
                in_section = True
                continue
            if in_section or line[:1].isspace() or re.fullmatch(r"-{20,}", line):
                continue  # list -l / list-bindings detail sections, the separator between domains
            raise ParseError("not part of `ldm list` output", lineno, line)
        cells = dict(zip(header.split(), split_row(header, line), strict=True))
        if cells["STATE"] not in _STATES:
            raise ParseError(f"unknown domain state {cells['STATE']!r}", lineno, line)
        vcpu = cells["VCPU"]
        if vcpu and not vcpu.isdigit():
            raise ParseError(f"VCPU {vcpu!r} is not a number", lineno, line)
        rows.append(LdmListRow(
            name=cells["NAME"], state=cells["STATE"], flags=cells["FLAGS"], cons=cells["CONS"],
            vcpu=int(vcpu) if vcpu else None, memory=cells["MEMORY"],
            util=_percent(cells["UTIL"], lineno, line), norm=_percent(cells.get("NORM", ""), lineno, line),
            uptime=cells["UPTIME"] or None,
        ))
    return rows
