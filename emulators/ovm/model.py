"""Platform model of Oracle VM Server for SPARC (LDoms): state and transitions, no I/O.

A `Platform` holds physical nodes (servers). Each node has PCIe root complexes and logical domains:
the control domain (ldm name ``primary``), alternate I/O (root/service) domains, plain service
domains and guests. Service domains own physical NICs, disks and zpools and export virtual
services (vsw, vds with vdsdev volumes, vcc); guests consume them through vnets and vdisks. Vdisks
whose volumes share an ``mpgroup`` are paths to the same backend, which is what lets a guest keep
its storage when one I/O domain dies.

Every mutation ends in `Platform._settle()`, which diffs the observable state against the last
snapshot, publishes events to subscribers and appends to the guests' I/O timelines. That keeps the
transitions simple (they only change fields) and makes every change observable the same way.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from emulators.clock import Clock, Timer
from emulators.ovm import faults
from emulators.ovm.errors import PlatformError
from emulators.ovm.faults import Fault

ROLES = ("control", "alternate", "service", "guest")
FAILURE_POLICIES = ("ignore", "panic", "reset", "stop")
STATES = ("inactive", "bound", "active")
HEALTHY_POOL = ("ONLINE", "DEGRADED")
GIB = 1024**3

_DEFAULT_NCPU = {"control": 8, "alternate": 8, "service": 8, "guest": 8}
_DEFAULT_MEM = {"control": 16 * GIB, "alternate": 8 * GIB, "service": 8 * GIB, "guest": 8 * GIB}
_UTIL = {"control": 0.4, "alternate": 0.2, "service": 0.2, "guest": 1.4}
FIRST_CONSOLE_PORT = 5000
SOLARIS_RELEASES = (10, 11)  # a lab is one Solaris release as a whole


# ---------------------------------------------------------------------------------------- events


@dataclass(frozen=True)
class DomainChanged:
    """A domain's ldm state or its OS being up changed. `up` = active and booted (in membership)."""

    t: float
    node: str
    domain: str
    hostname: str
    old: str
    new: str
    was_up: bool
    up: bool
    kind: str = "domain"


@dataclass(frozen=True)
class NodePowerChanged:
    t: float
    node: str
    powered: bool
    kind: str = "node"


@dataclass(frozen=True)
class NicChanged:
    t: float
    node: str
    system: str
    nic: str
    link: str  # "up" | "down"
    kind: str = "nic"


@dataclass(frozen=True)
class DiskChanged:
    t: float
    node: str
    system: str
    disk: str
    state: str  # "online" | "offline"
    kind: str = "disk"


@dataclass(frozen=True)
class PoolChanged:
    t: float
    node: str
    system: str
    pool: str
    health: str
    imported: bool
    kind: str = "pool"


@dataclass(frozen=True)
class IoChanged:
    t: float
    guest: str
    node: str | None
    storage_ok: bool
    network_ok: bool
    kind: str = "io"


Event = DomainChanged | NodePowerChanged | NicChanged | DiskChanged | PoolChanged | IoChanged


@dataclass(frozen=True)
class IoSample:
    """Guest I/O availability from time `t` on; `node` is where the guest is active (or None)."""

    t: float
    node: str | None
    storage_ok: bool
    network_ok: bool

    @property
    def ok(self) -> bool:
        return self.storage_ok and self.network_ok


@dataclass(frozen=True)
class IoOutage:
    """A stretch of [t0, t1] in which the guest lacked storage or network (or both)."""

    start: float
    end: float
    ongoing: bool  # still out at the end of the window asked about
    storage_lost: bool
    network_lost: bool

    @property
    def duration(self) -> float:
        return self.end - self.start


# ------------------------------------------------------------------------- physical resources


@dataclass
class Nic:
    name: str
    link_up: bool = True
    speed: int = 1000
    mtu: int = 1500


@dataclass
class Disk:
    name: str
    online: bool = True


@dataclass
class TopVdev:
    """A top-level vdev: one disk, a mirror or a raidz group."""

    kind: str  # "disk" | "mirror" | "raidz1" | "raidz2" | "raidz3"
    disks: list[str]
    index: int = 0

    @property
    def label(self) -> str:
        return self.disks[0] if self.kind == "disk" else f"{self.kind}-{self.index}"

    @property
    def tolerance(self) -> int:
        if self.kind == "mirror":
            return len(self.disks) - 1
        if self.kind.startswith("raidz"):
            return int(self.kind[5:])
        return 0


@dataclass
class Zpool:
    """A zpool; health is derived from its devices, never stored."""

    name: str
    vdevs: list[TopVdev]
    imported: bool = True
    offline_devices: set[str] = field(default_factory=set)  # `zpool offline` by the administrator
    devices_lost: bool = False  # the zpool_offline fault: no device of the pool can be opened
    size: str = "68G"
    alloc: str = "10.2G"
    free: str = "57.8G"
    cap: str = "15%"

    def disks(self) -> list[str]:
        return [d for v in self.vdevs for d in v.disks]


@dataclass
class Vsw:
    name: str
    net_dev: str | None
    mtu: int = 1500


