"""Entry points and monitoring: how the engine calls an agent and what it makes of the answers.

Rules here (vcs-semantics.md): entry points on the clock with their timeouts (MonitorTimeout, ...,
a generator's waits add up); periodic monitors (MonitorInterval, OfflineMonitorInterval, re-armed by
`hatype -modify`); first probes; monitor results: UNKNOWN, FaultOnMonitorTimeouts, ConfInterval,
INTENTIONAL_OFFLINE, "Not initiated by VCS", a persistent resource clearing its own fault;
a resource gone offline: ToleranceLimit, ManageFaults NONE (ADMIN_WAIT), RestartLimit; clean and
its reasons; a resource fault (FAULTED, clean, frozen group: no action) handed to the group.
"""

from __future__ import annotations

from collections.abc import Callable, Generator
from datetime import datetime
from typing import Any

from agents.contract import (
    CLEAN_MONITOR_HUNG,
    CLEAN_OFFLINE_HUNG,
    CLEAN_OFFLINE_INEFFECTIVE,
    CLEAN_ONLINE_HUNG,
    CLEAN_ONLINE_INEFFECTIVE,
    CLEAN_UNEXPECTED_OFFLINE,
    EntryContext,
    monitor_state,
)

from .attrs import group_attr
from .dependencies import GroupLink
from .failover import critical_fault
from .state import GroupRuntime, ResourceRuntime

_CLEAN_WHY = {
    CLEAN_UNEXPECTED_OFFLINE: "the resource became OFFLINE unexpectedly, on its own",
    CLEAN_ONLINE_INEFFECTIVE: "the online was ineffective",
    CLEAN_ONLINE_HUNG: "the online did not complete within the expected time",
    CLEAN_OFFLINE_INEFFECTIVE: "the offline was ineffective",
    CLEAN_OFFLINE_HUNG: "the offline did not complete within the expected time",
    CLEAN_MONITOR_HUNG: "the monitor timed out too many times",
}

