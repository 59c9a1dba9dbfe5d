"""``hastatus``: the summary (``-sum``) and the first screen of the snapshot (plain, ``-group G``)."""

from __future__ import annotations

from emulators.vcs.engine import Engine

from . import objects
from .cli import Cli, UsageError, split_options
from .tables import HASTATUS, HASTATUS_RULE, bare, cols


def command(cli: Cli, args: list[str]) -> str:
    """``hastatus -sum`` | ``hastatus`` | ``hastatus -group G ...``."""
    if args in (["-sum"], ["-summary"]):
        return _summary(cli.engine)
    opts, pos = split_options(args, {"-group": -1})
    if pos or ("-group" in opts and not opts["-group"]):
        raise UsageError("hastatus [-sum | -group group ...]")
    for g in opts.get("-group", []):
        objects.group(cli.engine, g)
    return _snapshot(cli.engine, opts.get("-group"))


def _snapshot(engine: Engine, groups: list[str] | None) -> str:
    """The first screen of plain ``hastatus`` (captures/hastatus.1.txt): the systems' states, then per
    group its state on each system, a rule, and its resources' states. ``-group``: those groups only,
    without the systems."""
    lines = ["attempting to connect....", "attempting to connect....connected", "", "",
             cols(["group", "resource", "system", "message"], HASTATUS),
             cols(["-" * 15, "-" * 20, "-" * 20, "-" * 20], HASTATUS)]
    if groups is None:
        lines += [cols(["", "", s, engine.system_state(s)], HASTATUS) for s in engine.systems()]
    for g in groups or engine.groups():
        G = engine.config.groups[g]
        lines += [cols([g, "", s, bare(engine.group_state(g, s))], HASTATUS) for s in G.system_list]
        lines.append(HASTATUS_RULE)
        lines += [cols(["", r, s, engine.resource_state(r, s)], HASTATUS)
                  for r in G.resources for s in G.system_list]
    return "\n".join(lines) + "\n"


def _summary(engine: Engine) -> str:
    """``hastatus -sum``: the layout of captures/hastatus-sum.1.txt."""
    lines = ["", "-- SYSTEM STATE", cols(["-- System", "State", "Frozen"], [24, 21]), ""]
    for s in engine.systems():
        frozen = "1" if engine.system_frozen(s) else "0"
        lines.append(cols(["A  " + s, engine.system_state(s), frozen], [24, 21]))
    lines += ["", "-- GROUP STATE",
              cols(["-- Group", "System", "Probed", "AutoDisabled", "State"], [19, 21, 11, 16]), ""]
    failed: list[tuple[str, str, str, str]] = []
    unprobed: list[tuple[str, str, str, str]] = []
    for g, G in engine.config.groups.items():
        for s in G.system_list:
            lines.append(cols(["B  " + g, s, "Y" if engine.probed(g, s) else "N",
                               "Y" if engine.autodisabled(g, s) else "N", engine.group_state(g, s)],
                              [19, 21, 11, 16]))
            for r, R in G.resources.items():
                if engine.system_state(s) != "RUNNING":
                    continue
                st = engine.resource_state(r, s)
                if st == "FAULTED":
                    failed.append((g, R.type, r, s))
                elif st == "OFFLINE|STATE UNKNOWN":
                    unprobed.append((g, R.type, r, s))
    frozen = [g for g in engine.config.groups if engine.frozen(g)]
    if frozen:
        lines += ["", "-- GROUPS FROZEN", "-- Group", ""]
        lines += [f"C  {g}" for g in frozen]
    for title, letter, rows in (("-- RESOURCES FAILED", "D", failed), ("-- RESOURCES NOT PROBED", "E", unprobed)):
        if rows:
            lines += ["", title, cols(["-- Group", "Type", "Resource", "System"], [19, 21, 21]), ""]
            lines += [cols([f"{letter}  {g}", t, r, s], [19, 21, 21]) for g, t, r, s in rows]
    return "\n".join(lines) + "\n"
