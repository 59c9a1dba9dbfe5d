"""Lab descriptions (inventories): load, validate, and explain what is wrong.

An inventory is YAML (DESIGN.md): `lab`, `target`, `cluster.main_cf` (relative to the inventory),
`nodes` (physical nodes: `name`, `control` system, `alternates` systems), per-target connection
settings (`sim`, `kvm`, `sparc`), optional `timing` and optional `solaris` (10 or 11: the release
of the whole lab, default 11). The topology of systems, groups and
AlternateIO attributes comes from the main.cf; the inventory only says which systems share a
physical node and how to reach them.

Every problem is reported as `file:line:col: key: message`, all of them at once (the first
MAX_PROBLEMS), through `InventoryError` (the CLI exits 2 on it). Hostile input is refused the same
way, never with a traceback or a hang: only a regular UTF-8 file of at most MAX_INVENTORY_BYTES is
read; the YAML may not nest deeper than MAX_YAML_DEPTH, expand to more than MAX_YAML_NODES nodes or
repeat a key. Secrets are never accepted inline: a SPARC host names a
credential *reference* (an environment variable, the ssh agent, a key file).
"""

from __future__ import annotations

import os
import re
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StrictInt,
    ValidationError,
    field_validator,
    model_validator,
)

from emulators.vcs.config import ConfigError, load
from emulators.vcs.config.model import Config

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_INVENTORY = REPO_ROOT / "inventories" / "sim-2node.yaml"

# Limits on what an inventory may be: anything beyond them is refused with a message, never a hang,
# a traceback or a quadratic wait.
MAX_INVENTORY_BYTES = 1 << 20  # an inventory file (1 MiB)
MAX_MAIN_CF_BYTES = 16 << 20  # the main.cf it points to (16 MiB)
MAX_YAML_DEPTH = 100  # nesting of collections (the YAML composer recurses)
MAX_YAML_NODES = 100_000  # YAML nodes of a document, aliases expanded (no "billion laughs")
MAX_PROBLEMS = 50  # problems printed; the rest are counted
MAX_LAB_NAME = 64
LAB_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]*")
PATH_MAX, NAME_MAX = 4096, 255  # bytes of a path, of one of its components (Linux, Solaris ZFS)
MAX_TIMING = 2**31 - 1  # VCS integer attributes are 32-bit
MIN_TIME_SCALE, MAX_TIME_SCALE = 0.01, 10_000.0
SOLARIS_RELEASES = (10, 11)  # the `solaris:` key (emulators.ovm.model.SOLARIS_RELEASES)


def _fs_path(v: str) -> str:
    """A path the operating system can be asked about (it may still not exist)."""
    if not v:
        raise ValueError("an empty path")
    if "\0" in v:
        raise ValueError("a path must not contain a NUL byte")
    try:
        raw = os.fsencode(v)
    except UnicodeEncodeError:
        raise ValueError("a path that cannot be encoded for the file system") from None
    if len(raw) > PATH_MAX:
        raise ValueError(f"a path is at most {PATH_MAX} bytes (this one has {len(raw)})")
    for part in raw.split(b"/"):
        if len(part) > NAME_MAX:
            raise ValueError(f"a path component is at most {NAME_MAX} bytes (one has {len(part)})")
    return v


class _Strict(BaseModel):
    # allow_inf_nan: no float of an inventory is .inf or .nan
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


class Node(_Strict):
    name: str
    control: str
    alternates: list[str] = Field(default_factory=list)

    @property
    def systems(self) -> list[str]:
        return [self.control, *self.alternates]


class Cluster(_Strict):
    main_cf: str

    @field_validator("main_cf")
    @classmethod
    def _path(cls, v: str) -> str:
        return _fs_path(v)