class MonitoringRules:
    """Mixin of `Engine`: entry points, monitor cycles, clean and resource faults."""

    # state of `Engine` (set in its constructor and `reindex`) that these rules use
    clock: Any
    epoch: datetime
    log_lines: list[str]
    _agents: dict[str, Any]
    _rr: dict[tuple[str, str], ResourceRuntime]
    _gr: dict[tuple[str, str], GroupRuntime]
    _no_agent_logged: set[str]
    _group_of: dict[str, str]
    _order: dict[str, list[str]]
    _links: list[GroupLink]

    # ------------------------------------------------------------------ entry points
    def _agent_for(self, r: str) -> Any:
        t = self._G(self._group_of[r]).resources[r].type
        agent = self._agents.get(t)
        if agent is None and t not in self._no_agent_logged:
            self._no_agent_logged.add(t)
            self._log("res_no_agent", f"No agent registered for type {t}: its resources cannot be probed")
        return agent

    def _run_ep(self, r: str, s: str, ep: str, timeout: float,
                done: Callable[[int | None], None], reason: int = 0) -> None:
        """Call entry point `ep` of r's agent on s; `done(code)` gets None on timeout.

        The result is dropped when the resource's generation changed meanwhile (flush, system left).
        """
        rr = self._rr[(r, s)]
        gen = rr.gen
        agent = self._agent_for(r)
        G = self._G(self._group_of[r])
        rtype = G.resources[r].type
        ctx = EntryContext(resource=r, type=rtype, group=G.name, system=s, attrs=self._attrs(r, s),
                           log=lambda sev, text: self._agent_log(rtype, r, ep, sev, text))
        failed = 99 if ep == "monitor" else 1
        try:
            fn = getattr(agent, ep)
            result = fn(ctx, reason) if ep == "clean" else fn(ctx)
        except Exception as exc:  # an agent bug must not stop the cluster
            self._log("ep_exception", f"{rtype}:{r}:{ep} on {s} raised {type(exc).__name__}: {exc}")
            result = failed
        if not isinstance(result, Generator):
            done(_code(result, failed))
            return
        start = self.clock.now()
        state = {"finished": False}

        def finish(code: int | None) -> None:
            if state["finished"]:
                return
            state["finished"] = True
            if rr.gen != gen:
                return
            done(code)

        def on_timeout() -> None:
            if state["finished"]:
                return
            result.close()
            finish(None)

        deadline = self.clock.call_at(start + float(timeout), on_timeout) if timeout > 0 else None

        def step(first: bool) -> None:
            if state["finished"]:
                return
            if rr.gen != gen:
                state["finished"] = True
                result.close()
                if deadline is not None:
                    deadline.cancel()
                return
            try:
                delay = next(result) if first else result.send(None)
            except StopIteration as stop:
                if deadline is not None:
                    deadline.cancel()
                finish(_code(stop.value if stop.value is not None else 0, failed))
                return
            except Exception as exc:
                if deadline is not None:
                    deadline.cancel()
                self._log("ep_exception", f"{rtype}:{r}:{ep} on {s} raised {type(exc).__name__}: {exc}")
                finish(failed)
                return
            try:
                wait = max(0.0, float(delay))
            except (TypeError, ValueError):
                wait = 0.0
            self.clock.call_later(wait, lambda: step(False))

        step(True)

    def _agent_log(self, rtype: str, r: str, ep: str, severity: str, text: str) -> None:
        sev = severity.upper() if severity.upper() in ("INFO", "NOTICE", "WARNING", "ERROR", "CRITICAL") else "INFO"
        from .log import stamp
        self.log_lines.append(f"{stamp(self.epoch, self.clock.now())} VCS {sev} V-16-2-13001 {rtype}:{r}:{ep}:{text}")

    # ------------------------------------------------------------------ monitoring
    def _schedule_monitor(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        if rr.timer is not None:
            rr.timer.cancel()
            rr.timer = None
        if not self._alive(s) or not self._ai(r, s, "Enabled"):
            return
        interval = self._ai(r, s, self._interval_name(rr))
        if interval <= 0:
            return
        gen = rr.gen
        rr.timer_from, rr.timer_interval = self.clock.now(), interval
        rr.timer = self.clock.call_later(interval, lambda: self._periodic(r, s, gen))

    @staticmethod
    def _interval_name(rr: ResourceRuntime) -> str:
        return "MonitorInterval" if rr.state == "ONLINE" and not rr.faulted else "OfflineMonitorInterval"

    def _rearm_monitors(self, type_name: str) -> None:
        """A type's monitor intervals changed: every pending periodic monitor of its resources is due
        one new interval after its current interval began (at once if that is already past), so
        the new value counts from the cycle under way, and the cycles after it use it too."""
        for (r, s), rr in self._rr.items():
            if rr.timer is None or self._G(self._group_of[r]).resources[r].type != type_name:
                continue
            interval = self._ai(r, s, self._interval_name(rr))
            if interval == rr.timer_interval:
                continue
            rr.timer.cancel()
            rr.timer = None
            if interval <= 0:
                continue
            gen = rr.gen
            rr.timer_interval = interval
            rr.timer = self.clock.call_at(max(self.clock.now(), rr.timer_from + interval),
                                          lambda r=r, s=s, gen=gen: self._periodic(r, s, gen))

    def _periodic(self, r: str, s: str, gen: int) -> None:
        rr = self._rr[(r, s)]
        rr.timer = None
        if rr.gen != gen or not self._alive(s) or rr.action is not None:
            return
        self._monitor(r, s)

    def _monitor(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        if not self._alive(s) or rr.action is not None or self._agent_for(r) is None:
            return
        if rr.timer is not None:
            rr.timer.cancel()
            rr.timer = None
        self._set_action(rr, "monitor")
        self._run_ep(r, s, "monitor", self._ai(r, s, "MonitorTimeout"),
                     lambda code: self._monitor_done(r, s, code))

    def _monitor_done(self, r: str, s: str, code: int | None) -> None:
        self._monitor_result(r, s, code)
        # a transition of the group that waited for this monitor (an entry point that takes time: a
        # script agent's process) goes on now, whether or not the monitor changed the resource's state
        g = self._group_of[r]
        if self._gr[(g, s)].intent is not None:
            self._group_progress(g, s)

    def _monitor_result(self, r: str, s: str, code: int | None) -> None:
        rr = self._rr[(r, s)]
        self._set_action(rr, None)
        if code is None:
            rr.monitor_timeouts += 1
            rr.monitor_timedout = True
            self._log("res_timeout", f"{self._rtext(r)}: monitor timed out on {s} "
                      f"({rr.monitor_timeouts} of FaultOnMonitorTimeouts {self._ai(r, s, 'FaultOnMonitorTimeouts')})")
            limit = self._ai(r, s, "FaultOnMonitorTimeouts")
            self._touch_res(r, s)
            if rr.probed and rr.state == "ONLINE" and not rr.faulted and limit > 0 and rr.monitor_timeouts >= limit:
                rr.monitor_timeouts = 0
                rr.monitor_timedout = False
                self._went_offline(r, s, CLEAN_MONITOR_HUNG, tolerate=False)
            self._schedule_monitor(r, s)
            return
        was_timedout = rr.monitor_timedout
        rr.monitor_timeouts = 0
        rr.monitor_timedout = False
        st = monitor_state(code)
        if st == "UNKNOWN":
            if not rr.unknown:
                self._log("res_unknown", f"{self._rtext(r)} state is UNKNOWN on {s} (monitor returned {code})")
            rr.unknown = True
            self._touch_res(r, s)
            self._schedule_monitor(r, s)
            return
        changed = rr.unknown or was_timedout
        rr.unknown = False
        if rr.admin_wait:
            self._schedule_monitor(r, s)
            return
        g = self._group_of[r]
        if not rr.probed:
            rr.probed = True
            rr.state = "ONLINE" if st == "ONLINE" else "OFFLINE"
            key = "probe_online" if st == "ONLINE" else "probe_offline"
            word = "online" if st == "ONLINE" else "offline"
            self._log(key, f"{self._rtext(r)} is {word} on {s} (First probe)")
            self._touch_res(r, s)
            self._schedule_monitor(r, s)
            if self.probed(g, s):
                self._group_probed(g, s)
            return
        if rr.state == "ONLINE":
            if st == "ONLINE":
                if self.clock.now() - rr.last_bad >= self._ai(r, s, "ConfInterval"):
                    rr.tolerance = 0
                    rr.restarts = 0
                if changed:
                    self._touch_res(r, s)
            elif rr.faulted:
                rr.state = "OFFLINE"
                self._touch_res(r, s)
            elif st == "INTENTIONAL_OFFLINE":
                rr.state = "OFFLINE"
                self._log("res_intentional", f"{self._rtext(r)} is offline on {s} (Intentional offline)")
                self._touch_res(r, s)
            else:
                self._went_offline(r, s, CLEAN_UNEXPECTED_OFFLINE, tolerate=True)
        else:
            if st == "ONLINE":
                rr.state = "ONLINE"
                if rr.faulted and self._is_persistent(r):
                    # A persistent resource that comes back clears its own fault (vcs-semantics.md).
                    rr.faulted = False
                    self._log("res_cleared", f"Fault of {self._rtext(r)} on {s} cleared: it is online again")
                    self._touch_res(r, s)
                    self._maybe_autorestart(g, s)
                elif rr.faulted:
                    # Choice: a non-persistent faulted resource stays FAULTED until cleared, even
                    # when it is found online; clearing it then shows it ONLINE.
                    self._touch_res(r, s)
                else:
                    self._log("res_online_self", f"{self._rtext(r)} is online on {s} (Not initiated by VCS)")
                    self._touch_res(r, s)
            elif st == "OFFLINE" and self._is_persistent(r) and not rr.faulted and any(
                    self._rr[(x, s)].state == "ONLINE" and not self._is_persistent(x) for x in self._order[g]):
                # Choice: a persistent resource is expected up wherever its group runs. Found offline
                # there (a fault cleared while its cause is still present) it faults again.
                self._fault(r, s, None)
            elif changed:
                self._touch_res(r, s)
        self._schedule_monitor(r, s)

    def _went_offline(self, r: str, s: str, clean_reason: int, tolerate: bool) -> None:
        """An ONLINE resource was found offline (or its monitor hung): tolerate, restart or fault."""
        rr = self._rr[(r, s)]
        g = self._group_of[r]
        if tolerate:
            rr.tolerance += 1
            limit = self._ai(r, s, "ToleranceLimit")
            if rr.tolerance <= limit:
                rr.last_bad = self.clock.now()
                self._log("res_tolerated", f"{self._rtext(r)} reported offline on {s}: tolerated "
                          f"({rr.tolerance} of ToleranceLimit {limit})")
                return
        rr.tolerance = 0
        rr.last_bad = self.clock.now()
        if not self._is_persistent(r) and not self._frozen(g) and \
                str(group_attr(self._G(g), "ManageFaults", s)) == "NONE":
            rr.admin_wait = True
            self._log("res_admin_wait", f"{self._rtext(r)} went offline unexpectedly on {s}; "
                      "ManageFaults is NONE: ADMIN_WAIT, no clean")
            self._touch_res(r, s)
            return
        rr.state = "OFFLINE"
        if self._is_persistent(r) or self._frozen(g):
            self._fault(r, s, None)
            return
        if rr.restarts < self._ai(r, s, "RestartLimit"):
            rr.restarts += 1
            self._log("res_restart", f"{self._rtext(r)} went offline on {s}: restarting it in place "
                      f"({rr.restarts} of RestartLimit {self._ai(r, s, 'RestartLimit')})")
            self._touch_res(r, s)
            self._clean(r, s, clean_reason, lambda ok: self._online_resource(r, s) if ok else
                        self._fault(r, s, None, clean_failed=True))
            return
        self._fault(r, s, clean_reason)

    def _clean(self, r: str, s: str, reason: int, then: Callable[[bool], None], announce: bool = True) -> None:
        rr = self._rr[(r, s)]
        if announce:
            self._log("clean_called", f"Agent is calling clean for resource({r}) on {s} because {_CLEAN_WHY[reason]}.")
        self._set_action(rr, "clean")

        def done(code: int | None) -> None:
            self._set_action(rr, None)
            ok = code == 0
            if code is None:
                self._log("res_timeout", f"{self._rtext(r)}: clean timed out on {s}")
            then(ok)

        self._run_ep(r, s, "clean", self._ai(r, s, "CleanTimeout"), done, reason)

    def _fault(self, r: str, s: str, clean_reason: int | None, clean_failed: bool = False) -> None:
        """Mark r FAULTED on s, clean it (unless frozen/persistent), and let its group react."""
        rr = self._rr[(r, s)]
        g = self._group_of[r]
        gr = self._gr[(g, s)]
        persistent = self._is_persistent(r)
        # Was the group running here before this fault? (r itself was online, unless it is
        # persistent: a persistent resource's fault matters only to a group that was up.)
        others_up = any(self._rr[(x, s)].state == "ONLINE" and not self._rr[(x, s)].faulted
                        and not self._is_persistent(x) for x in self._order[g] if x != r)
        only_persistent = all(self._is_persistent(x) for x in self._order[g])
        was_active = gr.intent is not None or others_up or (not persistent) or only_persistent
        frozen = self._frozen(g)
        if clean_reason is not None and not persistent and not frozen:
            self._log("clean_called", f"Agent is calling clean for resource({r}) on {s} because "
                      f"{_CLEAN_WHY[clean_reason]}.")
        rr.faulted = True
        rr.state = "OFFLINE"
        self._log("res_faulted", f"{self._rtext(r)} is FAULTED on sys {s}")
        if clean_failed:
            rr.clean_failed = True
            self._log("clean_failed", f"Clean of {r} on {s} failed: group {g} will not fail over")
        self._touch_res(r, s)
        if frozen:
            # A frozen group gets no action on a fault, not even clean (vcs-semantics.md, step 6).
            self._log("grp_frozen_fault", f"Group {g} is frozen: no action on the fault of {r} on {s}")
            # Choice: parents that are not frozen still obey their online local firm/hard link
            # and go offline here (they cannot follow: the frozen child does not move).
            if was_active:
                parents = [ln.parent for ln in self._links
                           if ln.child == g and ln.dep.category == "online" and ln.dep.location == "local"
                           and ln.dep.rigidity in ("firm", "hard") and (ln.parent, s) in self._gr
                           and self._active(ln.parent, s) and not self._frozen(ln.parent)]
                if parents and critical_fault(self, g, s, r):
                    self._offline_chain(parents, s, "child group faulted (child frozen)", lambda: None)
            return
        if clean_reason is not None and not persistent:
            def cleaned(ok: bool) -> None:
                if not ok:
                    rr.clean_failed = True
                    self._log("clean_failed", f"Clean of {r} on {s} failed: group {g} will not fail over")
                self._touch_res(r, s)
                self._group_progress(g, s)
            self._clean(r, s, clean_reason, cleaned, announce=False)
        if was_active:
            self._group_fault(g, s, r)
        # a transition already under way (for another reason) may be waiting on this resource
        self._group_progress(g, s)


def _code(value: Any, failed: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return failed
