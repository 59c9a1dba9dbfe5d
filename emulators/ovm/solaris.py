"""`zpool` and `dladm` of a Solaris domain, in process: argv -> (exit code, stdout, stderr).

In a service domain `zpool` shows the domain's pools; in a guest domain, its root pool over its
virtual disks (see "a guest's root pool" below).

Layouts follow reference/captures/ (zpool-status.*, dladm-show-phys, dladm-show-link) and the
lab's Solaris release (`Platform.solaris`; what each release prints: emulators/ovm/ldm.py
`Release`). The zpool status texts (status/action/see lines): see `_PROBLEM_TEXT`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from emulators.ovm.ldm import Release, Result, release_of, shell_gate
from emulators.ovm.model import (
    HEALTHY_POOL,
    Domain,
    Node,
    Platform,
    PlatformError,
    Vdisk,
    Zpool,
    leaf_state,
    pool_health,
    stable_hex,
    storage_ok,
    vdev_state,
    vdisk_mpgroup,
    vdisk_path_ok,
    vnet_ok,
)

_ZPOOL_USAGE = """usage: zpool command args ...
where 'command' is one of the following:

\tstatus [-vx] [pool] ...
\tlist [-H] [-o property[,...]] [pool] ...
\toffline [-t] <pool> <device> ...
\tonline <pool> <device> ...
\tclear <pool> [device]
\timport [-f] <pool>
\texport [-f] <pool> ...
"""

def _login(platform: Platform, system: str, command: str) -> tuple[Domain | None, Result | None]:
    """The domain the command runs in, or the shell's refusal (unknown system, down, no such command)."""
    gate = shell_gate(platform, system, command)
    if isinstance(gate[0], Node):
        return gate[1], None  # type: ignore[misc]
    return None, gate  # type: ignore[return-value]


# ------------------------------------------------------------------------------------------ zpool


