"""Faults: the catalogue of kinds (what each does, where it applies, how it is injected and healed)
and the ledger that makes every injected fault a healed one."""

from emulators.ovm.faults import FaultPlace  # the place syntax of DESIGN.md, shared with the platform
from harness.faults.catalogue import (
    CATALOGUE,
    DESTRUCTIVE,
    FAULT_KINDS,
    NEEDS_OBJECT,
    PLACEHOLDERS,
    Fault,
    FaultKind,
    FaultSpecError,
)
from harness.faults.ledger import FaultLedger, default_ledger_dir

__all__ = ["CATALOGUE", "DESTRUCTIVE", "FAULT_KINDS", "NEEDS_OBJECT", "PLACEHOLDERS", "Fault", "FaultKind",
           "FaultSpecError", "FaultLedger", "FaultPlace", "default_ledger_dir"]
