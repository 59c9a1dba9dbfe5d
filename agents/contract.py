"""The VCS agent contract, as the agents in this project implement it.

An agent serves one resource type. The engine (emulated or, through `agents/AlternateIO/` scripts,
the real VCS script-agent framework) calls its entry points with an `EntryContext`:

- ``monitor(ctx) -> int``: 100 offline, 101..110 online (110 = full confidence), 200 intentional
  offline, 99 or anything else unknown.
- ``online(ctx) -> int`` / ``offline(ctx) -> int``: 0 when the action was started/done; the engine
  confirms the outcome by calling monitor (OnlineWaitLimit / OfflineWaitLimit).
- ``clean(ctx, reason) -> int``: 0 when the resource is now safely offline, non-zero otherwise.
- ``open(ctx)`` / ``close(ctx)``: optional.

Any entry point may instead return a *generator*: each value it yields is a number of seconds the
entry point waits (for example while polling) before it is resumed; the generator's return value is
the entry point's result. The emulated engine resumes it on its own clock (virtual seconds in the
`sim` tier) and applies the entry point's timeout (MonitorTimeout, OnlineTimeout, ...) to the total;
`run_entry_point` below drives one on the wall clock, as a script agent does.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

# monitor exit codes
MONITOR_OFFLINE = 100
MONITOR_ONLINE = 110
MONITOR_UNKNOWN = 99
MONITOR_INTENTIONAL_OFFLINE = 200

# clean reasons, as the VCS framework passes them to clean
CLEAN_OFFLINE_HUNG = 0
CLEAN_OFFLINE_INEFFECTIVE = 1
CLEAN_ONLINE_HUNG = 2
CLEAN_ONLINE_INEFFECTIVE = 3
CLEAN_UNEXPECTED_OFFLINE = 4
CLEAN_MONITOR_HUNG = 5

EntryResult = int | Generator[float, None, int]


def monitor_state(code: int) -> str:
    """Map a monitor exit code to the state it reports: ONLINE, OFFLINE, INTENTIONAL_OFFLINE, UNKNOWN."""
    if code == MONITOR_OFFLINE:
        return "OFFLINE"
    if 101 <= code <= 110:
        return "ONLINE"
    if code == MONITOR_INTENTIONAL_OFFLINE:
        return "INTENTIONAL_OFFLINE"
    return "UNKNOWN"


def _no_log(severity: str, text: str) -> None:
    pass


@dataclass(frozen=True)
class EntryContext:
    """What an entry point knows: which resource, on which system, with which attribute values.

    ``attrs`` holds the resource's attribute values (ArgList and others) resolved for ``system``
    (localized values already applied). ``log(severity, text)`` writes an agent log line.
    """

    resource: str
    type: str
    group: str
    system: str
    attrs: Mapping[str, Any] = field(default_factory=dict)
    log: Callable[[str, str], None] = _no_log


@runtime_checkable
class Agent(Protocol):
    def monitor(self, ctx: EntryContext) -> EntryResult: ...
    def online(self, ctx: EntryContext) -> EntryResult: ...
    def offline(self, ctx: EntryContext) -> EntryResult: ...
    def clean(self, ctx: EntryContext, reason: int) -> EntryResult: ...


def arglist_values(attrs: Mapping[str, Any], arg_list: Sequence[str], form: str = "V50") -> list[str]:
    """The ArgList values as the VCS script agent framework passes them after the resource name (and
    clean's reason): V50 (Script50Agent and later) ``<name> <number_of_elements> <elements...>`` per
    attribute, an association counting keys and values (``StorageSG 2 primary1-strsg 1``), a scalar one
    element; V40 (ScriptAgent) the same without the names."""
    out: list[str] = []
    for name in arg_list:
        value = attrs.get(name)
        if isinstance(value, Mapping):
            elements = [str(x) for k, v in value.items() for x in (k, v)]
        elif isinstance(value, (list, tuple)):
            elements = [str(x) for x in value]
        elif value is None:
            elements = []
        else:
            elements = [str(value)]
        out += ([name] if form == "V50" else []) + [str(len(elements)), *elements]
    return out


def run_entry_point(result: EntryResult, timeout: float | None = None,
                    sleep: Callable[[float], None] = time.sleep) -> int:
    """Drive an entry point's result on the wall clock (script-agent mode).

    Returns the entry point's code; raises TimeoutError when its waits add up past ``timeout``.
    """
    if not isinstance(result, Generator):
        return int(result)
    waited = 0.0
    try:
        delay = next(result)
        while True:
            waited += float(delay)
            if timeout is not None and waited > timeout:
                result.close()
                raise TimeoutError(f"entry point exceeded its timeout of {timeout}s")
            sleep(float(delay))
            delay = result.send(None)
    except StopIteration as stop:
        return int(stop.value if stop.value is not None else 0)
