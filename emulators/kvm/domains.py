"""libvirt domain XML for the VMs of a kvm lab (pure: inputs in, XML text out).

Every VM boots the lab's image (emulators.kvm.image) with its role on the kernel command line:

- an I/O domain (control or alternate) is a small VM with no device of interest: its life is what
  matters (killing it is the `domain_kill` fault);
- a guest has, per node it may run on, its own definition: one virtio disk per mpgroup path (an NBD
  export of that path's server, error policy "report" so that the guest sees EIO and dm-multipath
  fails the path over) and one virtio NIC per vnet (user networking; `<link state>` is the cable),
  the console on serial 0 (a pty with a log file) and the I/O probe on serial 1 (a unix socket the
  lab daemon reads).

Device aliases (`ua-...`) name the path they carry, so that a libvirt event names the path.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.sax.saxutils import quoteattr

PREFIX = "altio"


def vm_name(lab: str, node: str, domain: str) -> str:
    """The libvirt name of a VM: `altio-LAB-NODE-DOMAIN` (a guest has one per node)."""
    return f"{PREFIX}-{lab}-{node}-{domain}"


def alias(kind: str, service: str, index: int) -> str:
    """`ua-disk-alternate1-0`: user aliases must start with `ua-` (libvirt)."""
    return f"ua-{kind}-{service}-{index}"


@dataclass(frozen=True)
class DiskPath:
    """One path of an mpgroup: served by `service`'s server for `volume` on `socket`."""

    service: str
    volume: str
    socket: str
    index: int

    @property
    def alias(self) -> str:
        return alias("disk", self.service, self.index)


@dataclass(frozen=True)
class NicPath:
    """One vnet: the guest's NIC carried by `service`'s physical NIC `nic`."""

    service: str
    nic: str
    mac: str
    index: int

    @property
    def alias(self) -> str:
        return alias("net", self.service, self.index)


@dataclass(frozen=True)
class VmSpec:
    name: str
    role: str  # "iodomain" | "guest"
    hostname: str
    kernel: str
    initrd: str
    console_log: str
    domain_type: str = "qemu"  # "qemu" = TCG, "kvm" = hardware acceleration
    memory_mib: int = 96
    disks: tuple[DiskPath, ...] = ()
    nics: tuple[NicPath, ...] = ()
    probe_socket: str | None = None
    probe_period_us: int = 200_000
    run_as_root: bool = False  # qemu:///system as root: qemu keeps root's uid (the lab's files are ours)


def nic_xml(nic: NicPath, link_up: bool = True) -> str:
    state = "up" if link_up else "down"
    return (f"<interface type='user'><mac address={quoteattr(nic.mac)}/><model type='virtio'/>"
            f"<rom enabled='no'/><link state='{state}'/><alias name={quoteattr(nic.alias)}/></interface>")


def _disk_xml(disk: DiskPath, target: str) -> str:
    return ("<disk type='network' device='disk'>"
            "<driver name='qemu' type='raw' cache='none' error_policy='report' rerror_policy='report'/>"
            f"<source protocol='nbd' name={quoteattr(disk.volume)}>"
            f"<host transport='unix' socket={quoteattr(disk.socket)}/></source>"
            f"<target dev='{target}' bus='virtio'/><alias name={quoteattr(disk.alias)}/></disk>")


def cmdline(vm: VmSpec) -> str:
    words = ["console=ttyS0", "quiet", "panic=-1", f"altio.role={vm.role}", f"altio.name={vm.hostname}"]
    if vm.role == "guest":
        words += [f"altio.disks={len(vm.disks)}", f"altio.nics={len(vm.nics)}", f"altio.period={vm.probe_period_us}"]
    return " ".join(words)


def domain_xml(vm: VmSpec) -> str:
    """The whole definition of one VM."""
    devices = [_disk_xml(d, f"vd{chr(ord('a') + i)}") for i, d in enumerate(vm.disks)]
    devices += [nic_xml(n) for n in vm.nics]
    devices.append(f"<serial type='pty'><log file={quoteattr(vm.console_log)} append='on'/>"
                   "<target port='0'/></serial>")
    if vm.probe_socket:
        devices.append(f"<serial type='unix'><source mode='bind' path={quoteattr(vm.probe_socket)}/>"
                       "<target port='1'/></serial>")
    devices.append("<memballoon model='none'/>")
    seclabel = ("<seclabel type='static' model='dac' relabel='no'><label>+0:+0</label></seclabel>"
                if vm.run_as_root else "")
    return (f"<domain type='{vm.domain_type}'><name>{vm.name}</name>"
            f"<memory unit='MiB'>{vm.memory_mib}</memory><vcpu>1</vcpu>"
            "<os><type arch='x86_64' machine='q35'>hvm</type>"
            f"<kernel>{vm.kernel}</kernel><initrd>{vm.initrd}</initrd><cmdline>{cmdline(vm)}</cmdline></os>"
            f"{seclabel}<on_poweroff>destroy</on_poweroff><on_reboot>destroy</on_reboot><on_crash>destroy</on_crash>"
            f"<devices>{''.join(devices)}</devices></domain>")
