"""The plugin's fixtures: a booted sim lab per test, faults recorded before they are injected, and the
guaranteed heal (when the test fails, and when the run is interrupted with Ctrl-C)."""

from __future__ import annotations

import pytest
from altio_runs import FAST, INNER_CONFTEST


def test_altio_target_is_a_freshly_booted_sim_lab_per_test(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("""
        from conftest import observe
        from harness.scenarios import ldom_location, steady_problems

        def test_first(altio_target, altio_topology):
            snap = altio_target.snapshot()
            where = ldom_location(snap, altio_topology)
            node = altio_topology.node_of(where).name
            observe("first", kind=altio_target.kind, clock=altio_target.clock_kind, ldom=where,
                    controls=altio_topology.control_systems(), problems=steady_problems(
                        snap, altio_topology, where),
                    guest=snap.domain(node, altio_topology.guest), id=id(altio_target.sim))
            altio_target.wait(7200)  # a long wait: the next test must not inherit this lab's clock

        def test_second(altio_target):
            observe("second", now=altio_target.now(), id=id(altio_target.sim))
    """)
    result = pytester.runpytest_subprocess(*FAST)
    result.assert_outcomes(passed=2)
    first, second = altio_env.observed()
    assert first["kind"] == "sim" and first["clock"] == "virtual"
    assert first["ldom"] in first["controls"], "the LDom group is ONLINE on no control domain after boot"
    assert first["problems"] == [] and first["guest"] == "active"
    assert second["now"] < 7200, "the second test got the first test's lab"


def test_altio_faults_records_in_the_ledger_before_it_injects(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("""
        import pytest
        from conftest import observe, pool_health

        def test_record_then_inject(altio_target, altio_faults, pool_fault, monkeypatch):
            control, where = pool_fault
            real_inject = altio_target._inject

            def spy(fault):
                observe("at inject", ledger=[str(f) for f in altio_target.ledger.entries()],
                        health=pool_health(altio_target, control))
                real_inject(fault)

            monkeypatch.setattr(altio_target, "_inject", spy)
            fault = altio_faults.inject("zpool_offline", where)
            observe("after inject", fault=str(fault), ledger=[str(f) for f in altio_target.ledger.entries()],
                    health=pool_health(altio_target, control))

        def test_a_fault_that_cannot_be_injected_leaves_no_record(altio_target, altio_faults, pool_fault):
            control, _ = pool_fault
            with pytest.raises(ValueError, match="unknown zpool"):
                altio_faults.inject("zpool_offline", f"{control}:no-such-pool")
            observe("refused", ledger=[str(f) for f in altio_target.ledger.entries()])
    """)
    result = pytester.runpytest_subprocess(*FAST)
    result.assert_outcomes(passed=2)
    at_inject, after_inject, refused = altio_env.observed()
    fault = after_inject["fault"]
    assert fault.startswith("zpool_offline ")
    assert at_inject["ledger"] == [fault], "the fault was not in the ledger when it was injected"
    assert "\tONLINE" in at_inject["health"], "the pool was broken before the ledger had the fault"
    assert after_inject["ledger"] == [fault] and "\tSUSPENDED" in after_inject["health"]
    assert refused["ledger"] == []
    assert altio_env.ledger() == [], "the faults of the run outlived it"


HEAL_ON_FAILURE = """
    from conftest import observe, pool_health

    def test_injects_then_fails(watch, altio_faults, altio_target, pool_fault):
        control, where = pool_fault
        altio_faults.inject("zpool_offline", where)
        observe("in test", health=pool_health(altio_target, control),
                ledger=[str(f) for f in altio_target.ledger.entries()])
        assert False, "the monitor under test misbehaved"

    def test_injects_through_the_target_then_errors(request, altio_target, pool_fault):
        from harness.faults import Fault

        request.node.altio_target_seen = altio_target
        altio_target.inject(Fault("zpool_offline", pool_fault[1]))
        raise RuntimeError("the suite itself broke")
"""


def test_faults_are_healed_when_the_test_fails(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(HEAL_ON_FAILURE)
    result = pytester.runpytest_subprocess(*FAST)
    result.assert_outcomes(failed=2)
    in_test, after_faults, after_target = altio_env.observed()
    fault = in_test["ledger"][0]
    assert "\tSUSPENDED" in in_test["health"], "the fault was never in force"
    # altio_faults' teardown healed it (seen before altio_target's own teardown)
    assert after_faults["name"] == "after altio_faults"
    assert after_faults["active"] == [] and after_faults["ledger"] == [] and after_faults["heals"] == [fault]
    # a fault injected through altio_target alone is healed when the target closes
    assert after_target["name"] == "after teardown"
    assert after_target["active"] == [] and after_target["heals"] == [fault]
    assert altio_env.ledger() == []


def test_faults_are_healed_when_the_run_is_interrupted(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("""
        from conftest import observe

        def test_injects_then_ctrl_c(watch, altio_faults, altio_target, pool_fault):
            altio_faults.inject("zpool_offline", pool_fault[1])
            observe("in test", ledger=[str(f) for f in altio_target.ledger.entries()])
            raise KeyboardInterrupt

        def test_never_runs(altio_target):
            observe("ran after the interrupt")
    """)
    result = pytester.runpytest_subprocess(*FAST)
    assert result.ret == pytest.ExitCode.INTERRUPTED
    result.stdout.fnmatch_lines(["*KeyboardInterrupt*"])
    in_test, after_faults = altio_env.observed()  # and nothing from test_never_runs
    assert in_test["ledger"] and in_test["ledger"][0].startswith("zpool_offline ")
    assert after_faults["active"] == [] and after_faults["ledger"] == []
    assert after_faults["heals"] == in_test["ledger"]
    assert altio_env.ledger() == []
