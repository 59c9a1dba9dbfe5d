"""Output layouts against the reference captures (header lines restated here, same format)."""

from __future__ import annotations

import re

from ovm_probe import ok
from ovm_seed_lab import build_seed

from emulators.ovm import run_dladm, run_ldm, run_zpool

# header lines in the captures' exact layout (reference/captures/)
LDM_HEADER = "NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  UPTIME"
PHYS_HEADER = "LINK              MEDIA                STATE      SPEED  DUPLEX    DEVICE"
LINK_HEADER = "LINK                CLASS     MTU    STATE    OVER"
ZPOOL_HEADER = "        NAME        STATE     READ WRITE CKSUM"
CAPTURED_ROW = "primary          active     -n-c--  SP      64    32544M   0.1%  9m"


def _starts(line: str) -> list[int]:
    return [m.start() for m in re.finditer(r"(?<!\S)\S", line)]


def test_ldm_list_has_the_capture_columns() -> None:
    p = build_seed(solaris=10)  # the captures are of Solaris 10 / LDoms 2.x
    lines = ok(run_ldm(p, "primary1", ["list"])).splitlines()
    assert lines[0] == LDM_HEADER
    assert lines[1] == "primary          active     -n-cv-  UART    8     16G      0.4%  1h 5m"
    assert lines[2] == "alternate1       active     -n--v-  5000    8     8G       0.2%  1h 5m"
    assert lines[3] == "ldg1             active     -n----  5001    8     8G       1.4%  1h 5m"
    # every field starts where the captured row's does
    assert _starts(lines[1])[:8] == _starts(CAPTURED_ROW)[:8]


def test_ldm_list_p_is_the_parseable_form() -> None:
    p = build_seed()
    out = ok(run_ldm(p, "primary1", ["list", "-p"]))
    lines = out.splitlines()
    assert lines[0] == "VERSION 1.11"
    assert lines[1] == ("DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=8|mem=17179869184"
                        "|util=0.4|uptime=3900|norm_util=0.4")
    keys = [[f.split("=")[0] for f in line.split("|")[1:]] for line in lines[1:]]
    assert all(k == ["name", "state", "flags", "cons", "ncpu", "mem", "util", "uptime", "norm_util"]
               for k in keys)
    p.domain_of("ldg1").stop()
    bound = ok(run_ldm(p, "primary1", ["list", "-p", "ldg1"])).splitlines()[1]
    assert bound == "DOMAIN|name=ldg1|state=bound|flags=------|cons=5001|ncpu=8|mem=8589934592|util=|uptime=|norm_util="


def test_ldm_list_bindings_follows_the_capture_sections() -> None:
    p = build_seed(solaris=10)  # the captures are of Solaris 10 / LDoms 2.x
    out = ok(run_ldm(p, "primary1", ["list-bindings", "primary"]))
    sections = [line for line in out.splitlines() if re.fullmatch(r"[A-Z]+", line)]
    assert sections == ["SOFTSTATE", "UUID", "MAC", "HOSTID", "CONTROL", "DEPENDENCY", "CORE", "VCPU",
                        "MEMORY", "IO", "VCC", "VSW", "VDS", "VCONS"]
    assert "    VID    PID    CID    UTIL STRAND\n    0      0      0      0.4%   100%\n" in out
    assert "IO\n    DEVICE           PSEUDONYM        OPTIONS\n    pci@400          pci_0\n" in out
    assert "CONTROL\n    failure-policy=ignore\n\nDEPENDENCY\n    master=\n" in out
    guest = ok(run_ldm(p, "primary1", ["list-bindings", "ldg1"]))
    assert "    vdisk0           vol1@primary-vds0                0    disk@0  primary        ldg1-mp\n" in guest
    assert "    vnet1            alternate1-vsw0@alternate1  1    network@1" in guest


def test_ldm_list_services_and_list_io() -> None:
    p = build_seed()
    services = ok(run_ldm(p, "primary1", ["list-services"]))
    assert "    primary-vds0    primary      vol1                            ldg1-mp        " \
           "/dev/zvol/dsk/zfsprim/vol1\n" in services
    assert "    alternate1-vds0 alternate1   vol1" in services
    io = ok(run_ldm(p, "primary1", ["list-io"])).splitlines()
    assert io[0] == "NAME                                      TYPE   BUS      DOMAIN   STATUS"
    assert io[2] == "pci_0                                     BUS    pci_0    primary  IOV"
    assert io[3].split() == ["pci_1", "BUS", "pci_1", "alternate1", "IOV"]


