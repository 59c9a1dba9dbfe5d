"""The AlternateIO agent (the monitor under test) and the legacy primary-only variant.

Type definition (seed, "Exemplary Agent functions")::

    type AlternateIO (
        static str ArgList[] = { StorageSG, NetworkSG }
        str StorageSG{}
        str NetworkSG{}
    )

``StorageSG`` and ``NetworkSG`` associate service group names (storage and network groups,
parallel over the control domain and the alternate I/O domains of one physical node) with 0 or 1;
the engine localizes them for the system the resource runs on.

- monitor: a named group is *available* when its state is exactly ONLINE (PARTIAL is not) on at
  least one system of its own SystemList. 110 when every named group is available, 100 when one is
  known not to be, 99 (with an ERROR log line naming the group) when a group's availability cannot
  be decided: it does not exist, its state cannot be read (timeout, connection error).
  A group known to be unavailable wins over one that cannot be read: the resource is OFFLINE
  whatever the unreadable group's state is.
  No group named at all (attributes empty or not localized for this system) is a configuration
  error: 99 and an ERROR line. VCS documents UNKNOWN as "could not determine the state, or the
  resource attributes are invalid"; answering ONLINE would certify storage and network paths that
  nobody checked, and let the guest domain's group come online on a node without I/O.
- online: request online of every value-1 group on every system of its SystemList where it is not
  already ONLINE (a refused request is logged, not fatal: a down alternate domain refuses), leave
  value-0 groups alone, then poll (``yield poll_interval``) until the monitor condition holds or
  ``OnlineTimeout`` (default 300) would be exceeded; return 0: the engine confirms with monitor.
- offline: request offline of every value-1 group on every system of its SystemList that is not
  already OFFLINE, then poll until none of them is ONLINE anywhere or ``OfflineTimeout`` (default
  300) would be exceeded; return 0. With every value 0 it does nothing (the seed's semantics).
- clean: as offline, forced: every request is made, every error ignored, no wait; return 0.

`LegacyPrimaryOnlyAgent` is the behaviour the patent replaces: a group counts as available only
when ONLINE on the first system of its SystemList (lowest priority number: the control domain).

The second half of this module is the script-agent shell used by ``agents/AlternateIO/*``.
"""

from __future__ import annotations

import os
import socket
import sys
import time
from collections.abc import Callable, Generator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agents.contract import (
    MONITOR_OFFLINE,
    MONITOR_ONLINE,
    MONITOR_UNKNOWN,
    EntryContext,
    run_entry_point,
)
from agents.group_control import GroupControl, GroupStateError

TYPE_NAME = "AlternateIO"
ARG_LIST: tuple[str, ...] = ("StorageSG", "NetworkSG")
DEFAULT_ONLINE_TIMEOUT = 300.0
DEFAULT_OFFLINE_TIMEOUT = 300.0


class AgentConfigError(ValueError):
    """The resource's attribute values are not what the AlternateIO type accepts."""


