"""The seed cluster's behaviours (reference/altio-cluster.main.cf) on virtual time."""

from __future__ import annotations

from tests.engine.lab import seed_lab


def _up(eng, g):
    return [s for s in eng.config.groups[g].system_list if eng.group_state(g, s) == "ONLINE"]


def test_start_probes_everywhere_and_autostarts():
    eng, clock, _ = seed_lab()
    assert _up(eng, "aiosg") == ["primary1"]
    assert _up(eng, "ldomsg") == ["primary1"]
    # parallel network groups: AutoStartList names both domains of a node -> online on both
    assert _up(eng, "primary1-nwsg") == ["primary1", "alternate1"]
    assert _up(eng, "primary2-nwsg") == ["primary2", "alternate2"]
    # storage groups: primary1-strsg AutoStart=0, primary2-strsg has no AutoStartList
    assert _up(eng, "primary1-strsg") == [] and _up(eng, "primary2-strsg") == []
    assert all(eng.probed(g, s) for g in eng.groups() for s in eng.config.groups[g].system_list)
    log = "\n".join(eng.log_lines)
    assert "VCS INFO V-16-1-10304 Resource altiores (Owner: unknown, Group: aiosg) is offline on primary1 (First probe)" in log
    assert "VCS INFO V-16-1-10297 Resource nicres1 (Owner: unknown, Group: primary1-nwsg) is online on primary1 (First probe)" in log
    assert "VCS NOTICE V-16-1-10447 Group aiosg is online on system primary1" in log
    assert "VCS INFO V-16-1-10077 Received new cluster membership" in log
    # no PREONLINE hook registered for bin/AlternateIO: logged, online goes on
    assert "No PREONLINE trigger registered at path 'bin/AlternateIO' for group aiosg on primary1; going on" in log
    assert clock.now() == 0.0
    assert eng.log_lines[0].startswith("2024/01/01 00:00:00 VCS INFO V-16-1-10077")


def test_child_fault_parent_offline_first_child_fails_over_parent_follows():
    eng, clock, ag = seed_lab()
    mark = len(eng.log_lines)
    ag["AlternateIO"].fail("altiores", "primary1")
    clock.advance(60)
    assert eng.settle()
    assert eng.group_state("aiosg", "primary1") == "OFFLINE|FAULTED"
    assert eng.resource_state("altiores", "primary1") == "FAULTED"
    assert eng.group_state("ldomsg", "primary1") == "OFFLINE"
    assert _up(eng, "aiosg") == ["primary2"] and _up(eng, "ldomsg") == ["primary2"]
    new = eng.log_lines[mark:]
    text = [ln.split(" ", 3)[3] for ln in new]
    i_clean = next(i for i, t in enumerate(text) if "V-16-2-13067 Agent is calling clean for resource(altiores)" in t)
    i_fault = next(i for i, t in enumerate(text) if "V-16-1-10303 Resource altiores" in t and "FAULTED" in t)
    i_parent_off = text.index("NOTICE V-16-1-10446 Group ldomsg is offline on system primary1")
    i_child_off_init = next(i for i, t in enumerate(text) if "Initiating Offline of group aiosg on system primary1" in t)
    i_fo = next(i for i, t in enumerate(text) if "V-16-1-10493 Group aiosg will fail over from system primary1 "
                "to system primary2 (FailOverPolicy Priority)" in t)
    i_child_on = text.index("NOTICE V-16-1-10447 Group aiosg is online on system primary2")
    i_follow = next(i for i, t in enumerate(text) if "Group ldomsg follows its child aiosg to system primary2" in t)
    i_parent_on = text.index("NOTICE V-16-1-10447 Group ldomsg is online on system primary2")
    assert i_clean < i_fault < i_parent_off < i_child_off_init < i_fo < i_child_on < i_follow < i_parent_on
    assert all(ln.startswith("2024/01/01 00:01:00") for ln in new)


def test_node_death_moves_both_groups():
    eng, clock, _ = seed_lab()
    eng.system_leave("primary1", fault=True)
    assert eng.settle()
    assert eng.system_state("primary1") == "FAULTED"
    assert _up(eng, "aiosg") == ["primary2"] and _up(eng, "ldomsg") == ["primary2"]
    assert eng.group_state("aiosg", "primary1") == "OFFLINE|FAULTED"
    assert eng.autodisabled("aiosg", "primary1")
    # the alternate domain of the dead node keeps its parallel group
    assert eng.group_state("primary1-nwsg", "alternate1") == "ONLINE"
    log = "\n".join(eng.log_lines)
    assert "V-16-1-10322 System primary1 (Node '0') changed state from RUNNING to FAULTED" in log
    assert "Group aiosg will fail over from system primary1 to system primary2" in log


