"""One or more scenarios per engine rule, each asserting states and log lines."""

from __future__ import annotations

import pytest

from emulators.vcs.config.model import AttrValue, GroupDep
from emulators.vcs.engine import EngineCommandError
from tests.engine.lab import Lab, config, group, set_res_attr

S3 = ["s1", "s2", "s3"]


def fo_lab(**gattrs):
    return Lab(config(S3, group("G", S3, AutoStartList=["s1"], **gattrs)))


def test_waiting_states_while_generator_entry_points_run():
    lab = Lab(config(S3, group("G", S3, AutoStartList=["s1"])), delay={"online": 30.0}, start=False)
    lab.engine.start()
    lab.clock.advance(10)
    assert lab.rstate("G_r", "s1") == "OFFLINE|WAITING TO GO ONLINE"
    assert lab.state("G", "s1") == "OFFLINE|STARTING"
    assert lab.engine.busy()
    assert lab.engine.settle()
    assert lab.clock.now() == 30.0
    assert lab.state("G", "s1") == "ONLINE"
    assert any(ln.startswith("2024/01/01 00:00:30 VCS NOTICE V-16-1-10447 Group G is online on system s1")
               for ln in lab.engine.log_lines)


def test_a_switch_requested_while_a_monitor_runs_goes_on_when_the_monitor_ends():
    """An entry point that takes time (a script agent's process): a switch (offline first) that
    arrives while the resource's monitor runs waits for it, then completes. It stalled for good
    when the monitor left the state unchanged (nothing moved the transition on)."""
    lab = Lab(config(S3, group("G", S3, AutoStartList=["s1"])), start=False)
    lab.engine.start()
    assert lab.engine.settle()
    assert lab.state("G", "s1") == "ONLINE"
    lab.app.delay["monitor"] = 20.0
    rr = lab.engine._rr[("G_r", "s1")]
    lab.clock.run_while(lambda: rr.action != "monitor", 3600)  # the next periodic monitor is running
    assert rr.action == "monitor"
    lab.engine.switch_group("G", "s2")
    assert lab.engine.settle()
    assert lab.states("G") == {"s1": "OFFLINE", "s2": "ONLINE", "s3": "OFFLINE"}


def test_online_timeout_faults_and_fails_over():
    lab = Lab(config(S3, group("G", S3, AutoStartList=["s1"])), start=False)
    lab.app.hang.add(("G_r", "s1", "online"))
    lab.engine.start()
    assert lab.engine.settle()
    assert lab.clock.now() == 300.0  # OnlineTimeout default
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    assert lab.log("online timed out on s1 (OnlineTimeout 300)")
    assert lab.log("because the online did not complete within the expected time")


def test_online_ineffective_after_online_wait_limit_then_retry_limit():
    cfg = config(S3, group("G", S3, AutoStartList=["s1"]))
    set_res_attr(cfg, "G_r", "OnlineRetryLimit", 1)
    lab = Lab(cfg, start=False)
    lab.app.broken.add(("G_r", "s1"))
    lab.engine.start()
    assert lab.engine.settle()
    onlines = [c for c in lab.app.calls if c[0] == "online" and c[2] == "s1"]
    assert len(onlines) == 2  # first try + OnlineRetryLimit 1
    assert lab.log("Retrying online of Resource G_r")
    assert lab.log("because the online was ineffective")
    assert lab.states("G")["s2"] == "ONLINE"
    # OnlineWaitLimit 2: two more monitors, MonitorInterval 60 apart, per attempt
    assert lab.clock.now() == 240.0


def test_tolerance_limit_tolerates_then_faults():
    cfg = config(S3, group("G", S3, AutoStartList=["s1"]))
    set_res_attr(cfg, "G_r", "ToleranceLimit", 1)
    lab = Lab(cfg)
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.state("G", "s1") == "ONLINE"
    assert lab.log("tolerated (1 of ToleranceLimit 1)")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}


def test_restart_limit_restarts_in_place():
    cfg = config(S3, group("G", S3, AutoStartList=["s1"]))
    set_res_attr(cfg, "G_r", "RestartLimit", 1)
    lab = Lab(cfg)
    lab.app.set_up("G_r", "s1", False)
    lab.detect()
    assert lab.state("G", "s1") == "ONLINE"
    assert lab.log("restarting it in place (1 of RestartLimit 1)")
    lab.app.set_up("G_r", "s1", False)
    lab.detect()  # within ConfInterval: the restart budget is spent -> fault
    assert lab.states("G")["s1"] == "OFFLINE|FAULTED"


