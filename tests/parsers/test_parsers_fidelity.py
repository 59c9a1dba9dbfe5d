"""Every parser of harness/parsers reads what both releases a lab can run print (Solaris 10 with
LDoms 2.x, Solaris 11 with Oracle VM Server for SPARC 3.x): fixtures written in each release's
format (the source of each in its comment), and what an emulated lab of each release prints for
every command the harness reads.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.clock import VirtualClock
from emulators.lab import LabSpec, NodeSpec, SimLab
from harness.parsers import (
    DladmLink,
    DladmPhys,
    ParseError,
    ZpoolHealth,
    parse_dladm_show_dev,
    parse_dladm_show_link,
    parse_dladm_show_phys,
    parse_hagrp_state,
    parse_hares_state,
    parse_hastatus_sum,
    parse_ldm_list,
    parse_ldm_list_p,
    parse_zpool_import,
    parse_zpool_list_h,
    parse_zpool_status,
)

REPO = Path(__file__).resolve().parents[2]
SEED_MAIN_CF = REPO / "inventories" / "sim-2node" / "main.cf"

# ------------------------------------------------------------------------------------ fixtures

# LDoms 3.x `ldm list` (Oracle VM Server for SPARC 3.2 Administration Guide, "Utilization Statistic
# Definition": the NORM column) in the column layout of reference/captures/ldm-list-bindings.1.txt
LDM_LIST_3X = """\
primary# ldm list
NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  NORM  UPTIME
primary          active     -n-cv-  UART    16    32G      2.1%  1.9%  12d 4h 3m
ldg2             bound      ------  5001    8     8G
"""

# LDoms 3.x `ldm list -l -p` (flags spelled out: Administration Guide "Flag Definitions"; bare section
# titles and `|`-led records: Logical Domains 1.3 Administration Guide "List Power-Managed CPUs")
LDM_LONG_P_3X = """\
VERSION 1.11
DOMAIN|name=primary|state=active|flags=normal,control,vio-service|cons=UART|ncpu=16|mem=34359738368|util=2.1|uptime=1051380|norm_util=1.9
UUID|uuid=2b6f4a1e-0c7d-4b3e-9a55-0d1c2e3f4a5b
HOSTID|hostid=0x84f1a2b3
CORE
|cid=0|cpuset=0,1,2,3,4,5,6,7
VCPU
|vid=0|pid=0|util=2.1%|strand=100|cid=0|norm_util=1.9%
MEMORY
|ra=0x20000000|pa=0x20000000|size=34359738368
VDS|name=primary-vds0|nclients=1
|vol=v1|opts=|dev=/dev/zvol/dsk/tank/v1|mpgroup=
VCONS|type=UART
DOMAIN|name=ldg2|state=bound|flags=|cons=5001|ncpu=8|mem=8589934592|util=|uptime=|norm_util=
VDISK|name=vdisk0|vol=v1@primary-vds0|timeout=|dev=disk@0|server=primary|mpgroup=|id=0
"""

# LDoms 2.x `ldm list -p`: reference/captures/ldm-list-p.1.txt without norm_util (the 3.x field)
LDM_P_2X = """\
VERSION 1.6
DOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=8|mem=17179869184|util=0.3|uptime=86400
DOMAIN|name=ldg2|state=inactive|flags=------|cons=|ncpu=8|mem=8589934592|util=|uptime=
"""

# Solaris 11.2+: `  scan:`, the SUSPENDED pool state ("Managing ZFS File Systems in Oracle Solaris
# 11.2", "Determining the Health Status of ZFS Storage Pools"), an action that goes on over two
# lines (Oracle Solaris 11.4 "Reviewing ZFS Storage Pool Status Information")
ZPOOL_STATUS_11 = """\
root@sd1:~# zpool status
  pool: dpool
 state: SUSPENDED
status: One or more devices are faulted in response to IO failures.
action: Make sure the affected devices are connected, then run 'zpool clear'.
   see: http://support.oracle.com/msg/ZFS-8000-HC
  scan: none requested
config:

        NAME        STATE     READ WRITE CKSUM
        dpool       UNAVAIL      0     0     0  insufficient replicas
          c2t1d0    UNAVAIL      0     0     0

errors: No known data errors

  pool: tank
 state: DEGRADED
status: One or more devices are unavailable in response to persistent errors.
        Sufficient replicas exist for the pool to continue functioning in a
        degraded state.
action: Determine if the device needs to be replaced, and clear the errors
        using 'zpool clear' or 'fmadm repaired', or replace the device
        with 'zpool replace'.
        Run 'zpool status -v' to see device specific details.
  scan: resilvered 1.2G in 0h1m with 0 errors on Mon Mar  4 10:11:12 2019
