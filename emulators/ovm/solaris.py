"""`zpool` and `dladm` of a Solaris domain, in process: argv -> (exit code, stdout, stderr).

In a service domain `zpool` shows the domain's pools; in a guest domain, its root pool over its
virtual disks (see "a guest's root pool" below).

Layouts follow reference/captures/ (zpool-status.*, dladm-show-phys, dladm-show-link). The zpool
status texts (status/action/see lines) are the ones ZFS prints for devices taken offline by the
administrator (a degraded pool), devices that cannot be opened with sufficient replicas
(ZFS-8000-2Q) and without them (ZFS-8000-3C).
"""

from __future__ import annotations

from collections.abc import Sequence

from emulators.ovm.ldm import Result, shell_gate
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

_LIST_FIELDS = ("name", "size", "alloc", "free", "cap", "health", "altroot")


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


def _status_lines(dom: Domain, pool: Zpool) -> list[str]:
    health = pool_health(dom, pool)
    leaves = [leaf_state(dom, pool, d) for d in pool.disks()]
    out = [f"  pool: {pool.name}", f" state: {health}"]
    if health == "UNAVAIL":
        out += ["status: One or more devices could not be opened.  There are insufficient",
                "        replicas for the pool to continue functioning.",
                "action: Attach the missing device and online it using 'zpool online'.",
                "   see: http://www.sun.com/msg/ZFS-8000-3C"]
    elif "UNAVAIL" in leaves:
        out += ["status: One or more devices could not be opened.  Sufficient replicas exist for",
                "        the pool to continue functioning in a degraded state.",
                "action: Attach the missing device and online it using 'zpool online'.",
                "   see: http://www.sun.com/msg/ZFS-8000-2Q"]
    elif "OFFLINE" in leaves:
        out += ["status: One or more devices has been taken offline by the administrator.",
                "        Sufficient replicas exist for the pool to continue functioning in a",
                "        degraded state.",
                "action: Online the device using 'zpool online' or replace the device with",
                "        'zpool replace'."]
    out += [" scrub: none requested", "config:", ""]
    rows: list[tuple[int, str, str, str]] = [(0, pool.name, health,
                                              "insufficient replicas" if health == "UNAVAIL" else "")]
    for top in pool.vdevs:
        st = vdev_state(dom, pool, top)
        if top.kind == "disk":
            rows.append((2, top.label, st, "cannot open" if st == "UNAVAIL" else ""))
            continue
        rows.append((2, top.label, st, "insufficient replicas" if st == "UNAVAIL" else ""))
        for d in top.disks:
            ls = leaf_state(dom, pool, d)
            rows.append((4, d, ls, "cannot open" if ls == "UNAVAIL" else ""))
    return out + _config_table(rows)


def _import_rows(dom: Domain, pool: Zpool) -> list[tuple[int, str, str]]:
    """(depth, name, state) of an exported pool's config as `zpool import` lists it."""
    rows = [(0, pool.name, pool_health(dom, pool))]
    for top in pool.vdevs:
        rows.append((2, top.label, vdev_state(dom, pool, top)))
        if top.kind != "disk":
            rows += [(4, d, leaf_state(dom, pool, d)) for d in top.disks]
    return rows


def _config_table(rows: Sequence[tuple[int, str, str, str]]) -> list[str]:
    """The config: table of `zpool status` from (depth, name, state, note) rows, and the errors line."""
    width = max(10, *(depth + len(name) for depth, name, _, _ in rows))
    out = [f"\t{'NAME':<{width}}  {'STATE':<8} {'READ':>5} {'WRITE':>5} {'CKSUM':>5}"]
    for depth, name, st, note in rows:
        line = f"\t{'':<{depth}}{name:<{width - depth}}  {st:<8} {'0':>5} {'0':>5} {'0':>5}"
        out.append(f"{line}  {note}" if note else line)
    return out + ["", "errors: No known data errors"]


def zpool_status_text(dom: Domain, pools: Sequence[Zpool]) -> str:
    blocks = ["\n".join(_status_lines(dom, p)).expandtabs(8) for p in pools]
    return "\n\n".join(blocks) + "\n"


