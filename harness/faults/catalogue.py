"""The fault catalogue: one object per fault kind, saying everything the harness needs to know of it.

A `FaultKind` says where a fault applies (`SYSTEM` or `SYSTEM:OBJECT`), whether it is destructive
(kills or powers off something: on a shared lab it needs consent), what it does for the oracle
(which systems it takes down, which objects it breaks), and how a lab reached by commands injects
and heals it: the default command templates of the `sparc` target, by the role of the fault's
system. The `sim` target hands every kind to the emulated platform unchanged. Adding a fault kind
or a target is a change here and in that target's driver, nowhere else.

Templates are lists of steps (`on`, `run`, optional `expect`), as in an inventory's
`sparc.faults.KIND` (harness/inventory.py, FaultStep); placeholders are those of `PLACEHOLDERS`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from emulators.ovm.faults import FaultPlace  # the place syntax of DESIGN.md, shared with the platform

Role = Literal["control", "alternate", "guest"]

PLACEHOLDERS: dict[str, str] = {
    "system": "the fault's system (its host name)",
    "object": "the NIC, disk or pool the fault names (SYSTEM:OBJECT)",
    "node": "the physical node of the fault's system",
    "control": "the control domain of that node",
    "domain": "the fault's system as ldm names it (primary for a control domain)",
    "disks": "the disks of the pool {object}, read from `zpool status` on the system at run time",
}


def _step(run: str, on: str = "system", expect: str | None = None, timeout: float = 600.0) -> dict:
    return {"on": on, "run": run, "expect": expect, "timeout": timeout}


@dataclass(frozen=True)
class FaultKind:
    name: str
    object_label: str | None  # "NIC", "DISK", "POOL" (SYSTEM:OBJECT) or None (SYSTEM)
    destructive: bool
    description: str
    takes_down: Literal["system", "node"] | None = None  # for the oracle: what stops running
    breaks: Literal["nic", "pool", "disk"] | None = None  # for the oracle: what stops serving
    # the sparc target's default templates: role of the fault's system ("*" = any) -> inject/heal steps
    sparc: dict[str, dict[str, list[dict]]] = field(default_factory=dict)

    @property
    def place(self) -> str:
        return f"SYSTEM:{self.object_label}" if self.object_label else "SYSTEM"

    def template(self, role: str) -> dict[str, list[dict]]:
        return self.sparc.get(role) or self.sparc["*"]


_DOMAIN_BY_LDM = {
    "inject": [_step("ldm stop-domain -f {domain}", on="control")],
    "heal": [_step("ldm start-domain {domain}", on="control")],
}

CATALOGUE: dict[str, FaultKind] = {k.name: k for k in (
    FaultKind(
        "nic_pull", "NIC", False, "the physical NIC of a service domain loses its link",
        breaks="nic",
        sparc={"*": {"inject": [_step("ifconfig {object} down")], "heal": [_step("ifconfig {object} up")]}}),
    FaultKind(
        "disk_offline", "DISK", False, "a disk of a service domain goes offline",
        breaks="disk",
        sparc={"*": {"inject": [_step("luxadm -e offline /dev/rdsk/{object}s2")],
                     "heal": [_step("luxadm -e online /dev/rdsk/{object}s2")]}}),
    FaultKind(
        "zpool_offline", "POOL", False, "a zpool of a service domain can no longer be opened",
        breaks="pool",
        sparc={"*": {"inject": [_step("for d in {disks}; do luxadm -e offline /dev/rdsk/${{d}}s2 || exit 1; done")],
                     # the pool may have been exported meanwhile (its group went offline): clear if imported
                     "heal": [_step("for d in {disks}; do luxadm -e online /dev/rdsk/${{d}}s2 || exit 1; done; "
                                    "zpool clear {object} 2>/dev/null; true")]}}),
    FaultKind(
        "domain_kill", None, True, "a control, alternate or guest domain stops at once",
        takes_down="system",
        sparc={
            # the control domain panics (break to the host with a core dump) and waits at the
            # OpenBoot prompt; the heal boots it from its console
            "control": {"inject": [_step("set /HOST send_break_action=dumpcore", on="ilom")],
                        "heal": [_step("boot", on="console", expect=r"console login:")]},
            "*": _DOMAIN_BY_LDM,
        }),
    FaultKind(
        "node_power_off", None, True, "the physical node holding SYSTEM loses power",
        takes_down="node",
        sparc={"*": {"inject": [_step("stop -script -force /SYS", on="ilom")],
                     "heal": [_step("start -script /SYS", on="ilom")]}}),
)}

FAULT_KINDS: dict[str, str] = {k.name: f"{k.place} — {k.description}" for k in CATALOGUE.values()}
NEEDS_OBJECT = frozenset(k.name for k in CATALOGUE.values() if k.object_label)
DESTRUCTIVE = frozenset(k.name for k in CATALOGUE.values() if k.destructive)


class FaultSpecError(ValueError):
    """A fault that cannot be: unknown kind, malformed place."""


@dataclass(frozen=True, order=True)
class Fault(FaultPlace):
    """A fault to inject: a kind of the catalogue and its place."""

    kind: str
    where: str

    def __post_init__(self) -> None:
        if self.kind not in CATALOGUE:
            raise FaultSpecError(f"unknown fault kind '{self.kind}'; valid kinds: {', '.join(CATALOGUE)}")
        if not self.where or self.where != self.where.strip() or any(c.isspace() for c in self.where):
            raise FaultSpecError(f"{self.kind}: --where '{self.where}' must be SYSTEM or SYSTEM:OBJECT without spaces")
        has_object = ":" in self.where
        if self.kind in NEEDS_OBJECT and (not has_object or not self.object):
            raise FaultSpecError(f"{self.kind} needs --where SYSTEM:OBJECT ({FAULT_KINDS[self.kind]})")
        if self.kind not in NEEDS_OBJECT and has_object:
            raise FaultSpecError(f"{self.kind} takes --where SYSTEM, not '{self.where}'")

    @property
    def spec(self) -> FaultKind:
        return CATALOGUE[self.kind]

    @property
    def destructive(self) -> bool:
        return self.spec.destructive

    def __str__(self) -> str:
        return f"{self.kind} {self.where}"

    def to_json(self) -> dict:
        return {"kind": self.kind, "where": self.where}
