"""``hatype``: resource types and their static (type-level) attributes."""

from __future__ import annotations

from typing import Any

from emulators.vcs.config import builtins
from emulators.vcs.config.model import AttrDef
from emulators.vcs.engine import Engine, EngineCommandError

from .cli import Cli, Handler, UsageError, dispatch, split_options
from .editing import edited, modify_args, require_writable
from .tables import DISPLAY_ASSOC_SEP, TYPE_TABLE, cols, format_value

USAGE = ("hatype -list | -display [type ...] [-attribute attribute ...] | -value type attribute | "
         "-modify type attribute value ... | -resources type")


def command(cli: Cli, args: list[str]) -> str:
    """``hatype -list | -display | -value | -modify | -resources``: resource types and their static
    (type-level) attributes; ``-modify`` needs ``haconf -makerw`` and reaches the engine at once
    (`Engine.modify_type`)."""
    return dispatch("hatype", USAGE, _OPTIONS, cli, args)


def _type(engine: Engine, t: str) -> None:
    if t not in engine.config.types:
        raise EngineCommandError("V-16-1-10124", f"Type {t} does not exist")


def _attr_def(engine: Engine, t: str, a: str) -> AttrDef:
    """What `hatype` may read or change of type `t`: its own attributes, or a static one every type has."""
    d = engine.config.types[t].attributes.get(a) or builtins.type_static_attr_defs.get(a)
    if d is None:
        raise EngineCommandError("V-16-1-10016", f"Attribute {a} does not exist for type {t}")
    return d


def _default(d: AttrDef) -> Any:
    if d.default is not None:
        return d.default
    return {"vector": [], "keylist": [], "association": {}}.get(d.dimension, "")


def _attr_rows(engine: Engine, t: str, assoc_sep: str = " ") -> list[tuple[str, str]]:
    """(attribute, value) of the type-level attributes of `t`: every static attribute, the type's value
    where it declares one, else the engine's built-in default."""
    own = engine.config.types[t].attributes
    names = sorted(set(builtins.type_static_attr_defs) | {a for a, d in own.items() if d.static})
    return [(a, format_value(_default(_attr_def(engine, t, a)), assoc_sep)) for a in names]


def _list(cli: Cli, args: list[str]) -> str:
    if args:
        raise UsageError("hatype -list")
    return "".join(t + "\n" for t in sorted(cli.engine.config.types))


def _display(cli: Cli, args: list[str]) -> str:
    engine = cli.engine
    opts, pos = split_options(args, {"-attribute": -1})
    for t in pos:
        _type(engine, t)
    attrs = set(opts.get("-attribute", []))
    out = [cols(["#Type", "Attribute", "Value"], TYPE_TABLE)]
    for t in pos or sorted(engine.config.types):
        out += [cols([t, a, v], TYPE_TABLE) for a, v in _attr_rows(engine, t, DISPLAY_ASSOC_SEP)
                if not attrs or a in attrs]
    return "\n".join(out) + "\n"


def _value(cli: Cli, args: list[str]) -> str:
    _, pos = split_options(args, {})
    if len(pos) != 2:
        raise UsageError("hatype -value type attribute")
    t, a = pos
    _type(cli.engine, t)
    return format_value(_default(_attr_def(cli.engine, t, a))) + "\n"


def _modify(cli: Cli, args: list[str]) -> str:
    """``hatype -modify type attribute value ...`` (needs ``haconf -makerw``)."""
    engine = cli.engine
    usage = "hatype -modify type attribute value ..."
    t, a, op, words, s = modify_args(args, usage)
    if s is not None:
        raise UsageError(usage)
    _type(engine, t)
    require_writable(engine)
    defn = _attr_def(engine, t, a)
    engine.modify_type(t, a, edited(defn, _default(defn), op, words, f"{t}.{a}"))
    return ""


def _resources(cli: Cli, args: list[str]) -> str:
    _, pos = split_options(args, {})
    if len(pos) != 1:
        raise UsageError("hatype -resources type")
    _type(cli.engine, pos[0])
    return "".join(R.name + "\n" for _, R in cli.engine.config.resources_of_type(pos[0]))


_OPTIONS: dict[str, Handler] = {
    "-list": _list, "-display": _display, "-value": _value, "-modify": _modify, "-resources": _resources,
}
