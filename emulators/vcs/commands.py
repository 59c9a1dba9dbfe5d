"""The ha* commands against an engine object, in-process: ``run(engine, argv) -> (rc, stdout, stderr)``.

Output follows reference/captures/: the column layout of ``hastatus -sum``, ``|ONLINE|`` in the
table form of ``hagrp -state`` and in the value ``hagrp -state G -sys S`` prints, resource values
without pipes, and refusals as ``VCS WARNING V-16-1-nnnnn text`` on stderr with exit code 1.

UMIs and texts verbatim from the captures: V-16-1-10369 ``Cluster not writable`` (a ``-modify``
or ``haconf -dump -makero`` on a read-only configuration), V-16-1-10364 ``Cluster already
writable``. Choices (no public capture found): V-16-1-10124 ``Type T does not exist``,
V-16-1-10016 ``Attribute A does not exist for group|resource|type X``, V-16-1-10553 for a value
that is not of the attribute's type. ``hatype -display`` uses the column widths of a public
capture (``Application  NumThreads             1``: type 13, attribute 23).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.config.model import AttrDef
from emulators.vcs.config.parser import INT_RE, int_range_problem
from emulators.vcs.engine import Engine, EngineCommandError
from emulators.vcs.engine.attrs import GROUP_DEFAULTS, RESOURCE_DEFAULTS

Result = tuple[int, str, str]


class UsageError(Exception):
    pass


def run(engine: Engine, argv: list[str]) -> Result:
    """Run one command line (argv[0] = hastatus | hagrp | hares | hasys | haconf | hatype)."""
    if not argv:
        return 1, "", "VCS ERROR V-16-1-10000 no command given\n"
    name = argv[0].rsplit("/", 1)[-1]
    handler = _COMMANDS.get(name)
    if handler is None:
        return 1, "", f"VCS ERROR V-16-1-10000 unknown command {name}\n"
    try:
        out = handler(engine, list(argv[1:]))
    except EngineCommandError as exc:
        return 1, "", f"VCS {exc.severity} {exc.umi} {exc.text}\n"
    except UsageError as exc:
        return 1, "", f"VCS WARNING V-16-1-10001 Usage: {exc}\n"
    return 0, out, ""


# ---------------------------------------------------------------------- formatting
def _cols(values: list[str], widths: list[int]) -> str:
    out = ""
    for v, w in zip(values, widths, strict=False):
        out += v.ljust(w - 1) + " "
    rest = values[len(widths):]
    return (out + " ".join(rest)).rstrip()


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
_DEP = [13, 11]                # hagrp -dep: #Parent(13) Child(11) Relationship
_RES_DEP = [13, 21]            # hares -dep: #Group(13) Parent(21) Child
_LIST = [16]                   # hagrp -list / hares -list: name(16) system


def _opts(args: list[str], flags: dict[str, int]) -> tuple[dict[str, list[str]], list[str]]:
    """Split args into options (flag -> its values) and positionals; flags maps -opt -> arity (-1 = rest)."""
    opts: dict[str, list[str]] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a in flags:
            n = flags[a]
            if n == -1:
                vals = []
                i += 1
                while i < len(args) and not (args[i].startswith("-") and args[i] in flags):
                    vals.append(args[i])
                    i += 1
                opts[a] = vals
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


# ---------------------------------------------------------------------- hastatus
def hastatus(engine: Engine, args: list[str]) -> str:
    if args not in (["-sum"], ["-summary"]):
        raise UsageError("hastatus -sum")
    lines = ["", "-- SYSTEM STATE", _cols(["-- System", "State", "Frozen"], [24, 21]), ""]
    for s in engine.systems():
        lines.append(_cols(["A  " + s, engine.system_state(s), "0"], [24, 21]))
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


def _dispatch(command: str, table: dict[str, Callable[[Engine, list[str]], str]], engine: Engine,
              args: list[str]) -> str:
    """`command -option args...`: the option's handler from `table`, or VCS's usage error."""
    handler = table.get(args[0])
    if handler is None:
        raise UsageError(f"{command}: unknown option {args[0]}")
    return handler(engine, args[1:])


# ---------------------------------------------------------------------- hagrp
def hagrp(engine: Engine, args: list[str]) -> str:
    if not args:
        raise UsageError("hagrp -state|-online|-offline|-switch|-clear|-flush|-freeze|-unfreeze|-dep|-display|-list|"
                         "-value|-modify")
    return _dispatch("hagrp", _HAGRP, engine, args)


def _hagrp_state(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    groups = pos or engine.groups()
    for g in groups:
        _group(engine, g)
    if "-sys" in opts:
        s = opts["-sys"][0]
        _sys(engine, s)
        if len(groups) == 1:
            return f"|{engine.group_state(groups[0], s)}|\n"
        rows = [(g, s) for g in groups if s in engine.config.groups[g].system_list]
    else:
        rows = [(g, s) for g in groups for s in engine.config.groups[g].system_list]
    out = [_cols(["#Group", "Attribute", "System", "Value"], _TABLE)]
    out += [_cols([g, "State", s, f"|{engine.group_state(g, s)}|"], _TABLE) for g, s in rows]
    return "\n".join(out) + "\n"


def _one_group_sys(engine: Engine, args: list[str], flag: str, usage: str) -> tuple[str, str]:
    opts, pos = _opts(args, {flag: 1, "-nopre": 0, "-persistent": 0, "-force": 0, "-any": 0})
    if len(pos) != 1 or flag not in opts:
        raise UsageError(usage)
    _group(engine, pos[0])
    _sys(engine, opts[flag][0])
    return pos[0], opts[flag][0]


def _group_on_system(action: str, flag: str, usage: str):
    """`hagrp -X group -sys|-to system` commands: check the names, then ask the engine."""

    def command(engine: Engine, args: list[str]) -> str:
        g, s = _one_group_sys(engine, args, flag, usage)
        getattr(engine, action)(g, s)
        return ""

    return command


_hagrp_online = _group_on_system("online_group", "-sys", "hagrp -online group -sys system")
_hagrp_offline = _group_on_system("offline_group", "-sys", "hagrp -offline group -sys system")
_hagrp_switch = _group_on_system("switch_group", "-to", "hagrp -switch group -to system")
_hagrp_flush = _group_on_system("flush_group", "-sys", "hagrp -flush group -sys system")
_hagrp_clearadminwait = _group_on_system("clear_admin_wait", "-sys", "hagrp -clearadminwait group -sys system")


def _hagrp_clear(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1:
        raise UsageError("hagrp -clear group [-sys system]")
    _group(engine, pos[0])
    s = opts["-sys"][0] if "-sys" in opts else None
    if s is not None:
        _sys(engine, s)
    engine.clear_group(pos[0], s)
    return ""


def _freeze(unfreeze: bool) -> Callable[[Engine, list[str]], str]:
    def handler(engine: Engine, args: list[str]) -> str:
        opts, pos = _opts(args, {"-persistent": 0})
        if len(pos) != 1:
            raise UsageError(f"hagrp -{'un' if unfreeze else ''}freeze group [-persistent]")
        _group(engine, pos[0])
        (engine.unfreeze_group if unfreeze else engine.freeze_group)(pos[0], persistent="-persistent" in opts)
        return ""
    return handler


def _hagrp_dep(engine: Engine, args: list[str]) -> str:
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


def _hagrp_list(engine: Engine, args: list[str]) -> str:
    """``group system`` pairs, one a line; ``Attr=value`` conditionals keep the pairs where the
    group's value (for that system, or global) prints as `value` (``hagrp -list Parallel=1``)."""
    conds: list[tuple[str, str]] = []
    for a in args:
        if a in ("-localclus",):
            continue
        if "=" not in a or a.startswith("="):
            raise UsageError("hagrp -list [attribute=value ...]")
        name, _, want = a.partition("=")
        conds.append((name, want))
    if not engine.groups():
        raise EngineCommandError("V-16-1-50031", "No Groups are configured")
    out = []
    for g, G in engine.config.groups.items():
        rows = _group_attr_rows(engine, g) if conds else []
        for s in G.system_list:
            if all(any(n == name and where in ("global", s) and v == want for n, where, v in rows)
                   for name, want in conds):
                out.append(_cols([g, s], _LIST) + "\n")
    return "".join(out)


