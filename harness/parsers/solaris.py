"""Solaris outputs the harness reads in the I/O domains: ``zpool status``, ``zpool list -H -o
name,health``, ``dladm show-phys``, ``dladm show-link``, of Solaris 10 and 11 (``scrub:`` or
``scan:``, the SUSPENDED pool state of Solaris 11, Solaris 10's ``dladm show-dev``/``show-link``)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from harness.parsers import ParseError, content_lines, is_prompt_line, split_row


@dataclass(frozen=True)
class Vdev:
    """A line of a pool's config: ``depth`` 0 for the pool itself, 1 for its top-level vdevs, ...
    Error counts are None where zpool prints none (spares, ``logs``/``cache`` titles)."""

    name: str
    state: str
    read: int | None
    write: int | None
    cksum: int | None
    note: str
    depth: int


@dataclass
class ZpoolStatus:
    name: str
    state: str
    vdevs: list[Vdev] = field(default_factory=list)
    status: str = ""
    action: str = ""
    see: str = ""
    scan: str = ""  # the ``scan:`` line (``scrub:`` on older releases)
    errors: str = ""
    error_files: list[str] = field(default_factory=list)


_KEY = re.compile(r"^\s*(pool|state|status|action|see|scan|scrub|config|errors):(?:\s(.*))?$")
_COUNT = re.compile(r"^(\d+(?:\.\d+)?)([KMGT]?)$")
_SCALE = {"": 1, "K": 10**3, "M": 10**6, "G": 10**9, "T": 10**12}


def _count(value: str, lineno: int, line: str) -> int:
    match = _COUNT.match(value)
    if not match:
        raise ParseError(f"error count {value!r} is not a number", lineno, line)
    return int(float(match.group(1)) * _SCALE[match.group(2)])


def _indent(line: str) -> int:
    return len(line.expandtabs(8)) - len(line.expandtabs(8).lstrip())


def parse_zpool_status(text: str) -> list[ZpoolStatus]:
    """Pools of ``zpool status [-v] [pool...]``, in the order printed.

    Tolerates the quirks of real captures: a vdev line indented one column off (the pool's depth
    is computed from the first config line, and depth steps are two columns), trailing spaces,
    multi-line ``status:``/``action:`` texts, the ``errors:`` trailer with a file list after it.
    """
    pools: list[ZpoolStatus] = []
    pool: ZpoolStatus | None = None
    key: str | None = None  # the key whose text continues on indented lines
    config_header: str | None = None
    config_base: int | None = None
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if is_prompt_line(stripped):
            key, config_header = None, None
            continue
        if not stripped:
            if key == "config" and config_header is not None:
                key = None  # blank line ends the config table
            continue
        if stripped == "no pools available":
            continue
        match = _KEY.match(line)
        if match and not (key == "config" and config_header is not None):
            name, value = match.group(1), (match.group(2) or "").strip()
            if name == "pool":
                pool = ZpoolStatus(name=value, state="")
                pools.append(pool)
            elif pool is None:
                raise ParseError(f"{name}: before any pool:", lineno, line)
            elif name == "state":
                pool.state = value
            elif name in ("scan", "scrub"):
                pool.scan = value
            elif name == "config":
                config_header, config_base = None, None
            else:
                setattr(pool, name, value)
            key = name
            continue
        if pool is None:
            raise ParseError("not part of `zpool status` output", lineno, line)
        if key == "config":
            if config_header is None:
                if stripped.split()[:2] != ["NAME", "STATE"]:
                    raise ParseError("expected the config header NAME STATE READ WRITE CKSUM", lineno, line)
                config_header = line
                continue
            pool.vdevs.append(_vdev(line, lineno, config_header, config_base))
            if config_base is None:
                config_base = _indent(line)
            continue
        if key == "errors":
            pool.error_files.append(stripped)
            continue
        if key in ("status", "action", "see", "scan", "scrub") and line[:1].isspace():
            attribute = "scan" if key == "scrub" else key
            setattr(pool, attribute, f"{getattr(pool, attribute)} {stripped}".strip())
            continue
        raise ParseError("not part of `zpool status` output", lineno, line)
    for pool in pools:
        if not pool.state:
            raise ParseError(f"pool {pool.name!r} has no `state:` line")
    return pools


def _vdev(line: str, lineno: int, header: str, base: int | None) -> Vdev:
    fields = line.split()
    depth = 0 if base is None else max(0, -(-(_indent(line) - base) // 2))  # ceil: 1 column off still nests
    if len(fields) == 1:  # "logs", "cache", "spares" titles
        return Vdev(fields[0], "", None, None, None, "", depth)
    if len(fields) < 5 or not _COUNT.match(fields[2]):
        return Vdev(fields[0], fields[1], None, None, None, " ".join(fields[2:]), depth)
    return Vdev(fields[0], fields[1], _count(fields[2], lineno, line), _count(fields[3], lineno, line),
                _count(fields[4], lineno, line), " ".join(fields[5:]), depth)


@dataclass(frozen=True)
class ZpoolHealth:
    name: str
    health: str


_HEALTH = {"ONLINE", "DEGRADED", "FAULTED", "OFFLINE", "REMOVED", "UNAVAIL", "SUSPENDED"}


def parse_zpool_list_h(text: str) -> list[ZpoolHealth]:
    """``zpool list -H -o name,health``: one ``name<TAB>health`` line per pool."""
    pools: list[ZpoolHealth] = []
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped) or stripped == "no pools available":
            continue
        fields = stripped.split("\t") if "\t" in stripped else stripped.split()
        fields = [f.strip() for f in fields]
        if len(fields) != 2 or fields[1] not in _HEALTH:
            raise ParseError("expected `name<TAB>health`", lineno, line)
        pools.append(ZpoolHealth(*fields))
    return pools


@dataclass(frozen=True)
class DladmPhys:
    link: str
    media: str
    state: str
    speed: int | None  # Mb/s; None when not a number
    duplex: str
    device: str


@dataclass(frozen=True)
class DladmLink:
    link: str
    link_class: str  # CLASS: phys, aggr, vnic, etherstub, ...
    mtu: int | None
    state: str
    over: list[str]  # the links under it ("--" -> [])


_LINK_STATES = {"up", "down", "unknown"}


def _table(text: str, columns: list[str], command: str) -> list[tuple[int, str, list[str]]]:
    rows: list[tuple[int, str, list[str]]] = []
    header: str | None = None
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped):
            continue
        if stripped.split() == columns:
            header = line
            continue
        if header is None:
            raise ParseError(f"expected the `{command}` header {' '.join(columns)}", lineno, line)
        cells = split_row(header, line)
        if not cells[-1] and len(stripped.split()) < len(columns) - 1:
            raise ParseError(f"row of `{command}` has missing columns", lineno, line)
        rows.append((lineno, line, cells))
    return rows


def _int_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() else None


# Solaris 10's dladm (dladm(1M), Solaris 10 1/13) has neither show-phys nor the LINK/CLASS table:
# ``dladm show-dev`` prints ``DEV<TAB>link: up<TAB>speed: 1000  Mbps<TAB>duplex: full`` (``DEV
# link=up speed=1000 duplex=full`` with -p) and ``dladm show-link`` prints ``LINK<TAB>type: non-vlan
# <TAB>mtu: 1500<TAB>device: DEV`` (``LINK type=non-vlan mtu=1500 device=DEV`` with -p). Each line
# is read as the Solaris 11 row it stands for.
_S10_DEV = re.compile(r"^(\S+)\s+link[:=]\s*(\S+)\s+speed[:=]\s*(\d+)(?:\s+Mbps)?\s+duplex[:=]\s*(\S+)$")
_S10_LINK = re.compile(r"^(\S+)\s+type[:=]\s*(non-vlan|vlan\s+\d+|legacy)\s+mtu[:=]\s*(\d+)\s+device[:=]\s*(\S+)$")


def _solaris10_rows(text: str, pattern: re.Pattern[str]) -> list[tuple[int, str, re.Match[str]]] | None:
    """The matches of a Solaris 10 dladm output, or None when the text is a Solaris 11 table."""
    rows = []
    for lineno, line in content_lines(text):
        stripped = line.strip()
        if not stripped or is_prompt_line(stripped):
            continue
        match = pattern.match(stripped)
        if match is None:
            return None if not rows else _raise_s10(lineno, line)
        rows.append((lineno, line, match))
    return rows or None


def _raise_s10(lineno: int, line: str) -> None:
    raise ParseError("not a line of Solaris 10 `dladm show-dev`/`dladm show-link`", lineno, line)


def parse_dladm_show_phys(text: str) -> list[DladmPhys]:
    """``dladm show-phys`` (Solaris 11): LINK MEDIA STATE SPEED DUPLEX DEVICE; Solaris 10's
    ``dladm show-dev`` (its only view of the physical links) gives the same records, each link
    named after its device and MEDIA empty (show-dev does not print it)."""
    s10 = _solaris10_rows(text, _S10_DEV)
    if s10 is not None:
        links = []
        for lineno, line, m in s10:
            dev, state, speed, duplex = m.groups()
            if state not in _LINK_STATES:
                raise ParseError(f"unknown link state {state!r}", lineno, line)
            links.append(DladmPhys(dev, "", state, int(speed), duplex, dev))
        return links
    links = []
    for lineno, line, cells in _table(text, ["LINK", "MEDIA", "STATE", "SPEED", "DUPLEX", "DEVICE"],
                                      "dladm show-phys"):
        link, media, state, speed, duplex, device = cells
        if state not in _LINK_STATES or not device:
            raise ParseError("not a row of `dladm show-phys`", lineno, line)
        links.append(DladmPhys(link, media, state, _int_or_none(speed), duplex, device))
    return links


parse_dladm_show_dev = parse_dladm_show_phys  # Solaris 10's name for the same view


def parse_dladm_show_link(text: str) -> list[DladmLink]:
    """``dladm show-link`` (Solaris 11): LINK CLASS MTU STATE OVER (OVER may name several links).
    Solaris 10's ``dladm show-link`` (``type: non-vlan`` / ``vlan N`` / ``legacy``, ``mtu:``,
    ``device:``) has no link state: its records say ``unknown`` (the state is in ``dladm
    show-dev``); CLASS is ``phys`` (``vlan`` for a VLAN), OVER the device a VLAN is over."""
    s10 = _solaris10_rows(text, _S10_LINK)
    if s10 is not None:
        out = []
        for _lineno, _line, m in s10:
            link, kind, mtu, device = m.groups()
            vlan = kind.startswith("vlan")
            out.append(DladmLink(link, "vlan" if vlan else "phys", int(mtu), "unknown", [device] if vlan else []))
        return out
    links = []
    for lineno, line, cells in _table(text, ["LINK", "CLASS", "MTU", "STATE", "OVER"], "dladm show-link"):
        link, link_class, mtu, state, over = cells
        if state not in _LINK_STATES or not mtu.isdigit():
            raise ParseError("not a row of `dladm show-link`", lineno, line)
        links.append(DladmLink(link, link_class, int(mtu), state,
                               [] if over in ("", "--") else over.split()))
    return links


_IMPORT_POOL = re.compile(r"^\s*pool:\s*(\S+)\s*$")
_GROUPING_VDEV = re.compile(r"^(mirror|raidz\d?|spares?|logs?|cache)(-\d+)?$")


def parse_zpool_import(text: str) -> dict[str, list[str]]:
    """``zpool import`` (no argument): the importable (exported) pools and their leaf devices, from
    each pool's ``config:`` list (``mirror-0``/``raidz`` lines group devices, they are not disks)."""
    pools: dict[str, list[str]] = {}
    current: str | None = None
    in_config = False
    for _lineno, line in content_lines(text):
        stripped = line.strip()
        m = _IMPORT_POOL.match(line)
        if m:
            current, in_config = m.group(1), False
            pools[current] = []
        elif stripped == "config:":
            in_config = True
        elif in_config and current and stripped and line[:1] in (" ", "\t"):
            name = stripped.split()[0]
            if name != current and not _GROUPING_VDEV.match(name):
                pools[current].append(name)
        elif stripped and not line[:1].isspace():
            in_config = False
    return pools


_FORMAT_DISK = re.compile(r"^\s+\d+\.\s+(c\d+(?:t\w+)?d\d+)\s")


def parse_format_disks(text: str) -> list[str]:
    """The disks ``format </dev/null`` lists under AVAILABLE DISK SELECTIONS (``0. c0t1d0 <...>``),
    in its order; its other lines (device paths, the prompt) are skipped."""
    if "AVAILABLE DISK SELECTIONS" not in text:
        raise ParseError("not the disk selection menu of `format`", 1, text.splitlines()[0] if text else "")
    return [m.group(1) for m in map(_FORMAT_DISK.match, text.splitlines()) if m]
