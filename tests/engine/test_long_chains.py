"""Dependency chains a thousand long: the engine boots them, fails them over and stops them without
exhausting Python's stack (agents that answer at once make each step a nested call)."""

from __future__ import annotations

from pathlib import Path

from emulators.clock import VirtualClock
from emulators.lab import LabSpec, NodeSpec, SimLab
from emulators.vcs.config.model import GroupDep
from emulators.vcs.engine.dependencies import GroupLink, children_first
from tests.engine.lab import SEED_MAIN_CF, Lab, config, group

N = 1000


def _went(lab: Lab, kind: str, state: str, system: str, since: int = 0) -> list[str]:
    """Names in the order they reached `state` on `system` (after change number `since`)."""
    return [c.name for c in lab.changes[since:] if c.kind == kind and c.system == system and c.new == state]


def test_a_thousand_resource_chain_comes_online_children_first_and_fails_over():
    res = [(f"r{i}", "App") for i in range(N)]
    deps = [(f"r{i}", f"r{i + 1}") for i in range(N - 1)]  # r0 requires r1 ... requires r999
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], res, deps, AutoStartList=["s1"])))
    assert lab.states("G") == {"s1": "ONLINE", "s2": "OFFLINE"}
    assert _went(lab, "resource", "ONLINE", "s1") == [f"r{i}" for i in reversed(range(N))]
    mark = len(lab.changes)
    lab.app.fail(f"r{N - 1}", "s1")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE"}
    assert _went(lab, "resource", "OFFLINE", "s1", mark) == [f"r{i}" for i in range(N - 1)]  # parents first
    assert all(lab.rstate(f"r{i}", "s2") == "ONLINE" for i in range(N))


def _group_chain(rigidity: str) -> Lab:
    """g0 requires group g1 ... requires group g999, online local `rigidity`, all on s1 first."""
    groups = [group(f"g{i}", ["s1", "s2"], AutoStartList=["s1"],
                    group_deps=[GroupDep(f"g{i + 1}", "online", "local", rigidity)] if i + 1 < N else [])
              for i in range(N)]
    return Lab(config(["s1", "s2"], *groups))


def test_a_thousand_group_chain_goes_offline_parents_first_when_its_bottom_faults():
    lab = _group_chain("firm")
    assert _went(lab, "group", "ONLINE", "s1") == [f"g{i}" for i in reversed(range(N))]
    mark = len(lab.changes)
    lab.app.fail(f"g{N - 1}_r", "s1")
    lab.detect()
    assert _went(lab, "group", "OFFLINE", "s1", mark) == [f"g{i}" for i in range(N - 1)]
    assert lab.states(f"g{N - 1}") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE"}
    assert lab.states(f"g{N - 2}") == {"s1": "OFFLINE", "s2": "ONLINE"}  # its firm parent followed it


def test_a_thousand_group_chain_follows_its_bottom_and_its_systems_stop_cleanly():
    lab = _group_chain("soft")
    lab.app.fail(f"g{N - 1}_r", "s1")
    lab.detect()
    assert all(lab.states(f"g{i}") == {"s1": "OFFLINE", "s2": "ONLINE"} for i in range(N - 1))
    mark = len(lab.changes)
    for s in ("s1", "s2"):
        lab.engine.system_leave(s, fault=False)
        assert lab.engine.settle()
    assert {lab.engine.system_state(s) for s in ("s1", "s2")} == {"EXITED"}
    assert _went(lab, "group", "OFFLINE", "s2", mark) == [f"g{i}" for i in range(N)]  # parents first


def test_children_first_orders_a_long_chain_and_skips_a_cycle():
    n = 5000
    links = [GroupLink(f"g{i}", f"g{i + 1}", GroupDep(f"g{i + 1}", "online", "local", "firm")) for i in range(n - 1)]
    names = [f"g{i}" for i in range(n)]
    assert children_first(names, links) == list(reversed(names))
    links.append(GroupLink(f"g{n - 1}", "g0", GroupDep("g0", "online", "local", "firm")))
    assert sorted(children_first(names, links)) == sorted(names)


def test_the_seed_lab_with_thousand_long_chains_in_its_main_cf_boots(tmp_path: Path):
    """As the harness boots a sim lab: from main.cf text, with a 1,000-resource chain and a
    1,000-group chain (online local firm) beside the seed's groups."""
    lines = ["group chain (", "\tSystemList = { primary1 = 0, primary2 = 1 }", "\tAutoStartList = { primary1 }", "\t)"]
    lines += [f"\tPhantom link{i} (\n\t\t)" for i in range(N)]
    lines += [f"\tlink{i} requires link{i + 1}" for i in range(N - 1)]
    for i in range(N):
        lines += [f"group c{i} (", "\tSystemList = { primary1 = 0, primary2 = 1 }", "\tAutoStartList = { primary1 }",
                  "\t)", f"\tPhantom p{i} (\n\t\t)"]
        lines += [f"\trequires group c{i + 1} online local firm"] if i + 1 < N else []
    main_cf = tmp_path / "main.cf"
    main_cf.write_text(SEED_MAIN_CF.read_text() + "\n" + "\n".join(lines) + "\n")
    spec = LabSpec("chains", str(main_cf), (NodeSpec("node1", "primary1", ("alternate1",)),
                                            NodeSpec("node2", "primary2", ("alternate2",))), {})
    lab = SimLab(spec, VirtualClock())
    assert lab.boot()
    assert [lab.engine.group_state(g, "primary1") for g in ("chain", "c0", f"c{N - 1}", "ldomsg")] == ["ONLINE"] * 4
