"""What the emulated `ldm`, `zpool`, `dladm` and `uname` print, release by release, against the
documents and captures each form comes from (named in a comment on every test).

A lab is Solaris 10 or Solaris 11 as a whole (the inventory's `solaris:` key -> `LabSpec.solaris`
-> `Platform.solaris`); Solaris 11 control domains run Oracle VM Server for SPARC 3.x, Solaris 10
ones LDoms 2.x (emulators/ovm/ldm.py `Release`).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from ovm_probe import ok
from ovm_seed_lab import build_seed

from emulators.clock import VirtualClock
from emulators.lab import LabSpec, SimLab
from emulators.ovm import Platform, PlatformError, run_dladm, run_ldm, run_zpool
from emulators.ovm.sysadmin import run_ifconfig, run_uname
from harness.inventory import InventoryError, load_inventory
from harness.parsers import parse_ldm_list_p
from harness.targets.sim import lab_spec

REPO = Path(__file__).resolve().parents[2]
SEED_MAIN_CF = REPO / "inventories" / "sim-2node" / "main.cf"
INVENTORY = """\
lab: t
target: sim
cluster:
  main_cf: main.cf
nodes:
  - name: node1
    control: primary1
    alternates: [alternate1]
  - name: node2
    control: primary2
    alternates: [alternate2]
