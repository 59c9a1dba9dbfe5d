"""`HagrpGroupControl`: the `GroupControl` protocol over the `hagrp` command.

It works against a real VCS cluster and against the emulated CLIs alike, because it only runs
`hagrp` and reads what it prints. The command runner is pluggable so that tests can answer as
`hagrp` would without a cluster, and so that a harness can run it over a remote shell.

What `hagrp` prints, and what this module accepts:

- ``hagrp -state G -sys S``: the value alone, the bare word (``ONLINE``, ``OFFLINE|FAULTED``;
  scripts written against VCS compare it with ``^(ONLINE|OFFLINE)``); the piped form
  (``|ONLINE|``, ``|ONLINE|PARTIAL|``) of ``hagrp -value G State S`` and of the table is accepted
  too, and so are resource-like values (``ONLINE|STATE UNKNOWN``). Should a
  release print the table form (``#Group Attribute System Value`` / ``G State S |ONLINE|``),
  the row for (G, S) is used.
- ``hagrp -display G -attribute SystemList``: a table ``#Group Attribute System Value`` whose
  value is ``sys1 0 sys2 1`` (system, priority pairs).
- ``hagrp -online G -sys S`` / ``hagrp -offline G -sys S``: nothing on success.
- Errors: a non-zero exit with a VCS message on stderr, e.g.
  ``VCS WARNING V-16-1-40131 Group G does not exist`` (also V-16-1-12130),
  ``VCS ERROR V-16-1-10600 Cannot connect to VCS engine``; or no answer within the timeout.
  All of them become `GroupStateError` carrying the message.
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Callable, Sequence

from agents.group_control import GroupStateError

Runner = Callable[[list[str]], tuple[int, str, str]]

DEFAULT_COMMAND_TIMEOUT = 30.0

# one state word, or several joined by '|': ONLINE, OFFLINE|FAULTED, ONLINE|STATE UNKNOWN
_STATE_VALUE = re.compile(r"^[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*(?:\|[A-Z][A-Z_]*(?: [A-Z][A-Z_]*)*)*$")
_VCS_MESSAGE = re.compile(r"V-\d+-\d+-\d+")


def subprocess_runner(timeout: float = DEFAULT_COMMAND_TIMEOUT) -> Runner:
    """A runner that executes the command locally; raises TimeoutError when it hangs.

    The C locale keeps VCS messages in English, which is what the error texts are matched on.
    """

    def run(argv: list[str]) -> tuple[int, str, str]:
        env = dict(os.environ, LC_ALL="C", LANG="C")
        try:
            done = subprocess.run(argv, capture_output=True, text=True, timeout=timeout, env=env,
                                  stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired as exc:
            raise TimeoutError(f"{' '.join(argv)}: no answer within {timeout:g}s") from exc
        return done.returncode, done.stdout, done.stderr

    return run


def normalize_state(value: str) -> str:
    """``|ONLINE|`` -> ``ONLINE``, ``|OFFLINE|FAULTED|`` -> ``OFFLINE|FAULTED``; raise ValueError
    when the text is not a state value."""
    text = value.strip().strip("|").strip()
    if not _STATE_VALUE.match(text):
        raise ValueError(f"not a group state: {value.strip()!r}")
    return text


def _content_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def parse_state_output(stdout: str, group: str, system: str) -> str:
    """The state printed by ``hagrp -state G -sys S`` (bare value, or the table form)."""
    lines = [line for line in _content_lines(stdout) if not line.startswith("#")]
    if len(lines) == 1 and lines[0].split()[:2] != [group, "State"]:
        return normalize_state(lines[0])
    for line in lines:
        fields = line.split(None, 3)
        if len(fields) == 4 and fields[0] == group and fields[1] == "State" and fields[2] == system:
            return normalize_state(fields[3])
    raise ValueError(f"no state of {group} on {system} in {stdout.strip()!r}")


def parse_system_list_output(stdout: str, group: str) -> list[str]:
    """Systems of ``hagrp -display G -attribute SystemList``, sorted by priority (lowest first)."""
    for line in _content_lines(stdout):
        if line.startswith("#"):
            continue
        fields = line.split()
        if len(fields) < 3 or fields[0] != group or fields[1] != "SystemList":
            continue
        pairs = fields[3:]
        if len(pairs) % 2:
            raise ValueError(f"SystemList of {group} is not system/priority pairs: {line!r}")
        entries = []
        for index in range(0, len(pairs), 2):
            system, priority = pairs[index], pairs[index + 1]
            try:
                entries.append((int(priority), index, system))
            except ValueError:
                raise ValueError(f"SystemList of {group}: priority {priority!r} of {system} "
                                 f"is not a number") from None
        return [system for _, _, system in sorted(entries)]
    raise ValueError(f"no SystemList row for {group} in {stdout.strip()!r}")


def _error_text(rc: int, stdout: str, stderr: str) -> str:
    """The VCS message of a failed command, else whatever it printed, else its exit code."""
    for text in (stderr, stdout):
        for line in _content_lines(text):
            if _VCS_MESSAGE.search(line):
                return line
    for text in (stderr, stdout):
        lines = _content_lines(text)
        if lines:
            return " ".join(lines)
    return f"exit code {rc}"


class HagrpGroupControl:
    """GroupControl that runs `hagrp` (``hagrp`` may be a full path, e.g. /opt/VRTSvcs/bin/hagrp)."""

    def __init__(self, run: Runner | None = None, hagrp: str = "hagrp") -> None:
        self._run = run if run is not None else subprocess_runner()
        self._hagrp = hagrp

    def _call(self, args: Sequence[str]) -> str:
        argv = [self._hagrp, *args]
        command = " ".join(["hagrp", *args])
        try:
            rc, stdout, stderr = self._run(argv)
        except (TimeoutError, subprocess.TimeoutExpired) as exc:
            raise GroupStateError(f"{command}: timed out: {exc}") from exc
        except OSError as exc:
            raise GroupStateError(f"{command}: cannot run {self._hagrp}: {exc}") from exc
        if rc != 0:
            raise GroupStateError(f"{command}: {_error_text(rc, stdout, stderr)}")
        return stdout

    def state(self, group: str, system: str) -> str:
        stdout = self._call(["-state", group, "-sys", system])
        try:
            return parse_state_output(stdout, group, system)
        except ValueError as exc:
            raise GroupStateError(f"hagrp -state {group} -sys {system}: unreadable answer: {exc}") from exc

    def system_list(self, group: str) -> list[str]:
        stdout = self._call(["-display", group, "-attribute", "SystemList"])
        try:
            return parse_system_list_output(stdout, group)
        except ValueError as exc:
            raise GroupStateError(f"hagrp -display {group} -attribute SystemList: {exc}") from exc

    def online(self, group: str, system: str) -> None:
        self._call(["-online", group, "-sys", system])

    def offline(self, group: str, system: str) -> None:
        self._call(["-offline", group, "-sys", system])
