"""The bundled VCS agents that act on the emulated platform: LDom, Zpool, NIC, MultiNICB, Disk, Mount.

They follow agents/contract.py: `ctx.system` is the cluster system (the domain's hostname) the entry
point runs on, `ctx.attrs` the resource's attribute values for that system. They act on the model
directly, as the real agents act on ldm/zpool/dladm, and never raise: a refusal is logged and
reported by the return code (monitor reports UNKNOWN when it cannot tell).
"""

from __future__ import annotations

from collections.abc import Generator, Mapping
from typing import Any

from agents.contract import (
    MONITOR_OFFLINE,
    MONITOR_ONLINE,
    MONITOR_UNKNOWN,
    EntryContext,
    EntryResult,
)
from emulators.ovm.model import Domain, Platform, PlatformError, backend_kind


class _PlatformAgent:
    """Common lookups; `operations` is the type's VCS Operations value (None = persistent)."""

    type_name = ""
    operations = "OnOff"

    def __init__(self, platform: Platform) -> None:
        self.platform = platform

    def _domain(self, ctx: EntryContext) -> Domain | None:
        try:
            return self.platform.domain_of(ctx.system)
        except PlatformError as exc:
            ctx.log("ERROR", str(exc))
            return None

    def _attr(self, ctx: EntryContext, name: str) -> Any:
        value = ctx.attrs.get(name)
        if value in (None, "", [], {}):
            ctx.log("ERROR", f"{self.type_name} resource {ctx.resource}: attribute {name} is not set")
            return None
        return value


class _PersistentAgent(_PlatformAgent):
    """Monitor-only types (Operations = None): online/offline are never meant to be called."""

    operations = "None"

    def online(self, ctx: EntryContext) -> EntryResult:
        return 0

    def offline(self, ctx: EntryContext) -> EntryResult:
        return 0

    def clean(self, ctx: EntryContext, reason: int) -> EntryResult:
        return 0


class LDomAgent(_PlatformAgent):
    """Guest domain on the node whose control domain is ctx.system (attribute LDomName)."""

    type_name = "LDom"

    def __init__(self, platform: Platform, poll_seconds: float = 1.0) -> None:
        super().__init__(platform)
        self.poll_seconds = poll_seconds

    def _guest(self, ctx: EntryContext) -> Domain | None:
        name = self._attr(ctx, "LDomName")
        control = self._domain(ctx)
        if name is None or control is None:
            return None
        guest = control.node.domains.get(str(name))
        if guest is None:
            ctx.log("ERROR", f"LDom {name} does not exist on node {control.node.name} ({ctx.system})")
        return guest

    def monitor(self, ctx: EntryContext) -> EntryResult:
        guest = self._guest(ctx)
        if guest is None:
            return MONITOR_UNKNOWN
        return MONITOR_ONLINE if guest.state == "active" else MONITOR_OFFLINE

    def online(self, ctx: EntryContext) -> EntryResult:
        guest = self._guest(ctx)
        if guest is None:
            return 1
        return self._boot(ctx, guest)

    def _boot(self, ctx: EntryContext, guest: Domain) -> Generator[float, None, int]:
        try:
            if guest.state == "inactive":
                guest.bind()
            if guest.state == "bound":
                guest.start()
        except PlatformError as exc:
            ctx.log("ERROR", f"ldm could not start {guest.name}: {exc}")
            return 1
        while guest.state == "active" and guest.booting:
            yield self.poll_seconds
        return 0

    def offline(self, ctx: EntryContext) -> EntryResult:
        return self._halt(ctx)

    def clean(self, ctx: EntryContext, reason: int) -> EntryResult:
        return self._halt(ctx, force=True)

    def _halt(self, ctx: EntryContext, force: bool = False) -> int:
        guest = self._guest(ctx)
        if guest is None:
            return 1
        try:
            if guest.state == "active":
                guest.stop(force=force)
            if guest.state == "bound":
                guest.unbind()
        except PlatformError as exc:
            ctx.log("ERROR", f"ldm could not stop {guest.name}: {exc}")
            return 1
        return 0


