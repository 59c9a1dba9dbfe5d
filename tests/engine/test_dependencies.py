"""Group-dependency rules of reference/vcs-semantics.md that need more than one scenario:
online local soft (the parent follows a child that fails over) and online global soft / firm."""

from __future__ import annotations

from emulators.vcs.config.model import GroupDep
from tests.engine.lab import Lab, config, group

S3 = ["s1", "s2", "s3"]


def _lab(kind: str, child_systems=S3, parent_systems=S3, parent_start="s1", **child_attrs) -> Lab:
    cat, loc, rig = kind.split()
    child = group("C", child_systems, AutoStartList=["s1"], **child_attrs)
    parent = group("P", parent_systems, AutoStartList=[parent_start],
                   group_deps=[GroupDep("C", cat, loc, rig)])
    return Lab(config(S3, child, parent))


def _at(lines: list[str], needle: str) -> int:
    """Index of the first log line containing `needle` (fails the test when there is none)."""
    hits = [i for i, ln in enumerate(lines) if needle in ln]
    assert hits, f"no log line with {needle!r}"
    return hits[0]


def _group_changes(lab: Lab, g: str, s: str) -> list:
    return [c for c in lab.changes if c.kind == "group" and c.name == g and c.system == s]


def _never_left_online(lab: Lab, g: str, s: str) -> None:
    went = [c.new for c in _group_changes(lab, g, s)]
    assert went.index("ONLINE") == len(went) - 1, went


# ---------------------------------------------------------------- online local soft
def test_local_soft_parent_stays_while_child_is_down_then_follows_it():
    lab = _lab("online local soft")
    assert lab.states("P")["s1"] == "ONLINE"
    mark, first_change = lab.mark(), len(lab.changes)
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s1": "OFFLINE", "s2": "ONLINE", "s3": "OFFLINE"}
    new = lab.log_since(mark)
    i_fault = _at(new, "V-16-1-10303 Resource C_r (Owner: unknown, Group: C) is FAULTED on sys s1")
    i_child_off = _at(new, "V-16-1-10446 Group C is offline on system s1")
    i_child_on = _at(new, "V-16-1-10447 Group C is online on system s2")
    i_parent_off_init = _at(new, "Initiating Offline of group P on system s1 (following child C to s2)")
    i_parent_off = _at(new, "V-16-1-10446 Group P is offline on system s1")
    i_follow = _at(new, "V-16-1-10496 Group P follows its child C to system s2 (online local soft)")
    i_parent_on = _at(new, "V-16-1-10447 Group P is online on system s2")
    assert i_fault < i_child_off < i_child_on < i_parent_off_init < i_parent_off < i_follow < i_parent_on
    # unlike firm/hard, nothing took the parent offline before the child was online again
    assert not [ln for ln in new[:i_child_on] if "Group P" in ln]
    changes = lab.changes[first_change:]
    child_up = next(i for i, c in enumerate(changes) if (c.name, c.system, c.new) == ("C", "s2", "ONLINE"))
    parent_leaves = next(i for i, c in enumerate(changes)
                         if c.kind == "group" and (c.name, c.system) == ("P", "s1") and c.new != "ONLINE")
    assert child_up < parent_leaves


def test_local_soft_parent_stays_when_child_does_not_fail_over():
    lab = _lab("online local soft", AutoFailOver=0)
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s1": "ONLINE", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.log("V-16-1-10497 Group P stays online on system s1: its child C did not fail over "
                   "(online local soft)")
    assert not lab.log("Initiating Offline of group P")
    _never_left_online(lab, "P", "s1")


def test_local_soft_parent_stays_when_the_childs_new_system_cannot_take_it():
    lab = _lab("online local soft", parent_systems=["s1", "s3"])  # the child goes to s2
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C")["s2"] == "ONLINE"
    assert lab.states("P") == {"s1": "ONLINE", "s3": "OFFLINE"}
    assert lab.log("Group P cannot follow its child C to system s2: System s2 is not in SystemList of "
                   "group P; it stays online on system s1")
    assert not lab.log("Initiating Offline of group P")


def test_local_soft_frozen_parent_gets_no_action():
    lab = _lab("online local soft")
    lab.engine.freeze_group("P")
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C")["s2"] == "ONLINE"
    assert lab.states("P")["s1"] == "ONLINE"
    assert not lab.log("Group P follows")


# ---------------------------------------------------------------- online global
def test_global_soft_parent_stays_when_child_faults_and_fails_over():
    lab = _lab("online global soft", parent_start="s3")
    assert lab.states("P")["s3"] == "ONLINE" and lab.states("C")["s1"] == "ONLINE"
    mark = lab.mark()
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s1": "OFFLINE", "s2": "OFFLINE", "s3": "ONLINE"}
    assert not [ln for ln in lab.log_since(mark) if "group P" in ln or "Group P" in ln]
    _never_left_online(lab, "P", "s3")


