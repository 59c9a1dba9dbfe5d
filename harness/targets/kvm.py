"""The `kvm` target: a kvm lab (emulators.kvm) seen through its commands, its probe and its VMs.

The cluster is read as on every lab reached by commands (harness.targets.commands: `hastatus`,
`hares`, `ldm` and the engine log through the lab daemon's `exec`), on the real clock. What the
`sim` model only asserts is measured here: the guest's I/O comes from the probe inside the guest
(harness.probes), and the libvirt and process events of the lab's VMs (a VM stopped, an I/O error
on a path, a link changed) reach the timeline as they are recorded.

The run owns the lab it starts: `open` brings the lab up when it is not (and says so in the lab's
directory), `close` heals and brings it down again, so nothing of the run is left running. A lab
someone started with `altio-hil lab up` is used as it is and left up.
"""

from __future__ import annotations

import json
import os
import time

from emulators.front.labdir import read_private, write_private
from emulators.lab import LabSpec
from harness import probes
from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.lab_daemon import LabDaemon, LabDown
from harness.targets.base import BadLabInput, InfrastructureError
from harness.targets.daemon import DaemonTarget
from harness.targets.snapshot import GuestIo, Snapshot

UP_TIMEOUT_S = 240.0


class KvmTarget(DaemonTarget):
    kind = "kvm"
    capabilities = frozenset({"guest_io"})
    poll_s = 0.5

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger, daemon: LabDaemon,
                 owned: bool) -> None:
        super().__init__(lab, monitor, seed, ledger, daemon)
        self.owned = owned
        self.samples: list[probes.Sample] = []
        self.vm_events: list[list] = []
        self._seen = time.monotonic() - 3600.0
        self.tolerance_s = probes.TOLERANCE_S
        self.healed_leftovers: list[Fault] = []
        self._io_state: dict[tuple[str, str], tuple[str, str | None]] = {}

    # -- opening and closing ---------------------------------------------------------------------------
    @classmethod
    def open(cls, lab: Lab, monitor: str, seed: int, **_options) -> KvmTarget:
        """The lab up with `monitor` (started for this run when it is not), a killed run's faults healed."""
        if lab.inventory.target != "kvm":
            raise BadLabInput(f"{lab.path} describes a {lab.inventory.target} lab; the kvm target needs an inventory "
                              "with `target: kvm` and its timing (e.g. inventories/kvm-2node.yaml)")
        daemon = LabDaemon(lab)
        owner = daemon.layout.root / "owner"
        owned = False
        try:
            if daemon.is_up():
                owned = owner.exists()  # started by a run (a dead one leaves it to the next, which adopts it)
                running = LabSpec.from_json(read_private(daemon.specfile)).monitor
                if running != monitor:
                    if not owned:
                        raise BadLabInput(f"lab {lab.name} is up with monitor {running}, not {monitor}: bring it "
                                          f"down (altio-hil lab down --lab {lab.path}) or run with --monitor {running}")
                    daemon.down()
            if not daemon.is_up():
                daemon.up(monitor, timeout=UP_TIMEOUT_S)
                owned = True
            if owned:
                write_private(owner, json.dumps({"pid": os.getpid()}))
        except LabDown as exc:
            raise InfrastructureError(str(exc)) from None
        target = cls(lab, monitor, seed, FaultLedger.for_lab(lab.name, "kvm"), daemon, owned)
        target.healed_leftovers = target._heal_recorded()
        return target

    def _heal_recorded(self) -> list[Fault]:
        """Faults a killed run left in force on this lab (the daemon's ledger names them)."""
        recorded = self.daemon.ledger.entries()
        for entry in list(self.ledger._read()):
            self.ledger.drop(Fault(entry["kind"], entry["where"]), pid=entry.get("pid"))
        if recorded:
            reply = self.daemon.heal(None)
            if reply.get("rc") != 0:
                raise InfrastructureError(f"lab {self.lab.name} could not heal what an earlier run left: "
                                          f"{reply.get('err', '').strip()}")
        return recorded

    def close(self) -> None:
        try:
            self.heal_all()
        finally:
            if self.owned:
                try:
                    self.daemon.down(timeout=60)
                finally:
                    (self.daemon.layout.root / "owner").unlink(missing_ok=True)

    def release(self) -> None:
        self.close()

    # -- what the VMs say ---------------------------------------------------------------------------------
    def _observe(self) -> None:
        try:
            reply = self.daemon.ask({"op": "observe", "since": self._seen})
        except LabDown as exc:
            raise InfrastructureError(str(exc)) from None
        if reply.get("lost"):
            raise InfrastructureError(f"lab {self.lab.name}: {reply['lost']}")
        new = [probes.Sample.from_json(r) for r in reply.get("samples", [])]
        known = {(s.t, s.kind, s.seq, s.node) for s in self.samples[-500:]}
        new = [s for s in new if (s.t, s.kind, s.seq, s.node) not in known]
        self.samples.extend(new)
        for e in reply.get("events", []):
            if e not in self.vm_events[-200:]:
                self.vm_events.append(e)
                t, subject, kind, info = e
                detail = ", ".join(f"{k}={v}" for k, v in info.items())
                self.timeline.add(float(t), "note", f"{subject} {kind}", None, detail=detail)
        for s in new:
            if s.kind in probes.KINDS:
                lane = (s.guest, s.kind)
                state = "ok" if s.ok else "lost"
                if self._io_state.get(lane) != (state, s.node):  # a move with no lost probe between is a change
                    self._io_state[lane] = (state, s.node)
                    self.timeline.add(s.t, "io", f"{s.guest} {'storage' if s.kind == 'disk' else 'network'}",
                                      s.node, None, state, detail="probe")
            else:
                self.timeline.add(s.t, "note", f"{s.guest} probe", s.node, detail=s.text.removeprefix("altio "))
        self._seen = max(self._seen, float(reply.get("now", self._seen)) - 2.0)

    def snapshot(self) -> Snapshot:
        self._observe()
        return super().snapshot()

    def guest_view(self, snap: Snapshot, guest: str, answers: list[tuple[int, str]]) -> GuestIo:
        node, storage, network = probes.last_state(self.samples, guest, self.now())
        running_on = next((n for (n, d), st in snap.domains.items() if d == guest and st == "active"), "")
        return GuestIo(running_on or node, storage and bool(running_on), network and bool(running_on))

    def guest_io_outages(self, guest: str, t0: float, t1: float) -> list[tuple[float, float]]:
        self._observe()
        return probes.outages(self.samples, guest, t0, t1, self.tolerance_s)

    def guest_io_gaps(self, guest: str, t0: float, t1: float) -> list[dict]:
        """Every stretch in [t0, t1] without a successful probe (as seconds after t0), for reports."""
        return [{"kind": g.kind, "at_s": round(g.start - t0, 3), "for_s": round(g.duration, 3), "failed": g.failed}
                for g in probes.gaps(self.samples, guest, t0, t1)]

    def guest_data_problems(self, guest: str, since: float) -> list[str]:
        """The counter the guest's probe keeps on its shared disk, read back after it booted elsewhere:
        never behind the last write the guest saw succeed before."""
        self._observe()
        boots = [s for s in self.samples if s.guest == guest and s.kind == "boot" and s.t >= since]
        if not boots:
            return []
        boot = boots[-1]
        written = [s for s in self.samples if s.guest == guest and s.kind == "disk" and s.ok and s.t < boot.t
                   and s.seq is not None]
        if not written:
            return []
        last = max(written, key=lambda s: s.t)
        if boot.seq is None or boot.seq < last.seq:
            return [f"guest {guest} lost data in the move: its disk counter was {last.seq} on {last.node}, "
                    f"{boot.seq} when it booted on {boot.node}"]
        return []

    def probe_lines(self, guest: str, t0: float, t1: float) -> list[str]:
        """The probe's lines in [t0, t1], each with its host time (for the report)."""
        return [f"{s.t - t0:9.3f}  {s.node:8s} {s.text}" for s in self.samples if s.guest == guest and t0 <= s.t <= t1]

    # -- what the report attaches per test: the probe's lines, the VMs' events, the guest's console --
    transcript_title = "guest I/O probe, VM events and guest console"

    def transcript_mark(self) -> float:
        return self.now()

    def transcript_since(self, mark: float) -> str:
        self._observe()
        guest = self._guest
        parts = []
        if guest:
            lines = self.probe_lines(guest, mark, self.now())
            parts.append(f"===== probe of {guest} (seconds since the test began, node, line) =====\n"
                         + "\n".join(lines))
        events = [f"{t - mark:9.3f}  {subject} {kind} {info}" for t, subject, kind, info in self.vm_events if t >= mark]
        parts.append("===== VM events (libvirt, QEMU processes, paths, links) =====\n" + "\n".join(events))
        if guest:
            try:
                log = self.vm_info(guest).get("console_log")
                with open(log, "rb") as f:
                    f.seek(0, os.SEEK_END)
                    f.seek(max(0, f.tell() - 6000))
                    tail = f.read().decode(errors="replace")
                parts.append(f"===== console of {guest} (last lines) =====\n{tail}")
            except (OSError, TypeError, LabDown):
                pass
        return "\n\n".join(parts)

    def vm_info(self, system: str) -> dict:
        return self.daemon.ask({"op": "vm", "system": system})


