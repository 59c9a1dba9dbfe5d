"""online / offline / clean with mixed 0/1 values, the configuration checks, and the UNKNOWN paths."""

from __future__ import annotations

import pytest
from altio_agent_fakes import MISSING, UNREADABLE, Cluster, FakeGroups, FakeHagrpRun, LogBook, context, drive

from agents.alternateio import AgentConfigError, AlternateIOAgent, LegacyPrimaryOnlyAgent, named_groups
from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, MONITOR_UNKNOWN, Agent, run_entry_point
from agents.hagrp import HagrpGroupControl


def seed_node(storage=("OFFLINE", "OFFLINE"), network=("ONLINE", "ONLINE")) -> Cluster:
    cluster = Cluster()
    cluster.add("primary1-strsg", {"primary1": storage[0], "alternate1": storage[1]})
    cluster.add("primary1-nwsg", {"primary1": network[0], "alternate1": network[1]})
    return cluster


def test_agents_satisfy_the_contract():
    assert isinstance(AlternateIOAgent(FakeGroups(Cluster())), Agent)
    assert isinstance(LegacyPrimaryOnlyAgent(FakeGroups(Cluster())), Agent)


@pytest.mark.parametrize("value", [1, "1", " 1", True])
def test_online_brings_value_1_groups_online_everywhere_and_leaves_value_0_alone(value):
    cluster = seed_node(network=("OFFLINE", "OFFLINE"))
    agent = AlternateIOAgent(FakeGroups(cluster))
    code, waited = drive(agent.online(context({"primary1-strsg": value}, {"primary1-nwsg": "0"},
                                              OnlineTimeout=60)))
    assert code == 0
    assert sorted(cluster.calls) == [("online", "primary1-strsg", "alternate1"),
                                     ("online", "primary1-strsg", "primary1")]
    assert cluster.states[("primary1-nwsg", "primary1")] == "OFFLINE"
    # the value-0 network group stays offline, so the monitor condition never holds: waited the budget
    assert 55 <= waited <= 60


def test_online_returns_as_soon_as_the_monitor_condition_holds():
    cluster = seed_node()
    agent = AlternateIOAgent(FakeGroups(cluster), poll_interval=5)
    code, waited = drive(agent.online(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})))
    assert (code, waited) == (0, 0.0)
    assert agent.monitor(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})) == MONITOR_ONLINE


def test_online_skips_systems_where_the_group_is_already_online():
    cluster = seed_node(storage=("ONLINE", "OFFLINE"))
    drive(AlternateIOAgent(FakeGroups(cluster)).online(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})))
    assert cluster.calls == [("online", "primary1-strsg", "alternate1")]


def test_online_requests_partial_and_keeps_going_when_a_system_refuses():
    cluster = seed_node(storage=("OFFLINE|FAULTED", "ONLINE|PARTIAL"))
    log = LogBook()
    code, _ = drive(AlternateIOAgent(FakeGroups(cluster)).online(
        context({"primary1-strsg": 1}, {"primary1-nwsg": 0}, log=log)))
    assert code == 0
    assert sorted(cluster.calls) == [("online", "primary1-strsg", "alternate1"),
                                     ("online", "primary1-strsg", "primary1")]
    assert any(sev == "WARNING" and "V-16-1-10284" in text for sev, text in log.lines)


def test_online_waits_in_polls_and_never_past_the_timeout():
    """The group comes up only after three polls (it was STARTING)."""

    class SlowGroups(FakeGroups):
        polls = 0

        def state(self, group, system):
            SlowGroups.polls += 1
            return "OFFLINE|STARTING" if SlowGroups.polls < 12 else "ONLINE"

        def online(self, group, system):
            self.cluster.calls.append(("online", group, system))

    cluster = seed_node()
    code, waited = drive(AlternateIOAgent(SlowGroups(cluster), poll_interval=2).online(
        context({"primary1-strsg": 1}, OnlineTimeout=100)))
    assert code == 0 and 0 < waited < 100 and waited % 2 == 0
    ctx = context({"primary1-strsg": 1}, OnlineTimeout=7)
    gen = AlternateIOAgent(FakeGroups(seed_node(storage=("OFFLINE|FAULTED", "OFFLINE|FAULTED"))),
                           poll_interval=2).online(ctx)
    assert run_entry_point(gen, timeout=7, sleep=lambda s: None) == 0  # the engine's limit is never hit
    assert any(sev == "WARNING" for sev, _ in ctx.log.lines)


def test_offline_takes_value_1_groups_offline_everywhere_and_waits():
    cluster = seed_node(storage=("ONLINE", "ONLINE"), network=("ONLINE", "ONLINE"))
    agent = AlternateIOAgent(FakeGroups(cluster))
    code, waited = drive(agent.offline(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})))
    assert (code, waited) == (0, 0.0)
    assert sorted(cluster.calls) == [("offline", "primary1-strsg", "alternate1"),
                                     ("offline", "primary1-strsg", "primary1")]
    assert cluster.states[("primary1-nwsg", "primary1")] == "ONLINE"
    assert agent.monitor(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})) == MONITOR_OFFLINE


def test_offline_skips_systems_already_offline_and_does_nothing_with_all_values_0():
    cluster = seed_node(storage=("OFFLINE", "ONLINE|PARTIAL"))
    drive(AlternateIOAgent(FakeGroups(cluster)).offline(context({"primary1-strsg": 1}, {"primary1-nwsg": 0})))
    assert cluster.calls == [("offline", "primary1-strsg", "alternate1")]
    cluster = seed_node(storage=("ONLINE", "ONLINE"))
    drive(AlternateIOAgent(FakeGroups(cluster)).offline(context({"primary1-strsg": 0}, {"primary1-nwsg": 0})))
    assert cluster.calls == []


