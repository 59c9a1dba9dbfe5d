"""A small copy of the seed's lab (two nodes, one alternate I/O domain each, guest ldg1), built by hand."""

from __future__ import annotations

from emulators.clock import VirtualClock
from emulators.ovm import Platform

SETTLED_AT = 3600 + 5 * 60  # the builder's lab has run this long when the tests look at it


def build_seed(clock: VirtualClock | None = None, guest_on: str = "node1", solaris: int = 11) -> Platform:
    """node1 = primary1 + alternate1, node2 = primary2 + alternate2; ldg1 active on `guest_on`; every
    domain runs `solaris` (10 or 11: what the commands print, emulators/ovm/ldm.py `Release`)."""
    clock = clock or VirtualClock()
    platform = Platform(clock, boot_seconds=10.0, solaris=solaris)
    for n in (1, 2):
        node = platform.add_node(f"node{n}")
        primary = node.add_domain("primary", hostname=f"primary{n}", role="control", buses=["pci_0"])
        primary.add_nic("nxge3")
        primary.add_zpool("zfsprim", vdevs=["c0t1d0"], imported=node.name == guest_on)
        primary.add_vcc("primary-vcc0")
        primary.add_vsw("primary-vsw0", net_dev="nxge3")
        primary.add_vds("primary-vds0")
        primary.add_vdsdev("vol1", vds="primary-vds0", backend="/dev/zvol/dsk/zfsprim/vol1", mpgroup="ldg1-mp")
        alt = node.add_domain(f"alternate{n}", role="alternate", buses=["pci_1"])
        alt.add_nic("nxge4")
        alt.add_zpool("zfsmirr", vdevs=["mirror", "c1t2d0", "c1t3d0"], imported=node.name == guest_on)
        alt.add_vsw(f"alternate{n}-vsw0", net_dev="nxge4")
        alt.add_vds(f"alternate{n}-vds0")
        alt.add_vdsdev("vol1", vds=f"alternate{n}-vds0", backend="/dev/zvol/dsk/zfsmirr/vol1", mpgroup="ldg1-mp")
        guest = node.add_domain("ldg1", role="guest", master="primary",
                                state="active" if node.name == guest_on else "inactive")
        guest.add_vnet("vnet0", vsw="primary-vsw0")
        guest.add_vnet("vnet1", vsw=f"alternate{n}-vsw0")
        guest.add_vdisk("vdisk0", volume="vol1@primary-vds0")
        guest.add_vdisk("vdisk1", volume=f"vol1@alternate{n}-vds0")
    clock.advance(SETTLED_AT)
    return platform
