"""A lab seen only through commands typed on its systems: the part every such target shares.

`CommandTarget` builds the whole Target API from `run(system, argv)` and the parsers: a snapshot is
`hastatus -sum` and `hares -state` on one reachable cluster system plus `ldm list -p` on every
reachable control domain (and, where the target can log in to a guest, the guest's own view of its
pools and links); its event source is the difference between successive snapshots plus a byte
cursor over the engine log (`tail -c +N engine_A.log`); the timing comes from `hatype -value`, the
disks of every pool from `zpool status`. A subclass says how to reach a system (`run`), what its
clock is (`now`, `_advance`) and how faults are made (`_inject`, `_heal`).

`run` answers like the ssh client: a system that cannot be reached gives exit status 255.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from harness.oracle import Topology
from harness.parsers import (
    ParseError,
    parse_dladm_show_dev,
    parse_dladm_show_link,
    parse_zpool_list_h,
    parse_zpool_status,
)
from harness.targets.base import InfrastructureError, Target
from harness.targets.snapshot import GuestIo, Snapshot, changes, from_commands
from harness.timing import TIMING_ATTRS, LabTiming

# how a guest's links and their state are read, by Solaris release: Solaris 10's `dladm show-link`
# has no link state (its `dladm show-dev` has), Solaris 11's has (inventory key `solaris`)
LINK_STATES = {10: (["dladm", "show-dev"], parse_dladm_show_dev), 11: (["dladm", "show-link"], parse_dladm_show_link)}

UNREACHABLE = 255
_GROUP_LINE = re.compile(r"V-16-\d+-\d+ Group (\S+) is (online|offline|faulted) on system (\S+)")


class CommandTarget(Target):
    engine_log_path = "/var/VRTSvcs/log/engine_A.log"

    def __init__(self, lab, monitor, seed, ledger) -> None:
        super().__init__(lab, monitor, seed, ledger)
        self._last: Snapshot | None = None
        self._reporter: str | None = None  # the cluster system whose view and log we read
        self._log_offset: int | None = None
        self._log: list[tuple[float, str]] = []
        self._io: dict[str, list[tuple[float, GuestIo]]] = {}
        self._timing: LabTiming | None = None
        self._pools: dict[str, str] | None = None
        try:  # the guests whose own view of their I/O is probed (main.cf names them), the first first
            self._guests: list[str] = [t.guest for t in Topology(lab.config, lab.nodes).guests()]
        except ValueError:
            self._guests = []
        self._guest: str | None = self._guests[0] if self._guests else None
        self._links = LINK_STATES[getattr(lab.inventory, "solaris", None) or 11]

    # -- what a subclass provides -------------------------------------------------------------------
    def _advance(self, seconds: float) -> None:  # pragma: no cover - abstract in effect
        raise NotImplementedError

    def guest_host(self, guest: str) -> str | None:
        """The name `run` reaches a guest domain by, when the target can log in to it (I/O probe)."""
        return None

    # -- clock -------------------------------------------------------------------------------------------
    def wait_for(self, condition: Callable[[Snapshot], bool], timeout: float) -> Snapshot | None:
        deadline = self.now() + timeout
        while True:
            snap = self.snapshot()
            if condition(snap):
                return snap
            left = deadline - self.now()
            if left <= 0:
                return None
            self._advance(min(self.poll_s, left))

    # -- snapshot and events -----------------------------------------------------------------------------
    def _cluster_systems(self) -> list[str]:
        order = [s for n in self.lab.nodes for s in n.systems]
        if self._reporter in order:
            order.remove(self._reporter)
            order.insert(0, self._reporter)
        return order

    def run_batch(self, system: str, commands: list[list[str]]) -> list[tuple[int, str]]:
        """Several commands on one system, each with its exit status and output (stderr dropped).
        Targets that pay a round trip per command send them at once."""
        return [self.run(system, argv)[:2] for argv in commands]

    def _fan_out(self, plan: dict[str, list[list[str]]]) -> dict[str, list[tuple[int, str]]]:
        """`run_batch` on several systems (at once where the target can)."""
        return {system: self.run_batch(system, commands) for system, commands in plan.items()}

    def snapshot(self) -> Snapshot:
        t = self.now()
        probed = {g: h for g in (self._guests if "guest_io" in self.capabilities else [])
                  if (h := self.guest_host(g))}
        for system in self._cluster_systems():
            log_cmd = (["wc", "-c", self.engine_log_path] if system != self._reporter or self._log_offset is None
                       else ["tail", "-c", f"+{self._log_offset + 1}", self.engine_log_path])
            # the cluster-wide views on two systems where it can (each HAD answers for the cluster), the
            # domains on each node's control domain, the guest's own view on the guest: all at once
            other = self._another_running(system)
            plan: dict[str, list[list[str]]] = {system: [["hastatus", "-sum"], log_cmd]}
            plan.setdefault(other, []).append(["hares", "-state"])
            for node in self.lab.nodes:
                plan.setdefault(node.control, []).append(["ldm", "list", "-p"])
            for guest_host in probed.values():
                plan.setdefault(guest_host, []).extend([["zpool", "list", "-H", "-o", "name,health"],
                                                        self._links[0]])
            answers = self._fan_out(plan)
            (rc1, summary), (rc3, log_text) = answers[system][:2]
            rc2, resources = answers[other][2 if other == system else 0]
            if rc2 != 0 and other != system:  # the other one just went down: ask the reporter
                rc2, resources = self.run(system, ["hares", "-state"])[:2]
            if rc1 != 0 or "SYSTEM STATE" not in summary or rc2 != 0:
                continue
            if system != self._reporter or self._log_offset is None:
                self._reporter = system
                words = log_text.split()
                self._log_offset = int(words[0]) if rc3 == 0 and words and words[0].isdigit() else 0
            elif rc3 == 0:
                self._take_log(log_text)
            break
        else:
            raise InfrastructureError("no cluster system of the lab answers `hastatus -sum`")
        ldm = {}
        for node in self.lab.nodes:
            rc, out = answers[node.control][-1]  # every control domain's batch ends with its `ldm list -p`
            if rc == 0:
                ldm[node.name] = out
        try:
            snap = from_commands(t, summary, resources, ldm)
        except ParseError as exc:
            raise InfrastructureError(f"the lab printed something the parsers do not read: {exc}") from None
        if "guest_io" in self.capabilities and self._guests:
            io = {g: self.guest_view(snap, g, answers.get(probed[g], [])[-2:] if g in probed else [])
                  for g in self._guests}
            snap = Snapshot(snap.t, snap.systems, snap.groups, snap.resources, snap.domains, io)
        self._note(snap)
        return snap

    def _another_running(self, system: str) -> str:
        """A second control domain that ran in the last snapshot (else `system` itself)."""
        last = self._last
        for node in self.lab.nodes:
            if node.control != system and last is not None and last.running(node.control):
                return node.control
        return system

    def _note(self, snap: Snapshot) -> None:
        for c in changes(self._last, snap):
            self.timeline.add(snap.t, c.kind, c.subject, c.system, c.old, c.new)
        for guest, io in snap.io.items():
            self._io.setdefault(guest, []).append((snap.t, io))
        self._last = snap

    def _take_log(self, text: str) -> None:
        """New bytes of the reporter's engine log (each system's HAD writes its own) into the
        timeline; a line still being written is read next time."""
        complete = text[: text.rfind("\n") + 1]
        self._log_offset = (self._log_offset or 0) + len(complete.encode())
        t = self.now()
        for line in complete.splitlines():
            self._log.append((t, line))
            m = _GROUP_LINE.search(line)
            if m:
                group, word, where = m.groups()
                self.timeline.add(t, "group", group, where, None,
                                  {"online": "ONLINE", "offline": "OFFLINE", "faulted": "OFFLINE|FAULTED"}[word],
                                  detail="engine log")

    def engine_log(self, since: float = 0.0) -> list[str]:
        return [line for t, line in self._log if t >= since]

    # -- guest I/O, timing, pools ----------------------------------------------------------------------------
    def guest_view(self, snap: Snapshot, guest: str, answers: list[tuple[int, str]]) -> GuestIo:
        return self._guest_io(snap, guest, answers, self._links[1])

    @staticmethod
    def _guest_io(snap: Snapshot, guest: str, answers: list[tuple[int, str]],
                  parse_links: Callable[[str], list] = parse_dladm_show_link) -> GuestIo:
        """The guest's own view: its pools healthy (storage) and a link up (network); a guest that
        cannot be reached has neither."""
        node = next((n for (n, d), st in snap.domains.items() if d == guest and st == "active"), "")
        if len(answers) != 2:
            return GuestIo(node, False, False)
        (rc1, pools), (rc2, links) = answers
        try:
            storage = rc1 == 0 and all(p.health in ("ONLINE", "DEGRADED") for p in parse_zpool_list_h(pools))
            network = rc2 == 0 and any(link.state == "up" for link in parse_links(links))
        except ParseError:
            storage = network = False
        return GuestIo(node, storage, network)

    def guest_io_outages(self, guest: str, t0: float, t1: float) -> list[tuple[float, float]]:
        """Outages from the probe's samples: from the first bad sample to the next good one."""
        outages, start = [], None
        for t, io in self._io.get(guest, []):
            bad = not (io.storage_ok and io.network_ok)
            if bad and start is None and t0 <= t <= t1:
                start = t
            elif not bad and start is not None:
                outages.append((start, t))
                start = None
        if start is not None:
            outages.append((start, t1))
        return outages

    def timing(self) -> LabTiming:
        if self._timing is None:
            system = self._reporter or self.any_running_system()
            types = sorted({r.type for g in self.lab.config.groups.values() for r in g.resources.values()})
            values: dict[str, dict[str, int]] = {}
            for type_name in types:
                for attr in TIMING_ATTRS:
                    rc, out, err = self.run(system, ["hatype", "-value", type_name, attr])
                    if rc != 0 or not out.strip().lstrip("-").isdigit():
                        raise InfrastructureError(f"`hatype -value {type_name} {attr}` on {system} answered "
                                                  f"{(out or err).strip()!r} (rc {rc})")
                    values.setdefault(type_name, {})[attr] = int(out.strip())
            self._timing = LabTiming(values)
        return self._timing

    def forget_timing(self) -> None:
        self._timing = None

    def disk_pools(self) -> dict[str, str]:
        """Every pool's disks on the systems that the cluster's Zpool resources name, as `zpool status`
        shows them; a pool seen once is remembered (an exported pool is not in `zpool status`)."""
        pools = self._pools or {}
        for system in sorted(self._pool_systems()):
            rc, out, _ = self.run(system, ["zpool", "status"])
            if rc != 0:
                continue
            try:
                parsed = parse_zpool_status(out)
            except ParseError:
                continue
            for pool in parsed:
                for disk in pool_disks(pool):
                    pools[f"{system}:{disk}"] = pool.name
        self._pools = pools
        return dict(pools)

    def _pool_systems(self) -> set[str]:
        return {s for g in self.lab.config.groups.values() for r in g.resources.values() if r.type == "Zpool"
                for s in g.system_list}


def pool_disks(pool) -> list[str]:
    """The leaf devices of a parsed `zpool status` pool (mirror/raidz lines are not disks)."""
    leaves = []
    vdevs = pool.vdevs
    for i, v in enumerate(vdevs):
        if v.depth == 0:
            continue
        deeper = i + 1 < len(vdevs) and vdevs[i + 1].depth > v.depth
        if not deeper and v.name not in ("logs", "cache", "spares"):
            leaves.append(v.name)
    return leaves
