"""What an engineer types on a domain to break and repair it (`ifconfig`, `luxadm`), the guest's own
view of its storage (`zpool` in the guest: the root pool), and `hostname`/`uname`.

Sources of the pinned texts:
- ``ifconfig IF`` layout and flag words: reference/captures/ifconfig-solaris10-ipmp.1.txt
  (``bge2: flags=9040843<UP,BROADCAST,RUNNING,...> mtu 1380 index 4`` then ``inet ... netmask
  ... broadcast ...`` and ``ether ...``); the flag values and the error texts of an unknown
  interface (``Perror0_exit("status: SIOCGLIFFLAGS")`` in status(),
  ``Perror0_exit("setifflags: SIOCGLIFFLAGS")`` in setifflags(), exit 1): illumos-gate
  usr/src/cmd/cmd-inet/usr.sbin/ifconfig/ifconfig.c;
- ``luxadm``: illumos-gate usr/src/cmd/luxadm/hotplug.c hotplug_e() (``Error: Invalid pathname
  (%s)``, returns 1) and adm.c main() (``exit(-1)``: exit status 255);
- the guest's pool with I/O failures: reference/captures/zpool-status.unavail.1.txt (state UNAVAIL,
  ``One or more devices are faulted in response to IO failures.``, ``zpool clear``, ZFS-8000-HC).
"""

from __future__ import annotations

import re

from ovm_probe import ok, outputs
from ovm_seed_lab import build_seed

from emulators.ovm import run_dladm, run_ldm, run_zpool
from emulators.ovm.sysadmin import run_hostname, run_ifconfig, run_luxadm, run_uname

FLAGS_LINE = re.compile(r"^(\w+): flags=([0-9a-f]+)<([A-Za-z0-9,]*)> mtu (\d+) index (\d+)$")
IFF = {"UP": 0x1, "BROADCAST": 0x2, "LOOPBACK": 0x8, "RUNNING": 0x40, "MULTICAST": 0x800, "IPv4": 0x1000000,
       "VIRTUAL": 0x2000000000}


def _flags(block: str) -> tuple[str, list[str]]:
    m = FLAGS_LINE.match(block.splitlines()[0])
    assert m, block
    names = m.group(3).split(",")
    assert int(m.group(2), 16) == sum(IFF[n] for n in names), block  # the hex value is the flag words'
    return m.group(1), names


# ------------------------------------------------------------------------------------------ ifconfig


def test_ifconfig_prints_an_interface_as_solaris_does() -> None:
    p = build_seed()
    out = ok(run_ifconfig(p, "primary1", ["nxge3"]))
    lines = out.splitlines()
    assert _flags(out) == ("nxge3", ["UP", "BROADCAST", "RUNNING", "MULTICAST", "IPv4"])
    assert lines[0] == "nxge3: flags=1000843<UP,BROADCAST,RUNNING,MULTICAST,IPv4> mtu 1500 index 2"
    assert re.fullmatch(r"\tinet (\d+\.){3}\d+ netmask ffffff00 broadcast (\d+\.){3}255", lines[1])
    assert re.fullmatch(r"\tether 0:14:4f(:[0-9a-f]{1,2}){3}", lines[2])
    every = ok(run_ifconfig(p, "primary1", ["-a"]))
    assert every.startswith("lo0: flags=2001000849<UP,LOOPBACK,RUNNING,MULTICAST,IPv4,VIRTUAL> mtu 8232 index 1\n"
                            "\tinet 127.0.0.1 netmask ff000000\n")
    assert every.endswith(out)


