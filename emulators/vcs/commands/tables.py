"""How the commands print: columns and ``#Name Attribute System Value`` tables with the widths of
the captures, attribute values, and bare states."""

from __future__ import annotations

from typing import Any

TABLE = [13, 22, 11]          # hagrp -state / -display, hares -state: #Group(13) Attribute(22) System(11)
RES_DISPLAY = [18, 25, 11]    # hares -display: #Resource(18) Attribute(25) System(11), from a capture
SYS_DISPLAY = [11, 24]        # hasys -display: #System(11) Attribute(24), from the same capture
CLUS_DISPLAY = [25]           # haclus -display: #Attribute(25), from the same capture
# hatype -display: #Type(13) Attribute(23) Value, as "Application  NumThreads             1"
TYPE_TABLE = [13, 23]
DEP = [13, 11]                # hagrp -dep: #Parent(13) Child(11) Relationship
RES_DEP = [13, 21]            # hares -dep: #Group(13) Parent(21) Child
LIST = [16]                   # hagrp -list / hares -list: name(16) system
HASTATUS = [16, 21, 21]       # hastatus: group(15) resource(20) system(20) message, captures/hastatus.1.txt
HASTATUS_RULE = "-" * 73

DISPLAY_ASSOC_SEP = "\t"


def cols(values: list[str], widths: list[int]) -> str:
    """Columns of at least `widths` characters (the last one unpadded), at least one space apart."""
    out = ""
    for v, w in zip(values, widths, strict=False):
        out += v.ljust(w - 1) + " "
    rest = values[len(widths):]
    return (out + " ".join(rest)).rstrip()


def table(header: list[str], rows: list[list[str]], minimum: list[int]) -> str:
    """A ``#Name Attribute System Value`` table: each column but the last is its minimum wide, or one
    more than its longest entry (header included), so that every row lines up with the header."""
    widths = [max([m] + [len(r[i]) + 1 for r in [header, *rows]]) for i, m in enumerate(minimum)]
    return "".join(cols(r, widths) + "\n" for r in [header, *rows])


def format_value(v: Any, assoc_sep: str = " ") -> str:
    """An attribute value as the CLIs print it: associations as ``k v k v``, lists space-joined.

    `-value` prints associations with spaces (``primary1 0 primary2 1``, as wrappers that split
    ``hagrp -value G SystemList`` expect); `-display` separates them with tabs (`DISPLAY_ASSOC_SEP`):
    the column arithmetic of public ``hagrp -display`` / ``hasys -display`` captures
    (``xha239194 0       xha239195       1``) only fits tab stops.
    """
    if v is None:
        return ""
    if isinstance(v, dict):
        return assoc_sep.join(f"{k}{assoc_sep}{format_value(x)}" for k, x in v.items())
    if isinstance(v, list):
        return " ".join(format_value(x) for x in v)
    return str(v)


def bare(state: str) -> str:
    """``|ONLINE|PARTIAL|`` -> ``ONLINE|PARTIAL``."""
    return state.strip("|")
