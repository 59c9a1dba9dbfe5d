"""What a lab engineer types on a Solaris domain to look at it, break it and repair it, in process:
`ifconfig`, `luxadm -e offline|online`, `hostname`, `uname`; argv -> (exit code, stdout, stderr).

The commands that break and repair act on the platform's fault points (`Platform.inject/heal`,
emulators/ovm/faults.py) of the system they are typed on, so a fault typed by hand is in the
platform's fault list like one the harness injected, and either side can heal it:

- ``ifconfig NIC down`` pulls the NIC's link (``nic_pull``), ``ifconfig NIC up`` heals it;
- ``luxadm -e offline /dev/rdsk/DISKs2`` takes the disk offline (``disk_offline``),
  ``luxadm -e online ...`` heals it.

Repeating one (down twice, online of a disk that is online) changes nothing and, as on Solaris,
prints nothing and exits 0.

Texts follow the Solaris sources (illumos-gate ``usr/src/cmd/cmd-inet/usr.sbin/ifconfig/ifconfig.c``
and ``usr/src/cmd/luxadm/{adm,hotplug}.c``) and reference/captures/ifconfig-solaris10-ipmp.1.txt:

- ``ifconfig IF``: ``IF: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 2``,
  then ``\\tinet A netmask ffffff00 broadcast B`` and ``\\tether 0:14:4f:..``. A NIC without link
  prints as after ``ifconfig IF down``: ``flags=1000842<BROADCAST,RUNNING,MULTICAST,IPv4>``
  (choice: the emulated NIC has one link state, so a pulled cable and an interface taken down
  print alike). A guest's vnet without a working path prints UP without RUNNING.
- an unknown interface: ``ifconfig: status: SIOCGLIFFLAGS: IF: no such interface`` (status) or
  ``ifconfig: setifflags: SIOCGLIFFLAGS: IF: no such interface`` (up/down), exit 1
  (``Perror0_exit`` of status() / setifflags()).
- ``luxadm -e offline|online PATH`` with a path that names no disk of the domain:
  ``Error: Invalid pathname (PATH)``, exit 255 (hotplug_e returns 1, main() exits -1).
"""

from __future__ import annotations

from collections.abc import Sequence

from emulators.ovm.ldm import Result, release_of, shell_gate
from emulators.ovm.model import Domain, Node, Platform, backend_kind, stable_hex
from emulators.ovm.solaris import data_links

# ----------------------------------------------------------------------------------------- login


def _login(platform: Platform, system: str, command: str) -> tuple[Domain | None, Result | None]:
    gate = shell_gate(platform, system, command)
    if isinstance(gate[0], Node):
        return gate[1], None  # type: ignore[misc]
    return None, gate  # type: ignore[return-value]


def _fault_in_force(platform: Platform, kind: str, where: str) -> bool:
    return any(f.kind == kind and f.where == where for f in platform.faults())


# -------------------------------------------------------------------------------------- ifconfig

_IFF = {"UP": 0x1, "BROADCAST": 0x2, "LOOPBACK": 0x8, "RUNNING": 0x40, "MULTICAST": 0x800,
        "IPv4": 0x1000000, "VIRTUAL": 0x2000000000}
_IFCONFIG_USAGE = ("usage: ifconfig <interface> | -a[ 4 | 6 | D ][ u | d ][ Z ]\n"
                   "\t[ up ] [ down ]\n")


def _flags(names: Sequence[str]) -> str:
    value = sum(_IFF[n] for n in names)
    return f"flags={value:x}<{','.join(names)}>"


def _interfaces(dom: Domain) -> list[tuple[str, bool, bool, int]]:
    """(name, up, running, mtu) of the IPv4 interfaces plumbed in the domain, lo0 excluded, named
    after their data links (`data_links`: net0.. over a guest's vnets on Solaris 11): a service
    domain's NICs (up while the NIC has link), a guest's vnets (running while they reach a NIC with
    link)."""
    nics = set(dom.nics)
    return [(link.link, link.up, True, link.mtu) if link.link in nics else (link.link, True, link.up, link.mtu)
            for link in data_links(dom)]


def _ether(dom: Domain, name: str) -> str:
    h = stable_hex(dom.node.name, dom.name, name, "ether")
    return ":".join(f"{int(x, 16):x}" for x in ("00", "14", "4f", h[0:2], h[2:4], h[4:6]))


