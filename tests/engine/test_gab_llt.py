"""`gabconfig -a` and `lltstat -n[vv]` on the emulated lab's cluster systems (`SimLab.run_command`),
from the engine's membership: a system whose domain is up is in GAB port a and LLT OPEN, one where
the engine runs (RUNNING) is in port h too; a killed control domain drops out of both.

Every expected output is checked against the format of Veritas's documentation, given here as the
documents print it (fixtures) and read back by the same small parsers as the lab's output:

- GAB_INFOSCALE: InfoScale support article 100034056, "What do the port letters mean when running
  gabconfig -a in Veritas InfoScale and Storage Foundation?" (supportinfoscale.cloud.com/external/
  article/100034056): the `GAB Port Memberships` header, a line of 63 `=`, `Port X gen G membership M`;
- GAB_NODE0_LEFT: SF Oracle RAC 6.0.1 Administrator's Guide, "Examining GAB seed membership"
  (sort.symantec.com/public/documents/sfha/6.0.1/aix/productguides/html/sfrac_admin/ch04s02.htm):
  "The semi-colon is used as a placeholder for a node that has left the cluster. In the following
  example, node 0 has left the cluster: Port a gen 7e6e7e04 membership ;1";
- LLT_N / LLT_NVV: VCS 5.0.1 Installation Guide (HP-UX), "Verifying LLT" (sort.veritas.com/public/
  documents/vcs/5.0.1/hp-ux/productguides/html/vcs_install/ch07s05s01.htm): `lltstat -n` on galaxy and
  `lltstat -nvv` ("the output lists 32 nodes ... plus non-existent nodes"; `*` is the local node).
"""

from __future__ import annotations

import re

from emulators.vcs.membership_commands import LINKS, LLT_SLOTS, membership_map
from tests.engine.lab import out, run, sim_seed_lab

GAB_INFOSCALE = """\
GAB Port Memberships
===============================================================
Port a gen 967901 membership 01
Port b gen 967902 membership 01
Port h gen 967904 membership 01
"""

GAB_NODE0_LEFT = "Port a gen 7e6e7e04 membership ;1\n"

LLT_N = """\
LLT node information:
    Node             State           Links
    *0 galaxy          OPEN           2
     1 nebula          OPEN           2
"""

LLT_NVV = """\
LLT node information:
    Node          State      Link    Status      Address
    *0 galaxy      OPEN
                             lan1 UP     08:00:20:93:0E:34
                             lan2 UP     08:00:20:93:0E:34
    1 nebula       OPEN
                             lan1 UP     08:00:20:8F:D1:F2
                             lan2 DOWN
    2             CONNWAIT
                             lan1 DOWN
                             lan2 DOWN
"""

PORT = re.compile(r"^Port ([a-z]) gen ([0-9a-f]+) membership ([0-9;]*)$")
NODE = re.compile(r"^\s*(\*?)\s*(\d+)(?:\s+(\S+))?\s+(OPEN|CONNWAIT)(?:\s+(\d+))?$")
LINK = re.compile(r"^\s+(\S+)\s+(UP|DOWN)(?:\s+([0-9A-F]{2}(?::[0-9A-F]{2}){5}))?$")


def parse_gab(text: str) -> dict[str, tuple[str, set[int]]]:
    """{port: (gen, member node ids)} of `gabconfig -a` (the map read as documented: the place of a
    character is the node id, a digit a member, `;` a node that is not one)."""
    lines = text.splitlines()
    assert lines[0] == "GAB Port Memberships" and lines[1] == "=" * 63, lines[:2]
    ports = {}
    for line in lines[2:]:
        m = PORT.match(line)
        assert m, line
        ports[m[1]] = (m[2], _members(m[3]))
    return ports


def _members(text: str) -> set[int]:
    members = set()
    for i, ch in enumerate(text):
        if ch != ";":
            assert ch == str(i % 10), text
            members.add(i)
    return members


def parse_llt(text: str) -> tuple[int | None, dict[int, dict]]:
    """(local node id, {id: {"name", "state", "links": {link: (status, address)}, "count"}}) of
    `lltstat -n` / `lltstat -nvv`."""
    lines = text.splitlines()
    assert lines[0] == "LLT node information:", lines[0]
    assert lines[1].split()[:2] == ["Node", "State"], lines[1]
    local, nodes, current = None, {}, None
    for line in lines[2:]:
        node, link = NODE.match(line), LINK.match(line)
        if node:
            nid = int(node[2])
            current = nodes[nid] = {"name": node[3], "state": node[4], "links": {},
                                    "count": int(node[5]) if node[5] else None}
            if node[1]:
                local = nid
        else:
            assert link and current is not None, line
            current["links"][link[1]] = (link[2], link[3])
    return local, nodes


def kill(lab, system: str) -> None:
    lab.inject("domain_kill", system)
    lab.clock.advance(1)
    assert lab.engine.settle()


# -- the documents' own texts read by the parsers ---------------------------------------------------

def test_the_parsers_read_the_documented_outputs():
    assert parse_gab(GAB_INFOSCALE) == {"a": ("967901", {0, 1}), "b": ("967902", {0, 1}), "h": ("967904", {0, 1})}
    assert parse_gab("GAB Port Memberships\n" + "=" * 63 + "\n" + GAB_NODE0_LEFT) == {"a": ("7e6e7e04", {1})}
    assert parse_llt(LLT_N) == (0, {0: {"name": "galaxy", "state": "OPEN", "links": {}, "count": 2},
                                    1: {"name": "nebula", "state": "OPEN", "links": {}, "count": 2}})
    local, nodes = parse_llt(LLT_NVV)
    assert local == 0 and nodes[1]["links"] == {"lan1": ("UP", "08:00:20:8F:D1:F2"), "lan2": ("DOWN", None)}
    assert nodes[2] == {"name": None, "state": "CONNWAIT", "links": {"lan1": ("DOWN", None), "lan2": ("DOWN", None)},
                        "count": None}