class Timing(_Strict):
    """Overrides of the resource types' static timing attributes, and the daemon's time scale."""

    # strict integers (`true` is not 1), in VCS's ranges (an OfflineMonitorInterval of 0: offline
    # resources are not monitored)
    MonitorInterval: StrictInt | None = Field(default=None, ge=1, le=MAX_TIMING)
    OfflineMonitorInterval: StrictInt | None = Field(default=None, ge=0, le=MAX_TIMING)
    ToleranceLimit: StrictInt | None = Field(default=None, ge=0, le=MAX_TIMING)
    OnlineWaitLimit: StrictInt | None = Field(default=None, ge=0, le=MAX_TIMING)
    OnlineTimeout: StrictInt | None = Field(default=None, ge=1, le=MAX_TIMING)
    OfflineTimeout: StrictInt | None = Field(default=None, ge=1, le=MAX_TIMING)
    MonitorTimeout: StrictInt | None = Field(default=None, ge=1, le=MAX_TIMING)
    CleanTimeout: StrictInt | None = Field(default=None, ge=1, le=MAX_TIMING)
    # emulated seconds per wall second when a lab runs as a daemon on the real clock (finite: see
    # _Strict; a number, not `true`)
    time_scale: float = Field(default=10.0, strict=True, ge=MIN_TIME_SCALE, le=MAX_TIME_SCALE)

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
    boot_seconds: float = Field(default=4.0, strict=True, gt=0, le=600)


class _Reachable(_Strict):
    """A host reached over SSH. Credentials are references (a key file, the ssh agent, the name of an
    environment variable holding a password), never values."""

    host: str
    port: int = Field(default=22, ge=1, le=65535)
    user: str | None = None  # default: root on a real lab; the lab's own user on an emulated one
    password_env: str | None = None  # name of an environment variable holding the password
    key_file: str | None = None
    ssh_agent: bool = False

    @field_validator("key_file")
    @classmethod
    def _key_path(cls, v: str | None) -> str | None:
        return v if v is None else _fs_path(v)

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
    timeout: float = Field(default=600.0, strict=True, gt=0, le=86_400)


class FaultTemplate(_Strict):
    inject: list[FaultStep] = Field(min_length=1)
    heal: list[FaultStep] = Field(min_length=1)


class SparcSettings(_Strict):
    """A lab of real SPARC hosts (or an emulated stand-in for one), reached by commands only."""

    emulated: bool = False  # the hosts are an emulated lab that `altio-hil lab up` serves on 127.0.0.1
    destructive: bool = False  # the lab owner's consent to destructive faults (also needs --allow-destructive)
    known_hosts: str | None = None  # default: ~/.ssh/known_hosts (emulated: the lab's own)
    strict_host_keys: bool = True
    connect_timeout: float = Field(default=10.0, strict=True, gt=0, le=3600)
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
        return _fs_path(v)

    @field_validator("known_hosts")
    @classmethod
    def _known_hosts_path(cls, v: str | None) -> str | None:
        return v if v is None else _fs_path(v)


class Inventory(_Strict):
    lab: str
    target: Literal["sim", "kvm", "sparc"] = "sim"
    cluster: Cluster
    nodes: list[Node] = Field(min_length=1)
    timing: Timing = Field(default_factory=Timing)
    sim: SimSettings | None = None
    kvm: KvmSettings | None = None
    sparc: SparcSettings | None = None
    # the Solaris release of every domain of the lab (10 or 11): what the emulated commands print
    # (zpool, dladm, uname, the LDoms release of ldm); absent: 11 (emulators/lab.py LabSpec)
    solaris: StrictInt | None = None

    @field_validator("solaris")
    @classmethod
    def _solaris_release(cls, v: int | None) -> int | None:
        if v is not None and v not in SOLARIS_RELEASES:
            raise ValueError(f"the Solaris release of a lab is {' or '.join(map(str, SOLARIS_RELEASES))} "
                             f"(not {v})")
        return v

    @field_validator("lab")
    @classmethod
    def _lab_name(cls, v: str) -> str:
        # the name makes file names (lab directories, locks, ledgers) and report titles
        if not v:
            raise ValueError("the lab name must not be empty")
        if len(v) > MAX_LAB_NAME:
            raise ValueError(f"a lab name has at most {MAX_LAB_NAME} characters (this one has {len(v)})")
        if not LAB_NAME.fullmatch(v):
            raise ValueError(f"a lab name is letters, digits, '.', '_' and '-', starting with a letter "
                             f"or digit (not {_q(v)})")
        return v

    @field_validator("nodes")
    @classmethod
    def _unique_nodes(cls, nodes: list[Node]) -> list[Node]:
        seen: set[str] = set()
        for n in nodes:
            for name in (n.name, *n.systems):
                if name in seen:
                    raise ValueError(f"{_q(name)} is named twice among nodes and systems")
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
    """Bad inventory: carries every problem as `file:line:col: key: message`, one line each (the first
    MAX_PROBLEMS of them, then how many more)."""

    def __init__(self, problems: list[str]):
        problems = [_one_line(p) for p in problems]
        if len(problems) > MAX_PROBLEMS:
            problems = [*problems[:MAX_PROBLEMS], f"... and {len(problems) - MAX_PROBLEMS} more problems"]
        self.problems = problems
        super().__init__("\n".join(problems))


