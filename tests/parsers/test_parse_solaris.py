"""Parsers of `zpool` and `dladm` outputs, over fixtures written in the format of reference/captures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.parsers import (
    DladmLink,
    DladmPhys,
    ParseError,
    Vdev,
    ZpoolHealth,
    parse_dladm_show_link,
    parse_dladm_show_phys,
    parse_zpool_list_h,
    parse_zpool_status,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


def test_zpool_status_unavail_with_errors_trailer_and_file_list():
    (pool,) = parse_zpool_status(fixture("zpool-status-unavail.txt"))
    assert (pool.name, pool.state) == ("zfsmirr", "UNAVAIL")
    assert pool.status.startswith("One or more devices are faulted")
    assert pool.see == "http://www.sun.com/msg/ZFS-8000-HC"
    assert pool.scan.startswith("scrub completed after 0h0m")
    assert pool.vdevs == [
        Vdev("zfsmirr", "UNAVAIL", 0, 0, 0, "insufficient replicas", 0),
        Vdev("c1t0d0", "ONLINE", 0, 0, 0, "", 1),
        Vdev("c1t1d0", "UNAVAIL", 4, 1, 0, "cannot open", 1),
    ]
    assert pool.errors == "Permanent errors have been detected in the following files:"
    assert pool.error_files == ["/zfsmirr/data/aaa", "/zfsmirr/data/bbb"]


def test_zpool_status_two_pools_leading_space_multiline_action_tabs_and_sections():
    faulted, rpool = parse_zpool_status(fixture("zpool-status-two-pools.txt"))
    assert (faulted.name, faulted.state, faulted.scan) == ("zfsprim", "FAULTED", "none requested")
    assert faulted.action.startswith("Recovery is possible") and faulted.action.endswith("'zpool clear -F zfsprim'.")
    # the pool line is indented one column more than usual: its disks still nest under it
    assert [(v.name, v.depth, v.cksum, v.note) for v in faulted.vdevs] == [
        ("zfsprim", 0, 1, "corrupted data"), ("c1t1d0", 1, 2, ""), ("c1t3d0", 1, 4, "")]
    assert faulted.errors == ""
    assert (rpool.state, rpool.scan, rpool.errors) == ("ONLINE", "none requested", "No known data errors")
    assert [(v.name, v.state, v.depth) for v in rpool.vdevs] == [
        ("rpool", "ONLINE", 0), ("mirror-0", "ONLINE", 1), ("c0t0d0s0", "ONLINE", 2), ("c0t1d0s0", "ONLINE", 2),
        ("logs", "", 0), ("c0t2d0", "ONLINE", 1), ("spares", "", 0), ("c0t5d0", "AVAIL", 1)]
    assert rpool.vdevs[3].cksum == 1200
    assert rpool.vdevs[7].read is None


def test_zpool_status_no_pools():
    assert parse_zpool_status("no pools available\n") == []


@pytest.mark.parametrize("text,lineno", [
    ("hello world\n", 1),
    (" state: ONLINE\n", 1),
    ("  pool: tank\n state: ONLINE\nconfig:\n\n\tnonsense header\n", 5),
    ("  pool: tank\n state: ONLINE\nconfig:\n\n\tNAME STATE READ WRITE CKSUM\n\ttank ONLINE 0 x 0\n", 6),
    ("  pool: tank\n state: ONLINE\nstray text at the margin\n", 3),
    ("  pool: tank\nconfig:\n", 0),
])
def test_zpool_status_garbage(text, lineno):
    with pytest.raises(ParseError) as error:
        parse_zpool_status(text)
    assert error.value.lineno == lineno


def test_zpool_list_h():
    assert parse_zpool_list_h(fixture("zpool-list-h.txt")) == [
        ZpoolHealth("zfsprim", "ONLINE"), ZpoolHealth("zfsmirr", "DEGRADED"), ZpoolHealth("rpool", "ONLINE")]
    assert parse_zpool_list_h("no pools available\n") == []


@pytest.mark.parametrize("text", ["zfsprim\n", "zfsprim\tGREAT\n", "a\tONLINE\textra\n",
                                  "NAME SIZE ALLOC FREE\n"])
def test_zpool_list_h_garbage(text):
    with pytest.raises(ParseError) as error:
        parse_zpool_list_h(text)
    assert error.value.lineno == 1


def test_dladm_show_phys():
    links = parse_dladm_show_phys(fixture("dladm-show-phys.txt"))
    assert links[0] == DladmPhys("net0", "Ethernet", "up", 1000, "full", "nxge0")
    assert [(link.link, link.state) for link in links] == [
        ("net0", "up"), ("net3", "down"), ("net4", "unknown"), ("sp-phys0", "up")]


def test_dladm_show_link_with_several_links_under_an_aggregation():
    links = parse_dladm_show_link(fixture("dladm-show-link.txt"))
    assert links == [
        DladmLink("net0", "phys", 1500, "up", []), DladmLink("net3", "phys", 1500, "down", []),
        DladmLink("aggr0", "aggr", 1500, "up", ["net0", "net1"]), DladmLink("vsw0", "vnic", 1500, "up", ["aggr0"])]


@pytest.mark.parametrize("parse,text", [
    (parse_dladm_show_phys, "net0  Ethernet  up  1000  full  nxge0\n"),  # no header
    (parse_dladm_show_phys, "LINK   POLICY   ADDRPOLICY   LACPACTIVITY  LACPTIMER   FLAGS\n"
                            "aggr0  L4       auto         off           short       -----\n"),  # show-aggr
    (parse_dladm_show_phys, "LINK MEDIA STATE SPEED DUPLEX DEVICE\nnet0 Ethernet sideways 1000 full nxge0\n"),
    (parse_dladm_show_phys, "LINK MEDIA STATE SPEED DUPLEX DEVICE\nnet0 Ethernet\n"),
    (parse_dladm_show_link, "LINK CLASS MTU STATE OVER\nnet0 phys big up --\n"),
    (parse_dladm_show_link, "LINK CLASS MTU STATE OVER\nnet0 phys 1500 dancing --\n"),
])
def test_dladm_garbage(parse, text):
    with pytest.raises(ParseError) as error:
        parse(text)
    assert error.value.lineno >= 1 and error.value.line


def test_zpool_import_lists_exported_pools_with_their_leaf_devices():
    """`zpool import` without arguments (Solaris ZFS Administration Guide, "Identifying Pools
    Available for Import"): each pool's config, grouping vdevs (mirror-0) are not disks."""
    from harness.parsers import parse_zpool_import

    text = """   pool: tank
     id: 11809215114195894163
  state: ONLINE
 action: The pool can be imported using its name or numeric identifier.
 config:

        tank        ONLINE
          mirror-0  ONLINE
            c1t0d0  ONLINE
            c1t1d0  ONLINE

   pool: dozer
     id: 9784486589352144634
  state: ONLINE
 action: The pool can be imported using its name or numeric identifier.
 config:

        dozer       ONLINE
          c1t2d0    ONLINE
"""
    assert parse_zpool_import(text) == {"tank": ["c1t0d0", "c1t1d0"], "dozer": ["c1t2d0"]}
