"""The meaning checks `hacf -verify` makes on a parsed configuration.

Every rule yields `Diagnostic`s (``file:line:col: message``) and `validate` returns all of them,
sorted, so that one run shows every error of a configuration:

- a resource of an unknown type; an attribute that neither its type nor the engine defines
- a value of the wrong data type (int, boolean 0/1, str) or dimension (scalar, vector, keylist,
  association); a value a built-in attribute does not take (`builtins.value_problem`: Parallel 5,
  MonitorInterval 0, a negative limit); a keylist naming an item twice; a type's default of the
  wrong shape; an ArgList naming an attribute the type does not have
- duplicate names (systems, groups, resources cluster-wide, types, attributes: found by the
  parser, see `parser.parse_diagnostics`)
- a SystemList naming an undeclared system; an AutoStartList naming a system outside SystemList;
  a value localized for a system outside the group's SystemList (or an undeclared one)
- a dependency on a missing resource or group, or on itself; resource and group dependency cycles
- group dependencies the vendor does not support (reference/vcs-semantics.md, "Supported
  combinations"): offline dependencies are local only; hard is for online local only (VCS admin
  guide, dependency rigidity: "online local hard" is the one hard kind); a parallel parent with an
  online local dependency on a failover child; a failover parent with a hard dependency on a
  parallel child; a global or remote dependency between two parallel groups.
"""

from __future__ import annotations

from pathlib import Path

from . import builtins
from .errors import ConfigError, Diagnostic
from .model import AttrDef, AttrValue, Config, Group, Loc
from .parser import parse_diagnostics, parse_file

_DIM_NAME = {"scalar": "a scalar", "vector": "a vector", "keylist": "a keylist", "association": "an association"}
# runtime attributes an ArgList may pass to an agent without the type declaring them
_RUNTIME_ARGS = frozenset({"State", "IState", "Probed", "Group", "Type", "Name", "LastOnline"})


def _shape(v: object) -> str:
    if isinstance(v, dict):
        return "an association"
    if isinstance(v, (list, tuple)):
        return "a list"
    return "a scalar"


def _fits_dimension(ad: AttrDef, v: object) -> bool:
    if ad.dimension == "scalar":
        return isinstance(v, (str, int)) and not isinstance(v, bool)
    if ad.dimension == "association":
        return isinstance(v, dict)
    return isinstance(v, list)


def _bad_scalar(ad: AttrDef, v: object) -> str | None:
    """Why `v` is not a valid scalar of `ad`'s data type, or None."""
    if ad.datatype == "str":
        return None if isinstance(v, str) else f"must be str, found {v!r}"
    if ad.datatype == "int":
        return None if isinstance(v, int) and not isinstance(v, bool) else f"must be int, found {_show(v)}"
    if isinstance(v, int) and not isinstance(v, bool) and v in (0, 1):
        return None
    return f"must be boolean (0 or 1), found {_show(v)}"


def _show(v: object) -> str:
    return repr(v) if isinstance(v, str) else str(v)


