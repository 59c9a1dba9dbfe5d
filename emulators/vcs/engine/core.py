"""The engine driver: schedules probes, monitor cycles, entry points and group transitions on a clock.

The engine never sleeps and does no I/O: every delay is a callback on the clock it was given, so
the same engine runs on virtual time (sim) and on an asyncio loop (daemon). Agents' entry points
are called in-process; a generator entry point is resumed on the clock after each value it yields,
and its timeout (MonitorTimeout, OnlineTimeout, ...) applies to the sum of its waits.

Choices where the vendor's documentation is silent are marked "Choice:" in comments and tested in
tests/engine/.

The rules live in mixins, one module each (their docstrings list the rules): `monitoring` (entry
points, monitor cycles, clean, resource faults), `transitions` (resource online/offline, group
transitions), `failover` (faults and failover, eligibility), `membership` (systems joining and
leaving, probes, AutoStart) and `commands` (the command API). This module keeps the engine's state:
constructor, configuration, registration, queries, log and notifications.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from emulators.vcs.config.model import Config, Group

from .attrs import as_int, group_attr, resolve_resource_attrs
from .commands import EngineCommands
from .dependencies import GroupLink, ResourceGraph, group_links
from .errors import EngineCommandError
from .failover import FailoverRules, critical_fault
from .log import DEFAULT_EPOCH, format_line
from .membership import Membership
from .monitoring import MonitoringRules
from .state import (
    EXITED,
    LEAVING,
    RUNNING,
    GroupRuntime,
    ResourceRuntime,
    group_base,
    group_display,
    is_up,
    resource_display,
)
from .transitions import Transitions

__all__ = ["Engine", "EngineCommandError", "StateChange", "critical_fault"]


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


class Engine(MonitoringRules, Transitions, FailoverRules, Membership, EngineCommands):
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
        self._sys_tfrozen: set[str] = set()  # systems frozen by `hasys -freeze` (not persistent)
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
