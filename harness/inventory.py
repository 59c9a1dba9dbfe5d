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
    # engine: the harness reads the in-process lab directly; commands: only through the commands a
    # real lab answers (hastatus, hares, ldm, ...) and the parsers, as the sparc target does
    via: Literal["engine", "commands"] = "engine"


class KvmSettings(_Strict):
    """A kvm lab (emulators.kvm): `uri` auto is qemu:///system as root, qemu:///session otherwise;
    `accel` auto keeps KVM only where a VM boots under it (else TCG); `boot_seconds` is how long an
    I/O domain takes to rejoin the cluster after it starts."""

    uri: str = "auto"
    accel: Literal["auto", "kvm", "tcg"] = "auto"
    boot_seconds: float = Field(default=4.0, gt=0, le=600)


class _Reachable(_Strict):
    """A host reached over SSH. Credentials are references (a key file, the ssh agent, the name of an
    environment variable holding a password), never values."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    user: str | None = None  # default: root on a real lab; the lab's own user on an emulated one
    password_env: str | None = None  # name of an environment variable holding the password
    key_file: str | None = None
    ssh_agent: bool = False

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


class SparcHost(_Reachable):
    """How to reach one system (a control, alternate or guest domain). On an emulated lab
    (`sparc.emulated: true`) user, key and known_hosts default to those `altio-hil lab up` made."""

    domain: str | None = None  # its ldm domain name (default: "primary" for a control, else the system's name)


class SparcIlom(_Reachable):
    """The ILOM service processor of a physical node (`-> ` prompt over SSH): power and host console."""


class FaultStep(_Strict):
    """One command of a fault template: where it is typed and what.

    `on` names where: `system` (the fault's system), `control` (the control domain of the fault's
    node), `ilom` (the node's service processor), `console` (the host console of the fault's node,
    entered through its ILOM: `run` is typed there, then `expect` is awaited). `run` is a command
    line with placeholders {system} {object} {node} {control} {domain} {disks}.
    """

    on: Literal["system", "control", "ilom", "console"] = "system"
    run: str
    expect: str | None = None  # console steps: a regular expression to wait for after `run` is sent
    timeout: float = Field(default=600.0, gt=0)


class FaultTemplate(_Strict):
    inject: list[FaultStep] = Field(min_length=1)
    heal: list[FaultStep] = Field(min_length=1)


class SparcSettings(_Strict):
    """A lab of real SPARC hosts (or an emulated stand-in for one), reached by commands only."""

    emulated: bool = False  # the hosts are an emulated lab that `altio-hil lab up` serves on 127.0.0.1
    destructive: bool = False  # the lab owner's consent to destructive faults (also needs --allow-destructive)
    known_hosts: str | None = None  # default: ~/.ssh/known_hosts (emulated: the lab's own)
    strict_host_keys: bool = True
    connect_timeout: float = Field(default=10.0, gt=0)
    console_password_env: str | None = None  # password of console logins (vntsd, host console)
    state_dir: str = "/var/tmp/altio-hil"  # where the lab keeps its lock and fault ledger (control domains)
    agent_dir: str = "/opt/VRTSvcs/bin/AlternateIO"
    engine_log: str = "/var/VRTSvcs/log/engine_A.log"
    systems: dict[str, SparcHost] = Field(default_factory=dict)
    ilom: dict[str, SparcIlom] = Field(default_factory=dict)  # physical node name -> its service processor
    guests: dict[str, SparcHost] = Field(default_factory=dict)  # guest domain -> how to log in (I/O probe)
    faults: dict[str, FaultTemplate] = Field(default_factory=dict)  # overrides of the default templates

    @field_validator("state_dir", "agent_dir", "engine_log")
    @classmethod
    def _plain_path(cls, v: str) -> str:
        if not v or any(c.isspace() or c in "'\"$`;|&<>*?" for c in v):
            raise ValueError("a path without spaces or shell characters (a leading ~/ is allowed)")
        return v


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
        problems += _sparc_problems(path, root, inv, declared, main_cf.name)
    elif inv.target == "sparc":
        node, _ = _node_at(root, ("target",))
        problems.append(f"{_where(path, node)}: sparc: a lab of target sparc needs a `sparc:` section "
                        "(how to reach its systems and service processors)")
    if problems:
        raise InventoryError(problems)
    return Lab(inventory=inv, path=path.resolve(), main_cf=main_cf, config=config)


def _sparc_problems(path: Path, root: yaml.Node | None, inv: Inventory, declared: set[str],
                    main_cf_name: str) -> list[str]:
    """Dangling names of a `sparc:` section: systems, ILOMs, guests, fault templates and placeholders."""
    from harness.faults import CATALOGUE, PLACEHOLDERS

    sparc = inv.sparc
    assert sparc is not None
    problems = []

    def at(*loc: Any) -> str:
        node, _ = _node_at(root, ("sparc", *loc), key=True)
        return _where(path, node)

    for system in sparc.systems:
        if system not in declared:
            problems.append(f"{at('systems', system)}: sparc.systems.{system}: not a system of {main_cf_name}")
    if inv.target == "sparc":
        for system in sorted(declared - set(sparc.systems)):
            problems.append(f"{at('systems')}: sparc.systems: no entry for system '{system}' "
                            "(how does the harness reach it?)")
    node_names = {n.name for n in inv.nodes}
    for node in sparc.ilom:
        if node not in node_names:
            problems.append(f"{at('ilom', node)}: sparc.ilom.{node}: not a node of this inventory "
                            f"(nodes: {', '.join(sorted(node_names))})")
    for kind, template in sparc.faults.items():
        if kind not in CATALOGUE:
            problems.append(f"{at('faults', kind)}: sparc.faults.{kind}: unknown fault kind "
                            f"(kinds: {', '.join(CATALOGUE)})")
            continue
        for phase in ("inject", "heal"):
            for i, step in enumerate(getattr(template, phase)):
                for name in _placeholders(step.run):
                    if name not in PLACEHOLDERS:
                        problems.append(f"{at('faults', kind, phase, i)}: sparc.faults.{kind}.{phase}.{i}.run: "
                                        f"unknown placeholder {{{name}}} (known: "
                                        + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ")")
    return problems


def _placeholders(text: str) -> list[str]:
    import string

    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["(unbalanced braces)"]
