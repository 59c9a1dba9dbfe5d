"""The engine's command API (what hagrp, hares, hatype, haconf and triggers ask of it).

Rules here (vcs-semantics.md): online/offline of a group (refusals and their UMIs, group
dependencies), switch (parents that move with the group), clear (group, resource, ADMIN_WAIT),
probe, flush, freeze/unfreeze (temporary, persistent), modify of group/resource/type attributes
(read-only configuration, refused values), haconf -makerw / -dump -makero, requests from entry
points and the logging of a refused request.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from agents import alternateio
from emulators.vcs.config import builtins
from emulators.vcs.config.model import AttrDef, AttrValue, Config, Group

from .dependencies import GroupLink, offline_blocked
from .errors import EngineCommandError
from .state import GroupRuntime, ResourceRuntime
from .transitions import _as_list

# Resource attributes whose keys are service groups driven by the resource (0/1): AlternateIO's
# StorageSG and NetworkSG. Choice: VCS does not read agent attributes, but a group that does not
# exist would only make the agent's next monitor UNKNOWN; the engine refuses it at the command.
_GROUP_KEYED = {(alternateio.TYPE_NAME, a) for a in alternateio.ARG_LIST}

class EngineCommands:
    """Mixin of `Engine`: the commands."""

    # state of `Engine` (set in its constructor and `reindex`) that these rules use
    config: Config
    clock: Any
    epoch: datetime
    log_lines: list[str]
    writable: bool
    _sys: dict[str, str]
    _rr: dict[tuple[str, str], ResourceRuntime]
    _gr: dict[tuple[str, str], GroupRuntime]
    _tfrozen: set[str]
    _moving: set[str]
    _followers: dict[str, list[tuple[str, str]]]
    _group_of: dict[str, str]
    _order: dict[str, list[str]]
    _links: list[GroupLink]

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
                                     f"resource on system {to}.", "NOTICE")
        if self.system_frozen(to) or not self._gi(g, "Enabled", to):  # as `_online_refusal`
            raise EngineCommandError("V-16-1-10198", f"System {to} is frozen" if self.system_frozen(to)
                                     else f"Group {g} is disabled on system {to}")
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
        self._set_frozen(g, persistent, True)

    def unfreeze_group(self, g: str, persistent: bool = False) -> None:
        self._set_frozen(g, persistent, False)

    def _set_frozen(self, g: str, persistent: bool, frozen: bool) -> None:
        """`hagrp -freeze/-unfreeze [-persistent]`: a persistent freeze is the Frozen attribute (the
        configuration must be writable), a temporary one (TFrozen) lasts until HAD stops."""
        self._check_group(g)
        if persistent:
            if not self.writable:
                raise EngineCommandError("V-16-1-10369", "Cluster not writable")
            self._G(g).attributes["Frozen"] = AttrValue(int(frozen))
        elif frozen:
            self._tfrozen.add(g)
        else:
            self._tfrozen.discard(g)
        self._log("grp_freeze", f"Group {g} is {'frozen' if frozen else 'unfrozen'}"
                                f"{' (persistent)' if persistent else ''}")

    def online_group_propagate(self, g: str, system: str) -> None:
        """`hagrp -online -propagate`: bring online first the child groups `g` needs to come online
        on `system` (online local: there; online global: anywhere, `system` preferred; online remote:
        elsewhere), their own children first, then `g`. Refusals other than an unmet dependency are
        the same as `online_group`'s; a child that cannot come online where it must is refused too."""
        G = self._check_group(g)
        self._check_sys(G, system)
        plan: list[tuple[str, str]] = []
        self._plan_propagate(g, system, plan, set())
        self._log("grp_online_init", f"Initiating manual online of group {g} on system {system} "
                  f"(propagate)")

        def step(rest: list[tuple[str, str]], ok: bool = True) -> None:
            if not ok or not rest:
                return
            (h, t), tail = rest[0], rest[1:]
            if self._up(h, t):
                step(tail)
                return
            self._start_online(h, t, "manual (propagate)", lambda ok2: self._nested(lambda: step(tail, ok2)))

        self._defer(lambda: step(plan))

    def _plan_propagate(self, g: str, t: str, plan: list[tuple[str, str]], seen: set[str]) -> None:
        """Append (group, system) pairs to bring online, children first, ending with (g, t)."""
        if g in seen:
            return
        seen.add(g)
        why = self._online_refusal(g, t, manual=True)
        if why is not None and why[0] != "V-16-1-10190":
            raise EngineCommandError(*why)
        for ln in self._links:
            if ln.parent != g or ln.dep.category != "online":
                continue
            c, where = ln.child, ln.dep.location
            C = self._G(c)
            if where == "local":
                if not self._up(c, t):
                    if t not in C.system_list:
                        raise EngineCommandError("V-16-1-10135", f"System {t} is not in SystemList of group {c}")
                    self._plan_propagate(c, t, plan, seen)
            elif (where == "global" and not self._up_anywhere(c)) or \
                    (where == "remote" and not [x for x in self._up_anywhere(c) if x != t]):
                # `system` first for a global child, never `system` for a remote one; then by priority
                order = sorted((x for x in C.system_list if where == "global" or x != t),
                               key=lambda x: (x != t, C.system_list[x]))
                target = next((x for x in order if (self._online_refusal(c, x, manual=True) or ("",))[0]
                               in ("", "V-16-1-10190")), None)
                if target is None:  # UMI and text: Ericsson enminst VcsCodes
                    raise EngineCommandError("V-16-1-40156", "Cannot online group. No target system found")
                self._plan_propagate(c, target, plan, seen)
        plan.append((g, t))

    def autoenable_group(self, g: str, system: str) -> None:
        """`hagrp -autoenable`: clear AutoDisabled of `g` on `system` (the administrator vouches that
        the group is offline there); AutoStart is looked at again."""
        G = self._check_group(g)
        self._check_sys(G, system)
        gr = self._gr[(g, system)]
        if gr.autodisabled:
            gr.autodisabled = False
            self._log("grp_autoenable", f"Group {g} is autoenabled on system {system}")
            self._touch_group(g, system)
            self._maybe_autostart(g)

    def enable_group(self, g: str, enabled: bool, system: str | None = None) -> None:
        """`hagrp -enable|-disable group [-sys system]`: set the group's Enabled attribute (for one
        system, else for all); it is configuration, so the configuration must be writable. A disabled
        group stays as it is where it runs and is not brought online where it is disabled
        (`_online_refusal`)."""
        G = self._check_group(g)
        if system is not None:
            self._check_sys(G, system)
        if not self.writable:
            raise EngineCommandError("V-16-1-10369", "Cluster not writable")
        _set_attr(G.attributes, "Enabled", 1 if enabled else 0, system)
        self.reindex()
        if enabled:
            self._maybe_autostart(g)

    # ------------------------------------------------------------------ systems frozen, resources by hand
    def system_frozen(self, system: str) -> bool:
        """Frozen by `hasys -freeze`, temporarily or persistently (the system's Frozen attribute)."""
        return system in self._sys_tfrozen or self.system_persistently_frozen(system)

    def system_persistently_frozen(self, system: str) -> bool:
        sysdef = self.config.systems.get(system)
        av = sysdef.attributes.get("Frozen") if sysdef is not None else None
        return bool(av is not None and str(av.value) not in ("0", "None", ""))

    def freeze_system(self, system: str, persistent: bool = False, evacuate: bool = False) -> None:
        """`hasys -freeze [-persistent] [-evacuate]`: no group is brought online on the system any
        more; with -evacuate its online failover groups first switch to the system their policy
        picks (children first; a group that cannot move stays). Persistent needs a writable
        configuration. V-16-1-40206/40207 when already so frozen (UMIs and texts: Ericsson enminst
        VcsCodes)."""
        if system not in self._sys:
            raise EngineCommandError("V-16-1-10138", f"System {system} does not exist")
        if persistent:
            if not self.writable:
                raise EngineCommandError("V-16-1-10369", "Cluster not writable")
            if self.system_persistently_frozen(system):
                raise EngineCommandError("V-16-1-40206", "System is already persistently frozen")
        elif system in self._sys_tfrozen:
            raise EngineCommandError("V-16-1-40207", "System is already temporarily frozen")
        if evacuate:
            self._evacuate(system)
        if persistent:
            from emulators.vcs.config.model import System
            self.config.systems.setdefault(system, System(system)).attributes["Frozen"] = AttrValue(1)
        else:
            self._sys_tfrozen.add(system)
        self._log("sys_freeze", f"System {system} is frozen{' (persistent)' if persistent else ''}")

    def _evacuate(self, s: str) -> None:
        from .dependencies import children_first
        active = [g for g in self.config.groups if (g, s) in self._gr and self._active(g, s)
                  and not self._G(g).parallel and not self._frozen(g)]
        for g in children_first(active, self._links):
            if g in self._moving or not self._active(g, s):
                continue
            G = self._G(g)
            targets = sorted((t for t in G.system_list if t != s), key=lambda t: G.system_list[t])
            for t in targets:
                if self._online_refusal(g, t, manual=False, elsewhere_ok=True) is None:
                    try:
                        self.switch_group(g, t)
                    except EngineCommandError as exc:
                        self._log("grp_abort", f"Evacuation of group {g} from {s} refused: {exc.text}")
                    break
            else:
                self._log("grp_abort", f"Evacuation of group {g} from {s}: no system can take it")

    def unfreeze_system(self, system: str, persistent: bool = False) -> None:
        """`hasys -unfreeze [-persistent]`; V-16-1-40204/40205 when not so frozen (40205's text as
        LITP's vcs_cmd_api.py expects it: ``System is not persistently frozen``)."""
        if system not in self._sys:
            raise EngineCommandError("V-16-1-10138", f"System {system} does not exist")
        if persistent:
            if not self.writable:
                raise EngineCommandError("V-16-1-10369", "Cluster not writable")
            if not self.system_persistently_frozen(system):
                raise EngineCommandError("V-16-1-40205", "System is not persistently frozen")
            self.config.systems[system].attributes["Frozen"] = AttrValue(0)
        else:
            if system not in self._sys_tfrozen:
                raise EngineCommandError("V-16-1-40204", "System is not temporarily frozen")
            self._sys_tfrozen.discard(system)
        self._log("sys_freeze", f"System {system} is unfrozen{' (persistent)' if persistent else ''}")
        for g in self.config.groups:
            if system in self._G(g).system_list:
                self._maybe_autostart(g)

    def _res_operable(self, r: str, system: str, what: str):
        """The group, system and runtime of a resource `hares -online/-offline` may act on: not in a
        frozen group, not persistent (nothing to bring online or take offline)."""
        G, s = self._res_target(r, system)
        if self._frozen(G.name):
            raise EngineCommandError("V-16-1-10198", f"Group {G.name} is frozen")
        if self._is_persistent(r):
            raise EngineCommandError("V-16-1-10283", f"Resource {r} is persistent: it cannot be {what}")
        return G, s, self._rr[(r, s)]

    def online_resource(self, r: str, system: str) -> None:
        """`hares -online resource -sys system`: that resource only (its children must be online).
        Refused: a persistent resource (nothing to online), a faulted one (V-16-1-10284), its group
        online elsewhere when it is a failover group (V-16-1-10286, texts verbatim from
        captures/ha-cli-messages.1.txt); choice: an online resource or children offline refused
        with V-16-1-10286's neighbour texts below (not found)."""
        G, s, rr = self._res_operable(r, system, "brought online")
        g = G.name
        if rr.faulted:
            raise EngineCommandError("V-16-1-10284", f"Cannot online a faulted resource:Clear the faulted "
                                     f"resource on system {s}.", "NOTICE")
        if not G.parallel and any(self._active(g, t) for t in G.system_list if t != s):
            raise EngineCommandError("V-16-1-10286", "Cannot online: resource's group is not offline elsewhere")
        if rr.state == "ONLINE" or rr.action is not None:
            raise EngineCommandError("V-16-1-10287", f"Resource {r} is already online (or going online) on {s}")
        for c in self._graph[g].children[r]:
            if self._rr[(c, s)].state != "ONLINE":
                raise EngineCommandError("V-16-1-10289", f"Cannot online resource {r}: its child {c} is not "
                                         f"online on {s}")
        self._defer(lambda: self._online_resource(r, s) if rr.action is None and rr.state != "ONLINE" else None)

    def offline_resource(self, r: str, system: str) -> None:
        """`hares -offline resource -sys system`: that resource only (its parents must be offline);
        choice: the refusals' UMIs (not found)."""
        G, s, rr = self._res_operable(r, system, "taken offline")
        g = G.name
        if rr.state != "ONLINE" or rr.action is not None:
            raise EngineCommandError("V-16-1-10288", f"Resource {r} is not online on {s}")
        for p in self._graph[g].parents[r]:
            if self._rr[(p, s)].state == "ONLINE" and not self._is_persistent(p):
                raise EngineCommandError("V-16-1-10289", f"Cannot offline resource {r}: its parent {p} is "
                                         f"online on {s}")
        self._defer(lambda: self._offline_resource(r, s) if rr.action is None and rr.state == "ONLINE" else None)

    def _res_target(self, r: str, system: str) -> tuple[Group, str]:
        if r not in self._group_of:
            raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")
        G = self._G(self._group_of[r])
        self._check_sys(G, system)
        if not self._running(system):
            raise EngineCommandError("V-16-1-10164", f"System {system} is not in RUNNING state")
        return G, system

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
                    # UMI: what LITP's vcs_cmd_api.py expects of `hagrp -modify G SystemList -delete S`
                    # (V-16-1-10447 is the NOTICE "Group G is online on system S" of the engine log)
                    raise EngineCommandError("V-16-1-10180", f"Group {G.name} is not offline on system {s}")
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