def run_zpool(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    dom, refusal = _login(platform, system, "zpool")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    args = list(argv)
    if not args:
        return 2, "", "missing command\n" + _ZPOOL_USAGE
    cmd, rest = args[0], args[1:]
    try:
        if dom.role == "guest":
            return _guest_zpool(dom, cmd, rest)
        if cmd == "status":
            return _zpool_status(dom, rest)
        if cmd == "list":
            return _zpool_list(dom, rest)
        if cmd in ("offline", "online"):
            return _zpool_device(dom, cmd, rest)
        if cmd == "clear":
            return _zpool_clear(dom, rest)
        if cmd == "import":
            return _zpool_import(dom, rest)
        if cmd == "export":
            return _zpool_export(dom, rest)
    except _Bad as exc:
        return 2, "", f"{exc}\n" + _ZPOOL_USAGE
    return 2, "", f"unrecognized command '{cmd}'\n" + _ZPOOL_USAGE


class _Bad(Exception):
    pass


def _options(args: Sequence[str], allowed: str, with_value: str = "") -> tuple[dict[str, str], list[str]]:
    opts: dict[str, str] = {}
    operands: list[str] = []
    it = iter(args)
    for a in it:
        if a.startswith("-") and len(a) > 1 and not operands:
            for i, ch in enumerate(a[1:]):
                if ch in with_value:
                    value = a[i + 2:] or next(it, None)
                    if value is None:
                        raise _Bad(f"missing argument for '{ch}' option")
                    opts[ch] = value
                    break
                if ch not in allowed:
                    raise _Bad(f"invalid option '{ch}'")
                opts[ch] = ""
        else:
            operands.append(a)
    return opts, operands


def _imported(dom: Domain) -> list[Zpool]:
    return [p for p in dom.pools.values() if p.imported]


# What `zpool status` says of a pool in trouble, by release (emulators/ovm/ldm.py `Release`):
# - "missing": a device cannot be opened, replicas left (DEGRADED). Solaris 10: ZFS-8000-2Q (Oracle
#   Solaris ZFS Administration Guide, "Reviewing zpool status Output"); Solaris 11.2 and later: the
#   persistent-errors text without a see: line ("Managing ZFS File Systems in Oracle Solaris 11.2"
#   "Resolving a Missing or Removed Device"; Oracle Solaris 11.4 "Reviewing ZFS Storage Pool Status
#   Information": the UNAVAIL device carries no note there).
# - "offline": a device taken offline by the administrator (the same text in both releases).
# - "io": the pool lost devices while imported and its I/O failed: Solaris 10 prints state UNAVAIL
#   and ZFS-8000-HC (reference/captures/zpool-status.unavail.1.txt); Solaris 11 suspends the pool
#   (state SUSPENDED, "Determining the Health Status of ZFS Storage Pools", Solaris 11.2) with the
#   same status/action lines and its own message URL (the Solaris 11 wording of these two lines is
#   not in the guides: the Solaris 10 one is kept).
_PROBLEM_TEXT = {
    (10, "missing"): ["status: One or more devices could not be opened.  Sufficient replicas exist for",
                      "        the pool to continue functioning in a degraded state.",
                      "action: Attach the missing device and online it using 'zpool online'.",
                      "   see: {url}ZFS-8000-2Q"],
    (11, "missing"): ["status: One or more devices are unavailable in response to persistent errors.",
                      "        Sufficient replicas exist for the pool to continue functioning in a",
                      "        degraded state.",
                      "action: Determine if the device needs to be replaced, and clear the errors",
                      "        using 'zpool clear' or 'fmadm repaired', or replace the device",
                      "        with 'zpool replace'."],
    (10, "offline"): ["status: One or more devices has been taken offline by the administrator.",
                      "        Sufficient replicas exist for the pool to continue functioning in a",
                      "        degraded state.",
                      "action: Online the device using 'zpool online' or replace the device with",
                      "        'zpool replace'."],
    (10, "io"): ["status: One or more devices are faulted in response to IO failures.",
                 "action: Make sure the affected devices are connected, then run 'zpool clear'.",
                 "   see: {url}ZFS-8000-HC"],
}
_PROBLEM_TEXT[(11, "offline")] = _PROBLEM_TEXT[(10, "offline")]
_PROBLEM_TEXT[(11, "io")] = _PROBLEM_TEXT[(10, "io")]
_DETAILS_HINT = "        Run 'zpool status -v' to see device specific details."


@dataclass
class _PoolView:
    """What zpool shows of a pool: its rows (depth, name, state), the model's health (ONLINE,
    DEGRADED, UNAVAIL) and its space."""

    name: str
    health: str
    rows: list[tuple[int, str, str]]
    space: dict[str, str]

    @property
    def io_failed(self) -> bool:
        # an imported pool is UNAVAIL only when devices failed under it: `zpool offline` refuses
        # to take the last replica (no valid replicas), so its I/O failed
        return self.health == "UNAVAIL"


def _service_view(dom: Domain, pool: Zpool) -> _PoolView:
    rows = [(0, pool.name, pool_health(dom, pool))]
    for top in pool.vdevs:
        rows.append((2, top.label, vdev_state(dom, pool, top)))
        if top.kind != "disk":
            rows += [(4, d, leaf_state(dom, pool, d)) for d in top.disks]
    return _PoolView(pool.name, pool_health(dom, pool), rows,
                     {"size": pool.size, "alloc": pool.alloc, "free": pool.free, "cap": pool.cap})


def pool_state(release: Release, view: _PoolView) -> str:
    """The pool's state as `zpool status` (state:) and `zpool list` (HEALTH) print it."""
    if view.io_failed and release.suspends:
        return "SUSPENDED"
    return view.health


def _problem(view: _PoolView) -> str | None:
    leaves = [st for depth, _, st in view.rows if depth > 0]
    if view.io_failed:
        return "io"
    if "UNAVAIL" in leaves:
        return "missing"
    if "OFFLINE" in leaves:
        return "offline"
    return None


def _status_lines(release: Release, view: _PoolView, verbose: bool) -> list[str]:
    out = [f"  pool: {view.name}", f" state: {pool_state(release, view)}"]
    problem = _problem(view)
    if problem is not None:
        out += [line.format(url=release.msg_url) for line in _PROBLEM_TEXT[(release.solaris, problem)]]
        if release.solaris == 11 and problem == "missing" and not verbose:
            out.append(_DETAILS_HINT)
    out += [f"{release.scan_key} none requested", "config:", ""]
    rows: list[tuple[int, str, str, str]] = []
    for i, (depth, name, st) in enumerate(view.rows):
        leaf = depth > 0 and (i + 1 == len(view.rows) or view.rows[i + 1][0] <= depth)
        note = ""
        if st == "UNAVAIL":
            if not leaf:
                note = "insufficient replicas"
            elif release.solaris == 10:
                note = "cannot open"
        rows.append((depth, name, st, note))
    return out + _config_table(rows)


def _import_rows(dom: Domain, pool: Zpool) -> list[tuple[int, str, str]]:
    """(depth, name, state) of an exported pool's config as `zpool import` lists it."""
    return _service_view(dom, pool).rows


def _config_table(rows: Sequence[tuple[int, str, str, str]]) -> list[str]:
    """The config: table of `zpool status` from (depth, name, state, note) rows, and the errors line."""
    width = max(10, *(depth + len(name) for depth, name, _, _ in rows))
    out = [f"\t{'NAME':<{width}}  {'STATE':<8} {'READ':>5} {'WRITE':>5} {'CKSUM':>5}"]
    for depth, name, st, note in rows:
        line = f"\t{'':<{depth}}{name:<{width - depth}}  {st:<8} {'0':>5} {'0':>5} {'0':>5}"
        out.append(f"{line}  {note}" if note else line)
    return out + ["", "errors: No known data errors"]


def _status_text(release: Release, views: Sequence[_PoolView], verbose: bool) -> str:
    blocks = ["\n".join(_status_lines(release, v, verbose)).expandtabs(8) for v in views]
    return "\n\n".join(blocks) + "\n"


def zpool_status_text(dom: Domain, pools: Sequence[Zpool], verbose: bool = False) -> str:
    return _status_text(release_of(dom.platform), [_service_view(dom, p) for p in pools], verbose)


def _named_pools(dom: Domain, names: Sequence[str]) -> tuple[list[Zpool], str]:
    """The imported pools named on the command line, and zpool's complaint about the others."""
    missing = [n for n in names if n not in dom.pools or not dom.pools[n].imported]
    return [dom.pools[n] for n in names if n not in missing], "".join(
        f"cannot open '{n}': no such pool\n" for n in missing)


def _status_of(release: Release, views: Sequence[_PoolView], opts: dict[str, str], named: bool) -> Result:
    """`zpool status [-x] [-v]` of the pools it names (or all of them)."""
    if not views:
        return 0, "no pools available\n", ""
    if "x" in opts:
        sick = [v for v in views if v.health != "ONLINE"]
        if not sick:
            if named:
                return 0, "".join(f"pool '{v.name}' is healthy\n" for v in views), ""
            return 0, "all pools are healthy\n", ""
        views = sick
    return 0, _status_text(release, views, "v" in opts), ""


def _asked_pools(dom: Domain, names: Sequence[str]) -> tuple[list[Zpool], str]:
    """The pools a command names (every imported one when it names none), and what it names that is
    not there (the error text, "" when nothing)."""
    return _named_pools(dom, names) if names else (_imported(dom), "")


def _zpool_status(dom: Domain, args: Sequence[str]) -> Result:
    opts, names = _options(args, "vxD")
    pools, missing = _asked_pools(dom, names)
    if missing:
        return 1, "", missing
    return _status_of(release_of(dom.platform), [_service_view(dom, p) for p in pools], opts, bool(names))


# `zpool list` columns: Solaris 10 NAME SIZE ALLOC FREE CAP HEALTH ALTROOT (Oracle Solaris ZFS
# Administration Guide, "Displaying Information About All Storage Pools or a Specific Pool"); Solaris 11
# adds DEDUP (the dedupratio property, 1.00x without dedup) before HEALTH. -o takes the property
# names (allocated, capacity, dedupratio) as well as the column names.
_FIELD_ALIASES = {"allocated": "alloc", "capacity": "cap", "dedupratio": "dedup"}
_RIGHT = {"size", "alloc", "free", "cap", "dedup"}


def _list_fields(release: Release, opts: dict[str, str]) -> list[str]:
    known = ["name", "size", "alloc", "free", "cap", *(["dedup"] if release.dedup else []), "health", "altroot"]
    if "o" not in opts:
        return known
    fields = [_FIELD_ALIASES.get(f.lower(), f.lower()) for f in opts["o"].split(",")]
    bad = [f for f in fields if f not in known]
    if bad:
        raise _Bad(f"bad property list: invalid property '{bad[0]}'")
    return fields


def _list_of(release: Release, views: Sequence[_PoolView], opts: dict[str, str]) -> Result:
    fields = _list_fields(release, opts)

    def value(view: _PoolView, field: str) -> str:
        if field == "name":
            return view.name
        if field == "health":
            return pool_state(release, view)
        if field == "altroot":
            return "-"
        if field == "dedup":
            return "1.00x"
        return view.space[field]

    rows = [[value(v, f) for f in fields] for v in views]
    if "H" in opts:
        return 0, "".join("\t".join(r) + "\n" for r in rows), ""
    if not views:
        return 0, "no pools available\n", ""
    header = [f.upper() for f in fields]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(fields))]

    def fmt(cells: list[str]) -> str:
        parts = [c.rjust(w) if f in _RIGHT else c.ljust(w) for c, w, f in zip(cells, widths, fields, strict=True)]
        return "  ".join(parts).rstrip()

    return 0, "\n".join([fmt(header), *(fmt(r) for r in rows)]) + "\n", ""


