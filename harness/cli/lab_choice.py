"""Which lab (and which of its systems) a command means.

Every command: --lab, else the inventory named by $ALTIO_HIL_LAB, else the default inventory
(`lab_of`). The lab commands also look at the running labs: the one that has the --system (or
--where) asked for, or the only one running (`lab_of_lab_command`). A system no lab has, or several
labs that fit, is bad input (`BadSystem`, exit 2) that names the labs and their systems.
"""

from __future__ import annotations

import argparse
import os

from harness.cli.output import said, show_path
from harness.cli.parser import LAB_ENV
from harness.inventory import DEFAULT_INVENTORY, InventoryError, Lab, load_inventory


def load_lab(path: str | os.PathLike[str], via_env: bool = False) -> Lab:
    try:
        return load_inventory(path)
    except InventoryError as exc:
        if via_env:
            raise InventoryError([*exc.problems, f"(the inventory named by {LAB_ENV})"]) from None
        raise


def _given_lab(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The inventory --lab or $ALTIO_HIL_LAB names (None: neither), and whether it came from the variable."""
    if getattr(args, "lab", None) is not None:
        return args.lab, False
    env = os.environ.get(LAB_ENV, "")
    return (env, True) if env.strip() else (None, False)


def lab_of(args: argparse.Namespace) -> Lab:
    """The lab of a command: --lab, else $ALTIO_HIL_LAB, else the default inventory."""
    given, via_env = _given_lab(args)
    return load_lab(given, via_env) if given is not None else load_lab(DEFAULT_INVENTORY)


class BadSystem(Exception):
    pass


def check_system(lab: Lab, system: str) -> None:
    if system not in lab.config.systems:
        raise BadSystem(f"no system '{system}' in lab {lab.name}; systems: {', '.join(lab.config.systems)}")


def _system_asked(args: argparse.Namespace) -> str | None:
    """The system (or node) a lab command names: --system, or the SYSTEM of --where."""
    if getattr(args, "system", None):
        return args.system
    where = getattr(args, "where", None)
    return where.split(":", 1)[0].strip() or None if where else None


def lab_of_lab_command(args: argparse.Namespace) -> Lab:
    """--lab, else $ALTIO_HIL_LAB, else the running lab: the one that has the system asked for (or the
    only one running), else the default lab. Several that fit, or a system no lab has: bad input
    that names the labs and their systems."""
    given, via_env = _given_lab(args)
    if given is not None:
        return load_lab(given, via_env)
    if args.lab_command == "up":
        return load_lab(DEFAULT_INVENTORY)
    from harness.lab_daemon import running_labs

    system = _system_asked(args)
    running = running_labs()
    usable = [r for r in running if r.inventory]
    fits = [r for r in usable if system is None or r.has(system)]
    if len(fits) == 1:
        lab = load_lab(fits[0].inventory)
        if lab.name == fits[0].name:
            return lab
    if len(fits) > 1:
        names = "\n".join(f"  {r.name:<16} {show_path(r.inventory)}" for r in fits)
        what = f"running labs have system {system}" if system else "labs are running"
        raise BadSystem(said(f"{len(fits)} {what}: give --lab INVENTORY (or set {LAB_ENV})") + "\n" + names)
    default = load_lab(DEFAULT_INVENTORY)
    if system is None or system in default.config.systems or default.node_of(system) is not None \
            or any(n.name == system for n in default.nodes):
        return default
    running_text = (f"no running lab has it ({', '.join(r.name for r in running)}: `altio-hil lab ls`)"
                    if running else "no lab is running")
    raise BadSystem(said(f"no system '{system}': {running_text}, and the default lab {default.name} has "
                         f"{', '.join(default.config.systems)}. Give --lab INVENTORY (or set {LAB_ENV})"))