def test_non_critical_fault_leaves_group_partial():
    g = group("G", S3, resources=[("app", "App"), ("aux", "App")], AutoStartList=["s1"])
    cfg = config(S3, g)
    set_res_attr(cfg, "aux", "Critical", 0)
    lab = Lab(cfg)
    lab.app.fail("aux", "s1")
    lab.detect()
    assert lab.state("G", "s1") == "ONLINE|PARTIAL"
    assert lab.rstate("aux", "s1") == "FAULTED"
    assert lab.rstate("app", "s1") == "ONLINE"
    assert lab.log("Group G is partially online on system s1")
    assert not lab.log("will fail over")


def test_critical_child_fault_takes_parents_offline_in_order():
    g = group("G", S3, resources=[("db", "App"), ("ip", "App"), ("disk", "App")],
              deps=[("db", "ip"), ("ip", "disk")], AutoStartList=["s1"])
    lab = Lab(config(S3, g))
    onl = [c[1] for c in lab.app.calls if c[0] == "online"]
    assert onl == ["disk", "ip", "db"]  # children first
    m = lab.mark()
    lab.app.fail("disk", "s1")
    lab.detect()
    offl = [ln for ln in lab.log_since(m) if "Initiating Offline of Resource" in ln]
    assert [ln.split("Resource ")[1].split(" ")[0] for ln in offl] == ["db", "ip"]  # parents first
    assert lab.states("G")["s2"] == "ONLINE"


def test_manage_faults_none_admin_wait_no_clean():
    lab = fo_lab(ManageFaults="NONE")
    lab.app.set_up("G_r", "s1", False)
    lab.detect()
    assert lab.rstate("G_r", "s1") == "ONLINE|ADMIN_WAIT"
    assert lab.state("G", "s1") == "ONLINE|ADMIN_WAIT"
    assert not [c for c in lab.app.calls if c[0] == "clean"]
    lab.engine.clear_admin_wait("G", "s1")
    assert lab.engine.settle()
    assert lab.rstate("G_r", "s1") == "OFFLINE"


def test_autofailover_zero_goes_offline_and_stays():
    lab = fo_lab(AutoFailOver=0)
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.log("Group G will not fail over from s1: AutoFailOver is 0")


@pytest.mark.parametrize("policy,expected", [("Priority", "s2"), ("RoundRobin", "s3"), ("Load", "s3")])
def test_failover_policies(policy, expected):
    busy = group("B", ["s2"], AutoStartList=["s2"], Load=50)
    g = group("G", S3, AutoStartList=["s1"], FailOverPolicy=policy, Load=10)
    lab = Lab(config(S3, g, busy))
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert [s for s, v in lab.states("G").items() if v == "ONLINE"] == [expected]
    assert lab.log(f"to system {expected} (FailOverPolicy {policy})")


def test_no_target_left_logs_and_stays_faulted():
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    lab.app.fail("G_r", "s1")
    lab.detect()
    lab.app.fail("G_r", "s2")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE|FAULTED"}
    assert lab.log("Group G has faulted and cannot be failed over anywhere")


def test_frozen_group_no_action_not_even_clean():
    lab = fo_lab()
    lab.engine.freeze_group("G")
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.rstate("G_r", "s1") == "FAULTED"
    assert lab.states("G")["s2"] == "OFFLINE"
    assert not [c for c in lab.app.calls if c[0] == "clean"]
    assert lab.log("Group G is frozen: no action on the fault of G_r on s1")
    with pytest.raises(EngineCommandError) as err:
        lab.engine.switch_group("G", "s2")
    assert err.value.umi == "V-16-1-10198"


def test_persistent_freeze_needs_writable_config():
    lab = fo_lab()
    with pytest.raises(EngineCommandError) as err:
        lab.engine.freeze_group("G", persistent=True)
    assert err.value.umi == "V-16-1-10369"
    lab.engine.make_rw()
    lab.engine.freeze_group("G", persistent=True)
    assert lab.engine.frozen("G") and lab.engine.config.groups["G"].attributes["Frozen"].value == 1
    lab.engine.unfreeze_group("G", persistent=True)
    assert not lab.engine.frozen("G")


def test_intentional_offline_is_not_a_fault():
    lab = fo_lab()
    lab.app.code[("G_r", "s1")] = 200
    lab.detect()
    assert lab.rstate("G_r", "s1") == "OFFLINE"
    assert lab.state("G", "s1") == "OFFLINE"
    assert lab.log("is offline on s1 (Intentional offline)")
    assert not lab.log("FAULTED")


