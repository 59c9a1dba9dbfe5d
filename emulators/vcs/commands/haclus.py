"""``haclus``: the cluster and its attributes (as rows: `attr_rows`)."""

from __future__ import annotations

import operator
from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.engine import Engine, EngineCommandError

from .cli import Cli, Handler, UsageError, dispatch, split_options
from .conditions import conditions
from .rows import Row, pick, picked
from .tables import CLUS_DISPLAY, DISPLAY_ASSOC_SEP, format_value, table
from .waiting import await_value, wait_args

USAGE = ("haclus -display | -state [cluster] | -value attribute | -list | "
         "-wait attribute value [-time timeout]")


def command(cli: Cli, args: list[str]) -> str:
    """``haclus -display [-attribute ...] | -state [cluster] | -value attribute | -list |
    -wait attribute value [-time timeout]``."""
    return dispatch("haclus", USAGE, _OPTIONS, cli, args)


def _cluster_name(engine: Engine) -> str:
    cluster = getattr(engine.config, "cluster", None)
    return cluster.name if cluster is not None else "cluster"


def attr_rows(engine: Engine, assoc_sep: str = " ") -> list[Row]:
    """(attribute, "global", value) of the cluster, sorted as ``haclus -display`` lists them (the
    "Veritas Tips" capture: ``#Attribute               Value`` over AdministratorGroups, ...,
    ClusState RUNNING, ..., ClusterName ...): main.cf's values over VCS's defaults, and ClusState,
    ClusterName, ReadOnly (LITP reads ``ReadOnly 1`` from it) and DumpingMembership (0: a dump is
    instantaneous here)."""
    cluster = getattr(engine.config, "cluster", None)
    values: dict[str, Any] = {a: d.default for a, d in builtins.cluster_attr_defs.items()}
    for a, av in (cluster.attributes.items() if cluster is not None else ()):
        if a != "UserNames":  # password hashes: never printed
            values[a] = av.value
    values.pop("UserNames", None)
    values.update({"ClusState": "RUNNING", "ClusterName": _cluster_name(engine), "DumpingMembership": 0,
                   "ReadOnly": 0 if engine.writable else 1})
    return [(a, "global", format_value(values[a], assoc_sep)) for a in sorted(values)]


def _display(cli: Cli, args: list[str]) -> str:
    opts, pos = split_options(args, {"-attribute": -1, "-localclus": 0})
    if pos and pos != [_cluster_name(cli.engine)]:
        raise EngineCommandError("V-16-1-10016", f"Cluster {pos[0]} does not exist")
    values = attr_rows(cli.engine, DISPLAY_ASSOC_SEP)
    rows = [[a, v] for a, _, v in picked(values, opts.get("-attribute", []))]
    return table(["#Attribute", "Value"], rows, CLUS_DISPLAY)


def _state(cli: Cli, args: list[str]) -> str:
    """``haclus -state [cluster]``: the state alone (LITP's testware reads ``RUNNING`` on line 1)."""
    _, pos = split_options(args, {"-localclus": 0})
    if len(pos) > 1 or (pos and pos[0] != _cluster_name(cli.engine)):
        raise UsageError("haclus -state [cluster]")
    return "RUNNING\n"


def _value(cli: Cli, args: list[str]) -> str:
    _, pos = split_options(args, {"-localclus": 0, "-clus": 1})
    if len(pos) != 1:
        raise UsageError("haclus -value attribute")
    return pick(attr_rows(cli.engine), pos[0], None, "cluster", []) + "\n"


def _list(cli: Cli, args: list[str]) -> str:
    conditions(args, "haclus -list")
    return _cluster_name(cli.engine) + "\n"


def _wait(cli: Cli, args: list[str]) -> str:
    """``haclus -wait attribute value [-time timeout]``: the value as ``-value`` prints it."""
    (a, want), _, seconds = wait_args(args, "haclus -wait attribute value [-time timeout]", has_object=False)
    return await_value(cli, lambda: attr_rows(cli.engine), a, want, "cluster", seconds, same=operator.eq)


_OPTIONS: dict[str, Handler] = {
    "-display": _display, "-state": _state, "-value": _value, "-list": _list, "-wait": _wait,
}