def test_zpool_status_healthy_layout() -> None:
    p = build_seed(solaris=10)  # the captures are of Solaris 10 / LDoms 2.x
    assert ok(run_zpool(p, "alternate1", ["status"])) == (
        "  pool: zfsmirr\n"
        " state: ONLINE\n"
        " scrub: none requested\n"
        "config:\n"
        "\n"
        f"{ZPOOL_HEADER}\n"
        "        zfsmirr     ONLINE       0     0     0\n"
        "          mirror-0  ONLINE       0     0     0\n"
        "            c1t2d0  ONLINE       0     0     0\n"
        "            c1t3d0  ONLINE       0     0     0\n"
        "\n"
        "errors: No known data errors\n")
    assert ok(run_zpool(p, "alternate1", ["status", "-x"])) == "all pools are healthy\n"
    assert ok(run_zpool(p, "alternate1", ["status", "-x", "zfsmirr"])) == "pool 'zfsmirr' is healthy\n"
    assert ok(run_zpool(p, "primary1", ["list", "-H", "-o", "name,health"])) == "zfsprim\tONLINE\n"


def test_zpool_status_unavail_matches_the_capture_layout() -> None:
    p = build_seed(solaris=10)  # the captures are of Solaris 10 / LDoms 2.x
    p.inject("disk_offline", "primary1:c0t1d0")
    out = ok(run_zpool(p, "primary1", ["status", "-x"]))
    assert out == (
        "  pool: zfsprim\n"
        " state: UNAVAIL\n"
        # the pool lost its only disk while imported: its I/O failed, as in the capture
        "status: One or more devices are faulted in response to IO failures.\n"
        "action: Make sure the affected devices are connected, then run 'zpool clear'.\n"
        "   see: http://www.sun.com/msg/ZFS-8000-HC\n"
        " scrub: none requested\n"
        "config:\n"
        "\n"
        f"{ZPOOL_HEADER}\n"
        "        zfsprim     UNAVAIL      0     0     0  insufficient replicas\n"
        "          c0t1d0    UNAVAIL      0     0     0  cannot open\n"
        "\n"
        "errors: No known data errors\n")
    assert ok(run_zpool(p, "primary1", ["list", "-H", "-o", "name,health"])) == "zfsprim\tUNAVAIL\n"


def test_zpool_mirror_losing_one_side_is_degraded() -> None:
    p = build_seed(solaris=10)  # the captures are of Solaris 10 / LDoms 2.x
    p.inject("disk_offline", "alternate1:c1t3d0")
    out = ok(run_zpool(p, "alternate1", ["status"]))
    assert " state: DEGRADED\n" in out
    assert "   see: http://www.sun.com/msg/ZFS-8000-2Q\n" in out
    assert "        zfsmirr     DEGRADED     0     0     0\n" in out
    assert "          mirror-0  DEGRADED     0     0     0\n" in out
    assert "            c1t3d0  UNAVAIL      0     0     0  cannot open\n" in out


def test_dladm_layouts() -> None:
    p = build_seed()
    assert ok(run_dladm(p, "primary1", ["show-phys"])) == (
        f"{PHYS_HEADER}\nnxge3             Ethernet             up         1000   full      nxge3\n")
    assert ok(run_dladm(p, "alternate1", ["show-link"])) == (
        f"{LINK_HEADER}\nnxge4               phys      1500   up       --\n")
    p.inject("nic_pull", "alternate1:nxge4")
    assert ok(run_dladm(p, "alternate1", ["show-phys", "nxge4"])).splitlines()[1] == (
        "nxge4             Ethernet             down       0      unknown   nxge4")
    guest = ok(run_dladm(p, "ldg1", ["show-link"])).splitlines()
    # Solaris 11: the guest's vnet0/vnet1 are its links net0/net1 (generic link names)
    assert guest[1:] == ["net0                phys      1500   up       --",
                         "net1                phys      1500   down     --"]


def test_commands_refuse_where_the_real_ones_do() -> None:
    p = build_seed()
    assert run_ldm(p, "alternate1", ["list"]) == (127, "", "bash: ldm: command not found\n")
    code, _, err = run_ldm(p, "nosuch", ["list"])
    assert code == 2 and "unknown system 'nosuch'" in err and "primary1" in err
    assert run_zpool(p, "primary1", ["status", "tank"]) == (1, "", "cannot open 'tank': no such pool\n")
    assert run_dladm(p, "primary1", ["show-link", "net9"]) == (1, "", "dladm: invalid link name 'net9'\n")
    assert run_ldm(p, "primary1", ["list", "ldg9"]) == (1, "", "LDom ldg9 does not exist\n")
    code, _, err = run_ldm(p, "primary1", ["frobnicate"])
    assert code == 1 and err.startswith("Unknown command frobnicate\nUsage:")
    code, _, err = run_zpool(p, "primary1", ["list", "-o", "name,colour"])
    assert code == 2 and "invalid property 'colour'" in err
    p.inject("domain_kill", "alternate1")
    code, _, err = run_zpool(p, "alternate1", ["status"])
    assert code == 255 and "not reachable" in err
