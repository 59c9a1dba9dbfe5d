"""A kvm lab: the emulated cluster and LDoms model on the real clock, with real VMs carrying the I/O.

The model (emulators.lab.SimLab) stays the lab's state of record, as on `sim`: `ldm`, `hastatus`,
faults, the ILOM all act on it. `Realizer` makes the real world follow it, idempotently, after every
change the platform publishes (`reconcile`):

- every control and alternate I/O domain is a small VM, running while its domain is active;
- every guest has one VM definition per node it may run on (emulators.kvm.domains), running while
  the guest is active on that node; its disks are the mpgroup paths, one nbdkit server per
  (I/O domain, volume) on one backend file per mpgroup (emulators.kvm.paths): a path serves while
  its I/O domain is up and the pool behind it is imported and healthy; its NICs are the vnets, the
  link up while the I/O domain is up and its physical NIC has link.

So `nic_pull` takes a real link down (libvirt updateDeviceFlags), `zpool_offline`/`disk_offline` make a
real path fail with EIO, `domain_kill` destroys a real QEMU process (and with it, through the model's
cascade, that domain's paths and links), `node_power_off` every VM of the node.

The other way round, what happens to the real world by itself reaches the model: a VM that dies
without being told to (libvirt's lifecycle event, or its QEMU process's pidfd) kills its domain in
the model, and the cluster reacts as to a real death. The bundled agents of the I/O types read the
real state (`KvmNICAgent`: libvirt's link state; `KvmZpoolAgent`: the path servers; `KvmLDomAgent`:
whether the guest's VM runs).
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import shutil
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, EntryContext, EntryResult
from emulators.clock import Clock
from emulators.kvm import domains as xml
from emulators.kvm.hypervisor import Hypervisor, choose_accel
from emulators.kvm.image import ensure as ensure_image
from emulators.kvm.paths import PathServer, stop_strays
from emulators.kvm.probe import ProbeReader, Sample
from emulators.lab import LabSpec, SimLab
from emulators.ovm.agents import LDomAgent, NICAgent, ZpoolAgent
from emulators.ovm.model import Domain, Node

BACKEND_MIB = 64
UNREACHABLE = 255


# An I/O domain VM boots the cloud kernel and busybox and then only lives. At 80 MiB it had ~19 MiB
# available after boot, and a control domain's VM was seen dead at a run's first baseline (in CI and
# here, 2 runs of 5): more room is the suspected cure; a VM that dies logs its console's last lines.
IO_DOMAIN_MIB = 128


@dataclass(frozen=True)
class GuestVm:
    """One definition of a guest: on `node`, with these paths."""

    guest: str
    node: str
    name: str
    disks: tuple[xml.DiskPath, ...]
    nics: tuple[xml.NicPath, ...]
    probe_socket: str
    console_log: str


def _mac(*parts: str) -> str:
    from emulators.ovm.model import stable_hex

    h = stable_hex(*parts)
    return "52:54:00:" + ":".join(h[i:i + 2] for i in range(0, 6, 2))


class Realizer:
    """Makes the VMs, links and path servers follow the model (see the module docstring)."""

    def __init__(self, lab: KvmLab, hv: Hypervisor, workdir: Path, domain_type: str, image, log) -> None:
        self.lab, self.hv, self.workdir = lab, hv, workdir
        self.log = log
        self.platform = lab.platform
        self.paths_dir = workdir / "paths"
        self.disks_dir = workdir / "disks"
        self.vm_dir = workdir / "vms"
        for d in (self.paths_dir, self.disks_dir, self.vm_dir):
            d.mkdir(mode=0o700, exist_ok=True)
        self.prefix = f"{xml.PREFIX}-{lab.spec.name}-"
        self.domain_type, self.image = domain_type, image
        self.servers: dict[tuple[str, str, str], PathServer] = {}  # (node, service hostname, volume)
        self.io_vms: dict[tuple[str, str], str] = {}  # (node, hostname) -> VM name
        self.guest_vms: dict[tuple[str, str], GuestVm] = {}  # (node, guest) -> its definition there
        self.applied: dict[tuple, bool] = {}
        self.expected_down: set[str] = set()  # VMs we destroy: their stop is no surprise
        self.samples: list[Sample] = []
        self.events: list[list] = []
        self.lock = threading.Lock()
        self.readers: dict[str, ProbeReader] = {}
        self.pidfds: dict[str, int] = {}

    # -- assembly ------------------------------------------------------------------------------------
    def build(self) -> None:
        run_as_root = self.hv.uri == "qemu:///system" and os.geteuid() == 0
        common = {"kernel": str(self.image.kernel), "initrd": str(self.image.initrd),
                  "domain_type": self.domain_type, "run_as_root": run_as_root}
        for node in self.platform.nodes.values():
            for dom in node.domains.values():
                if dom.role in ("control", "alternate"):
                    name = xml.vm_name(self.lab.spec.name, node.name, dom.hostname)
                    self.io_vms[(node.name, dom.hostname)] = name
                    self.hv.define(xml.domain_xml(xml.VmSpec(
                        name=name, role="iodomain", hostname=dom.hostname,
                        console_log=str(self.vm_dir / f"{name}.console"), memory_mib=IO_DOMAIN_MIB, **common)))
            for dom in node.domains.values():
                if dom.role == "guest":
                    vm = self._guest_vm(node, dom)
                    self.guest_vms[(node.name, dom.name)] = vm
                    self.hv.define(xml.domain_xml(xml.VmSpec(
                        name=vm.name, role="guest", hostname=dom.hostname, console_log=vm.console_log,
                        memory_mib=128, disks=vm.disks, nics=vm.nics, probe_socket=vm.probe_socket, **common)))

    def _guest_vm(self, node: Node, guest: Domain) -> GuestVm:
        name = xml.vm_name(self.lab.spec.name, node.name, guest.name)
        disks = []
        mpgroups: list[str] = []  # the guest's k-th mpgroup is the same LUN on every node it may run on
        for i, vdisk in enumerate(guest.vdisks.values()):
            volume = vdisk.volume
            service = node.find_vds(vdisk.vds)
            dev = service.vdss[vdisk.vds].volumes[volume]
            mpgroup = dev.mpgroup or volume
            if mpgroup not in mpgroups:
                mpgroups.append(mpgroup)
            backend = self.disks_dir / f"{guest.name}-lun{mpgroups.index(mpgroup)}.img"
            if not backend.exists():
                with open(backend, "wb") as f:
                    f.truncate(BACKEND_MIB << 20)
            key = (node.name, service.hostname, volume)
            if key not in self.servers:
                self.servers[key] = PathServer(self.paths_dir, f"{node.name}-{service.hostname}", volume, backend)
            disks.append(xml.DiskPath(service.hostname, volume, str(self.servers[key].socket), i))
        nics = []
        for i, vnet in enumerate(guest.vnets.values()):
            service = node.find_vsw(vnet.vsw)
            nic = service.vsws[vnet.vsw].net_dev or ""
            nics.append(xml.NicPath(service.hostname, nic, _mac(self.lab.spec.name, guest.name, vnet.name), i))
        return GuestVm(guest.name, node.name, name, tuple(disks), tuple(nics),
                       str(self.vm_dir / f"{name}.probe"), str(self.vm_dir / f"{name}.console"))

    # -- what the model wants ----------------------------------------------------------------------------
    def _active(self, node: Node, hostname: str) -> bool:
        return node.powered and self.platform.domain_of(hostname).state == "active"

    def desired(self) -> dict[tuple, bool]:
        want: dict[tuple, bool] = {}
        for (node_name, volume_host, volume), _server in self.servers.items():
            node = self.platform.nodes[node_name]
            dom = self.platform.domain_of(volume_host)
            vol_pool = self._pool_of(dom, volume)
            want[("path", node_name, volume_host, volume)] = (
                self._active(node, volume_host) and vol_pool is not None and dom.block_device_ok(vol_pool))
        for (node_name, _guest), vm in self.guest_vms.items():
            node = self.platform.nodes[node_name]
            for nic in vm.nics:
                dom = self.platform.domain_of(nic.service)
                want[("link", vm.name, nic.alias)] = (self._active(node, nic.service) and nic.nic in dom.nics
                                                      and dom.nics[nic.nic].link_up)
        for (node_name, hostname), name in self.io_vms.items():
            want[("vm", name)] = self._active(self.platform.nodes[node_name], hostname)
        for (node_name, guest), vm in self.guest_vms.items():
            node = self.platform.nodes[node_name]
            want[("vm", vm.name)] = bool(node.powered and node.domains[guest].state == "active")
        return want

    @staticmethod
    def _pool_of(dom: Domain, volume: str) -> str | None:
        for vds in dom.vdss.values():
            dev = vds.volumes.get(volume)
            if dev is not None and dev.backend.startswith("/dev/zvol/dsk/"):
                return dev.backend.removeprefix("/dev/zvol/dsk/").split("/", 1)[0]
        return None

    # -- making it so ----------------------------------------------------------------------------------------
    def reconcile(self) -> None:
        want = self.desired()
        # paths and links first: a guest that boots finds its paths as the model has them
        for key, up in want.items():
            kind = key[0]
            if kind == "vm" or self.applied.get(key) == up:
                continue
            if kind == "path":
                server = self.servers[key[1:]]
                server.set_up(up)
                if not server.alive():
                    server.start()
                self._event(f"path {key[2]}/{key[3]}@{key[1]}", "path", {"up": up})
            elif kind == "link":
                vm = next(v for v in self.guest_vms.values() if v.name == key[1])
                nic = next(n for n in vm.nics if n.alias == key[2])
                self.hv.set_link(vm.name, xml.nic_xml(nic, link_up=up))
                self._event(vm.name, "link", {"device": nic.alias, "up": up})
            self.applied[key] = up
        for key, up in want.items():
            if key[0] != "vm" or self.applied.get(key) == up:
                continue
            name = key[1]
            if up:
                self.hv.start(name)
                self._watch(name)
            else:
                self.expected_down.add(name)
                self._unwatch(name)
                self.hv.destroy(name)
            self.applied[key] = up

    def _watch(self, name: str) -> None:
        guest = next((v for v in self.guest_vms.values() if v.name == name), None)
        if guest is not None:
            old = self.readers.pop(name, None)
            if old is not None:
                old.stop()
            self.readers[name] = ProbeReader(guest.guest, guest.node, guest.probe_socket, self.samples, self.lock)
        pid = self.hv.qemu_pid(name)
        loop = self.lab.loop
        if pid is not None and loop is not None and hasattr(os, "pidfd_open"):
            with contextlib.suppress(OSError):
                fd = os.pidfd_open(pid)
                self.pidfds[name] = fd
                loop.add_reader(fd, self._process_exited, name)

    def _unwatch(self, name: str) -> None:
        reader = self.readers.pop(name, None)
        if reader is not None:
            reader.stop()
        fd = self.pidfds.pop(name, None)
        if fd is not None:
            with contextlib.suppress(Exception):
                self.lab.loop.remove_reader(fd)
            os.close(fd)

    # -- the real world's own events (loop thread) ----------------------------------------------------------
    def _process_exited(self, name: str) -> None:
        self._event(name, "process", {"exited": True})
        self.vm_stopped(name)

    def vm_stopped(self, name: str) -> None:
        """A VM is no longer running. Expected when we destroyed it; else its domain died."""
        if name in self.expected_down:
            self.expected_down.discard(name)
            self._unwatch(name)
            return
        if not self.applied.get(("vm", name)) or self.hv.running(name):
            return  # not ours to run, or a stale event (the VM of a killed daemon, destroyed at start-up)
        self._unwatch(name)
        self.applied[("vm", name)] = False
        for (_node, hostname), vm in self.io_vms.items():
            if vm == name:
                dom = self.platform.domain_of(hostname)
                if dom.state == "active":
                    print(f"kvm: {name} died on its own: {hostname} is down{self._last_words(name)}",
                          file=sys.stderr, flush=True)
                    dom.kill()
        for (node_name, guest), vm in self.guest_vms.items():
            if vm.name == name:
                dom = self.platform.nodes[node_name].domains[guest]
                if dom.state == "active":
                    print(f"kvm: {name} died on its own: guest {guest} on {node_name} is down"
                          f"{self._last_words(name)}", file=sys.stderr, flush=True)
                    dom.kill()

    def _last_words(self, name: str) -> str:
        """The end of a VM's console (a panic, the OOM killer): why it died, for the daemon's log."""
        try:
            lines = (self.vm_dir / f"{name}.console").read_text(errors="replace").splitlines()[-8:]
        except OSError:
            return ""
        return "".join(f"\n  console: {line}" for line in lines)

    def on_libvirt_event(self, vm: str, kind: str, info: dict) -> None:
        """libvirt's thread: record, and hand what matters to the loop's thread."""
        if not vm.startswith(self.prefix):
            return
        self._event(vm, kind, info)
        if kind == "lifecycle" and info.get("event") in ("stopped", "crashed", "shutdown") and self.lab.loop:
            self.lab.loop.call_soon_threadsafe(self.vm_stopped, vm)

    def _event(self, subject: str, kind: str, info: dict) -> None:
        with self.lock:
            self.events.append([round(time.monotonic(), 3), subject, kind, info])

    # -- what agents read -----------------------------------------------------------------------------------
    def link_up(self, system: str, nic: str) -> bool | None:
        """The real link of every guest NIC that `system`'s `nic` carries; None when it carries none."""
        states = []
        for vm in self.guest_vms.values():
            for path in vm.nics:
                if path.service == system and path.nic == nic:
                    states.append(self.hv.link_up(vm.name, path.alias))
        states = [s for s in states if s is not None]
        return any(states) if states else None

    def pool_serving(self, system: str, pool: str) -> bool | None:
        """Do the path servers of the volumes on `pool` of `system` serve? None when there are none."""
        node = self.platform.node_of(system)
        dom = self.platform.domain_of(system)
        servers = [s for (n, host, vol), s in self.servers.items()
                   if n == node.name and host == system and self._pool_of(dom, vol) == pool]
        return all(s.serving() for s in servers) if servers else None

    def guest_running(self, node: str, guest: str) -> bool | None:
        vm = self.guest_vms.get((node, guest))
        return None if vm is None else self.hv.running(vm.name)

    # -- teardown -------------------------------------------------------------------------------------------
    def close(self) -> None:
        for name in list(self.readers):
            self._unwatch(name)
        for name in list(self.pidfds):
            self._unwatch(name)
        self.hv.undefine_prefix(self.prefix)
        for server in self.servers.values():
            server.stop()
        shutil.rmtree(self.disks_dir, ignore_errors=True)


