"""``hagrp``: service groups, their state, attributes (as rows: `attr_rows`) and dependencies, and
the options that act on them."""

from __future__ import annotations

from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.engine import Engine, EngineCommandError
from emulators.vcs.engine.attrs import GROUP_DEFAULTS

from . import objects
from .cli import Cli, Handler, UsageError, dispatch, split_options
from .conditions import conditions, holds
from .editing import checked_modify_args, current, edited
from .rows import Row, configured_rows, display_rows, value_option
from .tables import DEP, DISPLAY_ASSOC_SEP, LIST, TABLE, bare, cols, table
from .waiting import wait_option

USAGE = ("hagrp -state|-online|-offline|-switch|-clear|-flush|-freeze|-unfreeze|-dep|-display|-list|"
         "-value|-modify|-resources|-wait")
# flags the options that act on a group on a system take and ignore
_IGNORED = ("-nopre", "-persistent", "-force", "-any", "-localclus")


def command(cli: Cli, args: list[str]) -> str:
    return dispatch("hagrp", USAGE, _OPTIONS, cli, args)


def attr_rows(engine: Engine, g: str, assoc_sep: str = " ") -> list[Row]:
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
        if a == "TFrozen":
            rows.append((a, "global", "1" if engine.frozen(g) and not engine.persistently_frozen(g) else "0"))
            continue
        rows += configured_rows(a, G.attributes.get(a), G.system_list, _default(a), assoc_sep)
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


def _default(a: str) -> Any:
    if a in GROUP_DEFAULTS:
        return GROUP_DEFAULTS[a]
    d = builtins.group_attr_defs.get(a)
    return d.default if d is not None else None


def _systems(engine: Engine, g: str) -> list[str]:
    return list(engine.config.groups[g].system_list)


def _not_offline(engine: Engine, g: str, s: str) -> bool:
    """The group is online, partial, starting or stopping on `s` (not merely OFFLINE or faulted)."""
    state = engine.group_state(g, s)
    return not state.startswith("OFFLINE") or "STARTING" in state or "STOPPING" in state


def _state(cli: Cli, args: list[str]) -> str:
    """``hagrp -state [group ...] [-sys system]``: one group on one system prints its state bare."""
    engine = cli.engine
    pos, s, rows = objects.state_pairs(engine, args, engine.groups(), objects.group,
                                       lambda g: _systems(engine, g))
    if s is not None and len(pos) == 1:
        return bare(engine.group_state(pos[0], s)) + "\n"
    if s is not None and not rows:
        raise EngineCommandError("V-16-1-10554", f"No group exists with system of {s}")
    return table(["#Group", "Attribute", "System", "Value"],
                 [[g, "State", s, f"|{engine.group_state(g, s)}|"] for g, s in rows], TABLE)


def _group_on_system(action: str, flag: str, usage: str) -> Handler:
    """`hagrp -X group -sys|-to system` commands: check the names, then ask the engine."""
    return objects.on_system(action, usage, objects.group, flag, accepted=_IGNORED)


def _online(cli: Cli, args: list[str]) -> str:
    """``hagrp -online [-propagate] group -sys system``: with ``-propagate``, the groups it depends on
    (online local/global/remote) are brought online first where they must be
    (`Engine.online_group_propagate`)."""
    propagate = "-propagate" in args
    g, s = objects.named_on_system(cli.engine, [a for a in args if a != "-propagate"],
                                   "hagrp -online [-propagate] group -sys system", objects.group,
                                   accepted=_IGNORED)
    (cli.engine.online_group_propagate if propagate else cli.engine.online_group)(g, s)
    return ""


def _enable(enabled: bool) -> Handler:
    """``hagrp -enable|-disable group [-sys system]`` (`Engine.enable_group`; needs ``haconf -makerw``)."""
    def handler(cli: Cli, args: list[str]) -> str:
        g, s = objects.named_on_system(cli.engine, args,
                                       f"hagrp -{'enable' if enabled else 'disable'} group [-sys system]",
                                       objects.group, required=False)
        cli.engine.enable_group(g, enabled, s)
        return ""
    return handler


def _freeze(unfreeze: bool) -> Handler:
    def handler(cli: Cli, args: list[str]) -> str:
        opts, pos = split_options(args, {"-persistent": 0})
        if len(pos) != 1:
            raise UsageError(f"hagrp -{'un' if unfreeze else ''}freeze group [-persistent]")
        objects.group(cli.engine, pos[0])
        (cli.engine.unfreeze_group if unfreeze else cli.engine.freeze_group)(pos[0], persistent="-persistent" in opts)
        return ""
    return handler