@dataclass
class Vdsdev:
    volume: str
    backend: str
    mpgroup: str | None = None
    options: str = ""


@dataclass
class Vds:
    name: str
    volumes: dict[str, Vdsdev] = field(default_factory=dict)


@dataclass
class Vcc:
    name: str
    port_range: tuple[int, int] = (5000, 5100)


@dataclass
class Vnet:
    name: str
    vsw: str
    id: int = 0


@dataclass
class Vdisk:
    name: str
    volume: str
    vds: str
    id: int = 0
    timeout: str = ""


def parse_vdevs(spec: Iterable[str]) -> list[TopVdev]:
    """Read a `zpool create` vdev list: ``["c0t1d0"]``, ``["mirror", "c0t2d0", "c0t3d0"]``, ..."""
    words = [w for item in spec for w in str(item).split()]
    if not words:
        raise PlatformError("invalid vdev specification: at least one device is required")
    vdevs: list[TopVdev] = []
    counters: dict[str, int] = {}
    i = 0
    while i < len(words):
        word = words[i]
        kind = "raidz1" if word == "raidz" else word
        if kind in ("mirror", "raidz1", "raidz2", "raidz3"):
            j = i + 1
            while j < len(words) and words[j] not in ("mirror", "raidz", "raidz1", "raidz2", "raidz3"):
                j += 1
            members = words[i + 1:j]
            need = 2 if kind == "mirror" else int(kind[5:]) + 1
            if len(members) < need:
                raise PlatformError(f"invalid vdev specification: {word} requires at least {need} devices")
            label_kind = "raidz" if kind == "raidz1" and word == "raidz" else kind
            idx = sum(counters.values())
            counters[label_kind] = counters.get(label_kind, 0) + 1
            vdevs.append(TopVdev(kind, members, idx))
            i = j
        else:
            vdevs.append(TopVdev("disk", [word], sum(counters.values())))
            counters["disk"] = counters.get("disk", 0) + 1
            i += 1
    return vdevs


def backend_kind(backend: str) -> tuple[str, str]:
    """Classify a vdsdev backend: ("zvol", pool), ("disk", cXtYdZ) or ("file", path)."""
    if backend.startswith("/dev/zvol/dsk/") or backend.startswith("/dev/zvol/rdsk/"):
        rest = backend.split("/", 4)[4]
        return "zvol", rest.split("/", 1)[0]
    if backend.startswith("/dev/dsk/") or backend.startswith("/dev/rdsk/"):
        dev = backend.rsplit("/", 1)[1]
        s_at = dev.find("s", dev.rfind("d"))  # c0t1d0s2 -> c0t1d0: the slice follows d<N>
        return "disk", dev[:s_at] if s_at > 0 else dev
    return "file", backend


def stable_hex(*parts: str) -> str:
    return hashlib.sha1("/".join(parts).encode()).hexdigest()


# -------------------------------------------------------------------------------------- domain


