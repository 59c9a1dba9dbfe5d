"""A scriptable agent for tests: each resource is a switch that tests can break, heal and slow down.

- ``fail(res, sys)``: the resource goes down and stays broken: onlines are ineffective until healed.
- ``heal(res, sys)``: no longer broken; a persistent-style resource (``comes_back=True``) is up
  again by itself, a normal one waits to be onlined.
- ``set_up(res, sys, up)``: change the real state behind the engine's back (went online by itself).
- ``delay[ep] = seconds``: entry points become generators that wait that long (virtual time).
- ``hang.add((res, sys, ep))``: that entry point never finishes (timeout tests).
- ``clean_fails.add((res, sys))``: clean returns 1.
- ``code[(res, sys)] = n``: monitor returns n (for example 200, 99) while set.
- ``calls``: (entry point, resource, system) in call order.
"""

from __future__ import annotations

from collections.abc import Generator

from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, EntryContext, EntryResult


class ScriptedAgent:
    def __init__(self, initially_up: bool = False, comes_back: bool = False,
                 delay: dict[str, float] | None = None) -> None:
        self.initially_up = initially_up
        self.comes_back = comes_back
        self.up: dict[tuple[str, str], bool] = {}
        self.broken: set[tuple[str, str]] = set()
        self.delay: dict[str, float] = dict(delay or {})
        self.hang: set[tuple[str, str, str]] = set()
        self.clean_fails: set[tuple[str, str]] = set()
        self.code: dict[tuple[str, str], int] = {}
        self.calls: list[tuple[str, str, str]] = []

    # test controls
    def is_up(self, res: str, sys: str) -> bool:
        return self.up.get((res, sys), self.initially_up)

    def fail(self, res: str, sys: str) -> None:
        self.broken.add((res, sys))
        self.up[(res, sys)] = False

    def heal(self, res: str, sys: str) -> None:
        self.broken.discard((res, sys))
        if self.comes_back:
            self.up[(res, sys)] = True

    def set_up(self, res: str, sys: str, up: bool) -> None:
        self.up[(res, sys)] = up

    # entry points
    def _result(self, ep: str, ctx: EntryContext, value: int) -> EntryResult:
        self.calls.append((ep, ctx.resource, ctx.system))
        if (ctx.resource, ctx.system, ep) in self.hang:
            return self._forever()
        d = self.delay.get(ep, 0.0)
        if d > 0:
            return self._after(d, value)
        return value

    @staticmethod
    def _forever() -> Generator[float, None, int]:
        while True:
            yield 3600.0

    @staticmethod
    def _after(seconds: float, value: int) -> Generator[float, None, int]:
        yield seconds
        return value

    def monitor(self, ctx: EntryContext) -> EntryResult:
        key = (ctx.resource, ctx.system)
        if key in self.code:
            return self._result("monitor", ctx, self.code[key])
        return self._result("monitor", ctx, MONITOR_ONLINE if self.is_up(*key) else MONITOR_OFFLINE)

    def online(self, ctx: EntryContext) -> EntryResult:
        key = (ctx.resource, ctx.system)
        if key not in self.broken and (ctx.resource, ctx.system, "online") not in self.hang:
            self.up[key] = True
        return self._result("online", ctx, 0)

    def offline(self, ctx: EntryContext) -> EntryResult:
        key = (ctx.resource, ctx.system)
        if (ctx.resource, ctx.system, "offline") not in self.hang:
            self.up[key] = False
        return self._result("offline", ctx, 0)

    def clean(self, ctx: EntryContext, reason: int) -> EntryResult:
        key = (ctx.resource, ctx.system)
        if key in self.clean_fails:
            return self._result("clean", ctx, 1)
        self.up[key] = False
        return self._result("clean", ctx, 0)