def _zpool_list(dom: Domain, args: Sequence[str]) -> Result:
    opts, names = _options(args, "H", with_value="o")
    release = release_of(dom.platform)
    _list_fields(release, opts)
    pools, missing = _asked_pools(dom, names)
    if missing:
        return 1, "", missing
    return _list_of(release, [_service_view(dom, p) for p in pools], opts)


def _zpool_device(dom: Domain, cmd: str, args: Sequence[str]) -> Result:
    _, ops = _options(args, "te")
    if len(ops) < 2:
        raise _Bad("missing pool name" if not ops else "missing device name")
    name, devices = ops[0], ops[1:]
    pool = dom.pools.get(name)
    if pool is None or not pool.imported:
        return 1, "", f"cannot open '{name}': no such pool\n"
    for dev in devices:
        if dev not in pool.disks():
            return 1, "", f"cannot {cmd} {dev}: no such device in pool\n"
    if cmd == "offline":
        trial = set(pool.offline_devices) | set(devices)
        saved, pool.offline_devices = pool.offline_devices, trial
        ok = pool_health(dom, pool) in HEALTHY_POOL
        pool.offline_devices = saved
        if not ok:
            return 1, "", f"cannot offline {devices[0]}: no valid replicas\n"
        pool.offline_devices = trial
        dom.platform._settle()
        return 0, "", ""
    err = []
    for dev in devices:
        pool.offline_devices.discard(dev)
        if leaf_state(dom, pool, dev) != "ONLINE":
            err.append(f"warning: device '{dev}' onlined, but remains in faulted state\n"
                       "use 'zpool replace' to replace devices that are no longer present\n")
    dom.platform._settle()
    return 0, "".join(err), ""