def _group_attr_rows(engine: Engine, g: str, assoc_sep: str = " ") -> list[tuple[str, str, str]]:
    """(attribute, system-or-global, value) rows of one group, configuration then runtime."""
    G = engine.config.groups[g]
    names = sorted(set(GROUP_DEFAULTS) | set(G.attributes))
    rows: list[tuple[str, str, str]] = []
    for a in names:
        av = G.attributes.get(a)
        if a == "TFrozen":
            rows.append((a, "global", "1" if engine.frozen(g) and not engine.persistently_frozen(g) else "0"))
            continue
        if av is not None and av.localized:
            for s in G.system_list:
                rows.append((a, s, format_value(av.for_system(s), assoc_sep)))
            continue
        value = av.value if av is not None and av.value is not None else GROUP_DEFAULTS.get(a)
        rows.append((a, "global", format_value(value, assoc_sep)))
    for s in G.system_list:
        rows.append(("AutoDisabled", s, "1" if engine.autodisabled(g, s) else "0"))
        rows.append(("Probed", s, "1" if engine.probed(g, s) else "0"))
        rows.append(("State", s, f"|{engine.group_state(g, s)}|"))
    return rows


def _hagrp_display(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-attribute": -1, "-sys": 1})
    for g in pos:
        _group(engine, g)
    attrs = set(opts.get("-attribute", []))
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    return _display_table("#Group", pos or engine.groups(), lambda g: _group_attr_rows(engine, g, DISPLAY_ASSOC_SEP),
                          attrs, sys_filter, _TABLE)


def _display_table(first: str, names, rows_of, attrs: set[str], sys_filter: str | None, widths) -> str:
    """`-display` of groups or resources: one row per (name, attribute, system) that passes the filters."""
    out = [_cols([first, "Attribute", "System", "Value"], widths)]
    for name in names:
        for a, s, v in rows_of(name):
            if attrs and a not in attrs:
                continue
            if sys_filter and s not in ("global", sys_filter):
                continue
            out.append(_cols([name, a, s, v], widths))
    return "\n".join(out) + "\n"


def _attr_value(rows, attr: str, system: str | None, owner: str) -> str:
    """`-value NAME ATTR [SYSTEM]`: the global value, or the one localized for the system."""
    for name, where, v in rows:
        if name == attr and (where == "global" or where == system or (system is None and where != "global")):
            return v + "\n"
    raise EngineCommandError("V-16-1-10016", f"Attribute {attr} does not exist for {owner}")


def _hagrp_value(engine: Engine, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) not in (2, 3):
        raise UsageError("hagrp -value group attribute [system]")
    g, a = pos[0], pos[1]
    _group(engine, g)
    return _attr_value(_group_attr_rows(engine, g), a, pos[2] if len(pos) == 3 else None, f"group {g}")


def _modify_args(args: list[str], usage: str) -> tuple[str, str, list[str], str | None]:
    """(object, attribute, value words, system) of ``-modify OBJ ATTR VALUE... [-sys S]``.

    Values are taken as words (a value may itself start with a dash, as ``-1``); only a trailing
    ``-sys S`` is an option. ``-add``/``-delete``/``-update`` forms are not supported.
    """
    system = None
    if len(args) >= 2 and args[-2] == "-sys":
        system, args = args[-1], args[:-2]
    if len(args) < 2 or args[1].startswith("-"):
        raise UsageError(usage)
    return args[0], args[1], args[2:], system


def _typed(defn: AttrDef, words: list[str], what: str) -> Any:
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
    if defn.dimension == "scalar":
        if len(words) != 1:
            raise UsageError(f"{what} is a scalar: give one value")
        return one(words[0])
    if defn.dimension == "association":
        if len(words) % 2:
            raise UsageError(f"{what} is an association: give key value pairs")
        return {words[i]: one(words[i + 1]) for i in range(0, len(words), 2)}
    return [one(w) for w in words]


def _hagrp_modify(engine: Engine, args: list[str]) -> str:
    """``hagrp -modify group attribute value... [-sys system]`` (needs ``haconf -makerw``)."""
    g, a, words, s = _modify_args(args, "hagrp -modify group attribute value ... [-sys system]")
    _group(engine, g)
    if s is not None:
        _sys(engine, s)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    defn = builtins.group_attr_defs.get(a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for group {g}")
    engine.modify_group(g, a, _typed(defn, words, f"{g}.{a}"), s)
    return ""


_HAGRP: dict[str, Callable[[Engine, list[str]], str]] = {
    "-state": _hagrp_state, "-online": _hagrp_online, "-offline": _hagrp_offline, "-switch": _hagrp_switch,
    "-clear": _hagrp_clear, "-flush": _hagrp_flush, "-freeze": _freeze(False), "-unfreeze": _freeze(True),
    "-dep": _hagrp_dep, "-display": _hagrp_display, "-list": _hagrp_list, "-value": _hagrp_value,
    "-clearadminwait": _hagrp_clearadminwait, "-modify": _hagrp_modify,
}


# ---------------------------------------------------------------------- hares
def hares(engine: Engine, args: list[str]) -> str:
    if not args:
        raise UsageError("hares -state|-clear|-probe|-display|-list|-value|-dep|-modify")
    return _dispatch("hares", _HARES, engine, args)


def _res_systems(engine: Engine, r: str) -> list[str]:
    return list(engine.config.groups[engine.group_of(r)].system_list)


def _hares_state(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    res = pos or engine.resources()
    for r in res:
        _resource(engine, r)
    if "-sys" in opts:
        s = opts["-sys"][0]
        _sys(engine, s)
        if len(res) == 1:
            return engine.resource_state(res[0], s) + "\n"
        rows = [(r, s) for r in res if s in _res_systems(engine, r)]
    else:
        rows = [(r, s) for r in res for s in _res_systems(engine, r)]
    out = [_cols(["#Resource", "Attribute", "System", "Value"], _TABLE)]
    out += [_cols([r, "State", s, engine.resource_state(r, s)], _TABLE) for r, s in rows]
    return "\n".join(out) + "\n"


def _hares_clear(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1:
        raise UsageError("hares -clear resource [-sys system]")
    _resource(engine, pos[0])
    s = opts["-sys"][0] if "-sys" in opts else None
    if s is not None:
        _sys(engine, s)
    engine.clear_resource(pos[0], s)
    return ""


def _hares_probe(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-sys": 1})
    if len(pos) != 1 or "-sys" not in opts:
        raise UsageError("hares -probe resource -sys system")
    _resource(engine, pos[0])
    _sys(engine, opts["-sys"][0])
    engine.probe_resource(pos[0], opts["-sys"][0])
    return ""


def _res_attr_rows(engine: Engine, r: str, assoc_sep: str = " ") -> list[tuple[str, str, str]]:
    G, R = engine.config.resource(r)  # type: ignore[misc]
    rows: list[tuple[str, str, str]] = [("Group", "global", G.name), ("Type", "global", R.type)]
    names = sorted(set(RESOURCE_DEFAULTS) | set(R.attributes) | set(
        a for a, d in (engine.config.types[R.type].attributes.items() if R.type in engine.config.types else [])
        if not d.static))
    for a in names:
        av = R.attributes.get(a)
        if av is not None and av.localized:
            for s in G.system_list:
                rows.append((a, s, format_value(av.for_system(s), assoc_sep)))
            continue
        if av is not None and av.value is not None:
            rows.append((a, "global", format_value(av.value, assoc_sep)))
            continue
        tdef = engine.config.types.get(R.type)
        d = tdef.attributes.get(a) if tdef else None
        rows.append((a, "global", format_value(d.default if d and d.default is not None else RESOURCE_DEFAULTS.get(a),
                                               assoc_sep)))
    for s in G.system_list:
        rows.append(("State", s, engine.resource_state(r, s)))
    return rows


def _hares_display(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-attribute": -1, "-sys": 1, "-group": -1, "-type": -1})
    for r in pos:
        _resource(engine, r)
    attrs = set(opts.get("-attribute", []))
    sys_filter = opts["-sys"][0] if "-sys" in opts else None
    res = pos or engine.resources()
    if "-group" in opts:
        res = [r for r in res if engine.group_of(r) in opts["-group"]]
    if "-type" in opts:
        res = [r for r in res if engine.config.resource(r)[1].type in opts["-type"]]  # type: ignore[index]
    return _display_table("#Resource", res, lambda r: _res_attr_rows(engine, r, DISPLAY_ASSOC_SEP),
                          attrs, sys_filter, _RES_DISPLAY)


def _hares_value(engine: Engine, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) not in (2, 3):
        raise UsageError("hares -value resource attribute [system]")
    r, a = pos[0], pos[1]
    _resource(engine, r)
    return _attr_value(_res_attr_rows(engine, r), a, pos[2] if len(pos) == 3 else None, f"resource {r}")


def _hares_list(engine: Engine, args: list[str]) -> str:
    return "".join(_cols([r, s], _LIST) + "\n" for r in engine.resources() for s in _res_systems(engine, r))


def _hares_dep(engine: Engine, args: list[str]) -> str:
    _, pos = _opts(args, {})
    rows = []
    for G in engine.config.groups.values():
        for d in G.resource_deps:
            if not pos or d.parent in pos or d.child in pos:
                rows.append(_cols([G.name, d.parent, d.child], _RES_DEP))
    if not rows:
        raise EngineCommandError("V-16-1-50034", "No Resource dependencies are configured")
    return "\n".join([_cols(["#Group", "Parent", "Child"], _RES_DEP), *rows]) + "\n"


def _hares_modify(engine: Engine, args: list[str]) -> str:
    """``hares -modify resource attribute value... [-sys system]`` (needs ``haconf -makerw``)."""
    r, a, words, s = _modify_args(args, "hares -modify resource attribute value ... [-sys system]")
    _resource(engine, r)
    if s is not None:
        _sys(engine, s)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    rtype = engine.config.resource(r)[1].type  # type: ignore[index]
    defn = builtins.resource_attr_def(engine.config.types, rtype, a)
    if defn is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for resource {r}")
    engine.modify_resource(r, a, _typed(defn, words, f"{r}.{a}"), s)
    return ""


_HARES: dict[str, Callable[[Engine, list[str]], str]] = {
    "-state": _hares_state, "-clear": _hares_clear, "-probe": _hares_probe, "-display": _hares_display,
    "-value": _hares_value, "-list": _hares_list, "-dep": _hares_dep, "-modify": _hares_modify,
}


# ---------------------------------------------------------------------- hatype
_TYPE_TABLE = [13, 23]  # hatype -display: #Type(13) Attribute(23) Value, as "Application  NumThreads             1"


def hatype(engine: Engine, args: list[str]) -> str:
    """``hatype -list | -display | -value | -modify | -resources``: resource types and their static
    (type-level) attributes; ``-modify`` needs ``haconf -makerw`` and reaches the engine at once
    (`Engine.modify_type`)."""
    if not args:
        raise UsageError("hatype -list | -display [type ...] [-attribute attribute ...] | -value type attribute | "
                         "-modify type attribute value ... | -resources type")
    return _dispatch("hatype", _HATYPE, engine, args)


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


def _hatype_list(engine: Engine, args: list[str]) -> str:
    if args:
        raise UsageError("hatype -list")
    return "".join(t + "\n" for t in sorted(engine.config.types))


def _hatype_display(engine: Engine, args: list[str]) -> str:
    opts, pos = _opts(args, {"-attribute": -1})
    for t in pos:
        _type(engine, t)
    attrs = set(opts.get("-attribute", []))
    out = [_cols(["#Type", "Attribute", "Value"], _TYPE_TABLE)]
    for t in pos or sorted(engine.config.types):
        out += [_cols([t, a, v], _TYPE_TABLE) for a, v in _type_attr_rows(engine, t, DISPLAY_ASSOC_SEP)
                if not attrs or a in attrs]
    return "\n".join(out) + "\n"


def _hatype_value(engine: Engine, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) != 2:
        raise UsageError("hatype -value type attribute")
    t, a = pos
    _type(engine, t)
    return format_value(_type_default(_type_attr_def(engine, t, a))) + "\n"


def _hatype_modify(engine: Engine, args: list[str]) -> str:
    """``hatype -modify type attribute value ...`` (needs ``haconf -makerw``)."""
    usage = "hatype -modify type attribute value ..."
    t, a, words, s = _modify_args(args, usage)
    if s is not None:
        raise UsageError(usage)
    _type(engine, t)
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")
    engine.modify_type(t, a, _typed(_type_attr_def(engine, t, a), words, f"{t}.{a}"))
    return ""


def _hatype_resources(engine: Engine, args: list[str]) -> str:
    _, pos = _opts(args, {})
    if len(pos) != 1:
        raise UsageError("hatype -resources type")
    _type(engine, pos[0])
    return "".join(R.name + "\n" for _, R in engine.config.resources_of_type(pos[0]))


_HATYPE: dict[str, Callable[[Engine, list[str]], str]] = {
    "-list": _hatype_list, "-display": _hatype_display, "-value": _hatype_value, "-modify": _hatype_modify,
    "-resources": _hatype_resources,
}


# ---------------------------------------------------------------------- hasys, haconf
def hasys(engine: Engine, args: list[str]) -> str:
    if args[:1] == ["-list"]:
        return "".join(s + "\n" for s in engine.systems())
    if args[:1] == ["-state"]:
        names = args[1:] or engine.systems()
        for s in names:
            _sys(engine, s)
        out = [_cols(["#System", "Attribute", "Value"], [14, 22])]
        out += [_cols([s, "SysState", engine.system_state(s)], [14, 22]) for s in names]
        return "\n".join(out) + "\n"
    raise UsageError("hasys -state [system] | -list")


def haconf(engine: Engine, args: list[str]) -> str:
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


_COMMANDS: dict[str, Callable[[Engine, list[str]], str]] = {
    "hastatus": hastatus, "hagrp": hagrp, "hares": hares, "hasys": hasys, "haconf": haconf, "hatype": hatype,
}
