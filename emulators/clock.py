"""Virtual and real clocks behind one protocol.

The cluster engine and the platform model never sleep: they ask the clock to call them back. The
`VirtualClock` (sim tier) runs those callbacks as discrete events, so a failover with 60-second
monitor intervals takes milliseconds and is deterministic (ties break by scheduling order). The
`RealClock` (lab daemons) runs them on an asyncio loop, optionally time-scaled (scale 10 means ten
emulated seconds per wall second).
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from typing import Protocol


class Timer(Protocol):
    def cancel(self) -> None: ...


class Clock(Protocol):
    kind: str  # "virtual" or "real"

    def now(self) -> float:
        """Seconds since the clock started, on this clock."""
        ...

    def call_at(self, when: float, fn: Callable[[], None]) -> Timer: ...

    def call_later(self, delay: float, fn: Callable[[], None]) -> Timer: ...


class _VirtualTimer:
    __slots__ = ("cancelled",)

    def __init__(self) -> None:
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True


class VirtualClock:
    """Discrete-event clock: time moves only when the next event runs."""

    kind = "virtual"

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._queue: list[tuple[float, int, _VirtualTimer, Callable[[], None]]] = []
        self._seq = itertools.count()
        self.events_run = 0

    def now(self) -> float:
        return self._now

    def call_at(self, when: float, fn: Callable[[], None]) -> _VirtualTimer:
        timer = _VirtualTimer()
        heapq.heappush(self._queue, (max(float(when), self._now), next(self._seq), timer, fn))
        return timer

    def call_later(self, delay: float, fn: Callable[[], None]) -> _VirtualTimer:
        return self.call_at(self._now + max(0.0, float(delay)), fn)

    def next_time(self) -> float | None:
        """When the next live event is due, or None when nothing is scheduled."""
        while self._queue and self._queue[0][2].cancelled:
            heapq.heappop(self._queue)
        return self._queue[0][0] if self._queue else None

    def step(self) -> bool:
        """Run the next event; False when there is none."""
        if self.next_time() is None:
            return False
        when, _, _, fn = heapq.heappop(self._queue)
        self._now = when
        self.events_run += 1
        fn()
        return True

    def run_until(self, when: float) -> None:
        """Run every event due up to `when`, then set the clock to `when`."""
        while True:
            nxt = self.next_time()
            if nxt is None or nxt > when:
                break
            self.step()
        self._now = max(self._now, float(when))

    def advance(self, seconds: float) -> None:
        self.run_until(self._now + seconds)

    def run_while(self, busy: Callable[[], bool], limit: float) -> bool:
        """Run events while `busy()` holds, up to `limit` seconds from now.

        Periodic work (monitor cycles) never runs out, so "quiescent" is the caller's predicate,
        not an empty queue. Returns True when `busy()` became false within the limit.
        """
        deadline = self._now + limit
        while busy():
            nxt = self.next_time()
            if nxt is None or nxt > deadline:
                self._now = max(self._now, min(deadline, nxt if nxt is not None else deadline))
                return not busy()
            self.step()
        return True


class _RealTimer:
    def __init__(self, handle: asyncio.TimerHandle | None = None) -> None:
        self.handle = handle
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True
        if self.handle is not None:
            self.handle.cancel()


class RealClock:
    """Wall clock on an asyncio loop; `scale` emulated seconds pass per wall second.

    Callbacks run on the loop's thread; callers from other threads must go through
    `run_threadsafe`, which hands the callable to the loop and waits for its result.
    """

    kind = "real"

    def __init__(self, loop: asyncio.AbstractEventLoop, scale: float = 1.0) -> None:
        if scale <= 0:
            raise ValueError("time scale must be positive")
        self.loop = loop
        self.scale = float(scale)
        self._t0 = time.monotonic()

    def now(self) -> float:
        return (time.monotonic() - self._t0) * self.scale

    def call_at(self, when: float, fn: Callable[[], None]) -> _RealTimer:
        return self.call_later(when - self.now(), fn)

    def call_later(self, delay: float, fn: Callable[[], None]) -> _RealTimer:
        timer = _RealTimer()
        wall = max(0.0, float(delay)) / self.scale

        def fire() -> None:
            if not timer.cancelled:
                fn()

        timer.handle = self.loop.call_later(wall, fire)
        return timer

    def run_threadsafe(self, fn: Callable[[], object], timeout: float = 30.0) -> object:
        async def call() -> object:
            return fn()

        return asyncio.run_coroutine_threadsafe(call(), self.loop).result(timeout)