class KvmNICAgent(NICAgent):
    def __init__(self, platform, realizer: Realizer) -> None:
        super().__init__(platform)
        self.realizer = realizer

    def monitor(self, ctx: EntryContext) -> EntryResult:
        device = ctx.attrs.get("Device")
        real = self.realizer.link_up(ctx.system, str(device)) if device else None
        if real is None:
            return super().monitor(ctx)
        return MONITOR_ONLINE if real else MONITOR_OFFLINE


class KvmZpoolAgent(ZpoolAgent):
    def __init__(self, platform, realizer: Realizer) -> None:
        super().__init__(platform)
        self.realizer = realizer

    def monitor(self, ctx: EntryContext) -> EntryResult:
        modelled = super().monitor(ctx)
        if modelled != MONITOR_ONLINE:
            return modelled
        real = self.realizer.pool_serving(ctx.system, str(ctx.attrs.get("PoolName")))
        return modelled if real is None else (MONITOR_ONLINE if real else MONITOR_OFFLINE)


class KvmLDomAgent(LDomAgent):
    def __init__(self, platform, realizer: Realizer) -> None:
        super().__init__(platform)
        self.realizer = realizer

    def monitor(self, ctx: EntryContext) -> EntryResult:
        guest = self._guest(ctx)
        if guest is None:
            return super().monitor(ctx)
        real = self.realizer.guest_running(guest.node.name, guest.name)
        if real is None:
            return super().monitor(ctx)
        return MONITOR_ONLINE if real and guest.state == "active" else MONITOR_OFFLINE