def test_unknown_monitor_result():
    lab = fo_lab()
    lab.app.code[("G_r", "s1")] = 99
    lab.detect()
    assert lab.rstate("G_r", "s1") == "ONLINE|STATE UNKNOWN"
    assert lab.log("state is UNKNOWN on s1 (monitor returned 99)")


def test_monitor_timeouts_fault_after_fault_on_monitor_timeouts():
    lab = fo_lab()
    lab.app.hang.add(("G_r", "s1", "monitor"))
    for _ in range(3):
        lab.clock.advance(60 + 60)
    assert lab.rstate("G_r", "s1") == "ONLINE|MONITOR TIMEDOUT"
    lab.clock.advance(240)
    assert lab.engine.settle()
    assert lab.states("G")["s2"] == "ONLINE"
    assert lab.log("because the monitor timed out too many times")


def test_clean_failure_blocks_failover():
    lab = fo_lab()
    lab.app.clean_fails.add(("G_r", "s1"))
    lab.app.fail("G_r", "s1")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.log("Clean of G_r on s1 failed: group G will not fail over")


def test_went_online_by_itself_concurrency_violation():
    lab = fo_lab()
    lab.app.set_up("G_r", "s2", True)
    lab.clock.advance(300)  # OfflineMonitorInterval
    assert lab.engine.settle()
    assert lab.log('VCS CRITICAL V-16-1-10214 VCS Concurrency Violation!!! Group="G" Hosts=(s1 s2)')
    assert lab.log("Resource G_r (Owner: unknown, Group: G) is online on s2 (Not initiated by VCS)")
    assert lab.states("G") == {"s1": "ONLINE", "s2": "OFFLINE", "s3": "OFFLINE"}


def test_parallel_group_autostarts_on_whole_autostartlist_and_faults_independently():
    lab = Lab(config(S3, group("P", S3, Parallel=1, AutoStartList=["s1", "s2", "s3"])))
    assert set(lab.states("P").values()) == {"ONLINE"}
    lab.app.fail("P_r", "s2")
    lab.detect()
    assert lab.states("P") == {"s1": "ONLINE", "s2": "OFFLINE|FAULTED", "s3": "ONLINE"}


def test_phantom_gives_state_to_persistent_only_parallel_group():
    g = group("N", ["s1", "s2"], resources=[("ph", "Phantom"), ("nic", "Persist")], Parallel=1)
    lab = Lab(config(["s1", "s2"], g))
    # no AutoStartList: monitoring alone does not bring it online
    assert lab.states("N") == {"s1": "OFFLINE", "s2": "OFFLINE"}
    lab.engine.online_group("N", "s1")
    assert lab.engine.settle()
    assert lab.states("N") == {"s1": "ONLINE", "s2": "OFFLINE"}
    assert not [c for c in lab.persist.calls if c[0] in ("online", "offline")]  # persistent: never onlined


def test_persistent_fault_clears_itself_non_persistent_needs_clear():
    g = group("G", S3, resources=[("app", "App"), ("nic", "Persist")], deps=[("app", "nic")], AutoStartList=["s1"])
    lab = Lab(config(S3, g))
    lab.persist.fail("nic", "s1")
    lab.detect()
    assert lab.states("G") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    lab.persist.heal("nic", "s1")
    lab.detect(300)
    assert lab.rstate("nic", "s1") == "ONLINE"
    assert lab.state("G", "s1") == "OFFLINE"  # fault cleared by itself; group online elsewhere
    lab.app.fail("app", "s2")
    lab.detect()
    assert lab.states("G")["s1"] == "ONLINE"  # s1 eligible again without a clear
    assert lab.rstate("app", "s2") == "FAULTED"
    with pytest.raises(EngineCommandError) as err:
        lab.engine.clear_resource("app", "s1")
    assert err.value.umi == "V-16-1-10267"
    lab.engine.clear_resource("app", "s2")
    assert lab.rstate("app", "s2") == "OFFLINE"
    assert lab.log("Fault of Resource app (Owner: unknown, Group: G) on s2 cleared by command")


