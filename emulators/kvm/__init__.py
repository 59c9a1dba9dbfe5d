"""The `kvm` tier: an emulated cluster whose I/O is carried by real libvirt/QEMU VMs (see lab.py)."""

from emulators.kvm.hypervisor import HypervisorError
from emulators.kvm.image import ImageError
from emulators.kvm.paths import PathServerError

KvmSetupError = (HypervisorError, ImageError, PathServerError)

__all__ = ["KvmSetupError", "HypervisorError", "ImageError", "PathServerError"]