def _zpool_clear(dom: Domain, args: Sequence[str]) -> Result:
    _, ops = _options(args, "F")
    if not ops:
        raise _Bad("missing pool name")
    pool = dom.pools.get(ops[0])
    if pool is None or not pool.imported:
        return 1, "", f"cannot open '{ops[0]}': no such pool\n"
    if _service_view(dom, pool).io_failed:  # its devices are still gone: the retried I/O fails again
        return 1, "", f"cannot clear errors for {pool.name}: I/O error\n"
    return 0, "", ""  # error counters are always zero here: nothing to clear


def _zpool_import(dom: Domain, args: Sequence[str]) -> Result:
    _, ops = _options(args, "f")
    if not ops:
        exported = [p for p in dom.pools.values() if not p.imported]
        if not exported:
            return 1, "", "no pools available to import\n"
        # as Solaris lists importable pools: each with the devices it would be imported from
        return 0, "\n".join(
            f"   pool: {p.name}\n     id: {int(stable_hex(p.name)[:15], 16)}\n  state: {pool_health(dom, p)}\n"
            " action: The pool can be imported using its name or numeric identifier.\n config:\n\n"
            + "".join(f"\t{'  ' * (depth // 2)}{name}  {st}\n" for depth, name, st in _import_rows(dom, p))
            for p in exported), ""
    try:
        dom.import_pool(ops[0])
    except PlatformError as exc:
        return 1, "", f"{exc}\n"
    return 0, "", ""


