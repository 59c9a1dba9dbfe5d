"""Parsers of the command outputs the harness reads on a lab: pure functions, text -> records.

They accept what the real commands print (see reference/captures/): shell prompt lines pasted
around the output (``[root@x ~]# hagrp -state kc_sg``, ``root@host:~# dladm show-phys``,
``bash-3.2# ...``, ``primary# ldm list``, ``$ zpool status -v tank``, ``# hastatus -summary``), trailing
spaces, CRLF.
Anything else they do not understand raises `ParseError`, which names the line number and text.

One module per command family: `ldm` (``ldm list``, ``ldm list -p``), `vcs` (``hastatus -sum``,
``hagrp -state``, ``hares -state``), `solaris` (``zpool status``, ``zpool list -H``,
``dladm show-phys``, ``dladm show-link``, Solaris 10's ``dladm show-dev``). Both releases a lab can
run (Solaris 10 with LDoms 2.x, Solaris 11 with LDoms 3.x) are read.
"""

from __future__ import annotations

import re
from collections.abc import Iterator


class ParseError(ValueError):
    """Output that is not what the command prints. ``lineno`` is 1-based (0: the whole text)."""

    def __init__(self, message: str, lineno: int = 0, line: str = "", source: str = "") -> None:
        self.message = message
        self.lineno = lineno
        self.line = line
        self.source = source
        where = f"line {lineno}: " if lineno else ""
        text = f": {line!r}" if lineno else ""
        prefix = f"{source}: " if source else ""
        super().__init__(f"{prefix}{where}{message}{text}")


_PROMPT = re.compile(
    r"^(?:\[[^\]\s]+@[^\]]+\][#$]"  # [root@verclus01 ~]#
    r"|[\w.-]+@[\w.-]+:[^\s#$]*[#$]"  # root@ct-ttms-18:~#
    r"|(?:ba|k|z)?sh-[\d.]+[#$]"  # bash-3.2#
    r"|[A-Za-z][\w.-]*[#$]"  # primary# (the prompt of Oracle's guides)
    r"|[#$])(?:\s|$)"  # "# cmd" / "$ cmd" (a bare prompt)
)


def is_prompt_line(line: str) -> bool:
    """A shell prompt, possibly followed by the command typed at it."""
    return bool(_PROMPT.match(line.strip()))


def content_lines(text: str) -> Iterator[tuple[int, str]]:
    """(line number, line without trailing blanks) of every line, prompts included."""
    if not isinstance(text, str):
        raise ParseError(f"expected text, got {type(text).__name__}")
    for number, line in enumerate(text.splitlines(), start=1):
        yield number, line.rstrip()


def split_row(header: str, line: str) -> list[str]:
    """Split a table row into the header's columns by the columns' positions.

    When the row has one word per column, the words are the cells. Otherwise each word goes to
    the column whose title starts at or left of it (two characters of tolerance for values printed
    a little left of their title), the last column takes the rest of the line, spaces included, and
    missing values are ''.
    """
    starts = [match.start() for match in re.finditer(r"\S+", header)]
    words = list(re.finditer(r"\S+", line))
    if len(words) == len(starts):
        return [word.group() for word in words]
    cells = [""] * len(starts)
    for word in words:
        column = max((i for i, start in enumerate(starts) if word.start() + 2 >= start), default=0)
        if column == len(starts) - 1:
            cells[column] = line[word.start():].strip()
            break
        cells[column] = f"{cells[column]} {word.group()}".strip()
    return cells


from harness.parsers.ldm import LdmDomain, LdmListRow, parse_ldm_list, parse_ldm_list_p  # noqa: E402
from harness.parsers.solaris import (  # noqa: E402
    DladmLink,
    DladmPhys,
    Vdev,
    ZpoolHealth,
    ZpoolStatus,
    parse_dladm_show_dev,
    parse_dladm_show_link,
    parse_dladm_show_phys,
    parse_format_disks,
    parse_zpool_import,
    parse_zpool_list_h,
    parse_zpool_status,
)
from harness.parsers.vcs import (  # noqa: E402
    GroupRow,
    HastatusSummary,
    ResourceRow,
    SystemRow,
    parse_hagrp_state,
    parse_hares_state,
    parse_hastatus_sum,
    parse_state_value,
)

__all__ = [
    "ParseError", "is_prompt_line", "content_lines", "split_row",
    "LdmDomain", "LdmListRow", "parse_ldm_list", "parse_ldm_list_p",
    "HastatusSummary", "SystemRow", "GroupRow", "ResourceRow",
    "parse_hastatus_sum", "parse_hagrp_state", "parse_hares_state", "parse_state_value",
    "ZpoolStatus", "Vdev", "ZpoolHealth", "DladmPhys", "DladmLink",
    "parse_zpool_status", "parse_zpool_import", "parse_zpool_list_h", "parse_dladm_show_phys", "parse_dladm_show_link",
    "parse_dladm_show_dev", "parse_format_disks",
]
