"""Output formats of the query commands on the seed lab (inventories/sim-2node/main.cf), pinned.

Sources: reference/captures/ (hagrp -state, hastatus -sum, a "Veritas Tips" capture of
hagrp/hares -display whose column arithmetic shows tab-separated association values) and public
wrappers that parse these commands: a `hagrp -dep` row splits into parent, child, relationship
after a ``#Parent`` header; ``hagrp -list`` rows are ``group system`` (awk ``$2``, ``cut -d' ' -f1``);
``hagrp -value G SystemList`` is ``sys prio sys prio``.
"""

from __future__ import annotations

from pathlib import Path

from emulators.clock import VirtualClock
from emulators.vcs.commands import run
from emulators.vcs.config import parse_text
from emulators.vcs.engine import Engine
from tests.engine.lab import seed_lab

SEED = Path(__file__).resolve().parents[2] / "inventories" / "sim-2node" / "main.cf"


def test_seed_main_cf_is_the_one_the_lab_builder_uses():
    from tests.engine.lab import SEED_MAIN_CF
    assert parse_text(SEED.read_text(), filename="main.cf") == parse_text(SEED_MAIN_CF.read_text(), filename="main.cf")


def test_hagrp_dep_table():
    eng, _, _ = seed_lab()
    table = ["#Parent      Child      Relationship",
             "ldomsg       aiosg      online local hard"]
    assert run(eng, ["hagrp", "-dep"]) == (0, "\n".join(table) + "\n", "")
    # a group named as parent or as child shows its links
    assert run(eng, ["hagrp", "-dep", "aiosg"])[1].splitlines() == table
    assert run(eng, ["hagrp", "-dep", "ldomsg"])[1].splitlines() == table
    assert run(eng, ["hagrp", "-dep", "primary1-nwsg"]) == (
        1, "", "VCS WARNING V-16-1-50035 No Group dependencies are configured\n")
    assert run(eng, ["hagrp", "-dep", "nosuch"])[2].startswith("VCS WARNING V-16-1-12130 ")


def test_hagrp_list_pairs_one_a_line():
    eng, _, _ = seed_lab()
    rc, out, err = run(eng, ["hagrp", "-list"])
    assert rc == 0 and err == "" and "\t" not in out
    assert out.splitlines() == [
        "aiosg           primary1", "aiosg           primary2",
        "ldomsg          primary1", "ldomsg          primary2",
        "primary1-strsg  primary1", "primary1-strsg  alternate1",
        "primary1-nwsg   primary1", "primary1-nwsg   alternate1",
        "primary2-strsg  primary2", "primary2-strsg  alternate2",
        "primary2-nwsg   primary2", "primary2-nwsg   alternate2"]
    # conditionals, as wrappers use them (hagrp -list Parallel=1)
    parallel = run(eng, ["hagrp", "-list", "Parallel=1"])[1].splitlines()
    assert {ln.split()[0] for ln in parallel} == {"primary1-strsg", "primary1-nwsg", "primary2-strsg", "primary2-nwsg"}
    assert run(eng, ["hagrp", "-list", "Parallel=0", "AutoStart=1"])[1].split()[::2] == ["aiosg"] * 2 + ["ldomsg"] * 2
    assert run(eng, ["hagrp", "-list", "State=|ONLINE|"])[1].splitlines() == [
        "aiosg           primary1", "ldomsg          primary1",
        "primary1-nwsg   primary1", "primary1-nwsg   alternate1",
        "primary2-nwsg   primary2", "primary2-nwsg   alternate2"]
    assert run(eng, ["hagrp", "-list", "bogus"])[0] == 1


