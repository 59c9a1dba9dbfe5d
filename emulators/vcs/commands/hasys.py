"""``hasys``: the cluster's systems, their attributes (as rows: `attr_rows`) and freezing."""

from __future__ import annotations

import operator
from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.engine import Engine

from . import objects
from .cli import Cli, Handler, UsageError, dispatch, split_options
from .conditions import conditions, holds
from .rows import Row, pick, picked
from .tables import DISPLAY_ASSOC_SEP, SYS_DISPLAY, cols, format_value, table
from .waiting import await_value, wait_args

USAGE = ("hasys -list | -state [system] | -display [system ...] [-attribute attribute ...] | "
         "-value system attribute | -freeze [-persistent] [-evacuate] system | "
         "-unfreeze [-persistent] system | -wait system attribute value [-time timeout]")


def command(cli: Cli, args: list[str]) -> str:
    return dispatch("hasys", USAGE, _OPTIONS, cli, args)


def attr_rows(engine: Engine, s: str, assoc_sep: str = " ") -> list[Row]:
    """(attribute, "global", value) of a system, sorted as ``hasys -display`` lists them (the "Veritas
    Tips" capture: AgentsStopped, AvailableCapacity, CPUThresholdLevel, ...): its configuration
    (main.cf values over VCS's defaults) and what the engine knows of it (SysState, Frozen, TFrozen,
    NodeId, OnGrpCnt: the groups online or partial there)."""
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
        "TFrozen": 1 if engine.system_frozen(s) and not engine.system_persistently_frozen(s) else 0,
    })
    return [(a, "global", format_value(values[a], assoc_sep)) for a in sorted(values)]


def _list(cli: Cli, args: list[str]) -> str:
    """The systems, one a line, that meet every condition (``hasys -list SysState=RUNNING``)."""
    conds = conditions(args, "hasys -list [attribute=value | attribute!=value | attribute=~value ...]")
    return "".join(s + "\n" for s in cli.engine.systems()
                   if not conds or holds(attr_rows(cli.engine, s), s, conds))


def _state(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    _, pos = split_options(args, {"-localclus": 0})
    names = pos or engine.systems()
    for s in names:
        objects.system(engine, s)
    out = [cols(["#System", "Attribute", "Value"], [14, 22])]
    out += [cols([s, "SysState", engine.system_state(s)], [14, 22]) for s in names]
    return "\n".join(out) + "\n"


def _display(cli: Cli, args: list[str]) -> str:
    """``hasys -display [system ...] [-attribute attribute ...]``: ``#System Attribute Value`` (LITP
    reads ``hasys -display S -attribute SysState`` as ``S SysState RUNNING`` under a header)."""
    engine = cli.engine
    opts, pos = split_options(args, {"-attribute": -1, "-localclus": 0})
    for s in pos:
        objects.system(engine, s)
    rows = [[s, a, v] for s in pos or engine.systems()
            for a, _, v in picked(attr_rows(engine, s, DISPLAY_ASSOC_SEP), opts.get("-attribute", []))]
    return table(["#System", "Attribute", "Value"], rows, SYS_DISPLAY)


def _value(cli: Cli, args: list[str]) -> str:
    _, pos = split_options(args, {"-localclus": 0})
    if len(pos) != 2:
        raise UsageError("hasys -value system attribute")
    s, a = pos
    objects.system(cli.engine, s)
    return pick(attr_rows(cli.engine, s), a, None, f"system {s}", []) + "\n"


def _freeze(unfreeze: bool) -> Handler:
    """``hasys -freeze [-persistent] [-evacuate] system`` / ``hasys -unfreeze [-persistent] system``
    (`Engine.freeze_system` / `unfreeze_system`)."""
    usage = "hasys -unfreeze [-persistent] system" if unfreeze else "hasys -freeze [-persistent] [-evacuate] system"

    def handler(cli: Cli, args: list[str]) -> str:
        opts, pos = split_options(args, {"-persistent": 0, **({} if unfreeze else {"-evacuate": 0})})
        if len(pos) != 1:
            raise UsageError(usage)
        objects.system(cli.engine, pos[0])
        if unfreeze:
            cli.engine.unfreeze_system(pos[0], persistent="-persistent" in opts)
        else:
            cli.engine.freeze_system(pos[0], persistent="-persistent" in opts, evacuate="-evacuate" in opts)
        return ""

    return handler


def _wait(cli: Cli, args: list[str]) -> str:
    """``hasys -wait system attribute value [-time timeout]``: the value as ``-value`` prints it."""
    (s, a, want), _, seconds = wait_args(args, "hasys -wait system attribute value [-time timeout]")
    objects.system(cli.engine, s)
    return await_value(cli, lambda: attr_rows(cli.engine, s), a, want, f"system {s}", seconds,
                       same=operator.eq)


_OPTIONS: dict[str, Handler] = {
    "-list": _list, "-state": _state, "-display": _display, "-value": _value,
    "-freeze": _freeze(False), "-unfreeze": _freeze(True), "-wait": _wait,
}
