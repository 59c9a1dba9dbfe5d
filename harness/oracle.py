"""The oracle: what the cluster must do for a set of faults, by the seed's failover table.

Everything is derived from the lab's main.cf and its node layout (no group, system or pool name is
written here): which storage and network service groups the AlternateIO resource names for each
control system, which systems serve each of them (its SystemList), which system is next for the
LDom group by FailOverPolicy, and which faults make a service group unavailable on a system.

The rules (../shared/reference/failover-scenarios.md):
- a service group is available on a node when it can be ONLINE on at least one of its systems;
- AlternateIO is ONLINE when every group it names for the control system is available, else OFFLINE;
- the LDom group fails over when AlternateIO is OFFLINE (S4, N4) or the control domain is down
  (D3, D4); otherwise (S1-S3, N1-N3, D1, D2) it stays, and the guest's I/O never stops.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from emulators.ovm.model import backend_kind
from emulators.vcs.config.model import Config, Group
from harness.faults import Fault
from harness.timing import LabTiming, Windows


class NodeLayout(Protocol):
    name: str
    control: str

    @property
    def systems(self) -> list[str] | tuple[str, ...]: ...


@dataclass(frozen=True)
class Expected:
    failover: bool
    alternateio: str  # "ONLINE" | "OFFLINE"
    ldom_system: str | None  # where the LDom group should end up (None: nowhere can take it)
    unavailable: tuple[str, ...]  # the AlternateIO-named groups with no serving system left
    windows: Windows  # how long to watch (clock seconds) before judging

    @property
    def deadline_s(self) -> float:
        """Watch this long: until the failover deadline when one is due, else the quiet window."""
        return self.windows.failover_s if self.failover else self.windows.quiet_s

    @property
    def down_everywhere(self) -> bool:
        """The guest must leave its system and no other can take it: it ends down on every node."""
        return self.failover and self.ldom_system is None

    def to_json(self) -> dict:
        return {"failover": self.failover, "alternateio": self.alternateio, "ldom_system": self.ldom_system,
                "down_everywhere": self.down_everywhere}


@dataclass(frozen=True)
class GuestService:
    """The service groups that AlternateIO names for one control system, with their 0/1 values."""

    storage: dict[str, int]
    network: dict[str, int]

    @property
    def groups(self) -> dict[str, int]:
        return {**self.storage, **self.network}


def disk_name(partition: str) -> str:
    """The disk a Disk resource's Partition names (c3t5d0s2, /dev/dsk/c3t5d0s2, /dev/rdsk/c3t5d0)."""
    return backend_kind(partition if partition.startswith("/") else f"/dev/dsk/{partition}")[1]


def _as_int(v: object) -> int:
    try:
        return int(v)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return 0


def topology_problems(config: Config, main_cf: str) -> list[str]:
    """What keeps the harness from reading a guest's topology out of a valid main.cf, as
    `file:line:col: message` (the places VCS itself does not check: hacf accepts a StorageSG key
    that names no group, the agent would then answer UNKNOWN forever)."""
    def at(loc) -> str:
        return f"{loc.file}:{loc.line}:{loc.col}" if loc is not None else f"{main_cf}:1:1"

    aio = config.resources_of_type("AlternateIO")
    ldom = config.resources_of_type("LDom")
    problems = []
    if not aio:
        problems.append(f"{main_cf}:1:1: the cluster has no AlternateIO resource: there is no monitor to certify")
    if not ldom:
        problems.append(f"{main_cf}:1:1: the cluster has no LDom resource: there is no guest to watch")
    for _group, res in aio:
        for attr in ("StorageSG", "NetworkSG"):
            av = res.attributes.get(attr)
            if av is None:
                continue
            values = [(None, av.value, av.loc)] + [(s, v, av.localized_locs.get(s, av.loc))
                                                   for s, v in av.localized.items()]
            for system, value, loc in values:
                for key, count in (value.items() if isinstance(value, dict) else []):
                    where = f" @{system}" if system else ""
                    if str(key) not in config.groups:
                        problems.append(f"{at(loc)}: {res.name}.{attr}{where}: '{key}' is not a service group "
                                        f"of this cluster (groups: {', '.join(sorted(config.groups))})")
                    if str(count) not in ("0", "1"):
                        problems.append(f"{at(loc)}: {res.name}.{attr}{where}: the value of '{key}' is "
                                        f"{count}; it is 0 (watched) or 1 (brought online by AlternateIO)")
        problems += _all_watched(_group, res, at)
    return problems