_UNPRINTABLE = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_MAX_LINE = 1000


def _one_line(text: str) -> str:
    text = _UNPRINTABLE.sub(lambda m: m.group().encode("unicode_escape").decode("ascii"), text)
    return text if len(text) <= _MAX_LINE else text[:_MAX_LINE] + " ..."


def _q(value: Any, limit: int = 64) -> str:
    """A value of the inventory quoted for a message: short, on one line."""
    text = str(value)
    if len(text) > limit:
        return f"'{_one_line(text[:limit - 4])}...' ({len(text)} characters)"
    return f"'{_one_line(text)}'"


class _Locator:
    """Where a pydantic error location lies in the YAML node tree (`file:line:col`).

    Each mapping is indexed once, on first use, so reporting n problems of a mapping of n keys takes
    linear time (a scan per problem made 40,000 unknown keys take half a minute)."""

    def __init__(self, path: Path, root: yaml.Node | None):
        self.path = path
        self.root = root
        self._index: dict[int, dict[str, tuple[yaml.Node, yaml.Node]]] = {}

    def _pairs(self, node: yaml.MappingNode) -> dict[str, tuple[yaml.Node, yaml.Node]]:
        index = self._index.get(id(node))
        if index is None:
            # the last of equal keys: keys merged in (`<<: *x`) come first, then those that override them
            index = {k.value: (k, v) for k, v in node.value if isinstance(k, yaml.ScalarNode)}
            self._index[id(node)] = index
        return index

    def find(self, loc: tuple[Any, ...], key: bool = False) -> tuple[yaml.Node | None, bool]:
        """The deepest node reached along `loc` (the last key itself when `key`, as for an unknown key;
        else its value), and whether the whole path was found (a missing key points at its parent)."""
        node = self.root
        for i, part in enumerate(loc):
            if isinstance(node, yaml.MappingNode):
                pair = self._pairs(node).get(str(part))
                if pair is None:
                    return node, False
                node = pair[0] if (key and i == len(loc) - 1) else pair[1]
            elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
                node = node.value[part]
            else:
                return node, False
        return node, True

    def at(self, *loc: Any, key: bool = False) -> str:
        return _where(self.path, self.find(loc, key)[0])


def _node_at(root: yaml.Node | None, loc: tuple[Any, ...], key: bool = False) -> tuple[yaml.Node | None, bool]:
    """Follow a pydantic error location through the YAML node tree (see `_Locator.find`)."""
    return _Locator(Path(), root).find(loc, key)


def _where(path: Path, node: yaml.Node | None) -> str:
    if node is None:
        return f"{path}:1:1"
    return f"{path}:{node.start_mark.line + 1}:{node.start_mark.column + 1}"


class _Refused(yaml.MarkedYAMLError):
    """A document the loader will not take (too deep, too big, a duplicate key, a bad scalar)."""

    def __init__(self, problem: str, mark: yaml.Mark | None):
        super().__init__(problem=problem, problem_mark=mark)