class KvmLab(SimLab):
    """SimLab whose I/O is carried by real VMs (see the module docstring)."""

    def __init__(self, spec: LabSpec, clock: Clock, workdir: Path, loop: asyncio.AbstractEventLoop | None = None,
                 log=print, agent_host=None) -> None:
        self.loop = loop
        self.lost: str | None = None
        super().__init__(spec, clock, agent_host=agent_host)
        settings = dict(spec.kvm or {})
        self.platform.boot_seconds = float(settings.get("boot_seconds", 4.0))
        image = ensure_image(log=log)
        domain_type = choose_accel(settings.get("accel", "auto"), image.kernel, image.initrd,
                                   image.kernel.parent / "accel.json")
        self.hv = Hypervisor(settings.get("uri", "auto"), on_lost=self._lost)
        self.realizer = Realizer(self, self.hv, workdir, domain_type, image, log)
        self.hv.on_event = self.realizer.on_libvirt_event
        # what a killed daemon of this lab left: its VMs and its path servers
        self.hv.undefine_prefix(self.realizer.prefix)
        stop_strays(self.realizer.paths_dir)
        self.realizer.build()
        for type_name, agent in {"NIC": KvmNICAgent(self.platform, self.realizer),
                                 "Zpool": KvmZpoolAgent(self.platform, self.realizer),
                                 "LDom": KvmLDomAgent(self.platform, self.realizer)}.items():
            self.engine.register_agent(type_name, agent)
        self.platform.subscribe(lambda _event: self.realizer.reconcile())
        self.realizer.reconcile()
        log(f"kvm: {len(self.realizer.io_vms)} I/O domain VMs, {len(self.realizer.guest_vms)} guest definitions, "
            f"{len(self.realizer.servers)} path servers on {self.hv.uri} ({'TCG' if domain_type == 'qemu' else 'KVM'})")

    def _lost(self, why: str) -> None:
        self.lost = why
        print(f"kvm: {why}", file=sys.stderr, flush=True)

    def run_command(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        """As over ssh: a domain that is not up cannot be logged in to (exit 255)."""
        if system in self.platform.systems():
            _, dom = self.platform.system(system)
            if not dom.up:
                return UNREACHABLE, "", f"ssh: connect to host {system} port 22: Connection refused\n"
        return super().run_command(system, argv)

    def observe(self, since: float) -> dict:
        """Probe samples and real-world events stamped at or after `since` (time.monotonic())."""
        with self.realizer.lock:
            samples = [s.to_json() for s in self.realizer.samples if s.t >= since]
            events = [e for e in self.realizer.events if e[0] >= since]
        return {"samples": samples, "events": events, "now": time.monotonic(), "lost": self.lost}

    def vm_of(self, system: str) -> dict:
        """The VM that is `system` now (a guest: its definition on the node where it is active)."""
        for (_node, hostname), name in self.realizer.io_vms.items():
            if hostname == system:
                return {"name": name, "uri": self.hv.uri, "console_log": str(self.realizer.vm_dir / f"{name}.console")}
        for (node, guest), vm in self.realizer.guest_vms.items():
            if guest == system and self.platform.nodes[node].domains[guest].state == "active":
                return {"name": vm.name, "uri": self.hv.uri, "console_log": vm.console_log}
        for (_node, guest), vm in self.realizer.guest_vms.items():
            if guest == system:
                return {"name": vm.name, "uri": self.hv.uri, "console_log": vm.console_log}
        raise KeyError(system)

    def close(self) -> None:
        self.realizer.close()
        self.hv.close()
