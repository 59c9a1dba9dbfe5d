"""Assemble an emulated lab (platform + cluster engine + agents) from a main.cf and a node layout.

Nothing about the lab is hard-coded: the physical layout (which systems share a node, which one is
the control domain) comes from the inventory, everything else from the cluster configuration:

- every NIC (and MultiNICB) resource gives its system's domain a physical NIC of that name, and a
  virtual switch over it;
- every Zpool resource gives its system's domain a disk and a zpool of that PoolName, and a virtual
  disk server volume on a zvol of that pool;
- every LDom resource names a guest; the guest is defined on every node whose control domain is in
  the LDom group's SystemList. Its devices follow the AlternateIO resource of the group the LDom group
  depends on: one vnet per service domain of each network service group, one mpgroup per storage
  service group with one vdisk path per service domain of that group.

`LabSpec` is plain data (JSON-serialisable) so that the harness can hand it to a lab daemon.

A lab is driven as a real one is, by commands typed on its systems (`SimLab.run_command`): the ha*
commands on cluster systems, `ldm` in control domains, `zpool`, `dladm`, `ifconfig`, `luxadm`,
`hostname`, `uname` in every Solaris domain, `gabconfig -a` and `lltstat -nvv` on cluster systems
(`EMULATED_COMMANDS`), and `tail`/`cat`/`wc` of the engine log (/var/VRTSvcs/log/engine_A.log) on
cluster systems.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from agents.alternateio import known_monitors
from emulators.clock import Clock
from emulators.ovm import FaultError, Platform, bundled_agents, run_dladm, run_ldm, run_zpool
from emulators.ovm.model import backend_kind
from emulators.ovm.sysadmin import run_format, run_hostname, run_ifconfig, run_luxadm, run_uname
from emulators.vcs import commands as vcs_commands
from emulators.vcs.config import load
from emulators.vcs.config.model import Config, Group
from emulators.vcs.engine import Engine
from emulators.vcs.group_control import EngineGroupControl
from emulators.vcs.logfile import run_cat, run_tail, run_wc
from emulators.vcs.membership_commands import run_gabconfig, run_lltstat

if TYPE_CHECKING:
    from emulators.agent_host import AgentHost

VCS_COMMANDS = {"hastatus", "hagrp", "hares", "hasys", "haconf", "hatype", "haclus"}
_PLATFORM_COMMANDS = {"ldm": run_ldm, "zpool": run_zpool, "dladm": run_dladm, "ifconfig": run_ifconfig,
                      "luxadm": run_luxadm, "format": run_format, "hostname": run_hostname, "uname": run_uname}
_LOG_READERS = {"tail": run_tail, "cat": run_cat, "wc": run_wc}
# GAB's and LLT's view of the cluster, on cluster systems (from the engine's membership)
_MEMBERSHIP_COMMANDS = {"gabconfig": run_gabconfig, "lltstat": run_lltstat}
# Every program `SimLab.run_command` answers, for the lab shell to put shims on the PATH. `tail`,
# `cat` and `wc` of the engine log are answered too (in-process callers), but a lab shell uses the
# real ones on a real log file, so they are not listed.
EMULATED_COMMANDS: tuple[str, ...] = ("hastatus", "hagrp", "hares", "hasys", "haconf", "hatype", "ldm", "zpool",
                                      "dladm", "ifconfig", "luxadm", "hostname", "uname", "gabconfig", "lltstat",
                                      "haclus", "format")


@dataclass(frozen=True)
class NodeSpec:
    name: str
    control: str
    alternates: tuple[str, ...] = ()

    @property
    def systems(self) -> tuple[str, ...]:
        return (self.control, *self.alternates)


@dataclass(frozen=True)
class LabSpec:
    """What a lab is made of: its name, main.cf, physical nodes, timing and the monitor under test."""

    name: str
    main_cf: str
    nodes: tuple[NodeSpec, ...]
    type_overrides: dict[str, int] = field(default_factory=dict)
    monitor: str = "alternateio"
    time_scale: float = 10.0
    seed: int = 0
    kvm: dict | None = None  # a kvm lab (emulators.kvm): its settings; None for an all-emulated one
    solaris: int = 11  # the lab's Solaris release, 10 or 11 (inventory `solaris:`; emulators/ovm/ldm.py)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> LabSpec:
        data = json.loads(text)
        data["nodes"] = tuple(NodeSpec(n["name"], n["control"], tuple(n["alternates"])) for n in data["nodes"])
        return cls(**data)


@dataclass(frozen=True)
class GuestPlan:
    """Where a guest may run and which service groups serve its paths on each node."""

    guest: str
    ldom_group: str
    alternateio_group: str
    alternateio_resource: str
    storage_groups: dict[str, tuple[str, ...]]  # control system -> storage SGs named for it
    network_groups: dict[str, tuple[str, ...]]  # control system -> network SGs named for it


def _localized_keys(value: object) -> tuple[str, ...]:
    return tuple(value.keys()) if isinstance(value, dict) else ()


def plan_guests(config: Config) -> list[GuestPlan]:
    """Derive each guest's AlternateIO wiring from the configuration (LDom group -> AlternateIO group)."""
    plans = []
    for ldom_group, res in config.resources_of_type("LDom"):
        guest = str(res.attributes["LDomName"].for_system(None) if "LDomName" in res.attributes else res.name)
        aio_group: Group | None = None
        for dep in ldom_group.group_deps:
            g = config.groups.get(dep.child)
            if g and any(r.type == "AlternateIO" for r in g.resources.values()):
                aio_group = g
        if aio_group is None:
            continue
        aio_res = next(r for r in aio_group.resources.values() if r.type == "AlternateIO")
        storage, network = {}, {}
        for system in aio_group.system_list:
            storage[system] = _localized_keys(aio_res.attributes.get("StorageSG") and
                                              aio_res.attributes["StorageSG"].for_system(system))
            network[system] = _localized_keys(aio_res.attributes.get("NetworkSG") and
                                              aio_res.attributes["NetworkSG"].for_system(system))
        plans.append(GuestPlan(guest, ldom_group.name, aio_group.name, aio_res.name, storage, network))
    return plans


