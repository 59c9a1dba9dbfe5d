"""Runtime state of resources, groups and systems, and the pure rules that read it.

Everything here is a function of the records passed in: what a state prints as (`hares`/`hagrp`
values without the outer pipes), and what a monitor result means for a resource. The `Engine`
(driver) owns the records and schedules the work these rules ask for.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

# system states
RUNNING, FAULTED, EXITED, LEAVING = "RUNNING", "FAULTED", "EXITED", "LEAVING"


@dataclass
class ResourceRuntime:
    """One resource on one system."""

    probed: bool = False
    state: str = "OFFLINE"          # ONLINE | OFFLINE (the last known base state)
    faulted: bool = False
    action: str | None = None       # entry point in flight: online | offline | clean | monitor
    admin_wait: bool = False
    unknown: bool = False           # the last monitor returned "unknown"
    monitor_timedout: bool = False
    clean_failed: bool = False      # clean did not succeed: the group must not fail over
    tolerance: int = 0              # offline results tolerated so far (ToleranceLimit)
    restarts: int = 0               # in-place restarts so far (RestartLimit)
    retries: int = 0                # online retries so far (OnlineRetryLimit)
    waits: int = 0                  # monitors after online/offline so far (Online/OfflineWaitLimit)
    monitor_timeouts: int = 0       # consecutive monitor timeouts (FaultOnMonitorTimeouts)
    last_bad: float = float("-inf") # last fault/restart, for ConfInterval
    gen: int = 0                    # bumped to drop the result of an entry point in flight
    timer: Any = None               # the periodic monitor's timer
    timer_from: float = 0.0         # when that timer's interval began
    timer_interval: int = 0         # the interval it was armed with (MonitorInterval or OfflineMonitorInterval)


@dataclass
class GroupRuntime:
    """One service group on one system."""

    intent: str | None = None       # online | offline while a transition runs (STARTING/STOPPING)
    reason: str = ""
    then: list = field(default_factory=list)  # continuations called with (success: bool)
    autodisabled: bool = False
    departed_fault: bool = False    # was online when its system FAULTED
    autostarted: bool = False
    autorestart: bool = False       # a persistent resource faulted while the group was up here


def resource_display(rt: ResourceRuntime, system_running: bool) -> str:
    """The resource's State as `hares -state` prints it (no outer pipes)."""
    if not system_running or not rt.probed:
        return "OFFLINE|STATE UNKNOWN"
    if rt.admin_wait:
        return f"{rt.state}|ADMIN_WAIT"
    if rt.faulted:
        return "FAULTED"
    if rt.action == "online":
        return "OFFLINE|WAITING TO GO ONLINE"
    if rt.action == "offline":
        return "ONLINE|WAITING TO GO OFFLINE"
    if rt.monitor_timedout:
        return f"{rt.state}|MONITOR TIMEDOUT"
    if rt.unknown:
        return f"{rt.state}|STATE UNKNOWN"
    return rt.state


def group_base(res: list[tuple[ResourceRuntime, bool]]) -> str:
    """ONLINE, ONLINE|PARTIAL or OFFLINE from (runtime, persistent) pairs of one group on one system.

    Persistent resources (Operations None) do not count toward ONLINE; a group that holds only
    persistent resources (and no Phantom) is ONLINE when all of them are (choice: the digest does not
    say; VCS needs a Phantom to give such a group a state, we read it from its resources instead).
    """
    np = [rt for rt, persistent in res if not persistent]
    if not np:
        if res and all(rt.probed and rt.state == "ONLINE" and not rt.faulted for rt, _ in res):
            return "ONLINE"
        return "OFFLINE"
    on = sum(1 for rt in np if rt.probed and rt.state == "ONLINE" and not rt.faulted)
    if on == len(np):
        return "ONLINE"
    return "ONLINE|PARTIAL" if on else "OFFLINE"


def group_display(res: list[tuple[ResourceRuntime, bool]], grt: GroupRuntime,
                  system_running: bool) -> str:
    """The group's State on a system as `hagrp -state` prints it, without the outer pipes.

    Choices: the FAULTED flag shows only on an OFFLINE group (a non-critical fault leaves
    ``ONLINE|PARTIAL``); on a system that left the cluster the group is ``OFFLINE``, or
    ``OFFLINE|FAULTED`` when it was online there when the system FAULTED.
    """
    if not system_running:
        return "OFFLINE|FAULTED" if grt.departed_fault else "OFFLINE"
    base = group_base(res)
    flags = ""
    if base == "OFFLINE" and any(rt.faulted for rt, _ in res):
        flags += "|FAULTED"
    if grt.intent == "online":
        flags += "|STARTING"
    elif grt.intent == "offline":
        flags += "|STOPPING"
    if any(rt.admin_wait for rt, _ in res):
        flags += "|ADMIN_WAIT"
    return base + flags


def is_up(state: str) -> bool:
    """A group state that counts as online (for dependencies and concurrency)."""
    return state.startswith("ONLINE")
