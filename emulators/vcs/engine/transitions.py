"""Resource online/offline and group transitions.

Rules here (vcs-semantics.md): a resource's online/offline entry point followed by monitors until it
reports the new state (OnlineWaitLimit, OfflineWaitLimit, OnlineRetryLimit, OnlineTimeout,
OfflineTimeout: clean then retry or fault); a group's online (PREONLINE trigger, TriggersEnabled,
TriggerPath) children first and offline parents first, persistent resources never taken offline;
the end of a transition, and a group coming up making its parents start (online local/global) or
move away (online remote, offline dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from agents.contract import (
    CLEAN_OFFLINE_HUNG,
    CLEAN_OFFLINE_INEFFECTIVE,
    CLEAN_ONLINE_HUNG,
    CLEAN_ONLINE_INEFFECTIVE,
    monitor_state,
)

from .attrs import group_attr
from .dependencies import GroupLink, ResourceGraph
from .state import GroupRuntime, ResourceRuntime, group_base


class Transitions:
    """Mixin of `Engine`: resources going online/offline and group transitions."""

    # state of `Engine` (set in its constructor and `reindex`) that these rules use
    clock: Any
    _triggers: dict[tuple[str, str], Callable[[str, str], bool]]
    _rr: dict[tuple[str, str], ResourceRuntime]
    _gr: dict[tuple[str, str], GroupRuntime]
    _moving: set[str]
    _group_of: dict[str, str]
    _graph: dict[str, ResourceGraph]
    _order: dict[str, list[str]]
    _links: list[GroupLink]

    # ------------------------------------------------------------------ resource online/offline
    def _online_resource(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        rr.waits = 0
        self._set_action(rr, "online")
        self._log("res_online_init", f"Initiating Online of {self._rtext(r)} on System {s}")
        self._touch_res(r, s)

        def done(code: int | None) -> None:
            if code is None:
                self._log("res_timeout", f"{self._rtext(r)}: online timed out on {s} "
                          f"(OnlineTimeout {self._ai(r, s, 'OnlineTimeout')})")
                self._clean(r, s, CLEAN_ONLINE_HUNG, lambda ok: self._online_failed(r, s, ok))
                return
            self._after_online_monitor(r, s)

        self._run_ep(r, s, "online", self._ai(r, s, "OnlineTimeout"), done)

    def _after_online_monitor(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        self._set_action(rr, "online")

        def done(code: int | None) -> None:
            st = monitor_state(code) if code is not None else "UNKNOWN"
            if st == "ONLINE":
                self._set_action(rr, None)
                rr.state = "ONLINE"
                rr.retries = 0
                rr.unknown = False
                self._log("res_online_vcs", f"{self._rtext(r)} is online on {s} (VCS initiated)")
                self._touch_res(r, s)
                self._schedule_monitor(r, s)
                self._group_progress(self._group_of[r], s)
                return
            rr.waits += 1
            if rr.waits <= self._ai(r, s, "OnlineWaitLimit"):
                gen = rr.gen
                self.clock.call_later(max(1, self._ai(r, s, "MonitorInterval")),
                                      lambda: self._after_online_monitor(r, s) if rr.gen == gen else None)
                return
            self._clean(r, s, CLEAN_ONLINE_INEFFECTIVE, lambda ok: self._online_failed(r, s, ok))

        self._run_ep(r, s, "monitor", self._ai(r, s, "MonitorTimeout"), done)

    def _online_failed(self, r: str, s: str, cleaned: bool) -> None:
        rr = self._rr[(r, s)]
        g = self._group_of[r]
        gr = self._gr[(g, s)]
        if cleaned and gr.intent == "online" and rr.retries < self._ai(r, s, "OnlineRetryLimit"):
            rr.retries += 1
            self._log("res_retry", f"Retrying online of {self._rtext(r)} on {s} "
                      f"({rr.retries} of OnlineRetryLimit {self._ai(r, s, 'OnlineRetryLimit')})")
            self._online_resource(r, s)
            return
        rr.retries = 0
        self._set_action(rr, None)
        rr.state = "OFFLINE"
        self._fault(r, s, None, clean_failed=not cleaned)

    def _offline_resource(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        rr.waits = 0
        self._set_action(rr, "offline")
        self._log("res_offline_init", f"Initiating Offline of {self._rtext(r)} on System {s}")
        self._touch_res(r, s)

        def done(code: int | None) -> None:
            if code is None:
                self._log("res_timeout", f"{self._rtext(r)}: offline timed out on {s}")
                self._clean(r, s, CLEAN_OFFLINE_HUNG, lambda ok: self._offline_finished(r, s, ok))
                return
            self._after_offline_monitor(r, s)

        self._run_ep(r, s, "offline", self._ai(r, s, "OfflineTimeout"), done)

    def _after_offline_monitor(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        self._set_action(rr, "offline")

        def done(code: int | None) -> None:
            st = monitor_state(code) if code is not None else "UNKNOWN"
            if st in ("OFFLINE", "INTENTIONAL_OFFLINE"):
                self._offline_finished(r, s, True)
                return
            rr.waits += 1
            if rr.waits <= self._ai(r, s, "OfflineWaitLimit"):
                gen = rr.gen
                self.clock.call_later(max(1, self._ai(r, s, "MonitorInterval")),
                                      lambda: self._after_offline_monitor(r, s) if rr.gen == gen else None)
                return
            self._clean(r, s, CLEAN_OFFLINE_INEFFECTIVE, lambda ok: self._offline_finished(r, s, ok))

        self._run_ep(r, s, "monitor", self._ai(r, s, "MonitorTimeout"), done)

    def _offline_finished(self, r: str, s: str, ok: bool) -> None:
        rr = self._rr[(r, s)]
        g = self._group_of[r]
        self._set_action(rr, None)
        if ok:
            rr.state = "OFFLINE"
            self._log("res_offline_vcs", f"{self._rtext(r)} is offline on {s} (VCS initiated)")
        else:
            rr.state = "ONLINE"
            rr.clean_failed = True
            self._log("clean_failed", f"{self._rtext(r)} could not be taken offline on {s}")
        self._touch_res(r, s)
        self._schedule_monitor(r, s)
        if not ok:
            gr = self._gr[(g, s)]
            if gr.intent == "offline":
                self._end_transition(g, s, False, f"resource {r} could not be taken offline")
            return
        self._group_progress(g, s)

    # ------------------------------------------------------------------ group transitions
    def _start_online(self, g: str, s: str, reason: str, then: Callable[[bool], None] | None = None) -> None:
        """Begin bringing g online on s (checks already done by the caller), PREONLINE first."""
        gr = self._gr[(g, s)]
        if not self._running(s):
            if then:
                then(False)
            return
        if gr.intent == "online":
            if then:
                gr.then.append(then)
            return
        why = self._online_refusal(g, s, manual=False)
        if why is not None:
            self._log("grp_abort", f"Online of group {g} on system {s} ({reason}) not started: {why[1]}")
            if then:
                then(False)
            return
        if "PREONLINE" in _as_list(group_attr(self._G(g), "TriggersEnabled", s)):
            path = str(group_attr(self._G(g), "TriggerPath", s) or "")
            hook = self._triggers.get((path, "PREONLINE"))
            if hook is None:
                self._log("trigger_none", f"No PREONLINE trigger registered at path '{path}' "
                          f"for group {g} on {s}; going on")
            else:
                self._log("trigger_run", f"Running PREONLINE trigger '{path}' for group {g} on system {s}")
                try:
                    go_on = bool(hook(g, s))
                except Exception as exc:
                    self._log("ep_exception", f"PREONLINE trigger '{path}' raised {type(exc).__name__}: {exc}")
                    go_on = False
                if not go_on:
                    self._log("trigger_veto", f"PREONLINE trigger '{path}' stopped the online of group {g} on {s}")
                    if then:
                        then(False)
                    return
        self._set_intent(gr, "online")
        gr.reason = reason
        if then:
            gr.then.append(then)
        self._log("grp_online_init", f"Initiating Online of group {g} on system {s} ({reason})")
        self._touch_group(g, s)
        self._group_progress(g, s)

    def _start_offline(self, g: str, s: str, reason: str, then: Callable[[bool], None] | None = None) -> None:
        gr = self._gr[(g, s)]
        if not self._alive(s):
            if then:
                then(False)
            return
        if gr.intent == "offline":
            if then:
                gr.then.append(then)
            return
        if gr.intent == "online":
            self._fail_thens(gr)
        self._set_intent(gr, "offline")
        gr.reason = reason
        if then:
            gr.then.append(then)
        self._log("grp_offline_init", f"Initiating Offline of group {g} on system {s} ({reason})")
        self._touch_group(g, s)
        self._group_progress(g, s)

    def _fail_thens(self, gr: GroupRuntime) -> None:
        thens, gr.then = gr.then, []
        for fn in thens:
            fn(False)

    def _group_progress(self, g: str, s: str) -> None:
        """Start whatever resources can move next for g's transition on s, or end it."""
        self._nested(lambda: self._progress(g, s))

    def _progress(self, g: str, s: str) -> None:
        gr = self._gr[(g, s)]
        if gr.intent is None or not self._alive(s):
            return
        graph = self._graph[g]
        order = self._order[g]
        rrs = {r: self._rr[(r, s)] for r in order}
        inflight = any(rr.action is not None for rr in rrs.values())
        if gr.intent == "online":
            if any(rr.faulted and not self._is_persistent(r) for r, rr in rrs.items()):
                startable: list[str] = []
            else:
                startable = [r for r, rr in rrs.items()
                             if rr.action is None and not rr.faulted and rr.state != "ONLINE"
                             and not self._is_persistent(r)
                             and all(rrs[c].state == "ONLINE" and not rrs[c].faulted and rrs[c].action is None
                                     for c in graph.children[r])]
            if startable:
                for r in startable:
                    if gr.intent != "online":
                        return
                    rr = rrs[r]
                    if rr.action is None and rr.state != "ONLINE" and not rr.faulted:
                        self._online_resource(r, s)
                return
            if inflight:
                return
            if group_base(self._res_pairs(g, s)) == "ONLINE":
                self._end_transition(g, s, True)
            else:
                self._end_transition(g, s, False, "some resources cannot come online")
            return
        # offline: parents first; persistent resources are never taken offline
        stoppable = [r for r, rr in rrs.items()
                     if rr.action is None and rr.state == "ONLINE" and not self._is_persistent(r)
                     and all(self._is_persistent(p) or (rrs[p].state != "ONLINE" and rrs[p].action is None)
                             for p in graph.parents[r])]
        if stoppable:
            for r in stoppable:
                if gr.intent != "offline":
                    return
                rr = rrs[r]
                if rr.action is None and rr.state == "ONLINE":
                    self._offline_resource(r, s)
            return
        if inflight:
            return
        up = [r for r, rr in rrs.items() if rr.state == "ONLINE" and not self._is_persistent(r)]
        self._end_transition(g, s, not up, "" if not up else f"resources still online: {' '.join(up)}")

    def _end_transition(self, g: str, s: str, ok: bool, why: str = "") -> None:
        gr = self._gr[(g, s)]
        intent = gr.intent
        self._set_intent(gr, None)
        if not ok and why:
            self._log("grp_abort", f"{'Online' if intent == 'online' else 'Offline'} of group {g} on "
                      f"system {s} did not complete: {why}")
        self._touch_group(g, s)
        thens, gr.then = gr.then, []
        for fn in thens:
            fn(ok)
        if intent == "online" and self._up(g, s):
            self._group_came_up(g, s)

    def _group_came_up(self, g: str, s: str) -> None:
        """g just came online on s: parents waiting for it may now start or must move away."""
        for link in self._links:
            if link.child != g:
                continue
            p, dep = link.parent, link.dep
            if dep.category == "online" and dep.location in ("local", "global"):
                self._maybe_autostart(p)
            elif (dep.category == "online" and dep.location == "remote") or dep.category == "offline":
                # The child landed where the parent is: the parent moves elsewhere (B, D).
                if (p, s) in self._gr and self._up(p, s) and not self._frozen(p):
                    self._log("grp_failover", f"Group {p} must leave system {s}: its child {g} is "
                              f"online there ({link.kind})")
                    self._moving.add(p)
                    self._start_offline(p, s, f"child {g} online here", lambda ok, p=p, s=s: self._fail_over(p, s))


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(k) for k in value]
    if value in (None, ""):
        return []
    return [str(value)]