def test_ifconfig_down_pulls_the_link_and_up_heals_it() -> None:
    p = build_seed()
    assert run_ifconfig(p, "alternate1", ["nxge4", "down"]) == (0, "", "")
    assert [(f.kind, f.where) for f in p.faults()] == [("nic_pull", "alternate1:nxge4")]
    assert _flags(ok(run_ifconfig(p, "alternate1", ["nxge4"])))[1] == ["BROADCAST", "RUNNING", "MULTICAST", "IPv4"]
    assert ok(run_dladm(p, "alternate1", ["show-phys"])).splitlines()[1].split()[2] == "down"
    # the guest's vnet over that NIC has no link any more: UP, not RUNNING (Solaris 11: the
    # interfaces are named after the links net0/net1 over vnet0/vnet1)
    assert _flags(ok(run_ifconfig(p, "ldg1", ["net1"])))[1] == ["UP", "BROADCAST", "MULTICAST", "IPv4"]
    assert "RUNNING" in _flags(ok(run_ifconfig(p, "ldg1", ["net0"])))[1]
    assert "nxge4" in ok(run_ifconfig(p, "alternate1", ["-ad"])) and \
        "nxge4" not in ok(run_ifconfig(p, "alternate1", ["-au"]))
    assert run_ifconfig(p, "alternate1", ["nxge4", "up"]) == (0, "", "")
    assert p.faults() == []
    assert _flags(ok(run_ifconfig(p, "alternate1", ["nxge4"])))[1][0] == "UP"


def test_ifconfig_repeated_or_undoing_nothing_changes_nothing() -> None:
    p = build_seed()
    before = outputs(p)
    assert run_ifconfig(p, "primary1", ["nxge3", "up"]) == (0, "", "")  # already up: as Solaris, silent
    assert p.faults() == [] and outputs(p) == before
    run_ifconfig(p, "primary1", ["nxge3", "down"])
    down = outputs(p)
    assert run_ifconfig(p, "primary1", ["nxge3", "down"]) == (0, "", "")
    assert len(p.faults()) == 1 and outputs(p) == down
    # a link pulled through the fault API is brought back by `ifconfig up` too (one ledger)
    p.heal("nic_pull", "primary1:nxge3")
    p.inject("nic_pull", "primary1:nxge3")
    assert run_ifconfig(p, "primary1", ["nxge3", "up"]) == (0, "", "") and p.faults() == []
    assert outputs(p) == before


def test_ifconfig_unknown_interface() -> None:
    p = build_seed()
    assert run_ifconfig(p, "primary1", ["nxge9"]) == \
        (1, "", "ifconfig: status: SIOCGLIFFLAGS: nxge9: no such interface\n")
    assert run_ifconfig(p, "primary1", ["nxge9", "down"]) == \
        (1, "", "ifconfig: setifflags: SIOCGLIFFLAGS: nxge9: no such interface\n")
    assert run_ifconfig(p, "primary1", ["nxge4"])[0] == 1  # alternate1's NIC, not primary1's
    assert run_ifconfig(p, "primary1", [])[0] == 1
    assert p.faults() == []


# -------------------------------------------------------------------------------------------- luxadm


def test_luxadm_offline_and_online_a_disk() -> None:
    p = build_seed()
    before = outputs(p)
    assert run_luxadm(p, "alternate1", ["-e", "offline", "/dev/rdsk/c1t2d0s2"]) == (0, "", "")
    assert [(f.kind, f.where) for f in p.faults()] == [("disk_offline", "alternate1:c1t2d0")]
    status = ok(run_zpool(p, "alternate1", ["status", "zfsmirr"]))
    assert " state: DEGRADED" in status and re.search(r"c1t2d0\s+UNAVAIL", status)
    assert run_luxadm(p, "alternate1", ["-e", "offline", "/dev/rdsk/c1t2d0s2"]) == (0, "", "")  # again: no-op
    assert len(p.faults()) == 1
    assert run_luxadm(p, "alternate1", ["-e", "online", "/dev/rdsk/c1t2d0s2"]) == (0, "", "")
    assert run_luxadm(p, "alternate1", ["-e", "online", "/dev/rdsk/c1t2d0s2"]) == (0, "", "")  # not broken
    assert p.faults() == [] and outputs(p) == before


def test_luxadm_refuses_a_disk_that_is_not_there() -> None:
    p = build_seed()
    assert run_luxadm(p, "alternate1", ["-e", "offline", "/dev/rdsk/c9t9d0s2"]) == \
        (255, "", "Error: Invalid pathname (/dev/rdsk/c9t9d0s2)\n")
    assert run_luxadm(p, "primary1", ["-e", "online", "/dev/rdsk/c1t2d0s2"])[0] == 255  # alternate1's disk
    assert run_luxadm(p, "alternate1", ["offline", "/dev/rdsk/c1t2d0s2"])[0] == 255  # expert mode needed
    assert run_luxadm(p, "alternate1", ["-e", "offline"])[2].startswith("Error: enclosure or pathname not specified.")
    assert p.faults() == []


