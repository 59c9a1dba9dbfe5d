"""One look at a whole lab: every system, group, resource and domain state at one instant.

The judge and the operator procedures ask their questions of a `Snapshot`, never of the lab one
group at a time: over SSH a snapshot is a handful of commands (`hastatus -sum`, `hares -state`,
`ldm list -p` per reachable control domain), where per-group questions were dozens of round trips
per poll. `changes(old, new)` turns two successive snapshots into timeline events, which is how a
lab reached only by commands tells the timeline what happened.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

from harness.parsers import parse_hares_state, parse_hastatus_sum, parse_ldm_list_p


@dataclass(frozen=True)
class GuestIo:
    """What a guest domain's own view says of its I/O paths ("" node: not running anywhere seen)."""

    node: str
    storage_ok: bool
    network_ok: bool


@dataclass(frozen=True)
class Snapshot:
    t: float  # on the target's clock
    systems: Mapping[str, str] = field(default_factory=dict)  # cluster system -> RUNNING, FAULTED, ...
    groups: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (group, system) -> state
    resources: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (resource, system) -> state
    domains: Mapping[tuple[str, str], str] = field(default_factory=dict)  # (node, ldm domain) -> state
    io: Mapping[str, GuestIo] = field(default_factory=dict)  # guest -> its I/O as last probed

    def system(self, system: str) -> str:
        """The cluster's state of a system; UNKNOWN when no reachable system reports it."""
        return self.systems.get(system, "UNKNOWN")

    def running(self, system: str) -> bool:
        return self.system(system) == "RUNNING"

    def group(self, group: str, system: str) -> str:
        return self.groups.get((group, system), "")

    def resource(self, resource: str, system: str) -> str:
        return self.resources.get((resource, system), "")

    def domain(self, node: str, domain: str) -> str:
        """`ldm` state (active, bound, inactive) of a domain on a node; "" when undefined or unseen."""
        return self.domains.get((node, domain), "")

    def online_systems(self, group: str) -> list[str]:
        return [s for (g, s), st in self.groups.items() if g == group and st == "ONLINE"]


def from_commands(t: float, hastatus_sum: str, hares_state: str, ldm_by_node: Mapping[str, str],
                  io: Mapping[str, GuestIo] | None = None) -> Snapshot:
    """A snapshot from what the commands printed (parsed with harness.parsers; ParseError if not)."""
    summary = parse_hastatus_sum(hastatus_sum)
    domains = {(node, d.name): d.state for node, text in ldm_by_node.items() for d in parse_ldm_list_p(text)}
    return Snapshot(
        t=t,
        systems={s: row.state for s, row in summary.systems.items()},
        groups={k: row.state for k, row in summary.groups.items()},
        resources=dict(parse_hares_state(hares_state)) if hares_state.strip() else {},
        domains=domains,
        io=dict(io or {}),
    )


@dataclass(frozen=True)
class Change:
    kind: str  # timeline event kind: system, group, resource, domain, io
    subject: str
    system: str | None
    old: str | None
    new: str


def changes(old: Snapshot | None, new: Snapshot) -> Iterator[Change]:
    """What differs from `old` to `new`, as timeline events (everything is new when `old` is None)."""
    prev = old or Snapshot(t=new.t)
    for s, st in new.systems.items():
        if prev.systems.get(s) != st:
            yield Change("system", s, s, prev.systems.get(s), st)
    for (g, s), st in new.groups.items():
        if prev.groups.get((g, s)) != st:
            yield Change("group", g, s, prev.groups.get((g, s)), st)
    for (r, s), st in new.resources.items():
        if prev.resources.get((r, s)) != st:
            yield Change("resource", r, s, prev.resources.get((r, s)), st)
    for (node, d), st in new.domains.items():
        if prev.domains.get((node, d)) != st:
            yield Change("domain", d, node, prev.domains.get((node, d)), st)
    for (node, d), st in prev.domains.items():  # a node that went dark: its domains are gone from sight
        if (node, d) not in new.domains and node not in {n for n, _ in new.domains}:
            yield Change("domain", d, node, st, "unreachable")
    for guest, now in new.io.items():
        was = prev.io.get(guest)
        for path, ok, was_ok in (("storage", now.storage_ok, was.storage_ok if was else None),
                                 ("network", now.network_ok, was.network_ok if was else None)):
            if was_ok is None or ok != was_ok or (was is not None and was.node != now.node):
                yield Change("io", f"{guest} {path}", now.node or None,
                             None if was_ok is None else ("ok" if was_ok else "lost"), "ok" if ok else "lost")
