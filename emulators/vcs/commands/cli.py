"""One command line: its context (`Cli`), its options (`split_options`), the handler of its
``-option`` (`dispatch`), and the usage error every command raises."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from emulators.vcs.engine import Engine

# wait(done, seconds) -> whether done() held within `seconds` of the lab's clock
Waiter = Callable[[Callable[[], bool], float], bool]


class UsageError(Exception):
    pass


@dataclass
class Cli:
    """One command line's context: the engine, the system it is typed on, how -wait waits."""

    engine: Engine
    local: str | None
    wait: Waiter | None


# a command, or one -option of it: (context, the words after it) -> what it prints
Handler = Callable[[Cli, list[str]], str]


def dispatch(command: str, usage: str, table: dict[str, Handler], cli: Cli, args: list[str]) -> str:
    """`command -option args...`: the option's handler from `table`, or VCS's usage error (`usage`
    when no option is given)."""
    if not args:
        raise UsageError(usage)
    handler = table.get(args[0])
    if handler is None:
        raise UsageError(f"{command}: unknown option {args[0]}")
    return handler(cli, args[1:])


def split_options(args: list[str], flags: dict[str, int]) -> tuple[dict[str, list[str]], list[str]]:
    """Split args into options (flag -> its values) and positionals; flags maps -opt -> arity (-1 = the
    words up to the next flag; given twice, as ``-attribute A -attribute B``, the words add up)."""
    opts: dict[str, list[str]] = {}
    pos: list[str] = []
    i = 0
    while i < len(args):
        a = args[i]
        if a.startswith("-") and a in flags:
            n = flags[a]
            if n == -1:
                vals = opts.setdefault(a, [])
                i += 1
                while i < len(args) and not (args[i].startswith("-") and args[i] in flags):
                    vals.append(args[i])
                    i += 1
                continue
            vals = args[i + 1:i + 1 + n]
            if len(vals) < n:
                raise UsageError(f"{a} needs {n} value(s)")
            opts[a] = vals
            i += 1 + n
            continue
        if a.startswith("-"):
            raise UsageError(f"unknown option {a}")
        pos.append(a)
        i += 1
    return opts, pos