def test_global_soft_parent_stays_when_child_cannot_fail_over():
    lab = _lab("online global soft", parent_start="s3", AutoFailOver=0)
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.states("P")["s3"] == "ONLINE"


def test_global_firm_parent_offline_after_child_then_restarts_by_policy():
    # P runs on s3 (its highest priority): it goes down after C, and comes back on s3 by Priority
    lab = _lab("online global firm", parent_systems=["s3", "s1", "s2"], parent_start="s3")
    assert lab.states("P")["s3"] == "ONLINE"
    mark = lab.mark()
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "ONLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s3": "ONLINE", "s1": "OFFLINE", "s2": "OFFLINE"}
    new = lab.log_since(mark)
    i_child_off = _at(new, "V-16-1-10446 Group C is offline on system s1")
    i_parent_off_init = _at(new, "Initiating Offline of group P on system s3 (child group C faulted "
                                 "(online global firm))")
    i_parent_off = _at(new, "V-16-1-10446 Group P is offline on system s3")
    i_child_fo = _at(new, "V-16-1-10493 Group C will fail over from system s1 to system s2")
    i_child_on = _at(new, "V-16-1-10447 Group C is online on system s2")
    i_restart = _at(new, "V-16-1-10493 Group P will be brought online on system s3 (FailOverPolicy Priority): "
                         "its child group is online again")
    i_parent_on = _at(new, "V-16-1-10447 Group P is online on system s3")
    assert i_child_off < i_parent_off_init < i_parent_off < i_child_fo < i_child_on < i_restart < i_parent_on
    went = [c.new for c in _group_changes(lab, "P", "s3")]
    assert went[went.index("ONLINE") + 1:] == ["ONLINE|STOPPING", "OFFLINE|STOPPING", "OFFLINE",
                                                "OFFLINE|STARTING", "ONLINE|STARTING", "ONLINE"]


def test_global_firm_both_stay_down_when_child_does_not_fail_over():
    lab = _lab("online global firm", parent_start="s3", AutoFailOver=0)
    lab.app.fail("C_r", "s1")
    lab.detect()
    assert lab.states("C") == {"s1": "OFFLINE|FAULTED", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.states("P") == {"s1": "OFFLINE", "s2": "OFFLINE", "s3": "OFFLINE"}
    assert lab.log("Group C will not fail over from s1: AutoFailOver is 0")
    assert lab.log("Group P cannot follow its child C: the child did not fail over")
    assert not lab.engine.busy()


def test_global_firm_parent_restarts_after_the_childs_system_dies():
    lab = _lab("online global firm", parent_systems=["s3", "s1", "s2"], parent_start="s3")
    lab.engine.system_leave("s1", fault=True)
    assert lab.engine.settle()
    assert lab.states("C")["s2"] == "ONLINE"
    assert lab.states("P")["s3"] == "ONLINE"
    assert lab.log("Initiating Offline of group P on system s3 (child group C faulted (online global firm))")
    assert lab.log("Group P will be brought online on system s3")


def test_global_firm_parent_fault_fails_over_child_keeps_running():
    lab = _lab("online global firm", parent_start="s3")
    lab.app.fail("P_r", "s3")
    lab.detect()
    assert lab.states("C")["s1"] == "ONLINE"
    assert lab.states("P") == {"s1": "ONLINE", "s2": "OFFLINE", "s3": "OFFLINE|FAULTED"}
    assert lab.log("Group P will fail over from system s3 to system s1 (FailOverPolicy Priority)")


# ---------------------------------------------------------------- unsupported combinations
def test_validator_refuses_parallel_parent_online_local_on_failover_child():
    """A parallel parent with an online local dependency on a failover child is not supported (B):
    `emulators.vcs.config.validate` reports it; the engine is never asked to run it."""
    from emulators.vcs.config import validate

    def messages(parent_parallel: int, child_parallel: int, kind: str) -> list[str]:
        cat, loc, rig = kind.split()
        child = group("C", S3, Parallel=child_parallel)
        parent = group("P", S3, Parallel=parent_parallel, group_deps=[GroupDep("C", cat, loc, rig)])
        return [d.message for d in validate(config(S3, child, parent))]

    unsupported = "a parallel parent cannot have an online local dependency on a failover child"
    for rig in ("soft", "firm", "hard"):
        assert any(unsupported in m and f"group P requires group C online local {rig}" in m
                   for m in messages(1, 0, f"online local {rig}")), rig
    assert not any(unsupported in m for m in messages(0, 0, "online local firm"))   # failover + failover
    assert not any(unsupported in m for m in messages(1, 0, "online global soft"))  # not a local link
    assert any("a failover parent cannot have a hard dependency on a parallel child" in m
               for m in messages(0, 1, "online local hard"))
