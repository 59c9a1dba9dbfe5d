"""Membership, probes and AutoStart.

Rules here (vcs-semantics.md): systems joining (RUNNING; every resource probed, groups autodisabled
until probed there) and leaving (FAULTED: failover groups move by policy; a clean stop: LEAVING, its
groups offline parents first, then EXITED); a cold start making AutoStart apply again; a group
probed on a system (autodisabled cleared) and AutoStart by AutoStartList.
"""

from __future__ import annotations

from collections.abc import Callable

from emulators.vcs.config.model import Config

from .attrs import group_attr
from .dependencies import GroupLink, children_first
from .errors import EngineCommandError
from .state import EXITED, FAULTED, LEAVING, RUNNING, GroupRuntime, ResourceRuntime, group_base
from .transitions import _as_list


class Membership:
    """Mixin of `Engine`: systems joining and leaving, probes and AutoStart."""

    # state of `Engine` (set in its constructor and `reindex`) that these rules use
    config: Config
    _sys: dict[str, str]
    _rr: dict[tuple[str, str], ResourceRuntime]
    _gr: dict[tuple[str, str], GroupRuntime]
    _moving: set[str]
    _fo_pending: set[str]
    _autostart_done: set[str]
    _n_deferred: int
    _started: bool
    _links: list[GroupLink]

    # ------------------------------------------------------------------ probes, autostart
    def _group_probed(self, g: str, s: str) -> None:
        gr = self._gr[(g, s)]
        if gr.autodisabled:
            gr.autodisabled = False
        self._touch_group(g, s)
        self._maybe_autostart(g)

    def _maybe_autostart(self, g: str) -> None:
        G = self._G(g)
        if self._frozen(g) or not self._gi(g, "AutoStart"):
            return
        asl = [t for t in _as_list(group_attr(G, "AutoStartList")) if t in G.system_list]
        if not asl:
            return
        if G.parallel:
            for t in asl:
                gr = self._gr[(g, t)]
                if gr.autostarted or not self._running(t) or not self.probed(g, t):
                    continue
                if self._online_refusal(g, t, manual=False) is None:
                    gr.autostarted = True
                    self._log("grp_autostart", f"Initiating AutoStart of group {g} on system {t}")
                    self._start_online(g, t, "AutoStart")
            return
        if g in self._autostart_done:
            return
        running = [t for t in G.system_list if self._running(t)]
        if not running or not all(self.probed(g, t) for t in running):
            return
        if any(self._active(g, t) for t in G.system_list) or g in self._moving:
            self._autostart_done.add(g)
            return
        for t in asl:
            if self._online_refusal(g, t, manual=False) is None:
                self._autostart_done.add(g)
                self._log("grp_autostart", f"Initiating AutoStart of group {g} on system {t}")
                self._start_online(g, t, "AutoStart")
                return

    # ------------------------------------------------------------------ membership
    def start(self, systems: list[str] | None = None) -> None:
        """Systems join (RUNNING); every resource is probed on them; AutoStart follows the probes."""
        names = list(self._sys) if systems is None else list(systems)
        for s in names:
            if s not in self._sys:
                raise EngineCommandError("V-16-1-10138", f"System {s} does not exist")
        self._started = True
        for s in names:
            self._join(s, first=True)

    def system_join(self, system: str) -> None:
        if self.system_state(system) == RUNNING:
            raise EngineCommandError("V-16-1-10139", f"System {system} is already RUNNING")
        if not any(self._running(s) for s in self._sys):
            self._autostart_done.clear()  # a cold start: AutoStart applies again
        self._join(system, first=False)

    def _join(self, s: str, first: bool) -> None:
        old = self._sys[s]
        self._sys[s] = RUNNING
        self._log("membership", "Received new cluster membership")
        self._log("system_state", f"System {s} (Node '{list(self._sys).index(s)}') changed state from "
                  f"{'UNKNOWN' if first else old} to RUNNING")
        self._emit("system", s, None, old, RUNNING)
        for g in self.config.groups.values():
            if s not in g.system_list:
                continue
            gr = self._gr[(g.name, s)]
            gr.departed_fault = False
            gr.autostarted = False
            gr.autodisabled = True  # until probed here
            for r in g.resources:
                rr = self._rr[(r, s)]
                rr.probed = False
                self._defer(lambda r=r: self._monitor(r, s))
            self._touch_group(g.name, s)

    def system_leave(self, system: str, fault: bool = True) -> None:
        """fault=True: the system left unexpectedly (FAULTED) and its failover groups move by policy;
        fault=False: a clean stop: its groups are taken offline first (no failover), then EXITED."""
        if self.system_state(system) != RUNNING:
            raise EngineCommandError("V-16-1-10140", f"System {system} is not RUNNING")
        s = system
        if not fault:
            self._sys[s] = LEAVING
            self._log("system_state", f"System {s} (Node '{list(self._sys).index(s)}') changed state from "
                      f"RUNNING to LEAVING")
            self._emit("system", s, None, RUNNING, LEAVING)
            active = [g for g in self.config.groups if (g, s) in self._gr and self._active_leaving(g, s)]
            order = list(reversed(children_first(active, self._links)))
            self._n_deferred += 1

            def finish() -> None:
                self._n_deferred -= 1
                self._drop_system(s, EXITED, [])

            self._defer(lambda: self._leave_chain(order, s, finish))
            return
        was_up = [g for g in self.config.groups if (g, s) in self._gr and self._active(g, s)]
        movers = [g for g in was_up if not self._G(g).parallel and not self._frozen(g)]
        for g in movers:
            self._fo_pending.add(g)  # an online that was heading here fails: the decision is below
        self._drop_system(s, FAULTED, was_up)
        for g in movers:
            self._moving.add(g)
        for g in children_first(movers, self._links):
            self._global_firm_down(g, lambda g=g: self._fail_over(g, s))

    def _active_leaving(self, g: str, s: str) -> bool:
        gr = self._gr[(g, s)]
        return gr.intent is not None or group_base(self._res_pairs(g, s)) != "OFFLINE"

    def _leave_chain(self, order: list[str], s: str, then: Callable[[], None]) -> None:
        while order and not self._active_leaving(order[0], s):
            order = order[1:]
        if not order:
            then()
            return
        head, rest = order[0], order[1:]
        self._start_offline(head, s, "system leaving",
                            lambda ok: self._nested(lambda: self._leave_chain(rest, s, then)))

    def _drop_system(self, s: str, new_state: str, was_up: list[str]) -> None:
        old = self._sys[s]
        self._sys[s] = new_state
        if new_state == FAULTED:
            self._log("membership", "Received new cluster membership")
        self._log("system_state", f"System {s} (Node '{list(self._sys).index(s)}') changed state from "
                  f"{old if old != LEAVING else LEAVING} to {new_state}")
        self._emit("system", s, None, old, new_state)
        for g in self.config.groups.values():
            if s not in g.system_list:
                continue
            gr = self._gr[(g.name, s)]
            if gr.intent is not None:
                self._set_intent(gr, None)
                self._fail_thens(gr)
            gr.departed_fault = g.name in was_up
            gr.autodisabled = True
            gr.autorestart = False
            for r in g.resources:
                rr = self._rr[(r, s)]
                rr.gen += 1
                if rr.timer is not None:
                    rr.timer.cancel()
                    rr.timer = None
                self._set_action(rr, None)
                rr.probed = False
                rr.state = "OFFLINE"
                rr.faulted = rr.admin_wait = rr.unknown = rr.monitor_timedout = rr.clean_failed = False
                rr.tolerance = rr.restarts = rr.retries = rr.waits = rr.monitor_timeouts = 0
                self._touch_res(r, s)
            self._touch_group(g.name, s)
