"""``hares``: resources, their state, attributes (as rows: `attr_rows`) and dependencies, and the
options that act on them."""

from __future__ import annotations

from emulators.vcs.config import builtins
from emulators.vcs.engine import Engine, EngineCommandError
from emulators.vcs.engine.attrs import RESOURCE_DEFAULTS

from . import objects
from .cli import Cli, Handler, dispatch, split_options
from .conditions import conditions, holds
from .editing import checked_modify_args, current, edited
from .rows import Row, configured_rows, display_rows, value_option
from .tables import DISPLAY_ASSOC_SEP, LIST, RES_DEP, RES_DISPLAY, TABLE, cols, table
from .waiting import wait_option

USAGE = "hares -state|-clear|-probe|-display|-list|-value|-dep|-modify|-wait"


def command(cli: Cli, args: list[str]) -> str:
    return dispatch("hares", USAGE, _OPTIONS, cli, args)


def attr_rows(engine: Engine, r: str, assoc_sep: str = " ") -> list[Row]:
    """(attribute, system-or-global, value) rows of one resource: Group, Type, its configuration (the
    non-static attributes of its type and VCS's resource attributes, sorted), then its State."""
    G, R = engine.config.resource(r)  # type: ignore[misc]
    rows: list[Row] = [("Group", "global", G.name), ("Type", "global", R.type)]
    names = sorted(set(RESOURCE_DEFAULTS) | set(R.attributes) | set(
        a for a, d in (engine.config.types[R.type].attributes.items() if R.type in engine.config.types else [])
        if not d.static))
    tdef = engine.config.types.get(R.type)
    for a in names:
        d = tdef.attributes.get(a) if tdef else None
        default = d.default if d and d.default is not None else RESOURCE_DEFAULTS.get(a)
        rows += configured_rows(a, R.attributes.get(a), G.system_list, default, assoc_sep)
    for s in G.system_list:
        rows.append(("State", s, engine.resource_state(r, s)))
    return rows


def _systems(engine: Engine, r: str) -> list[str]:
    return list(engine.config.groups[engine.group_of(r)].system_list)


def _state(cli: Cli, args: list[str]) -> str:
    """``hares -state [resource ...] [-sys system]``: one resource on one system prints its state alone."""
    engine = cli.engine
    pos, s, rows = objects.state_pairs(engine, args, engine.resources(), objects.resource,
                                       lambda r: _systems(engine, r))
    if s is not None and len(pos) == 1:
        return engine.resource_state(pos[0], s) + "\n"
    return table(["#Resource", "Attribute", "System", "Value"],
                 [[r, "State", s, engine.resource_state(r, s)] for r, s in rows], TABLE)


def _on_system(action: str, usage: str) -> Handler:
    """``hares -online|-offline|-probe resource -sys system``: `Engine.online_resource` /
    `offline_resource` / `probe_resource`."""
    return objects.on_system(action, usage, objects.resource)


def _display(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = split_options(args, {"-attribute": -1, "-sys": 1, "-group": -1, "-type": -1, "-localclus": 0,
                                     "-clus": 1})
    for r in pos:
        objects.resource(engine, r)
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    res = pos or engine.resources()
    if "-group" in opts:
        res = [r for r in res if engine.group_of(r) in opts["-group"]]
    if "-type" in opts:
        res = [r for r in res if engine.config.resource(r)[1].type in opts["-type"]]  # type: ignore[index]
    rows = [row for r in res for row in display_rows(r, attr_rows(engine, r, DISPLAY_ASSOC_SEP),
                                                     opts.get("-attribute", []), sys_filter)]
    return table(["#Resource", "Attribute", "System", "Value"], rows, RES_DISPLAY)


def _list(cli: Cli, args: list[str]) -> str:
    """``resource system`` pairs, one a line, that meet every condition (``hares -list Type=NIC``)."""
    engine = cli.engine
    conds = conditions(args, "hares -list [attribute=value | attribute!=value | attribute=~value ...]")
    out = []
    for r in engine.resources():
        rows = attr_rows(engine, r) if conds else []
        out += [cols([r, s], LIST) + "\n" for s in _systems(engine, r) if holds(rows, s, conds)]
    return "".join(out)


def _dep(cli: Cli, args: list[str]) -> str:
    _, pos = split_options(args, {})
    rows = []
    for G in cli.engine.config.groups.values():
        for d in G.resource_deps:
            if not pos or d.parent in pos or d.child in pos:
                rows.append(cols([G.name, d.parent, d.child], RES_DEP))
    if not rows:
        raise EngineCommandError("V-16-1-50034", "No Resource dependencies are configured")
    return "\n".join([cols(["#Group", "Parent", "Child"], RES_DEP), *rows]) + "\n"


def _modify(cli: Cli, args: list[str]) -> str:
    """``hares -modify resource attribute [-add|-delete [-keys]|-update] value... [-sys system]``
    (needs ``haconf -makerw``)."""
    engine = cli.engine
    r, a, op, words, s = checked_modify_args(
        engine, args, "hares -modify resource attribute [-add|-delete|-update] value ... [-sys system]",
        objects.resource)
    _, R = engine.config.resource(r)  # type: ignore[misc]
    defn = builtins.resource_attr_def(engine.config.types, R.type, a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for resource {r}")
    tdef = engine.config.types.get(R.type)
    tdefault = tdef.attributes[a].default if tdef is not None and a in tdef.attributes else defn.default
    engine.modify_resource(r, a, edited(defn, current(R.attributes, a, s, tdefault), op, words, f"{r}.{a}"), s)
    return ""


_OPTIONS: dict[str, Handler] = {
    "-state": _state,
    "-clear": objects.on_system("clear_resource", "hares -clear resource [-sys system]", objects.resource,
                                required=False),
    "-probe": _on_system("probe_resource", "hares -probe resource -sys system"),
    "-display": _display, "-list": _list, "-dep": _dep, "-modify": _modify,
    "-value": value_option("hares -value resource attribute [system]", "resource", objects.resource,
                           attr_rows, _systems),
    "-wait": wait_option("hares -wait resource attribute value [-sys system] [-time timeout]", "resource",
                         objects.resource, attr_rows, _systems),
    "-online": _on_system("online_resource", "hares -online resource -sys system"),
    "-offline": _on_system("offline_resource", "hares -offline resource -sys system"),
}
