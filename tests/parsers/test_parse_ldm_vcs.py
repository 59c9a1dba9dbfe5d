"""Parsers of `ldm` and VCS outputs, over fixtures written in the format of reference/captures/."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness.parsers import (
    GroupRow,
    ParseError,
    ResourceRow,
    SystemRow,
    is_prompt_line,
    parse_hagrp_state,
    parse_hares_state,
    parse_hastatus_sum,
    parse_ldm_list,
    parse_ldm_list_p,
    parse_state_value,
)

FIXTURES = Path(__file__).parent / "fixtures"


def fixture(name: str) -> str:
    return (FIXTURES / name).read_text()


@pytest.mark.parametrize("line,prompt", [
    ("[root@xha239195 ~]# hagrp -state kc_sg", True),
    ("root@ct-ttms-18:~# dladm show-phys", True),
    ("bash-3.2# ldm list-bindings primary", True),
    ("bash-3.2#", True),
    ("$ zpool status -v tank", True),
    ("# hastatus -summary", True),
    ("#Group       Attribute             System     Value", False),
    ("-- SYSTEM STATE", False),
    ("net0   phys  1500  up  --", False),
])
def test_prompt_lines(line, prompt):
    assert is_prompt_line(line) is prompt


# -- ldm -------------------------------------------------------------------------------------------

def test_ldm_list_p():
    domains = parse_ldm_list_p(fixture("ldm-list-p.txt"))
    assert [d.name for d in domains] == ["primary", "alternate1", "ldg1", "ldg2"]
    primary = domains[0]
    assert (primary.state, primary.flags, primary.cons, primary.ncpu, primary.mem) == \
        ("active", "-n-cv-", "UART", 8, 17179869184)
    assert (primary.util, primary.uptime, primary.norm_util, primary.version) == (0.6, 864012, 0.6, "1.11")
    assert domains[2].extra == {"softstate": "Solaris running"}
    bound = domains[3]
    assert (bound.state, bound.util, bound.uptime, bound.norm_util) == ("bound", None, None, None)


def test_ldm_list_p_without_version_and_with_other_records():
    text = "DOMAIN|name=primary|state=active|flags=-n-c--|cons=SP|ncpu=64|mem=34125365248|util=0.1|uptime=540\n" \
           "VCPU|vid=0|pid=0|util=1.5|strand=100\n"
    (domain,) = parse_ldm_list_p(text)
    assert (domain.name, domain.version, domain.norm_util) == ("primary", None, None)


@pytest.mark.parametrize("text,lineno", [
    ("VERSION 1.11\nthis is not ldm\n", 2),
    ("VERSION 1.11\nDOMAIN|name=primary|ncpu=eight\n", 2),
    ("DOMAIN|state=active\n", 1),
    ("DOMAIN|name=p|garbage\n", 1),
])
def test_ldm_list_p_garbage(text, lineno):
    with pytest.raises(ParseError) as error:
        parse_ldm_list_p(text)
    assert error.value.lineno == lineno
    assert f"line {lineno}" in str(error.value)


def test_ldm_list_with_norm_multiword_uptime_and_an_inactive_domain():
    rows = parse_ldm_list(fixture("ldm-list.txt"))
    assert [r.name for r in rows] == ["primary", "alternate1", "ldg1", "ldg2"]
    assert rows[0].cons == "UART" and rows[0].vcpu == 8 and rows[0].memory == "16G"
    assert (rows[0].util, rows[0].norm, rows[0].uptime) == (0.6, 0.6, "10d 2h 51m")
    ldg2 = rows[3]
    assert (ldg2.state, ldg2.cons, ldg2.vcpu, ldg2.memory, ldg2.util, ldg2.uptime) == \
        ("inactive", "", 4, "4G", None, None)


def test_ldm_list_bindings_first_table():
    (row,) = parse_ldm_list(fixture("ldm-list-bindings.txt"))
    assert (row.name, row.flags, row.cons, row.vcpu, row.memory, row.util, row.norm, row.uptime) == \
        ("primary", "-n-c--", "SP", 64, "32544M", 0.1, None, "9m")


@pytest.mark.parametrize("text", [
    "garbage\n",
    "NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME\nprimary  exploded  -n-c--  SP  64  32G  0.1%  9m\n",
    "NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME\nprimary  active  -n-c--  SP  many  32G  0.1%  9m\n",
    "NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME\nprimary  active  -n-c--  SP  64  32G  lots  9m\n",
    "NAME STATE FLAGS CONS VCPU MEMORY UTIL UPTIME\np  active  -n-c--  SP  64  32G  0.1%  9m\n\nrandom words\n",
])
def test_ldm_list_garbage(text):
    with pytest.raises(ParseError):
        parse_ldm_list(text)


# -- VCS -------------------------------------------------------------------------------------------

def test_hastatus_sum_sections():
    summary = parse_hastatus_sum(fixture("hastatus-sum.txt"))
    assert summary.systems == {"primary1": SystemRow("RUNNING", False), "alternate1": ("RUNNING", False),
                               "primary2": ("FAULTED", False), "alternate2": ("RUNNING", True)}
    assert summary.groups[("aiosg", "primary2")] == GroupRow(True, True, "OFFLINE")
    assert summary.groups[("primary1-strsg", "primary1")].state == "OFFLINE|FAULTED"
    assert summary.groups[("primary1-nwsg", "primary1")].state == "PARTIAL"
    assert summary.groups[("primary1-nwsg", "alternate1")].probed is False
    assert summary.resources_failed == [ResourceRow("primary1-strsg", "Zpool", "zpres1", "primary1")]
    assert summary.resources_onlining == [ResourceRow("primary1-nwsg", "NIC", "nicres1", "alternate1", "W_ONLINE")]


def test_hastatus_sum_latest_output_wins_and_prompts_are_skipped():
    once = ("\n-- SYSTEM STATE\n-- System               State                Frozen\n\n"
            "A  verclus01            RUNNING              0\n\n"
            "-- GROUP STATE\n-- Group           System               Probed     AutoDisabled    State\n\n"
            "B  SG1             verclus01            Y          N               {state}\n")
    text = ("[root@verclus01 ~]# hastatus -sum\n" + once.format(state="OFFLINE")
            + "[root@verclus01 ~]# hares -add SG-ip IP SG1\n"
            + "[root@verclus01 ~]# hastatus -sum\n" + once.format(state="ONLINE") + "[root@verclus01 ~]#\n")
    assert parse_hastatus_sum(text).groups[("SG1", "verclus01")].state == "ONLINE"


@pytest.mark.parametrize("text", [
    "A  sys1  RUNNING  0\n",  # row before any section
    "-- SYSTEM STATE\nA  sys1  RUNNING\n",
    "-- SYSTEM STATE\nA  sys1  RUNNING  maybe\n",
    "-- GROUP STATE\nB  g  s  Y  N\n",
    "-- GROUP STATE\nB  g  s  yes  N  ONLINE\n",
    "-- GROUP STATE\nB  g  s  Y  N  online\n",
    "-- SYSTEM STATE\nthis is not hastatus\n",
    "-- RESOURCES FAILED\nC  g  Zpool  r\n",
])
def test_hastatus_sum_garbage(text):
    with pytest.raises(ParseError):
        parse_hastatus_sum(text)


def test_hagrp_state_tables_with_prompts_headers_and_trailing_spaces():
    states = parse_hagrp_state(fixture("hagrp-state.txt"))
    assert states == {
        ("aiosg", "primary1"): "OFFLINE", ("aiosg", "primary2"): "ONLINE|PARTIAL",
        ("primary1-strsg", "primary1"): "OFFLINE|FAULTED", ("primary1-strsg", "alternate1"): "ONLINE",
    }


def test_hares_state():
    states = parse_hares_state(fixture("hares-state.txt"))
    assert states[("zpres1", "primary1")] == "FAULTED"
    assert states[("nicres1", "alternate1")] == "OFFLINE|STATE UNKNOWN"


@pytest.mark.parametrize("text", [
    "#Group  Attribute  System  Value\nsg  SystemList  global  a 0\n",
    "#Group  Attribute  System  Value\nsg  State  primary1\n",
    "#Group  Attribute  System  Value\nsg  State  primary1  |online|\n",
    "VCS WARNING V-16-1-40131 Group sg does not exist\n",
])
def test_hagrp_state_garbage(text):
    with pytest.raises(ParseError) as error:
        parse_hagrp_state(text)
    assert error.value.lineno >= 1


@pytest.mark.parametrize("text,state", [
    ("|ONLINE|\n", "ONLINE"), ("ONLINE\n", "ONLINE"), ("|OFFLINE|FAULTED|\n", "OFFLINE|FAULTED"),
    ("ONLINE|STATE UNKNOWN", "ONLINE|STATE UNKNOWN"), ("|PARTIAL|", "PARTIAL"),
    ("[root@primary1 ~]# hagrp -state sg -sys primary1\n|ONLINE|PARTIAL|  \n", "ONLINE|PARTIAL"),
    ("#Group  Attribute  System  Value\nsg  State  primary1  |OFFLINE|\n", "OFFLINE"),
])
def test_state_value(text, state):
    assert parse_state_value(text) == state


@pytest.mark.parametrize("text", ["", "\n\n", "oops\n", "|ONLINE|\n|OFFLINE|\n",
                                  "#Group  Attribute  System  Value\nsg  State  a  |ONLINE|\nsg  State  b  |ONLINE|\n"])
def test_state_value_garbage(text):
    with pytest.raises(ParseError):
        parse_state_value(text)