class Domain:
    """A logical domain on one node. Services and devices are configuration; availability is derived."""

    def __init__(self, node: Node, name: str, hostname: str, role: str, ncpu: int, mem: int,
                 failure_policy: str, masters: list[str], autoboot: bool, buses: list[str]) -> None:
        self.node = node
        self.name = name
        self.hostname = hostname
        self.role = role
        self.ncpu = ncpu
        self.mem = mem
        self.failure_policy = failure_policy
        self.masters = masters
        self.autoboot = autoboot
        self.buses = buses
        self.state = "inactive"
        self.booting = False
        self.started_at: float | None = None
        self.cons_port: int | None = None
        self._boot_timer: Timer | None = None
        self.nics: dict[str, Nic] = {}
        self.disks: dict[str, Disk] = {}
        self.pools: dict[str, Zpool] = {}
        self.mounts: dict[str, str] = {}  # mount point -> block device / dataset
        self.vsws: dict[str, Vsw] = {}
        self.vdss: dict[str, Vds] = {}
        self.vccs: dict[str, Vcc] = {}
        self.vnets: dict[str, Vnet] = {}
        self.vdisks: dict[str, Vdisk] = {}

    def __repr__(self) -> str:
        return f"<Domain {self.node.name}/{self.name} ({self.hostname}) {self.state}>"

    @property
    def platform(self) -> Platform:
        return self.node.platform

    # ---- derived state
    @property
    def up(self) -> bool:
        """Active with its OS booted: it serves I/O and runs commands (is in the cluster membership)."""
        return self.node.powered and self.state == "active" and not self.booting

    @property
    def is_service_domain(self) -> bool:
        return bool(self.vsws or self.vdss or self.vccs)

    @property
    def flags(self) -> str:
        """The six-character ldm flags column."""
        if self.state != "active":
            return "------"
        col2 = "t" if self.booting else "n"
        col4 = "c" if self.role == "control" else "-"
        col5 = "v" if self.is_service_domain else "-"
        return f"-{col2}-{col4}{col5}-"

    @property
    def cons(self) -> str:
        if self.role == "control":
            return "UART"
        return str(self.cons_port) if self.cons_port is not None else ""

    def uptime(self) -> int | None:
        if self.state != "active" or self.started_at is None:
            return None
        return int(self.platform.clock.now() - self.started_at)

    @property
    def util(self) -> float | None:
        return _UTIL[self.role] if self.state == "active" else None

    @property
    def mac(self) -> str:
        h = stable_hex(self.node.name, self.name, "mac")
        return f"00:14:4f:{h[0:2]}:{h[2:4]}:{h[4:6]}"

    @property
    def uuid(self) -> str:
        h = stable_hex(self.node.name, self.name, "uuid")
        return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"

    @property
    def hostid(self) -> str:
        return "0x84" + stable_hex(self.node.name, self.name, "hostid")[:6]

    # ---- builder: physical resources of a service domain
    def add_nic(self, name: str, link_up: bool = True, speed: int = 1000) -> Nic:
        self._unused(name, self.nics, "NIC")
        nic = self.nics[name] = Nic(name, link_up, speed)
        self.platform._settle()
        return nic

    def add_disk(self, name: str, online: bool = True) -> Disk:
        self._unused(name, self.disks, "disk")
        disk = self.disks[name] = Disk(name, online)
        self.platform._settle()
        return disk

    def add_zpool(self, name: str, vdevs: Iterable[str], imported: bool = True) -> Zpool:
        """Create a pool on disks of this domain (missing disks are added, online)."""
        self._unused(name, self.pools, "zpool")
        layout = parse_vdevs(vdevs)
        used = {d for p in self.pools.values() for d in p.disks()}
        for top in layout:
            for d in top.disks:
                if d in used:
                    raise PlatformError(f"invalid vdev specification: {d} is part of an active pool")
                if d not in self.disks:
                    self.disks[d] = Disk(d)
        pool = self.pools[name] = Zpool(name, layout, imported)
        self.platform._settle()
        return pool

    # ---- builder: virtual services
    def add_vsw(self, name: str, net_dev: str | None = None) -> Vsw:
        self.node._unused_service(name)
        if net_dev is not None and net_dev not in self.nics:
            raise PlatformError(f"net-dev {net_dev} is not a network device of domain {self.name} "
                                f"(devices: {', '.join(self.nics) or 'none'})")
        vsw = self.vsws[name] = Vsw(name, net_dev)
        self.platform._settle()
        return vsw

    def add_vds(self, name: str) -> Vds:
        self.node._unused_service(name)
        vds = self.vdss[name] = Vds(name)
        self.platform._settle()
        return vds

    def add_vcc(self, name: str, port_range: tuple[int, int] = (5000, 5100)) -> Vcc:
        self.node._unused_service(name)
        vcc = self.vccs[name] = Vcc(name, port_range)
        self.platform._settle()
        return vcc

    def add_vdsdev(self, volume: str, vds: str, backend: str, mpgroup: str | None = None,
                   options: str = "", validate: bool = True) -> Vdsdev:
        """Export `backend` as `volume` of `vds`; `validate=False` is `ldm add-vdsdev -q`."""
        if vds not in self.vdss:
            raise PlatformError(f"Virtual disk server {vds} not found in domain {self.name}")
        server = self.vdss[vds]
        if volume in server.volumes:
            raise PlatformError(f"Volume {volume} already exists in vds {vds}")
        if validate:
            self.check_backend(backend)
        dev = server.volumes[volume] = Vdsdev(volume, backend, mpgroup, options)
        self.platform._settle()
        return dev

    def check_backend(self, backend: str) -> None:
        kind, obj = backend_kind(backend)
        if (kind == "zvol" and obj not in self.pools) or (kind == "disk" and obj not in self.disks) \
                or (kind == "file" and not backend.startswith("/")):
            raise PlatformError(f"Path {backend} is not valid on service domain {self.name}")

    # ---- builder: guest devices
    def add_vnet(self, name: str, vsw: str) -> Vnet:
        if name in self.vnets:
            raise PlatformError(f"Network device {name} already exists")
        self.node.find_vsw(vsw)  # raises if unknown
        vnet = self.vnets[name] = Vnet(name, vsw, len(self.vnets))
        self.platform._settle()
        return vnet

    def add_vdisk(self, name: str, volume: str, timeout: str = "") -> Vdisk:
        """`volume` is ``vol@vds`` as ldm writes it."""
        if name in self.vdisks:
            raise PlatformError(f"Disk {name} already exists")
        vol, _, vds = volume.partition("@")
        if not vol or not vds:
            raise PlatformError(f"Invalid volume name {volume}: expected volume@service")
        owner = self.node.find_vds(vds)
        if vol not in owner.vdss[vds].volumes:
            raise PlatformError(f"Volume {vol} not found in vds {vds}")
        disk = self.vdisks[name] = Vdisk(name, vol, vds, len(self.vdisks), timeout)
        self.platform._settle()
        return disk

    # ---- removal (ldm rm-*)
    def remove_vsw(self, name: str) -> None:
        if name not in self.vsws:
            raise PlatformError(f"Virtual switch {name} not found")
        users = [f"{v.name}@{d.name}" for d in self.node.domains.values() for v in d.vnets.values()
                 if v.vsw == name]
        if users:
            raise PlatformError(f"Virtual switch {name} is in use by {', '.join(users)}")
        del self.vsws[name]
        self.platform._settle()

    def remove_vds(self, name: str) -> None:
        if name not in self.vdss:
            raise PlatformError(f"Virtual disk server {name} not found")
        if self.vdss[name].volumes:
            raise PlatformError(f"Virtual disk server {name} still has volumes: "
                                f"{', '.join(self.vdss[name].volumes)}")
        del self.vdss[name]
        self.platform._settle()

    def remove_vdsdev(self, volume: str, vds: str) -> None:
        if vds not in self.vdss or volume not in self.vdss[vds].volumes:
            raise PlatformError(f"Volume {volume}@{vds} not found")
        users = [f"{k.name}@{d.name}" for d in self.node.domains.values() for k in d.vdisks.values()
                 if k.vds == vds and k.volume == volume]
        if users:
            raise PlatformError(f"Volume {volume}@{vds} is in use by {', '.join(users)}")
        del self.vdss[vds].volumes[volume]
        self.platform._settle()

    def remove_vnet(self, name: str) -> None:
        if name not in self.vnets:
            raise PlatformError(f"Network device {name} not found in LDom {self.name}")
        del self.vnets[name]
        self.platform._settle()

    def remove_vdisk(self, name: str) -> None:
        if name not in self.vdisks:
            raise PlatformError(f"Disk {name} not found in LDom {self.name}")
        del self.vdisks[name]
        self.platform._settle()

    # ---- lifecycle (ldm bind/unbind/start/stop/panic)
    def bind(self) -> None:
        if self.state != "inactive":
            raise PlatformError(f"LDom {self.name} is already bound")
        self.state = "bound"
        if self.role != "control":
            self.cons_port = self.node._free_console_port()
        self.platform._settle()

    def unbind(self) -> None:
        if self.state == "active":
            raise PlatformError(f"LDom {self.name} must be stopped before it can be unbound")
        if self.state == "inactive":
            raise PlatformError(f"LDom {self.name} is not bound")
        self.state = "inactive"
        self.cons_port = None
        self.platform._settle()

    def start(self) -> None:
        """Start a bound domain; it is active at once and up (booted) after the platform's boot time."""
        if not self.node.powered:
            raise PlatformError(f"node {self.node.name} is powered off")
        if self.state == "active":
            raise PlatformError(f"LDom {self.name} is already active")
        if self.state == "inactive":
            raise PlatformError(f"LDom {self.name} must be bound before it can be started")
        self._boot()
        self.platform._settle()

    def stop(self, force: bool = False) -> None:
        if self.state != "active":
            raise PlatformError(f"LDom {self.name} is not active")
        self._halt()
        self.platform._settle()

    def panic(self) -> None:
        """Solaris panics and reboots: down for a boot time, then up again."""
        if self.state != "active":
            raise PlatformError(f"LDom {self.name} is not active")
        self._halt(reboot=True)
        self.platform._settle()

    def kill(self) -> None:
        """The domain dies (hang, power of its OS gone): it stays bound until started again."""
        if self.state != "active":
            raise PlatformError(f"LDom {self.name} is not active")
        self._halt()
        self.platform._settle()

    def set_failure_policy(self, policy: str) -> None:
        if policy not in FAILURE_POLICIES:
            raise PlatformError(f"Invalid failure-policy value: {policy} "
                                f"(valid: {', '.join(FAILURE_POLICIES)})")
        self.failure_policy = policy
        self.platform._settle()

    def set_masters(self, masters: list[str]) -> None:
        for m in masters:
            self.node.domain(m)
        self.masters = list(masters)
        self.platform._settle()

    # ---- storage operations (zpool import/export, mounts) used by agents and CLIs
    def pool(self, name: str) -> Zpool:
        if name not in self.pools:
            raise PlatformError(f"cannot open '{name}': no such pool")
        return self.pools[name]

    def import_pool(self, name: str) -> None:
        pool = self.pools.get(name)
        if pool is None or pool.imported:
            raise PlatformError(f"cannot import '{name}': no such pool available")
        if pool_health(self, pool) not in HEALTHY_POOL:
            raise PlatformError(f"cannot import '{name}': one or more devices is currently unavailable")
        pool.imported = True
        self.platform._settle()

    def export_pool(self, name: str, force: bool = False) -> None:
        pool = self.pools.get(name)
        if pool is None or not pool.imported:
            raise PlatformError(f"cannot open '{name}': no such pool")
        for mp, dev in list(self.mounts.items()):
            if dev == name or dev.startswith(name + "/"):
                del self.mounts[mp]
        pool.imported = False
        self.platform._settle()

    def mount(self, mount_point: str, block_device: str) -> None:
        if mount_point in self.mounts:
            raise PlatformError(f"mount: {mount_point} is already mounted")
        if not self.block_device_ok(block_device):
            raise PlatformError(f"mount: cannot mount {block_device}: I/O error")
        self.mounts[mount_point] = block_device
        self.platform._settle()

    def umount(self, mount_point: str) -> None:
        if mount_point not in self.mounts:
            raise PlatformError(f"umount: {mount_point} not mounted")
        del self.mounts[mount_point]
        self.platform._settle()

    def block_device_ok(self, device: str) -> bool:
        """A zfs dataset (pool[/fs]) whose pool is imported and usable, or a disk slice that is online."""
        if device.startswith("/dev/"):
            kind, obj = backend_kind(device)
            return kind == "disk" and obj in self.disks and self.disks[obj].online
        pool = self.pools.get(device.split("/", 1)[0])
        return pool is not None and pool.imported and pool_health(self, pool) in HEALTHY_POOL

    # ---- internals
    def _boot(self) -> None:
        self.state = "active"
        self.booting = True
        self.started_at = self.platform.clock.now()
        if self._boot_timer is not None:
            self._boot_timer.cancel()

        def booted() -> None:
            self._boot_timer = None
            if self.state == "active" and self.booting:
                self.booting = False
                self.platform._settle()

        self._boot_timer = self.platform.clock.call_later(self.platform.boot_seconds, booted)

    def _halt(self, reboot: bool = False) -> None:
        was_active = self.state == "active"
        if self._boot_timer is not None:
            self._boot_timer.cancel()
            self._boot_timer = None
        self.booting = False
        self.state = "bound"
        self.started_at = None
        if reboot:
            self._boot()
        if was_active:
            self.node._master_died(self)

    def _unused(self, name: str, table: dict[str, Any], what: str) -> None:
        if not name or name in table:
            raise PlatformError(f"{what} {name!r} already exists in domain {self.name}")