def _all_watched(group: Group, res, at) -> list[str]:
    """An AlternateIO resource of a failover group that only watches (every group value 0) on some
    systems: its offline changes nothing there, so its monitor reports ONLINE on every such system
    where the groups run, on several at once, and VCS takes it for a concurrency violation."""
    systems = list(group.system_list)
    if len(systems) < 2 or group.parallel:
        return []
    def values(system: str) -> list[str]:
        out = []
        for attr in ("StorageSG", "NetworkSG"):
            av = res.attributes.get(attr)
            v = av.for_system(system) if av is not None else None
            out += [str(x) for x in v.values()] if isinstance(v, dict) else []
        return out

    idle = [s for s in systems if values(s) and all(v == "0" for v in values(s))]
    if len(idle) < 2:
        return []
    av = res.attributes.get("StorageSG") or res.attributes.get("NetworkSG")
    loc = av.localized_locs.get(idle[0], av.loc) if av is not None else None
    return [f"{at(loc)}: {res.name}: on {', '.join(idle)} every group it names is value 0 (watched): its "
            f"offline then changes nothing and it reports ONLINE on all of them at once, which VCS treats as "
            f"a concurrency violation of {group.name}; give the guest's storage groups value 1"]


def guest_groups(config: Config) -> list[str]:
    """The LDom service groups that have a guest to certify: each requires a group holding an
    AlternateIO resource (its I/O domains' consolidated state), in main.cf order."""
    out = []
    for group, _res in config.resources_of_type("LDom"):
        if group.name not in out and _alternateio_of(config, group) is not None:
            out.append(group.name)
    return out


def _alternateio_of(config: Config, ldom_group: Group) -> tuple[Group, object] | None:
    """The (group, resource) of the AlternateIO resource the LDom group depends on (its child)."""
    for dep in ldom_group.group_deps:
        child = config.groups.get(dep.child)
        for res in (child.resources.values() if child else ()):
            if res.type == "AlternateIO":
                return child, res
    return None


