"""Proxy: a persistent resource that mirrors the state of TargetResName (on TargetSysName, or on
its own system when that is empty), as the bundled Proxy agent does."""

from __future__ import annotations

from typing import Any

from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, MONITOR_UNKNOWN, EntryContext


class ProxyAgent:
    def __init__(self, engine: Any) -> None:
        self.engine = engine

    def monitor(self, ctx: EntryContext) -> int:
        target = str(ctx.attrs.get("TargetResName") or "")
        system = str(ctx.attrs.get("TargetSysName") or "") or ctx.system
        try:
            state = self.engine.resource_state(target, system)
        except Exception:
            return MONITOR_UNKNOWN
        return MONITOR_ONLINE if state.startswith("ONLINE") else MONITOR_OFFLINE

    def online(self, ctx: EntryContext) -> int:
        return 0

    def offline(self, ctx: EntryContext) -> int:
        return 0

    def clean(self, ctx: EntryContext, reason: int) -> int:
        return 0
