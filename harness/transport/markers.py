"""The marker protocol, pure part: how a command line is wrapped and how its output is parsed back.

Every command is sent as ONE line that prints a begin marker, runs the command with stdin from
/dev/null and stderr to a file, prints a middle marker, the captured stderr and an end marker with
the exit status. Markers are printed with printf from two halves (`printf '%s%s\\n' __ALTIO _B…__`)
so that the echoed command line never contains the joined marker: parsing works whether the
terminal echoes or not. Each command gets a fresh random token, so output left over from an
interrupted command can never be mistaken for the current one's. Only POSIX sh is assumed (dash,
bash, ksh, Solaris sh): no `echo -n`, no `$(...)`.
"""

from __future__ import annotations

import re
import secrets
import shlex
from collections.abc import Sequence
from dataclasses import dataclass, field

PREFIX = "__ALTIO"
PS1 = "__ALTIO_PS1__ "
PS2 = "__ALTIO_PS2__ "

# A terminal's canonical-mode line buffer holds 4095 bytes on Linux; a longer line is cut silently.
MAX_LINE = 4000

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)|[()][0-9A-Za-z]|[@-Z\\-_])")
_NEWLINES = re.compile(r"\r+\n")
# "Nov 26 11:02:03 primary1 genunix: [ID 408114 kern.notice] NOTICE: ..." as syslogd writes to a console.
SYSLOG_LINE = re.compile(r"^[A-Z][a-z]{2} [ \d]\d \d\d:\d\d:\d\d \S+ [\w./-]+(?:\[\d+\])?: [^\n]*\n", re.M)

Argv = str | Sequence[str]


def token() -> str:
    return secrets.token_hex(4)


def quote_argv(argv: Argv) -> str:
    """A shell command line: a str is sent as is; list elements are quoted, except that a leading
    `~/` stays unquoted so the remote shell expands the home directory."""
    if isinstance(argv, str):
        if not argv.strip():
            raise ValueError("empty command line")
        return argv
    if not argv:
        raise ValueError("empty argv")
    parts = []
    for arg in argv:
        if arg.startswith("~/"):
            parts.append("~/" + shlex.quote(arg[2:]) if arg[2:] else "~/")
        else:
            parts.append(shlex.quote(arg))
    return " ".join(parts)


def _marker_printf(kind: str, tok: str, lead: str = "", rc: bool = False) -> str:
    if rc:
        return f"printf '{lead}%s%s%s__\\n' {PREFIX} _{kind}{tok}_ \"$__altio_rc\""
    return f"printf '{lead}%s%s\\n' {PREFIX} _{kind}{tok}__"


def joined(kind: str, tok: str) -> str:
    return f"{PREFIX}_{kind}{tok}__"


def sync_line(tok: str) -> str:
    return _marker_printf("S", tok)


def sync_pattern(tok: str) -> str:
    return re.escape(joined("S", tok))


def end_pattern(tok: str) -> str:
    return re.escape(f"{PREFIX}_E{tok}_") + r"(\d+)__"


def setup_line(tok: str, err_file: str) -> str:
    """Put a freshly logged-in shell in a known state, then print a sync marker."""
    return "; ".join([
        "stty -echo 2>/dev/null",
        "unset PROMPT_COMMAND",
        f"PS1='{PS1[:7]}''{PS1[7:]}'",
        f"PS2='{PS2[:7]}''{PS2[7:]}'",
        "HISTFILE=/dev/null",
        f"(umask 077; : >{err_file}) 2>/dev/null",
        "bind 'set enable-bracketed-paste off' 2>/dev/null",
        "(set +H) 2>/dev/null && set +H",
        sync_line(tok),
    ])


def command_line(command: str, tok: str, err_file: str) -> str:
    """The one line that runs `command` between markers (see the module docstring)."""
    line = "; ".join([
        _marker_printf("B", tok),
        f"eval {shlex.quote(command)} </dev/null 2>{err_file}",
        "__altio_rc=$?",
        _marker_printf("M", tok, lead="\\n"),
        f"cat {err_file} 2>/dev/null",
        _marker_printf("E", tok, lead="\\n", rc=True),
    ])
    if len(line.encode()) > MAX_LINE:
        raise ValueError(f"command line of {len(line.encode())} bytes is longer than a terminal line "
                         f"({MAX_LINE}); copy a script to the host and run that instead")
    return line


@dataclass
class Cleaned:
    text: str
    syslog: list[str] = field(default_factory=list)


def clean(raw: str, strip_syslog: bool) -> Cleaned:
    """Terminal text -> plain text: ANSI sequences out, CR-LF to LF, console syslog lines out."""
    text = _NEWLINES.sub("\n", _ANSI.sub("", raw))
    found: list[str] = []
    if strip_syslog:
        found = [m.group(0).rstrip("\n") for m in SYSLOG_LINE.finditer(text)]
        text = SYSLOG_LINE.sub("", text)
    return Cleaned(text, found)


def _between_newlines(text: str) -> str:
    """Drop the newline after a marker and the one the next marker's printf added before itself."""
    if text.startswith("\n"):
        text = text[1:]
    if text.endswith("\n"):
        text = text[:-1]
    return text


class ProtocolError(Exception):
    """The markers of a completed command were not found where they must be."""


def parse(before_end: str, tok: str, strip_syslog: bool) -> tuple[str, str, list[str]]:
    """(stdout, stderr, syslog lines) from everything received before the end marker."""
    begin, middle = joined("B", tok), joined("M", tok)
    b = before_end.find(begin)
    m = before_end.rfind(middle)
    if b < 0 or m < b:
        raise ProtocolError(f"markers of command {tok} missing from its output")
    out = clean(before_end[b + len(begin):m], strip_syslog)
    err = clean(before_end[m + len(middle):], strip_syslog)
    return _between_newlines(out.text), _between_newlines(err.text), out.syslog + err.syslog
