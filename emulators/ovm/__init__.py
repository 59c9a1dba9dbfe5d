"""Oracle VM Server for SPARC (LDoms) platform emulator: model, fault points, ldm/zpool/dladm, agents."""

from emulators.ovm.agents import (
    DiskAgent,
    LDomAgent,
    MountAgent,
    MultiNICBAgent,
    NICAgent,
    ZpoolAgent,
    bundled_agents,
)
from emulators.ovm.faults import FAULT_KINDS, Fault, FaultError
from emulators.ovm.ldm import run_ldm
from emulators.ovm.model import (
    DiskChanged,
    Domain,
    DomainChanged,
    Event,
    IoChanged,
    IoOutage,
    IoSample,
    NicChanged,
    Node,
    NodePowerChanged,
    Platform,
    PlatformError,
    PoolChanged,
)
from emulators.ovm.solaris import run_dladm, run_zpool

__all__ = [
    "FAULT_KINDS",
    "DiskAgent",
    "DiskChanged",
    "Domain",
    "DomainChanged",
    "Event",
    "Fault",
    "FaultError",
    "IoChanged",
    "IoOutage",
    "IoSample",
    "LDomAgent",
    "MountAgent",
    "MultiNICBAgent",
    "NICAgent",
    "NicChanged",
    "Node",
    "NodePowerChanged",
    "Platform",
    "PlatformError",
    "PoolChanged",
    "ZpoolAgent",
    "bundled_agents",
    "run_dladm",
    "run_ldm",
    "run_zpool",
]