class _Checker:
    def __init__(self, config: Config):
        self.config = config
        self.diags: list[Diagnostic] = []
        self.default_file = config.source or "main.cf"

    def at(self, loc: Loc | None, message: str) -> None:
        if loc is None:
            self.diags.append(Diagnostic(self.default_file, 0, 0, message))
        else:
            self.diags.append(Diagnostic(loc.file, loc.line, loc.col, message))

    # values
    def check_value(self, owner: str, label: str, ad: AttrDef, v: object, loc: Loc | None,
                    rules: dict[str, builtins.Rule] | None = None) -> None:
        if not _fits_dimension(ad, v):
            self.at(loc, f"{owner}: attribute {label} is {_DIM_NAME[ad.dimension]}, found {_shape(v)}")
            return
        items = list(v.values()) if isinstance(v, dict) else v if isinstance(v, list) else [v]
        for item in items:
            why = _bad_scalar(ad, item)
            if why is not None:
                self.at(loc, f"{owner}: attribute {label} {why}")
                return
        if ad.dimension == "keylist":
            seen: set = set()
            for item in v:  # type: ignore[union-attr]
                if item in seen:
                    self.at(loc, f"{owner}: keylist {label} lists {item} twice")
                    return
                seen.add(item)
        why = builtins.value_problem(rules or {}, ad.name, v)
        if why is not None:
            self.at(loc, f"{owner}: attribute {label} {why}")

    def check_attrs(self, owner: str, attrs: dict[str, AttrValue], lookup, unknown: str,
                    system_list: dict[str, int] | None, where: str,
                    rules: dict[str, builtins.Rule] | None = None) -> None:
        for name, av in attrs.items():
            ad = lookup(name)
            if ad is None:
                self.at(av.loc, f"{owner}: {unknown} {name}")
                continue
            if av.value is not None:
                self.check_value(owner, name, ad, av.value, av.loc, rules)
            for system, v in av.localized.items():
                loc = av.localized_locs.get(system, av.loc)
                self.check_value(owner, f"{name} @{system}", ad, v, loc, rules)
                if system_list is not None and system not in system_list:
                    self.at(loc, f"{owner}: attribute {name} is localized for system {system}, "
                                 f"which is not in the SystemList of {where}")
                elif system_list is None and system not in self.config.systems:
                    self.at(loc, f"{owner}: attribute {name} is localized for undeclared system {system}")

    # the rules
    def types(self) -> None:
        for td in self.config.types.values():
            owner = f"type {td.name}"
            for ad in td.attributes.values():
                if ad.default is not None:
                    self.check_value(owner, ad.name, ad, ad.default, ad.loc, builtins.type_value_rules)
            arglist = td.attributes.get("ArgList")
            if arglist is not None and isinstance(arglist.default, list):
                for arg in arglist.default:
                    a = str(arg)
                    if ":" in a or a in _RUNTIME_ARGS or builtins.type_attr_def(td.attributes, a) is not None:
                        continue
                    self.at(arglist.loc, f"{owner}: ArgList names unknown attribute {a}")

    def cluster_and_systems(self) -> None:
        c = self.config.cluster
        if c is not None:
            self.check_attrs(f"cluster {c.name}", c.attributes, builtins.cluster_attr_defs.get,
                             "unknown cluster attribute", None, "")
        for s in self.config.systems.values():
            self.check_attrs(f"system {s.name}", s.attributes, builtins.system_attr_defs.get,
                             "unknown system attribute", None, "")

    def groups(self) -> None:
        first_seen: dict[str, Loc | None] = {}
        for g in self.config.groups.values():
            owner = f"group {g.name}"
            sl = _system_list(g)
            self.check_attrs(owner, g.attributes, builtins.group_attr_defs.get, "unknown group attribute",
                             sl, f"group {g.name}", builtins.group_value_rules)
            sl_av = g.attributes.get("SystemList")
            for system in sl:
                if system not in self.config.systems:
                    self.at(sl_av.loc if sl_av else g.loc, f"{owner}: SystemList names undeclared system {system}")
            asl = g.attributes.get("AutoStartList")
            if asl is not None and isinstance(asl.value, list):
                for system in asl.value:
                    if system not in sl:
                        self.at(asl.loc, f"{owner}: AutoStartList names system {system}, which is not in its SystemList")
            for r in g.resources.values():
                rowner = f"resource {r.name}"
                if r.name in first_seen:
                    self.at(r.loc, f"duplicate resource {r.name}; first defined at {first_seen[r.name]}")
                else:
                    first_seen[r.name] = r.loc
                if r.type not in self.config.types:
                    self.at(r.loc, f"{rowner}: unknown type {r.type}")
                    continue
                self.check_attrs(rowner, r.attributes,
                                 lambda a, t=r.type, ts=self.config.types: builtins.resource_attr_def(ts, t, a),
                                 f"type {r.type} has no attribute", sl, f"group {g.name}", builtins.type_value_rules)
            self.resource_deps(g)

    def resource_deps(self, g: Group) -> None:
        edges: dict[str, list[tuple[str, Loc | None]]] = {}
        for d in g.resource_deps:
            if d.parent == d.child:
                self.at(d.loc, f"resource {d.parent} requires itself")
                continue
            ok = True
            for name in (d.parent, d.child):
                if name not in g.resources:
                    where = self.config.resource(name)
                    extra = f" ({name} is in group {where[0].name})" if where else ""
                    self.at(d.loc, f"{d.parent} requires {d.child}: group {g.name} has no resource {name}{extra}")
                    ok = False
            if ok:
                edges.setdefault(d.parent, []).append((d.child, d.loc))
        for cycle, loc in _cycles(edges):
            self.at(loc, f"resource dependency cycle in group {g.name}: {' -> '.join(cycle)}")

    def group_deps(self) -> None:
        edges: dict[str, list[tuple[str, Loc | None]]] = {}
        for g in self.config.groups.values():
            for d in g.group_deps:
                head = f"group {g.name} requires group {d.child} {d.category} {d.location} {d.rigidity}"
                if d.child == g.name:
                    self.at(d.loc, f"group {g.name} requires itself")
                    continue
                child = self.config.groups.get(d.child)
                if child is None:
                    self.at(d.loc, f"{head}: group {d.child} does not exist")
                    continue
                edges.setdefault(g.name, []).append((d.child, d.loc))
                p_par, c_par = _parallel(g), _parallel(child)
                if d.category == "offline" and d.location != "local":
                    self.at(d.loc, f"{head}: offline dependencies must be local")
                if d.rigidity == "hard" and (d.category, d.location) != ("online", "local"):
                    self.at(d.loc, f"{head}: hard dependencies are supported for online local only")
                if p_par and not c_par and (d.category, d.location) == ("online", "local"):
                    self.at(d.loc, f"{head}: a parallel parent cannot have an online local dependency "
                                   f"on a failover child")
                if not p_par and c_par and d.rigidity == "hard":
                    self.at(d.loc, f"{head}: a failover parent cannot have a hard dependency on a parallel child")
                if p_par and c_par and d.location in ("global", "remote"):
                    self.at(d.loc, f"{head}: two parallel groups support local dependencies only")
        for cycle, loc in _cycles(edges):
            self.at(loc, f"group dependency cycle: {' -> '.join(cycle)}")


