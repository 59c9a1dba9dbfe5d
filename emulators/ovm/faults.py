"""Fault points of the platform and their heals, behind one API: inject(kind, where) / heal(kind, where).

`where` is ``SYSTEM`` (domain_kill, node_power_off; a node name is accepted for node_power_off) or
``SYSTEM:OBJECT`` (nic_pull: a NIC, disk_offline: a disk, zpool_offline: a pool of that system).
Bad input raises `FaultError` naming the valid kinds, systems or objects, and changes nothing.
A heal puts back exactly what the fault took away, so the commands print what they printed before
(except the uptime of a domain that had to boot again).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emulators.ovm.errors import PlatformError

if TYPE_CHECKING:  # annotations only: the model imports this module, this module never imports the model
    from emulators.ovm.model import Domain, Node, Platform

FAULT_KINDS = ("nic_pull", "disk_offline", "zpool_offline", "domain_kill", "node_power_off")
_OBJECT_KINDS = {"nic_pull": "NIC", "disk_offline": "disk", "zpool_offline": "zpool"}


class FaultError(ValueError):
    """A fault request that cannot be honoured: unknown kind, system or object, or a wrong state."""


class FaultPlace:
    """`where` read as DESIGN.md writes it: ``SYSTEM`` or ``SYSTEM:OBJECT`` (shared with the harness)."""

    where: str

    @property
    def system(self) -> str:
        return self.where.split(":", 1)[0]

    @property
    def object(self) -> str | None:
        return self.where.split(":", 1)[1] if ":" in self.where else None


@dataclass(frozen=True)
class Fault(FaultPlace):
    """A fault in force. `where` is normalized (``SYSTEM`` or ``SYSTEM:OBJECT``); `node` is where it acts."""

    kind: str
    where: str
    node: str
    domain: str
    t: float


def _objects(dom: Domain, kind: str) -> list[str]:
    if kind == "nic_pull":
        return list(dom.nics)
    if kind == "disk_offline":
        return list(dom.disks)
    return list(dom.pools)


def _resolve(platform: Platform, kind: str, where: str) -> tuple[str, Node, Domain, str | None]:
    """Validate a request; return (normalized where, node, domain, object)."""
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault kind {kind!r} (kinds: {', '.join(FAULT_KINDS)})")
    if not isinstance(where, str) or not where.strip():
        raise FaultError(f"{kind}: where must be SYSTEM or SYSTEM:OBJECT")
    system, _, obj = where.strip().partition(":")
    systems = platform.systems()
    if kind == "node_power_off" and system in platform.nodes and system not in systems:
        node = platform.nodes[system]
        control = node.control
        if control is None:
            raise FaultError(f"node_power_off: node {system} has no control domain")
        system = control.hostname
    if system not in systems:
        raise FaultError(f"{kind}: unknown system {system!r} (systems: {', '.join(systems)})")
    node, dom = platform.system(system)
    if kind in _OBJECT_KINDS:
        names = _objects(dom, kind)
        if not obj:
            raise FaultError(f"{kind}: where must be SYSTEM:{_OBJECT_KINDS[kind].upper()} "
                             f"({_OBJECT_KINDS[kind]}s of {system}: {', '.join(names) or 'none'})")
        if obj not in names:
            raise FaultError(f"{kind}: unknown {_OBJECT_KINDS[kind]} {obj!r} on {system} "
                             f"({_OBJECT_KINDS[kind]}s of {system}: {', '.join(names) or 'none'})")
        return f"{system}:{obj}", node, dom, obj
    if obj:
        raise FaultError(f"{kind}: takes a system only (got {where!r}); e.g. --where {system}")
    return system, node, dom, None


def inject(platform: Platform, kind: str, where: str) -> Fault:
    """Inject one fault; returns its record (also listed by `platform.faults()`)."""
    where_n, node, dom, obj = _resolve(platform, kind, where)
    for f in platform._faults:
        if f.kind == kind and f.where == where_n:
            raise FaultError(f"{kind} at {where_n} is already in force")
    if kind == "node_power_off":
        if not node.powered:
            raise FaultError(f"node_power_off: node {node.name} is already powered off")
        where_n = node.control.hostname if node.control else where_n
    elif not node.powered:
        raise FaultError(f"{kind}: node {node.name} of {where_n.split(':')[0]} is powered off")
    action: Callable[[], None]
    if kind == "nic_pull":
        nic = dom.nics[obj or ""]

        def action() -> None:
            nic.link_up = False
    elif kind == "disk_offline":
        disk = dom.disks[obj or ""]

        def action() -> None:
            disk.online = False
    elif kind == "zpool_offline":
        pool = dom.pools[obj or ""]

        def action() -> None:
            pool.devices_lost = True
    elif kind == "domain_kill":
        if dom.state != "active":
            raise FaultError(f"domain_kill: domain {dom.name} ({dom.hostname}) on {node.name} is "
                             f"{dom.state}, not active")
        action = dom.kill
    else:
        action = node.power_off
    fault = Fault(kind, where_n, node.name, dom.name, platform.clock.now())
    platform._faults.append(fault)
    action()
    platform._settle()
    return fault


def heal(platform: Platform, kind: str, where: str) -> Fault:
    """Undo one fault in force; raises FaultError listing those in force when there is no such fault."""
    if kind not in FAULT_KINDS:
        raise FaultError(f"unknown fault kind {kind!r} (kinds: {', '.join(FAULT_KINDS)})")
    fault = _find(platform, kind, where)
    node = platform.nodes[fault.node]
    dom = node.domains[fault.domain]
    obj = fault.object
    try:
        if kind == "nic_pull":
            dom.nics[obj or ""].link_up = True
        elif kind == "disk_offline":
            dom.disks[obj or ""].online = True
        elif kind == "zpool_offline":
            pool = dom.pools[obj or ""]
            pool.devices_lost = False  # devices back, then `zpool clear`: error counters are zero
        elif kind == "domain_kill":
            if node.powered and dom.state == "bound":
                dom.start()
        elif not node.powered:
            node.power_on()
    except PlatformError as exc:
        raise FaultError(f"heal {kind} at {fault.where}: {exc}") from None
    platform._faults.remove(fault)
    platform._settle()
    return fault


def heal_all(platform: Platform) -> list[Fault]:
    """Heal every fault in force, the most recent first."""
    healed = []
    for fault in reversed(list(platform._faults)):
        healed.append(heal(platform, fault.kind, fault.where))
    return healed


def _find(platform: Platform, kind: str, where: str) -> Fault:
    text = (where or "").strip()
    if kind == "node_power_off":
        node_name = text if text in platform.nodes else None
        if node_name is None and text in platform.systems():
            node_name = platform.node_of(text).name
        for f in platform._faults:
            if f.kind == kind and f.node == node_name:
                return f
    for f in platform._faults:
        if f.kind == kind and f.where == text:
            return f
    in_force = ", ".join(f"{f.kind} {f.where}" for f in platform._faults) or "none"
    raise FaultError(f"no {kind} fault at {text!r} is in force (in force: {in_force})")
