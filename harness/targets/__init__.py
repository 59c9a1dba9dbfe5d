"""Targets: one `Target` API over the kinds of lab (sim, kvm, sparc).

`open_target` is the registry: it builds and boots (or connects to) a target of a kind. Labs that
live in this process (sim) get a fresh lab per call; shared labs (sparc) are opened once per
session by the plugin, which holds the lab (a sparc lab's lease; a kvm lab it started) for the whole run.
"""

from __future__ import annotations

import contextlib

from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.processes import pid_alive
from harness.targets.base import BadLabInput, InfrastructureError, Target


def open_target(lab: Lab, kind: str, monitor: str, seed: int, **options) -> Target:
    """A ready target of that kind on that lab; InfrastructureError when it cannot be had,
    BadLabInput when the lab does not fit what was asked."""
    if kind == "sim":
        ledger = FaultLedger.for_lab(lab.name, kind)
        via = lab.inventory.sim.via if lab.inventory.sim else "engine"
        if via == "commands":
            from harness.targets.sim import SimCommandsTarget

            target: Target = SimCommandsTarget(lab, monitor, seed, ledger)
        else:
            from harness.targets.sim import SimTarget

            target = SimTarget(lab, monitor, seed, ledger)
        try:
            target.boot()  # type: ignore[attr-defined]
        except BaseException:  # Ctrl-C while a script agent boots: its processes and homes go too
            with contextlib.suppress(Exception):  # a half-booted lab may not heal; the first cause is raised
                target.close()
            raise
        return target
    if kind == "sparc":
        from harness.targets.sparc import SparcTarget

        return SparcTarget.open(lab, monitor, seed, **options)
    if kind == "kvm":
        from harness.targets.kvm import KvmTarget

        return KvmTarget.open(lab, monitor, seed, **options)
    raise InfrastructureError(f"the {kind} target is not available in this version of altio-hil "
                              "(sim and sparc are); see the README's status")


def heal_leftovers(lab: Lab, kind: str, ledger: FaultLedger | None = None, **options) -> list[Fault]:
    """Heal the faults an earlier, killed run left in force on this lab, for every kind of target.

    A sim lab lives inside the process that ran it, so a fault recorded by a dead process died with
    its lab: it is dropped from the ledger (and reported); faults of a live process belong to a run
    still going on and are left alone. A lab reached by commands keeps its ledger on the lab: the
    recorded heals are run there (harness.targets.sparc).
    """
    if kind == "sparc":
        from harness.targets.sparc import SparcTarget

        target = SparcTarget.open(lab, "alternateio", 0, apply_timing=False, check_monitor=False, **options)
        try:
            return target.healed_leftovers
        finally:
            target.release()
    ledger = ledger or FaultLedger.for_lab(lab.name, kind)
    healed = []
    for entry in ledger._read():
        fault = Fault(entry["kind"], entry["where"])
        pid = int(entry.get("pid", 0))
        if kind == "sim" and not pid_alive(pid):
            ledger.drop(fault, pid=entry.get("pid"))
            healed.append(fault)
    return healed


__all__ = ["open_target", "heal_leftovers", "Target", "InfrastructureError", "BadLabInput"]