# ---------------------------------------------------------------------------------------- node


class Node:
    """A physical server: its root complexes and its logical domains, control domain first."""

    def __init__(self, platform: Platform, name: str) -> None:
        self.platform = platform
        self.name = name
        self.powered = True
        self.domains: dict[str, Domain] = {}
        self.buses: dict[str, str] = {}  # pci_N -> ldm name of the owning domain
        self._power_off_states: dict[str, str] = {}

    def __repr__(self) -> str:
        return f"<Node {self.name}>"

    @property
    def control(self) -> Domain | None:
        return self.domains.get("primary")

    def domain(self, name: str) -> Domain:
        if name not in self.domains:
            raise PlatformError(f"LDom {name} does not exist")
        return self.domains[name]

    def add_domain(self, name: str, hostname: str | None = None, role: str = "guest",
                   buses: Iterable[str] = (), ncpu: int | None = None, mem: int | str | None = None,
                   failure_policy: str = "ignore", master: str | Iterable[str] | None = None,
                   autoboot: bool | None = None, state: str | None = None) -> Domain:
        """Define a domain. Control: ldm name ``primary``; active at once. Others: `state` (default
        ``active`` for alternate/service domains, ``inactive`` for guests); started ones are up
        (booted) immediately: the builder describes a lab already running."""
        if role not in ROLES:
            raise PlatformError(f"unknown domain role {role!r} (roles: {', '.join(ROLES)})")
        if role == "control" and name != "primary":
            raise PlatformError(f"the control domain's ldm name is 'primary', not {name!r}")
        if role != "control" and name == "primary":
            raise PlatformError("'primary' is the control domain's ldm name; give role='control'")
        if name in self.domains:
            raise PlatformError(f"LDom {name} already exists on node {self.name}")
        if failure_policy not in FAILURE_POLICIES:
            raise PlatformError(f"Invalid failure-policy value: {failure_policy} "
                                f"(valid: {', '.join(FAILURE_POLICIES)})")
        hostname = hostname or name
        self.platform._claim_hostname(hostname, role, name)
        masters = [master] if isinstance(master, str) else list(master or [])
        for m in masters:
            self.domain(m)
        for bus in buses:
            if bus in self.buses:
                raise PlatformError(f"{bus} is already assigned to domain {self.buses[bus]}")
        state = state or ("inactive" if role == "guest" else "active")
        if state not in STATES or (role == "control" and state != "active"):
            raise PlatformError(f"invalid initial state {state!r} for a {role} domain")
        dom = Domain(self, name, hostname, role, ncpu or _DEFAULT_NCPU[role],
                     parse_memory(mem) if mem is not None else _DEFAULT_MEM[role],
                     failure_policy, masters, role != "guest" if autoboot is None else autoboot,
                     list(buses))
        for bus in buses:
            self.buses[bus] = name
        self.domains[name] = dom
        self.platform._register(self, dom)
        if state in ("bound", "active"):
            dom.state = "bound"
            if role != "control":
                dom.cons_port = self._free_console_port()
        if state == "active":
            dom.state = "active"
            dom.started_at = self.platform.clock.now()
        self.platform._settle()
        return dom

    # ---- service lookups (service names are unique per node, as in ldm)
    def find_vsw(self, name: str) -> Domain:
        for dom in self.domains.values():
            if name in dom.vsws:
                return dom
        raise PlatformError(f"Virtual switch {name} not found")

    def find_vds(self, name: str) -> Domain:
        for dom in self.domains.values():
            if name in dom.vdss:
                return dom
        raise PlatformError(f"Virtual disk server {name} not found")

    def services(self) -> list[str]:
        return [s for d in self.domains.values() for s in (*d.vccs, *d.vsws, *d.vdss)]

    def _unused_service(self, name: str) -> None:
        if name in self.services():
            raise PlatformError(f"Service {name} already exists")

    def _free_console_port(self) -> int:
        used = {d.cons_port for d in self.domains.values()}
        port = FIRST_CONSOLE_PORT
        while port in used:
            port += 1
        return port

    # ---- power
    def power_off(self) -> None:
        if not self.powered:
            raise PlatformError(f"node {self.name} is already powered off")
        self._power_off_states = {n: d.state for n, d in self.domains.items()}
        for dom in self.domains.values():
            if dom._boot_timer is not None:
                dom._boot_timer.cancel()
                dom._boot_timer = None
            dom.booting = False
            dom.started_at = None
            if dom.state == "active":
                dom.state = "bound"
        self.powered = False
        self.platform._settle()

    def power_on(self) -> None:
        """The control domain boots; domains that were active and auto-boot start; others come back bound."""
        if self.powered:
            raise PlatformError(f"node {self.name} is already powered on")
        self.powered = True
        for name, dom in self.domains.items():
            was = self._power_off_states.get(name, dom.state)
            if dom.role == "control" or (was == "active" and dom.autoboot):
                dom._boot()
        self._power_off_states = {}
        self.platform._settle()

    def _master_died(self, master: Domain) -> None:
        """Apply the dead master's failure-policy to the active domains that name it as master."""
        policy = master.failure_policy
        if policy == "ignore":
            return
        for slave in self.domains.values():
            if master.name in slave.masters and slave.state == "active":
                slave._halt(reboot=policy in ("panic", "reset"))


