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
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.config.model import AttrDef
from emulators.vcs.config.parser import INT_RE, int_range_problem
from emulators.vcs.engine import Engine, EngineCommandError
from emulators.vcs.engine.attrs import GROUP_DEFAULTS, RESOURCE_DEFAULTS

Result = tuple[int, str, str]
# wait(done, seconds) -> whether done() held within `seconds` of the lab's clock
Waiter = Callable[[Callable[[], bool], float], bool]

# Systems where HAD runs and answers commands (the engine's system states).
HAD_UP = ("RUNNING", "LEAVING")
CANNOT_CONNECT = EngineCommandError("V-16-1-10600", "Cannot connect to VCS engine", "ERROR")
WAIT_TIMEOUT_UMI = "V-16-1-10805"
# `-wait` without `-time` waits forever on VCS; the emulation gives up after this much lab time
DEFAULT_WAIT_S = 3600.0

# The severity a capture shows for a message, whatever the engine raised it with
# (captures/ha-cli-messages.1.txt; engine_A.log.1.txt for the log-only ones).
_SEVERITY = {
    "V-16-1-10284": "NOTICE",   # Cannot online a faulted resource:Clear the faulted resource on system S.
    "V-16-1-10136": "NOTICE",   # Group added; populating SystemList ...
    "V-16-1-10242": "NOTICE",   # Resource added. Enabled attribute must be set ...
    "V-16-1-10600": "ERROR",    # Cannot connect to VCS engine
}


class UsageError(Exception):
    pass


@dataclass
class _Cli:
    """One command line's context: the engine, the system it is typed on, how -wait waits."""

    engine: Engine
    local: str | None
    wait: Waiter | None


def clock_waiter(clock: Any) -> Waiter:
    """Wait on `clock` by running it: a virtual clock runs its events until `done()` holds or
    `seconds` have passed; a real clock cannot be run from here (False unless done already)."""

    def wait(done: Callable[[], bool], seconds: float) -> bool:
        if getattr(clock, "kind", None) == "virtual" and not done():
            clock.run_while(lambda: not done(), seconds)
        return done()

    return wait


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
    cli = _Cli(engine, local_system, clock_waiter(engine.clock) if wait is _DEFAULT else wait)
    try:
        out = handler(cli, list(argv[1:]))
    except EngineCommandError as exc:
        return 1, "", _message(exc)
    except UsageError as exc:
        return 1, "", f"VCS WARNING V-16-1-10001 Usage: {exc}\n"
    return 0, out, ""


def _message(exc: EngineCommandError) -> str:
    return f"VCS {_SEVERITY.get(exc.umi, exc.severity)} {exc.umi} {exc.text}\n"