def _system_list(g: Group) -> dict[str, int]:
    av = g.attributes.get("SystemList")
    v = av.value if av is not None else None
    return v if isinstance(v, dict) else {}


def _parallel(g: Group) -> bool:
    av = g.attributes.get("Parallel")
    v = av.value if av is not None else 0
    return isinstance(v, int) and v != 0


def _cycles(edges: dict[str, list[tuple[str, Loc | None]]]) -> list[tuple[list[str], Loc | None]]:
    """Each elementary cycle met by a depth-first walk, once, with the location of its closing edge.

    The walk keeps its own stack: a chain of thousands of dependencies must not exhaust Python's."""
    found: list[tuple[list[str], Loc | None]] = []
    seen_cycles: set[tuple[str, ...]] = set()
    state: dict[str, int] = {}  # 1 on the current path, 2 done
    path: list[str] = []
    for start in list(edges):
        if state.get(start, 0):
            continue
        state[start] = 1
        path.append(start)
        stack = [iter(edges.get(start, []))]
        while stack:
            step = next(stack[-1], None)
            if step is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            child, loc = step
            s = state.get(child, 0)
            if s == 0:
                state[child] = 1
                path.append(child)
                stack.append(iter(edges.get(child, [])))
            elif s == 1:
                cyc = path[path.index(child):]
                k = cyc.index(min(cyc))
                key = tuple(cyc[k:] + cyc[:k])
                if key not in seen_cycles:
                    seen_cycles.add(key)
                    found.append(([*cyc, child], loc))
    return found


def validate(config: Config) -> list[Diagnostic]:
    """Every error `hacf -verify` would report for `config`, sorted by file, line and column."""
    ch = _Checker(config)
    ch.diags.extend(parse_diagnostics(config))
    ch.types()
    ch.cluster_and_systems()
    ch.groups()
    ch.group_deps()
    return sorted(set(ch.diags))


def load(path: str | Path) -> Config:
    """Read and check a main.cf (and its includes); raises `ConfigError` with every error found."""
    config = parse_file(path)
    diags = validate(config)
    if diags:
        raise ConfigError(diags)
    return config