class ZpoolAgent(_PlatformAgent):
    """A zpool of the domain ctx.system (attribute PoolName): import, export, health."""

    type_name = "Zpool"

    def _pool(self, ctx: EntryContext) -> tuple[Domain | None, str | None]:
        name = self._attr(ctx, "PoolName")
        dom = self._domain(ctx)
        if dom is not None and name is not None and name not in dom.pools:
            ctx.log("ERROR", f"cannot open '{name}': no such pool on {ctx.system}")
        return dom, (str(name) if name is not None else None)

    def monitor(self, ctx: EntryContext) -> EntryResult:
        dom, name = self._pool(ctx)
        if dom is None or name is None:
            return MONITOR_UNKNOWN
        pool = dom.pools.get(name)
        if pool is None or not pool.imported:
            return MONITOR_OFFLINE
        return MONITOR_ONLINE if dom.block_device_ok(name) else MONITOR_OFFLINE

    def online(self, ctx: EntryContext) -> EntryResult:
        dom, name = self._pool(ctx)
        if dom is None or name is None or name not in dom.pools:
            return 1
        if dom.pools[name].imported:
            return 0
        try:
            dom.import_pool(name)
        except PlatformError as exc:
            ctx.log("ERROR", str(exc))
            return 1
        return 0

    def offline(self, ctx: EntryContext) -> EntryResult:
        return self._export(ctx, force=False)

    def clean(self, ctx: EntryContext, reason: int) -> EntryResult:
        return self._export(ctx, force=True)

    def _export(self, ctx: EntryContext, force: bool) -> int:
        dom, name = self._pool(ctx)
        if dom is None or name is None or name not in dom.pools:
            return 1
        if dom.pools[name].imported:
            dom.export_pool(name, force=force)
        return 0


class NICAgent(_PersistentAgent):
    """Link state of Device on ctx.system."""

    type_name = "NIC"

    def monitor(self, ctx: EntryContext) -> EntryResult:
        dom = self._domain(ctx)
        device = self._attr(ctx, "Device")
        if dom is None or device is None:
            return MONITOR_UNKNOWN
        nic = dom.nics.get(str(device))
        if nic is None:
            ctx.log("ERROR", f"NIC {device} not found on {ctx.system}")
            return MONITOR_OFFLINE
        return MONITOR_ONLINE if nic.link_up else MONITOR_OFFLINE


class MultiNICBAgent(_PersistentAgent):
    """Online while any of its devices (attribute Device: association, list or name) has link."""

    type_name = "MultiNICB"

    def monitor(self, ctx: EntryContext) -> EntryResult:
        dom = self._domain(ctx)
        devices = self._attr(ctx, "Device")
        if dom is None or devices is None:
            return MONITOR_UNKNOWN
        names = list(devices) if isinstance(devices, Mapping | list | tuple) else [str(devices)]
        up = any(n in dom.nics and dom.nics[n].link_up for n in names)
        return MONITOR_ONLINE if up else MONITOR_OFFLINE


class DiskAgent(_PersistentAgent):
    """A disk of ctx.system (attribute Partition: c0t1d0s2, /dev/dsk/c0t1d0s2 or c0t1d0)."""

    type_name = "Disk"

    def monitor(self, ctx: EntryContext) -> EntryResult:
        dom = self._domain(ctx)
        part = self._attr(ctx, "Partition")
        if dom is None or part is None:
            return MONITOR_UNKNOWN
        path = str(part) if str(part).startswith("/") else f"/dev/dsk/{part}"
        _, disk = backend_kind(path)
        return MONITOR_ONLINE if disk in dom.disks and dom.disks[disk].online else MONITOR_OFFLINE


class MountAgent(_PlatformAgent):
    """A file system (attributes MountPoint, BlockDevice: a zfs dataset or /dev/dsk/... slice)."""

    type_name = "Mount"

    def _args(self, ctx: EntryContext) -> tuple[Domain | None, str | None, str | None]:
        dom = self._domain(ctx)
        mp, dev = self._attr(ctx, "MountPoint"), self._attr(ctx, "BlockDevice")
        return dom, (str(mp) if mp else None), (str(dev) if dev else None)

    def monitor(self, ctx: EntryContext) -> EntryResult:
        dom, mp, dev = self._args(ctx)
        if dom is None or mp is None or dev is None:
            return MONITOR_UNKNOWN
        mounted = dom.mounts.get(mp) == dev and dom.block_device_ok(dev)
        return MONITOR_ONLINE if mounted else MONITOR_OFFLINE

    def online(self, ctx: EntryContext) -> EntryResult:
        dom, mp, dev = self._args(ctx)
        if dom is None or mp is None or dev is None:
            return 1
        if dom.mounts.get(mp) == dev:
            return 0
        try:
            dom.mount(mp, dev)
        except PlatformError as exc:
            ctx.log("ERROR", str(exc))
            return 1
        return 0

    def offline(self, ctx: EntryContext) -> EntryResult:
        dom, mp, _ = self._args(ctx)
        if dom is None or mp is None:
            return 1
        if mp in dom.mounts:
            dom.umount(mp)
        return 0

    def clean(self, ctx: EntryContext, reason: int) -> EntryResult:
        return self.offline(ctx)


def bundled_agents(platform: Platform) -> dict[str, _PlatformAgent]:
    """One agent per resource type name, all acting on `platform`."""
    agents: list[_PlatformAgent] = [LDomAgent(platform), ZpoolAgent(platform), NICAgent(platform),
                                    MultiNICBAgent(platform), DiskAgent(platform), MountAgent(platform)]
    return {a.type_name: a for a in agents}
