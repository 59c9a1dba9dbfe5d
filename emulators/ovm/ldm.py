"""The `ldm` command of a control domain, in process: argv -> (exit code, stdout, stderr).

Output follows reference/captures/ (ldm-list-p, ldm-list-bindings): the short table's column
widths, the `VERSION 1.11` parseable form, the long listing's sections. ldm answers only in a
control domain that is up; elsewhere the shell does not know the command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from emulators.ovm.model import (
    Domain,
    Node,
    Platform,
    PlatformError,
    format_memory,
    stable_hex,
)

Result = tuple[int, str, str]


# ------------------------------------------------------------------------------------- releases
#
# A lab is one Solaris release as a whole (`Platform.solaris`, the inventory's `solaris:` key). What
# each release changes in what the commands print:
#
# - Solaris 11 (11.3, `uname -v` 11.3) runs Oracle VM Server for SPARC 3.x in its control domains
#   (3.4 is the release of Solaris 11.3; the choice of this emulator): `ldm list` has the NORM column
#   (Oracle VM Server for SPARC 3.2/3.4 Administration Guide, "Utilization Statistic Definition":
#   NORM, the normalized utilization), `ldm list -p` prints ``VERSION 1.11`` and ``norm_util=``
#   (reference/captures/ldm-list-p.1.txt). zpool prints ``  scan:`` and
#   ``http://support.oracle.com/msg/...``, `zpool list` has the DEDUP column, a pool whose devices
#   fail while it is imported is SUSPENDED ("Managing ZFS File Systems in Oracle Solaris 11.2",
#   "Determining the Health Status of ZFS Storage Pools": pool states DEGRADED, ONLINE, SUSPENDED,
#   UNAVAIL); `dladm` has show-phys/show-link with `-o` fields and generic link names netN over
#   their devices (reference/captures/dladm-show-phys.1.txt, dladm-show-link.1.txt).
# - Solaris 10 (10 1/13, kernel Generic_150400-59) runs the last release before 3.0, Oracle VM Server
#   for SPARC 2.2 (the choice of this emulator: the LDoms 2.x Solaris 10 control domain of
#   reference/captures/ldm-list-bindings.1.txt): `ldm list` without NORM, `ldm list -p` without
#   ``norm_util=`` and with ``VERSION 1.6`` (the parseable version between LDoms 1.3's ``VERSION 1.4``,
#   Logical Domains 1.3 Administration Guide "List Power-Managed CPUs", and 3.x's 1.11: a choice,
#   no capture of 2.x was found). zpool prints `` scrub:`` and ``http://www.sun.com/msg/...``
#   (reference/captures/zpool-status.*), `zpool list` has no DEDUP column (Oracle Solaris ZFS
#   Administration Guide for Solaris 10, "Displaying Information About All Storage Pools": NAME SIZE
#   ALLOC FREE CAP HEALTH ALTROOT), a pool whose devices fail while imported is UNAVAIL with the I/O
#   failure status (reference/captures/zpool-status.unavail.1.txt); `dladm` is the Solaris 10 one
#   (dladm(1M), Solaris 10 1/13 man pages section 1M): show-link and show-dev, no show-phys, no -o.


@dataclass(frozen=True)
class Release:
    solaris: int
    uname_release: str  # uname -r
    uname_version: str  # uname -v
    ldoms: str  # the Oracle VM Server for SPARC release of the control domains
    parseable_version: str  # the VERSION line of `ldm ... -p`
    norm: bool  # the NORM column of `ldm list`, norm_util= of `ldm list -p`
    msg_url: str  # where `zpool status` sends the reader (see: line)
    scan_key: str  # the scrub/resilver line of `zpool status`
    dedup: bool  # the DEDUP column of `zpool list`
    suspends: bool  # a pool that loses its devices while imported is SUSPENDED (else UNAVAIL)
    dladm11: bool  # show-phys, show-link with CLASS/STATE/OVER, -o fields, netN link names


RELEASES: dict[int, Release] = {
    10: Release(10, "5.10", "Generic_150400-59", "2.2", "VERSION 1.6", False, "http://www.sun.com/msg/",
                " scrub:", False, False, False),
    11: Release(11, "5.11", "11.3", "3.4", "VERSION 1.11", True, "http://support.oracle.com/msg/",
                "  scan:", True, True, True),
}


def release_of(platform: Platform) -> Release:
    return RELEASES[getattr(platform, "solaris", 11)]


PARSEABLE_VERSION = RELEASES[11].parseable_version
SEPARATOR = "-" * 78


def shell_gate(platform: Platform, system: str, command: str) -> tuple[Node, Domain] | Result:
    """Resolve the system a command runs on, or the result a shell there would give."""
    try:
        node, dom = platform.system(system)
    except PlatformError as exc:
        return 2, "", f"{exc}\n"
    if not dom.up:
        why = "powered off" if not node.powered else ("booting" if dom.booting else dom.state)
        return 255, "", f"{system}: system is not reachable (domain {dom.name} on {node.name} is {why})\n"
    return node, dom


def run_ldm(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    gate = shell_gate(platform, system, "ldm")
    if not isinstance(gate[0], Node):
        return gate  # type: ignore[return-value]
    node, dom = gate  # type: ignore[misc]
    if dom.role != "control":
        return 127, "", "bash: ldm: command not found\n"
    args = list(argv)
    if not args or args[0] in ("-h", "--help", "help"):
        return (0 if args else 1), _usage_all(), ""
    cmd, rest = args[0], args[1:]
    handler = _COMMANDS.get(cmd)
    if handler is None:
        return 1, "", f"Unknown command {cmd}\n{_usage_all()}"
    try:
        return handler(node, rest)
    except _Usage as exc:
        return 1, "", f"Usage:\n    ldm {exc}\n"
    except PlatformError as exc:
        return 1, "", f"{exc}\n"


class _Usage(Exception):
    pass


def _split(args: Sequence[str], flags: str = "") -> tuple[set[str], dict[str, str], list[str]]:
    """Split argv into flags (-f ...), properties (key=value) and operands."""
    opts: set[str] = set()
    props: dict[str, str] = {}
    operands: list[str] = []
    for a in args:
        if a.startswith("-") and len(a) > 1:
            for ch in a[1:]:
                if ch not in flags:
                    raise PlatformError(f"Invalid option: -{ch}")
                opts.add(ch)
        elif "=" in a and not operands:
            k, _, v = a.partition("=")
            props[k] = v
        else:
            operands.append(a)
    return opts, props, operands


# ------------------------------------------------------------------------------------ formatting


def format_uptime(seconds: int | None) -> str:
    if seconds is None:
        return ""
    d, rem = divmod(int(seconds), 86400)
    h, rem = divmod(rem, 3600)
    m, s = divmod(rem, 60)
    parts = [f"{d}d"] if d else []
    if h:
        parts.append(f"{h}h")
    if m:
        parts.append(f"{m}m")
    return " ".join(parts) if parts else f"{s}s"


def list_header(release: Release) -> str:
    """The `ldm list` header: 3.x adds NORM between UTIL and UPTIME."""
    norm = "NORM  " if release.norm else ""
    return f"NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  {norm}UPTIME"


def _util(dom: Domain) -> str:
    return f"{dom.util:.1f}%" if dom.util is not None else ""


def list_row(dom: Domain, release: Release | None = None) -> str:
    release = release or release_of(dom.platform)
    util = _util(dom)
    norm = f"{util:<5} " if release.norm else ""  # no power management cycle skip: NORM = UTIL
    return (f"{dom.name:<16} {dom.state:<10} {dom.flags:<7} {dom.cons:<7} {dom.ncpu:<5} "
            f"{format_memory(dom.mem):<8} {util:<5} {norm}{format_uptime(dom.uptime())}").rstrip()


def parseable_row(dom: Domain, release: Release | None = None, long: bool = False) -> str:
    """The DOMAIN record of `ldm list -p`; `long` (-l -p) spells the flags out."""
    release = release or release_of(dom.platform)
    util = f"{dom.util}" if dom.util is not None else ""
    uptime = dom.uptime()
    flags = _spelled_flags(dom) if long else dom.flags
    return (f"DOMAIN|name={dom.name}|state={dom.state}|flags={flags}|cons={dom.cons}"
            f"|ncpu={dom.ncpu}|mem={dom.mem}|util={util}|uptime={'' if uptime is None else uptime}"
            + (f"|norm_util={util}" if release.norm else ""))


def _spelled_flags(dom: Domain) -> str:
    """-l -p spells the flags out: flags=normal,control,vio-service (Administration Guide, "Flag
    Definitions"): column 2 normal/transition, column 4 control, column 5 vio-service."""
    if dom.state != "active":
        return ""
    words = ["transition" if dom.booting else "normal"]
    if dom.role == "control":
        words.append("control")
    if dom.is_service_domain:
        words.append("vio-service")
    return ",".join(words)


def _mac(*parts: str) -> str:
    h = stable_hex(*parts)
    return f"00:14:4f:{h[0:2]}:{h[2:4]}:{h[4:6]}"


def _base(dom: Domain, start: int, size: Callable[[Domain], int]) -> int:
    """Where a domain's share of a node resource begins: after the bound domains defined before it."""
    base = start
    for other in dom.node.domains.values():
        if other is dom:
            return base
        if other.state != "inactive":
            base += size(other)
    return base


def _cpu_base(dom: Domain) -> int:
    return _base(dom, 0, lambda d: d.ncpu)


def _mem_base(dom: Domain) -> int:
    return _base(dom, 0x10000000, lambda d: d.mem)


def _ra(dom: Domain) -> int:
    return 0xE000000 if dom.role == "control" else 0x10000000


def variables(dom: Domain) -> dict[str, str]:
    """The OpenBoot variables set in a domain (`ldm set-variable`): a guest boots by itself from its
    first virtual disk; the control domain has none set (reference/captures/ldm-list-bindings.1.txt
    has no VARIABLES section)."""
    if dom.role == "control":
        return {}
    out = {"auto-boot?": "true"}  # started, a domain boots Solaris (the model's `up`)
    if dom.vdisks:
        out["boot-device"] = next(iter(dom.vdisks))
    return out


def _vds_owner(node: Node, vds: str) -> str:
    try:
        return node.find_vds(vds).name
    except PlatformError:
        return "?"


def _vsw_owner(node: Node, vsw: str) -> str:
    try:
        return node.find_vsw(vsw).name
    except PlatformError:
        return "?"


def _vdisk_mpgroup(node: Node, vds: str, volume: str) -> str:
    try:
        dev = node.find_vds(vds).vdss[vds].volumes.get(volume)
    except PlatformError:
        return ""
    return (dev.mpgroup if dev else "") or ""


def _console_service(dom: Domain) -> str:
    return next((f"{v.name}@{d.name}" for d in dom.node.domains.values() for v in d.vccs.values()), "")


# Which `-o format` shows which section of the long listing (ldm(1M) "list-domain -o"; Logical
# Domains 1.2 Administration Guide "Generate a Subset of a Long List (-o format)"; the `-o domain`
# example of the Oracle VM Server for SPARC 3.2 Administration Guide "Domain Dependency Examples":
# SOFTSTATE, HOSTID, CONTROL, DEPENDENCY, VARIABLES).
LIST_FORMATS: dict[str, tuple[str, ...]] = {
    "console": ("VCC", "VCONS"),
    "core": ("CORE",),
    "cpu": ("CORE", "VCPU"),
    "crypto": ("MAU",),
    "disk": ("VDS", "DISK"),
    "domain": ("SOFTSTATE", "HOSTID", "CONTROL", "DEPENDENCY", "VARIABLES"),
    "memory": ("MEMORY",),
    "network": ("MAC", "VSW", "NETWORK"),
    "physio": ("IO",),
    "resmgmt": (),
    "serial": ("VLDC", "VLDCC"),
    "status": (),
}


def _sections(dom: Domain, release: Release, extended: bool = False) -> list[tuple[str, list[str]]]:
    """The sections of the long listing of a domain, in the order ldm prints them: (title, body lines).

    Layout of reference/captures/ldm-list-bindings.1.txt; 3.x adds the NORM column to VCPU. `extended`
    (-e) adds the domain-services channels (VLDC of the control domain, VLDCC of every domain: the
    names and layout of these two are this emulator's, no capture was found)."""
    node = dom.node
    secs: list[tuple[str, list[str]]] = []
    if dom.state == "active":
        secs.append(("SOFTSTATE", ["OpenBoot Running" if dom.booting else "Solaris running"]))
    secs.append(("UUID", [f"    {dom.uuid}"]))
    secs.append(("MAC", [f"    {dom.mac}"]))
    secs.append(("HOSTID", [f"    {dom.hostid}"]))
    secs.append(("CONTROL", [f"    failure-policy={dom.failure_policy}"]))
    secs.append(("DEPENDENCY", [f"    master={','.join(dom.masters)}"]))
    if dom.state != "inactive":
        base = _cpu_base(dom)
        core = ["    CID    CPUSET"]
        for c in range(0, dom.ncpu, 8):
            cpus = ", ".join(str(base + i) for i in range(c, min(c + 8, dom.ncpu)))
            core.append(f"    {(base + c) // 8:<7}({cpus})")
        secs.append(("CORE", core))
        util = _util(dom)
        norm_title, norm = ("NORM ", f"{util:>4} ") if release.norm else ("", "")
        vcpu = [f"    VID    PID    CID    UTIL {norm_title}STRAND"]
        for v in range(dom.ncpu):
            vcpu.append(f"    {v:<7}{base + v:<7}{(base + v) // 8:<7}{util:>4} {norm}{'100%':>6}")
        secs.append(("VCPU", vcpu))
        secs.append(("MEMORY", ["    RA               PA               SIZE",
                                f"    {hex(_ra(dom)):<16} {hex(_mem_base(dom)):<16} {format_memory(dom.mem)}"]))
    if variables(dom):
        secs.append(("VARIABLES", [f"    {k}={v}" for k, v in variables(dom).items()]))
    if dom.buses:
        io = ["    DEVICE           PSEUDONYM        OPTIONS"]
        for bus in dom.buses:
            io.append(f"    {_bus_device(bus):<16} {bus}")
        secs.append(("IO", io))
    if extended and dom.role == "control":
        secs.append(("VLDC", ["    NAME", "    primary"]))
    if dom.vccs:
        secs.append(("VCC", ["    NAME             PORT-RANGE"]
                     + [f"    {v.name:<16} {v.port_range[0]}-{v.port_range[1]}" for v in dom.vccs.values()]))
    if dom.vsws:
        vsw = ["    NAME             MAC               NET-DEV   ID   DEVICE     MTU   MODE"]
        for i, sw in enumerate(dom.vsws.values()):
            vsw.append(f"    {sw.name:<16} {_mac(node.name, sw.name):<17} {sw.net_dev or '':<9} "
                       f"{i:<4} {f'switch@{i}':<10} {sw.mtu}")
            peers = [(v, d) for d in node.domains.values() for v in d.vnets.values() if v.vsw == sw.name]
            if peers:
                vsw.append(f"    {'':<16} PEER                        MAC")
                for v, d in peers:
                    vsw.append(f"    {'':<16} {v.name + '@' + d.name:<27} {_mac(node.name, d.name, v.name)}")
        secs.append(("VSW", vsw))
    if dom.vdss:
        vds_lines = ["    NAME             VOLUME         OPTIONS          MPGROUP        DEVICE"]
        for vds in dom.vdss.values():
            if not vds.volumes:
                vds_lines.append(f"    {vds.name}")
            for i, dev in enumerate(vds.volumes.values()):
                name = vds.name if i == 0 else ""
                vds_lines.append(f"    {name:<16} {dev.volume:<14} {dev.options:<16} {dev.mpgroup or '':<14} "
                                 f"{dev.backend}")
            clients = [(k, d) for d in node.domains.values() for k in d.vdisks.values() if k.vds == vds.name]
            if clients:
                vds_lines.append(f"    {'':<16} CLIENT                      VOLUME")
                for k, d in clients:
                    vds_lines.append(f"    {'':<16} {k.name + '@' + d.name:<27} {k.volume}")
        secs.append(("VDS", vds_lines))
    if extended:
        secs.append(("VLDCC", ["    NAME             SERVICE                     DESC",
                               f"    {'ds':<16} {'primary@primary':<27} domain-services"]))
    if dom.vnets:
        net = ["    NAME             SERVICE                     ID   DEVICE     MAC               MTU"]
        for v in dom.vnets.values():
            net.append(f"    {v.name:<16} {v.vsw + '@' + _vsw_owner(node, v.vsw):<27} {v.id:<4} "
                       f"{f'network@{v.id}':<10} {_mac(node.name, dom.name, v.name):<17} 1500")
        secs.append(("NETWORK", net))
    if dom.vdisks:
        disk = ["    NAME             VOLUME                      TOUT ID   DEVICE  SERVER         MPGROUP"]
        for k in dom.vdisks.values():
            disk.append(f"    {k.name:<16} {k.volume + '@' + k.vds:<27} {k.timeout:<4} {k.id:<4} "
                        f"{f'disk@{k.id}':<7} {_vds_owner(node, k.vds):<14} "
                        f"{_vdisk_mpgroup(node, k.vds, k.volume)}".rstrip())
        secs.append(("DISK", disk))
    if dom.role == "control":
        secs.append(("VCONS", ["    NAME             SERVICE                     PORT", "    UART"]))
    else:
        secs.append(("VCONS", ["    NAME             SERVICE                     PORT",
                               f"    {dom.name:<16} {_console_service(dom):<27} {dom.cons}".rstrip()]))
    return secs


def _bus_device(bus: str) -> str:
    n = int(bus.rsplit("_", 1)[1]) if bus.rsplit("_", 1)[-1].isdigit() else 0
    return "pci@%x" % (0x400 + 0x100 * n)


def long_listing(dom: Domain, extended: bool = False, formats: Sequence[str] | None = None) -> str:
    """The per-domain block of `ldm list -l`, `ldm list-bindings` (capture layout), `ldm list -e`
    and `ldm list -o FORMAT` (the sections of those formats; the header is NAME STATE FLAGS UTIL
    with `domain`, NAME alone otherwise: Oracle VM Server for SPARC 3.2 Administration Guide,
    "Domain Dependency Examples", `ldm list -o domain`)."""
    release = release_of(dom.platform)
    secs = _sections(dom, release, extended=extended)
    if formats is None:
        out = [list_header(release), list_row(dom, release), ""]
    else:
        wanted = {t for f in formats for t in LIST_FORMATS[f]}
        secs = [(t, body) for t, body in secs if t in wanted]
        if "domain" in formats:
            out = ["NAME             STATE      FLAGS   UTIL",
                   f"{dom.name:<16} {dom.state:<10} {dom.flags:<7} {_util(dom)}".rstrip(), ""]
        else:
            out = ["NAME", dom.name, ""]
    for title, body in secs:
        out += [title, *body, ""]
    return "\n".join(out) + "\n"


def _parseable_sections(dom: Domain, release: Release,
                        extended: bool = False) -> list[tuple[str, list[str]]]:
    """The records of `ldm list -l -p` / `ldm list-bindings -p` after the DOMAIN record, by the
    title of the human section they stand for. A section is ``TITLE|key=value|...`` when it has one
    record, else a bare ``TITLE`` line followed by ``|key=value|...`` lines (ldm(1M) -p; Logical
    Domains 1.3 Administration Guide "List Power-Managed CPUs" ``VCPU`` then ``|pid=0|...``); virtual
    devices are one record each (``VDISK|name=...|vol=vol@vds|...``, ``VNET|...|service=...|mac-addr=``
    as scripts read them: opensvc's ldom disk driver, an LDom build script's ``ls-bindings -p``)."""
    node = dom.node
    secs: list[tuple[str, list[str]]] = []
    if dom.state == "active":
        secs.append(("SOFTSTATE", [f"SOFTSTATE|softstate={'OpenBoot Running' if dom.booting else 'Solaris running'}"]))
    secs.append(("UUID", [f"UUID|uuid={dom.uuid}"]))
    secs.append(("MAC", [f"MAC|mac-addr={dom.mac}"]))
    secs.append(("HOSTID", [f"HOSTID|hostid={dom.hostid}"]))
    secs.append(("CONTROL", [f"CONTROL|failure-policy={dom.failure_policy}"]))
    secs.append(("DEPENDENCY", [f"DEPENDENCY|master={','.join(dom.masters)}"]))
    if dom.state != "inactive":
        base = _cpu_base(dom)
        core = ["CORE"]
        for c in range(0, dom.ncpu, 8):
            cpus = ",".join(str(base + i) for i in range(c, min(c + 8, dom.ncpu)))
            core.append(f"|cid={(base + c) // 8}|cpuset={cpus}")
        secs.append(("CORE", core))
        util = _util(dom)
        norm = f"|norm_util={util}" if release.norm else ""
        secs.append(("VCPU", ["VCPU"] + [f"|vid={v}|pid={base + v}|util={util}|strand=100|cid={(base + v) // 8}{norm}"
                                         for v in range(dom.ncpu)]))
        secs.append(("MEMORY", ["MEMORY", f"|ra={hex(_ra(dom))}|pa={hex(_mem_base(dom))}|size={dom.mem}"]))
    if variables(dom):
        secs.append(("VARIABLES", ["VARIABLES"] + [f"|{k}={v}" for k, v in variables(dom).items()]))
    if dom.buses:
        secs.append(("IO", ["IO"] + [f"|dev={_bus_device(b)}|alias={b}" for b in dom.buses]))
    if extended and dom.role == "control":
        secs.append(("VLDC", ["VLDC|name=primary"]))
    for v in dom.vccs.values():
        secs.append(("VCC", [f"VCC|name={v.name}|port-range={v.port_range[0]}-{v.port_range[1]}"]))
    for i, sw in enumerate(dom.vsws.values()):
        lines = [f"VSW|name={sw.name}|mac-addr={_mac(node.name, sw.name)}|net-dev={sw.net_dev or ''}"
                 f"|id={i}|dev=switch@{i}|mode=|mtu={sw.mtu}"]
        lines += [f"|peer={v.name}@{d.name}|mac-addr={_mac(node.name, d.name, v.name)}"
                  for d in node.domains.values() for v in d.vnets.values() if v.vsw == sw.name]
        secs.append(("VSW", lines))
    for vds in dom.vdss.values():
        clients = [(k, d) for d in node.domains.values() for k in d.vdisks.values() if k.vds == vds.name]
        lines = [f"VDS|name={vds.name}|nclients={len(clients)}"]
        lines += [f"|vol={dev.volume}|opts={dev.options}|dev={dev.backend}|mpgroup={dev.mpgroup or ''}"
                  for dev in vds.volumes.values()]
        lines += [f"|client={k.name}@{d.name}|vol={k.volume}" for k, d in clients]
        secs.append(("VDS", lines))
    if extended:
        secs.append(("VLDCC", ["VLDCC|name=ds|service=primary@primary|desc=domain-services"]))
    for v in dom.vnets.values():
        secs.append(("NETWORK", [f"VNET|name={v.name}|dev=network@{v.id}|service={v.vsw}@{_vsw_owner(node, v.vsw)}"
                                 f"|mac-addr={_mac(node.name, dom.name, v.name)}|mode=|mtu=1500|id={v.id}"]))
    for k in dom.vdisks.values():
        secs.append(("DISK", [f"VDISK|name={k.name}|vol={k.volume}@{k.vds}|timeout={k.timeout}|dev=disk@{k.id}"
                              f"|server={_vds_owner(node, k.vds)}|mpgroup={_vdisk_mpgroup(node, k.vds, k.volume)}"
                              f"|id={k.id}"]))
    if dom.role == "control":
        secs.append(("VCONS", ["VCONS|type=UART"]))
    else:
        secs.append(("VCONS", [f"VCONS|group={dom.name}|service={_console_service(dom)}|port={dom.cons}"]))
    return secs


def parseable_listing(doms: Sequence[Domain], release: Release, extended: bool = False,
                      formats: Sequence[str] | None = None) -> str:
    """`ldm list -l -p` and `ldm list-bindings -p` (and -o with -p): the VERSION line, then per
    domain its DOMAIN record (flags spelled out) and the records of its sections."""
    out = [release.parseable_version]
    wanted = None if formats is None else {t for f in formats for t in LIST_FORMATS[f]}
    for dom in doms:
        out.append(parseable_row(dom, release, long=True))
        for title, lines in _parseable_sections(dom, release, extended=extended):
            if wanted is None or title in wanted:
                out += lines
    return "\n".join(out) + "\n"


def list_services(node: Node) -> str:
    doms = list(node.domains.values())
    out: list[str] = []
    vccs = [(v, d) for d in doms for v in d.vccs.values()]
    if vccs:
        w = max(12, *(len(v.name) for v, _ in vccs))
        out += ["VCC", f"    {'NAME':<{w}} {'LDOM':<12} PORT-RANGE"]
        out += [f"    {v.name:<{w}} {d.name:<12} {v.port_range[0]}-{v.port_range[1]}" for v, d in vccs]
        out.append("")
    vsws = [(v, d) for d in doms for v in d.vsws.values()]
    if vsws:
        w = max(12, *(len(v.name) for v, _ in vsws))
        out += ["VSW", f"    {'NAME':<{w}} {'LDOM':<12} MAC               NET-DEV   ID   DEVICE     LINKPROP   "
                       "DEFAULT-VLAN-ID PVID VID                  MTU   MODE   INTER-VNET-LINK"]
        for i, (v, d) in enumerate(vsws):
            out.append(f"    {v.name:<{w}} {d.name:<12} {_mac(node.name, v.name):<17} {v.net_dev or '':<9} "
                       f"{i:<4} {f'switch@{i}':<10} {'':<10} {'1':<15} {'1':<4} {'':<20} {v.mtu:<5} "
                       f"{'':<6} on")
        out.append("")
    vdss = [(v, d) for d in doms for v in d.vdss.values()]
    if vdss:
        w = max(12, *(len(v.name) for v, _ in vdss))
        out += ["VDS", f"    {'NAME':<{w}} {'LDOM':<12} VOLUME         OPTIONS          MPGROUP        DEVICE"]
        for vds, d in vdss:
            if not vds.volumes:
                out.append(f"    {vds.name:<{w}} {d.name}")
            for i, dev in enumerate(vds.volumes.values()):
                name, ldom = (vds.name, d.name) if i == 0 else ("", "")
                out.append(f"    {name:<{w}} {ldom:<12} {dev.volume:<14} {dev.options:<16} "
                           f"{dev.mpgroup or '':<14} {dev.backend}")
        out.append("")
    return "\n".join(out) + ("\n" if out else "")


def list_services_parseable(node: Node, release: Release) -> str:
    """`ldm list-services -p`: ``VCC|name=..|ldom=..|port-range=..``, ``VSW|name=..|ldom=..|...``,
    ``VDS|name=..|ldom=..`` then one ``|vol=..|opts=..|dev=..|mpgroup=..`` line per volume (the
    records opensvc's ldom disk driver reads: VDS name, then vol= and dev= of each volume)."""
    doms = list(node.domains.values())
    out = [release.parseable_version]
    out += [f"VCC|name={v.name}|ldom={d.name}|port-range={v.port_range[0]}-{v.port_range[1]}"
            for d in doms for v in d.vccs.values()]
    vsws = [(v, d) for d in doms for v in d.vsws.values()]
    out += [f"VSW|name={v.name}|ldom={d.name}|mac-addr={_mac(node.name, v.name)}|net-dev={v.net_dev or ''}"
            f"|id={i}|dev=switch@{i}|mode=|mtu={v.mtu}" for i, (v, d) in enumerate(vsws)]
    for d in doms:
        for vds in d.vdss.values():
            out.append(f"VDS|name={vds.name}|ldom={d.name}")
            out += [f"|vol={dev.volume}|opts={dev.options}|dev={dev.backend}|mpgroup={dev.mpgroup or ''}"
                    for dev in vds.volumes.values()]
    return "\n".join(out) + "\n"


def list_io(node: Node) -> str:
    out = [f"{'NAME':<41} {'TYPE':<6} {'BUS':<8} {'DOMAIN':<8} STATUS",
           f"{'----':<41} {'----':<6} {'---':<8} {'------':<8} ------"]
    for bus, owner in sorted(node.buses.items(), key=lambda kv: _bus_order(kv[0])):
        out.append(f"{bus:<41} {'BUS':<6} {bus:<8} {owner:<8} IOV")
    return "\n".join(out) + "\n"


def _bus_order(bus: str) -> tuple[str, int]:
    prefix, _, n = bus.rpartition("_")
    return (prefix, int(n)) if n.isdigit() else (bus, 0)


# ------------------------------------------------------------------------- I/O dependencies
#
# `ldm list-dependencies [-l] [-p] [-r] [ldom]` (Oracle VM Server for SPARC 3.4 Administration Guide,
# "Listing Domain I/O Dependencies"): the I/O a domain gets from others, VDISK (a virtual disk on a
# volume another domain exports) and VNET (a virtual network device on another domain's virtual
# switch). Columns DOMAIN (15) DEPENDENCY or DEPENDENT (16) TYPE (10) [DEVICE]: one row per
# dependency, TYPE its kinds joined by commas; with -l one row per device (``primary-vds0/vdisk0``:
# service/device), the dependency named on its first row only; -r inverts (the domains depending
# on each). Every domain of the node is listed, those without dependencies on a row of their own.
# The -p form (not shown in the guide) is this emulator's: ``DOMAIN|name=..`` then one
# ``|dependency=..|type=..`` (``|dependent=..`` with -r, ``|dev=..`` with -l) record per row.


def _dependencies(dom: Domain) -> list[tuple[str, str, str]]:
    """(service domain, type, device) of every virtual device of `dom`, disks first."""
    node = dom.node
    deps = [(_vds_owner(node, k.vds), "VDISK", f"{k.vds}/{k.name}") for k in dom.vdisks.values()]
    deps += [(_vsw_owner(node, v.vsw), "VNET", f"{v.vsw}/{v.name}") for v in dom.vnets.values()]
    return deps


def _dependency_rows(node: Node, dom: Domain, reverse: bool) -> list[tuple[str, str, str]]:
    """(other domain, type, device) rows of `dom`: what it depends on, or (reverse) who depends on it."""
    if not reverse:
        rows = _dependencies(dom)
    else:
        rows = [(other.name, kind, dev) for other in node.domains.values()
                for server, kind, dev in _dependencies(other) if server == dom.name]
    order = {name: i for i, name in enumerate(node.domains)}
    return sorted(rows, key=lambda r: (order.get(r[0], len(order)), r[1] != "VDISK"))


def list_dependencies(node: Node, doms: Sequence[Domain], long: bool, reverse: bool, parseable: bool,
                      release: Release) -> str:
    who = "DEPENDENT" if reverse else "DEPENDENCY"
    if parseable:
        out = [release.parseable_version]
        for dom in doms:
            out.append(f"DOMAIN|name={dom.name}")
            rows = _dependency_rows(node, dom, reverse)
            if long:
                out += [f"|{who.lower()}={o}|type={t}|dev={d}" for o, t, d in rows]
            else:
                for other in dict.fromkeys(o for o, _, _ in rows):
                    kinds = ",".join(dict.fromkeys(t for o, t, _ in rows if o == other))
                    out.append(f"|{who.lower()}={other}|type={kinds}")
        return "\n".join(out) + "\n"
    wd = max(15, *(len(d.name) + 1 for d in node.domains.values()))
    wo = max(16, *(len(d.name) + 1 for d in node.domains.values()))
    out = [(f"{'DOMAIN':<{wd}}{who:<{wo}}{'TYPE':<10}DEVICE" if long else f"{'DOMAIN':<{wd}}{who:<{wo}}TYPE")]
    for dom in doms:
        rows = _dependency_rows(node, dom, reverse)
        first = dom.name
        if not rows:
            out.append(dom.name)
            continue
        if long:
            last = None
            for other, kind, dev in rows:
                out.append(f"{first:<{wd}}{other if other != last else '':<{wo}}{kind:<10}{dev}")
                first, last = "", other
        else:
            for other in dict.fromkeys(o for o, _, _ in rows):
                kinds = ",".join(dict.fromkeys(t for o, t, _ in rows if o == other))
                out.append(f"{first:<{wd}}{other:<{wo}}{kinds}")
                first = ""
    return "\n".join(out) + "\n"


# -------------------------------------------------------------------------------------- commands


def _domains(node: Node, names: Sequence[str]) -> list[Domain]:
    return [node.domain(n) for n in names] if names else list(node.domains.values())


def _take_option(args: Sequence[str], letter: str) -> tuple[list[str], list[str]]:
    """Pull ``-X value`` / ``-Xvalue`` (and a -X inside a cluster of flags, ``-lo disk``) out of argv."""
    rest: list[str] = []
    values: list[str] = []
    it = iter(args)
    for a in it:
        if a.startswith("-") and len(a) > 1 and letter in a[1:]:
            at = a.index(letter)
            flags, value = a[1:at], a[at + 1:]
            if not value:
                value = next(it, "")
                if not value:
                    raise _Usage(f"list-domain [-e] [-l] [-o format] [-p] [ldom...]  (-{letter} needs a value)")
            values.append(value)
            if flags:
                rest.append("-" + flags)
        else:
            rest.append(a)
    return rest, values


def _formats(values: Sequence[str]) -> list[str] | None:
    if not values:
        return None
    formats = [f for v in values for f in v.split(",") if f]
    bad = [f for f in formats if f not in LIST_FORMATS]
    if bad or not formats:
        raise PlatformError(f"Invalid format: {bad[0] if bad else ''}\n"
                            f"Valid formats are: {', '.join(LIST_FORMATS)}")
    return formats


def _cmd_list(node: Node, args: Sequence[str]) -> Result:
    rest, o_values = _take_option(args, "o")
    opts, _, names = _split(rest, "lpe")
    formats = _formats(o_values)
    doms = _domains(node, names)
    release = release_of(node.platform)
    extended = "e" in opts
    if "p" in opts:
        if "l" in opts or extended or formats is not None:
            return 0, parseable_listing(doms, release, extended=extended, formats=formats), ""
        return 0, release.parseable_version + "\n" + "".join(parseable_row(d, release) + "\n" for d in doms), ""
    if "l" in opts or extended or formats is not None:
        return 0, (SEPARATOR + "\n").join(long_listing(d, extended=extended, formats=formats) for d in doms), ""
    return 0, list_header(release) + "\n" + "".join(list_row(d, release) + "\n" for d in doms), ""


def _cmd_bindings(node: Node, args: Sequence[str]) -> Result:
    opts, _, names = _split(args, "ep")
    doms = _domains(node, names)
    if "p" in opts:
        return 0, parseable_listing(doms, release_of(node.platform), extended="e" in opts), ""
    return 0, (SEPARATOR + "\n").join(long_listing(d, extended="e" in opts) for d in doms), ""


def _cmd_services(node: Node, args: Sequence[str]) -> Result:
    opts, _, names = _split(args, "ep")
    if names:
        node.domain(names[0])
    if "p" in opts:
        return 0, list_services_parseable(node, release_of(node.platform)), ""
    return 0, list_services(node), ""


def _cmd_dependencies(node: Node, args: Sequence[str]) -> Result:
    opts, _, names = _split(args, "lpr")
    if len(names) > 1:
        raise _Usage("list-dependencies [-l] [-p] [-r] [ldom]")
    doms = _domains(node, names)
    return 0, list_dependencies(node, doms, long="l" in opts, reverse="r" in opts, parseable="p" in opts,
                                release=release_of(node.platform)), ""


def _cmd_variable(node: Node, args: Sequence[str]) -> Result:
    """`ldm list-variable [var-name...] ldom`: ``name=value`` lines (Logical Domains 1.0.1
    Administration Guide, "Variable List for a Domain"); a name not set prints nothing."""
    _, _, ops = _split(args)
    if not ops:
        raise _Usage("list-variable [var-name...] ldom")
    *wanted, ldom = ops
    values = variables(node.domain(ldom))
    names = wanted or list(values)
    return 0, "".join(f"{n}={values[n]}\n" for n in names if n in values), ""


def _cmd_io(node: Node, args: Sequence[str]) -> Result:
    _split(args, "lp")
    return 0, list_io(node), ""


def _need(operands: list[str], n: int, usage: str) -> list[str]:
    if len(operands) != n:
        raise _Usage(usage)
    return operands


def _cmd_add_vsw(node: Node, args: Sequence[str]) -> Result:
    _, props, ops = _split(args, "q")
    name, ldom = _need(ops, 2, "add-vsw [mac-addr=num] [net-dev=device] [mtu=size] vswitch-name ldom")
    dom = node.domain(ldom)
    node._unused_service(name)
    dom.add_vsw(name, net_dev=props.get("net-dev") or None)
    return 0, "", ""


def _cmd_rm_vsw(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "f")
    (name,) = _need(ops, 1, "rm-vsw [-f] vswitch-name")
    node.find_vsw(name).remove_vsw(name)
    return 0, "", ""


def _cmd_add_vnet(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "q")
    name, vsw, ldom = _need(ops, 3, "add-vnet [mac-addr=num] [mtu=size] if-name vswitch-name ldom")
    node.domain(ldom).add_vnet(name, vsw)
    return 0, "", ""


def _cmd_rm_vnet(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "f")
    name, ldom = _need(ops, 2, "rm-vnet [-f] if-name ldom")
    node.domain(ldom).remove_vnet(name)
    return 0, "", ""


def _cmd_add_vds(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args)
    name, ldom = _need(ops, 2, "add-vds service-name ldom")
    node.domain(ldom).add_vds(name)
    return 0, "", ""


def _cmd_rm_vds(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "f")
    (name,) = _need(ops, 1, "rm-vds [-f] service-name")
    node.find_vds(name).remove_vds(name)
    return 0, "", ""


def _volume_at(text: str, usage: str) -> tuple[str, str]:
    vol, _, svc = text.partition("@")
    if not vol or not svc:
        raise _Usage(usage)
    return vol, svc


def _cmd_add_vdsdev(node: Node, args: Sequence[str]) -> Result:
    usage = "add-vdsdev [-f] [-q] [options={ro,slice,excl}] [mpgroup=mpgroup] backend volume-name@service-name"
    opts, props, ops = _split(args, "fq")
    backend, target = _need(ops, 2, usage)
    vol, svc = _volume_at(target, usage)
    node.find_vds(svc).add_vdsdev(vol, vds=svc, backend=backend, mpgroup=props.get("mpgroup") or None,
                                  options=props.get("options", ""), validate="q" not in opts)
    return 0, "", ""


def _cmd_rm_vdsdev(node: Node, args: Sequence[str]) -> Result:
    usage = "rm-vdsdev [-f] volume-name@service-name"
    _, _, ops = _split(args, "f")
    (target,) = _need(ops, 1, usage)
    vol, svc = _volume_at(target, usage)
    node.find_vds(svc).remove_vdsdev(vol, svc)
    return 0, "", ""


def _cmd_add_vdisk(node: Node, args: Sequence[str]) -> Result:
    _, props, ops = _split(args)
    name, volume, ldom = _need(ops, 3, "add-vdisk [timeout=seconds] [id=disk-id] disk-name "
                                       "volume-name@service-name ldom")
    node.domain(ldom).add_vdisk(name, volume, timeout=props.get("timeout", ""))
    return 0, "", ""


def _cmd_rm_vdisk(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "f")
    name, ldom = _need(ops, 2, "rm-vdisk [-f] disk-name ldom")
    node.domain(ldom).remove_vdisk(name)
    return 0, "", ""


def _cmd_bind(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args, "fq")
    (ldom,) = _need(ops, 1, "bind-domain ldom")
    node.domain(ldom).bind()
    return 0, "", ""


def _cmd_unbind(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args)
    (ldom,) = _need(ops, 1, "unbind-domain ldom")
    dom = node.domain(ldom)
    if dom.role == "control":
        raise PlatformError("Operation not supported on the control domain")
    dom.unbind()
    return 0, "", ""


def _cmd_start(node: Node, args: Sequence[str]) -> Result:
    opts, _, ops = _split(args, "a")
    if "a" in opts:
        doms = [d for d in node.domains.values() if d.state == "bound"]
    elif ops:
        doms = [node.domain(n) for n in ops]
    else:
        raise _Usage("start-domain (-a | ldom...)")
    out = []
    for d in doms:
        d.start()
        out.append(f"LDom {d.name} started\n")
    return 0, "".join(out), ""


def _cmd_stop(node: Node, args: Sequence[str]) -> Result:
    opts, _, ops = _split(args, "afqr")
    if "a" in opts:
        doms = [d for d in node.domains.values() if d.state == "active" and d.role != "control"]
    else:
        if not ops:
            raise _Usage("stop-domain [[-f] | [-q]] [-r | -t sec] (-a | ldom...)")
        doms = [node.domain(n) for n in ops]
    out = []
    for d in doms:
        if d.role == "control":
            raise PlatformError("Operation not supported on the control domain")
        d.stop(force="f" in opts)
        out.append(f"LDom {d.name} stopped\n")
    return 0, "".join(out), ""


def _cmd_panic(node: Node, args: Sequence[str]) -> Result:
    _, _, ops = _split(args)
    (ldom,) = _need(ops, 1, "panic-domain ldom")
    node.domain(ldom).panic()
    return 0, "", ""


def _cmd_set_domain(node: Node, args: Sequence[str]) -> Result:
    usage = "set-domain [failure-policy=ignore|panic|reset|stop] [master=[master-ldom1,...]] ldom"
    _, props, ops = _split(args)
    (ldom,) = _need(ops, 1, usage)
    unknown = set(props) - {"failure-policy", "master"}
    if unknown or not props:
        raise _Usage(usage)
    dom = node.domain(ldom)
    if "master" in props:
        dom.set_masters([m for m in props["master"].split(",") if m])
    if "failure-policy" in props:
        dom.set_failure_policy(props["failure-policy"])
    return 0, "", ""


_COMMANDS: dict[str, Callable[[Node, Sequence[str]], Result]] = {}
for _names, _fn in [
    (("list", "ls", "list-domain", "ls-dom"), _cmd_list),
    (("list-bindings", "ls-bindings"), _cmd_bindings),
    (("list-services", "ls-services"), _cmd_services),
    (("list-io", "ls-io"), _cmd_io),
    (("list-dependencies", "ls-dependencies", "list-dep", "ls-dep"), _cmd_dependencies),
    (("list-variable", "ls-variable", "list-var", "ls-var"), _cmd_variable),
    (("add-vsw", "add-vswitch"), _cmd_add_vsw),
    (("rm-vsw", "remove-vsw", "rm-vswitch", "remove-vswitch"), _cmd_rm_vsw),
    (("add-vnet",), _cmd_add_vnet),
    (("rm-vnet", "remove-vnet"), _cmd_rm_vnet),
    (("add-vds", "add-vdiskserver"), _cmd_add_vds),
    (("rm-vds", "remove-vds", "rm-vdiskserver", "remove-vdiskserver"), _cmd_rm_vds),
    (("add-vdsdev", "add-vdiskserverdevice"), _cmd_add_vdsdev),
    (("rm-vdsdev", "remove-vdsdev", "rm-vdiskserverdevice", "remove-vdiskserverdevice"), _cmd_rm_vdsdev),
    (("add-vdisk",), _cmd_add_vdisk),
    (("rm-vdisk", "remove-vdisk"), _cmd_rm_vdisk),
    (("bind", "bind-domain", "bind-dom"), _cmd_bind),
    (("unbind", "unbind-domain", "unbind-dom"), _cmd_unbind),
    (("start", "start-domain", "start-dom"), _cmd_start),
    (("stop", "stop-domain", "stop-dom"), _cmd_stop),
    (("panic", "panic-domain", "panic-dom"), _cmd_panic),
    (("set-domain", "set-dom"), _cmd_set_domain),
]:
    for _n in _names:
        _COMMANDS[_n] = _fn


def _usage_all() -> str:
    names = ["list [-e] [-l] [-o format] [-p] [ldom...]", "list-bindings [-e] [-p] [ldom...]",
             "list-services [-e] [-p] [ldom]", "list-io", "list-dependencies [-l] [-p] [-r] [ldom]",
             "list-variable [var-name...] ldom",
             "add-vsw [net-dev=device] vswitch-name ldom", "rm-vsw [-f] vswitch-name",
             "add-vnet if-name vswitch-name ldom", "rm-vnet [-f] if-name ldom",
             "add-vds service-name ldom", "rm-vds [-f] service-name",
             "add-vdsdev [-f] [-q] [options=...] [mpgroup=mpgroup] backend volume-name@service-name",
             "rm-vdsdev [-f] volume-name@service-name",
             "add-vdisk [timeout=seconds] disk-name volume-name@service-name ldom", "rm-vdisk [-f] disk-name ldom",
             "bind-domain ldom", "unbind-domain ldom", "start-domain (-a | ldom...)",
             "stop-domain [-f] (-a | ldom...)", "panic-domain ldom",
             "set-domain [failure-policy=ignore|panic|reset|stop] [master=...] ldom"]
    return "Usage:\n" + "".join(f"    ldm {n}\n" for n in names)