def _dep(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    _, pos = split_options(args, {})
    for g in pos:
        objects.group(engine, g)
    rows = []
    for G in engine.config.groups.values():
        for d in G.group_deps:
            if not pos or G.name in pos or d.child in pos:
                rows.append(cols([G.name, d.child, f"{d.category} {d.location} {d.rigidity}"], DEP))
    if not rows:
        raise EngineCommandError("V-16-1-50035", "No Group dependencies are configured")
    return "\n".join([cols(["#Parent", "Child", "Relationship"], DEP), *rows]) + "\n"


def _list(cli: Cli, args: list[str]) -> str:
    """``group system`` pairs, one a line, of the pairs that meet every condition (`conditions`),
    read for that system or global (``hagrp -list Parallel=1``)."""
    engine = cli.engine
    conds = conditions(args, "hagrp -list [attribute=value | attribute!=value | attribute=~value ...]")
    if not engine.groups():
        raise EngineCommandError("V-16-1-50031", "No Groups are configured")
    out = []
    for g, G in engine.config.groups.items():
        rows = attr_rows(engine, g) if conds else []
        out += [cols([g, s], LIST) + "\n" for s in G.system_list if holds(rows, s, conds)]
    return "".join(out)


def _display(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = split_options(args, {"-attribute": -1, "-sys": 1, "-localclus": 0, "-clus": 1})
    for g in pos:
        objects.group(engine, g)
    groups = pos or engine.groups()
    if not groups:
        raise EngineCommandError("V-16-1-50031", "No Groups are configured")
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    rows = [row for g in groups for row in display_rows(g, attr_rows(engine, g, DISPLAY_ASSOC_SEP),
                                                        opts.get("-attribute", []), sys_filter)]
    return table(["#Group", "Attribute", "System", "Value"], rows, TABLE)


def _modify(cli: Cli, args: list[str]) -> str:
    """``hagrp -modify group attribute [-add|-delete [-keys]|-update] value... [-sys system]`` (needs
    ``haconf -makerw``). A SystemList that drops a system where the group is not offline is refused
    (V-16-1-10180: the UMI LITP expects of ``hagrp -modify G SystemList -delete S``)."""
    engine = cli.engine
    g, a, op, words, s = checked_modify_args(
        engine, args, "hagrp -modify group attribute [-add|-delete|-update] value ... [-sys system]",
        objects.group)
    defn = builtins.group_attr_defs.get(a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for group {g}")
    G = engine.config.groups[g]
    value = edited(defn, current(G.attributes, a, s, _default(a)), op, words, f"{g}.{a}")
    if a == "SystemList" and isinstance(value, dict) and value and all(t in engine.systems() for t in value):
        for t in G.system_list:
            if t not in value and _not_offline(engine, g, t):
                raise EngineCommandError("V-16-1-10180", f"Group {g} is not offline on system {t}")
    engine.modify_group(g, a, value, s)
    return ""


def _resources(cli: Cli, args: list[str]) -> str:
    """``hagrp -resources group``: the group's resources, one a line (the "Veritas Tips" capture)."""
    _, pos = split_options(args, {"-localclus": 0})
    if len(pos) != 1:
        raise UsageError("hagrp -resources group")
    objects.group(cli.engine, pos[0])
    return "".join(r + "\n" for r in cli.engine.config.groups[pos[0]].resources)


_OPTIONS: dict[str, Handler] = {
    "-state": _state, "-online": _online,
    "-offline": _group_on_system("offline_group", "-sys", "hagrp -offline group -sys system"),
    "-switch": _group_on_system("switch_group", "-to", "hagrp -switch group -to system"),
    "-clear": objects.on_system("clear_group", "hagrp -clear group [-sys system]", objects.group,
                                required=False),
    "-flush": _group_on_system("flush_group", "-sys", "hagrp -flush group -sys system"),
    "-freeze": _freeze(False), "-unfreeze": _freeze(True),
    "-dep": _dep, "-display": _display, "-list": _list,
    "-value": value_option("hagrp -value group attribute [system]", "group", objects.group, attr_rows,
                           _systems),
    "-clearadminwait": _group_on_system("clear_admin_wait", "-sys",
                                        "hagrp -clearadminwait group -sys system"),
    "-modify": _modify, "-resources": _resources,
    "-wait": wait_option("hagrp -wait group attribute value [-sys system] [-time timeout]", "group",
                         objects.group, attr_rows, _systems),
    "-autoenable": _group_on_system("autoenable_group", "-sys", "hagrp -autoenable group -sys system"),
    "-enable": _enable(True), "-disable": _enable(False),
}