# ------------------------------------------------------------------------------- the guest's rpool


def test_the_guest_has_a_root_pool_online_while_an_mpgroup_path_works() -> None:
    p = build_seed()
    assert ok(run_zpool(p, "ldg1", ["list", "-H", "-o", "name,health"])) == "rpool\tONLINE\n"
    assert ok(run_zpool(p, "ldg1", ["status", "-x"])) == "all pools are healthy\n"
    status = ok(run_zpool(p, "ldg1", ["status"]))
    assert status.splitlines()[:2] == ["  pool: rpool", " state: ONLINE"]
    # two paths in one mpgroup: the guest sees one disk
    assert re.findall(r"^\s+(c0d\d+s0)\s+ONLINE", status, flags=re.M) == ["c0d0s0"]
    p.inject("zpool_offline", "primary1:zfsprim")  # one path of the mpgroup lost
    assert ok(run_zpool(p, "ldg1", ["list", "-H", "-o", "name,health"])) == "rpool\tONLINE\n"


def test_the_guest_root_pool_fails_with_io_errors_when_no_path_is_left() -> None:
    p = build_seed(solaris=10)  # the capture's release (UNAVAIL, sun.com)
    p.inject("zpool_offline", "primary1:zfsprim")
    p.inject("zpool_offline", "alternate1:zfsmirr")
    assert ok(run_zpool(p, "ldg1", ["list", "-H", "-o", "name,health"])) == "rpool\tUNAVAIL\n"
    status = ok(run_zpool(p, "ldg1", ["status", "-x"]))
    lines = status.splitlines()
    assert lines[:5] == ["  pool: rpool", " state: UNAVAIL",
                         "status: One or more devices are faulted in response to IO failures.",
                         "action: Make sure the affected devices are connected, then run 'zpool clear'.",
                         "   see: http://www.sun.com/msg/ZFS-8000-HC"]
    assert "        rpool       UNAVAIL      0     0     0  insufficient replicas" in lines
    assert "          c0d0s0    UNAVAIL      0     0     0  cannot open" in lines
    assert run_zpool(p, "ldg1", ["clear", "rpool"]) == (1, "", "cannot clear errors for rpool: I/O error\n")
    p.heal_all()
    assert ok(run_zpool(p, "ldg1", ["list", "-H", "-o", "name,health"])) == "rpool\tONLINE\n"
    assert run_zpool(p, "ldg1", ["clear", "rpool"]) == (0, "", "")


def test_the_root_pool_is_the_guests_alone() -> None:
    p = build_seed()
    for system in ("primary1", "alternate1", "primary2", "alternate2"):
        for argv in (["status"], ["list"], ["list", "-H", "-o", "name,health"]):
            assert "rpool" not in ok(run_zpool(p, system, argv)), (system, argv)
    for argv in (["list"], ["list", "-l"], ["list-bindings"], ["list-services"]):
        assert "rpool" not in ok(run_ldm(p, "primary1", argv))
    assert all(f.where.split(":")[-1] != "rpool" for f in p.faults())
    assert run_zpool(p, "ldg1", ["status", "zfsprim"]) == (1, "", "cannot open 'zfsprim': no such pool\n")


# ---------------------------------------------------------------------------------- hostname, uname


def test_hostname_and_uname_name_the_system_everywhere() -> None:
    p = build_seed()
    for system in p.systems():
        assert run_hostname(p, system, []) == (0, f"{system}\n", "")
        assert run_uname(p, system, ["-n"]) == (0, f"{system}\n", "")
    assert run_uname(p, "primary1", []) == (0, "SunOS\n", "")
    assert run_uname(p, "ldg1", ["-a"]) == (0, "SunOS ldg1 5.11 11.3 sun4v sparc sun4v\n", "")
    assert run_uname(p, "primary1", ["-sn"]) == (0, "SunOS primary1\n", "")
    assert run_uname(p, "primary1", ["-q"])[0] == 1
    p.domain_of("alternate1").stop()
    assert run_hostname(p, "alternate1", [])[0] == 255  # not reachable while it is down
