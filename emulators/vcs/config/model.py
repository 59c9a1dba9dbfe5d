"""Typed model of a VCS configuration (types.cf + main.cf).

The model is plain, comparable data: `parse(dump(m)) == m` is the writer's contract, so nothing
here carries source positions into equality (positions live in `Loc` fields marked
``compare=False``).

Values keep the configuration language's shapes:
- scalar: ``str`` or ``int`` (``boolean`` attributes hold ``int`` 0/1)
- vector / keylist: ``list`` of scalars (a keylist keeps order but has unique items)
- association: ``dict`` of str -> scalar (SystemList is ``{system: priority}``)

An attribute that is localized (``Attr @sys = v``) keeps its global value (or ``None``) and a
``{system: value}`` map; `AttrValue.for_system` resolves the value a system sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Scalar = str | int
Value = Scalar | list | dict

DataType = Literal["str", "int", "boolean"]
Dimension = Literal["scalar", "vector", "keylist", "association"]
Operations = Literal["OnOff", "OnOnly", "None"]


@dataclass(frozen=True)
class Loc:
    """Where something was written: file path, 1-based line and column."""

    file: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}:{self.col}"


@dataclass
class AttrDef:
    """An attribute declared by a `type` block (or built into the engine)."""

    name: str
    datatype: DataType = "str"
    dimension: Dimension = "scalar"
    default: Value | None = None
    static: bool = False
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass
class TypeDef:
    """A resource type: `type Name ( ... )` in types.cf."""

    name: str
    attributes: dict[str, AttrDef] = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False, repr=False)

    @property
    def arglist(self) -> list[str]:
        a = self.attributes.get("ArgList")
        return list(a.default) if a and isinstance(a.default, list) else []

    @property
    def operations(self) -> str:
        a = self.attributes.get("Operations")
        return str(a.default) if a and a.default is not None else "OnOff"


@dataclass
class AttrValue:
    """A value written in main.cf: a global one, per-system localized ones, or both."""

    value: Value | None = None
    localized: dict[str, Value] = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False, repr=False)
    # where each localized value was written, for "system outside SystemList" errors
    localized_locs: dict[str, Loc] = field(default_factory=dict, compare=False, repr=False)

    def for_system(self, system: str | None) -> Value | None:
        if system is not None and system in self.localized:
            return self.localized[system]
        return self.value


@dataclass
class Resource:
    name: str
    type: str
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass
class ResourceDep:
    """`parent requires child` inside a group."""

    parent: str
    child: str
    loc: Loc | None = field(default=None, compare=False, repr=False)


Category = Literal["online", "offline"]
Location = Literal["local", "global", "remote"]
Rigidity = Literal["soft", "firm", "hard"]


@dataclass
class GroupDep:
    """`requires group CHILD online|offline local|global|remote [soft|firm|hard]` in a parent."""

    child: str
    category: Category = "online"
    location: Location = "local"
    rigidity: Rigidity = "firm"  # a link with no rigidity is firm (VCS 4.1 guide, linking)
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass
class Group:
    name: str
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    resources: dict[str, Resource] = field(default_factory=dict)
    resource_deps: list[ResourceDep] = field(default_factory=list)
    group_deps: list[GroupDep] = field(default_factory=list)
    loc: Loc | None = field(default=None, compare=False, repr=False)

    def attr(self, name: str, system: str | None = None, default: Value | None = None) -> Value | None:
        av = self.attributes.get(name)
        if av is None:
            return default
        v = av.for_system(system)
        return default if v is None else v

    @property
    def system_list(self) -> dict[str, int]:
        v = self.attr("SystemList", default={})
        return dict(v) if isinstance(v, dict) else {}

    @property
    def parallel(self) -> bool:
        return bool(int(self.attr("Parallel", default=0) or 0))


@dataclass
class System:
    name: str
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass
class Cluster:
    name: str
    attributes: dict[str, AttrValue] = field(default_factory=dict)
    loc: Loc | None = field(default=None, compare=False, repr=False)


@dataclass
class Config:
    """One main.cf with the types it includes.

    `includes` lists the include lines of main.cf as written; `types` holds every type read from
    them (in order of appearance), so that the model is self-contained once parsed.
    """

    includes: list[str] = field(default_factory=list)
    types: dict[str, TypeDef] = field(default_factory=dict)
    cluster: Cluster | None = None
    systems: dict[str, System] = field(default_factory=dict)
    groups: dict[str, Group] = field(default_factory=dict)
    source: str | None = field(default=None, compare=False, repr=False)
    # what the parser noticed: duplicates (reported again by validate) and notices such as the
    # fallback to the bundled types.cf; neither is part of the configuration itself
    parse_diagnostics: list = field(default_factory=list, compare=False, repr=False)
    notices: list[str] = field(default_factory=list, compare=False, repr=False)

    def resource(self, name: str) -> tuple[Group, Resource] | None:
        for g in self.groups.values():
            if name in g.resources:
                return g, g.resources[name]
        return None

    def resources_of_type(self, type_name: str) -> list[tuple[Group, Resource]]:
        return [(g, r) for g in self.groups.values() for r in g.resources.values() if r.type == type_name]