def _flag(attribute: str, group: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip() in ("0", "1"):
        return value.strip() == "1"
    raise AgentConfigError(f"{attribute}: value of {group} must be 0 or 1, not {value!r}")


def named_groups(attrs: Mapping[str, Any]) -> dict[str, bool]:
    """Service groups named in StorageSG and NetworkSG -> whether the agent drives them (value 1).

    A group named in both attributes is driven when either says 1. Raises AgentConfigError.
    """
    groups: dict[str, bool] = {}
    for attribute in ARG_LIST:
        association = attrs.get(attribute) or {}
        if not isinstance(association, Mapping):
            raise AgentConfigError(f"{attribute} must be an association of group to 0/1, "
                                   f"not {association!r}")
        for group, value in association.items():
            if not isinstance(group, str) or not group.strip():
                raise AgentConfigError(f"{attribute}: {group!r} is not a service group name")
            groups[group] = groups.get(group, False) or _flag(attribute, group, value)
    return groups


@dataclass(frozen=True)
class _Verdict:
    available: bool | None  # None: cannot be decided
    reason: str = ""


class AlternateIOAgent:
    """AlternateIO: consolidated storage/network availability over all I/O domains of a node."""

    type_name = TYPE_NAME

    def __init__(self, groups: GroupControl, poll_interval: float = 5.0) -> None:
        if poll_interval <= 0:
            raise ValueError("poll_interval must be positive")
        self.groups = groups
        self.poll_interval = float(poll_interval)

    # -- which systems count -------------------------------------------------------------------
    def systems_watched(self, system_list: list[str]) -> list[str]:
        """The systems on which a group being ONLINE makes it available: all of its SystemList."""
        return system_list

    def _group_verdict(self, group: str) -> _Verdict:
        try:
            systems = self.systems_watched(self.groups.system_list(group))
        except GroupStateError as exc:
            return _Verdict(None, f"service group {group}: SystemList cannot be read: {exc}")
        unreadable: list[str] = []
        for system in systems:
            try:
                if self.groups.state(group, system) == "ONLINE":
                    return _Verdict(True)
            except GroupStateError as exc:
                unreadable.append(f"{system}: {exc}")
        if unreadable:
            return _Verdict(None, f"service group {group}: state cannot be read on "
                                  + "; ".join(unreadable))
        return _Verdict(False, f"service group {group} is not ONLINE on any of "
                               f"{', '.join(systems) or 'its (empty) SystemList'}")

    def _consolidated(self, ctx: EntryContext, log: bool) -> int:
        try:
            groups = named_groups(ctx.attrs)
        except AgentConfigError as exc:
            if log:
                ctx.log("ERROR", f"{ctx.resource}: {exc}")
            return MONITOR_UNKNOWN
        if not groups:
            if log:
                ctx.log("ERROR", f"{ctx.resource}: StorageSG and NetworkSG name no service group "
                                 f"for system {ctx.system}")
            return MONITOR_UNKNOWN
        verdicts = {group: self._group_verdict(group) for group in groups}
        undecided = [v.reason for v in verdicts.values() if v.available is None]
        if log:
            for reason in undecided:
                ctx.log("ERROR", f"{ctx.resource}: {reason}")
        if any(v.available is False for v in verdicts.values()):
            return MONITOR_OFFLINE
        if undecided:
            return MONITOR_UNKNOWN
        return MONITOR_ONLINE

    # -- entry points --------------------------------------------------------------------------
    def monitor(self, ctx: EntryContext) -> int:
        return self._consolidated(ctx, log=True)

    def _driven(self, ctx: EntryContext) -> dict[str, list[str]] | None:
        """Value-1 groups -> their SystemList; None (logged) when the configuration is invalid."""
        try:
            groups = named_groups(ctx.attrs)
        except AgentConfigError as exc:
            ctx.log("ERROR", f"{ctx.resource}: {exc}")
            return None
        driven: dict[str, list[str]] = {}
        for group, drive in groups.items():
            if not drive:
                continue
            try:
                driven[group] = self.groups.system_list(group)
            except GroupStateError as exc:
                ctx.log("ERROR", f"{ctx.resource}: service group {group}: SystemList cannot be "
                                 f"read: {exc}")
        return driven

    def _state_or_none(self, group: str, system: str) -> str | None:
        try:
            return self.groups.state(group, system)
        except GroupStateError:
            return None

    def _wait(self, ctx: EntryContext, timeout_attr: str, default: float,
              done: Callable[[], bool], what: str) -> Generator[float, None, int]:
        """Poll ``done`` every poll_interval without letting the waits add up past the timeout."""
        timeout = float(ctx.attrs.get(timeout_attr, default))
        waited = 0.0
        while not done():
            if waited + self.poll_interval > timeout:
                ctx.log("WARNING", f"{ctx.resource}: {what} not reached after {waited:g}s "
                                   f"({timeout_attr} {timeout:g}s); monitor will tell")
                return 0
            yield self.poll_interval
            waited += self.poll_interval
        return 0

    def online(self, ctx: EntryContext) -> Generator[float, None, int]:
        driven = self._driven(ctx)
        if driven is None:
            return 0
        for group, systems in driven.items():
            for system in systems:
                if self._state_or_none(group, system) == "ONLINE":
                    continue
                try:
                    self.groups.online(group, system)
                except GroupStateError as exc:
                    ctx.log("WARNING", f"{ctx.resource}: online of {group} on {system} refused: {exc}")
        return (yield from self._wait(
            ctx, "OnlineTimeout", DEFAULT_ONLINE_TIMEOUT,
            lambda: self._consolidated(ctx, log=False) == MONITOR_ONLINE,
            "every named service group ONLINE on a system of its SystemList"))

    def _all_down(self, driven: Mapping[str, list[str]]) -> bool:
        for group, systems in driven.items():
            for system in systems:
                state = self._state_or_none(group, system)
                if state is not None and not state.startswith("OFFLINE"):
                    return False
        return True

    def offline(self, ctx: EntryContext) -> Generator[float, None, int]:
        driven = self._driven(ctx)
        if driven is None:
            return 0
        for group, systems in driven.items():
            for system in systems:
                if self._state_or_none(group, system) == "OFFLINE":
                    continue
                try:
                    self.groups.offline(group, system)
                except GroupStateError as exc:
                    ctx.log("WARNING", f"{ctx.resource}: offline of {group} on {system} refused: {exc}")
        return (yield from self._wait(
            ctx, "OfflineTimeout", DEFAULT_OFFLINE_TIMEOUT, lambda: self._all_down(driven),
            "value-1 service groups OFFLINE on every system of their SystemList"))

    def clean(self, ctx: EntryContext, reason: int = 0) -> int:
        try:
            groups = named_groups(ctx.attrs)
        except AgentConfigError as exc:
            ctx.log("ERROR", f"{ctx.resource}: {exc}")
            return 0
        for group in (g for g, drive in groups.items() if drive):
            try:
                systems = self.groups.system_list(group)
            except GroupStateError as exc:
                ctx.log("INFO", f"{ctx.resource}: clean ignores: {exc}")
                continue
            for system in systems:
                try:
                    self.groups.offline(group, system)
                except GroupStateError as exc:
                    ctx.log("INFO", f"{ctx.resource}: clean ignores: {exc}")
        return 0


class LegacyPrimaryOnlyAgent(AlternateIOAgent):
    """The behaviour the patent replaces: I/O is watched from the control (primary) domain only.

    A group counts as available only when ONLINE on the first system of its SystemList. Suites
    run against it must fail exactly in rows S2 and N2 of the failover table.
    """

    def systems_watched(self, system_list: list[str]) -> list[str]:
        return system_list[:1]


MONITORS: dict[str, type[AlternateIOAgent]] = {
    "alternateio": AlternateIOAgent,
    "legacy-primary-only": LegacyPrimaryOnlyAgent,
}


def known_monitors() -> dict[str, type[AlternateIOAgent]]:
    """Every built-in monitor by name: the agent, the legacy one and the mutant family
    (agents/mutants.py), which a run, a lab or an installed build may name."""
    from agents.mutants import MUTANTS

    return {**MONITORS, **MUTANTS}


# ================================================================================================
# Script-agent shell: what `agents/AlternateIO/{online,offline,monitor,clean}` run.
# ================================================================================================

ENTRY_POINTS = ("online", "offline", "monitor", "clean")
SCRIPT_TIMEOUT_MARGIN = 0.9  # wall-clock time also goes to hagrp calls: stay inside the framework's limit


class ArgListError(ValueError):
    """The command line is not what the VCS script agent framework passes."""


def _association(name: str, values: Sequence[str]) -> dict[str, str]:
    if len(values) % 2:
        raise ArgListError(f"{name}: {len(values)} elements is not a list of key/value pairs")
    return {values[i]: values[i + 1] for i in range(0, len(values), 2)}


def _count(token: str, name: str) -> int:
    try:
        count = int(token)
    except ValueError:
        raise ArgListError(f"{name}: element count expected, got {token!r}") from None
    if count < 0:
        raise ArgListError(f"{name}: negative element count {count}")
    return count


def parse_arglist_values(args: Sequence[str], arg_list: Sequence[str] = ARG_LIST) -> dict[str, dict[str, str]]:
    """ArgList values as the VCS script agent framework passes them, after the resource name.

    Two forms (VCS agent developer's guide, "name-value tuple format"):

    - V50 and later (Script50Agent, Script51Agent, ...): ``<name> <number_of_elements> <elements>``
      per attribute; an association's count is keys plus values:
      ``StorageSG 2 primary1-strsg 1 NetworkSG 2 primary1-nwsg 0``; ``MyAssoc 0`` when empty.
      Attributes not in ``arg_list`` are skipped.
    - V40 and earlier (ScriptAgent): positional in ArgList order, each non-scalar value as
      ``<number_of_elements> <elements>``: ``2 primary1-strsg 1 2 primary1-nwsg 0``.
    """
    values: dict[str, dict[str, str]] = {name: {} for name in arg_list}
    args = list(args)
    position = 0
    if args and args[0].lstrip("-").isdigit():
        for name in arg_list:
            if position >= len(args):
                raise ArgListError(f"{name}: missing (positional ArgList values end early)")
            count = _count(args[position], name)
            elements = args[position + 1:position + 1 + count]
            if len(elements) < count:
                raise ArgListError(f"{name}: {count} elements announced, {len(elements)} given")
            values[name] = _association(name, elements)
            position += 1 + count
        if position != len(args):
            raise ArgListError(f"unexpected extra arguments {args[position:]!r}")
        return values
    while position < len(args):
        name = args[position]
        if position + 1 >= len(args):
            raise ArgListError(f"{name}: element count missing")
        count = _count(args[position + 1], name)
        elements = args[position + 2:position + 2 + count]
        if len(elements) < count:
            raise ArgListError(f"{name}: {count} elements announced, {len(elements)} given")
        if name in values:
            values[name] = _association(name, elements)
        position += 2 + count
    return values


def local_system_name(env: Mapping[str, str] | None = None) -> str:
    """The name of the VCS system this entry point runs on.

    VCS does not pass it to script entry points on every release, so: ``$VCS_SYSTEM`` when set,
    else the first word of ``$VCS_CONF/conf/sysname`` (VCS_CONF defaults to /etc/VRTSvcs), which
    is where VCS keeps the local system's name, else the short host name.
    """
    env = os.environ if env is None else env
    if env.get("VCS_SYSTEM", "").strip():
        return env["VCS_SYSTEM"].strip()
    sysname = Path(env.get("VCS_CONF") or "/etc/VRTSvcs") / "conf" / "sysname"
    try:
        words = sysname.read_text().split()
        if words:
            return words[0]
    except OSError:
        pass
    return socket.gethostname().split(".")[0]


def hagrp_command(env: Mapping[str, str] | None = None) -> str:
    """``$VCS_HOME/bin/hagrp`` when VCS_HOME is set and has it, else ``hagrp`` from PATH, else the
    standard /opt/VRTSvcs/bin/hagrp."""
    import shutil

    env = os.environ if env is None else env
    if env.get("VCS_HOME"):
        candidate = Path(env["VCS_HOME"]) / "bin" / "hagrp"
        if os.access(candidate, os.X_OK):
            return str(candidate)
    found = shutil.which("hagrp", path=env.get("PATH"))
    return found or "/opt/VRTSvcs/bin/hagrp"


def _stderr_log(resource: str, entry_point: str) -> Callable[[str, str], None]:
    """Entry-point output goes to the agent's log through the framework; prefix it as VCS does."""

    def log(severity: str, text: str) -> None:
        stamp = time.strftime("%Y/%m/%d %H:%M:%S")
        print(f"{stamp} {TYPE_NAME}:{resource}:{entry_point}:{severity} {text}", file=sys.stderr)

    return log


def _installed_variant() -> str:
    """The monitor an installed build runs: the `variant` file beside the entry points (agents/package.py)."""
    try:
        here = os.path.dirname(os.path.realpath(sys.argv[0]))
        with open(os.path.join(here, "variant"), encoding="utf-8") as fh:
            return fh.read().strip()
    except OSError:
        return ""


def script_main(entry_point: str, argv: Sequence[str] | None = None,
                env: Mapping[str, str] | None = None,
                groups: GroupControl | None = None,
                sleep: Callable[[float], None] = time.sleep) -> int:
    """Run one entry point as a VCS script agent does; returns the process exit code.

    ``argv``: ``resource [clean_reason] ArgList values...`` (without the program name).
    monitor exits 110/100/99; online/offline exit 0; clean exits 0, or 1 when it cannot even
    read its arguments. ``ALTIO_MONITOR`` selects the monitor (default ``alternateio``; the
    legacy one is for proving suites, not for production).
    """
    if entry_point not in ENTRY_POINTS:
        raise ValueError(f"unknown entry point {entry_point!r}")
    argv = list(sys.argv[1:] if argv is None else argv)
    env = os.environ if env is None else env
    resource = argv[0] if argv else "?"
    log = _stderr_log(resource, entry_point)
    failure = MONITOR_UNKNOWN if entry_point == "monitor" else (1 if entry_point == "clean" else 0)
    if not argv:
        log("ERROR", f"usage: {entry_point} resource_name {'clean_reason ' if entry_point == 'clean' else ''}"
                     "ArgList values...")
        return failure
    rest = argv[1:]
    reason = 0
    try:
        if entry_point == "clean":
            if not rest:
                raise ArgListError("clean_reason missing")
            reason = _count(rest[0], "clean_reason")
            rest = rest[1:]
        attrs: dict[str, Any] = dict(parse_arglist_values(rest))
    except ArgListError as exc:
        log("ERROR", f"cannot read arguments {argv!r}: {exc}")
        return failure
    monitor_name = env.get("ALTIO_MONITOR") or _installed_variant() or "alternateio"
    monitors = known_monitors()
    if monitor_name not in monitors:
        log("ERROR", f"ALTIO_MONITOR={monitor_name!r} is none of {', '.join(monitors)}")
        return failure
    try:
        online_timeout = float(env.get("ALTIO_ONLINE_TIMEOUT", DEFAULT_ONLINE_TIMEOUT))
        offline_timeout = float(env.get("ALTIO_OFFLINE_TIMEOUT", DEFAULT_OFFLINE_TIMEOUT))
        poll = float(env.get("ALTIO_POLL_INTERVAL", 5.0))
        if poll <= 0:
            raise ValueError("ALTIO_POLL_INTERVAL must be positive")
    except ValueError as exc:
        log("ERROR", f"bad ALTIO_* setting in the environment: {exc}")
        return failure
    attrs["OnlineTimeout"] = online_timeout * SCRIPT_TIMEOUT_MARGIN
    attrs["OfflineTimeout"] = offline_timeout * SCRIPT_TIMEOUT_MARGIN
    if groups is None:
        from agents.hagrp import HagrpGroupControl

        groups = HagrpGroupControl(hagrp=hagrp_command(env))
    agent = monitors[monitor_name](groups, poll)
    ctx = EntryContext(resource=resource, type=TYPE_NAME, group=env.get("VCS_GROUP", ""),
                       system=local_system_name(env), attrs=attrs, log=log)
    if entry_point == "monitor":
        return run_entry_point(agent.monitor(ctx), sleep=sleep)
    if entry_point == "clean":
        return run_entry_point(agent.clean(ctx, reason), sleep=sleep)
    call = agent.online if entry_point == "online" else agent.offline
    return run_entry_point(call(ctx), sleep=sleep)