config:

        NAME        STATE     READ WRITE CKSUM
        tank        DEGRADED     0     0     0
          mirror-0  DEGRADED     0     0     0
            c2t2d0  ONLINE       0     0     0
            c2t3d0  UNAVAIL      0     0     0

errors: No known data errors
"""

# Solaris 10 dladm (dladm(1M), Solaris 10 1/13): show-dev and show-link, tab-separated, and -p
DLADM_SHOW_DEV_10 = "bash-3.2# dladm show-dev\nbge0     \tlink: up\tspeed: 1000  Mbps\tduplex: full\n" \
                    "bge1     \tlink: down\tspeed: 0     Mbps\tduplex: unknown\n"
DLADM_SHOW_DEV_10_P = "bge0 link=up speed=1000 duplex=full\n"
DLADM_SHOW_LINK_10 = "bge0     \ttype: non-vlan\tmtu: 1500\tdevice: bge0\n" \
                     "bge1000  \ttype: vlan 1\tmtu: 1500\tdevice: bge0\n"

# Solaris 11 guest: generic link names over the vnet devices (dladm-show-phys.1.txt layout)
DLADM_SHOW_PHYS_11_GUEST = """\
LINK              MEDIA                STATE      SPEED  DUPLEX    DEVICE
net0              Ethernet             up         1000   full      vnet0
net1              Ethernet             down       0      unknown   vnet1
"""


def test_ldm_list_of_both_releases() -> None:
    (primary, ldg2) = parse_ldm_list(LDM_LIST_3X)
    assert (primary.util, primary.norm, primary.uptime) == (2.1, 1.9, "12d 4h 3m")
    assert (ldg2.state, ldg2.util, ldg2.norm, ldg2.uptime) == ("bound", None, None, None)
    (row,) = parse_ldm_list("NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  UPTIME\n"
                            "primary          active     -n-c--  SP      64    32544M   0.1%  9m\n")
    assert (row.util, row.norm, row.uptime) == (0.1, None, "9m")


def test_ldm_list_p_short_and_long_of_both_releases() -> None:
    primary, ldg2 = parse_ldm_list_p(LDM_LONG_P_3X)
    assert (primary.flags, primary.norm_util, primary.version) == ("normal,control,vio-service", 1.9, "1.11")
    assert (ldg2.state, ldg2.flags, ldg2.util, ldg2.norm_util) == ("bound", "", None, None)
    primary10, ldg2_10 = parse_ldm_list_p(LDM_P_2X)
    assert (primary10.version, primary10.norm_util, primary10.uptime) == ("1.6", None, 86400)
    assert ldg2_10.extra == {}
    with pytest.raises(ParseError):
        parse_ldm_list_p("VERSION 1.11\nNAME  STATE\n")


def test_zpool_status_of_solaris_11() -> None:
    dpool, tank = parse_zpool_status(ZPOOL_STATUS_11)
    assert (dpool.state, dpool.see, dpool.scan) == ("SUSPENDED", "http://support.oracle.com/msg/ZFS-8000-HC",
                                                   "none requested")
    assert [(v.name, v.state, v.depth, v.note) for v in dpool.vdevs] == [
        ("dpool", "UNAVAIL", 0, "insufficient replicas"), ("c2t1d0", "UNAVAIL", 1, "")]
    assert tank.action.endswith("with 'zpool replace'. Run 'zpool status -v' to see device specific details.")
    assert tank.scan.startswith("resilvered 1.2G") and tank.see == ""
    assert parse_zpool_list_h("dpool\tSUSPENDED\ntank\tDEGRADED\n") == [ZpoolHealth("dpool", "SUSPENDED"),
                                                                    ZpoolHealth("tank", "DEGRADED")]


def test_dladm_of_solaris_10_and_11() -> None:
    assert parse_dladm_show_dev(DLADM_SHOW_DEV_10) == [DladmPhys("bge0", "", "up", 1000, "full", "bge0"),
                                                       DladmPhys("bge1", "", "down", 0, "unknown", "bge1")]
    assert parse_dladm_show_phys(DLADM_SHOW_DEV_10_P) == [DladmPhys("bge0", "", "up", 1000, "full", "bge0")]
    assert parse_dladm_show_link(DLADM_SHOW_LINK_10) == [DladmLink("bge0", "phys", 1500, "unknown", []),
                                                         DladmLink("bge1000", "vlan", 1500, "unknown", ["bge0"])]
    assert [(p.link, p.state, p.device) for p in parse_dladm_show_phys(DLADM_SHOW_PHYS_11_GUEST)] == [
        ("net0", "up", "vnet0"), ("net1", "down", "vnet1")]
    with pytest.raises(ParseError):
        parse_dladm_show_dev(DLADM_SHOW_DEV_10 + "bge2 speed: fast\n")


# ----------------------------------------------------------------- an emulated lab of each release


@pytest.fixture(scope="module", params=[10, 11], ids=["solaris10", "solaris11"])
def lab(request: pytest.FixtureRequest) -> SimLab:
    spec = LabSpec("seed-2node", str(SEED_MAIN_CF),
                   (NodeSpec("node1", "primary1", ("alternate1",)), NodeSpec("node2", "primary2", ("alternate2",))),
                   {"MonitorInterval": 60, "OfflineMonitorInterval": 300}, solaris=request.param)
    sim = SimLab(spec, VirtualClock())
    assert sim.boot(), "the seed lab did not settle"
    return sim


def _out(lab: SimLab, system: str, *argv: str) -> str:
    code, out, err = lab.run_command(system, list(argv))
    assert code == 0, (system, argv, code, err)
    return out


def test_every_parser_reads_the_ldm_of_each_release(lab: SimLab) -> None:
    release = lab.platform.solaris
    rows = parse_ldm_list(_out(lab, "primary1", "ldm", "list"))
    assert [r.name for r in rows] == ["primary", "alternate1", "ldg1"]
    assert all((r.norm is not None) == (release == 11) for r in rows if r.state == "active")
    short = parse_ldm_list_p(_out(lab, "primary1", "ldm", "list", "-p"))
    assert {d.name: d.state for d in short} == {r.name: r.state for r in rows}
    assert short[0].version == ("1.11" if release == 11 else "1.6")
    for argv in (("ldm", "list", "-l", "-p"), ("ldm", "list-bindings", "-p"), ("ldm", "list", "-e", "-p")):
        assert [d.name for d in parse_ldm_list_p(_out(lab, "primary1", *argv))] == [r.name for r in rows]
    for argv in (("ldm", "list", "-l"), ("ldm", "list-bindings")):
        assert [r.name for r in parse_ldm_list(_out(lab, "primary1", *argv))] == [r.name for r in rows]


def test_every_parser_reads_the_solaris_commands_of_each_release(lab: SimLab) -> None:
    release = lab.platform.solaris
    (pool,) = parse_zpool_status(_out(lab, "primary1", "zpool", "status"))
    assert (pool.state, pool.scan) == ("ONLINE", "none requested")
    assert parse_zpool_list_h(_out(lab, "ldg1", "zpool", "list", "-H", "-o", "name,health")) == \
        [ZpoolHealth("rpool", "ONLINE")]
    exported = parse_zpool_import(_out(lab, "primary2", "zpool", "import"))
    assert list(exported) == [pool.name] and exported[pool.name]
    if release == 11:
        assert [p.link for p in parse_dladm_show_phys(_out(lab, "primary1", "dladm", "show-phys"))] == ["nxge3"]
        assert [(x.link, x.state) for x in parse_dladm_show_link(_out(lab, "ldg1", "dladm", "show-link"))] == [
            ("net0", "up"), ("net1", "up")]
    else:
        assert [p.link for p in parse_dladm_show_dev(_out(lab, "primary1", "dladm", "show-dev"))] == ["nxge3"]
        assert [(x.link, x.state) for x in parse_dladm_show_dev(_out(lab, "ldg1", "dladm", "show-dev"))] == [
            ("vnet0", "up"), ("vnet1", "up")]
        assert [x.link for x in parse_dladm_show_link(_out(lab, "ldg1", "dladm", "show-link"))] == ["vnet0", "vnet1"]
    lab.inject("zpool_offline", "primary1:zfsprim")
    try:
        (failed,) = parse_zpool_status(_out(lab, "primary1", "zpool", "status", "-x"))
        assert failed.state == ("SUSPENDED" if release == 11 else "UNAVAIL")
        assert failed.see.endswith("ZFS-8000-HC") and failed.vdevs[0].note == "insufficient replicas"
        (health,) = parse_zpool_list_h(_out(lab, "primary1", "zpool", "list", "-H", "-o", "name,health"))
        assert health.health == failed.state
    finally:
        lab.heal("zpool_offline", "primary1:zfsprim")


def test_every_parser_reads_the_vcs_commands_of_each_release(lab: SimLab) -> None:
    summary = parse_hastatus_sum(_out(lab, "primary1", "hastatus", "-sum"))
    assert set(summary.systems) == set(lab.config.systems)
    assert all(row.state == "RUNNING" for row in summary.systems.values())
    assert parse_hares_state(_out(lab, "primary1", "hares", "-state"))
    assert parse_hagrp_state(_out(lab, "primary1", "hagrp", "-state"))
