"""The `kvm` tier: an emulated cluster whose I/O is carried by real libvirt/QEMU VMs (see lab.py)."""


class KvmSetupError(RuntimeError):
    """The kvm tier cannot run here (libvirt, the image, a path server); the message says what to do."""