def parse_memory(mem: int | str) -> int:
    if isinstance(mem, int):
        return mem
    text = str(mem).strip().upper()
    units = {"K": 1024, "M": 1024**2, "G": GIB, "T": 1024**4}
    try:
        if text[-1] in units:
            return int(float(text[:-1]) * units[text[-1]])
        return int(text)
    except (ValueError, IndexError):
        raise PlatformError(f"Invalid memory size: {mem}") from None


def format_memory(mem: int) -> str:
    if mem % GIB == 0:
        return f"{mem // GIB}G"
    return f"{mem // 1024**2}M"


# ---------------------------------------------------------------------------------- zfs health


def leaf_state(dom: Domain, pool: Zpool, disk: str) -> str:
    if disk in pool.offline_devices:
        return "OFFLINE"
    if pool.devices_lost or disk not in dom.disks or not dom.disks[disk].online:
        return "UNAVAIL"
    return "ONLINE"


def vdev_state(dom: Domain, pool: Zpool, top: TopVdev) -> str:
    states = [leaf_state(dom, pool, d) for d in top.disks]
    if top.kind == "disk":
        return states[0]
    failed = sum(1 for s in states if s != "ONLINE")
    if failed == 0:
        return "ONLINE"
    return "DEGRADED" if failed <= top.tolerance else "UNAVAIL"


