"""Lab descriptions (inventories): load, validate, and explain what is wrong.

An inventory is YAML (DESIGN.md): `lab`, `target`, `cluster.main_cf` (relative to the inventory),
`nodes` (physical nodes: `name`, `control` system, `alternates` systems), per-target connection
settings (`sim`, `kvm`, `sparc`) and optional `timing`. The topology of systems, groups and
AlternateIO attributes comes from the main.cf; the inventory only says which systems share a
physical node and how to reach them.

Every problem is reported as `file:line:col: key: message`, all of them at once, through
`InventoryError` (the CLI exits 2 on it). Secrets are never accepted inline: a SPARC host names a
credential *reference* (an environment variable, the ssh agent, a key file).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from emulators.vcs.config import ConfigError, load
from emulators.vcs.config.model import Config

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INVENTORY = REPO_ROOT / "inventories" / "sim-2node.yaml"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Node(_Strict):
    name: str
    control: str
    alternates: list[str] = Field(default_factory=list)

    @property
    def systems(self) -> list[str]:
        return [self.control, *self.alternates]


class Cluster(_Strict):
    main_cf: str


class Timing(_Strict):
    """Overrides of the resource types' static timing attributes, and the daemon's time scale."""

    MonitorInterval: int | None = Field(default=None, ge=1)
    OfflineMonitorInterval: int | None = Field(default=None, ge=1)
    ToleranceLimit: int | None = Field(default=None, ge=0)
    OnlineWaitLimit: int | None = Field(default=None, ge=0)
    OnlineTimeout: int | None = Field(default=None, ge=1)
    OfflineTimeout: int | None = Field(default=None, ge=1)
    # emulated seconds per wall second when a lab runs as a daemon on the real clock
    time_scale: float = Field(default=10.0, gt=0)

    def type_overrides(self) -> dict[str, int]:
        return {k: v for k, v in self.model_dump().items() if k != "time_scale" and v is not None}


class SimSettings(_Strict):
    pass


class KvmSettings(_Strict):
    uri: str = "qemu:///system"
    image: str | None = None
    accel: Literal["auto", "kvm", "tcg"] = "auto"


class SparcHost(_Strict):
    """How to reach one system. Credentials are references, never values."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    user: str = "root"
    password_env: str | None = None  # name of an environment variable holding the password
    key_file: str | None = None
    ssh_agent: bool = False
    console: str | None = None  # e.g. "telnet://sp-host:5000"

    @model_validator(mode="before")
    @classmethod
    def _no_inline_secret(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key in ("password", "passphrase", "secret", "token"):
                if key in data:
                    raise ValueError(
                        f"'{key}' must not be written in an inventory; name a reference instead "
                        "(password_env: VAR, key_file: PATH or ssh_agent: true)")
        return data


class SparcSettings(_Strict):
    systems: dict[str, SparcHost] = Field(default_factory=dict)


class Inventory(_Strict):
    lab: str
    target: Literal["sim", "kvm", "sparc"] = "sim"
    cluster: Cluster
    nodes: list[Node] = Field(min_length=1)
    timing: Timing = Field(default_factory=Timing)
    sim: SimSettings | None = None
    kvm: KvmSettings | None = None
    sparc: SparcSettings | None = None

    @field_validator("nodes")
    @classmethod
    def _unique_nodes(cls, nodes: list[Node]) -> list[Node]:
        seen: set[str] = set()
        for n in nodes:
            for name in (n.name, *n.systems):
                if name in seen:
                    raise ValueError(f"'{name}' is named twice among nodes and systems")
                seen.add(name)
        return nodes


@dataclass
class Lab:
    """A loaded, validated inventory together with the cluster configuration it points to."""

    inventory: Inventory
    path: Path
    main_cf: Path
    config: Config

    @property
    def name(self) -> str:
        return self.inventory.lab

    @property
    def nodes(self) -> list[Node]:
        return self.inventory.nodes

    def node_of(self, system: str) -> Node | None:
        return next((n for n in self.nodes if system in n.systems), None)


class InventoryError(Exception):
    """Bad inventory: carries every problem as `file:line:col: key: message`."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


def _node_at(root: yaml.Node | None, loc: tuple[Any, ...], key: bool = False) -> tuple[yaml.Node | None, bool]:
    """Follow a pydantic error location through the YAML node tree.

    Returns the deepest node reached (the last key itself when `key`, as for an unknown key; else its
    value), and whether the whole path was found (a missing key points at its parent mapping).
    """
    node = root
    for i, part in enumerate(loc):
        if isinstance(node, yaml.MappingNode):
            for key_node, value_node in node.value:
                if key_node.value == part:
                    node = key_node if (key and i == len(loc) - 1) else value_node
                    break
            else:
                return node, False
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and part < len(node.value):
            node = node.value[part]
        else:
            return node, False
    return node, True


def _where(path: Path, node: yaml.Node | None) -> str:
    if node is None:
        return f"{path}:1:1"
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


def load_inventory(path: str | Path) -> Lab:
    """Read, validate and resolve an inventory; raise InventoryError listing every problem."""
    path = Path(path)
    try:
        text = path.read_text()
    except OSError as exc:
        raise InventoryError([f"{path}:1:1: cannot read inventory: {exc.strerror or exc}"]) from None
    try:
        root = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InventoryError([f"{path}:{line}:{col}: YAML syntax error: {getattr(exc, 'problem', exc)}"]) from None
    if not isinstance(data, dict):
        raise InventoryError([f"{path}:1:1: an inventory is a mapping with keys lab, target, cluster, nodes"])

    try:
        inv = Inventory.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            node, _ = _node_at(root, loc, key=err["type"] == "extra_forbidden")
            key = ".".join(str(p) for p in loc) or "(top)"
            msg = err["msg"]
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            problems.append(f"{_where(path, node)}: {key}: {msg}")
        raise InventoryError(problems) from None

    problems = []
    main_cf = (path.parent / inv.cluster.main_cf).resolve()
    if not main_cf.is_file():
        node, _ = _node_at(root, ("cluster", "main_cf"))
        problems.append(f"{_where(path, node)}: cluster.main_cf: no such file {main_cf}")
        raise InventoryError(problems)
    try:
        config = load(main_cf)
    except ConfigError as exc:
        node, _ = _node_at(root, ("cluster", "main_cf"))
        problems.append(f"{_where(path, node)}: cluster.main_cf: the cluster configuration is invalid:")
        problems.extend(f"  {d}" for d in exc.diagnostics)
        raise InventoryError(problems) from None

    # dangling names: every system of a node must be a system of the cluster, and vice versa
    declared = set(config.systems)
    placed: set[str] = set()
    for i, node_desc in enumerate(inv.nodes):
        for j, system in enumerate(node_desc.systems):
            placed.add(system)
            if system not in declared:
                loc = ("nodes", i, "control") if j == 0 else ("nodes", i, "alternates", j - 1)
                node, _ = _node_at(root, loc)
                problems.append(f"{_where(path, node)}: {'.'.join(map(str, loc))}: system '{system}' is not "
                                f"declared in {main_cf.name} (systems: {', '.join(sorted(declared))})")
    for system in sorted(declared - placed):
        node, _ = _node_at(root, ("nodes",))
        problems.append(f"{_where(path, node)}: nodes: system '{system}' of {main_cf.name} is on no node")
    if inv.sparc is not None:
        for system in inv.sparc.systems:
            if system not in declared:
                node, _ = _node_at(root, ("sparc", "systems", system))
                problems.append(f"{_where(path, node)}: sparc.systems.{system}: not a system of {main_cf.name}")
    if problems:
        raise InventoryError(problems)
    return Lab(inventory=inv, path=path.resolve(), main_cf=main_cf, config=config)