def wait_limit(argv: list[str]) -> float | None:
    """Lab seconds a ``ha* -wait`` command line may wait (its ``-time``, else `DEFAULT_WAIT_S`);
    None when `argv` is not one."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name not in ("hagrp", "hares", "hasys", "haclus") or "-wait" not in argv[1:2]:
        return None
    if "-time" in argv:
        i = argv.index("-time")
        if i + 1 < len(argv) and argv[i + 1].isdigit():
            return float(argv[i + 1])
    return DEFAULT_WAIT_S


# ---------------------------------------------------------------------- formatting
def _cols(values: list[str], widths: list[int]) -> str:
    """Columns of at least `widths` characters (the last one unpadded), at least one space apart."""
    out = ""
    for v, w in zip(values, widths, strict=False):
        out += v.ljust(w - 1) + " "
    rest = values[len(widths):]
    return (out + " ".join(rest)).rstrip()


def _table(header: list[str], rows: list[list[str]], minimum: list[int]) -> str:
    """A ``#Name Attribute System Value`` table: each column but the last is its minimum wide, or one
    more than its longest entry (header included), so that every row lines up with the header."""
    widths = [max([m] + [len(r[i]) + 1 for r in [header, *rows]]) for i, m in enumerate(minimum)]
    return "".join(_cols(r, widths) + "\n" for r in [header, *rows])


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


DISPLAY_ASSOC_SEP = "\t"


_TABLE = [13, 22, 11]          # hagrp -state / -display, hares -state: #Group(13) Attribute(22) System(11)
_RES_DISPLAY = [18, 25, 11]    # hares -display: #Resource(18) Attribute(25) System(11), from a capture
_SYS_DISPLAY = [11, 24]        # hasys -display: #System(11) Attribute(24), from the same capture
_CLUS_DISPLAY = [25]           # haclus -display: #Attribute(25), from the same capture
_DEP = [13, 11]                # hagrp -dep: #Parent(13) Child(11) Relationship
_RES_DEP = [13, 21]            # hares -dep: #Group(13) Parent(21) Child
_LIST = [16]                   # hagrp -list / hares -list: name(16) system
_HASTATUS = [16, 21, 21]       # hastatus: group(15) resource(20) system(20) message, captures/hastatus.1.txt
_HASTATUS_RULE = "-" * 73


def _opts(args: list[str], flags: dict[str, int]) -> tuple[dict[str, list[str]], list[str]]:
    """Split args into options (flag -> its values) and positionals; flags maps -opt -> arity (-1 = the
    words up to the next flag; given twice, as ``-attribute A -attribute B``, the words add up)."""
    opts: dict[str, list[str]] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a in flags:
            n = flags[a]
            if n == -1:
                vals = opts.setdefault(a, [])
                i += 1
                while i < len(args) and not (args[i].startswith("-") and args[i] in flags):
                    vals.append(args[i])
                    i += 1
                continue
            vals = args[i + 1:i + 1 + n]
            if len(vals) < n:
                raise UsageError(f"{a} needs {n} value(s)")
            opts[a] = vals
            i += 1 + n
            continue
        if a.startswith("-"):
            raise UsageError(f"unknown option {a}")
        pos.append(a)
        i += 1
    return opts, pos


def _group(engine: Engine, g: str) -> None:
    if g not in engine.config.groups:
        raise EngineCommandError("V-16-1-12130", f"Group {g} does not exist in the local cluster")


def _resource(engine: Engine, r: str) -> None:
    if engine.config.resource(r) is None:
        raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")


def _sys(engine: Engine, s: str) -> None:
    if s not in engine.systems():
        raise EngineCommandError("V-16-1-10138", f"System {s} does not exist")


def _bare(state: str) -> str:
    """``|ONLINE|PARTIAL|`` -> ``ONLINE|PARTIAL``."""
    return state.strip("|")


def _not_offline(engine: Engine, g: str, s: str) -> bool:
    """The group is online, partial, starting or stopping on `s` (not merely OFFLINE or faulted)."""
    state = engine.group_state(g, s)
    return not state.startswith("OFFLINE") or "STARTING" in state or "STOPPING" in state


# ---------------------------------------------------------------------- hastatus
def hastatus(cli: _Cli, args: list[str]) -> str:
    """``hastatus -sum`` | ``hastatus`` | ``hastatus -group G ...``."""
    if args in (["-sum"], ["-summary"]):
        return _hastatus_sum(cli.engine)
    opts, pos = _opts(args, {"-group": -1})
    if pos or ("-group" in opts and not opts["-group"]):
        raise UsageError("hastatus [-sum | -group group ...]")
    for g in opts.get("-group", []):
        _group(cli.engine, g)
    return _hastatus_snapshot(cli.engine, opts.get("-group"))


def _hastatus_snapshot(engine: Engine, groups: list[str] | None) -> str:
    """The first screen of plain ``hastatus`` (captures/hastatus.1.txt): the systems' states, then per
    group its state on each system, a rule, and its resources' states. ``-group``: those groups only,
    without the systems."""
    lines = ["attempting to connect....", "attempting to connect....connected", "", "",
             _cols(["group", "resource", "system", "message"], _HASTATUS),
             _cols(["-" * 15, "-" * 20, "-" * 20, "-" * 20], _HASTATUS)]
    if groups is None:
        lines += [_cols(["", "", s, engine.system_state(s)], _HASTATUS) for s in engine.systems()]
    for g in groups or engine.groups():
        G = engine.config.groups[g]
        lines += [_cols([g, "", s, _bare(engine.group_state(g, s))], _HASTATUS) for s in G.system_list]
        lines.append(_HASTATUS_RULE)
        lines += [_cols(["", r, s, engine.resource_state(r, s)], _HASTATUS)
                  for r in G.resources for s in G.system_list]
    return "\n".join(lines) + "\n"


def _hastatus_sum(engine: Engine) -> str:
    lines = ["", "-- SYSTEM STATE", _cols(["-- System", "State", "Frozen"], [24, 21]), ""]
    for s in engine.systems():
        lines.append(_cols(["A  " + s, engine.system_state(s), "1" if _sys_frozen(engine, s) else "0"], [24, 21]))
    lines += ["", "-- GROUP STATE",
              _cols(["-- Group", "System", "Probed", "AutoDisabled", "State"], [19, 21, 11, 16]), ""]
    failed: list[tuple[str, str, str, str]] = []
    unprobed: list[tuple[str, str, str, str]] = []
    for g, G in engine.config.groups.items():
        for s in G.system_list:
            lines.append(_cols(["B  " + g, s, "Y" if engine.probed(g, s) else "N",
                                "Y" if engine.autodisabled(g, s) else "N", engine.group_state(g, s)],
                               [19, 21, 11, 16]))
            for r, R in G.resources.items():
                if engine.system_state(s) != "RUNNING":
                    continue
                st = engine.resource_state(r, s)
                if st == "FAULTED":
                    failed.append((g, R.type, r, s))
                elif st == "OFFLINE|STATE UNKNOWN":
                    unprobed.append((g, R.type, r, s))
    frozen = [g for g in engine.config.groups if engine.frozen(g)]
    if frozen:
        lines += ["", "-- GROUPS FROZEN", "-- Group", ""]
        lines += [f"C  {g}" for g in frozen]
    for title, letter, rows in (("-- RESOURCES FAILED", "D", failed), ("-- RESOURCES NOT PROBED", "E", unprobed)):
        if rows:
            lines += ["", title, _cols(["-- Group", "Type", "Resource", "System"], [19, 21, 21]), ""]
            lines += [_cols([f"{letter}  {g}", t, r, s], [19, 21, 21]) for g, t, r, s in rows]
    return "\n".join(lines) + "\n"


def _dispatch(command: str, table: dict[str, Callable[[_Cli, list[str]], str]], cli: _Cli,
              args: list[str]) -> str:
    """`command -option args...`: the option's handler from `table`, or VCS's usage error."""
    handler = table.get(args[0])
    if handler is None:
        raise UsageError(f"{command}: unknown option {args[0]}")
    return handler(cli, args[1:])


# ---------------------------------------------------------------------- attributes as rows
Row = tuple[str, str, str]  # (attribute, system or "global", value as printed)


def _group_attr_rows(engine: Engine, g: str, assoc_sep: str = " ") -> list[Row]:
    """(attribute, system-or-global, value) rows of one group: its configuration (every attribute VCS
    knows, sorted), then the runtime attributes the engine keeps (AutoDisabled, CurrentCount,
    IntentOnline, ProbesPending, Probed, State).

    Choices (derived from the engine's state, which has no such counters of its own): IntentOnline
    is 1 while the group is online, partial or starting somewhere, else 0 (VCS: "1 if an attempt has
    been made to bring the group online"; 2, an AutoStart under way, is not told apart);
    ProbesPending counts the group's resources not probed on the system; CurrentCount the systems
    where the group is online or partial.
    """
    G = engine.config.groups[g]
    names = sorted(set(GROUP_DEFAULTS) | set(builtins.group_attr_defs) | set(G.attributes))
    rows: list[Row] = []
    for a in names:
        av = G.attributes.get(a)
        if a == "TFrozen":
            rows.append((a, "global", "1" if engine.frozen(g) and not engine.persistently_frozen(g) else "0"))
            continue
        if av is not None and av.localized:
            for s in G.system_list:
                v = av.for_system(s)
                rows.append((a, s, format_value(_group_default(a) if v is None else v, assoc_sep)))
            continue
        value = av.value if av is not None and av.value is not None else _group_default(a)
        rows.append((a, "global", format_value(value, assoc_sep)))
    systems = list(G.system_list)
    states = {s: engine.group_state(g, s) for s in systems}
    for s in systems:
        rows.append(("AutoDisabled", s, "1" if engine.autodisabled(g, s) else "0"))
    rows.append(("CurrentCount", "global", str(len(engine.online_systems(g)))))
    intent = any(not st.startswith("OFFLINE") or "STARTING" in st for st in states.values())
    rows.append(("IntentOnline", "global", "1" if intent else "0"))
    for s in systems:
        pending = sum(1 for r in G.resources if engine.resource_state(r, s) == "OFFLINE|STATE UNKNOWN")
        rows.append(("ProbesPending", s, str(pending)))
    for s in systems:
        rows.append(("Probed", s, "1" if engine.probed(g, s) else "0"))
    for s in systems:
        rows.append(("State", s, f"|{states[s]}|"))
    return rows


def _group_default(a: str) -> Any:
    if a in GROUP_DEFAULTS:
        return GROUP_DEFAULTS[a]
    d = builtins.group_attr_defs.get(a)
    return d.default if d is not None else None


def _res_attr_rows(engine: Engine, r: str, assoc_sep: str = " ") -> list[Row]:
    G, R = engine.config.resource(r)  # type: ignore[misc]
    rows: list[Row] = [("Group", "global", G.name), ("Type", "global", R.type)]
    names = sorted(set(RESOURCE_DEFAULTS) | set(R.attributes) | set(
        a for a, d in (engine.config.types[R.type].attributes.items() if R.type in engine.config.types else [])
        if not d.static))
    tdef = engine.config.types.get(R.type)
    for a in names:
        av = R.attributes.get(a)
        d = tdef.attributes.get(a) if tdef else None
        default = d.default if d and d.default is not None else RESOURCE_DEFAULTS.get(a)
        if av is not None and av.localized:
            for s in G.system_list:
                v = av.for_system(s)
                rows.append((a, s, format_value(default if v is None else v, assoc_sep)))
            continue
        rows.append((a, "global", format_value(av.value if av is not None and av.value is not None else default,
                                               assoc_sep)))
    for s in G.system_list:
        rows.append(("State", s, engine.resource_state(r, s)))
    return rows


def _display_rows(name: str, rows: list[Row], attrs: list[str], sys_filter: str | None) -> list[list[str]]:
    """The rows of one object a `-display` prints: every attribute, or the ones asked for in the order
    asked (LITP reads ``-attribute TFrozen -attribute Frozen`` back in that order); with ``-sys``, the
    global values and the ones of that system."""
    picked = rows if not attrs else [row for a in dict.fromkeys(attrs) for row in rows if row[0] == a]
    return [[name, a, s, v] for a, s, v in picked if not sys_filter or s in ("global", sys_filter)]


def _pick(rows: list[Row], attr: str, system: str | None, owner: str, systems: list[str]) -> str:
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


def _matches(value: str, want: str) -> bool:
    """`value` (as -value prints it) equals `want`; a State also matches without its pipes
    (``hagrp -wait G State ONLINE``, as VCS's own installer scripts write it, waits for ``|ONLINE|``)."""
    return value == want or (value.startswith("|") and _bare(value) == _bare(want))


# ---------------------------------------------------------------------- conditions of -list
def _conditions(args: list[str], usage: str) -> list[tuple[str, str, str]]:
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


def _holds(rows: list[Row], system: str, conds: list[tuple[str, str, str]]) -> bool:
    def one(name: str, op: str, want: str) -> bool:
        values = [v for a, where, v in rows if a == name and where in ("global", system)]
        if not values:
            return False
        if op == "=~":
            return any(re.search(want, v) for v in values)
        equal = any(_matches(v, want) for v in values)
        return equal if op == "=" else not equal
    return all(one(*c) for c in conds)


# ---------------------------------------------------------------------- -modify
def _modify_args(args: list[str], usage: str) -> tuple[str, str, str | None, list[str], str | None]:
    """(object, attribute, operation, value words, system) of
    ``-modify OBJ ATTR [-add|-delete|-update] VALUE... [-sys S]``.

    Values are taken as words (a value may itself start with a dash, as ``-1``); the operation is the
    word right after the attribute, and only a trailing ``-sys S`` is an option.
    """
    system = None
    if len(args) >= 2 and args[-2] == "-sys":
        system, args = args[-1], args[:-2]
    if len(args) < 2 or args[1].startswith("-"):
        raise UsageError(usage)
    op = args[2] if len(args) > 2 and args[2] in ("-add", "-delete", "-update") else None
    return args[0], args[1], op, args[3:] if op else args[2:], system


def _typed(defn: AttrDef, words: list[str], what: str, dimension: str | None = None) -> Any:
    """The words of a -modify turned into a value of the attribute's dimension and data type."""
    def one(w: str) -> Any:
        if defn.datatype in ("int", "boolean"):
            if not INT_RE.match(w):
                raise EngineCommandError("V-16-1-10553", f"{what}: {w!r} is not an integer")
            why = int_range_problem(w)
            if why is not None:
                raise EngineCommandError("V-16-1-10553", f"{what}: {why}")
            n = int(w)
            if defn.datatype == "boolean" and n not in (0, 1):
                raise EngineCommandError("V-16-1-10553", f"{what}: {n} is not a boolean (0 or 1)")
            return n
        return w
    dim = dimension or defn.dimension
    if dim == "scalar":
        if len(words) != 1:
            raise UsageError(f"{what} is a scalar: give one value")
        return one(words[0])
    if dim == "association":
        if len(words) % 2:
            raise UsageError(f"{what} is an association: give key value pairs")
        return {words[i]: one(words[i + 1]) for i in range(0, len(words), 2)}
    return [one(w) for w in words]


def _edited(defn: AttrDef, current: Any, op: str | None, words: list[str], what: str) -> Any:
    """The attribute's new value: `words` as the whole value, or `current` changed by the operation
    (hagrp(1M)/hares(1M)): ``-add`` appends to a vector, adds keys to a keylist and key/value pairs to
    an association; ``-delete key ...`` removes elements or keys, ``-delete -keys`` all of them;
    ``-update key value ...`` changes values of an association's keys. Adding a key that is there
    (V-16-1-10563) or deleting or updating one that is not (V-16-1-10566) is refused."""
    if op is None:
        return _typed(defn, words, what)
    if defn.dimension == "scalar":
        raise UsageError(f"{what} is a scalar: {op} applies to vector, keylist and association attributes")
    if op == "-delete" and words == ["-keys"]:
        return {} if defn.dimension == "association" else []
    if not words:
        raise UsageError(f"{what}: {op} needs values")
    if defn.dimension == "association":
        new = dict(current) if isinstance(current, dict) else {}
        if op == "-delete":
            for k in words:
                if k not in new:
                    raise EngineCommandError("V-16-1-10566", f"{what}: {k} is not a key of the association")
                del new[k]
            return new
        pairs = _typed(defn, words, what)
        for k, v in pairs.items():
            if op == "-add" and k in new:
                raise EngineCommandError("V-16-1-10563", f"{what}: {k} is already a key of the association")
            if op == "-update" and k not in new:
                raise EngineCommandError("V-16-1-10566", f"{what}: {k} is not a key of the association")
            new[k] = v
        return new
    if op == "-update":
        raise UsageError(f"{what} is a {defn.dimension}: -update applies to associations")
    new_list = list(current) if isinstance(current, list) else []
    items = _typed(defn, words, what, "vector")
    if op == "-add":
        for x in items:
            if defn.dimension == "keylist" and x in new_list:
                raise EngineCommandError("V-16-1-10563", f"{what}: {x} is already in the keylist")
            new_list.append(x)
        return new_list
    for x in items:
        if x not in new_list:
            raise EngineCommandError("V-16-1-10566", f"{what}: {x} is not in the {defn.dimension}")
        new_list.remove(x)
    return new_list


def _current(attributes: dict, a: str, system: str | None, default: Any) -> Any:
    av = attributes.get(a)
    v = av.for_system(system) if av is not None else None
    return default if v is None else v


# ---------------------------------------------------------------------- -wait
def _wait_args(args: list[str], usage: str, has_object: bool = True) -> tuple[list[str], str | None, float]:
    """(positionals, -sys system, seconds) of ``-wait [OBJ] ATTR VALUE [-sys S] [-time T]``."""
    opts, pos = _opts(args, {"-sys": 1, "-time": 1, "-clus": 1, "-localclus": 0})
    if len(pos) != (3 if has_object else 2):
        raise UsageError(usage)
    seconds = DEFAULT_WAIT_S
    if "-time" in opts:
        t = opts["-time"][0]
        if not t.isdigit():
            raise UsageError(usage)
        seconds = float(t)
    return pos, (opts["-sys"][0] if "-sys" in opts else None), seconds


def _await(cli: _Cli, done: Callable[[], bool], seconds: float) -> str:
    """Nothing once `done()` holds (at once if it does already), else V-16-1-10805 ``Connection
    timed out`` when `seconds` of lab time pass first (or when this caller cannot wait: see `run`)."""
    if done() or (cli.wait is not None and cli.wait(done, seconds)):
        return ""
    raise EngineCommandError("V-16-1-10805", "Connection timed out")


# ---------------------------------------------------------------------- hagrp
def hagrp(cli: _Cli, args: list[str]) -> str:
    if not args:
        raise UsageError("hagrp -state|-online|-offline|-switch|-clear|-flush|-freeze|-unfreeze|-dep|-display|-list|"
                         "-value|-modify|-resources|-wait")
    return _dispatch("hagrp", _HAGRP, cli, args)


def _hagrp_state(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = _opts(args, {"-sys": 1, "-localclus": 0, "-clus": 1})
    groups = pos or engine.groups()
    for g in groups:
        _group(engine, g)
    if "-sys" in opts:
        s = opts["-sys"][0]
        _sys(engine, s)
        if len(pos) == 1:
            return _bare(engine.group_state(pos[0], s)) + "\n"
        rows = [(g, s) for g in groups if s in engine.config.groups[g].system_list]
        if not rows:
            raise EngineCommandError("V-16-1-10554", f"No group exists with system of {s}")
    else:
        rows = [(g, s) for g in groups for s in engine.config.groups[g].system_list]
    return _table(["#Group", "Attribute", "System", "Value"],
                  [[g, "State", s, f"|{engine.group_state(g, s)}|"] for g, s in rows], _TABLE)


def _one_group_sys(engine: Engine, args: list[str], flag: str, usage: str,
                   extra: dict[str, int] | None = None) -> tuple[str, str, dict[str, list[str]]]:
    opts, pos = _opts(args, {flag: 1, "-nopre": 0, "-persistent": 0, "-force": 0, "-any": 0, "-localclus": 0,
                             **(extra or {})})
    if len(pos) != 1 or flag not in opts:
        raise UsageError(usage)
    _group(engine, pos[0])
    _sys(engine, opts[flag][0])
    return pos[0], opts[flag][0], opts


def _group_on_system(action: str, flag: str, usage: str):
    """`hagrp -X group -sys|-to system` commands: check the names, then ask the engine."""

    def command(cli: _Cli, args: list[str]) -> str:
        g, s, _ = _one_group_sys(cli.engine, args, flag, usage)
        getattr(cli.engine, action)(g, s)
        return ""

    return command


def _hagrp_online(cli: _Cli, args: list[str]) -> str:
    """``hagrp -online [-propagate] group -sys system``: with ``-propagate``, the groups it depends on
    (online local/global/remote) are brought online first where they must be
    (`Engine.online_group_propagate`)."""
    propagate = "-propagate" in args
    g, s, _ = _one_group_sys(cli.engine, [a for a in args if a != "-propagate"], "-sys",
                             "hagrp -online [-propagate] group -sys system")
    (cli.engine.online_group_propagate if propagate else cli.engine.online_group)(g, s)
    return ""


_hagrp_offline = _group_on_system("offline_group", "-sys", "hagrp -offline group -sys system")
_hagrp_switch = _group_on_system("switch_group", "-to", "hagrp -switch group -to system")
_hagrp_flush = _group_on_system("flush_group", "-sys", "hagrp -flush group -sys system")
_hagrp_clearadminwait = _group_on_system("clear_admin_wait", "-sys", "hagrp -clearadminwait group -sys system")
_hagrp_autoenable = _group_on_system("autoenable_group", "-sys", "hagrp -autoenable group -sys system")


def _enable(enabled: bool) -> Callable[[_Cli, list[str]], str]:
    """``hagrp -enable|-disable group [-sys system]`` (`Engine.enable_group`; needs ``haconf -makerw``)."""
    def handler(cli: _Cli, args: list[str]) -> str:
        opts, pos = _opts(args, {"-sys": 1})
        if len(pos) != 1:
            raise UsageError(f"hagrp -{'enable' if enabled else 'disable'} group [-sys system]")
        _group(cli.engine, pos[0])
        s = opts["-sys"][0] if "-sys" in opts else None
        if s is not None:
            _sys(cli.engine, s)
        cli.engine.enable_group(pos[0], enabled, s)
        return ""
    return handler


def _hagrp_clear(cli: _Cli, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1:
        raise UsageError("hagrp -clear group [-sys system]")
    _group(cli.engine, pos[0])
    s = opts["-sys"][0] if "-sys" in opts else None
    if s is not None:
        _sys(cli.engine, s)
    cli.engine.clear_group(pos[0], s)
    return ""


def _freeze(unfreeze: bool) -> Callable[[_Cli, list[str]], str]:
    def handler(cli: _Cli, args: list[str]) -> str:
        opts, pos = _opts(args, {"-persistent": 0})
        if len(pos) != 1:
            raise UsageError(f"hagrp -{'un' if unfreeze else ''}freeze group [-persistent]")
        _group(cli.engine, pos[0])
        (cli.engine.unfreeze_group if unfreeze else cli.engine.freeze_group)(pos[0], persistent="-persistent" in opts)
        return ""
    return handler


def _hagrp_dep(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    _, pos = _opts(args, {})
    for g in pos:
        _group(engine, g)
    rows = []
    for G in engine.config.groups.values():
        for d in G.group_deps:
            if not pos or G.name in pos or d.child in pos:
                rows.append(_cols([G.name, d.child, f"{d.category} {d.location} {d.rigidity}"], _DEP))
    if not rows:
        raise EngineCommandError("V-16-1-50035", "No Group dependencies are configured")
    return "\n".join([_cols(["#Parent", "Child", "Relationship"], _DEP), *rows]) + "\n"


def _hagrp_list(cli: _Cli, args: list[str]) -> str:
    """``group system`` pairs, one a line, of the pairs that meet every condition (`_conditions`),
    read for that system or global (``hagrp -list Parallel=1``)."""
    engine = cli.engine
    conds = _conditions(args, "hagrp -list [attribute=value | attribute!=value | attribute=~value ...]")
    if not engine.groups():
        raise EngineCommandError("V-16-1-50031", "No Groups are configured")
    out = []
    for g, G in engine.config.groups.items():
        rows = _group_attr_rows(engine, g) if conds else []
        out += [_cols([g, s], _LIST) + "\n" for s in G.system_list if _holds(rows, s, conds)]
    return "".join(out)


def _hagrp_display(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = _opts(args, {"-attribute": -1, "-sys": 1, "-localclus": 0, "-clus": 1})
    for g in pos:
        _group(engine, g)
    groups = pos or engine.groups()
    if not groups:
        raise EngineCommandError("V-16-1-50031", "No Groups are configured")
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    rows = [row for g in groups for row in _display_rows(g, _group_attr_rows(engine, g, DISPLAY_ASSOC_SEP),
                                                            opts.get("-attribute", []), sys_filter)]
    return _table(["#Group", "Attribute", "System", "Value"], rows, _TABLE)


def _hagrp_value(cli: _Cli, args: list[str]) -> str:
    """``hagrp -value group attribute [system]``: a per-system value (State, a localized attribute)
    without a system is the one of the system the command runs on."""
    engine = cli.engine
    _, pos = _opts(args, {"-localclus": 0})
    if len(pos) not in (2, 3):
        raise UsageError("hagrp -value group attribute [system]")
    g, a = pos[0], pos[1]
    _group(engine, g)
    system = pos[2] if len(pos) == 3 else cli.local
    return _pick(_group_attr_rows(engine, g), a, system, f"group {g}",
                 list(engine.config.groups[g].system_list)) + "\n"


def _hagrp_modify(cli: _Cli, args: list[str]) -> str:
    """``hagrp -modify group attribute [-add|-delete [-keys]|-update] value... [-sys system]`` (needs
    ``haconf -makerw``). A SystemList that drops a system where the group is not offline is refused
    (V-16-1-10180: the UMI LITP expects of ``hagrp -modify G SystemList -delete S``)."""
    engine = cli.engine
    g, a, op, words, s = _modify_args(args, "hagrp -modify group attribute [-add|-delete|-update] value ... "
                                            "[-sys system]")
    _group(engine, g)
    if s is not None:
        _sys(engine, s)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    defn = builtins.group_attr_defs.get(a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for group {g}")
    G = engine.config.groups[g]
    value = _edited(defn, _current(G.attributes, a, s, _group_default(a)), op, words, f"{g}.{a}")
    if a == "SystemList" and isinstance(value, dict) and value and all(t in engine.systems() for t in value):
        for t in G.system_list:
            if t not in value and _not_offline(engine, g, t):
                raise EngineCommandError("V-16-1-10180", f"Group {g} is not offline on system {t}")
    engine.modify_group(g, a, value, s)
    return ""


def _hagrp_resources(cli: _Cli, args: list[str]) -> str:
    """``hagrp -resources group``: the group's resources, one a line (the "Veritas Tips" capture)."""
    _, pos = _opts(args, {"-localclus": 0})
    if len(pos) != 1:
        raise UsageError("hagrp -resources group")
    _group(cli.engine, pos[0])
    return "".join(r + "\n" for r in cli.engine.config.groups[pos[0]].resources)


def _hagrp_wait(cli: _Cli, args: list[str]) -> str:
    """``hagrp -wait group attribute value [-sys system] [-time seconds]``: returns once the
    attribute has the value (for the system given, else the one typed on), V-16-1-10805 when the
    time runs out (see `run` for how the emulation waits)."""
    engine = cli.engine
    (g, a, want), s, seconds = _wait_args(args, "hagrp -wait group attribute value [-sys system] [-time timeout]")
    _group(engine, g)
    if s is not None:
        _sys(engine, s)
    systems = list(engine.config.groups[g].system_list)
    system = s if s is not None else cli.local
    _pick(_group_attr_rows(engine, g), a, system, f"group {g}", systems)  # refusals at once
    return _await(cli, lambda: _matches(_pick(_group_attr_rows(engine, g), a, system, f"group {g}", systems),
                                        want), seconds)


_HAGRP: dict[str, Callable[[_Cli, list[str]], str]] = {
    "-state": _hagrp_state, "-online": _hagrp_online, "-offline": _hagrp_offline, "-switch": _hagrp_switch,
    "-clear": _hagrp_clear, "-flush": _hagrp_flush, "-freeze": _freeze(False), "-unfreeze": _freeze(True),
    "-dep": _hagrp_dep, "-display": _hagrp_display, "-list": _hagrp_list, "-value": _hagrp_value,
    "-clearadminwait": _hagrp_clearadminwait, "-modify": _hagrp_modify, "-resources": _hagrp_resources,
    "-wait": _hagrp_wait, "-autoenable": _hagrp_autoenable, "-enable": _enable(True), "-disable": _enable(False),
}


# ---------------------------------------------------------------------- hares
def hares(cli: _Cli, args: list[str]) -> str:
    if not args:
        raise UsageError("hares -state|-clear|-probe|-display|-list|-value|-dep|-modify|-wait")
    return _dispatch("hares", _HARES, cli, args)


def _res_systems(engine: Engine, r: str) -> list[str]:
    return list(engine.config.groups[engine.group_of(r)].system_list)


def _hares_state(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = _opts(args, {"-sys": 1, "-localclus": 0, "-clus": 1})
    res = pos or engine.resources()
    for r in res:
        _resource(engine, r)
    if "-sys" in opts:
        s = opts["-sys"][0]
        _sys(engine, s)
        if len(pos) == 1:
            return engine.resource_state(pos[0], s) + "\n"
        rows = [(r, s) for r in res if s in _res_systems(engine, r)]
    else:
        rows = [(r, s) for r in res for s in _res_systems(engine, r)]
    return _table(["#Resource", "Attribute", "System", "Value"],
                  [[r, "State", s, engine.resource_state(r, s)] for r, s in rows], _TABLE)


def _hares_clear(cli: _Cli, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1:
        raise UsageError("hares -clear resource [-sys system]")
    _resource(cli.engine, pos[0])
    s = opts["-sys"][0] if "-sys" in opts else None
    if s is not None:
        _sys(cli.engine, s)
    cli.engine.clear_resource(pos[0], s)
    return ""


def _hares_probe(cli: _Cli, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1 or "-sys" not in opts:
        raise UsageError("hares -probe resource -sys system")
    _resource(cli.engine, pos[0])
    _sys(cli.engine, opts["-sys"][0])
    cli.engine.probe_resource(pos[0], opts["-sys"][0])
    return ""


def _resource_on_system(action: str, usage: str) -> Callable[[_Cli, list[str]], str]:
    """``hares -online|-offline resource -sys system``: `Engine.online_resource` / `offline_resource`."""

    def command(cli: _Cli, args: list[str]) -> str:
        opts, pos = _opts(args, {"-sys": 1})
        if len(pos) != 1 or "-sys" not in opts:
            raise UsageError(usage)
        _resource(cli.engine, pos[0])
        _sys(cli.engine, opts["-sys"][0])
        getattr(cli.engine, action)(pos[0], opts["-sys"][0])
        return ""

    return command


def _hares_display(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = _opts(args, {"-attribute": -1, "-sys": 1, "-group": -1, "-type": -1, "-localclus": 0,
                             "-clus": 1})
    for r in pos:
        _resource(engine, r)
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    res = pos or engine.resources()
    if "-group" in opts:
        res = [r for r in res if engine.group_of(r) in opts["-group"]]
    if "-type" in opts:
        res = [r for r in res if engine.config.resource(r)[1].type in opts["-type"]]  # type: ignore[index]
    rows = [row for r in res for row in _display_rows(r, _res_attr_rows(engine, r, DISPLAY_ASSOC_SEP),
                                                         opts.get("-attribute", []), sys_filter)]
    return _table(["#Resource", "Attribute", "System", "Value"], rows, _RES_DISPLAY)


def _hares_value(cli: _Cli, args: list[str]) -> str:
    """``hares -value resource attribute [system]``: a localized or per-system value without a system
    is the one of the system the command runs on."""
    engine = cli.engine
    _, pos = _opts(args, {"-localclus": 0})
    if len(pos) not in (2, 3):
        raise UsageError("hares -value resource attribute [system]")
    r, a = pos[0], pos[1]
    _resource(engine, r)
    system = pos[2] if len(pos) == 3 else cli.local
    return _pick(_res_attr_rows(engine, r), a, system, f"resource {r}", _res_systems(engine, r)) + "\n"


def _hares_list(cli: _Cli, args: list[str]) -> str:
    """``resource system`` pairs, one a line, that meet every condition (``hares -list Type=NIC``)."""
    engine = cli.engine
    conds = _conditions(args, "hares -list [attribute=value | attribute!=value | attribute=~value ...]")
    out = []
    for r in engine.resources():
        rows = _res_attr_rows(engine, r) if conds else []
        out += [_cols([r, s], _LIST) + "\n" for s in _res_systems(engine, r) if _holds(rows, s, conds)]
    return "".join(out)


def _hares_dep(cli: _Cli, args: list[str]) -> str:
    _, pos = _opts(args, {})
    rows = []
    for G in cli.engine.config.groups.values():
        for d in G.resource_deps:
            if not pos or d.parent in pos or d.child in pos:
                rows.append(_cols([G.name, d.parent, d.child], _RES_DEP))
    if not rows:
        raise EngineCommandError("V-16-1-50034", "No Resource dependencies are configured")
    return "\n".join([_cols(["#Group", "Parent", "Child"], _RES_DEP), *rows]) + "\n"


def _hares_modify(cli: _Cli, args: list[str]) -> str:
    """``hares -modify resource attribute [-add|-delete [-keys]|-update] value... [-sys system]``
    (needs ``haconf -makerw``)."""
    engine = cli.engine
    r, a, op, words, s = _modify_args(args, "hares -modify resource attribute [-add|-delete|-update] value ... "
                                            "[-sys system]")
    _resource(engine, r)
    if s is not None:
        _sys(engine, s)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    _, R = engine.config.resource(r)  # type: ignore[misc]
    defn = builtins.resource_attr_def(engine.config.types, R.type, a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for resource {r}")
    tdef = engine.config.types.get(R.type)
    tdefault = tdef.attributes[a].default if tdef is not None and a in tdef.attributes else defn.default
    engine.modify_resource(r, a, _edited(defn, _current(R.attributes, a, s, tdefault), op, words, f"{r}.{a}"), s)
    return ""


def _hares_wait(cli: _Cli, args: list[str]) -> str:
    """``hares -wait resource attribute value [-sys system] [-time seconds]`` (as `_hagrp_wait`)."""
    engine = cli.engine
    (r, a, want), s, seconds = _wait_args(args, "hares -wait resource attribute value [-sys system] "
                                                "[-time timeout]")
    _resource(engine, r)
    if s is not None:
        _sys(engine, s)
    systems = _res_systems(engine, r)
    system = s if s is not None else cli.local
    _pick(_res_attr_rows(engine, r), a, system, f"resource {r}", systems)
    return _await(cli, lambda: _matches(_pick(_res_attr_rows(engine, r), a, system, f"resource {r}", systems),
                                        want), seconds)


_HARES: dict[str, Callable[[_Cli, list[str]], str]] = {
    "-state": _hares_state, "-clear": _hares_clear, "-probe": _hares_probe, "-display": _hares_display,
    "-value": _hares_value, "-list": _hares_list, "-dep": _hares_dep, "-modify": _hares_modify,
    "-wait": _hares_wait,
    "-online": _resource_on_system("online_resource", "hares -online resource -sys system"),
    "-offline": _resource_on_system("offline_resource", "hares -offline resource -sys system"),
}


# ---------------------------------------------------------------------- hatype
_TYPE_TABLE = [13, 23]  # hatype -display: #Type(13) Attribute(23) Value, as "Application  NumThreads             1"


def hatype(cli: _Cli, args: list[str]) -> str:
    """``hatype -list | -display | -value | -modify | -resources``: resource types and their static
    (type-level) attributes; ``-modify`` needs ``haconf -makerw`` and reaches the engine at once
    (`Engine.modify_type`)."""
    if not args:
        raise UsageError("hatype -list | -display [type ...] [-attribute attribute ...] | -value type attribute | "
                         "-modify type attribute value ... | -resources type")
    return _dispatch("hatype", _HATYPE, cli, args)


def _type(engine: Engine, t: str) -> None:
    if t not in engine.config.types:
        raise EngineCommandError("V-16-1-10124", f"Type {t} does not exist")


def _type_attr_def(engine: Engine, t: str, a: str) -> AttrDef:
    """What `hatype` may read or change of type `t`: its own attributes, or a static one every type has."""
    d = engine.config.types[t].attributes.get(a) or builtins.type_static_attr_defs.get(a)
    if d is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for type {t}")
    return d


def _type_default(d: AttrDef) -> Any:
    if d.default is not None:
        return d.default
    return {"vector": [], "keylist": [], "association": {}}.get(d.dimension, "")


def _type_attr_rows(engine: Engine, t: str, assoc_sep: str = " ") -> list[tuple[str, str]]:
    """(attribute, value) of the type-level attributes of `t`: every static attribute, the type's value
    where it declares one, else the engine's built-in default."""
    own = engine.config.types[t].attributes
    names = sorted(set(builtins.type_static_attr_defs) | {a for a, d in own.items() if d.static})
    return [(a, format_value(_type_default(_type_attr_def(engine, t, a)), assoc_sep)) for a in names]


def _hatype_list(cli: _Cli, args: list[str]) -> str:
    if args:
        raise UsageError("hatype -list")
    return "".join(t + "\n" for t in sorted(cli.engine.config.types))


def _hatype_display(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = _opts(args, {"-attribute": -1})
    for t in pos:
        _type(engine, t)
    attrs = set(opts.get("-attribute", []))
    out = [_cols(["#Type", "Attribute", "Value"], _TYPE_TABLE)]
    for t in pos or sorted(engine.config.types):
        out += [_cols([t, a, v], _TYPE_TABLE) for a, v in _type_attr_rows(engine, t, DISPLAY_ASSOC_SEP)
                if not attrs or a in attrs]
    return "\n".join(out) + "\n"


def _hatype_value(cli: _Cli, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) != 2:
        raise UsageError("hatype -value type attribute")
    t, a = pos
    _type(cli.engine, t)
    return format_value(_type_default(_type_attr_def(cli.engine, t, a))) + "\n"


def _hatype_modify(cli: _Cli, args: list[str]) -> str:
    """``hatype -modify type attribute value ...`` (needs ``haconf -makerw``)."""
    engine = cli.engine
    usage = "hatype -modify type attribute value ..."
    t, a, op, words, s = _modify_args(args, usage)
    if s is not None:
        raise UsageError(usage)
    _type(engine, t)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    defn = _type_attr_def(engine, t, a)
    engine.modify_type(t, a, _edited(defn, _type_default(defn), op, words, f"{t}.{a}"))
    return ""


def _hatype_resources(cli: _Cli, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) != 1:
        raise UsageError("hatype -resources type")
    _type(cli.engine, pos[0])
    return "".join(R.name + "\n" for _, R in cli.engine.config.resources_of_type(pos[0]))


_HATYPE: dict[str, Callable[[_Cli, list[str]], str]] = {
    "-list": _hatype_list, "-display": _hatype_display, "-value": _hatype_value, "-modify": _hatype_modify,
    "-resources": _hatype_resources,
}


# ---------------------------------------------------------------------- hasys
def _sys_frozen(engine: Engine, s: str) -> bool:
    return engine.system_frozen(s)


def _sys_tfrozen(engine: Engine, s: str) -> bool:
    return engine.system_frozen(s) and not engine.system_persistently_frozen(s)


def _sys_attr_rows(engine: Engine, s: str, assoc_sep: str = " ") -> list[tuple[str, str]]:
    """(attribute, value) of a system, sorted as ``hasys -display`` lists them (the "Veritas Tips"
    capture: AgentsStopped, AvailableCapacity, CPUThresholdLevel, ...): its configuration (main.cf
    values over VCS's defaults) and what the engine knows of it (SysState, Frozen, TFrozen, NodeId,
    OnGrpCnt: the groups online or partial there)."""
    system = engine.config.systems.get(s)
    own = system.attributes if system is not None else {}
    values: dict[str, Any] = {a: d.default for a, d in builtins.system_attr_defs.items()}
    for a, av in own.items():
        values[a] = av.value
    values.update({
        "AgentsStopped": 0,
        "Frozen": 1 if engine.system_persistently_frozen(s) else 0,
        "NodeId": engine.systems().index(s),
        "OnGrpCnt": sum(1 for g in engine.groups() if s in engine.online_systems(g)),
        "SysName": s,
        "SysState": engine.system_state(s),
        "TFrozen": 1 if _sys_tfrozen(engine, s) else 0,
    })
    return [(a, format_value(values[a], assoc_sep)) for a in sorted(values)]


def hasys(cli: _Cli, args: list[str]) -> str:
    if not args:
        raise UsageError("hasys -list | -state [system] | -display [system ...] [-attribute attribute ...] | "
                         "-value system attribute | -freeze [-persistent] [-evacuate] system | "
                         "-unfreeze [-persistent] system | -wait system attribute value [-time timeout]")
    return _dispatch("hasys", _HASYS, cli, args)


def _hasys_list(cli: _Cli, args: list[str]) -> str:
    """The systems, one a line, that meet every condition (``hasys -list SysState=RUNNING``)."""
    conds = _conditions(args, "hasys -list [attribute=value | attribute!=value | attribute=~value ...]")
    return "".join(s + "\n" for s in cli.engine.systems()
                   if not conds or _holds([(a, "global", v) for a, v in _sys_attr_rows(cli.engine, s)], s, conds))


def _hasys_state(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    _, pos = _opts(args, {"-localclus": 0})
    names = pos or engine.systems()
    for s in names:
        _sys(engine, s)
    out = [_cols(["#System", "Attribute", "Value"], [14, 22])]
    out += [_cols([s, "SysState", engine.system_state(s)], [14, 22]) for s in names]
    return "\n".join(out) + "\n"


def _hasys_display(cli: _Cli, args: list[str]) -> str:
    """``hasys -display [system ...] [-attribute attribute ...]``: ``#System Attribute Value`` (LITP
    reads ``hasys -display S -attribute SysState`` as ``S SysState RUNNING`` under a header)."""
    engine = cli.engine
    opts, pos = _opts(args, {"-attribute": -1, "-localclus": 0})
    for s in pos:
        _sys(engine, s)
    attrs = list(dict.fromkeys(opts.get("-attribute", [])))
    rows = []
    for s in pos or engine.systems():
        values = _sys_attr_rows(engine, s, DISPLAY_ASSOC_SEP)
        picked = values if not attrs else [(a, v) for want in attrs for a, v in values if a == want]
        rows += [[s, a, v] for a, v in picked]
    return _table(["#System", "Attribute", "Value"], rows, _SYS_DISPLAY)


def _hasys_value(cli: _Cli, args: list[str]) -> str:
    _, pos = _opts(args, {"-localclus": 0})
    if len(pos) != 2:
        raise UsageError("hasys -value system attribute")
    s, a = pos
    _sys(cli.engine, s)
    for name, v in _sys_attr_rows(cli.engine, s):
        if name == a:
            return v + "\n"
    raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for system {s}")


def _hasys_freeze(unfreeze: bool) -> Callable[[_Cli, list[str]], str]:
    """``hasys -freeze [-persistent] [-evacuate] system`` / ``hasys -unfreeze [-persistent] system``
    (`Engine.freeze_system` / `unfreeze_system`)."""
    usage = "hasys -unfreeze [-persistent] system" if unfreeze else "hasys -freeze [-persistent] [-evacuate] system"

    def handler(cli: _Cli, args: list[str]) -> str:
        opts, pos = _opts(args, {"-persistent": 0, **({} if unfreeze else {"-evacuate": 0})})
        if len(pos) != 1:
            raise UsageError(usage)
        _sys(cli.engine, pos[0])
        if unfreeze:
            cli.engine.unfreeze_system(pos[0], persistent="-persistent" in opts)
        else:
            cli.engine.freeze_system(pos[0], persistent="-persistent" in opts, evacuate="-evacuate" in opts)
        return ""

    return handler


def _hasys_wait(cli: _Cli, args: list[str]) -> str:
    (s, a, want), _, seconds = _wait_args(args, "hasys -wait system attribute value [-time timeout]")
    _sys(cli.engine, s)

    def value() -> str:
        for name, v in _sys_attr_rows(cli.engine, s):
            if name == a:
                return v
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for system {s}")

    value()
    return _await(cli, lambda: value() == want, seconds)


_HASYS: dict[str, Callable[[_Cli, list[str]], str]] = {
    "-list": _hasys_list, "-state": _hasys_state, "-display": _hasys_display, "-value": _hasys_value,
    "-freeze": _hasys_freeze(False), "-unfreeze": _hasys_freeze(True), "-wait": _hasys_wait,
}


# ---------------------------------------------------------------------- haclus
def _cluster_name(engine: Engine) -> str:
    cluster = getattr(engine.config, "cluster", None)
    return cluster.name if cluster is not None else "cluster"


def _clus_attr_rows(engine: Engine, assoc_sep: str = " ") -> list[tuple[str, str]]:
    """(attribute, value) of the cluster, sorted as ``haclus -display`` lists them (the "Veritas Tips"
    capture: ``#Attribute               Value`` over AdministratorGroups, ..., ClusState RUNNING, ...,
    ClusterName ...): main.cf's values over VCS's defaults, and ClusState, ClusterName, ReadOnly
    (LITP reads ``ReadOnly 1`` from it) and DumpingMembership (0: a dump is instantaneous here)."""
    cluster = getattr(engine.config, "cluster", None)
    values: dict[str, Any] = {a: d.default for a, d in builtins.cluster_attr_defs.items()}
    for a, av in (cluster.attributes.items() if cluster is not None else ()):
        if a != "UserNames":  # password hashes: never printed
            values[a] = av.value
    values.pop("UserNames", None)
    values.update({"ClusState": "RUNNING", "ClusterName": _cluster_name(engine), "DumpingMembership": 0,
                   "ReadOnly": 0 if engine.writable else 1})
    return [(a, format_value(values[a], assoc_sep)) for a in sorted(values)]


def haclus(cli: _Cli, args: list[str]) -> str:
    """``haclus -display [-attribute ...] | -state [cluster] | -value attribute | -list |
    -wait attribute value [-time timeout]``."""
    if not args:
        raise UsageError("haclus -display | -state [cluster] | -value attribute | -list | "
                         "-wait attribute value [-time timeout]")
    return _dispatch("haclus", _HACLUS, cli, args)


def _haclus_display(cli: _Cli, args: list[str]) -> str:
    opts, pos = _opts(args, {"-attribute": -1, "-localclus": 0})
    if pos and pos != [_cluster_name(cli.engine)]:
        raise EngineCommandError("V-16-1-10016", f"Cluster {pos[0]} does not exist")
    attrs = list(dict.fromkeys(opts.get("-attribute", [])))
    values = _clus_attr_rows(cli.engine, DISPLAY_ASSOC_SEP)
    picked = values if not attrs else [(a, v) for want in attrs for a, v in values if a == want]
    return _table(["#Attribute", "Value"], [[a, v] for a, v in picked], _CLUS_DISPLAY)


def _haclus_state(cli: _Cli, args: list[str]) -> str:
    """``haclus -state [cluster]``: the state alone (LITP's testware reads ``RUNNING`` on line 1)."""
    _, pos = _opts(args, {"-localclus": 0})
    if len(pos) > 1 or (pos and pos[0] != _cluster_name(cli.engine)):
        raise UsageError("haclus -state [cluster]")
    return "RUNNING\n"


def _haclus_value(cli: _Cli, args: list[str]) -> str:
    _, pos = _opts(args, {"-localclus": 0, "-clus": 1})
    if len(pos) != 1:
        raise UsageError("haclus -value attribute")
    for name, v in _clus_attr_rows(cli.engine):
        if name == pos[0]:
            return v + "\n"
    raise EngineCommandError("V-16-1-10016", f"Attribute {pos[0]} does not exist for cluster")


def _haclus_list(cli: _Cli, args: list[str]) -> str:
    _conditions(args, "haclus -list")
    return _cluster_name(cli.engine) + "\n"


def _haclus_wait(cli: _Cli, args: list[str]) -> str:
    (a, want), _, seconds = _wait_args(args, "haclus -wait attribute value [-time timeout]", has_object=False)

    def value() -> str:
        for name, v in _clus_attr_rows(cli.engine):
            if name == a:
                return v
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for cluster")

    value()
    return _await(cli, lambda: value() == want, seconds)


_HACLUS: dict[str, Callable[[_Cli, list[str]], str]] = {
    "-display": _haclus_display, "-state": _haclus_state, "-value": _haclus_value, "-list": _haclus_list,
    "-wait": _haclus_wait,
}


# ---------------------------------------------------------------------- haconf
def haconf(cli: _Cli, args: list[str]) -> str:
    engine = cli.engine
    if args == ["-makerw"]:
        engine.make_rw()
        return ""
    if args in (["-dump", "-makero"], ["-dump"]):
        if "-makero" in args:
            engine.dump_makero()
        elif not engine.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        return ""
    raise UsageError("haconf -makerw | -dump [-makero]")


_COMMANDS: dict[str, Callable[[_Cli, list[str]], str]] = {
    "hastatus": hastatus, "hagrp": hagrp, "hares": hares, "hasys": hasys, "haconf": haconf, "hatype": hatype,
    "haclus": haclus,
}
