"""``-modify``: its words (`modify_args`), the attribute's new value (`edited`), and the refusal of a
change while the configuration is read-only."""

from __future__ import annotations

from typing import Any

from emulators.vcs.config.model import AttrDef
from emulators.vcs.config.parser import INT_RE, int_range_problem
from emulators.vcs.engine import Engine, EngineCommandError

from . import objects
from .cli import UsageError


def require_writable(engine: Engine) -> None:
    """Refuses a change unless ``haconf -makerw`` made the configuration writable."""
    if not engine.writable:
        raise EngineCommandError("V-16-1-10369", "Cluster not writable")


def modify_args(args: list[str], usage: str) -> tuple[str, str, str | None, list[str], str | None]:
    """(object, attribute, operation, value words, system) of
    ``-modify OBJ ATTR [-add|-delete|-update] VALUE... [-sys S]``.

    Values are taken as words (a value may itself start with a dash, as ``-1``); the operation is the
    word right after the attribute, and only a trailing ``-sys S`` is an option.
    """
    system = None
    if len(args) >= 2 and args[-2] == "-sys":
        system, args = args[-1], args[:-2]
    if len(args) < 2 or args[1].startswith("-"):
        raise UsageError(usage)
    op = args[2] if len(args) > 2 and args[2] in ("-add", "-delete", "-update") else None
    return args[0], args[1], op, args[3:] if op else args[2:], system


def checked_modify_args(engine: Engine, args: list[str], usage: str,
                        check: objects.Check) -> tuple[str, str, str | None, list[str], str | None]:
    """`modify_args` of a group's or resource's ``-modify``, once the object (`check`) and the system
    are known to exist and the configuration is writable."""
    name, a, op, words, s = modify_args(args, usage)
    check(engine, name)
    objects.system(engine, s)
    require_writable(engine)
    return name, a, op, words, s


def _typed(defn: AttrDef, words: list[str], what: str, dimension: str | None = None) -> Any:
    """The words of a -modify turned into a value of the attribute's dimension and data type."""
    def one(w: str) -> Any:
        if defn.datatype in ("int", "boolean"):
            if not INT_RE.match(w):
                raise EngineCommandError("V-16-1-10553", f"{what}: {w!r} is not an integer")
            why = int_range_problem(w)
            if why is not None:
                raise EngineCommandError("V-16-1-10553", f"{what}: {why}")
            n = int(w)
            if defn.datatype == "boolean" and n not in (0, 1):
                raise EngineCommandError("V-16-1-10553", f"{what}: {n} is not a boolean (0 or 1)")
            return n
        return w
    dim = dimension or defn.dimension
    if dim == "scalar":
        if len(words) != 1:
            raise UsageError(f"{what} is a scalar: give one value")
        return one(words[0])
    if dim == "association":
        if len(words) % 2:
            raise UsageError(f"{what} is an association: give key value pairs")
        return {words[i]: one(words[i + 1]) for i in range(0, len(words), 2)}
    return [one(w) for w in words]


def edited(defn: AttrDef, current: Any, op: str | None, words: list[str], what: str) -> Any:
    """The attribute's new value: `words` as the whole value, or `current` changed by the operation
    (hagrp(1M)/hares(1M)): ``-add`` appends to a vector, adds keys to a keylist and key/value pairs to
    an association; ``-delete key ...`` removes elements or keys, ``-delete -keys`` all of them;
    ``-update key value ...`` changes values of an association's keys. Adding a key that is there
    (V-16-1-10563) or deleting or updating one that is not (V-16-1-10566) is refused."""
    if op is None:
        return _typed(defn, words, what)
    if defn.dimension == "scalar":
        raise UsageError(f"{what} is a scalar: {op} applies to vector, keylist and association attributes")
    if op == "-delete" and words == ["-keys"]:
        return {} if defn.dimension == "association" else []
    if not words:
        raise UsageError(f"{what}: {op} needs values")
    if defn.dimension == "association":
        new = dict(current) if isinstance(current, dict) else {}
        if op == "-delete":
            for k in words:
                if k not in new:
                    raise EngineCommandError("V-16-1-10566", f"{what}: {k} is not a key of the association")
                del new[k]
            return new
        pairs = _typed(defn, words, what)
        for k, v in pairs.items():
            if op == "-add" and k in new:
                raise EngineCommandError("V-16-1-10563", f"{what}: {k} is already a key of the association")
            if op == "-update" and k not in new:
                raise EngineCommandError("V-16-1-10566", f"{what}: {k} is not a key of the association")
            new[k] = v
        return new
    if op == "-update":
        raise UsageError(f"{what} is a {defn.dimension}: -update applies to associations")
    new_list = list(current) if isinstance(current, list) else []
    items = _typed(defn, words, what, "vector")
    if op == "-add":
        for x in items:
            if defn.dimension == "keylist" and x in new_list:
                raise EngineCommandError("V-16-1-10563", f"{what}: {x} is already in the keylist")
            new_list.append(x)
        return new_list
    for x in items:
        if x not in new_list:
            raise EngineCommandError("V-16-1-10566", f"{what}: {x} is not in the {defn.dimension}")
        new_list.remove(x)
    return new_list


def current(attributes: dict, a: str, system: str | None, default: Any) -> Any:
    """The value `-modify` edits: the configured one (for `system`), else `default`."""
    av = attributes.get(a)
    v = av.for_system(system) if av is not None else None
    return default if v is None else v