def test_parent_fault_hard_child_goes_too_and_parent_follows():
    eng, clock, ag = seed_lab()
    ag["LDom"].fail("ldmguest", "primary1")
    clock.advance(60)
    assert eng.settle()
    assert eng.group_state("ldomsg", "primary1") == "OFFLINE|FAULTED"
    assert eng.group_state("aiosg", "primary1") == "OFFLINE"
    assert _up(eng, "aiosg") == ["primary2"] and _up(eng, "ldomsg") == ["primary2"]
    assert any("Initiating Offline of group aiosg on system primary1 (parent ldomsg faulted (online local hard))" in ln
               for ln in eng.log_lines)


def test_parallel_group_fault_on_one_system_leaves_the_other_online():
    eng, clock, ag = seed_lab()
    ag["NIC"].fail("nicres1", "primary1")
    clock.advance(60)
    assert eng.settle()
    assert eng.group_state("primary1-nwsg", "primary1") == "OFFLINE|FAULTED"
    assert eng.group_state("primary1-nwsg", "alternate1") == "ONLINE"
    assert _up(eng, "aiosg") == ["primary1"]  # the AlternateIO agent (scripted here) is not told
    # the persistent NIC comes back: its fault clears by itself and AutoRestart brings the group back
    ag["NIC"].heal("nicres1", "primary1")
    clock.advance(300)
    assert eng.settle()
    assert eng.group_state("primary1-nwsg", "primary1") == "ONLINE"
    log = "\n".join(eng.log_lines)
    assert "Fault of Resource nicres1 (Owner: unknown, Group: primary1-nwsg) on primary1 cleared" in log
    assert "AutoRestart" in log


def test_storage_group_fault_needs_clear_before_online():
    eng, clock, ag = seed_lab()
    eng.online_group("primary1-strsg", "primary1")
    eng.online_group("primary1-strsg", "alternate1")
    assert eng.settle()
    assert eng.group_state("primary1-strsg", "primary1") == "ONLINE"
    ag["Zpool"].fail("zpres1", "primary1")
    clock.advance(60)
    assert eng.settle()
    assert eng.group_state("primary1-strsg", "primary1") == "OFFLINE|FAULTED"
    assert eng.group_state("primary1-strsg", "alternate1") == "ONLINE"
    ag["Zpool"].heal("zpres1", "primary1")
    import pytest

    from emulators.vcs.engine import EngineCommandError
    with pytest.raises(EngineCommandError) as err:
        eng.online_group("primary1-strsg", "primary1")
    assert err.value.umi == "V-16-1-10284"
    eng.clear_group("primary1-strsg", "primary1")
    assert eng.group_state("primary1-strsg", "primary1") == "OFFLINE"
    eng.online_group("primary1-strsg", "primary1")
    assert eng.settle()
    assert eng.group_state("primary1-strsg", "primary1") == "ONLINE"


def test_preonline_hook_runs_and_can_stop_the_online():
    eng, clock, ag = seed_lab(start=False)
    calls = []

    def hook(group, system):
        calls.append((group, system))
        return system != "primary1"

    eng.register_trigger("bin/AlternateIO", "PREONLINE", hook)
    eng.start()
    assert eng.settle()
    assert calls == [("aiosg", "primary1")]
    assert eng.group_state("aiosg", "primary1") == "OFFLINE"
    assert any("PREONLINE trigger 'bin/AlternateIO' stopped the online of group aiosg on primary1" in ln
               for ln in eng.log_lines)
    eng.online_group("aiosg", "primary2")
    assert eng.settle()
    assert eng.group_state("aiosg", "primary2") == "ONLINE"
    # ldomsg's AutoStartList names primary1 only: AutoStart does not take it to primary2
    assert eng.group_state("ldomsg", "primary2") == "OFFLINE"
    eng.online_group("ldomsg", "primary2")
    assert eng.settle()
    assert eng.group_state("ldomsg", "primary2") == "ONLINE"


def test_same_seed_same_log():
    runs = []
    for _ in range(2):
        eng, clock, ag = seed_lab(seed=7)
        ag["AlternateIO"].fail("altiores", "primary1")
        clock.advance(60)
        eng.system_leave("primary2")
        eng.settle()
        runs.append(list(eng.log_lines))
    assert runs[0] == runs[1]
