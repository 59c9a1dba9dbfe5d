"""The engine driver: schedules probes, monitor cycles, entry points and group transitions on a clock.

The engine never sleeps and does no I/O: every delay is a callback on the clock it was given, so
the same engine runs on virtual time (sim) and on an asyncio loop (daemon). Agents' entry points
are called in-process; a generator entry point is resumed on the clock after each value it yields,
and its timeout (MonitorTimeout, OnlineTimeout, ...) applies to the sum of its waits.

Choices where the vendor's documentation is silent are marked "Choice:" in comments and tested in
tests/engine/.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Generator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agents import alternateio
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
from emulators.vcs.config import builtins
from emulators.vcs.config.model import AttrDef, AttrValue, Config, Group

from .attrs import SYSTEM_DEFAULTS, as_int, group_attr, resolve_resource_attrs
from .dependencies import (
    GroupLink,
    ResourceGraph,
    children_first,
    group_links,
    offline_blocked,
    online_allowed,
)
from .log import DEFAULT_EPOCH, format_line
from .policies import choose_target
from .state import (
    EXITED,
    FAULTED,
    LEAVING,
    RUNNING,
    GroupRuntime,
    ResourceRuntime,
    group_base,
    group_display,
    is_up,
    resource_display,
)


class EngineCommandError(Exception):
    """A command the engine refuses, with the vendor's message id (``V-16-1-nnnnn``)."""

    def __init__(self, umi: str, text: str, severity: str = "WARNING") -> None:
        self.umi = umi
        self.text = text
        self.severity = severity
        super().__init__(f"VCS {severity} {umi} {text}")


@dataclass(frozen=True)
class StateChange:
    time: float
    kind: str          # "group" | "resource" | "system"
    name: str
    system: str | None
    old: str
    new: str


# How many group transitions may call into one another before the next one waits for the clock (at
# the same instant): entry points that answer at once make a long dependency chain a chain of nested
# calls, which must not exhaust Python's stack.
_MAX_NESTING = 20

# Resource attributes whose keys are service groups driven by the resource (0/1): AlternateIO's
# StorageSG and NetworkSG. Choice: VCS does not read agent attributes, but a group that does not
# exist would only make the agent's next monitor UNKNOWN; the engine refuses it at the command.
_GROUP_KEYED = {(alternateio.TYPE_NAME, a) for a in alternateio.ARG_LIST}

_CLEAN_WHY = {
    CLEAN_UNEXPECTED_OFFLINE: "the resource became OFFLINE unexpectedly, on its own",
    CLEAN_ONLINE_INEFFECTIVE: "the online was ineffective",
    CLEAN_ONLINE_HUNG: "the online did not complete within the expected time",
    CLEAN_OFFLINE_INEFFECTIVE: "the offline was ineffective",
    CLEAN_OFFLINE_HUNG: "the offline did not complete within the expected time",
    CLEAN_MONITOR_HUNG: "the monitor timed out too many times",
}


