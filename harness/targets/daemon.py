"""A lab reached through its lab daemon (harness.lab_daemon): its commands typed on its systems with
the daemon's `exec`, its faults injected and healed by the daemon, on the lab's clock.

`DaemonTarget.of(daemon)` is a running daemon's lab as `lab heal`/`lab reset` drive it (its clock:
the wall clock times the lab's time scale); the kvm target is one too, on the real clock, with the
VMs' probes and events on top (harness.targets.kvm).
"""

from __future__ import annotations

import time

from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.lab_daemon import LabDaemon, LabDown
from harness.targets.base import BadLabInput, InfrastructureError
from harness.targets.commands import CommandTarget


class DaemonTarget(CommandTarget):
    kind = "daemon"
    clock_kind = "real"
    # the emulated engine sees a system leave as soon as its domain stops (no LLT timeout to wait out)
    membership_s = 2.0

    def __init__(self, lab: Lab, monitor: str, seed: int, ledger: FaultLedger, daemon: LabDaemon,
                 scale: float = 1.0) -> None:
        super().__init__(lab, monitor, seed, ledger)
        self.daemon = daemon
        self.scale = scale  # lab seconds per wall second

    @classmethod
    def of(cls, daemon: LabDaemon) -> DaemonTarget:
        """The lab of a running daemon, with the monitor and time scale it runs."""
        status = daemon.ask({"op": "status"})
        target = cls(daemon.lab, str(status.get("monitor") or "alternateio"), 0, daemon.ledger, daemon,
                     float(status.get("time_scale") or 1.0))
        target.poll_s = 0.2 * target.scale  # five looks a wall-clock second
        return target

    def now(self) -> float:
        return time.monotonic() * self.scale

    def _advance(self, seconds: float) -> None:
        time.sleep(seconds / self.scale)

    def run(self, system: str, argv: list[str]) -> tuple[int, str, str]:
        try:
            reply = self.daemon.ask({"op": "exec", "system": system, "argv": list(argv)})
        except LabDown as exc:
            raise InfrastructureError(str(exc)) from None
        return int(reply.get("rc", 1)), reply.get("out", ""), reply.get("err", "")

    def probe_monitor(self, system: str, attrs: dict[str, dict[str, str]]) -> tuple[int, str]:
        try:
            reply = self.daemon.ask({"op": "probe", "system": system, "attrs": attrs}, timeout=90.0)
        except LabDown as exc:
            raise InfrastructureError(str(exc)) from None
        if reply.get("rc") != 0:
            raise InfrastructureError(f"the lab could not run the agent's monitor: {reply.get('err', '').strip()}")
        return int(reply["code"]), reply.get("out", "")

    def _inject(self, fault: Fault) -> None:
        reply = self.daemon.fault(fault)
        if reply.get("rc") != 0:
            raise BadLabInput(f"{fault}: {reply.get('err', '').strip()}")

    def _heal(self, fault: Fault) -> None:
        reply = self.daemon.heal(fault)
        if reply.get("rc") != 0:
            raise InfrastructureError(f"lab {self.lab.name} could not heal {fault}: {reply.get('err', '').strip()}")