def pool_health(dom: Domain, pool: Zpool) -> str:
    """ONLINE, DEGRADED or UNAVAIL, as ZFS derives it from the top-level vdevs."""
    if not pool.offline_devices and not pool.devices_lost:  # the usual case, asked of every pool often
        disks = dom.disks
        if all((d := disks.get(n)) is not None and d.online for v in pool.vdevs for n in v.disks):
            return "ONLINE"
    states = [vdev_state(dom, pool, v) for v in pool.vdevs]
    if any(s in ("UNAVAIL", "OFFLINE", "FAULTED") for s in states):
        return "UNAVAIL"
    if any(s == "DEGRADED" for s in states):
        return "DEGRADED"
    return "ONLINE"


# ------------------------------------------------------------------------------------ platform


class Platform:
    """All nodes of a lab, their domains, the guests' I/O timelines, events and faults."""

    def __init__(self, clock: Clock, boot_seconds: float = 10.0, solaris: int = 11) -> None:
        if solaris not in SOLARIS_RELEASES:
            raise PlatformError(f"unknown Solaris release {solaris!r} (releases: "
                                f"{', '.join(map(str, SOLARIS_RELEASES))})")
        self.clock = clock
        self.boot_seconds = float(boot_seconds)
        self.solaris = solaris  # the release of every domain of the lab (ldm.py: what it changes)
        self.nodes: dict[str, Node] = {}
        self._systems: dict[str, list[tuple[Node, Domain]]] = {}
        self._subscribers: list[Callable[[Event], None]] = []
        self._snapshot: dict[tuple[Any, ...], Any] = {}
        self._timelines: dict[str, list[IoSample]] = {}
        self._faults: list[Fault] = []
        self._settling = False
        self._dirty = False

    # ---- builder and lookups
    def add_node(self, name: str) -> Node:
        if not name or name in self.nodes:
            raise PlatformError(f"node {name!r} already exists")
        node = self.nodes[name] = Node(self, name)
        return node

    def node(self, name: str) -> Node:
        if name not in self.nodes:
            raise PlatformError(f"unknown node {name!r} (nodes: {', '.join(self.nodes) or 'none'})")
        return self.nodes[name]

    def systems(self) -> list[str]:
        """Every hostname (cluster system or guest) in definition order."""
        return list(self._systems)

    def system(self, hostname: str) -> tuple[Node, Domain]:
        """Where a system lives. A guest defined on several nodes resolves to where it is active."""
        places = self._systems.get(hostname)
        if not places:
            raise PlatformError(f"unknown system {hostname!r} (systems: {', '.join(self._systems) or 'none'})")
        for node, dom in places:
            if dom.state == "active":
                return node, dom
        return places[0]

    def node_of(self, hostname: str) -> Node:
        return self.system(hostname)[0]

    def domain_of(self, hostname: str) -> Domain:
        return self.system(hostname)[1]

    def guests(self) -> list[str]:
        return [h for h, places in self._systems.items() if places[0][1].role == "guest"]

    def guest_domains(self, guest: str) -> list[Domain]:
        """The guest's definitions, one per node it is configured on."""
        places = self._systems.get(guest)
        if not places or places[0][1].role != "guest":
            raise PlatformError(f"unknown guest {guest!r} (guests: {', '.join(self.guests()) or 'none'})")
        return [d for _, d in places]

    def guest_node(self, guest: str) -> Node | None:
        """The node where the guest is active, or None."""
        for dom in self.guest_domains(guest):
            if dom.state == "active":
                return dom.node
        return None

    def system_up(self, hostname: str) -> bool:
        return self.system(hostname)[1].up

    def _claim_hostname(self, hostname: str, role: str, name: str) -> None:
        places = self._systems.get(hostname)
        if places:
            other = places[0][1]
            if role != "guest" or other.role != "guest" or other.name != name:
                raise PlatformError(f"system {hostname!r} is already defined "
                                    f"(domain {other.name} on node {other.node.name})")

    def _register(self, node: Node, dom: Domain) -> None:
        self._systems.setdefault(dom.hostname, []).append((node, dom))
        if dom.role == "guest":
            self._timelines.setdefault(dom.hostname, [])

    # ---- observation
    def subscribe(self, callback: Callable[[Event], None]) -> Callable[[], None]:
        """Call `callback(event)` on every change; returns a function that unsubscribes."""
        self._subscribers.append(callback)

        def unsubscribe() -> None:
            if callback in self._subscribers:
                self._subscribers.remove(callback)

        return unsubscribe

    def guest_io(self, guest: str) -> IoSample:
        """The guest's I/O availability now."""
        t = self.clock.now()
        for dom in self.guest_domains(guest):
            if dom.state == "active":
                if not dom.up:
                    return IoSample(t, dom.node.name, False, False)
                return IoSample(t, dom.node.name, storage_ok(dom), network_ok(dom))
        return IoSample(t, None, False, False)

    def io_timeline(self, guest: str) -> list[IoSample]:
        self.guest_domains(guest)
        return list(self._timelines[guest])

    def io_outages(self, guest: str, t0: float | None = None, t1: float | None = None) -> list[IoOutage]:
        """Stretches of [t0, t1] without full guest I/O (default window: first sample to now)."""
        samples = self.io_timeline(guest)
        if not samples:
            return []
        t0 = samples[0].t if t0 is None else float(t0)
        t1 = self.clock.now() if t1 is None else float(t1)
        if t1 < t0:
            raise PlatformError(f"empty time window: t1={t1} is before t0={t0}")
        outages: list[IoOutage] = []
        current: list[Any] | None = None  # [start, storage_lost, network_lost]
        for i, s in enumerate(samples):
            end = samples[i + 1].t if i + 1 < len(samples) else math.inf
            lo, hi = max(s.t, t0), min(end, t1)
            if s.ok:
                if current is not None and s.t <= t1:
                    outages.append(IoOutage(current[0], lo, False, current[1], current[2]))
                    current = None
                continue
            if lo < hi or (t0 == t1 and s.t <= t0 < end):
                if current is None:
                    current = [lo, False, False]
                current[1] |= not s.storage_ok
                current[2] |= not s.network_ok
        if current is not None:
            outages.append(IoOutage(current[0], t1, True, current[1], current[2]))
        return outages

    def io_ok_between(self, guest: str, t0: float, t1: float) -> bool:
        """True when the guest had storage and network all along [t0, t1]."""
        return not self.io_outages(guest, t0, t1)

    # ---- faults (see faults.py)
    def inject(self, kind: str, where: str) -> Fault:
        return faults.inject(self, kind, where)

    def heal(self, kind: str, where: str) -> Fault:
        return faults.heal(self, kind, where)

    def heal_all(self) -> list[Fault]:
        return faults.heal_all(self)

    def faults(self) -> list[Fault]:
        return list(self._faults)

    # ---- change propagation
    @contextlib.contextmanager
    def batch(self) -> Iterator[None]:
        """Make many changes and publish them once, at the end (a lab being built): each change would
        otherwise diff the whole platform, which makes building a lab of many guests quadratic."""
        outer = self._settling
        self._settling = True
        try:
            yield
        finally:
            self._settling = outer
            if not outer:
                self._settle()

    def _observe(self) -> dict[tuple[Any, ...], Any]:
        snap: dict[tuple[Any, ...], Any] = {}
        for node in self.nodes.values():
            snap[("node", node.name)] = node.powered
            for dom in node.domains.values():
                snap[("domain", node.name, dom.name)] = (dom.state, dom.up)
                for nic in dom.nics.values():
                    snap[("nic", node.name, dom.name, nic.name)] = "up" if nic.link_up else "down"
                for disk in dom.disks.values():
                    snap[("disk", node.name, dom.name, disk.name)] = "online" if disk.online else "offline"
                for pool in dom.pools.values():
                    snap[("pool", node.name, dom.name, pool.name)] = (pool_health(dom, pool), pool.imported)
        for guest in self._timelines:
            s = self.guest_io(guest)
            snap[("io", guest)] = (s.node, s.storage_ok, s.network_ok)
        return snap

    def _settle(self) -> None:
        """Diff the observable state against the last snapshot; record and publish what changed."""
        if self._settling:
            self._dirty = True  # a subscriber changed something: publish it after this round
            return
        self._settling = True
        try:
            while True:
                self._dirty = False
                new = self._observe()
                old, self._snapshot = self._snapshot, new
                t = self.clock.now()
                events: list[Event] = []
                for key, value in new.items():
                    before = old.get(key)
                    if before != value:
                        events.extend(self._events_for(key, before, value, t))
                for event in events:
                    for callback in list(self._subscribers):
                        callback(event)
                if not self._dirty:
                    break
        finally:
            self._settling = False

    def _events_for(self, key: tuple[Any, ...], before: Any, value: Any, t: float) -> list[Event]:
        what = key[0]
        if what == "node":
            return [] if before is None else [NodePowerChanged(t, key[1], value)]
        if what == "domain":
            dom = self.nodes[key[1]].domains[key[2]]
            old_state, was_up = before if before is not None else ("inactive", False)
            if before is None and value == ("inactive", False):
                return []
            return [DomainChanged(t, key[1], key[2], dom.hostname, old_state, value[0], was_up, value[1])]
        if what == "io":
            node, st, nw = value
            self._timelines[key[1]].append(IoSample(t, node, st, nw))
            return [IoChanged(t, key[1], node, st, nw)]
        if before is None:
            return []  # a resource just defined: nothing changed for anyone watching
        hostname = self.nodes[key[1]].domains[key[2]].hostname
        if what == "nic":
            return [NicChanged(t, key[1], hostname, key[3], value)]
        if what == "disk":
            return [DiskChanged(t, key[1], hostname, key[3], value)]
        return [PoolChanged(t, key[1], hostname, key[3], value[0], value[1])]