"""

# ----------------------------------------------------------------------------- 1. the -p forms


def test_list_bindings_p_is_the_parseable_form() -> None:
    # ldm(1M): -p "generates machine-readable output" for list-bindings too. Layout: a VERSION line
    # (reference/captures/ldm-list-p.1.txt), the DOMAIN record, then one record per section, a
    # multi-record section as a bare title and `|`-led lines (Logical Domains 1.3 Administration
    # Guide, "List Power-Managed CPUs": `VCPU` then `|pid=0|...`); virtual disks and networks as
    # `VDISK|name=..|vol=vol@vds|...` and `VNET|...|service=...|mac-addr=...` (the records opensvc's
    # ldom disk driver and an LDom build script read with `ldm list -o disk -p`/`ldm ls-bindings -p`).
    p = build_seed()
    out = ok(run_ldm(p, "primary1", ["list-bindings", "-p", "ldg1"]))
    lines = out.splitlines()
    assert lines[0] == "VERSION 1.11"
    assert lines[1].startswith("DOMAIN|name=ldg1|state=active|flags=normal|cons=5001|")
    assert "NAME             STATE" not in out  # not the human table
    assert "VCPU" in lines and "|vid=0|pid=16|util=1.4%|strand=100|cid=2|norm_util=1.4%" in lines
    assert "VDISK|name=vdisk0|vol=vol1@primary-vds0|timeout=|dev=disk@0|server=primary|mpgroup=ldg1-mp|id=0" \
        in lines
    assert any(re.fullmatch(r"VNET\|name=vnet1\|dev=network@1\|service=alternate1-vsw0@alternate1"
                            r"\|mac-addr=00:14:4f(:[0-9a-f]{2}){3}\|mode=\|mtu=1500\|id=1", line) for line in lines)
    assert all(re.fullmatch(r"VERSION \S+|[A-Z]+(\|[^|=]+=[^|]*)*|(\|[^|=]+=[^|]*)+", line) for line in lines)
    # the harness's parser reads it
    (dom,) = parse_ldm_list_p(out)
    assert (dom.name, dom.state, dom.flags, dom.version) == ("ldg1", "active", "normal", "1.11")


def test_list_services_p_is_the_parseable_form() -> None:
    # ldm(1M) list-services -p; the records opensvc's ldom disk driver reads from `ldm list-services
    # -p` (`VCC|name=..`, `VDS|name=..` then `|vol=..|...|dev=/dev/...`).
    p = build_seed()
    lines = ok(run_ldm(p, "primary1", ["list-services", "-p"])).splitlines()
    assert lines[0] == "VERSION 1.11"
    assert lines[1] == "VCC|name=primary-vcc0|ldom=primary|port-range=5000-5100"
    i = lines.index("VDS|name=primary-vds0|ldom=primary")
    assert lines[i + 1] == "|vol=vol1|opts=|dev=/dev/zvol/dsk/zfsprim/vol1|mpgroup=ldg1-mp"
    assert any(line.startswith("VSW|name=alternate1-vsw0|ldom=alternate1|") and "|net-dev=nxge4|" in line
               for line in lines)


def test_list_l_p_is_the_long_parseable_form_with_flags_spelled_out() -> None:
    # Oracle VM Server for SPARC 3.4 Administration Guide, "Flag Definitions": with -l -p "the flags
    # are spelled out, for example flags=normal,control,vio-service".
    p = build_seed()
    short = ok(run_ldm(p, "primary1", ["list", "-p", "primary"])).splitlines()
    long = ok(run_ldm(p, "primary1", ["list", "-l", "-p", "primary"])).splitlines()
    assert len(short) == 2 and short[1].startswith("DOMAIN|name=primary|state=active|flags=-n-cv-|")
    assert long[1].startswith("DOMAIN|name=primary|state=active|flags=normal,control,vio-service|")
    assert "CONTROL|failure-policy=ignore" in long and "MEMORY" in long and "VCONS|type=UART" in long
    assert long == ok(run_ldm(p, "primary1", ["list-bindings", "-p", "primary"])).splitlines()


# ------------------------------------------------------------- 2. -o, -e, list-dependencies, list-variable


def test_list_o_restricts_the_long_listing_to_its_formats() -> None:
    # Oracle VM Server for SPARC 3.2 Administration Guide, "Domain Dependency Examples": `ldm list -o
    # domain` prints NAME STATE FLAGS UTIL then SOFTSTATE, HOSTID, CONTROL, DEPENDENCY (VARIABLES when
    # set); Logical Domains 1.2 Administration Guide "Generate a Subset of a Long List (-o format)":
    # network = MAC, VSW, NETWORK; disk = VDS, DISK; console = VCC, VCONS.
    p = build_seed()
    titles = re.compile(r"^[A-Z]+$", re.M)
    domain = ok(run_ldm(p, "primary1", ["list", "-o", "domain", "primary"]))
    assert domain.splitlines()[:2] == ["NAME             STATE      FLAGS   UTIL",
                                       "primary          active     -n-cv-  0.4%"]
    assert titles.findall(domain) == ["SOFTSTATE", "HOSTID", "CONTROL", "DEPENDENCY"]
    assert "    failure-policy=ignore\n" in domain
    net = ok(run_ldm(p, "primary1", ["list", "-o", "network,disk", "ldg1"]))
    assert net.splitlines()[:2] == ["NAME", "ldg1"]
    assert titles.findall(net) == ["NAME", "MAC", "NETWORK", "DISK"]
    assert titles.findall(ok(run_ldm(p, "primary1", ["list", "-o", "console", "primary"]))) == \
        ["NAME", "VCC", "VCONS"]
    assert titles.findall(ok(run_ldm(p, "primary1", ["list", "-o", "network", "primary"]))) == ["NAME", "MAC", "VSW"]
    # -o with -p: the DOMAIN record and the records of those sections (opensvc: `ldm list -o disk -p`)
    disk_p = ok(run_ldm(p, "primary1", ["list", "-o", "disk", "-p", "ldg1"])).splitlines()
    assert disk_p[1].startswith("DOMAIN|name=ldg1|") and [x.split("|")[0] for x in disk_p[2:]] == ["VDISK", "VDISK"]
    code, _, err = run_ldm(p, "primary1", ["list", "-o", "colour"])
    assert code == 1 and err.startswith("Invalid format: colour")


def test_list_e_is_the_extended_long_listing() -> None:
    # Logical Domains 1.3 Administration Guide, "Generate an Extended List (-e)": the long listing
    # with the resources it leaves out (the domain-services channels, VLDC/VLDCC).
    p = build_seed()
    long = ok(run_ldm(p, "primary1", ["list", "-l", "primary"]))
    extended = ok(run_ldm(p, "primary1", ["list", "-e", "primary"]))
    assert extended != ok(run_ldm(p, "primary1", ["list", "primary"]))
    assert "\nVLDC\n" in extended and "\nVLDCC\n" in extended and "VLDC" not in long
    assert re.sub(r"\nVLDCC?\n(    .*\n)+\n", "\n", extended) == long


def test_list_dependencies_lists_the_io_dependencies() -> None:
    # Oracle VM Server for SPARC 3.4 Administration Guide, "Listing Domain I/O Dependencies": columns
    # DOMAIN DEPENDENCY TYPE [DEVICE], VDISK/VNET types, devices service/device, -r for the dependents;
    # the short form joins the types of a dependency (`primary VDISK,VNET`, Oracle Solaris blog
    # "Logical Domains ... Dependencies & Dependents").
    p = build_seed()
    assert ok(run_ldm(p, "primary1", ["list-dependencies"])) == (
        "DOMAIN         DEPENDENCY      TYPE\n"
        "primary\n"
        "alternate1\n"
        "ldg1           primary         VDISK,VNET\n"
        "               alternate1      VDISK,VNET\n")
    assert ok(run_ldm(p, "primary1", ["list-dependencies", "-l", "ldg1"])) == (
        "DOMAIN         DEPENDENCY      TYPE      DEVICE\n"
        "ldg1           primary         VDISK     primary-vds0/vdisk0\n"
        "                               VNET      primary-vsw0/vnet0\n"
        "               alternate1      VDISK     alternate1-vds0/vdisk1\n"
        "                               VNET      alternate1-vsw0/vnet1\n")
    assert ok(run_ldm(p, "primary1", ["list-dependencies", "-r", "-l", "alternate1"])) == (
        "DOMAIN         DEPENDENT       TYPE      DEVICE\n"
        "alternate1     ldg1            VDISK     alternate1-vds0/vdisk1\n"
        "                               VNET      alternate1-vsw0/vnet1\n")
    assert ok(run_ldm(p, "primary1", ["list-dependencies", "-p", "-r", "primary"])).splitlines() == [
        "VERSION 1.11", "DOMAIN|name=primary", "|dependent=ldg1|type=VDISK,VNET"]
    assert run_ldm(p, "primary1", ["list-dependencies", "ldg9"]) == (1, "", "LDom ldg9 does not exist\n")


def test_list_variable_prints_name_value_lines() -> None:
    # Logical Domains 1.0.1 Administration Guide, "Variable List for a Domain" (`ldm list-variable
    # boot-device ldg1` -> `boot-device=...`); ldm(1M): no var-name lists them all.
    p = build_seed()
    assert ok(run_ldm(p, "primary1", ["list-variable", "ldg1"])) == "auto-boot?=true\nboot-device=vdisk0\n"
    assert ok(run_ldm(p, "primary1", ["list-variable", "boot-device", "ldg1"])) == "boot-device=vdisk0\n"
    assert ok(run_ldm(p, "primary1", ["list-variable", "primary"])) == ""
    assert run_ldm(p, "primary1", ["list-variable"])[0] == 1
    assert "VARIABLES\n    auto-boot?=true\n    boot-device=vdisk0\n" in ok(run_ldm(p, "primary1", ["list", "-l", "ldg1"]))


# ------------------------------------------------------------------------------- 3. NORM on 3.x


def test_ldm_list_has_norm_on_ldoms_3_only() -> None:
    # LDoms 3.x: Oracle VM Server for SPARC 3.2 Administration Guide, "Utilization Statistic
    # Definition" (NORM, `ldm list` shows normalized utilization) and norm_util= of
    # reference/captures/ldm-list-p.1.txt; LDoms 2.x: reference/captures/ldm-list-bindings.1.txt
    # (NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME).
    s11, s10 = build_seed(solaris=11), build_seed(solaris=10)
    assert ok(run_ldm(s11, "primary1", ["list"])).splitlines()[:2] == [
        "NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  NORM  UPTIME",
        "primary          active     -n-cv-  UART    8     16G      0.4%  0.4%  1h 5m"]
    assert ok(run_ldm(s10, "primary1", ["list"])).splitlines()[:2] == [
        "NAME             STATE      FLAGS   CONS    VCPU  MEMORY   UTIL  UPTIME",
        "primary          active     -n-cv-  UART    8     16G      0.4%  1h 5m"]
    assert ok(run_ldm(s11, "primary1", ["list", "-p", "primary"])).splitlines()[1].endswith("|norm_util=0.4")
    assert "norm_util" not in ok(run_ldm(s10, "primary1", ["list", "-p"]))
    assert "    VID    PID    CID    UTIL NORM STRAND\n" in ok(run_ldm(s11, "primary1", ["list", "-l", "primary"]))


# --------------------------------------------------------------------- 4. the lab's Solaris release


def _inventory(tmp_path: Path, extra: str, main_cf: str | None = None) -> Path:
    (tmp_path / "main.cf").write_text(main_cf if main_cf is not None else SEED_MAIN_CF.read_text())
    path = tmp_path / "lab.yaml"
    path.write_text(INVENTORY + extra)
    return path


def test_the_inventory_key_flows_to_the_platform(tmp_path: Path) -> None:
    # harness/inventory.py `solaris:` (10 or 11, absent: 11) -> emulators/lab.py LabSpec.solaris ->
    # Platform.solaris; a LabSpec of before (JSON without the key) is a Solaris 11 lab.
    for extra, release in (("", 11), ("solaris: 10\n", 10), ("solaris: 11\n", 11)):
        lab = load_inventory(_inventory(tmp_path, extra))
        spec = lab_spec(lab, "alternateio", seed=0)
        assert spec.solaris == release
        assert LabSpec.from_json(spec.to_json()) == spec
        sim = SimLab(spec, VirtualClock(), config=lab.config)
        assert sim.platform.solaris == release
        assert sim.run_command("primary1", ["uname", "-r"]) == (0, f"5.{release}\n", "")
    old = lab_spec(load_inventory(_inventory(tmp_path, "")), "alternateio", seed=0).to_json().replace(
        ',\n "solaris": 11', "")
    assert "solaris" not in old and LabSpec.from_json(old).solaris == 11
    with pytest.raises(PlatformError, match="unknown Solaris release 9"):
        Platform(VirtualClock(), solaris=9)


@pytest.mark.parametrize("value, message", [
    ("12", "the Solaris release of a lab is 10 or 11 (not 12)"),
    ("'11'", "Input should be a valid integer"),
    ("true", "Input should be a valid integer, not true"),
    ("11.4", "Input should be a valid integer"),
])
def test_a_bad_solaris_release_is_named_with_its_line(tmp_path: Path, value: str, message: str) -> None:
    # the inventory's other keys: `file:line:col: key: message` (harness/inventory.py, tests/harness)
    path = _inventory(tmp_path, f"solaris: {value}\n")
    with pytest.raises(InventoryError) as exc:
        load_inventory(path)
    assert exc.value.problems == [f"{path}:12:10: solaris: {message}"]


def test_zpool_status_scan_line_and_message_url_follow_the_release() -> None:
    # Solaris 10: ` scrub:` and http://www.sun.com/msg/ (reference/captures/zpool-status.*, Oracle
    # Solaris ZFS Administration Guide for Solaris 10 "Reviewing zpool status Output"); Solaris 11:
    # `  scan:` ("Managing ZFS File Systems in Oracle Solaris 11.2") and
    # http://support.oracle.com/msg/ (the Solaris 11.2 guide's fmd message, ZFS-8000-QJ).
    s10, s11 = build_seed(solaris=10), build_seed(solaris=11)
    healthy10, healthy11 = ok(run_zpool(s10, "alternate1", ["status"])), ok(run_zpool(s11, "alternate1", ["status"]))
    assert " scrub: none requested\n" in healthy10 and "scan:" not in healthy10
    assert "\n  scan: none requested\n" in healthy11 and "scrub:" not in healthy11
    for p in (s10, s11):
        p.inject("zpool_offline", "primary1:zfsprim")
    assert "   see: http://www.sun.com/msg/ZFS-8000-HC\n" in ok(run_zpool(s10, "primary1", ["status"]))
    assert "   see: http://support.oracle.com/msg/ZFS-8000-HC\n" in ok(run_zpool(s11, "primary1", ["status"]))
    # a mirror losing one side: Solaris 10 ZFS-8000-2Q, Solaris 11.2+ the persistent-errors text
    # (Oracle Solaris 11.4 "Reviewing ZFS Storage Pool Status Information": no see: line, no note
    # on the UNAVAIL device)
    for p in (s10, s11):
        p.inject("disk_offline", "alternate1:c1t2d0")
    deg10, deg11 = ok(run_zpool(s10, "alternate1", ["status"])), ok(run_zpool(s11, "alternate1", ["status"]))
    assert "   see: http://www.sun.com/msg/ZFS-8000-2Q\n" in deg10 and "c1t2d0  UNAVAIL      0     0     0  cannot open" \
        in deg10
    assert deg11.splitlines()[2:10] == [
        "status: One or more devices are unavailable in response to persistent errors.",
        "        Sufficient replicas exist for the pool to continue functioning in a",
        "        degraded state.",
        "action: Determine if the device needs to be replaced, and clear the errors",
        "        using 'zpool clear' or 'fmadm repaired', or replace the device",
        "        with 'zpool replace'.",
        "        Run 'zpool status -v' to see device specific details.",
        "  scan: none requested"]
    assert "see:" not in deg11 and "            c1t2d0  UNAVAIL      0     0     0\n" in deg11


def test_zpool_list_columns_follow_the_release() -> None:
    # Solaris 10: NAME SIZE ALLOC FREE CAP HEALTH ALTROOT (Oracle Solaris ZFS Administration Guide,
    # "Displaying Information About All Storage Pools or a Specific Pool"); Solaris 11: DEDUP
    # (dedupratio, 1.00x) before HEALTH.
    s10, s11 = build_seed(solaris=10), build_seed(solaris=11)
    assert ok(run_zpool(s10, "primary1", ["list"])).splitlines() == [
        "NAME     SIZE  ALLOC   FREE  CAP  HEALTH  ALTROOT",
        "zfsprim   68G  10.2G  57.8G  15%  ONLINE  -"]
    assert ok(run_zpool(s11, "primary1", ["list"])).splitlines() == [
        "NAME     SIZE  ALLOC   FREE  CAP  DEDUP  HEALTH  ALTROOT",
        "zfsprim   68G  10.2G  57.8G  15%  1.00x  ONLINE  -"]
    assert ok(run_zpool(s11, "primary1", ["list", "-H", "-o", "name,dedupratio"])) == "zfsprim\t1.00x\n"
    assert run_zpool(s10, "primary1", ["list", "-o", "name,dedup"])[0] == 2  # no dedup on Solaris 10
    assert ok(run_zpool(s11, "ldg1", ["list"])).splitlines()[0] == "NAME    SIZE  ALLOC   FREE  CAP  DEDUP  HEALTH  ALTROOT"


def test_dladm_follows_the_release(tmp_path: Path) -> None:
    # Solaris 11 generic link names (dladm-show-phys.1.txt: LINK net0.. with the device under it);
    # the lab's NIC resources name the links (a Solaris 11 main.cf names net0), a guest's vnets are
    # its net0/net1. Solaris 10 (dladm(1M), Solaris 10 1/13): show-link/show-dev, tab-separated, no
    # show-phys.
    main_cf = SEED_MAIN_CF.read_text().replace("= nxge3", "= net0").replace("= nxge4", "= net1")
    lab = load_inventory(_inventory(tmp_path, "solaris: 11\n", main_cf=main_cf))
    sim = SimLab(lab_spec(lab, "alternateio", seed=0), VirtualClock(), config=lab.config)
    assert sim.run_command("primary1", ["dladm", "show-phys"])[1].splitlines() == [
        "LINK              MEDIA                STATE      SPEED  DUPLEX    DEVICE",
        "net0              Ethernet             up         1000   full      nxge0"]
    assert sim.run_command("alternate1", ["dladm", "show-link"])[1].splitlines()[1] == \
        "net1                phys      1500   up       --"
    assert sim.run_command("primary1", ["ifconfig", "net0", "down"]) == (0, "", "")  # the NIC resource's name
    assert sim.faults() == [("nic_pull", "primary1:net0")]
    s11, s10 = build_seed(solaris=11), build_seed(solaris=10)
    assert ok(run_dladm(s11, "ldg1", ["show-phys"])).splitlines()[1:] == [
        "net0              Ethernet             up         1000   full      vnet0",
        "net1              Ethernet             up         1000   full      vnet1"]
    assert ok(run_dladm(s11, "primary1", ["show-phys"])).splitlines()[1].split()[::5] == ["nxge3", "nxge3"]
    assert ok(run_dladm(s10, "primary1", ["show-link"])) == "nxge3    \ttype: non-vlan\tmtu: 1500\tdevice: nxge3\n"
    assert ok(run_dladm(s10, "primary1", ["show-dev"])) == "nxge3    \tlink: up\tspeed: 1000  Mbps\tduplex: full\n"
    assert ok(run_dladm(s10, "ldg1", ["show-dev", "-p"])) == (
        "vnet0 link=up speed=1000 duplex=full\nvnet1 link=up speed=1000 duplex=full\n")
    assert run_dladm(s10, "primary1", ["show-phys"])[2].startswith("dladm: unknown subcommand 'show-phys'\n")
    assert ok(run_uname(s10, "ldg1", ["-rv"])) == "5.10 Generic_150400-59\n"
    assert ok(run_uname(s11, "ldg1", ["-rv"])) == "5.11 11.3\n"
    assert run_ifconfig(s10, "ldg1", ["vnet0"])[0] == 0 and run_ifconfig(s11, "ldg1", ["net0"])[0] == 0


# ------------------------------------------------------------------------ 5. dladm -p -o on Solaris 11


def test_dladm_show_link_p_o_is_the_parseable_form() -> None:
    # dladm(1M) (Solaris 11, illumos): "-p, --parsable: display using a stable machine-parsable
    # format; requires -o", fields separated by ':', no header; -o with the field names, any case;
    # "-o all" is refused with -p.
    p = build_seed()
    p.inject("nic_pull", "alternate1:nxge4")
    assert run_dladm(p, "ldg1", ["show-link", "-p", "-o", "link,state"]) == (0, "net0:up\nnet1:down\n", "")
    assert run_dladm(p, "alternate1", ["show-phys", "-p", "-o", "LINK,STATE,DEVICE"]) == (0, "nxge4:down:nxge4\n", "")
    assert run_dladm(p, "ldg1", ["show-link", "-po", "link", "net1"]) == (0, "net1\n", "")
    assert run_dladm(p, "ldg1", ["show-link", "-p"]) == (1, "", "dladm: -p requires -o\n")
    assert run_dladm(p, "ldg1", ["show-link", "-p", "-o", "all"]) == (1, "", "dladm: \"-o all\" is invalid with -p\n")
    assert ok(run_dladm(p, "ldg1", ["show-link", "-o", "link,state"])) == (
        "LINK                STATE\nnet0                up\nnet1                down\n")
    assert run_dladm(p, "ldg1", ["show-link", "-o", "link,colour"])[0] == 1


# ------------------------------------------------------------- 6. a pool losing its devices while imported


@pytest.mark.parametrize("solaris, state", [(10, "UNAVAIL"), (11, "SUSPENDED")])
def test_a_pool_losing_its_devices_while_imported_prints_io_failures(solaris: int, state: str) -> None:
    # Solaris 10: reference/captures/zpool-status.unavail.1.txt (state UNAVAIL, "One or more devices
    # are faulted in response to IO failures.", "Make sure the affected devices are connected, then
    # run 'zpool clear'.", ZFS-8000-HC, the pool "insufficient replicas", the disk "cannot open").
    # Solaris 11: the pool is SUSPENDED ("Managing ZFS File Systems in Oracle Solaris 11.2",
    # "Determining the Health Status of ZFS Storage Pools": "SUSPENDED - a pool that is waiting for
    # device connectivity to be restored"); `zpool list` HEALTH says the same.
    p = build_seed(solaris=solaris)
    url = "http://www.sun.com/msg/" if solaris == 10 else "http://support.oracle.com/msg/"
    p.inject("zpool_offline", "alternate1:zfsmirr")
    lines = ok(run_zpool(p, "alternate1", ["status", "-x"])).splitlines()
    assert lines[:5] == ["  pool: zfsmirr", f" state: {state}",
                         "status: One or more devices are faulted in response to IO failures.",
                         "action: Make sure the affected devices are connected, then run 'zpool clear'.",
                         f"   see: {url}ZFS-8000-HC"]
    assert "        zfsmirr     UNAVAIL      0     0     0  insufficient replicas" in lines
    assert ok(run_zpool(p, "alternate1", ["list", "-H", "-o", "name,health"])) == f"zfsmirr\t{state}\n"
    assert run_zpool(p, "alternate1", ["clear", "zfsmirr"]) == (1, "", "cannot clear errors for zfsmirr: I/O error\n")
    p.inject("zpool_offline", "primary1:zfsprim")  # the guest's root pool loses both paths
    assert ok(run_zpool(p, "ldg1", ["list", "-H", "-o", "name,health"])) == f"rpool\t{state}\n"
    p.heal_all()
    assert ok(run_zpool(p, "alternate1", ["list", "-H", "-o", "name,health"])) == "zfsmirr\tONLINE\n"
    assert run_zpool(p, "alternate1", ["clear", "zfsmirr"]) == (0, "", "")