class Topology:
    """Read-only questions about a lab's cluster configuration and node layout, for one guest.

    A lab may run several guests (one LDom service group each, each over its own AlternateIO
    resource, some sharing network or storage service groups). A Topology answers for the guest
    `guest` names (its LDom group; default: the first of main.cf); `guests()` gives one per guest.
    """

    def __init__(self, config: Config, nodes: list[NodeLayout] | tuple[NodeLayout, ...],
                 guest: str | None = None) -> None:
        self.config = config
        self.nodes = list(nodes)
        aio = config.resources_of_type("AlternateIO")
        ldom = config.resources_of_type("LDom")
        if not aio or not ldom:
            raise ValueError("the cluster configuration has no AlternateIO or no LDom resource")
        self.guest_groups = guest_groups(config)
        if guest is None:
            # a guest over an AlternateIO resource first; a lab without that link keeps the first of each
            pick = self.guest_groups[0] if self.guest_groups else ldom[0][0].name
        else:
            pick = guest
        ldom_group = config.groups.get(pick)
        ldom_res = next((r for r in ldom_group.resources.values() if r.type == "LDom"), None) \
            if ldom_group is not None else None
        if ldom_group is None or ldom_res is None:
            raise ValueError(f"{pick} is not an LDom service group of this cluster "
                             f"(guests: {', '.join(self.guest_groups)})")
        linked = _alternateio_of(config, ldom_group)
        aio_group, res = linked if linked is not None else aio[0]
        self.alternateio_group, self.alternateio_resource = aio_group.name, res.name
        self.ldom_group, self.ldom_resource = ldom_group.name, ldom_res.name
        self.guest = str(ldom_res.attributes["LDomName"].for_system(None)) \
            if "LDomName" in ldom_res.attributes else ldom_res.name

        def per_system(attr: str, system: str) -> dict[str, int]:
            av = res.attributes.get(attr)
            v = av.for_system(system) if av else None
            return {str(k): _as_int(x) for k, x in v.items()} if isinstance(v, dict) else {}

        self.services = {s: GuestService(per_system("StorageSG", s), per_system("NetworkSG", s))
                         for s in self.group(self.ldom_group).system_list}
        self._guests: list[Topology] | None = None

    @property
    def multiguest(self) -> bool:
        """Whether the lab runs more than one guest (scenario ids then name the guest they judge)."""
        return len(self.guest_groups) > 1

    def guests(self) -> list[Topology]:
        """One Topology per guest of the lab, this one included, in main.cf order."""
        if self._guests is None:
            self._guests = [self if g == self.ldom_group else Topology(self.config, self.nodes, g)
                            for g in self.guest_groups] or [self]
            for t in self._guests:
                t._guests = self._guests
        return self._guests

    def for_guest(self, ldom_group: str) -> Topology:
        for t in self.guests():
            if t.ldom_group == ldom_group:
                return t
        raise KeyError(ldom_group)

    def home(self) -> str:
        """The control system the guest runs on when nothing is wrong: the first of its LDom group's
        AutoStartList, else the system of lowest SystemList priority."""
        value = self.group(self.ldom_group).attr("AutoStartList", default=[])
        asl = [str(s) for s in (value if isinstance(value, (list, tuple, dict)) else [value]) if str(s) in self.services]
        return asl[0] if asl else self.control_systems()[0]

    def group(self, name: str) -> Group:
        return self.config.groups[name]

    def node_of(self, system: str) -> NodeLayout:
        for node in self.nodes:
            if system in node.systems:
                return node
        raise KeyError(system)

    def control_systems(self) -> list[str]:
        """Control systems that can run the LDom group, in its SystemList priority order."""
        sl = self.group(self.ldom_group).system_list
        return sorted(sl, key=lambda s: sl[s])

    def serving_systems(self, sg: str) -> list[str]:
        sl = self.group(sg).system_list
        return sorted(sl, key=lambda s: sl[s])

    def resource_values(self, sg: str, type_names: tuple[str, ...], attr: str, system: str) -> list[str]:
        """Values of `attr` (e.g. PoolName, Device) of the group's resources of those types on a system."""
        out = []
        for r in self.group(sg).resources.values():
            if r.type in type_names and attr in r.attributes:
                v = r.attributes[attr].for_system(system)
                out.extend(str(k) for k in v) if isinstance(v, dict) else out.append(str(v))
        return out

    def pools(self, sg: str, system: str) -> list[str]:
        return self.resource_values(sg, ("Zpool",), "PoolName", system)

    def disks(self, sg: str, system: str) -> list[str]:
        """Disks of the group's Disk resources on a system (a shared backend: the same LUN that every
        service domain of an mpgroup exports), by device name: `/dev/dsk/c3t5d0s2` -> `c3t5d0`."""
        return [disk_name(p) for p in self.resource_values(sg, ("Disk",), "Partition", system)]

    def nics(self, sg: str, system: str) -> list[str]:
        return self.resource_values(sg, ("NIC", "MultiNICB"), "Device", system)

    def partial_pools(self, sg: str, system: str) -> list[str]:
        """Pools of the group's non-critical Zpool resources (`Critical = 0`) when it has a critical
        one as well: losing them leaves the group ONLINE|PARTIAL there, not faulted."""
        pools = [r for r in self.group(sg).resources.values() if r.type == "Zpool" and "PoolName" in r.attributes]
        def critical(r) -> bool:  # VCS's default is Critical = 1
            return "Critical" not in r.attributes or _as_int(r.attributes["Critical"].for_system(system)) != 0

        if not any(critical(r) for r in pools):
            return []
        return [str(r.attributes["PoolName"].for_system(system)) for r in pools if not critical(r)]

    def timing(self, type_name: str, attr: str, default: int) -> int:
        """A static timing attribute of a type as main.cf declares it (the lab may run other values:
        targets read those, see harness.timing)."""
        t = self.config.types.get(type_name)
        a = t.attributes.get(attr) if t else None
        return int(a.default) if a is not None and a.default is not None else default


