"""ldm's configuration and lifecycle subcommands, checked through ldm's own output."""

from __future__ import annotations

from ovm_probe import ldm_states, ok
from ovm_seed_lab import build_seed

from emulators.ovm import run_ldm


def test_guest_lifecycle_through_ldm() -> None:
    p = build_seed(guest_on="node2")
    assert ldm_states(p, "primary1")["ldg1"] == ("inactive", "------")
    assert run_ldm(p, "primary1", ["start", "ldg1"]) == (1, "", "LDom ldg1 must be bound before it can be started\n")
    assert run_ldm(p, "primary1", ["bind", "ldg1"]) == (0, "", "")
    assert ldm_states(p, "primary1")["ldg1"] == ("bound", "------")
    assert run_ldm(p, "primary1", ["start", "ldg1"]) == (0, "LDom ldg1 started\n", "")
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-t----")
    p.clock.advance(10)
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-n----")
    assert run_ldm(p, "primary1", ["unbind", "ldg1"])[2] == "LDom ldg1 must be stopped before it can be unbound\n"
    assert run_ldm(p, "primary1", ["stop", "-f", "ldg1"]) == (0, "LDom ldg1 stopped\n", "")
    assert run_ldm(p, "primary1", ["unbind-domain", "ldg1"]) == (0, "", "")
    assert ldm_states(p, "primary1")["ldg1"] == ("inactive", "------")
    assert run_ldm(p, "primary1", ["stop", "primary"])[0] == 1


def test_add_and_remove_virtual_services_and_devices() -> None:
    p = build_seed()
    steps = [
        ["add-vds", "primary-vds1", "primary"],
        ["add-vdsdev", "mpgroup=ldg1-mp2", "/dev/dsk/c0t5d0s2", "vol2@primary-vds1"],
        ["add-vdisk", "vdisk2", "vol2@primary-vds1", "ldg1"],
        ["add-vsw", "net-dev=nxge3", "primary-vsw1", "primary"],
        ["add-vnet", "vnet2", "primary-vsw1", "ldg1"],
    ]
    assert run_ldm(p, "primary1", steps[1]) == (1, "", "Virtual disk server primary-vds1 not found\n")
    ok(run_ldm(p, "primary1", steps[0]))
    assert run_ldm(p, "primary1", steps[1]) == \
        (1, "", "Path /dev/dsk/c0t5d0s2 is not valid on service domain primary\n")
    p.domain_of("primary1").add_disk("c0t5d0")
    for argv in steps[1:]:
        ok(run_ldm(p, "primary1", argv))
    services = ok(run_ldm(p, "primary1", ["list-services"]))
    assert "    primary-vds1    primary      vol2                            ldg1-mp2       /dev/dsk/c0t5d0s2\n" \
        in services
    bindings = ok(run_ldm(p, "primary1", ["list-bindings", "ldg1"]))
    assert "    vdisk2           vol2@primary-vds1                2    disk@2  primary        ldg1-mp2\n" in bindings
    assert "    vnet2            primary-vsw1@primary        2    network@2" in bindings
    # a standalone mpgroup with one path: its backend disk going offline takes the guest's storage
    p.inject("disk_offline", "primary1:c0t5d0")
    assert not p.guest_io("ldg1").storage_ok
    p.heal("disk_offline", "primary1:c0t5d0")
    assert run_ldm(p, "primary1", ["rm-vdsdev", "vol2@primary-vds1"])[2] == \
        "Volume vol2@primary-vds1 is in use by vdisk2@ldg1\n"
    for argv in (["rm-vdisk", "vdisk2", "ldg1"], ["rm-vdsdev", "vol2@primary-vds1"], ["rm-vds", "primary-vds1"],
                 ["rm-vnet", "vnet2", "ldg1"], ["rm-vsw", "primary-vsw1"]):
        ok(run_ldm(p, "primary1", argv))
    assert "primary-vds1" not in ok(run_ldm(p, "primary1", ["list-services"]))
    assert run_ldm(p, "primary1", ["add-vdisk", "vdisk9", "ldg1"])[2].startswith("Usage:\n    ldm add-vdisk")


def test_set_domain_and_panic_domain() -> None:
    p = build_seed()
    assert run_ldm(p, "primary1", ["set-domain", "failure-policy=explode", "primary"])[2].startswith(
        "Invalid failure-policy value: explode")
    ok(run_ldm(p, "primary1", ["set-domain", "failure-policy=reset", "primary"]))
    assert "CONTROL\n    failure-policy=reset\n" in ok(run_ldm(p, "primary1", ["list-bindings", "primary"]))
    ok(run_ldm(p, "primary1", ["panic-domain", "alternate1"]))
    assert ldm_states(p, "primary1")["alternate1"] == ("active", "-t--v-")  # panicked and rebooting
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-n----")  # its master is primary, not alternate1
    p.clock.advance(10)
    assert ldm_states(p, "primary1")["alternate1"] == ("active", "-n--v-")
    ok(run_ldm(p, "primary1", ["set-domain", "master=alternate1", "ldg1"]))
    ok(run_ldm(p, "primary1", ["set-domain", "failure-policy=reset", "alternate1"]))
    ok(run_ldm(p, "primary1", ["panic-domain", "alternate1"]))
    assert ldm_states(p, "primary1")["ldg1"] == ("active", "-t----")  # reset with its master
    assert "DEPENDENCY\n    master=alternate1\n" in ok(run_ldm(p, "primary1", ["list-bindings", "ldg1"]))
