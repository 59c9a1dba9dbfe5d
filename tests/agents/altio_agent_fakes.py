"""Test doubles for the AlternateIO agent: an in-memory cluster of service groups, and what `hagrp`
prints about it (as a `run` function, and as an executable put first on PATH)."""

from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field
from pathlib import Path

from agents.contract import EntryContext
from agents.group_control import GroupStateError

MISSING = "<no such group>"  # hagrp: V-16-1-40131 Group G does not exist
UNREADABLE = "<unreadable>"  # hagrp: timeout or V-16-1-10600 Cannot connect to VCS engine
CELLS = ("ONLINE", "OFFLINE", "OFFLINE|FAULTED", "ONLINE|PARTIAL", MISSING, UNREADABLE)
ERROR_CELLS = (MISSING, UNREADABLE)

NOT_EXIST = "VCS WARNING V-16-1-40131 Group {group} does not exist in the local cluster"
NO_ENGINE = "VCS ERROR V-16-1-10600 Cannot connect to VCS engine"


@dataclass
class Cluster:
    """Service groups: state per (group, system), SystemList per group, the requests made."""

    states: dict[tuple[str, str], str] = field(default_factory=dict)
    system_lists: dict[str, list[str]] = field(default_factory=dict)
    calls: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, group: str, cells: dict[str, str]) -> None:
        self.system_lists[group] = list(cells)
        for system, cell in cells.items():
            self.states[(group, system)] = cell


class FakeGroups:
    """GroupControl over a Cluster, in memory."""

    def __init__(self, cluster: Cluster) -> None:
        self.cluster = cluster

    def _cell(self, group: str, system: str) -> str:
        if group not in self.cluster.system_lists:
            raise GroupStateError(NOT_EXIST.format(group=group))
        cell = self.cluster.states.get((group, system), "OFFLINE")
        if cell == MISSING:
            raise GroupStateError(NOT_EXIST.format(group=group))
        if cell == UNREADABLE:
            raise GroupStateError(NO_ENGINE)
        return cell

    def state(self, group: str, system: str) -> str:
        return self._cell(group, system)

    def system_list(self, group: str) -> list[str]:
        if group not in self.cluster.system_lists:
            raise GroupStateError(NOT_EXIST.format(group=group))
        return list(self.cluster.system_lists[group])

    def online(self, group: str, system: str) -> None:
        self.cluster.calls.append(("online", group, system))
        if self._cell(group, system) == "OFFLINE|FAULTED":
            raise GroupStateError("VCS NOTICE V-16-1-10284 Cannot online a faulted resource:"
                                  f"Clear the faulted resource on system {system}.")
        self.cluster.states[(group, system)] = "ONLINE"

    def offline(self, group: str, system: str) -> None:
        self.cluster.calls.append(("offline", group, system))
        self._cell(group, system)
        self.cluster.states[(group, system)] = "OFFLINE"


class FakeHagrpRun:
    """A `run` for HagrpGroupControl that answers as `hagrp` prints, from a Cluster.

    ``piped``: per-system state as ``|ONLINE|`` (modern) or ``ONLINE`` (old releases).
    An unreadable cell alternates between a hung command (TimeoutError) and a refused connection.
    """

    def __init__(self, cluster: Cluster, piped: bool = True) -> None:
        self.groups = FakeGroups(cluster)
        self.piped = piped
        self.argvs: list[list[str]] = []
        self._unreadable_count = 0

    def __call__(self, argv: list[str]) -> tuple[int, str, str]:
        self.argvs.append(argv)
        args = argv[1:]
        try:
            if args[0] == "-state" and len(args) == 4 and args[2] == "-sys":
                group, system = args[1], args[3]
                if self.groups.cluster.states.get((group, system)) == UNREADABLE:
                    self._unreadable_count += 1
                    if self._unreadable_count % 2:
                        raise TimeoutError(f"{' '.join(argv)}: no answer within 30s")
                value = self.groups.state(group, system)
                return 0, (f"|{value}|" if self.piped else value) + "\n", ""
            if args[0] == "-display" and args[2:] == ["-attribute", "SystemList"]:
                systems = self.groups.system_list(args[1])
                pairs = " ".join(f"{s} {i}" for i, s in enumerate(systems))
                return 0, ("#Group       Attribute             System     Value\n"
                           f"{args[1]:<12} SystemList            global     {pairs}\n"), ""
            if args[0] in ("-online", "-offline") and len(args) == 4 and args[2] == "-sys":
                getattr(self.groups, args[0][1:])(args[1], args[3])
                return 0, "", ""
        except GroupStateError as exc:
            return 1, "", f"{exc}\n"
        return 1, "", "VCS WARNING V-16-1-10000 usage error\n"