def _zpool_export(dom: Domain, args: Sequence[str]) -> Result:
    opts, ops = _options(args, "f")
    if not ops:
        raise _Bad("missing pool argument")
    for name in ops:
        try:
            dom.export_pool(name, force="f" in opts)
        except PlatformError as exc:
            return 1, "", f"{exc}\n"
    return 0, "", ""


# ---------------------------------------------------------------------------- a guest's root pool
#
# A guest domain boots from a root pool `rpool` over its virtual disks: one disk per mpgroup (the
# guest sees one device however many paths the mpgroup has; a vdisk outside any mpgroup is a disk
# of its own), named c0dNs0 after the first vdisk of the group. The pool is ONLINE while every
# mpgroup has a working path (`storage_ok`); a disk without one has failed with I/O errors: the pool
# prints what the release prints for I/O failures (`_PROBLEM_TEXT` "io": UNAVAIL and ZFS-8000-HC on
# Solaris 10, as in reference/captures/zpool-status.unavail.1.txt; SUSPENDED on Solaris 11). The
# pool lives only in the guest's view: it is no Zpool of the platform (no fault point, not in `ldm`
# output nor in service domains).

GUEST_ROOT_POOL = "rpool"
_RPOOL_SPACE = {"size": "29.8G", "alloc": "9.61G", "free": "20.1G", "cap": "32%"}


def guest_root_disks(dom: Domain) -> list[tuple[str, bool]]:
    """(device, working) of the guest's root pool, in vdisk order."""
    first: dict[str, Vdisk] = {}
    working: dict[str, bool] = {}
    for vdisk in sorted(dom.vdisks.values(), key=lambda v: v.id):
        key = vdisk_mpgroup(dom, vdisk) or f"\0{vdisk.name}"
        first.setdefault(key, vdisk)
        working[key] = working.get(key, False) or vdisk_path_ok(dom, vdisk)
    return [(f"c0d{first[k].id}s0", working[k]) for k in first]


def _rpool_health(dom: Domain) -> str:
    return "ONLINE" if storage_ok(dom) else "UNAVAIL"


def _rpool_view(dom: Domain) -> _PoolView:
    rows = [(0, GUEST_ROOT_POOL, _rpool_health(dom))]
    rows += [(2, dev, "ONLINE" if ok else "UNAVAIL") for dev, ok in guest_root_disks(dom)]
    return _PoolView(GUEST_ROOT_POOL, _rpool_health(dom), rows, dict(_RPOOL_SPACE))


def _guest_zpool(dom: Domain, cmd: str, args: Sequence[str]) -> Result:
    """`zpool` in a guest domain: its root pool only."""
    has_pool = bool(dom.vdisks)
    health = _rpool_health(dom)
    release = release_of(dom.platform)
    if cmd in ("status", "list"):
        opts, names = (_options(args, "vxD") if cmd == "status" else _options(args, "H", with_value="o"))
        if cmd == "list":
            _list_fields(release, opts)
        missing = [n for n in names if n != GUEST_ROOT_POOL or not has_pool]
        if missing:
            return 1, "", "".join(f"cannot open '{n}': no such pool\n" for n in missing)
        views = [_rpool_view(dom)] if has_pool else []
        if cmd == "status":
            return _status_of(release, views, opts, bool(names))
        return _list_of(release, views, opts)
    if cmd in ("clear", "export", "offline", "online"):
        _, ops = _options(args, "Ffte")
        if not ops:
            raise _Bad("missing pool name")
        if ops[0] != GUEST_ROOT_POOL or not has_pool:
            return 1, "", f"cannot open '{ops[0]}': no such pool\n"
        if cmd == "clear":
            return (0, "", "") if health == "ONLINE" else (1, "", f"cannot clear errors for {GUEST_ROOT_POOL}: "
                                                                  "I/O error\n")
        if cmd == "export":
            return 1, "", f"cannot unmount '/': Device busy\ncannot export '{GUEST_ROOT_POOL}': pool is busy\n"
        devices = {dev: ok for dev, ok in guest_root_disks(dom)}
        if len(ops) < 2:
            raise _Bad("missing device name")
        if ops[1] not in devices:
            return 1, "", f"cannot {cmd} {ops[1]}: no such device in pool\n"
        if cmd == "offline":
            return 1, "", f"cannot offline {ops[1]}: no valid replicas\n"
        if not devices[ops[1]]:
            return 0, (f"warning: device '{ops[1]}' onlined, but remains in faulted state\n"
                       "use 'zpool replace' to replace devices that are no longer present\n"), ""
        return 0, "", ""
    if cmd == "import":
        return 1, "", "no pools available to import\n"
    return 2, "", f"unrecognized command '{cmd}'\n" + _ZPOOL_USAGE


