"""Faults: the catalogue of kinds (what each does, where it applies, how it is injected and healed)
and the ledger that makes every injected fault a healed one."""

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
from harness.faults.place import FaultPlace

__all__ = ["CATALOGUE", "DESTRUCTIVE", "FAULT_KINDS", "NEEDS_OBJECT", "PLACEHOLDERS", "Fault", "FaultKind",
           "FaultSpecError", "FaultLedger", "FaultPlace", "default_ledger_dir"]