def _inet(dom: Domain, name: str) -> tuple[str, str]:
    h = stable_hex(dom.node.name, dom.name, name, "inet")
    net = f"10.{int(h[0:2], 16)}.{int(h[2:4], 16)}"
    return f"{net}.{int(h[4:6], 16) % 250 + 2}", f"{net}.255"


def _interface_block(dom: Domain, index: int, name: str, up: bool, running: bool, mtu: int) -> str:
    names = [n for n, on in (("UP", up), ("BROADCAST", True), ("RUNNING", running), ("MULTICAST", True),
                             ("IPv4", True)) if on]
    addr, broadcast = _inet(dom, name)
    return (f"{name}: {_flags(names)} mtu {mtu} index {index}\n"
            f"\tinet {addr} netmask ffffff00 broadcast {broadcast}\n"
            f"\tether {_ether(dom, name)}\n")


def _loopback_block() -> str:
    return (f"lo0: {_flags(['UP', 'LOOPBACK', 'RUNNING', 'MULTICAST', 'IPv4', 'VIRTUAL'])} mtu 8232 index 1\n"
            "\tinet 127.0.0.1 netmask ff000000\n")


def run_ifconfig(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    """``ifconfig -a``, ``ifconfig IF`` and ``ifconfig IF up|down`` on `system`."""
    dom, refusal = _login(platform, system, "ifconfig")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    args = list(argv)
    if not args:
        return 1, "", _IFCONFIG_USAGE
    name, verbs = args[0], args[1:]
    interfaces = _interfaces(dom)
    if name.startswith("-"):
        if "a" not in name[1:]:
            return 1, "", f"ifconfig: {name}: no such interface\n"
        only = {"u": True, "d": False}  # -au: interfaces that are up, -ad: those that are down
        wanted = {only[ch] for ch in name[1:] if ch in only}
        blocks = [_loopback_block()] if not wanted or True in wanted else []
        blocks += [_interface_block(dom, i, *row) for i, row in enumerate(interfaces, start=2)
                   if not wanted or row[1] in wanted]
        return 0, "".join(blocks), ""
    index = {row[0]: i for i, row in enumerate(interfaces, start=2)}
    if not verbs:
        if name == "lo0":
            return 0, _loopback_block(), ""
        if name not in index:
            return 1, "", f"ifconfig: status: SIOCGLIFFLAGS: {name}: no such interface\n"
        return 0, _interface_block(dom, index[name], *interfaces[index[name] - 2]), ""
    if name not in index and name != "lo0":
        return 1, "", f"ifconfig: setifflags: SIOCGLIFFLAGS: {name}: no such interface\n"
    for verb in verbs:
        if verb not in ("up", "down"):
            return 1, "", f"ifconfig: {verb}: not emulated (the emulated ifconfig knows up and down)\n"
        if name not in dom.nics:
            return 1, "", (f"ifconfig: {name} {verb}: not emulated (only the physical NICs of a service "
                           "domain can be taken down)\n")
        _set_link(platform, dom, name, up=verb == "up")
    return 0, "", ""


def _set_link(platform: Platform, dom: Domain, nic: str, up: bool) -> None:
    """Bring the NIC's link up (heal its nic_pull) or down (inject one); what already is stays."""
    where = f"{dom.hostname}:{nic}"
    link = dom.nics[nic]
    if up:
        if _fault_in_force(platform, "nic_pull", where):
            platform.heal("nic_pull", where)
        elif not link.link_up:
            link.link_up = True
            platform._settle()
    elif link.link_up and not _fault_in_force(platform, "nic_pull", where):
        platform.inject("nic_pull", where)


# ---------------------------------------------------------------------------------------- luxadm

_LUXADM_USAGE = ("Usage: luxadm [-v] [-e] subcommand [option] [enclosure[,dev] | pathname ...]\n"
                 "Expert subcommands (-e):\n"
                 "    offline  pathname\n"
                 "    online   pathname\n")


def _luxadm_subcommand(word: str) -> str | None:
    """luxadm's getaction(): a subcommand may be shortened to its first two letters or more."""
    for full in ("offline", "online"):
        if 2 <= len(word) <= len(full) and full.startswith(word):
            return full
    return None


def run_luxadm(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    """``luxadm -e offline|online /dev/rdsk/cXtYdZsN`` on `system` (the expert hotplug commands)."""
    dom, refusal = _login(platform, system, "luxadm")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    args = list(argv)
    expert = False
    while args and args[0].startswith("-") and len(args[0]) > 1 and set(args[0][1:]) <= {"e", "v"}:
        expert = expert or "e" in args[0]
        args.pop(0)
    if not args:
        return 255, "", "luxadm: subcommand not specified.\n" + _LUXADM_USAGE
    command = _luxadm_subcommand(args[0])
    if command is None:
        return 255, "", f"luxadm: subcommand {args[0]} is not emulated (offline, online are).\n" + _LUXADM_USAGE
    paths = args[1:]
    if not paths:
        return 255, "", "Error: enclosure or pathname not specified.\n" + _LUXADM_USAGE
    if not expert:
        return 255, "", _LUXADM_USAGE
    path = paths[0]
    kind, disk = backend_kind(path)
    if kind != "disk" or disk not in dom.disks:
        return 255, "", f"Error: Invalid pathname ({path})\n"
    where = f"{dom.hostname}:{disk}"
    if command == "offline":
        if dom.disks[disk].online and not _fault_in_force(platform, "disk_offline", where):
            platform.inject("disk_offline", where)
    elif _fault_in_force(platform, "disk_offline", where):
        platform.heal("disk_offline", where)
    elif not dom.disks[disk].online:
        dom.disks[disk].online = True
        platform._settle()
    return 0, "", ""


# ------------------------------------------------------------------------------------- format

def run_format(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    """``format`` with no disk named and nothing on its input (``format </dev/null``, ``echo |
    format``): the disks the domain sees, as format(1M) lists them before asking which one, then the
    prompt it leaves at the end of its input. A disk taken offline is listed `<drive not available>`."""
    dom, refusal = _login(platform, system, "format")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    if argv:
        return 1, "", "format: only the disk selection menu is emulated (format </dev/null)\n"
    lines = ["Searching for disks...done", "", "", "AVAILABLE DISK SELECTIONS:"]
    for i, name in enumerate(sorted(dom.disks)):
        label = "<SUN146G cyl 14087 alt 2 hd 24 sec 848>" if dom.disks[name].online else "<drive not available>"
        lines += [f"       {i}. {name} {label}", f"          /pci@0/pci@0/pci@2/scsi@0/sd@{i},0"]
    return 0, "\n".join(lines) + "\nSpecify disk (enter its number): \n", ""


# ------------------------------------------------------------------------------- hostname, uname

_UNAME_FIELDS = "snrvmpi"
_UNAME_USAGE = "usage:\tuname [-snrvmapiX]\n\tuname [-S system_name]\n"


def run_hostname(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    dom, refusal = _login(platform, system, "hostname")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    if argv:
        return 1, "", "hostname: setting the name is not emulated\n"
    return 0, dom.hostname + "\n", ""


def run_uname(platform: Platform, system: str, argv: Sequence[str]) -> Result:
    """``uname [-snrvmpia]`` on sun4v: ``5.11 11.3`` on a Solaris 11 lab, ``5.10 Generic_150400-59``
    (Solaris 10 1/13) on a Solaris 10 one (emulators/ovm/ldm.py `Release`); ``-n`` is the domain's
    hostname."""
    dom, refusal = _login(platform, system, "uname")
    if refusal is not None or dom is None:
        return refusal  # type: ignore[return-value]
    wanted: set[str] = set()
    for a in argv:
        if not a.startswith("-") or len(a) < 2:
            return 1, "", _UNAME_USAGE
        for ch in a[1:]:
            if ch == "a":
                wanted |= set("snrvmpi")
            elif ch in _UNAME_FIELDS:
                wanted.add(ch)
            else:
                return 1, "", f"uname: illegal option -- {ch}\n" + _UNAME_USAGE
    release = release_of(platform)
    values = {"s": "SunOS", "n": dom.hostname, "r": release.uname_release, "v": release.uname_version,
              "m": "sun4v", "p": "sparc", "i": "sun4v"}
    return 0, " ".join(values[f] for f in _UNAME_FIELDS if f in (wanted or {"s"})) + "\n", ""