def test_offline_gives_up_waiting_within_offline_timeout():
    class StuckGroups(FakeGroups):
        def offline(self, group, system):
            self.cluster.calls.append(("offline", group, system))  # accepted, never happens

    cluster = seed_node(storage=("ONLINE", "ONLINE"))
    log = LogBook()
    code, waited = drive(AlternateIOAgent(StuckGroups(cluster), poll_interval=5).offline(
        context({"primary1-strsg": 1}, log=log, OfflineTimeout=30)))
    assert code == 0 and waited == 30
    assert any(sev == "WARNING" and "OfflineTimeout" in text for sev, text in log.lines)


def test_clean_is_forced_offline_ignoring_errors():
    cluster = seed_node(storage=(UNREADABLE, "ONLINE"))
    cluster.system_lists["primary1-nwsg"] = ["primary1", "alternate1"]
    log = LogBook()
    code = AlternateIOAgent(FakeGroups(cluster)).clean(
        context({"primary1-strsg": 1, "gone-sg": 1}, {"primary1-nwsg": 0}, log=log), 4)
    assert code == 0
    assert ("offline", "primary1-strsg", "alternate1") in cluster.calls
    assert ("offline", "primary1-strsg", "primary1") in cluster.calls  # tried although unreadable
    assert not any(call[1] == "primary1-nwsg" for call in cluster.calls)
    assert cluster.states[("primary1-strsg", "alternate1")] == "OFFLINE"
    assert any("gone-sg" in text for _, text in log.lines)


def test_online_and_offline_through_hagrp():
    cluster = seed_node(storage=("OFFLINE", "OFFLINE"))
    run = FakeHagrpRun(cluster)
    agent = AlternateIOAgent(HagrpGroupControl(run=run))
    ctx = context({"primary1-strsg": 1}, {"primary1-nwsg": 0})
    assert drive(agent.online(ctx)) == (0, 0.0)
    assert ["hagrp", "-online", "primary1-strsg", "-sys", "alternate1"] in run.argvs
    assert agent.monitor(ctx) == MONITOR_ONLINE
    assert drive(agent.offline(ctx)) == (0, 0.0)
    assert ["hagrp", "-offline", "primary1-strsg", "-sys", "primary1"] in run.argvs
    assert agent.monitor(ctx) == MONITOR_OFFLINE


# -- configuration and UNKNOWN paths --------------------------------------------------------------

def test_named_groups_accepts_ints_and_strings_and_merges_attributes():
    assert named_groups({"StorageSG": {"a": 1, "b": "0"}, "NetworkSG": {"b": "1", "c": 0}}) == \
        {"a": True, "b": True, "c": False}
    assert named_groups({}) == {}


@pytest.mark.parametrize("attrs", [
    {"StorageSG": {"a": 2}}, {"StorageSG": {"a": "yes"}}, {"NetworkSG": ["a"]}, {"StorageSG": {"": 1}},
])
def test_bad_attribute_values_are_unknown_with_a_log_line(attrs):
    with pytest.raises(AgentConfigError):
        named_groups(attrs)
    log = LogBook()
    ctx = context(log=log)
    ctx = type(ctx)(resource="altiores", type="AlternateIO", group="aiosg", system="primary1",
                    attrs=attrs, log=log)
    agent = AlternateIOAgent(FakeGroups(seed_node()))
    assert agent.monitor(ctx) == MONITOR_UNKNOWN
    assert log.errors()
    assert drive(agent.online(ctx)) == (0, 0.0)
    assert drive(agent.offline(ctx)) == (0, 0.0)
    assert agent.clean(ctx, 0) == 0


def test_empty_configuration_is_unknown_not_a_vacuous_online():
    log = LogBook()
    assert AlternateIOAgent(FakeGroups(seed_node())).monitor(context(log=log, system="primary2")) == MONITOR_UNKNOWN
    assert any("primary2" in line and "name no service group" in line for line in log.errors())


def test_unreadable_system_list_is_unknown_and_named():
    class NoEngine(FakeGroups):
        def system_list(self, group):
            from agents.group_control import GroupStateError
            raise GroupStateError("VCS ERROR V-16-1-10600 Cannot connect to VCS engine")

    log = LogBook()
    assert AlternateIOAgent(NoEngine(seed_node())).monitor(context({"primary1-strsg": 1}, log=log)) == MONITOR_UNKNOWN
    assert any("primary1-strsg" in line and "V-16-1-10600" in line for line in log.errors())


def test_online_ignores_missing_group_and_monitor_then_reports_it():
    cluster = seed_node()
    cluster.states[("primary1-strsg", "alternate1")] = MISSING
    log = LogBook()
    agent = AlternateIOAgent(FakeGroups(cluster))
    code, _ = drive(agent.online(context({"primary1-strsg": 1, "no-such-sg": 1}, log=log, OnlineTimeout=10)))
    assert code == 0
    assert any("no-such-sg" in line for line in log.errors())
    # primary1 came online: available although alternate1 cannot be read; no-such-sg stays unknown
    assert agent.monitor(context({"primary1-strsg": 1})) == MONITOR_ONLINE
    assert agent.monitor(context({"primary1-strsg": 1, "no-such-sg": 1})) == MONITOR_UNKNOWN


def test_poll_interval_must_be_positive():
    with pytest.raises(ValueError):
        AlternateIOAgent(FakeGroups(Cluster()), poll_interval=0)