def test_proxy_mirrors_target():
    a = group("A", ["s1"], AutoStartList=["s1"])
    b = group("B", ["s1"], resources=[("px", "Proxy")], Parallel=1)
    cfg = config(["s1"], a, b)
    set_res_attr(cfg, "px", "TargetResName", "A_r")
    lab = Lab(cfg)
    assert lab.rstate("px", "s1") == "ONLINE"
    lab.engine.offline_group("A", "s1")
    assert lab.engine.settle()
    lab.clock.advance(60)
    assert lab.rstate("px", "s1") == "FAULTED"  # a persistent resource that went offline on its own


def test_switch_and_refusals():
    lab = fo_lab()
    lab.engine.switch_group("G", "s3")
    assert lab.engine.settle()
    assert lab.states("G") == {"s1": "OFFLINE", "s2": "OFFLINE", "s3": "ONLINE"}
    assert lab.log("Initiating switch of group G from system s1 to system s3")
    for call, umi in [(lambda: lab.engine.switch_group("G", "s3"), "V-16-1-10192"),
                      (lambda: lab.engine.switch_group("G", "nope"), "V-16-1-10138"),
                      (lambda: lab.engine.online_group("G", "s1"), "V-16-1-10165"),
                      (lambda: lab.engine.online_group("X", "s1"), "V-16-1-12130"),
                      (lambda: lab.engine.offline_group("G", "s1"), "V-16-1-10171")]:
        with pytest.raises(EngineCommandError) as err:
            call()
        assert err.value.umi == umi


def _dep_lab(kind: str):
    cat, loc, rig = kind.split()
    child = group("C", S3, AutoStartList=["s1"])
    parent = group("P", S3, AutoStartList=["s1"], group_deps=[GroupDep("C", cat, loc, rig)])
    return Lab(config(S3, child, parent))


@pytest.mark.parametrize("rig", ["firm", "hard"])
def test_online_local_firm_hard_child_fault_parent_follows(rig):
    lab = _dep_lab(f"online local {rig}")
    assert lab.states("P")["s1"] == "ONLINE"
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s1": "OFFLINE", "s2": "ONLINE", "s3": "OFFLINE"}


def test_online_local_manual_rules():
    lab = _dep_lab("online local firm")
    with pytest.raises(EngineCommandError) as err:
        lab.engine.offline_group("C", "s1")
    assert err.value.umi == "V-16-1-10190"
    with pytest.raises(EngineCommandError):
        lab.engine.switch_group("C", "s2")  # firm parent online: refused (documented choice)
    lab.engine.offline_group("P", "s1")
    assert lab.engine.settle()
    with pytest.raises(EngineCommandError) as err:
        lab.engine.online_group("P", "s2")  # child not online there
    assert err.value.umi == "V-16-1-10190"


def test_switch_child_with_hard_parent_moves_both():
    lab = _dep_lab("online local hard")
    lab.engine.switch_group("C", "s2")
    assert lab.engine.settle()
    assert lab.states("C")["s2"] == "ONLINE" and lab.states("P")["s2"] == "ONLINE"
    assert lab.states("P")["s1"] == "OFFLINE"


def test_online_global_parent_waits_for_child_anywhere():
    child = group("C", S3, AutoStartList=["s2"])
    parent = group("P", S3, AutoStartList=["s1"], group_deps=[GroupDep("C", "online", "global", "soft")])
    lab = Lab(config(S3, child, parent))
    assert lab.states("C")["s2"] == "ONLINE" and lab.states("P")["s1"] == "ONLINE"


def test_online_remote_parent_moves_when_child_lands_on_it():
    child = group("C", ["s1", "s2"], AutoStartList=["s1"])
    parent = group("P", ["s1", "s2"], AutoStartList=["s2"], group_deps=[GroupDep("C", "online", "remote", "soft")])
    lab = Lab(config(["s1", "s2"], child, parent))
    assert lab.states("P")["s2"] == "ONLINE"
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C")["s2"] == "ONLINE"
    assert lab.states("P")["s2"] == "OFFLINE"
    assert lab.log("Group P must leave system s2: its child C is online there (online remote soft)")


def test_offline_local_refuses_online_with_child():
    child = group("C", ["s1", "s2"], AutoStartList=["s1"])
    parent = group("P", ["s1", "s2"], group_deps=[GroupDep("C", "offline", "local", "soft")])
    lab = Lab(config(["s1", "s2"], child, parent))
    with pytest.raises(EngineCommandError):
        lab.engine.online_group("P", "s1")
    lab.engine.online_group("P", "s2")
    assert lab.engine.settle()
    assert lab.states("P")["s2"] == "ONLINE"