class Oracle:
    """Expected outcome of a fault set, for a guest whose LDom group is online on `active`."""

    def __init__(self, topology: Topology, windows: Windows | None = None) -> None:
        self.topo = topology
        # how long to watch: from the lab's actual timing when the caller read it, else from main.cf
        self.windows = windows or Windows.from_timing(LabTiming.from_config(topology.config))
        self._others: dict[str, Oracle] = {topology.ldom_group: self}

    def for_guest(self, ldom_group: str) -> Oracle:
        """The oracle of another guest of the same lab (same windows)."""
        if ldom_group not in self._others:
            self._others[ldom_group] = Oracle(self.topo.for_guest(ldom_group), self.windows)
            self._others[ldom_group]._others = self._others
        return self._others[ldom_group]

    def systems_down(self, faults: list[Fault]) -> set[str]:
        down: set[str] = set()
        for f in faults:
            if f.spec.takes_down == "system":
                down.add(f.system)
            elif f.spec.takes_down == "node":
                down.update(self.topo.node_of(f.system).systems)
        return down

    def unavailable_on(self, sg: str, system: str, faults: list[Fault], disk_pools: dict[str, str]) -> bool:
        """Can `sg` not be ONLINE on `system` under these faults?"""
        if system in self.systems_down(faults):
            return True
        here = [f for f in faults if f.system == system]
        pools = set(self.topo.pools(sg, system))
        nics = self.topo.nics(sg, system)
        pulled = {f.object for f in here if f.spec.breaks == "nic"}
        broken_pools = {f.object for f in here if f.spec.breaks == "pool"}
        broken_disks = {f.object for f in here if f.spec.breaks == "disk"}
        broken_pools |= {disk_pools.get(f"{system}:{d}", "") for d in broken_disks}
        if pools & broken_pools or set(self.topo.disks(sg, system)) & broken_disks:
            return True
        return bool(nics) and all(n in pulled for n in nics)

    def expect(self, faults: list[Fault], active: str, disk_pools: dict[str, str] | None = None) -> Expected:
        disk_pools = disk_pools or {}
        down = self.systems_down(faults)
        service = self.topo.services.get(active, GuestService({}, {}))
        unavailable = tuple(sorted(
            sg for sg in service.groups
            if all(self.unavailable_on(sg, s, faults, disk_pools) for s in self.topo.serving_systems(sg))))
        control_down = active in down
        alternateio = "OFFLINE" if (unavailable or control_down) else "ONLINE"
        failover = alternateio == "OFFLINE"
        target = active
        if failover:
            target = None
            for s in self.topo.control_systems():
                if s == active or s in down:
                    continue
                other = self.topo.services.get(s, GuestService({}, {}))
                if any(all(self.unavailable_on(sg, x, faults, disk_pools) for x in self.topo.serving_systems(sg))
                       for sg in other.groups):
                    continue
                target = s
                break
        return Expected(failover, alternateio, target, unavailable, self.windows)

    def row_parts(self, faults: list[Fault], active: str,
                  disk_pools: dict[str, str] | None = None) -> list[tuple[str, str]]:
        """The reference rows a fault set puts the guest's node in, each with what it is about.

        One part per storage (S) or network (N) group the faults touch, saying whether the control
        domain and the alternate domains can still serve it (the group's name goes with it), and
        one D part when a domain of the node is down ("" goes with it). When the guest must fail
        over, the storage and network parts of the node it must land on count too: a destination
        whose control domain lost a group is in row S2/N2 for the guest as much as the source is.
        Nothing touched: D1.
        """
        disk_pools = disk_pools or {}
        node = self.topo.node_of(active)
        down = self.systems_down(faults)
        parts = self._service_parts(faults, active, down, disk_pools)
        alternates_down = any(s in down for s in node.systems if s != active)
        if active in down:
            parts.append(("D4" if alternates_down else "D3", ""))
        elif alternates_down:
            parts.append(("D2", ""))
        expected = self.expect(faults, active, disk_pools)
        if expected.failover and expected.ldom_system:
            parts += [p for p in self._service_parts(faults, expected.ldom_system, down, disk_pools)
                      if p not in parts]
        return parts or [("D1", "")]

    def _service_parts(self, faults: list[Fault], control: str, down: set[str],
                       disk_pools: dict[str, str]) -> list[tuple[str, str]]:
        service = self.topo.services.get(control, GuestService({}, {}))
        parts: list[tuple[str, str]] = []

        def lost(sg: str, system: str) -> bool:
            return system not in down and self.unavailable_on(sg, system, faults, disk_pools)

        for family, groups in (("S", service.storage), ("N", service.network)):
            for sg in groups:
                alternates = [s for s in self.topo.serving_systems(sg) if s != control]
                on_control = lost(sg, control)
                if on_control and alternates and all(lost(sg, a) for a in alternates):
                    parts.append((f"{family}4", sg))
                elif on_control:
                    parts.append((f"{family}2", sg))
                elif any(lost(sg, a) for a in alternates):
                    parts.append((f"{family}3", sg))
        return parts

    def rows(self, faults: list[Fault], active: str, disk_pools: dict[str, str] | None = None) -> str:
        """`row_parts` as one label, e.g. "S2", "S3+N2", "D3"."""
        return "+".join(dict.fromkeys(r for r, _ in self.row_parts(faults, active, disk_pools)))