class _Loader(yaml.SafeLoader):
    """The safe loader, bounded: depth and size (aliases expanded) of the document, no duplicate keys,
    and a scalar that cannot be constructed (an integer over Python's 4,300 digits, a 13th month) is
    a marked error rather than a ValueError."""

    def __init__(self, text: str):
        super().__init__(text)
        self._depth = 0
        self._sizes: dict[int, int] = {}  # id(node) -> its number of nodes, aliases expanded
        self._nodes = 0  # nodes of the document so far, aliases expanded

    def compose_node(self, parent: yaml.Node | None, index: Any) -> yaml.Node:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent):
            node = self.anchors.get(event.anchor)
            if node is not None:
                if id(node) not in self._sizes:
                    raise _Refused(f"alias *{_one_line(str(event.anchor))} refers to a node that contains it",
                                   event.start_mark)
                self._count(self._sizes[id(node)], event.start_mark)
            return super().compose_node(parent, index)
        if self._depth >= MAX_YAML_DEPTH:
            raise _Refused(f"nested deeper than {MAX_YAML_DEPTH} levels", event.start_mark)
        self._count(1, event.start_mark)
        self._depth += 1
        try:
            node = super().compose_node(parent, index)
        finally:
            self._depth -= 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        self._sizes[id(node)] = 1 + sum(self._sizes.get(id(c), 1) for c in children)
        return node

    def _count(self, nodes: int, mark: yaml.Mark) -> None:
        """Count nodes as they come (a flat list is refused as soon as it is too long, not at its end)."""
        self._nodes += nodes
        if self._nodes > MAX_YAML_NODES:
            raise _Refused(f"more than {MAX_YAML_NODES} YAML nodes (aliases expanded)", mark)

    def construct_object(self, node: yaml.Node, deep: bool = False) -> Any:
        try:
            return super().construct_object(node, deep)
        except (ValueError, TypeError, OverflowError) as exc:
            raise _Refused(f"bad {node.tag.rsplit(':', 1)[-1]} value: {exc}", node.start_mark) from None

    def construct_mapping(self, node: yaml.Node, deep: bool = False) -> dict[Any, Any]:
        if isinstance(node, yaml.MappingNode):
            first: dict[Any, yaml.Node] = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    seen = first.setdefault(key, key_node)
                except TypeError:
                    continue  # unhashable: the base constructor says so
                if seen is not key_node:
                    raise _Refused(f"duplicate key {_q(key)} (first at line {seen.start_mark.line + 1})",
                                   key_node.start_mark)
        return super().construct_mapping(node, deep)

    def _construct_int(self, node: yaml.Node) -> int:
        try:
            return super().construct_yaml_int(node)
        except ValueError:
            digits = sum(c.isdigit() for c in str(node.value))
            raise _Refused(f"integer too large ({digits} digits)", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:int", _Loader._construct_int)


def _file_kind(mode: int) -> str:
    for test, kind in ((stat.S_ISDIR, "a directory"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISCHR, "a character device"),
                       (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket")):
        if test(mode):
            return kind
    return "a special file"


def _read_regular(path: Path, limit: int) -> bytes:
    """The bytes of a regular file of at most `limit` bytes; OSError/ValueError with the reason else.

    Opened without blocking (a FIFO must not hang the reader) and checked on the open descriptor."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise ValueError(f"not a regular file ({_file_kind(st.st_mode)})")
        if st.st_size > limit:
            raise ValueError(f"larger than {limit} bytes ({st.st_size} bytes)")
        f = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    with f:
        data = f.read(limit + 1)
    if len(data) > limit:
        raise ValueError(f"larger than {limit} bytes")
    return data


def _line_col(text: str | bytes, offset: int) -> tuple[int, int]:
    nl = "\n" if isinstance(text, str) else b"\n"
    start = text.rfind(nl, 0, offset) + 1  # type: ignore[arg-type]
    return text.count(nl, 0, offset) + 1, offset - start + 1  # type: ignore[arg-type]


def _parse_yaml(path: Path) -> tuple[yaml.Node | None, Any]:
    """Read and parse an inventory file: its YAML node tree and its data; InventoryError else."""
    try:  # the file as a whole: no line or column to point at
        raw = _read_regular(path, MAX_INVENTORY_BYTES)
    except FileNotFoundError:
        raise InventoryError([f"{path}: no such file"]) from None
    except OSError as exc:
        raise InventoryError([f"{path}: cannot read inventory: {exc.strerror or exc}"]) from None
    except ValueError as exc:  # also a path with a NUL byte
        raise InventoryError([f"{path}: cannot read inventory: {exc}"]) from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, _ = _line_col(raw, exc.start)
        col = len(raw[raw.rfind(b"\n", 0, exc.start) + 1:exc.start].decode("utf-8", "replace")) + 1
        raise InventoryError([f"{path}:{line}:{col}: not UTF-8 text: byte 0x{raw[exc.start]:02x} "
                              f"({exc.reason})"]) from None
    loader = None
    try:
        loader = _Loader(text)
        root = loader.get_single_node()
        data = loader.construct_document(root) if root is not None else None
    except _Refused as exc:
        mark = exc.problem_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InventoryError([f"{path}:{line}:{col}: {exc.problem}"]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line, col = (mark.line + 1, mark.column + 1) if mark else (1, 1)
        raise InventoryError([f"{path}:{line}:{col}: YAML syntax error: {exc.problem or exc.context}"]) from None
    except yaml.reader.ReaderError as exc:  # a character YAML does not allow (a control character)
        line, col = _line_col(text, exc.position)
        raise InventoryError([f"{path}:{line}:{col}: YAML syntax error: character U+{exc.character:04X} "
                              "is not allowed"]) from None
    except (yaml.YAMLError, ValueError, TypeError, OverflowError, RecursionError) as exc:
        raise InventoryError([f"{path}:1:1: YAML error: {type(exc).__name__}: {exc}"]) from None
    finally:
        if loader is not None:
            loader.dispose()
    return root, data


def load_inventory(path: str | Path) -> Lab:
    """Read, validate and resolve an inventory; raise InventoryError listing every problem."""
    path = Path(path)
    root, data = _parse_yaml(path)
    if not isinstance(data, dict):
        raise InventoryError([f"{path}:1:1: an inventory is a mapping with keys lab, target, cluster, nodes"])
    at = _Locator(path, root)

    try:
        inv = Inventory.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors(include_url=False):
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            node, _ = at.find(loc, key=err["type"] == "extra_forbidden")
            key = ".".join(_one_line(str(p)) if len(str(p)) <= 64 else _q(p) for p in loc) or "(top)"
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            elif err["type"] in ("int_type", "float_type") and isinstance(err.get("input"), bool):
                msg += f", not {str(err['input']).lower()}"  # YAML's true is not 1
            elif err["type"] in ("literal_error", "enum"):  # the value given, and the values there are
                given = err.get("input")
                allowed = re.findall(r"'([^']*)'", str((err.get("ctx") or {}).get("expected", "")))
                try:
                    shown = _q(given) if isinstance(given, str) else _one_line(str(given).lower()
                                                                               if isinstance(given, bool) else str(given))
                except ValueError:  # an integer too long for str() (Python's 4300-digit limit)
                    shown = "a number too long to print"
                msg = f"{shown} is not one of {', '.join(allowed)}" if allowed else f"{shown}: {msg}"
            problems.append(f"{_where(path, node)}: {key}: {msg}")
        raise InventoryError(problems) from None

    where_cf = at.at("cluster", "main_cf")
    main_cf = path.parent / inv.cluster.main_cf
    try:
        main_cf = main_cf.resolve()
        st = main_cf.stat()
    except FileNotFoundError:
        raise InventoryError([f"{where_cf}: cluster.main_cf: no such file {main_cf}"]) from None
    except (OSError, ValueError, RuntimeError) as exc:  # too long, a symlink loop, ...
        reason = getattr(exc, "strerror", None) or str(exc)
        raise InventoryError([f"{where_cf}: cluster.main_cf: cannot read {main_cf}: {reason}"]) from None
    if not stat.S_ISREG(st.st_mode):
        raise InventoryError([f"{where_cf}: cluster.main_cf: {main_cf} is not a regular file "
                              f"({_file_kind(st.st_mode)})"])
    if st.st_size > MAX_MAIN_CF_BYTES:
        raise InventoryError([f"{where_cf}: cluster.main_cf: {main_cf} is larger than {MAX_MAIN_CF_BYTES} "
                              f"bytes ({st.st_size} bytes)"])
    try:
        config = load(main_cf)
    except ConfigError as exc:
        problems = [f"{where_cf}: cluster.main_cf: the cluster configuration is invalid:"]
        problems.extend(f"  {d}" for d in exc.diagnostics)
        raise InventoryError(problems) from None
    except (OSError, UnicodeError, RecursionError) as exc:
        reason = getattr(exc, "strerror", None) or f"{type(exc).__name__}: {exc}"
        raise InventoryError([f"{where_cf}: cluster.main_cf: cannot read {main_cf}: {reason}"]) from None

    # dangling names: every system of a node must be a system of the cluster, and vice versa
    problems = []
    declared = set(config.systems)
    placed: set[str] = set()
    for i, node_desc in enumerate(inv.nodes):
        for j, system in enumerate(node_desc.systems):
            placed.add(system)
            if system not in declared:
                loc = ("nodes", i, "control") if j == 0 else ("nodes", i, "alternates", j - 1)
                problems.append(f"{at.at(*loc)}: {'.'.join(map(str, loc))}: system {_q(system)} is not "
                                f"declared in {main_cf.name} (systems: {', '.join(sorted(declared))})")
    for system in sorted(declared - placed):
        problems.append(f"{at.at('nodes')}: nodes: system '{system}' of {main_cf.name} is on no node")
    from harness.oracle import topology_problems  # what the harness reads of main.cf beyond VCS's rules

    problems += topology_problems(config, str(main_cf))
    if inv.sparc is not None:
        problems += _sparc_problems(at, inv, declared, main_cf.name)
    elif inv.target == "sparc":
        problems.append(f"{at.at('target')}: sparc: a lab of target sparc needs a `sparc:` section "
                        "(how to reach its systems and service processors)")
    if problems:
        raise InventoryError(problems)
    return Lab(inventory=inv, path=path.resolve(), main_cf=main_cf, config=config)


def _sparc_problems(locator: _Locator, inv: Inventory, declared: set[str], main_cf_name: str) -> list[str]:
    """Dangling names of a `sparc:` section: systems, ILOMs, guests, fault templates and placeholders."""
    from harness.faults import CATALOGUE, PLACEHOLDERS

    sparc = inv.sparc
    assert sparc is not None
    problems = []

    def at(*loc: Any) -> str:
        return locator.at("sparc", *loc, key=True)

    for system in sparc.systems:
        if system not in declared:
            problems.append(f"{at('systems', system)}: sparc.systems.{_q(system)}: not a system of {main_cf_name}")
    if inv.target == "sparc":
        for system in sorted(declared - set(sparc.systems)):
            problems.append(f"{at('systems')}: sparc.systems: no entry for system '{system}' "
                            "(how does the harness reach it?)")
    node_names = {n.name for n in inv.nodes}
    for node in sparc.ilom:
        if node not in node_names:
            problems.append(f"{at('ilom', node)}: sparc.ilom.{_q(node)}: not a node of this inventory "
                            f"(nodes: {', '.join(sorted(node_names))})")
    for kind, template in sparc.faults.items():
        if kind not in CATALOGUE:
            problems.append(f"{at('faults', kind)}: sparc.faults.{_q(kind)}: unknown fault kind "
                            f"(kinds: {', '.join(CATALOGUE)})")
            continue
        for phase in ("inject", "heal"):
            for i, step in enumerate(getattr(template, phase)):
                for name in _placeholders(step.run):
                    if name not in PLACEHOLDERS:
                        problems.append(f"{at('faults', kind, phase, i)}: sparc.faults.{kind}.{phase}.{i}.run: "
                                        f"unknown placeholder {{{_one_line(name[:64])}}} (known: "
                                        + ", ".join("{" + p + "}" for p in PLACEHOLDERS) + ")")
    return problems


def _placeholders(text: str) -> list[str]:
    import string

    try:
        return [name for _, name, _, _ in string.Formatter().parse(text) if name is not None]
    except ValueError:
        return ["(unbalanced braces)"]