def _named_pools(dom: Domain, names: Sequence[str]) -> tuple[list[Zpool], str]:
    """The imported pools named on the command line, and zpool's complaint about the others."""
    missing = [n for n in names if n not in dom.pools or not dom.pools[n].imported]
    return [dom.pools[n] for n in names if n not in missing], "".join(
        f"cannot open '{n}': no such pool\n" for n in missing)


def _zpool_status(dom: Domain, args: Sequence[str]) -> Result:
    opts, names = _options(args, "vxD")
    if names:
        pools, missing = _named_pools(dom, names)
        if missing:
            return 1, "", missing
    else:
        pools = _imported(dom)
        if not pools:
            return 0, "no pools available\n", ""
    if "x" in opts:
        sick = [p for p in pools if pool_health(dom, p) != "ONLINE"]
        if not sick:
            if names:
                return 0, "".join(f"pool '{p.name}' is healthy\n" for p in pools), ""
            return 0, "all pools are healthy\n", ""
        pools = sick
    return 0, zpool_status_text(dom, pools), ""


def _pool_field(dom: Domain, pool: Zpool, name: str) -> str:
    health = pool_health(dom, pool)
    if name == "name":
        return pool.name
    if name == "health":
        return health
    if name == "altroot":
        return "-"
    if health == "UNAVAIL":
        return "-"
    return {"size": pool.size, "alloc": pool.alloc, "free": pool.free, "cap": pool.cap}[name]


def _zpool_list(dom: Domain, args: Sequence[str]) -> Result:
    opts, names = _options(args, "H", with_value="o")
    fields = opts["o"].split(",") if "o" in opts else list(_LIST_FIELDS)
    bad = [f for f in fields if f not in _LIST_FIELDS]
    if bad:
        raise _Bad(f"bad property list: invalid property '{bad[0]}'")
    if names:
        pools, missing = _named_pools(dom, names)
        if missing:
            return 1, "", missing
    else:
        pools = _imported(dom)
    rows = [[_pool_field(dom, p, f) for f in fields] for p in pools]
    if "H" in opts:
        return 0, "".join("\t".join(r) + "\n" for r in rows), ""
    if not pools:
        return 0, "no pools available\n", ""
    header = [f.upper() for f in fields]
    widths = [max(len(header[i]), *(len(r[i]) for r in rows)) for i in range(len(fields))]
    right = {"size", "alloc", "free", "cap"}

    def fmt(cells: list[str]) -> str:
        parts = [c.rjust(w) if f in right else c.ljust(w) for c, w, f in zip(cells, widths, fields, strict=True)]
        return "  ".join(parts).rstrip()

    return 0, "\n".join([fmt(header), *(fmt(r) for r in rows)]) + "\n", ""


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
# mpgroup has a working path (`storage_ok`); a disk without one has failed with I/O errors and the
# pool is UNAVAIL with the status ZFS prints for I/O failures (ZFS-8000-HC, as in
# reference/captures/zpool-status.unavail.1.txt). The pool lives only in the guest's view: it is
# no Zpool of the platform (no fault point, not in `ldm` output nor in service domains).

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


def _rpool_status(dom: Domain) -> str:
    health = _rpool_health(dom)
    out = [f"  pool: {GUEST_ROOT_POOL}", f" state: {health}"]
    if health != "ONLINE":
        out += ["status: One or more devices are faulted in response to IO failures.",
                "action: Make sure the affected devices are connected, then run 'zpool clear'.",
                "   see: http://www.sun.com/msg/ZFS-8000-HC"]
    out += [" scrub: none requested", "config:", ""]
    rows = [(0, GUEST_ROOT_POOL, health, "insufficient replicas" if health != "ONLINE" else "")]
    rows += [(2, dev, "ONLINE" if ok else "UNAVAIL", "" if ok else "cannot open")
             for dev, ok in guest_root_disks(dom)]
    return "\n".join(out + _config_table(rows)).expandtabs(8) + "\n"