def test_membership_map_is_the_documented_node_map():
    assert membership_map([0, 1]) == "01"
    assert membership_map([1]) == ";1"  # node 0 has left the cluster (SF Oracle RAC guide)
    assert membership_map([0, 2, 3]) == "0;23"
    assert membership_map([]) == ""
    assert membership_map(range(12)) == "012345678901"


# -- gabconfig -a ---------------------------------------------------------------------------------------

def test_gabconfig_a_lists_every_running_system_in_ports_a_and_h():
    lab = sim_seed_lab()
    text = out(lab, "primary1", "gabconfig", "-a")
    ports = parse_gab(text)
    assert set(ports) == {"a", "h"}
    assert ports["a"][1] == ports["h"][1] == {0, 1, 2, 3}  # primary1 alternate1 primary2 alternate2
    assert ports["a"][0] != ports["h"][0]
    assert text.splitlines()[2].endswith("membership 0123")
    # every cluster system sees the same membership; a path names the program too (/sbin/gabconfig)
    for system in ("alternate1", "primary2", "alternate2"):
        assert out(lab, system, "/sbin/gabconfig", "-a") == text


def test_a_killed_control_domain_leaves_gab_and_its_generation_moves_on():
    lab = sim_seed_lab()
    before = parse_gab(out(lab, "primary2", "gabconfig", "-a"))
    kill(lab, "primary1")
    assert lab.engine.system_state("primary1") == "FAULTED"
    text = out(lab, "primary2", "gabconfig", "-a")
    after = parse_gab(text)
    assert after["a"][1] == after["h"][1] == {1, 2, 3}
    assert "Port a gen" in text and "membership ;123" in text
    assert after["a"][0] != before["a"][0] and after["h"][0] != before["h"][0]
    # on the dead system nothing answers, as for every command there
    rc, stdout, err = run(lab, "primary1", "gabconfig", "-a")
    assert (rc, stdout) == (255, "") and "not reachable" in err
    lab.heal("domain_kill", "primary1")
    lab.clock.advance(120)
    assert lab.engine.settle()
    assert parse_gab(out(lab, "alternate2", "gabconfig", "-a"))["a"][1] == {0, 1, 2, 3}


def test_gabconfig_refuses_what_it_does_not_know_and_is_no_guest_command():
    lab = sim_seed_lab()
    rc, stdout, err = run(lab, "primary1", "gabconfig")
    assert rc == 1 and stdout == "" and err.startswith("usage: gabconfig")
    assert run(lab, "primary1", "gabconfig", "-x")[0] == 1
    assert run(lab, "ldg1", "gabconfig", "-a") == (127, "", "bash: gabconfig: command not found\n")
    assert run(lab, "ldg1", "lltstat", "-nvv")[0] == 127


# -- lltstat --------------------------------------------------------------------------------------------

def test_lltstat_nvv_shows_every_node_and_link_with_the_local_node_starred():
    lab = sim_seed_lab()
    local, nodes = parse_llt(out(lab, "primary2", "lltstat", "-nvv"))
    assert local == 2
    assert len(nodes) == LLT_SLOTS  # every slot, as documented
    assert [nodes[i]["name"] for i in range(4)] == ["primary1", "alternate1", "primary2", "alternate2"]
    for i in range(4):
        assert nodes[i]["state"] == "OPEN"
        assert set(nodes[i]["links"]) == set(LINKS)
        assert all(status == "UP" and address for status, address in nodes[i]["links"].values())
    addresses = [a for i in range(4) for _, a in nodes[i]["links"].values()]
    assert len(set(addresses)) == len(addresses)
    assert all(nodes[i]["state"] == "CONNWAIT" and nodes[i]["name"] is None for i in range(4, LLT_SLOTS))
    assert all(s == ("DOWN", None) for i in range(4, LLT_SLOTS) for s in nodes[i]["links"].values())
    # the configured nodes only
    local, configured = parse_llt(out(lab, "alternate1", "lltstat", "-nvv", "configured"))
    assert local == 1 and sorted(configured) == [0, 1, 2, 3]


def test_lltstat_sees_a_killed_control_domain_connwait_with_its_links_down():
    lab = sim_seed_lab()
    kill(lab, "primary2")
    local, nodes = parse_llt(out(lab, "alternate1", "lltstat", "-nvv", "configured"))
    assert local == 1
    assert nodes[2]["state"] == "CONNWAIT" and nodes[2]["name"] == "primary2"
    assert nodes[2]["links"] == {link: ("DOWN", None) for link in LINKS}
    assert all(nodes[i]["state"] == "OPEN" for i in (0, 1, 3))
    local, brief = parse_llt(out(lab, "alternate1", "lltstat", "-n"))
    assert {i: (n["name"], n["state"], n["count"]) for i, n in brief.items()} == {
        0: ("primary1", "OPEN", 2), 1: ("alternate1", "OPEN", 2), 2: ("primary2", "CONNWAIT", 0),
        3: ("alternate2", "OPEN", 2)}
    assert run(lab, "primary1", "lltstat")[0] == 1