@dataclass
class LogBook:
    lines: list[tuple[str, str]] = field(default_factory=list)

    def __call__(self, severity: str, text: str) -> None:
        self.lines.append((severity, text))

    def errors(self) -> list[str]:
        return [text for severity, text in self.lines if severity == "ERROR"]


def context(storage: dict | None = None, network: dict | None = None, system: str = "primary1",
            log: LogBook | None = None, **extra) -> EntryContext:
    attrs = {"StorageSG": storage or {}, "NetworkSG": network or {}, **extra}
    return EntryContext(resource="altiores", type="AlternateIO", group="aiosg", system=system,
                        attrs=attrs, log=log if log is not None else LogBook())


def drive(result, limit: int = 10_000) -> tuple[int, float]:
    """Run an entry point's result on a virtual clock: (code, seconds waited)."""
    if isinstance(result, int):
        return result, 0.0
    waited = 0.0
    try:
        delay = next(result)
        for _ in range(limit):
            waited += delay
            delay = result.send(None)
        raise AssertionError("entry point never returned")
    except StopIteration as stop:
        return stop.value, waited


# An executable `hagrp` for script-agent tests: answers from the JSON state file named by
# FAKE_HAGRP_STATE, appends every call to it. Cells as above; "hang" sleeps past any timeout.
FAKE_HAGRP_SOURCE = r'''
import json, os, sys, time
path = os.environ["FAKE_HAGRP_STATE"]
with open(path) as f:
    lab = json.load(f)
args = sys.argv[1:]
lab.setdefault("calls", []).append(args)
def save():
    with open(path, "w") as f:
        json.dump(lab, f)
def fail(text):
    save(); sys.stderr.write(text + "\n"); sys.exit(1)
def cell(group, system):
    if group not in lab["system_lists"]:
        fail("VCS WARNING V-16-1-40131 Group %s does not exist in the local cluster" % group)
    value = lab["states"].get(group + "@" + system, "OFFLINE")
    if value == "<no such group>":
        fail("VCS WARNING V-16-1-40131 Group %s does not exist in the local cluster" % group)
    if value == "<unreadable>":
        fail("VCS ERROR V-16-1-10600 Cannot connect to VCS engine")
    return value
if args[:1] == ["-state"] and len(args) == 4:
    print("|%s|" % cell(args[1], args[3]))
elif args[:1] == ["-display"]:
    cell(args[1], "")
    pairs = " ".join("%s %d" % (s, i) for i, s in enumerate(lab["system_lists"][args[1]]))
    print("#Group       Attribute             System     Value")
    print("%-12s SystemList            global     %s" % (args[1], pairs))
elif args[:1] in (["-online"], ["-offline"]) and len(args) == 4:
    current = cell(args[1], args[3])
    if args[0] == "-online" and current == "OFFLINE|FAULTED":
        fail("VCS NOTICE V-16-1-10284 Cannot online a faulted resource:Clear the faulted resource on system %s." % args[3])
    lab["states"][args[1] + "@" + args[3]] = "ONLINE" if args[0] == "-online" else "OFFLINE"
else:
    fail("VCS WARNING V-16-1-10000 usage")
save()
'''


def install_fake_hagrp(directory: Path, cluster: Cluster) -> Path:
    """Write the `hagrp` executable and its state file into ``directory``; return the state file."""
    directory.mkdir(parents=True, exist_ok=True)
    executable = directory / "hagrp"
    executable.write_text(f"#!{sys.executable}\n{FAKE_HAGRP_SOURCE}")
    executable.chmod(0o755)
    state = directory / "hagrp-state.json"
    write_lab(state, cluster)
    return state


def write_lab(state: Path, cluster: Cluster) -> None:
    state.write_text(json.dumps({
        "states": {f"{g}@{s}": v for (g, s), v in cluster.states.items()},
        "system_lists": cluster.system_lists, "calls": []}))


def read_lab(state: Path) -> dict:
    return json.loads(state.read_text())