def _guest_zpool(dom: Domain, cmd: str, args: Sequence[str]) -> Result:
    """`zpool` in a guest domain: its root pool only."""
    has_pool = bool(dom.vdisks)
    health = _rpool_health(dom)
    if cmd == "status":
        opts, names = _options(args, "vxD")
        missing = [n for n in names if n != GUEST_ROOT_POOL or not has_pool]
        if missing:
            return 1, "", "".join(f"cannot open '{n}': no such pool\n" for n in missing)
        if not has_pool:
            return 0, "no pools available\n", ""
        if "x" in opts and health == "ONLINE":
            return 0, (f"pool '{GUEST_ROOT_POOL}' is healthy\n" if names else "all pools are healthy\n"), ""
        return 0, _rpool_status(dom), ""
    if cmd == "list":
        opts, names = _options(args, "H", with_value="o")
        fields = opts["o"].split(",") if "o" in opts else list(_LIST_FIELDS)
        bad = [f for f in fields if f not in _LIST_FIELDS]
        if bad:
            raise _Bad(f"bad property list: invalid property '{bad[0]}'")
        missing = [n for n in names if n != GUEST_ROOT_POOL or not has_pool]
        if missing:
            return 1, "", "".join(f"cannot open '{n}': no such pool\n" for n in missing)
        values = {"name": GUEST_ROOT_POOL, "health": health, "altroot": "-",
                  **{k: (v if health == "ONLINE" else "-") for k, v in _RPOOL_SPACE.items()}}
        row = [values[f] for f in fields]
        if "H" in opts:
            return 0, ("\t".join(row) + "\n") if has_pool else "", ""
        if not has_pool:
            return 0, "no pools available\n", ""
        header = [f.upper() for f in fields]
        widths = [max(len(h), len(c)) for h, c in zip(header, row, strict=True)]
        right = {"size", "alloc", "free", "cap"}

        def fmt(cells: list[str]) -> str:
            return "  ".join(c.rjust(w) if f in right else c.ljust(w)
                             for c, w, f in zip(cells, widths, fields, strict=True)).rstrip()

        return 0, fmt(header) + "\n" + fmt(row) + "\n", ""
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

_PHYS_HEADER = f"{'LINK':<18}{'MEDIA':<21}{'STATE':<11}{'SPEED':<7}{'DUPLEX':<10}DEVICE"
_LINK_HEADER = f"{'LINK':<20}{'CLASS':<10}{'MTU':<7}{'STATE':<9}OVER"


def _links(dom: Domain) -> list[tuple[str, bool, int, int]]:
    """(link, up, speed, mtu) of the domain's data links: its NICs, or a guest's vnets."""
    links = [(n.name, n.link_up, n.speed, n.mtu) for n in dom.nics.values()]
    links += [(v.name, vnet_ok(dom, v), 1000, 1500) for v in dom.vnets.values()]
    return links


def _dladm_filter(dom: Domain, names: Sequence[str]) -> tuple[list[tuple[str, bool, int, int]], str]:
    links = _links(dom)
    if not names:
        return links, ""
    known = {link[0]: link for link in links}
    for n in names:
        if n not in known:
            return [], f"dladm: invalid link name '{n}'\n"
    return [known[n] for n in names], ""


def run_dladm(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    dom, refusal = _login(platform, system, "dladm")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    args = list(argv)
    if not args or args[0] not in ("show-phys", "show-link"):
        what = f"unknown subcommand '{args[0]}'" if args else "missing subcommand"
        return 1, "", (f"dladm: {what}\nusage: dladm <subcommand> <args> ...\n"
                       "    show-phys         [-pP] [-o <field>,...] [<link>]\n"
                       "    show-link         [-pP] [-o <field>,...] [<link>]\n")
    cmd, rest = args[0], [a for a in args[1:] if not a.startswith("-")]
    links, err = _dladm_filter(dom, rest)
    if err:
        return 1, "", err
    if cmd == "show-phys":
        rows = [f"{name:<18}{'Ethernet':<21}{'up' if up else 'down':<11}{speed if up else 0:<7}"
                f"{'full' if up else 'unknown':<10}{name}" for name, up, speed, _ in links]
        return 0, "\n".join([_PHYS_HEADER, *rows]) + "\n", ""
    rows = [f"{name:<20}{'phys':<10}{mtu:<7}{'up' if up else 'down':<9}--" for name, up, _, mtu in links]
    return 0, "\n".join([_LINK_HEADER, *rows]) + "\n", ""
