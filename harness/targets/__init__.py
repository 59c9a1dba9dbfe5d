"""Targets: one `Target` API over the three kinds of lab (sim, kvm, sparc)."""

from __future__ import annotations

import os

from harness.faults import Fault, FaultLedger
from harness.inventory import Lab
from harness.targets.base import InfrastructureError, Target


def open_target(lab: Lab, kind: str, monitor: str, seed: int) -> Target:
    """A booted target of that kind on that lab; InfrastructureError when it cannot be had."""
    ledger = FaultLedger.for_lab(lab.name, kind)
    if kind == "sim":
        from harness.targets.sim import SimTarget

        target = SimTarget(lab, monitor, seed, ledger)
        target.boot()
        return target
    raise InfrastructureError(f"the {kind} target is not available in this version of altio-hil "
                              "(only sim is); see the README's roadmap")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def heal_leftovers(lab: Lab, kind: str, ledger: FaultLedger) -> list[Fault]:
    """Heal the faults an earlier, killed run left in force on this lab.

    A sim lab lives inside the process that ran it, so a fault recorded by a dead process died with
    its lab: it is dropped from the ledger (and reported). Faults of a live process belong to a
    run still going on and are left alone.
    """
    healed = []
    for entry in ledger._read():
        fault = Fault(entry["kind"], entry["where"])
        pid = int(entry.get("pid", 0))
        if kind == "sim" and not _alive(pid):
            ledger.drop(fault, pid=entry.get("pid"))
            healed.append(fault)
    return healed


__all__ = ["open_target", "heal_leftovers", "Target", "InfrastructureError"]