# ------------------------------------------------------------------------------------------ dladm
#
# Solaris 11 (dladm(1M) of Solaris 11: show-phys and show-link [[-p] -o field[,...]] [link]): the
# tables of reference/captures/dladm-show-phys.1.txt and dladm-show-link.1.txt (each column as wide
# as its title's column there, the last one not padded); `-o` picks fields (case-insensitive); `-p`
# needs `-o` and prints the values alone, separated by ':' (a ':' in a value escaped as '\:').
# Generic link names: a link named netN (as a Solaris 11 lab's NIC resources name them) is over the
# device nxgeN (the on-board NICs of the lab's T-series servers: this emulator's choice); a link
# with a device name (nxge3: a system upgraded from Solaris 10 keeps its names) is over itself; a
# guest's virtual network devices vnetN are its links netN.
#
# Solaris 10 (dladm(1M), Solaris 10 1/13: show-link [-p] [name], show-dev [-p] [dev]; no show-phys,
# no -o): ``%-9s\ttype: non-vlan\tmtu: %d\tdevice: %s`` and ``%-9s\tlink: %s\tspeed: %-5u
# Mbps\tduplex: %s`` (tabs as printed), -p ``NAME type=non-vlan mtu=M device=D`` and ``DEV
# link=up speed=S duplex=D``. A guest's links are its vnetN devices.


@dataclass(frozen=True)
class DataLink:
    link: str
    device: str
    up: bool
    speed: int
    mtu: int


_VANITY = re.compile(r"net(\d+)")


def data_links(dom: Domain) -> list[DataLink]:
    """The domain's data links as Solaris names them: a service domain's NICs, a guest's vnets."""
    release = release_of(dom.platform)
    links = []
    for n in dom.nics.values():
        m = _VANITY.fullmatch(n.name)
        device = f"nxge{m.group(1)}" if m and release.dladm11 else n.name
        links.append(DataLink(n.name, device, n.link_up, n.speed, n.mtu))
    for v in dom.vnets.values():
        device = f"vnet{v.id}"
        links.append(DataLink(f"net{v.id}" if release.dladm11 else device, device, vnet_ok(dom, v), 1000, 1500))
    return links


_PHYS_FIELDS = {"link": 18, "media": 21, "state": 11, "speed": 7, "duplex": 10, "device": 0}
_LINK_FIELDS = {"link": 20, "class": 10, "mtu": 7, "state": 9, "over": 0}


def _field_values(cmd: str, link: DataLink) -> dict[str, str]:
    state = "up" if link.up else "down"
    if cmd == "show-phys":
        return {"link": link.link, "media": "Ethernet", "state": state, "speed": str(link.speed if link.up else 0),
                "duplex": "full" if link.up else "unknown", "device": link.device}
    return {"link": link.link, "class": "phys", "mtu": str(link.mtu), "state": state, "over": "--"}


_DLADM11_USAGE = ("usage: dladm <subcommand> <args> ...\n"
                  "    show-phys         [-p] [-o <field>,...] [<link>]\n"
                  "    show-link         [-p] [-o <field>,...] [<link>]\n")
_DLADM10_USAGE = ("usage: dladm <subcommand> <args> ...\n"
                  "    show-link       [-p] [<name>]\n"
                  "    show-dev        [-p] [<dev>]\n")


