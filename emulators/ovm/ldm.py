"""The `ldm` command of a control domain, in process: argv -> (exit code, stdout, stderr).

Output follows reference/captures/ (ldm-list-p, ldm-list-bindings): the short table's column
widths, the `VERSION 1.11` parseable form, the long listing's sections. ldm answers only in a
control domain that is up; elsewhere the shell does not know the command.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from emulators.ovm.model import (
    Domain,
    Node,
    Platform,
    PlatformError,
    format_memory,
    stable_hex,
)

Result = tuple[int, str, str]

LIST_HEADER = "NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  UPTIME"
PARSEABLE_VERSION = "VERSION 1.11"
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


def list_row(dom: Domain) -> str:
    util = f"{dom.util:.1f}%" if dom.util is not None else ""
    return (f"{dom.name:<16} {dom.state:<10} {dom.flags:<7} {dom.cons:<7} {dom.ncpu:<5} "
            f"{format_memory(dom.mem):<8} {util:<5} {format_uptime(dom.uptime())}").rstrip()


def parseable_row(dom: Domain) -> str:
    util = f"{dom.util}" if dom.util is not None else ""
    uptime = dom.uptime()
    return (f"DOMAIN|name={dom.name}|state={dom.state}|flags={dom.flags}|cons={dom.cons}"
            f"|ncpu={dom.ncpu}|mem={dom.mem}|util={util}|uptime={'' if uptime is None else uptime}"
            f"|norm_util={util}")


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


def long_listing(dom: Domain) -> str:
    """The per-domain block of `ldm list -l` and `ldm list-bindings` (capture layout)."""
    node = dom.node
    out = [LIST_HEADER, list_row(dom), ""]
    if dom.state == "active":
        out += ["SOFTSTATE", "OpenBoot Running" if dom.booting else "Solaris running", ""]
    out += ["UUID", f"    {dom.uuid}", "", "MAC", f"    {dom.mac}", "", "HOSTID", f"    {dom.hostid}", ""]
    out += ["CONTROL", f"    failure-policy={dom.failure_policy}", ""]
    out += ["DEPENDENCY", f"    master={','.join(dom.masters)}", ""]
    if dom.state != "inactive":
        base = _cpu_base(dom)
        out += ["CORE", "    CID    CPUSET"]
        for c in range(0, dom.ncpu, 8):
            cpus = ", ".join(str(base + i) for i in range(c, min(c + 8, dom.ncpu)))
            out.append(f"    {(base + c) // 8:<7}({cpus})")
        out += ["", "VCPU", "    VID    PID    CID    UTIL STRAND"]
        util = f"{dom.util:.1f}%" if dom.util is not None else ""
        for v in range(dom.ncpu):
            out.append(f"    {v:<7}{base + v:<7}{(base + v) // 8:<7}{util:>4} {'100%':>6}")
        ra = 0xE000000 if dom.role == "control" else 0x10000000
        out += ["", "MEMORY", "    RA               PA               SIZE",
                f"    {hex(ra):<16} {hex(_mem_base(dom)):<16} {format_memory(dom.mem)}", ""]
    if dom.buses:
        out += ["IO", "    DEVICE           PSEUDONYM        OPTIONS"]
        for bus in dom.buses:
            n = int(bus.rsplit("_", 1)[1]) if bus.rsplit("_", 1)[-1].isdigit() else 0
            out.append(f"    {'pci@%x' % (0x400 + 0x100 * n):<16} {bus}")
        out.append("")
    if dom.vccs:
        out += ["VCC", "    NAME             PORT-RANGE"]
        out += [f"    {v.name:<16} {v.port_range[0]}-{v.port_range[1]}" for v in dom.vccs.values()]
        out.append("")
    if dom.vsws:
        out += ["VSW", "    NAME             MAC               NET-DEV   ID   DEVICE     MTU   MODE"]
        for i, vsw in enumerate(dom.vsws.values()):
            out.append(f"    {vsw.name:<16} {_mac(node.name, vsw.name):<17} {vsw.net_dev or '':<9} "
                       f"{i:<4} {f'switch@{i}':<10} {vsw.mtu}")
            peers = [(v, d) for d in node.domains.values() for v in d.vnets.values() if v.vsw == vsw.name]
            if peers:
                out.append(f"    {'':<16} PEER                        MAC")
                for v, d in peers:
                    out.append(f"    {'':<16} {v.name + '@' + d.name:<27} {_mac(node.name, d.name, v.name)}")
        out.append("")
    if dom.vdss:
        out += ["VDS", "    NAME             VOLUME         OPTIONS          MPGROUP        DEVICE"]
        for vds in dom.vdss.values():
            if not vds.volumes:
                out.append(f"    {vds.name}")
            for i, dev in enumerate(vds.volumes.values()):
                name = vds.name if i == 0 else ""
                out.append(f"    {name:<16} {dev.volume:<14} {dev.options:<16} {dev.mpgroup or '':<14} "
                           f"{dev.backend}")
            clients = [(k, d) for d in node.domains.values() for k in d.vdisks.values() if k.vds == vds.name]
            if clients:
                out.append(f"    {'':<16} CLIENT                      VOLUME")
                for k, d in clients:
                    out.append(f"    {'':<16} {k.name + '@' + d.name:<27} {k.volume}")
        out.append("")
    if dom.vnets:
        out += ["NETWORK", "    NAME             SERVICE                     ID   DEVICE     MAC               MTU"]
        for v in dom.vnets.values():
            try:
                owner = node.find_vsw(v.vsw).name
            except PlatformError:
                owner = "?"
            out.append(f"    {v.name:<16} {v.vsw + '@' + owner:<27} {v.id:<4} {f'network@{v.id}':<10} "
                       f"{_mac(node.name, dom.name, v.name):<17} 1500")
        out.append("")
    if dom.vdisks:
        out += ["DISK", "    NAME             VOLUME                      TOUT ID   DEVICE  SERVER         MPGROUP"]
        for k in dom.vdisks.values():
            try:
                server = node.find_vds(k.vds)
                dev = server.vdss[k.vds].volumes.get(k.volume)
                owner, mpgroup = server.name, (dev.mpgroup if dev else "") or ""
            except PlatformError:
                owner, mpgroup = "?", ""
            out.append(f"    {k.name:<16} {k.volume + '@' + k.vds:<27} {k.timeout:<4} {k.id:<4} "
                       f"{f'disk@{k.id}':<7} {owner:<14} {mpgroup}".rstrip())
        out.append("")
    out += ["VCONS", "    NAME             SERVICE                     PORT"]
    if dom.role == "control":
        out.append("    UART")
    else:
        vcc = next((f"{v.name}@{d.name}" for d in node.domains.values() for v in d.vccs.values()), "")
        out.append(f"    {dom.name:<16} {vcc:<27} {dom.cons}".rstrip())
    out.append("")
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


def list_io(node: Node) -> str:
    out = [f"{'NAME':<41} {'TYPE':<6} {'BUS':<8} {'DOMAIN':<8} STATUS",
           f"{'----':<41} {'----':<6} {'---':<8} {'------':<8} ------"]
    for bus, owner in sorted(node.buses.items(), key=lambda kv: _bus_order(kv[0])):
        out.append(f"{bus:<41} {'BUS':<6} {bus:<8} {owner:<8} IOV")
    return "\n".join(out) + "\n"


def _bus_order(bus: str) -> tuple[str, int]:
    prefix, _, n = bus.rpartition("_")
    return (prefix, int(n)) if n.isdigit() else (bus, 0)


# -------------------------------------------------------------------------------------- commands


def _domains(node: Node, names: Sequence[str]) -> list[Domain]:
    return [node.domain(n) for n in names] if names else list(node.domains.values())


def _cmd_list(node: Node, args: Sequence[str]) -> Result:
    opts, _, names = _split(args, "lpe")
    doms = _domains(node, names)
    if "p" in opts:
        return 0, PARSEABLE_VERSION + "\n" + "".join(parseable_row(d) + "\n" for d in doms), ""
    if "l" in opts:
        return 0, (SEPARATOR + "\n").join(long_listing(d) for d in doms), ""
    return 0, LIST_HEADER + "\n" + "".join(list_row(d) + "\n" for d in doms), ""


def _cmd_bindings(node: Node, args: Sequence[str]) -> Result:
    _, _, names = _split(args, "ep")
    return 0, (SEPARATOR + "\n").join(long_listing(d) for d in _domains(node, names)), ""


def _cmd_services(node: Node, args: Sequence[str]) -> Result:
    _, _, names = _split(args, "ep")
    if names:
        node.domain(names[0])
    return 0, list_services(node), ""


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
    names = ["list [-e] [-l] [-p] [ldom...]", "list-bindings [ldom...]", "list-services [ldom]", "list-io",
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
