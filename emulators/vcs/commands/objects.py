"""The objects a command line names: refusals of a group, resource or system that does not exist,
the ``NAME [-sys SYSTEM]`` forms of the options that act on one object on one system, and the
(object, system) pairs ``-state [NAME ...] [-sys SYSTEM]`` prints."""

from __future__ import annotations

from collections.abc import Callable, Iterable

from emulators.vcs.engine import Engine, EngineCommandError

from .cli import Cli, Handler, UsageError, split_options

# refuses a name that does not exist
Check = Callable[[Engine, str], None]


def group(engine: Engine, g: str) -> None:
    if g not in engine.config.groups:
        raise EngineCommandError("V-16-1-12130", f"Group {g} does not exist in the local cluster")


def resource(engine: Engine, r: str) -> None:
    if engine.config.resource(r) is None:
        raise EngineCommandError("V-16-1-10260", f"Resource {r} does not exist in the local cluster")


def system(engine: Engine, s: str | None) -> None:
    """Refuses a system that does not exist (None, no system named: nothing to refuse)."""
    if s is not None and s not in engine.systems():
        raise EngineCommandError("V-16-1-10138", f"System {s} does not exist")


def named_on_system(engine: Engine, args: list[str], usage: str, check: Check, flag: str = "-sys",
                    required: bool = True, accepted: tuple[str, ...] = ()) -> tuple[str, str | None]:
    """(name, system) of ``NAME -sys|-to SYSTEM`` (``[-sys SYSTEM]`` unless `required`), both checked;
    the flags of `accepted` (without values) are taken and ignored."""
    opts, pos = split_options(args, {flag: 1, **dict.fromkeys(accepted, 0)})
    if len(pos) != 1 or (required and flag not in opts):
        raise UsageError(usage)
    check(engine, pos[0])
    s = opts[flag][0] if flag in opts else None
    system(engine, s)
    return pos[0], s


def on_system(action: str, usage: str, check: Check, flag: str = "-sys", required: bool = True,
              accepted: tuple[str, ...] = ()) -> Handler:
    """An option that checks ``NAME [-sys SYSTEM]`` (`named_on_system`), then asks the engine:
    ``engine.<action>(name, system)``."""

    def handler(cli: Cli, args: list[str]) -> str:
        name, s = named_on_system(cli.engine, args, usage, check, flag, required, accepted)
        getattr(cli.engine, action)(name, s)
        return ""

    return handler


def state_pairs(engine: Engine, args: list[str], every: list[str], check: Check,
                systems: Callable[[str], Iterable[str]],
                ) -> tuple[list[str], str | None, list[tuple[str, str]]]:
    """(names given, system given, (name, system) pairs) of ``-state [NAME ...] [-sys SYSTEM]``: the
    names given (checked), else `every`, each on its `systems`, or only on the system given."""
    opts, pos = split_options(args, {"-sys": 1, "-localclus": 0, "-clus": 1})
    names = pos or every
    for n in names:
        check(engine, n)
    s = opts["-sys"][0] if "-sys" in opts else None
    system(engine, s)
    return pos, s, [(n, t) for n in names for t in systems(n) if s is None or t == s]