# ------------------------------------------------------------------------------------ guest I/O


def volume_ok(service: Domain, vds: str, volume: str) -> bool:
    """A vds volume serves I/O: its domain is up and its backend healthy."""
    if not service.up:
        return False
    dev = service.vdss.get(vds, Vds(vds)).volumes.get(volume)
    if dev is None:
        return False
    kind, obj = backend_kind(dev.backend)
    if kind == "zvol":
        pool = service.pools.get(obj)
        return pool is not None and pool.imported and pool_health(service, pool) in HEALTHY_POOL
    if kind == "disk":
        disk = service.disks.get(obj)
        return disk is not None and disk.online
    return True


def vdisk_path_ok(guest: Domain, vdisk: Vdisk) -> bool:
    try:
        service = guest.node.find_vds(vdisk.vds)
    except PlatformError:
        return False
    return volume_ok(service, vdisk.vds, vdisk.volume)


def vdisk_mpgroup(guest: Domain, vdisk: Vdisk) -> str | None:
    try:
        service = guest.node.find_vds(vdisk.vds)
    except PlatformError:
        return None
    dev = service.vdss[vdisk.vds].volumes.get(vdisk.volume)
    return dev.mpgroup if dev else None


def storage_ok(guest: Domain) -> bool:
    """Each mpgroup (or standalone vdisk) has at least one working path."""
    groups: dict[str, bool] = {}
    for vdisk in guest.vdisks.values():
        key = vdisk_mpgroup(guest, vdisk) or f"\0{vdisk.name}"
        groups[key] = groups.get(key, False) or vdisk_path_ok(guest, vdisk)
    return all(groups.values())


def vnet_ok(guest: Domain, vnet: Vnet) -> bool:
    try:
        service = guest.node.find_vsw(vnet.vsw)
    except PlatformError:
        return False
    vsw = service.vsws[vnet.vsw]
    nic = service.nics.get(vsw.net_dev or "")
    return service.up and nic is not None and nic.link_up


def network_ok(guest: Domain) -> bool:
    """At least one vnet reaches the outside through an up service domain's NIC with link."""
    return any(vnet_ok(guest, v) for v in guest.vnets.values())