class Engine:
    """A VCS-like cluster engine over one `Config`, driven by one clock."""

    def __init__(self, config: Config, clock: Any, seed: int = 0, epoch: datetime = DEFAULT_EPOCH) -> None:
        self.config = config
        self.clock = clock
        self.rng = random.Random(seed)
        self.epoch = epoch
        self.log_lines: list[str] = []
        self.writable = False
        self._subscribers: list[Callable[[StateChange], None]] = []
        self._agents: dict[str, Any] = {}
        self._triggers: dict[tuple[str, str], Callable[[str, str], bool]] = {}
        self._sys: dict[str, str] = {}
        self._rr: dict[tuple[str, str], ResourceRuntime] = {}
        self._gr: dict[tuple[str, str], GroupRuntime] = {}
        self._tfrozen: set[str] = set()
        self._moving: set[str] = set()
        self._followers: dict[str, list[tuple[str, str]]] = {}
        # online local soft parents left running where their failover child faulted: they follow the
        # child if it fails over, else stay (vcs-semantics.md); child -> [(parent, its system)]
        self._soft_followers: dict[str, list[tuple[str, str]]] = {}
        self._fo_pending: set[str] = set()
        self._autostart_done: set[str] = set()
        self._n_actions = 0
        self._n_intents = 0
        self._n_deferred = 0
        self._last_res: dict[tuple[str, str], str] = {}
        self._last_grp: dict[tuple[str, str], str] = {}
        self._no_agent_logged: set[str] = set()
        self._logged_up: set[tuple[str, str]] = set()
        self._started = False
        self._nesting = 0
        self.reindex()
        from emulators.vcs.agents.phantom import PhantomAgent
        from emulators.vcs.agents.proxy import ProxyAgent
        self._agents["Phantom"] = PhantomAgent()
        self._agents["Proxy"] = ProxyAgent(self)

    # ------------------------------------------------------------------ configuration
    def reindex(self) -> None:
        """Rebuild the lookup tables from `self.config` (call after changing it); keeps runtimes."""
        cfg = self.config
        names = list(cfg.systems)
        for g in cfg.groups.values():
            for s in g.system_list:
                if s not in names:
                    names.append(s)
        for s in names:
            self._sys.setdefault(s, EXITED)
        self._group_of: dict[str, str] = {}
        self._graph: dict[str, ResourceGraph] = {}
        self._order: dict[str, list[str]] = {}
        for g in cfg.groups.values():
            self._graph[g.name] = ResourceGraph.of(g)
            self._order[g.name] = list(g.resources)
            for r in g.resources:
                self._group_of[r] = g.name
                for s in g.system_list:
                    self._rr.setdefault((r, s), ResourceRuntime())
            for s in g.system_list:
                self._gr.setdefault((g.name, s), GroupRuntime(autodisabled=self._sys.get(s) != RUNNING))
        self._links: list[GroupLink] = group_links(cfg)
        self._attr_cache: dict[tuple[str, str], Any] = {}
        self._persistent: dict[str, bool] = {}

    def _G(self, g: str) -> Group:
        return self.config.groups[g]

    def _attrs(self, r: str, s: str) -> Any:
        key = (r, s)
        a = self._attr_cache.get(key)
        if a is None:
            G = self._G(self._group_of[r])
            a = resolve_resource_attrs(self.config, G, G.resources[r], s)
            self._attr_cache[key] = a
        return a

    def _ai(self, r: str, s: str, name: str) -> int:
        return as_int(self._attrs(r, s).get(name), 0)

    def _is_persistent(self, r: str) -> bool:
        p = self._persistent.get(r)
        if p is None:
            G = self._G(self._group_of[r])
            s = next(iter(G.system_list), None)
            ops = self._attrs(r, s).get("Operations", "OnOff") if s else "OnOff"
            p = self._persistent[r] = str(ops) == "None"
        return p

    def _gi(self, g: str, name: str, s: str | None = None) -> int:
        return as_int(group_attr(self._G(g), name, s), 0)

    def _frozen(self, g: str) -> bool:
        return g in self._tfrozen or bool(self._gi(g, "Frozen"))

    # ------------------------------------------------------------------ registration
    def agent(self, type_name: str) -> Any:
        """The agent registered for a resource type (KeyError when none is)."""
        return self._agents[type_name]

    def register_agent(self, type_name: str, agent: Any) -> None:
        self._agents[type_name] = agent

    def register_trigger(self, path: str, name: str, hook: Callable[[str, str], bool]) -> None:
        self._triggers[(path, name.upper())] = hook

    def subscribe(self, callback: Callable[[StateChange], None]) -> None:
        self._subscribers.append(callback)

    # ------------------------------------------------------------------ queries
    def groups(self) -> list[str]:
        return list(self.config.groups)

    def systems(self) -> list[str]:
        return list(self._sys)

    def resources(self) -> list[str]:
        return [r for g in self.config.groups.values() for r in g.resources]

    def group_of(self, resource: str) -> str:
        return self._group_of[resource]

    def system_state(self, system: str) -> str:
        if system not in self._sys:
            raise EngineCommandError("V-16-1-10138", f"System {system} does not exist")
        return self._sys[system]

    def _running(self, s: str) -> bool:
        return self._sys.get(s) == RUNNING

    def _alive(self, s: str) -> bool:
        """RUNNING or LEAVING: the engine still runs there (a clean stop offlines its groups)."""
        return self._sys.get(s) in (RUNNING, LEAVING)

    def _res_pairs(self, g: str, s: str) -> list[tuple[ResourceRuntime, bool]]:
        return [(self._rr[(r, s)], self._is_persistent(r)) for r in self._order[g]]

    def group_state(self, group: str, system: str) -> str:
        if group not in self.config.groups:
            raise EngineCommandError("V-16-1-12130", f"Group {group} does not exist in the local cluster")
        gr = self._gr.get((group, system))
        if gr is None:
            raise EngineCommandError("V-16-1-10135", f"System {system} is not in SystemList of group {group}")
        return group_display(self._res_pairs(group, system), gr, self._alive(system))

    def resource_state(self, resource: str, system: str) -> str:
        if resource not in self._group_of:
            raise EngineCommandError("V-16-1-10260", f"Resource {resource} does not exist in the local cluster")
        rr = self._rr.get((resource, system))
        if rr is None:
            raise EngineCommandError("V-16-1-10135", f"System {system} is not in SystemList of resource {resource}'s group")
        return resource_display(rr, self._alive(system))

    def probed(self, group: str, system: str) -> bool:
        return self._alive(system) and all(self._rr[(r, system)].probed for r in self._order[group])

    def autodisabled(self, group: str, system: str) -> bool:
        return self._gr[(group, system)].autodisabled

    def frozen(self, group: str) -> bool:
        return self._frozen(group)

    def persistently_frozen(self, group: str) -> bool:
        return bool(self._gi(group, "Frozen"))

    def resource_faulted(self, resource: str, system: str) -> bool:
        return self._rr[(resource, system)].faulted

    def _up(self, g: str, s: str) -> bool:
        """Online or partial on `s`, and not starting (what a dependency may rely on)."""
        if not self._alive(s):
            return False
        gr = self._gr.get((g, s))
        if gr is None or gr.intent == "online":
            return False
        return group_base(self._res_pairs(g, s)) != "OFFLINE"

    def _active(self, g: str, s: str) -> bool:
        """Online, partial, starting or stopping on `s` (what concurrency rules count)."""
        if not self._alive(s):
            return False
        gr = self._gr.get((g, s))
        if gr is None:
            return False
        return gr.intent is not None or group_base(self._res_pairs(g, s)) != "OFFLINE"

    def _up_anywhere(self, g: str) -> list[str]:
        return [s for s in self._G(g).system_list if self._up(g, s)]

    def online_systems(self, group: str) -> list[str]:
        """Systems where the group is online or partially online."""
        return self._up_anywhere(group)

    def busy(self) -> bool:
        return bool(self._n_actions or self._n_intents or self._n_deferred or self._moving
                    or self._fo_pending)

    def settle(self, limit: float = 3600.0) -> bool:
        return self.clock.run_while(self.busy, limit)

    # ------------------------------------------------------------------ log and notifications
    def _log(self, key: str, text: str) -> None:
        self.log_lines.append(format_line(self.epoch, self.clock.now(), key, text))

    def _emit(self, kind: str, name: str, system: str | None, old: str, new: str) -> None:
        if not self._subscribers:
            return
        change = StateChange(self.clock.now(), kind, name, system, old, new)
        for cb in list(self._subscribers):
            cb(change)

    def _rtext(self, r: str) -> str:
        return f"Resource {r} (Owner: unknown, Group: {self._group_of[r]})"

    def _touch_res(self, r: str, s: str) -> None:
        new = resource_display(self._rr[(r, s)], self._alive(s))
        old = self._last_res.get((r, s), "OFFLINE|STATE UNKNOWN")
        if new != old:
            self._last_res[(r, s)] = new
            self._emit("resource", r, s, old, new)
        self._touch_group(self._group_of[r], s)

    def _touch_group(self, g: str, s: str) -> None:
        gr = self._gr[(g, s)]
        new = group_display(self._res_pairs(g, s), gr, self._alive(s))
        old = self._last_grp.get((g, s), "OFFLINE")
        if new == old:
            return
        self._last_grp[(g, s)] = new
        self._emit("group", g, s, old, new)
        if new == "ONLINE":
            self._logged_up.add((g, s))
            self._log("grp_online", f"Group {g} is online on system {s}")
        elif new == "ONLINE|PARTIAL" and not old.startswith("ONLINE|PARTIAL"):
            self._logged_up.add((g, s))
            self._log("grp_partial", f"Group {g} is partially online on system {s}")
        elif new.startswith("OFFLINE") and "STARTING" not in new and "STOPPING" not in new \
                and (g, s) in self._logged_up:
            self._logged_up.discard((g, s))
            self._log("grp_offline", f"Group {g} is offline on system {s}")
        if "FAULTED" in new and "FAULTED" not in old:
            self._log("grp_faulted", f"Group {g} is faulted on system {s}")
        if is_up(new) and not is_up(old) and not self._G(g).parallel:
            self._check_concurrency(g, s)

    def _set_action(self, rr: ResourceRuntime, action: str | None) -> None:
        if (rr.action is None) != (action is None):
            self._n_actions += 1 if action is not None else -1
        rr.action = action

    def _set_intent(self, gr: GroupRuntime, intent: str | None) -> None:
        if (gr.intent is None) != (intent is None):
            self._n_intents += 1 if intent is not None else -1
        gr.intent = intent

    def _defer(self, fn: Callable[[], None], delay: float = 0.0) -> None:
        """Run `fn` later on the clock (never re-entering the caller); counts as busy meanwhile."""
        self._n_deferred += 1

        def run() -> None:
            self._n_deferred -= 1
            fn()

        self.clock.call_later(delay, run)

    def _nested(self, fn: Callable[[], None]) -> None:
        """Run `fn` now, or on the clock at this same instant once `_MAX_NESTING` calls are nested."""
        if self._nesting >= _MAX_NESTING:
            self._defer(fn)
            return
        self._nesting += 1
        try:
            fn()
        finally:
            self._nesting -= 1

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

    # ------------------------------------------------------------------ faults and failover
    def _group_fault(self, g: str, s: str, r: str) -> None:
        gr = self._gr[(g, s)]
        graph = self._graph[g]
        critical = any(self._ai(x, s, "Critical") for x in [r, *graph.ancestors(r)])
        if not critical:
            # Non-critical: only the resources above it go offline; the group stays PARTIAL.
            above = [a for a in graph.ancestors(r) if self._rr[(a, s)].state == "ONLINE"]
            for a in above:
                if self._rr[(a, s)].action is None and all(
                        self._rr[(p, s)].state != "ONLINE" for p in graph.parents[a]):
                    self._offline_resource(a, s)
            self._group_progress(g, s)
            return
        if gr.intent == "offline" and (g in self._fo_pending or g in self._moving):
            return  # already going offline towards a failover decision
        if self._is_persistent(r):
            gr.autorestart = True
        G = self._G(g)
        will_move = not G.parallel
        if will_move:
            self._fo_pending.add(g)
        self._take_down(g, s, f"fault of resource {r}",
                        lambda ok: self._after_fault_offline(g, s) if will_move else None)

    def _take_down(self, g: str, s: str, reason: str, then: Callable[[bool], None]) -> None:
        """Offline g on s after the parents that need it there (online local firm/hard, A, F);
        those parents become followers of g: they come back wherever g comes back."""
        parents = [ln.parent for ln in self._links
                   if ln.child == g and ln.dep.category == "online" and ln.dep.location == "local"
                   and ln.dep.rigidity in ("firm", "hard") and (ln.parent, s) in self._gr
                   and self._active(ln.parent, s) and not self._frozen(ln.parent)]
        for p in parents:
            self._moving.add(p)
            if (p, s) not in self._followers.get(g, []):
                self._followers.setdefault(g, []).append((p, s))
        if not self._G(g).parallel:
            # online local soft parents stay up here; they follow g if it fails over (A, F)
            for ln in self._links:
                if ln.child == g and ln.dep.category == "online" and ln.dep.location == "local" \
                        and ln.dep.rigidity == "soft" and (ln.parent, s) in self._gr \
                        and self._active(ln.parent, s) and not self._frozen(ln.parent) \
                        and (ln.parent, s) not in self._soft_followers.get(g, []):
                    self._soft_followers.setdefault(g, []).append((ln.parent, s))
        self._offline_chain(parents, s, f"child group {g} going offline",
                            lambda: self._start_offline(g, s, reason, then))

    def _offline_chain(self, groups: list[str], s: str, reason: str, then: Callable[[], None]) -> None:
        """Take `groups` offline on s one after the other (parents before children), then `then()`."""
        pending = [x for x in groups if self._active(x, s)]
        if not pending:
            then()
            return
        head, rest = pending[0], pending[1:]
        # parents of head first
        grand = [ln.parent for ln in self._links
                 if ln.child == head and ln.dep.category == "online" and ln.dep.location == "local"
                 and (ln.parent, s) in self._gr and self._active(ln.parent, s) and ln.parent not in pending]
        self._nested(lambda: self._offline_chain(grand, s, reason, lambda: self._start_offline(
            head, s, reason, lambda ok: self._nested(lambda: self._offline_chain(rest, s, reason, then)))))

    def _after_fault_offline(self, g: str, s: str) -> None:
        """g is offline on s after a critical fault: hard children go too, then failover by policy."""
        for ln in self._links:
            if ln.parent == g and ln.dep.category == "online" and ln.dep.location == "local" \
                    and ln.dep.rigidity == "hard" and not self._G(ln.child).parallel \
                    and self._active(ln.child, s) and not self._frozen(ln.child):
                # The parent faulted: its hard child goes offline too and fails over; the parent follows (A).
                c = ln.child
                self._fo_pending.discard(g)
                self._moving.add(g)
                self._moving.add(c)
                self._followers.setdefault(c, []).append((g, s))
                self._fo_pending.add(c)
                self._take_down(c, s, f"parent {g} faulted (online local hard)",
                                lambda ok, c=c: self._fail_over(c, s))
                return
        self._global_firm_down(g, lambda: self._fail_over(g, s))

    def _global_firm_down(self, g: str, then: Callable[[], None]) -> None:
        """g (a failover child) is down: its online global firm parents are taken offline after it,
        wherever they run, and wait as its followers; `then()` runs once they are offline (A, G).

        They restart by their FailOverPolicy (any eligible system, the one they left included) when
        g is online again somewhere, and stay down when g does not fail over.
        """
        pairs = [(ln.parent, t) for ln in self._links
                 if ln.child == g and ln.dep.category == "online" and ln.dep.location == "global"
                 and ln.dep.rigidity == "firm" and not self._frozen(ln.parent)
                 for t in self._G(ln.parent).system_list if self._active(ln.parent, t)]
        for p, t in pairs:
            self._moving.add(p)
            if (p, t) not in self._followers.get(g, []):
                self._followers.setdefault(g, []).append((p, t))

        def chain(rest: list[tuple[str, str]]) -> None:
            if not rest:
                then()
                return
            (p, t), tail = rest[0], rest[1:]
            self._offline_chain([p], t, f"child group {g} faulted (online global firm)",
                                lambda: self._nested(lambda: chain(tail)))

        chain(pairs)

    def _fail_over(self, g: str, from_s: str) -> None:
        """Decide where g goes after leaving `from_s`, and start it there."""
        self._fo_pending.discard(g)
        G = self._G(g)
        if G.parallel or self._frozen(g):
            self._stop_moving(g)
            return
        if not self._gi(g, "AutoFailOver"):
            self._log("grp_no_autofailover", f"Group {g} will not fail over from {from_s}: AutoFailOver is 0")
            self._stop_moving(g)
            return
        if from_s and any(self._rr[(r, from_s)].clean_failed for r in self._order[g]):
            self._log("grp_no_target", f"Group {g} cannot fail over from {from_s}: clean failed there")
            self._stop_moving(g)
            return
        if any(self._active(g, t) for t in G.system_list):
            self._stop_moving(g)  # already online somewhere (went online by itself, or moved)
            return
        local = [ln for ln in self._links if ln.parent == g and ln.dep.category == "online"
                 and ln.dep.location == "local"]
        if local:
            c = local[0].child
            if c in self._moving:
                self._moving.add(g)
                self._followers.setdefault(c, []).append((g, from_s))
                return
            where = [t for t in self._up_anywhere(c) if t != from_s]
            self._follow(g, from_s, where[0] if where else None, c)
            return
        for ln in self._links:
            if ln.parent == g and ln.dep.category == "online" and ln.dep.location == "global" \
                    and ln.child in self._moving:
                # the child is on its way elsewhere: start by policy once it is online (G)
                self._moving.add(g)
                self._followers.setdefault(ln.child, []).append((g, from_s))
                return
        cands = [t for t in G.system_list if t != from_s and self._online_refusal(g, t, manual=False) is None]
        policy = str(group_attr(G, "FailOverPolicy") or "Priority")
        target = choose_target(policy, cands, G.system_list,
                               self._online_counts() if policy == "RoundRobin" and len(cands) > 1 else {},
                               self._available_capacity() if policy == "Load" and len(cands) > 1 else {})
        if target is None:
            self._log("grp_no_target", f"Group {g} has faulted and cannot be failed over anywhere")
            self._stop_moving(g)
            return
        if from_s:
            self._log("grp_failover", f"Group {g} will fail over from system {from_s} to system {target} "
                      f"(FailOverPolicy {policy})")
        else:
            self._log("grp_failover", f"Group {g} will be brought online on system {target} "
                      f"(FailOverPolicy {policy}): its child group is online again")
        self._moving.add(g)
        self._start_online(g, target, "failover", lambda ok: self._move_done(g, target, ok))

    def _follow(self, p: str, from_s: str, target: str | None, child: str) -> None:
        if target is None or (p, target) not in self._gr or self._online_refusal(p, target, manual=False):
            self._log("grp_no_target", f"Group {p} cannot follow its child {child}: "
                      f"{'the child is not online elsewhere' if target is None else f'{target} is not eligible'}")
            self._stop_moving(p)
            return
        kind = next((ln.kind for ln in self._links if ln.parent == p and ln.child == child), "online local")
        self._log("grp_follow", f"Group {p} follows its child {child} to system {target} ({kind})")
        self._moving.add(p)
        self._start_online(p, target, "following child", lambda ok: self._move_done(p, target, ok))

    def _move_done(self, g: str, target: str, ok: bool) -> None:
        if g in self._fo_pending:
            return  # a fault on the target: the fault path decides again
        if ok or self._up(g, target):
            self._moving.discard(g)
            self._release_followers(g, target)
        elif not any(g == p for fl in self._followers.values() for p, _ in fl):
            self._stop_moving(g)  # nobody will bring it back: this move is over

    def _stop_moving(self, g: str) -> None:
        self._moving.discard(g)
        self._nested(lambda: self._release_followers(g, None))

    def _release_followers(self, c: str, target: str | None) -> None:
        """c's move is over (online on `target`, or None: it did not fail over): its followers act."""
        for p, from_s in self._soft_followers.pop(c, []):
            self._soft_follow(p, from_s, target, c)
        for p, from_s in self._followers.pop(c, []):
            if p not in self._moving:
                continue
            local = any(ln.parent == p and ln.child == c and ln.dep.location == "local" for ln in self._links)
            if target is None:
                self._log("grp_no_target", f"Group {p} cannot follow its child {c}: the child did not fail over")
                self._stop_moving(p)
            elif local:
                self._follow(p, from_s, target, c)
            else:
                self._fail_over(p, "")

    def _soft_follow(self, p: str, from_s: str, target: str | None, c: str) -> None:
        """online local soft: the parent stayed up on `from_s` while its child c was down. If c came
        online on `target`, the parent is taken offline on `from_s` and follows it there; if c did
        not fail over, the parent stays (vcs-semantics.md, A, F).

        Choice: the parent is moved only when `target` can take it (checked before it is taken
        offline); otherwise it stays where it runs and the engine says why.
        """
        if not self._up(p, from_s) or self._frozen(p) or p in self._moving:
            return  # went offline meanwhile, frozen (no action), or moved by another rule
        if target is None:
            self._log("grp_stays", f"Group {p} stays online on system {from_s}: its child {c} did not "
                      "fail over (online local soft)")
            return
        why = self._online_refusal(p, target, manual=False, elsewhere_ok=True)
        if why is not None:
            self._log("grp_no_target", f"Group {p} cannot follow its child {c} to system {target}: {why[1]}; "
                      f"it stays online on system {from_s}")
            return
        self._moving.add(p)
        self._take_down(p, from_s, f"following child {c} to {target}",
                        lambda ok: self._follow(p, from_s, target, c) if ok else self._stop_moving(p))

    def _online_counts(self) -> dict[str, int]:
        counts = {s: 0 for s in self._sys}
        for g in self.config.groups:
            for s in self._G(g).system_list:
                if self._active(g, s):
                    counts[s] += 1
        return counts

    def _available_capacity(self) -> dict[str, float]:
        cap: dict[str, float] = {}
        for s in self._sys:
            sysobj = self.config.systems.get(s)
            c = sysobj.attributes.get("Capacity").for_system(None) if sysobj and "Capacity" in sysobj.attributes else None
            cap[s] = float(as_int(c, as_int(SYSTEM_DEFAULTS.get("Capacity"), 100)))
        for g in self.config.groups:
            load = self._gi(g, "Load")
            for s in self._G(g).system_list:
                if load and self._active(g, s):
                    cap[s] -= load
        return cap

    def _check_concurrency(self, g: str, s: str) -> None:
        hosts = [t for t in self._G(g).system_list if self._up(g, t) or t == s]
        if len(hosts) > 1:
            self._log("concurrency", f"VCS Concurrency Violation!!! Group=\"{g}\" Hosts=({' '.join(hosts)})")
            # The violation trigger takes the group offline on the system that caused it.
            self._defer(lambda: self._start_offline(g, s, "concurrency violation") if self._active(g, s) else None)

    def _maybe_autorestart(self, g: str, s: str) -> None:
        """A persistent resource came back: AutoRestart brings the group back where it faulted."""
        gr = self._gr[(g, s)]
        if not gr.autorestart or any(self._rr[(r, s)].faulted for r in self._order[g]):
            return
        gr.autorestart = False
        if not self._gi(g, "AutoRestart") or self._frozen(g):
            return
        if self._online_refusal(g, s, manual=False) is None:
            self._log("grp_autorestart", f"Group {g}: persistent resource online again on {s}; AutoRestart")
            self._defer(lambda: self._start_online(g, s, "AutoRestart"))

    # ------------------------------------------------------------------ eligibility
    def _online_refusal(self, g: str, t: str, manual: bool, elsewhere_ok: bool = False) -> tuple[str, str] | None:
        """Why g may not be brought online on t: (UMI, text), or None when it may.

        elsewhere_ok: do not count g being online on another system (a move that takes it offline
        there first asks whether t could take it).
        """
        G = self._G(g)
        if t not in G.system_list:
            return ("V-16-1-10135", f"System {t} is not in SystemList of group {g}")
        if manual and self._frozen(g):
            return ("V-16-1-10198", f"Group {g} is frozen")
        if not self._running(t):
            return ("V-16-1-10164", f"System {t} is not in RUNNING state")
        if self._gr[(g, t)].autodisabled or not self.probed(g, t):
            return ("V-16-1-10282", f"Group {g} is not probed (or is autodisabled) on system {t}")
        for r in self._order[g]:
            if self._rr[(r, t)].faulted:
                return ("V-16-1-10284", f"Cannot online a faulted resource:Clear the faulted resource on system {t}.")
        if self._active(g, t):
            if G.parallel:
                return ("V-16-1-50996", f"Group {g} is already online on system {t}")
            return ("V-16-1-50997", f"Group {g} is already online on system {t}")
        if not G.parallel and not elsewhere_ok:
            other = [x for x in G.system_list if x != t and self._active(g, x)]
            if other:
                return ("V-16-1-10165", f"Group {g} is not offline on system {other[0]}: a failover "
                        "group can be online on one system only")
        why = online_allowed(g, t, self._links, self._up, self._up_anywhere, manual=manual)
        if why is not None:
            return ("V-16-1-10190", f"Group dependency is not met: {why}")
        return None

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

    # ------------------------------------------------------------------ commands
    def _check_group(self, g: str) -> Group:
        G = self.config.groups.get(g)
        if G is None:
            raise EngineCommandError("V-16-1-12130", f"Group {g} does not exist in the local cluster")
        return G

    def _check_sys(self, G: Group, s: str) -> None:
        if s not in self._sys:
            raise EngineCommandError("V-16-1-10138", f"System {s} does not exist")
        if s not in G.system_list:
            raise EngineCommandError("V-16-1-10135", f"System {s} is not in SystemList of group {G.name}")

    def online_group(self, g: str, system: str) -> None:
        G = self._check_group(g)
        self._check_sys(G, system)
        why = self._online_refusal(g, system, manual=True)
        if why is not None:
            raise EngineCommandError(*why)
        self._log("grp_online_init", f"Initiating manual online of group {g} on system {system}")
        self._defer(lambda: self._start_online(g, system, "manual"))

    def offline_group(self, g: str, system: str) -> None:
        G = self._check_group(g)
        self._check_sys(G, system)
        if self._frozen(g):
            raise EngineCommandError("V-16-1-10198", f"Group {g} is frozen")
        if not self._active(g, system):
            raise EngineCommandError("V-16-1-10171", f"Group {g} is not online on system {system}")
        why = offline_blocked(g, system, self._links, self._up, self._up_anywhere)
        if why is not None:
            raise EngineCommandError("V-16-1-10190", f"Group dependency is not met: {why}")
        self._log("grp_offline_init", f"Initiating manual offline of group {g} on system {system}")
        self._defer(lambda: self._start_offline(g, system, "manual"))

    def switch_group(self, g: str, to: str) -> None:
        """Move a failover group to `to`: offline where it is, then online there.

        Choice (the vendor's rule was not found): online local hard and soft parents move with it
        (offline first, then they follow it to `to`); a firm parent makes the switch refused.
        """
        G = self._check_group(g)
        self._check_sys(G, to)
        if G.parallel:
            raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: it is a parallel group")
        if self._frozen(g):
            raise EngineCommandError("V-16-1-10198", f"Group {g} is frozen")
        cur = [t for t in G.system_list if self._active(g, t)]
        if not cur:
            raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: it is not online on any system")
        if to in cur:
            raise EngineCommandError("V-16-1-10192", f"Cannot switch group {g} to its own system {to}")
        src = cur[0]
        if not self._running(to) or not self.probed(g, to) or self._gr[(g, to)].autodisabled:
            raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: system {to} is not "
                                     "RUNNING or the group is not probed there")
        if any(self._rr[(r, to)].faulted for r in self._order[g]):
            raise EngineCommandError("V-16-1-10284", f"Cannot online a faulted resource:Clear the faulted "
                                     f"resource on system {to}.")
        for ln in self._links:
            if ln.parent == g and ln.dep.category == "online" and ln.dep.location == "local" \
                    and not self._up(ln.child, to):
                raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: child group "
                                         f"{ln.child} is not online on {to} ({ln.kind})")
        parents = []
        for ln in self._links:
            if ln.child == g and ln.dep.category == "online" and ln.dep.location == "local" \
                    and self._active(ln.parent, src):
                if ln.dep.rigidity == "firm":
                    raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: parent group "
                                             f"{ln.parent} is online on {src} ({ln.kind})")
                if self._frozen(ln.parent) or (ln.parent, to) not in self._gr:
                    raise EngineCommandError("V-16-1-51055", f"Unable to switch group {g}: parent group "
                                             f"{ln.parent} cannot move to {to}")
                parents.append(ln.parent)
        self._log("grp_switch", f"Initiating switch of group {g} from system {src} to system {to}")
        self._moving.add(g)
        for p in parents:
            self._moving.add(p)
            self._followers.setdefault(g, []).append((p, src))

        def go() -> None:
            self._offline_chain(parents, src, f"switch of child {g}", lambda: self._start_offline(
                g, src, f"switch to {to}", lambda ok: self._switch_online(g, src, to, ok)))

        self._defer(go)

    def _switch_online(self, g: str, src: str, to: str, ok: bool) -> None:
        if not ok or self._online_refusal(g, to, manual=False) is not None:
            self._log("grp_abort", f"Switch of group {g} to {to} did not complete")
            self._stop_moving(g)
            return
        self._start_online(g, to, "switch", lambda ok2: self._move_done(g, to, ok2))

    def clear_group(self, g: str, system: str | None = None) -> None:
        G = self._check_group(g)
        if system is not None:
            self._check_sys(G, system)
        for s in ([system] if system else list(G.system_list)):
            gr = self._gr[(g, s)]
            had = gr.departed_fault or any(self._rr[(r, s)].faulted or self._rr[(r, s)].admin_wait
                                           for r in self._order[g])
            gr.departed_fault = False
            for r in self._order[g]:
                self._clear(r, s)
            if had:
                self._log("grp_clear", f"Clearing faults of group {g} on system {s}")
            self._touch_group(g, s)

    def clear_resource(self, r: str, system: str | None = None) -> None:
        if r not in self._group_of:
            raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")
        G = self._G(self._group_of[r])
        if system is not None:
            self._check_sys(G, system)
        targets = [system] if system else list(G.system_list)
        faulted = [s for s in targets if self._rr[(r, s)].faulted or self._rr[(r, s)].admin_wait]
        if not faulted:
            raise EngineCommandError("V-16-1-10267", "Resource not faulted or group in the process of failing over")
        for s in faulted:
            self._clear(r, s)
            self._log("res_cleared", f"Fault of {self._rtext(r)} on {s} cleared by command")

    def _clear(self, r: str, s: str) -> None:
        rr = self._rr[(r, s)]
        if not (rr.faulted or rr.admin_wait or rr.clean_failed):
            return
        rr.faulted = rr.admin_wait = rr.clean_failed = False
        rr.tolerance = rr.restarts = rr.retries = 0
        self._touch_res(r, s)
        self._schedule_monitor(r, s)

    def probe_resource(self, r: str, system: str) -> None:
        if r not in self._group_of:
            raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")
        self._check_sys(self._G(self._group_of[r]), system)
        if not self._running(system):
            raise EngineCommandError("V-16-1-10164", f"System {system} is not in RUNNING state")
        self._defer(lambda: self._monitor(r, system))

    def flush_group(self, g: str, system: str) -> None:
        """Stop the online/offline in progress on `system`: results in flight are dropped, the
        resources are probed again, and the group's transition ends."""
        G = self._check_group(g)
        self._check_sys(G, system)
        gr = self._gr[(g, system)]
        self._log("grp_flush", f"Flushing group {g} on system {system}")
        for r in self._order[g]:
            rr = self._rr[(r, system)]
            if rr.action in ("online", "offline"):
                rr.gen += 1
                self._set_action(rr, None)
                self._touch_res(r, system)
                if self._running(system):
                    self._defer(lambda r=r: self._monitor(r, system))
        if gr.intent is not None:
            self._set_intent(gr, None)
            self._touch_group(g, system)
            self._fail_thens(gr)

    def freeze_group(self, g: str, persistent: bool = False) -> None:
        self._check_group(g)
        if persistent:
            if not self.writable:
                raise EngineCommandError("V-16-1-10369", "Cluster not writable")
            self._G(g).attributes["Frozen"] = AttrValue(1)
        else:
            self._tfrozen.add(g)
        self._log("grp_freeze", f"Group {g} is frozen{' (persistent)' if persistent else ''}")

    def unfreeze_group(self, g: str, persistent: bool = False) -> None:
        self._check_group(g)
        if persistent:
            if not self.writable:
                raise EngineCommandError("V-16-1-10369", "Cluster not writable")
            self._G(g).attributes["Frozen"] = AttrValue(0)
        else:
            self._tfrozen.discard(g)
        self._log("grp_freeze", f"Group {g} is unfrozen{' (persistent)' if persistent else ''}")

    def modify_group(self, g: str, attr: str, value: Any, system: str | None = None) -> None:
        """`hagrp -modify`: set a group attribute (for `system` only when given), then reindex.

        The value is already typed (the command parses it). Refused when the configuration is
        read-only (V-16-1-10369). Runtime state is kept: the new value counts from the next
        decision that reads it (choice: VCS re-evaluates some attributes at once, such as
        AutoStart on a probe; the emulator does not).
        """
        G = self._check_group(g)
        if not self.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        if system is not None:
            self._check_sys(G, system)
        self._check_group_value(G, attr, value)
        _set_attr(G.attributes, attr, value, system)
        self.reindex()

    def _check_group_value(self, G: Group, attr: str, value: Any) -> None:
        """Refuse a value VCS refuses for a group attribute (the configuration stays as it was)."""
        if attr == "SystemList":
            if not value:
                raise EngineCommandError("V-16-1-10553",
                                         f"{G.name}.SystemList: a group needs at least one system")
            for s in value:
                if s not in self._sys:
                    raise EngineCommandError("V-16-1-10138", f"System {s} does not exist")
            for s in G.system_list:
                if s not in value and self._active(G.name, s):
                    raise EngineCommandError("V-16-1-10447", f"Group {G.name} is online on system {s}")
        elif attr == "AutoStartList":
            for s in _as_list(value):
                if s not in G.system_list:
                    raise EngineCommandError("V-16-1-10135",
                                             f"System {s} is not in SystemList of group {G.name}")
        why = builtins.value_problem(builtins.group_value_rules, attr, value)
        if why is not None:
            raise EngineCommandError("V-16-1-10553", f"{G.name}.{attr}: {why}")

    def modify_resource(self, r: str, attr: str, value: Any, system: str | None = None) -> None:
        """`hares -modify`: set a resource attribute (for `system` only when given), then reindex,
        so that the next entry point of the resource sees the new value."""
        if r not in self._group_of:
            raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")
        if not self.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        G = self._G(self._group_of[r])
        if system is not None:
            self._check_sys(G, system)
        why = builtins.value_problem(builtins.type_value_rules, attr, value)
        if why is not None:
            raise EngineCommandError("V-16-1-10553", f"{r}.{attr}: {why}")
        if (G.resources[r].type, attr) in _GROUP_KEYED:
            for group, flag in (value.items() if isinstance(value, dict) else ()):
                self._check_group(group)
                if str(flag).strip() not in ("0", "1"):
                    raise EngineCommandError("V-16-1-10553",
                                             f"{r}.{attr}: the value of {group} must be 0 or 1")
        _set_attr(G.resources[r].attributes, attr, value, system)
        self.reindex()

    def modify_type(self, type_name: str, attr: str, value: Any) -> None:
        """`hatype -modify`: set a type's value of a (static) attribute, the default every resource of
        the type sees unless it overrides it. Refused while the configuration is read-only
        (V-16-1-10369). Timing takes effect from the cycle under way: a changed MonitorInterval or
        OfflineMonitorInterval re-arms the pending periodic monitors (`_rearm_monitors`); limits and
        timeouts are read when next needed."""
        if not self.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        tdef = self.config.types.get(type_name)
        if tdef is None:
            raise EngineCommandError("V-16-1-10124", f"Type {type_name} does not exist")
        current = tdef.attributes.get(attr) or builtins.type_static_attr_defs.get(attr)
        if current is None:
            raise EngineCommandError("V-16-1-10016", f"Attribute {attr} does not exist for type {type_name}")
        why = builtins.value_problem(builtins.type_value_rules, attr, value)
        if why is not None:
            raise EngineCommandError("V-16-1-10553", f"{type_name}.{attr}: {why}")
        static = current.static or attr in builtins.type_static_attr_defs
        tdef.attributes[attr] = AttrDef(attr, current.datatype, current.dimension, value, static, current.loc)
        self.reindex()
        if attr in ("MonitorInterval", "OfflineMonitorInterval"):
            self._rearm_monitors(type_name)

    def make_rw(self) -> None:
        if self.writable:
            raise EngineCommandError("V-16-1-10364", "Cluster already writable")
        self.writable = True

    def dump_makero(self) -> None:
        if not self.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        self.writable = False

    def request(self, fn: Callable[[], None]) -> None:
        """Run `fn` on the engine's clock at the current time (for callers inside an entry point)."""
        self._defer(fn)

    def note_refusal(self, exc: EngineCommandError) -> None:
        """Log a refused request (from an agent or trigger) the way the CLI would report it."""
        from .log import stamp
        self.log_lines.append(f"{stamp(self.epoch, self.clock.now())} VCS {exc.severity} {exc.umi} {exc.text}")

    def clear_admin_wait(self, g: str, system: str) -> None:
        """`hagrp -clearadminwait`: the resources in ADMIN_WAIT are probed again."""
        G = self._check_group(g)
        self._check_sys(G, system)
        for r in self._order[g]:
            rr = self._rr[(r, system)]
            if rr.admin_wait:
                rr.admin_wait = False
                rr.state = "OFFLINE"
                self._touch_res(r, system)
                self._defer(lambda r=r: self._monitor(r, system))


def _set_attr(attributes: dict[str, AttrValue], attr: str, value: Any, system: str | None) -> None:
    """Set a global value, or one localized for `system` (the global one, if any, stays)."""
    av = attributes.get(attr)
    if system is None:
        attributes[attr] = AttrValue(value)
        return
    if av is None:
        av = attributes[attr] = AttrValue(None)
    av.localized[system] = value


def critical_fault(engine: Engine, g: str, s: str, r: str) -> bool:
    """The fault of r faults the group: r or a resource above it is Critical."""
    return any(engine._ai(x, s, "Critical") for x in [r, *engine._graph[g].ancestors(r)])


def _code(value: Any, failed: int) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return failed


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    if isinstance(value, dict):
        return [str(k) for k in value]
    if value in (None, ""):
        return []
    return [str(value)]
