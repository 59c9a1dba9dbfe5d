"""The ha* commands against an engine object, in-process:
``run(engine, argv, local_system=None, wait=...) -> (rc, stdout, stderr)``.

`local_system` is the system the command is typed on (what ``hagrp -value G State`` answers for,
and whose HAD the command talks to); `SimLab.run_command` passes it. Without one (callers that hold
an engine and no lab), the first system of a group's SystemList stands in for it.

Output follows reference/captures/ and public scripts that read real clusters:

- ``hastatus -sum``: the column layout of captures/hastatus-sum.1.txt; plain ``hastatus`` prints the
  snapshot of captures/hastatus.1.txt and exits (real ``hastatus`` keeps streaming changes: an
  emulated command cannot, so it prints the first screen only); ``hastatus -group G`` the same for G.
- ``hagrp -state``/``hares -state``/``-display`` tables: ``#Group Attribute System Value``; the first
  column is 13 wide (12 and a space, captures/hagrp-state.1.txt) or one more than the longest name
  printed: Ericsson's LITP integration test story11240 asserts, against a real cluster,
  ``#Group               Attribute             System     Value`` over
  ``Grp_CS_c1_CS_11240_1 State                 node1      |OFFLINE|`` (a 20-character name widens
  the column to 21, header included). The other columns follow the same rule from their own
  minimum (Attribute 22, System 11; ``hares -display`` #Resource 18, Attribute 25, from the
  "Veritas Tips" capture).
- ``hagrp -state G -sys S`` / ``hares -state R -sys S`` print the value alone and bare (``ONLINE``,
  ``OFFLINE|FAULTED``): captures/hagrp-hares-state-sys.note.txt (a 2002 Nagios plugin compares it
  with ``ONLINE``) and LITP's testware (``^(ONLINE|OFFLINE)``); ``hagrp -value G State S`` and the
  tables keep the pipes (``|ONLINE|``). Several groups, or none, with ``-sys`` print the table of
  those groups on S (LITP ``_get_groups_on_system_by_state``), or ``V-16-1-10554 No group exists with
  system of S``.
- Refusals: ``VCS <SEVERITY> V-16-1-nnnnn text`` on stderr, exit 1. The severity is the one a capture
  shows for that message (captures/ha-cli-messages.1.txt: V-16-1-10284 is a NOTICE, V-16-1-10600 an
  ERROR, the rest WARNINGs), whatever the engine says (`_SEVERITY`).
- A command typed where HAD does not run (the engine has the local system EXITED or FAULTED) cannot
  connect: ``VCS ERROR V-16-1-10600 Cannot connect to VCS engine`` (captures/ha-cli-messages.1.txt),
  exit 1; ``hastatus -sum`` adds ``VCS WARNING V-16-1-11046 Local system not available`` (the UMI is
  what LITP's ``cluster_stopped`` expects of ``hastatus -sum`` on a stopped node). A LEAVING system
  still runs HAD (it is taking its groups offline) and answers: captures/ha-cli-messages.1.txt has
  HAD rejecting operations "as the node is in LEAVING state", i.e. it connected.

UMIs and texts verbatim from the captures: V-16-1-10369 ``Cluster not writable``, V-16-1-10364
``Cluster already writable``, V-16-1-10805 ``Connection timed out`` (what a ``-wait`` that times out
prints: LITP waits with ``haclus -wait DumpingMembership 0 -time 60`` and expects exactly that).
UMIs from LITP's vcs_cmd_api.py with texts of our own (the texts were not found): V-16-1-10180 (a
SystemList change that drops a system where the group is not offline), V-16-1-10563 / V-16-1-10566
(an entry already in / not in a keylist), V-16-1-40204..40207 (system freeze state), V-16-1-10554.
Choices (no public capture found): V-16-1-10124 ``Type T does not exist``, V-16-1-10016 ``Attribute A
does not exist for group|resource|type X``, V-16-1-10553 for a value that is not of the attribute's
type; the engine's refusals of ``hares -online/-offline`` other than V-16-1-10284/10286 (V-16-1-10283,
10287, 10288, 10289) and of an online on a frozen system or where the group is disabled (V-16-1-10198,
as for a frozen group). ``hatype -display`` uses the column widths of a public capture
(``Application  NumThreads             1``: type 13, attribute 23).

The package: `run` here dispatches to one module a command (hastatus, hagrp, hares, hatype, hasys,
haclus, haconf), which share `cli` (the command line's context, options, sub-option dispatch),
`objects` (the objects a command names), `tables` (columns and values as printed), `rows` (attributes as
rows), `conditions` (of ``-list``), `editing` (``-modify``) and `waiting` (``-wait``).
"""