def test_hagrp_value_forms():
    eng, _, _ = seed_lab()
    assert run(eng, ["hagrp", "-value", "aiosg", "State", "primary1"]) == (0, "|ONLINE|\n", "")
    assert run(eng, ["hagrp", "-value", "aiosg", "State", "primary2"]) == (0, "|OFFLINE|\n", "")
    assert run(eng, ["hagrp", "-value", "aiosg", "SystemList"]) == (0, "primary1 0 primary2 1\n", "")
    assert run(eng, ["hagrp", "-value", "primary1-strsg", "AutoStartList"]) == (0, "primary1 alternate1\n", "")
    assert run(eng, ["hagrp", "-value", "primary1-strsg", "AutoStart"]) == (0, "0\n", "")
    assert run(eng, ["hagrp", "-value", "aiosg", "TriggerPath"]) == (0, "bin/AlternateIO\n", "")
    assert run(eng, ["hagrp", "-value", "aiosg", "TriggersEnabled", "primary2"]) == (0, "PREONLINE\n", "")
    rc, _, err = run(eng, ["hagrp", "-value", "aiosg", "NoSuchAttr"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10016 ")


def test_hagrp_display_columns_and_tabbed_associations():
    eng, _, _ = seed_lab()
    rc, out, _ = run(eng, ["hagrp", "-display", "aiosg", "-attribute", "SystemList", "TriggersEnabled", "State"])
    assert out.splitlines() == [
        "#Group       Attribute             System     Value",
        "aiosg        SystemList            global     primary1\t0\tprimary2\t1",
        "aiosg        TriggersEnabled       primary1   PREONLINE",
        "aiosg        TriggersEnabled       primary2   PREONLINE",
        "aiosg        State                 primary1   |ONLINE|",
        "aiosg        State                 primary2   |OFFLINE|"]
    rc, out, _ = run(eng, ["hagrp", "-display", "aiosg", "-sys", "primary2", "-attribute", "State"])
    assert out.splitlines()[1:] == ["aiosg        State                 primary2   |OFFLINE|"]


def test_hares_display_and_value():
    eng, _, _ = seed_lab()
    rc, out, err = run(eng, ["hares", "-display", "altiores"])
    lines = out.splitlines()
    assert rc == 0 and err == ""
    assert lines[0] == "#Resource         Attribute                System     Value"
    assert lines[1:3] == ["altiores          Group                    global     aiosg",
                          "altiores          Type                     global     AlternateIO"]
    assert "altiores          StorageSG                primary1   primary1-strsg\t1" in lines
    assert "altiores          NetworkSG                primary2   primary2-nwsg\t0" in lines
    assert "altiores          Critical                 global     1" in lines
    assert lines[-2:] == ["altiores          State                    primary1   ONLINE",
                          "altiores          State                    primary2   OFFLINE"]
    rc, out, _ = run(eng, ["hares", "-display", "-group", "primary1-strsg", "-attribute", "PoolName"])
    assert out.splitlines() == ["#Resource         Attribute                System     Value",
                                "zpres1            PoolName                 primary1   zfsprim",
                                "zpres1            PoolName                 alternate1 zfsmirr"]
    assert run(eng, ["hares", "-value", "zpres1", "PoolName", "alternate1"]) == (0, "zfsmirr\n", "")
    assert run(eng, ["hares", "-value", "ldmguest", "LDomName"]) == (0, "ldg1\n", "")
    assert run(eng, ["hares", "-value", "altiores", "StorageSG", "primary2"]) == (0, "primary2-strsg 1\n", "")
    assert run(eng, ["hares", "-value", "altiores", "Group"]) == (0, "aiosg\n", "")
    assert run(eng, ["hares", "-value", "nicres1", "State", "alternate1"]) == (0, "ONLINE\n", "")
    assert run(eng, ["hares", "-value", "nosuch", "State"])[2].startswith("VCS WARNING V-16-1-10260 ")


def test_hares_dep_rows_and_no_dependency_message():
    eng, _, _ = seed_lab()  # the seed's groups hold one resource each (plus a Phantom)
    assert run(eng, ["hares", "-dep"]) == (1, "", "VCS WARNING V-16-1-50034 No Resource dependencies are configured\n")
    cf = SEED.read_text().replace("        // resource dependency tree\n        //\n        //      group primary1-nwsg",
                                  "        nicres1 requires ph1\n\n        // resource dependency tree\n"
                                  "        //\n        //      group primary1-nwsg", 1)
    eng2 = Engine(parse_text(cf, filename="main.cf"), VirtualClock())
    assert run(eng2, ["hares", "-dep"]) == (0, "#Group       Parent               Child\n"
                                               "primary1-nwsg nicres1              ph1\n", "")
    assert run(eng2, ["hares", "-dep", "ph1"])[1].splitlines()[1].split() == ["primary1-nwsg", "nicres1", "ph1"]