def _dladm_args(args: Sequence[str], allowed: str, with_value: str) -> tuple[dict[str, str], list[str]] | str:
    """getopt: the options, the operands, or the complaint of an illegal option."""
    opts: dict[str, str] = {}
    operands: list[str] = []
    it = iter(args)
    for a in it:
        if a.startswith("-") and len(a) > 1:
            for i, ch in enumerate(a[1:]):
                if ch in with_value:
                    value = a[i + 2:] or next(it, None)
                    if value is None:
                        return f"dladm: option requires an argument -- {ch}\n"
                    opts[ch] = value
                    break
                if ch not in allowed:
                    return f"dladm: illegal option -- {ch}\n"
                opts[ch] = ""
        else:
            operands.append(a)
    return opts, operands


def _select(links: list[DataLink], names: Sequence[str], attr: str) -> list[DataLink] | str:
    if not names:
        return links
    known = {getattr(link, attr): link for link in links}
    for n in names:
        if n not in known:
            return f"dladm: invalid link name '{n}'\n"
    return [known[n] for n in names]


def _dladm11(dom: Domain, cmd: str, args: Sequence[str]) -> Result:
    parsed = _dladm_args(args, "p", "o")
    if isinstance(parsed, str):
        return 1, "", parsed + _DLADM11_USAGE
    opts, names = parsed
    table = _PHYS_FIELDS if cmd == "show-phys" else _LINK_FIELDS
    if "p" in opts and "o" not in opts:
        return 1, "", "dladm: -p requires -o\n"
    if "o" in opts and opts["o"].lower() == "all":
        if "p" in opts:
            return 1, "", "dladm: \"-o all\" is invalid with -p\n"
        fields = list(table)
    elif "o" in opts:
        fields = [f.lower() for f in opts["o"].split(",") if f]
        bad = [f for f in fields if f not in table]
        if bad or not fields:
            return 1, "", f"dladm: invalid field(s) specified: {','.join(bad)}\n"
    else:
        fields = list(table)
    selected = _select(data_links(dom), names, "link")
    if isinstance(selected, str):
        return 1, "", selected
    rows = [[_field_values(cmd, link)[f] for f in fields] for link in selected]
    if "p" in opts:
        return 0, "".join(":".join(v.replace(":", "\\:") for v in row) + "\n" for row in rows), ""

    def fmt(cells: Sequence[str]) -> str:
        last = len(fields) - 1
        return "".join(c if i == last else f"{c:<{max(table[f], len(c) + 1)}}"
                       for i, (c, f) in enumerate(zip(cells, fields, strict=True))).rstrip()

    return 0, "\n".join([fmt([f.upper() for f in fields]), *(fmt(r) for r in rows)]) + "\n", ""


def _dladm10(dom: Domain, cmd: str, args: Sequence[str]) -> Result:
    parsed = _dladm_args(args, "p", "")
    if isinstance(parsed, str):
        return 1, "", parsed + _DLADM10_USAGE
    opts, names = parsed
    selected = _select(data_links(dom), names, "link" if cmd == "show-link" else "device")
    if isinstance(selected, str):
        return 1, "", selected.replace("link name", "link name" if cmd == "show-link" else "device name")
    out = []
    for link in selected:
        state = "up" if link.up else "down"
        speed = link.speed if link.up else 0
        duplex = "full" if link.up else "unknown"
        if cmd == "show-link":
            out.append(f"{link.link} type=non-vlan mtu={link.mtu} device={link.device}" if "p" in opts else
                       f"{link.link:<9}\ttype: non-vlan\tmtu: {link.mtu}\tdevice: {link.device}")
        else:
            out.append(f"{link.device} link={state} speed={speed} duplex={duplex}" if "p" in opts else
                       f"{link.device:<9}\tlink: {state}\tspeed: {speed:<5} Mbps\tduplex: {duplex}")
    return 0, "".join(line + "\n" for line in out), ""


def run_dladm(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    dom, refusal = _login(platform, system, "dladm")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    args = list(argv)
    release = release_of(platform)
    commands = ("show-phys", "show-link") if release.dladm11 else ("show-link", "show-dev")
    if not args or args[0] not in commands:
        what = f"unknown subcommand '{args[0]}'" if args else "missing subcommand"
        return 1, "", f"dladm: {what}\n" + (_DLADM11_USAGE if release.dladm11 else _DLADM10_USAGE)
    if release.dladm11:
        return _dladm11(dom, args[0], args[1:])
    return _dladm10(dom, args[0], args[1:])
