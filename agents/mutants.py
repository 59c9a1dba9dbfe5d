"""A family of wrong AlternateIO agents, for measuring what the suites can catch.

Each mutant is the correct agent (`agents.alternateio.AlternateIOAgent`) with one plausible mistake,
the kind a patched build or a rewrite could ship. `altio-hil mutants` runs the suites against every
one of them and reports which scenarios killed which (`harness/mutants.py`); a mutant nobody kills
on a lab that can tell it apart is a hole in the suites.

They are monitors like the others (`agents.alternateio.MONITORS`), so they also run as a script agent
(`ALTIO_MONITOR=NAME`, or the `variant` file of an installed build): the mistake is the same whether
the engine calls the agent in-process or as processes. Never in production.

What a lab needs to tell each one apart (README, "Mutants"):

- ``legacy-primary-only``, ``first-two-systems``: a service group served by more systems than the
  mutant looks at (two for the legacy one, three for first-two-systems) and a fault on the first ones.
- ``ignores-network``, ``ignores-storage``, ``any-group-suffices``, ``sticky-online``: any lab (rows
  S4/N4).
- ``partial-counts``: a storage or network group with more than one resource (a PARTIAL group).
- ``online-does-nothing``, ``onlines-value-0``: a value-1 group that does not start by itself
  (AutoStart 0 or taken down), a value-0 group that is down; ``offline-does-nothing``: a value-1 group.
- ``unreadable-is-online``: a group AlternateIO is configured to watch but cannot read.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any

from agents.alternateio import AlternateIOAgent, LegacyPrimaryOnlyAgent, _Verdict
from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, EntryContext
from agents.group_control import GroupStateError


def _only(ctx: EntryContext, keep: str) -> EntryContext:
    """ctx with only one of the ArgList attributes left (the other one forgotten)."""
    attrs: dict[str, Any] = dict(ctx.attrs)
    for name in ("StorageSG", "NetworkSG"):
        if name != keep:
            attrs[name] = {}
    return EntryContext(ctx.resource, ctx.type, ctx.group, ctx.system, attrs, ctx.log)


class IgnoresNetworkAgent(AlternateIOAgent):
    """Forgets NetworkSG: the guest stays on a node whose network is gone everywhere."""

    def _consolidated(self, ctx: EntryContext, log: bool) -> int:
        return super()._consolidated(_only(ctx, "StorageSG"), log)


class IgnoresStorageAgent(AlternateIOAgent):
    """Forgets StorageSG: the guest stays on a node whose storage is gone everywhere."""

    def _consolidated(self, ctx: EntryContext, log: bool) -> int:
        return super()._consolidated(_only(ctx, "NetworkSG"), log)


class AnyGroupSufficesAgent(AlternateIOAgent):
    """ONLINE as soon as one named group is available (or instead of and)."""

    def _consolidated(self, ctx: EntryContext, log: bool) -> int:
        code = super()._consolidated(ctx, log)
        if code != MONITOR_OFFLINE:
            return code
        for attribute in ("StorageSG", "NetworkSG"):
            for group in dict(ctx.attrs.get(attribute) or {}):
                if self._group_verdict(group).available:
                    return MONITOR_ONLINE
        return code


class FirstTwoSystemsAgent(AlternateIOAgent):
    """Looks only at the first two systems of a group's SystemList (control + first alternate)."""

    def systems_watched(self, system_list: list[str]) -> list[str]:
        return system_list[:2]


class PartialCountsAgent(AlternateIOAgent):
    """Counts a PARTIAL group as available: ONLINE|PARTIAL serves no I/O it can rely on."""

    def _group_verdict(self, group: str) -> _Verdict:
        verdict = super()._group_verdict(group)
        if verdict.available is not False:
            return verdict
        try:
            systems = self.systems_watched(self.groups.system_list(group))
        except GroupStateError:
            return verdict
        for system in systems:
            try:
                if "PARTIAL" in self.groups.state(group, system):
                    return _Verdict(True)
            except GroupStateError:
                pass
        return verdict


class OnlineDoesNothingAgent(AlternateIOAgent):
    """online returns at once without bringing any value-1 group up."""

    def online(self, ctx: EntryContext) -> Generator[float, None, int]:
        return 0
        yield  # a generator, like the real one