def test_clean_stop_offlines_groups_then_exited_no_failover():
    lab = fo_lab()
    lab.engine.system_leave("s1", fault=False)
    assert lab.engine.system_state("s1") == "LEAVING"
    assert lab.engine.settle()
    assert lab.engine.system_state("s1") == "EXITED"
    assert lab.states("G") == {"s1": "OFFLINE", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.log("changed state from RUNNING to LEAVING")
    assert lab.log("changed state from LEAVING to EXITED")
    assert lab.log("Group G is offline on system s1")


def test_rejoin_probes_again():
    lab = fo_lab()
    lab.engine.system_leave("s1")
    assert lab.engine.settle()
    assert lab.states("G")["s2"] == "ONLINE"
    assert lab.engine.autodisabled("G", "s1")
    lab.engine.system_join("s1")
    assert lab.engine.settle()
    assert lab.engine.system_state("s1") == "RUNNING"
    assert lab.engine.probed("G", "s1") and not lab.engine.autodisabled("G", "s1")
    assert lab.state("G", "s1") == "OFFLINE"
    assert lab.log("changed state from FAULTED to RUNNING")


def test_flush_stops_a_hung_online():
    lab = Lab(config(S3, group("G", S3, AutoStartList=["s1"])), start=False)
    lab.app.hang.add(("G_r", "s1", "online"))
    lab.engine.start()
    lab.clock.advance(10)
    assert lab.state("G", "s1") == "OFFLINE|STARTING"
    lab.engine.flush_group("G", "s1")
    assert lab.engine.settle()
    assert lab.state("G", "s1") == "OFFLINE"
    assert lab.log("Flushing group G on system s1")


def test_subscribe_reports_changes():
    lab = fo_lab()
    kinds = {(c.kind, c.name, c.system, c.new) for c in lab.changes}
    assert ("group", "G", "s1", "ONLINE") in kinds
    assert ("system", "s1", None, "OFFLINE") not in kinds
    assert ("system", "s2", None, "RUNNING") in kinds
    assert ("resource", "G_r", "s1", "ONLINE") in kinds


def test_type_without_agent_is_never_probed():
    g = group("G", ["s1"], resources=[("x", "Unknown")], AutoStartList=["s1"])
    lab = Lab(config(["s1"], g))
    assert lab.rstate("x", "s1") == "OFFLINE|STATE UNKNOWN"
    assert not lab.engine.probed("G", "s1") and lab.engine.autodisabled("G", "s1")
    assert lab.log("No agent registered for type Unknown")


def test_localized_attributes_reach_the_agent():
    g = group("G", ["s1", "s2"], AutoStartList=["s1"])
    cfg = config(["s1", "s2"], g)
    cfg.resource("G_r")[1].attributes["Device"] = AttrValue(None, {"s1": "nxge3", "s2": "nxge4"})
    seen = {}

    class Spy:
        def monitor(self, ctx):
            seen[ctx.system] = (ctx.attrs["Device"], ctx.attrs["MonitorInterval"], ctx.group, ctx.type)
            return 100

        def online(self, ctx):
            return 0

        def offline(self, ctx):
            return 0

        def clean(self, ctx, reason):
            return 0

    lab = Lab(cfg, start=False)
    lab.engine.register_agent("App", Spy())
    lab.engine.start()
    lab.engine.settle()
    assert seen == {"s1": ("nxge3", 60, "G", "App"), "s2": ("nxge4", 60, "G", "App")}


def test_persistent_resource_cleared_while_still_down_faults_again_in_an_online_group():
    g = group("N", ["s1", "s2"], resources=[("ph", "Phantom"), ("nic", "Persist")], Parallel=1,
              AutoStartList=["s1", "s2"])
    lab = Lab(config(["s1", "s2"], g))
    assert lab.states("N") == {"s1": "ONLINE", "s2": "ONLINE"}
    lab.persist.fail("nic", "s1")
    lab.detect()
    assert lab.state("N", "s1") == "OFFLINE|FAULTED"
    lab.engine.clear_group("N", "s1")  # the operator clears, but the cable is still out
    lab.engine.online_group("N", "s1")
    assert lab.engine.settle()
    mark = lab.mark()
    lab.detect(300)  # an offline resource is monitored every OfflineMonitorInterval
    assert lab.rstate("nic", "s1") == "FAULTED"
    assert lab.state("N", "s1") == "OFFLINE|FAULTED"
    assert any("Resource nic" in ln and "FAULTED on sys s1" in ln for ln in lab.log_since(mark))
    assert lab.state("N", "s2") == "ONLINE"
