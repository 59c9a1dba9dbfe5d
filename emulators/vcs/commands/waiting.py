"""``-wait``: how long a command line may wait (`wait_limit`, `wait_args`), how the lab's clock is
waited on (`clock_waiter`), and the wait for an attribute's value (`await_value`; a group's or a
resource's: `wait_option`)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from emulators.vcs.engine import Engine, EngineCommandError

from . import objects
from .cli import Cli, Handler, UsageError, Waiter, split_options
from .rows import Row, matches, pick

WAIT_TIMEOUT_UMI = "V-16-1-10805"
# `-wait` without `-time` waits forever on VCS; the emulation gives up after this much lab time
DEFAULT_WAIT_S = 3600.0


def clock_waiter(clock: Any) -> Waiter:
    """Wait on `clock` by running it: a virtual clock runs its events until `done()` holds or
    `seconds` have passed; a real clock cannot be run from here (False unless done already)."""

    def wait(done: Callable[[], bool], seconds: float) -> bool:
        if getattr(clock, "kind", None) == "virtual" and not done():
            clock.run_while(lambda: not done(), seconds)
        return done()

    return wait


def wait_limit(argv: list[str]) -> float | None:
    """Lab seconds a ``ha* -wait`` command line may wait (its ``-time``, else `DEFAULT_WAIT_S`);
    None when `argv` is not one."""
    name = argv[0].rsplit("/", 1)[-1] if argv else ""
    if name not in ("hagrp", "hares", "hasys", "haclus") or "-wait" not in argv[1:2]:
        return None
    if "-time" in argv:
        i = argv.index("-time")
        if i + 1 < len(argv) and argv[i + 1].isdigit():
            return float(argv[i + 1])
    return DEFAULT_WAIT_S


def wait_args(args: list[str], usage: str, has_object: bool = True) -> tuple[list[str], str | None, float]:
    """(positionals, -sys system, seconds) of ``-wait [OBJ] ATTR VALUE [-sys S] [-time T]``."""
    opts, pos = split_options(args, {"-sys": 1, "-time": 1, "-clus": 1, "-localclus": 0})
    if len(pos) != (3 if has_object else 2):
        raise UsageError(usage)
    seconds = DEFAULT_WAIT_S
    if "-time" in opts:
        t = opts["-time"][0]
        if not t.isdigit():
            raise UsageError(usage)
        seconds = float(t)
    return pos, (opts["-sys"][0] if "-sys" in opts else None), seconds


def await_value(cli: Cli, rows: Callable[[], list[Row]], attr: str, want: str, owner: str, seconds: float,
                system: str | None = None, systems: list[str] | None = None,
                same: Callable[[str, str], bool] = matches) -> str:
    """Nothing once attribute `attr` of the object's `rows`, read as ``-value`` reads it (`pick`), is
    `same` as `want` (at once if it is already); else V-16-1-10805 ``Connection timed out`` when
    `seconds` of lab time pass first (or when this caller cannot wait: see `run`). An attribute the
    object does not have is refused at once."""

    def done() -> bool:
        return same(pick(rows(), attr, system, owner, systems or []), want)

    if done() or (cli.wait is not None and cli.wait(done, seconds)):
        return ""
    raise EngineCommandError(WAIT_TIMEOUT_UMI, "Connection timed out")


def wait_option(usage: str, noun: str, check: objects.Check, rows: Callable[[Engine, str], list[Row]],
                systems: Callable[[Engine, str], list[str]]) -> Handler:
    """``-wait NAME ATTRIBUTE VALUE [-sys SYSTEM] [-time SECONDS]`` of a group or resource (`noun`):
    returns once the attribute has the value (for the system given, else the one typed on),
    V-16-1-10805 when the time runs out (see `run` for how the emulation waits)."""

    def handler(cli: Cli, args: list[str]) -> str:
        (name, a, want), s, seconds = wait_args(args, usage)
        check(cli.engine, name)
        objects.system(cli.engine, s)
        return await_value(cli, lambda: rows(cli.engine, name), a, want, f"{noun} {name}", seconds,
                           s if s is not None else cli.local, systems(cli.engine, name))

    return handler
