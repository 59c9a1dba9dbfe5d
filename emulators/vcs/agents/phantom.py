"""Phantom: a dummy OnOff resource that gives a state to a parallel group of persistent resources.

It is online exactly when the engine brought it online (and not taken offline since), on each
system separately; it never faults on its own.
"""

from __future__ import annotations

from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, EntryContext


class PhantomAgent:
    def __init__(self) -> None:
        self.online_on: set[tuple[str, str]] = set()

    def monitor(self, ctx: EntryContext) -> int:
        return MONITOR_ONLINE if (ctx.resource, ctx.system) in self.online_on else MONITOR_OFFLINE

    def online(self, ctx: EntryContext) -> int:
        self.online_on.add((ctx.resource, ctx.system))
        return 0

    def offline(self, ctx: EntryContext) -> int:
        self.online_on.discard((ctx.resource, ctx.system))
        return 0

    def clean(self, ctx: EntryContext, reason: int) -> int:
        self.online_on.discard((ctx.resource, ctx.system))
        return 0
