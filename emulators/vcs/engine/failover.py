"""Faults and failover, and eligibility.

Rules here (vcs-semantics.md): a group fault (Critical, non-critical faults leave the group
PARTIAL); parents taken down first (online local firm/hard) and followers; online local soft parents
that stay and follow; hard children (online local hard) and online global firm parents; failover by
FailOverPolicy (Priority, RoundRobin, Load/Capacity) and AutoFailOver; clean failure blocking a
failover; concurrency violation; AutoRestart of a persistent resource's group; eligibility of a
system for an online (SystemList, frozen, RUNNING, probed/autodisabled, faulted resources, one
system for a failover group, group dependencies).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from emulators.vcs.config.model import Config

from .attrs import SYSTEM_DEFAULTS, as_int, group_attr
from .dependencies import GroupLink, ResourceGraph, online_allowed
from .policies import choose_target
from .state import GroupRuntime, ResourceRuntime

if TYPE_CHECKING:
    from .core import Engine


class FailoverRules:
    """Mixin of `Engine`: group faults, failover and followers, eligibility of a system."""

    # state of `Engine` (set in its constructor and `reindex`) that these rules use
    config: Config
    _sys: dict[str, str]
    _rr: dict[tuple[str, str], ResourceRuntime]
    _gr: dict[tuple[str, str], GroupRuntime]
    _moving: set[str]
    _followers: dict[str, list[tuple[str, str]]]
    _soft_followers: dict[str, list[tuple[str, str]]]
    _fo_pending: set[str]
    _graph: dict[str, ResourceGraph]
    _order: dict[str, list[str]]
    _links: list[GroupLink]

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
        # a frozen system takes no group, a group disabled there does not come online there (VCS
        # Administrator's Guide: hasys -freeze, group attribute Enabled); choice: the UMI and text of
        # the refusals (not found) follow the emulator's V-16-1-10198 "Group G is frozen"
        if self.system_frozen(t):
            return ("V-16-1-10198", f"System {t} is frozen")
        if not self._gi(g, "Enabled", t):
            return ("V-16-1-10198", f"Group {g} is disabled on system {t}")
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


def critical_fault(engine: Engine, g: str, s: str, r: str) -> bool:
    """The fault of r faults the group: r or a resource above it is Critical."""
    return any(engine._ai(x, s, "Critical") for x in [r, *engine._graph[g].ancestors(r)])