def _dsk_path(partition: object) -> str:
    """A Disk resource's Partition as the device path a vdsdev exports (c3t5d0s2 -> /dev/dsk/c3t5d0s2)."""
    text = str(partition)
    return text if text.startswith("/") else f"/dev/dsk/{text}"


class SimLab:
    """A running emulated lab: platform, engine, agents, and the commands of every system."""

    def __init__(self, spec: LabSpec, clock: Clock, config: Config | None = None,
                 agent_host: AgentHost | None = None) -> None:
        self.spec = spec
        self.agent_host = agent_host  # the AlternateIO agent runs as a script agent there (None: in-process)
        self.clock = clock
        self.config = config if config is not None else load(Path(spec.main_cf))
        self._apply_timing(self.config, spec.type_overrides)
        self.guests = plan_guests(self.config)
        self.platform = Platform(clock, solaris=spec.solaris)
        with self.platform.batch():  # publish the built lab once, not after every device
            self._build_platform()
        self.engine = Engine(self.config, clock, seed=spec.seed)
        self._register_agents()
        self.platform.subscribe(self._on_platform_event)

    # -- assembly ---------------------------------------------------------------------------------

    @staticmethod
    def _apply_timing(config: Config, overrides: dict[str, int]) -> None:
        """The inventory's timing overrides every type's static timing attributes."""
        from emulators.vcs.config.model import AttrDef

        for typedef in config.types.values():
            for name, value in overrides.items():
                current = typedef.attributes.get(name)
                typedef.attributes[name] = AttrDef(name, "int", "scalar", int(value), True,
                                                   current.loc if current else None)

    def node_of(self, system: str) -> NodeSpec:
        for node in self.spec.nodes:
            if system in node.systems:
                return node
        raise KeyError(system)

    def _build_platform(self) -> None:
        config = self.config
        domains = {}
        for node_spec in self.spec.nodes:
            node = self.platform.add_node(node_spec.name)
            domains[node_spec.control] = node.add_domain(
                "primary", hostname=node_spec.control, role="control", buses=["pci_0"])
            for i, alt in enumerate(node_spec.alternates, start=1):
                domains[alt] = node.add_domain(alt, hostname=alt, role="alternate", buses=[f"pci_{i}"])
        # physical NICs from NIC/MultiNICB resources, disks + zpools from Zpool resources
        disk_counter: dict[str, int] = {}
        for group in config.groups.values():
            for res in group.resources.values():
                for system in group.system_list:
                    dom = domains.get(system)
                    if dom is None:
                        continue
                    if res.type in ("NIC", "MultiNICB") and "Device" in res.attributes:
                        dev = res.attributes["Device"].for_system(system)
                        for nic in (dev.keys() if isinstance(dev, dict) else [dev]):
                            if nic and str(nic) not in dom.nics:
                                dom.add_nic(str(nic))
                                dom.add_vsw(f"{dom.name}-vsw-{nic}", net_dev=str(nic))
                    elif res.type == "Disk" and "Partition" in res.attributes:
                        # a LUN the service domain sees (a shared back end when several do)
                        disk = backend_kind(_dsk_path(res.attributes["Partition"].for_system(system)))[1]
                        if disk not in dom.disks:
                            dom.add_disk(disk)
                    elif res.type == "Zpool" and "PoolName" in res.attributes:
                        pool = str(res.attributes["PoolName"].for_system(system))
                        if pool not in dom.pools:
                            n = disk_counter[system] = disk_counter.get(system, 0) + 1
                            disk = f"c0t{n}d0"
                            dom.add_disk(disk)
                            # exported until the Zpool agent imports it (the storage group's online)
                            dom.add_zpool(pool, vdevs=[disk], imported=False)
            for system in group.system_list:
                dom = domains.get(system)
                if dom is not None and dom.role in ("control", "alternate") and f"{dom.name}-vds0" not in dom.vdss:
                    dom.add_vds(f"{dom.name}-vds0")
        # guests: defined on every node whose control domain can run the LDom group
        for plan in self.guests:
            ldom_systems = config.groups[plan.ldom_group].system_list
            for node_spec in self.spec.nodes:
                if node_spec.control not in ldom_systems:
                    continue
                node = self.platform.node(node_spec.name)
                guest = node.add_domain(plan.guest, hostname=plan.guest, role="guest", master="primary")
                domains[node_spec.control].set_failure_policy("stop")
                self._wire_guest(plan, node_spec, guest, domains)

    def _wire_guest(self, plan: GuestPlan, node_spec: NodeSpec, guest, domains) -> None:
        config = self.config
        vnet_i = 0
        for sg in plan.network_groups.get(node_spec.control, ()):
            group = config.groups[sg]
            for system in group.system_list:
                dom = domains[system]
                for res in group.resources.values():
                    if res.type in ("NIC", "MultiNICB") and "Device" in res.attributes:
                        dev = res.attributes["Device"].for_system(system)
                        for nic in (dev.keys() if isinstance(dev, dict) else [dev]):
                            guest.add_vnet(f"vnet{vnet_i}", vsw=f"{dom.name}-vsw-{nic}")
                            vnet_i += 1
        vdisk_i = 0
        for sg in plan.storage_groups.get(node_spec.control, ()):
            group = config.groups[sg]
            backs = [r for r in group.resources.values()
                     if (r.type == "Zpool" and "PoolName" in r.attributes)
                     or (r.type == "Disk" and "Partition" in r.attributes)]
            for system in group.system_list:
                dom = domains[system]
                for res in backs:
                    # one virtual disk (mpgroup) per pool or LUN resource of the group: a group of
                    # several pools (data, log, a non-critical cache) gives the guest one disk for each.
                    # A pool is the two-pool mirror shape (each service domain exports a zvol of its
                    # own pool); a Disk is one shared back end (every service domain exports the same
                    # LUN, which is what an mpgroup is in LDoms)
                    name = f"{plan.guest}-{sg}" if len(backs) == 1 else f"{plan.guest}-{sg}-{res.name}"
                    if res.type == "Disk":
                        backend = _dsk_path(res.attributes["Partition"].for_system(system))
                    else:
                        backend = f"/dev/zvol/dsk/{res.attributes['PoolName'].for_system(system)}/{name}"
                    volume = f"{name}-vol"
                    dom.add_vdsdev(volume, vds=f"{dom.name}-vds0", backend=backend, mpgroup=name)
                    guest.add_vdisk(f"vdisk{vdisk_i}", volume=f"{volume}@{dom.name}-vds0")
                    vdisk_i += 1

    def _register_agents(self) -> None:
        eng, platform = self.engine, self.platform
        if self.agent_host is not None:
            typedef = self.config.types.get("AlternateIO")
            arg_list = typedef.attributes.get("ArgList") if typedef else None
            eng.register_agent("AlternateIO", self.agent_host.agent(
                tuple(arg_list.default) if arg_list and arg_list.default else ("StorageSG", "NetworkSG")))
        else:
            eng.register_agent("AlternateIO", known_monitors()[self.spec.monitor](EngineGroupControl(eng)))
        for type_name, agent in bundled_agents(platform).items():
            eng.register_agent(type_name, agent)

    # -- membership follows the domains -------------------------------------------------------------

    def _on_platform_event(self, event) -> None:
        """A cluster system is a domain: when it stops being active it leaves the membership."""
        if getattr(event, "kind", None) != "domain" or event.hostname not in self.config.systems:
            return
        # membership follows "up" (booted), not the ldm state: a booting domain is active but not up
        if event.was_up and not event.up:
            self.engine.system_leave(event.hostname, fault=True)
        elif event.up and not event.was_up:
            self.engine.system_join(event.hostname)

    # -- lifecycle ----------------------------------------------------------------------------------

    def boot(self, limit: float = 3600.0) -> bool:
        """Start the cluster. On a virtual clock, run to the steady state and say whether it settled
        within `limit` seconds; on a real clock the lab settles as time goes by (True)."""
        self.engine.start()
        return self.engine.settle(limit=limit) if self.clock.kind == "virtual" else True

    # -- what a person or the harness does to the lab -----------------------------------------------

    def run_command(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        """What `argv` prints on `system`: the programs of `EMULATED_COMMANDS`, and `tail`/`cat`/`wc`
        of the engine log on a cluster system. argv[0] may be a path (/usr/sbin/ifconfig)."""
        prog = argv[0].rsplit("/", 1)[-1] if argv else ""
        if system not in self.config.systems and system not in self.platform.systems():
            return 2, "", f"no such system '{system}' in lab {self.spec.name}\n"
        if prog in VCS_COMMANDS:
            if system not in self.config.systems:  # a guest domain runs no cluster software
                return 127, "", f"bash: {prog}: command not found\n"
            # typed on `system`: nobody to log in to on a domain that is down (as every command there),
            # and HAD answers for that system (`hagrp -value G State`) or not at all (V-16-1-10600)
            if system in self.platform.systems():
                from emulators.ovm.ldm import shell_gate

                gate = shell_gate(self.platform, system, prog)
                if isinstance(gate[0], int):
                    return gate  # type: ignore[return-value]
            return vcs_commands.run(self.engine, argv, local_system=system, wait=self._vcs_wait)
        if prog in _MEMBERSHIP_COMMANDS:
            if system not in self.config.systems:  # no GAB/LLT in a guest domain
                return 127, "", f"bash: {prog}: command not found\n"
            return _MEMBERSHIP_COMMANDS[prog](self.engine, self.platform, system, argv[1:])
        if prog in _PLATFORM_COMMANDS:
            return _PLATFORM_COMMANDS[prog](self.platform, system, argv[1:])
        if prog in _LOG_READERS:
            # the engine log exists on cluster systems only: in a guest the path names no file
            reader = _LOG_READERS[prog]
            if system not in self.config.systems:
                return reader([], argv[1:], log_path=None)
            return reader(self.engine.log_lines, argv[1:])
        return 127, "", f"bash: {prog}: command not found\n"

    def _vcs_wait(self, done, seconds: float) -> bool:
        """How an ha* ``-wait`` waits here: on a virtual clock it runs the clock until `done()` or
        `seconds` (from the thread that drives the lab only, and not from inside another wait: a
        script agent's `hagrp`, answered from the agent host's thread while the lab waits on the
        entry point, must not move the clock under it); otherwise it cannot block and looks once (the
        lab daemon retries a -wait that timed out so until its time has passed on the real clock)."""
        import threading

        if (self.clock.kind != "virtual" or threading.current_thread() is not threading.main_thread()
                or getattr(self, "_in_vcs_wait", False)):
            return done()
        self._in_vcs_wait = True
        try:
            if not done():
                self.clock.run_while(lambda: not done(), seconds)
        finally:
            self._in_vcs_wait = False
        return done()

    # -- the agent under test, called by hand ---------------------------------------------------------

    def _probe(self, system: str, attrs: dict) -> tuple[object, list[str]]:
        """Call the AlternateIO agent's monitor on `system` for its resource with these ArgList values,
        outside the engine's own cycle (nothing in the cluster changes): what an engineer sees running
        `monitor RES StorageSG ...` by hand on a control domain."""
        from agents.contract import EntryContext

        if system not in self.config.systems:
            raise FaultError(f"no such system '{system}' in lab {self.spec.name}")
        found = [(r, g) for g, G in self.config.groups.items() for r, R in G.resources.items()
                 if R.type == "AlternateIO"]
        if not found:
            raise FaultError(f"lab {self.spec.name} has no AlternateIO resource")
        resource, group = found[0]
        agent = self.engine.agent("AlternateIO")
        lines: list[str] = []
        ctx = EntryContext(resource, "AlternateIO", group, system,
                           {k: dict(v) for k, v in attrs.items()},
                           log=lambda severity, text: lines.append(f"{severity} {text}"))
        return agent.monitor(ctx), lines

    def probe_monitor(self, system: str, attrs: dict) -> tuple[int, list[str]]:
        """`_probe`, run to its end at once (a lab on the virtual clock, or an in-process agent): the
        clock does not move; a script agent's process still answers through the lab's commands."""
        from agents.contract import run_entry_point

        result, lines = self._probe(system, attrs)
        return run_entry_point(result, sleep=lambda _seconds: None), lines

    def probe_monitor_on_clock(self, system: str, attrs: dict, done) -> None:
        """`_probe` driven by the lab's clock (a daemon: the loop keeps serving the agent's commands);
        `done(code, lines)` when it has answered."""
        from collections.abc import Generator

        result, lines = self._probe(system, attrs)
        if not isinstance(result, Generator):
            done(int(result), lines)
            return

        def step() -> None:
            try:
                delay = next(result)
            except StopIteration as stop:
                done(int(stop.value if stop.value is not None else 99), lines)
                return
            self.clock.call_later(float(delay or 0.0), step)

        step()

    def inject(self, kind: str, where: str) -> str:
        self.platform.inject(kind, where)
        return f"injected {kind} {where}\n"

    def heal(self, kind: str, where: str) -> str:
        self.platform.heal(kind, where)
        return f"healed {kind} {where}\n"

    def heal_all(self) -> str:
        healed = []
        for kind, where in reversed(self.faults()):
            self.platform.heal(kind, where)
            healed.append(f"healed {kind} {where}\n")
        return "".join(healed) or "no faults in force\n"

    def faults(self) -> list[tuple[str, str]]:
        return [(f.kind, f.where) for f in self.platform.faults()]


__all__ = ["EMULATED_COMMANDS", "LabSpec", "NodeSpec", "SimLab", "GuestPlan", "plan_guests", "FaultError"]