from __future__ import annotations

from typing import Any

from emulators.vcs.engine import Engine, EngineCommandError

from . import haclus, haconf, hagrp, hares, hastatus, hasys, hatype
from .cli import Cli, Handler, UsageError, Waiter
from .rows import Row
from .tables import DISPLAY_ASSOC_SEP, format_value
from .waiting import DEFAULT_WAIT_S, WAIT_TIMEOUT_UMI, clock_waiter, wait_limit

__all__ = [
    "CANNOT_CONNECT", "DEFAULT_WAIT_S", "DISPLAY_ASSOC_SEP", "HAD_UP", "WAIT_TIMEOUT_UMI", "Result", "Row",
    "UsageError", "Waiter", "clock_waiter", "format_value", "run", "wait_limit",
]

Result = tuple[int, str, str]

# Systems where HAD runs and answers commands (the engine's system states).
HAD_UP = ("RUNNING", "LEAVING")
CANNOT_CONNECT = EngineCommandError("V-16-1-10600", "Cannot connect to VCS engine", "ERROR")

# The severity a capture shows for a message, whatever the engine raised it with
# (captures/ha-cli-messages.1.txt; engine_A.log.1.txt for the log-only ones).
_SEVERITY = {
    "V-16-1-10284": "NOTICE",   # Cannot online a faulted resource:Clear the faulted resource on system S.
    "V-16-1-10136": "NOTICE",   # Group added; populating SystemList ...
    "V-16-1-10242": "NOTICE",   # Resource added. Enabled attribute must be set ...
    "V-16-1-10600": "ERROR",    # Cannot connect to VCS engine
}

_COMMANDS: dict[str, Handler] = {
    "hastatus": hastatus.command, "hagrp": hagrp.command, "hares": hares.command, "hasys": hasys.command,
    "haconf": haconf.command, "hatype": hatype.command, "haclus": haclus.command,
}

_DEFAULT = object()


def run(engine: Engine, argv: list[str], local_system: str | None = None, wait: Any = _DEFAULT) -> Result:
    """Run one command line (argv[0] = hastatus | hagrp | hares | hasys | haclus | haconf | hatype),
    typed on `local_system`.

    `wait` is how ``-wait`` waits for its condition (`Waiter`); by default `clock_waiter` of the
    engine's clock (a virtual clock is run forward; a real one cannot block: the condition is looked
    at once). ``None``: never wait, look once. `SimLab` passes one that runs the virtual clock only
    from the thread that drives the lab (a script agent's command, answered from another thread
    while the lab waits on it, must not move the clock); the lab daemon retries a ``-wait`` that
    timed out at once until its ``-time`` has passed on the real clock.
    """
    if not argv:
        return 1, "", "VCS ERROR V-16-1-10000 no command given\n"
    name = argv[0].rsplit("/", 1)[-1]
    handler = _COMMANDS.get(name)
    if handler is None:
        return 1, "", f"VCS ERROR V-16-1-10000 unknown command {name}\n"
    if local_system is not None and local_system in engine.systems() \
            and engine.system_state(local_system) not in HAD_UP:
        err = _message(CANNOT_CONNECT)
        if name == "hastatus" and argv[1:2] in (["-sum"], ["-summary"]):
            err += "VCS WARNING V-16-1-11046 Local system not available\n"
        return 1, "", err
    cli = Cli(engine, local_system, clock_waiter(engine.clock) if wait is _DEFAULT else wait)
    try:
        out = handler(cli, list(argv[1:]))
    except EngineCommandError as exc:
        return 1, "", _message(exc)
    except UsageError as exc:
        return 1, "", f"VCS WARNING V-16-1-10001 Usage: {exc}\n"
    return 0, out, ""


def _message(exc: EngineCommandError) -> str:
    return f"VCS {_SEVERITY.get(exc.umi, exc.severity)} {exc.umi} {exc.text}\n"