class OfflineDoesNothingAgent(AlternateIOAgent):
    """offline returns at once and leaves the value-1 groups running."""

    def offline(self, ctx: EntryContext) -> Generator[float, None, int]:
        return 0
        yield


class OnlinesValue0Agent(AlternateIOAgent):
    """online brings up every named group, value-0 ones (which it must leave alone) included."""

    def online(self, ctx: EntryContext) -> Generator[float, None, int]:
        attrs = {name: {g: 1 for g in dict(ctx.attrs.get(name) or {})} for name in ("StorageSG", "NetworkSG")}
        return (yield from super().online(EntryContext(ctx.resource, ctx.type, ctx.group, ctx.system,
                                                        {**ctx.attrs, **attrs}, ctx.log)))


class UnreadableIsOnlineAgent(AlternateIOAgent):
    """A group whose state cannot be read counts as available (it should make the resource UNKNOWN)."""

    def _group_verdict(self, group: str) -> _Verdict:
        verdict = super()._group_verdict(group)
        return _Verdict(True) if verdict.available is None else verdict


class StickyOnlineAgent(AlternateIOAgent):
    """Once it has reported ONLINE for a resource on a system, it reports ONLINE for ever."""

    def __init__(self, groups, poll_interval: float = 5.0) -> None:
        super().__init__(groups, poll_interval)
        self.seen_online: set[tuple[str, str]] = set()

    def monitor(self, ctx: EntryContext) -> int:
        key = (ctx.resource, ctx.system)
        if key in self.seen_online or _sticky_file_says_online(ctx):
            return MONITOR_ONLINE
        code = super().monitor(ctx)
        if code == MONITOR_ONLINE:
            self.seen_online.add(key)
            _sticky_file_mark(ctx)
        return code


def _sticky_path(ctx: EntryContext):
    """Where the script form remembers what it saw (each entry point is a new process)."""
    import os
    import tempfile

    home = os.environ.get("VCS_CONF") or tempfile.gettempdir()
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in f"{ctx.resource}@{ctx.system}")
    return os.path.join(home, f".altio-sticky-{safe}")


def _sticky_file_says_online(ctx: EntryContext) -> bool:
    import os

    return bool(os.environ.get("VCS_CONF")) and os.path.exists(_sticky_path(ctx))


def _sticky_file_mark(ctx: EntryContext) -> None:
    import os

    if os.environ.get("VCS_CONF"):  # only where a script agent keeps its state between processes
        try:
            with open(_sticky_path(ctx), "w", encoding="utf-8") as fh:
                fh.write("ONLINE\n")
        except OSError:
            pass


MUTANTS: dict[str, type[AlternateIOAgent]] = {
    "legacy-primary-only": LegacyPrimaryOnlyAgent,
    "ignores-network": IgnoresNetworkAgent,
    "ignores-storage": IgnoresStorageAgent,
    "any-group-suffices": AnyGroupSufficesAgent,
    "first-two-systems": FirstTwoSystemsAgent,
    "partial-counts": PartialCountsAgent,
    "online-does-nothing": OnlineDoesNothingAgent,
    "offline-does-nothing": OfflineDoesNothingAgent,
    "onlines-value-0": OnlinesValue0Agent,
    "unreadable-is-online": UnreadableIsOnlineAgent,
    "sticky-online": StickyOnlineAgent,
}

# what each mutant gets wrong, in one line (the kill matrix page and `altio-hil mutants --list`)
MISTAKES: dict[str, str] = {
    "legacy-primary-only": "watches a group on the first system of its SystemList only (the control domain)",
    "ignores-network": "ignores NetworkSG",
    "ignores-storage": "ignores StorageSG",
    "any-group-suffices": "ONLINE when any one named group is available",
    "first-two-systems": "watches only the first two systems of a group's SystemList",
    "partial-counts": "counts a PARTIAL group as available",
    "online-does-nothing": "online brings no group up",
    "offline-does-nothing": "offline takes no group down",
    "onlines-value-0": "online brings value-0 groups up too",
    "unreadable-is-online": "reports ONLINE when a group cannot be read",
    "sticky-online": "never leaves ONLINE once it has reported it",
}
