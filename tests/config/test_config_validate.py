"""`hacf -verify` rules: one failing input per rule, with the exact `file:line:col: message`."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.vcs.config import ConfigError, bundled_types_path, load, parse_file, parse_text, validate
from emulators.vcs.config.model import AttrValue, Config, Group, GroupDep, Resource, System

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "altio-cluster.main.cf"

# Lines 1-6; a test's own text starts on line 7.
HEAD = """include "types.cf"
system a (
\t)
system b (
\t)
system c ( )
"""


def diags(body: str) -> list[str]:
    c = parse_text(HEAD + body, "main.cf", include_dir="/nonexistent")  # bundled types.cf
    return [str(d) for d in validate(c)]


def test_reference_is_valid() -> None:
    assert validate(parse_file(REFERENCE)) == []
    assert load(REFERENCE).groups["aiosg"].resources["altiores"].type == "AlternateIO"


def test_load_raises_every_error() -> None:
    with pytest.raises(ConfigError) as e:
        load(FIXTURES / "invalid" / "main.cf")
    assert [str(d) for d in e.value.diagnostics] == [
        f"{FIXTURES / 'invalid' / 'main.cf'}:4:2: group g: SystemList names undeclared system nowhere",
        f"{FIXTURES / 'invalid' / 'main.cf'}:6:13: resource r: unknown type NoSuchType",
    ]


@pytest.mark.parametrize("body, expected", [
    # unknown type
    ("group g (\n\tSystemList = { a }\n\t)\n\tFrob r (\n\t\t)\n",
     ["main.cf:10:7: resource r: unknown type Frob"]),
    # attribute not defined by the type (nor built in)
    ("group g (\n\tSystemList = { a }\n\t)\n\tNIC n (\n\t\tDevice = e0\n\t\tPoolName = p\n\t\t)\n",
     ["main.cf:12:3: resource n: type NIC has no attribute PoolName"]),
    ("group g (\n\tSystemList = { a }\n\tColour = red\n\t)\n",
     ["main.cf:9:2: group g: unknown group attribute Colour"]),
    ("system d (\n\tColour = red\n\t)\n",
     ["main.cf:8:2: system d: unknown system attribute Colour"]),
    ("cluster k (\n\tColour = red\n\t)\n",
     ["main.cf:8:2: cluster k: unknown cluster attribute Colour"]),
    # wrong data type
    ("group g (\n\tSystemList = { a }\n\t)\n\tNIC n (\n\t\tPingOptimize = often\n\t\t)\n",
     ["main.cf:11:3: resource n: attribute PingOptimize must be int, found 'often'"]),
    ("group g (\n\tSystemList = { a }\n\tFrozen = 2\n\t)\n",
     ["main.cf:9:2: group g: attribute Frozen must be boolean (0 or 1), found 2"]),
    ("group g (\n\tSystemList = { a = first }\n\t)\n",
     ["main.cf:8:2: group g: attribute SystemList must be int, found 'first'"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tZpool z (\n\t\tForceOpt @a = yes\n\t\t)\n",
     ["main.cf:11:3: resource z: attribute ForceOpt @a must be boolean (0 or 1), found 'yes'"]),
    # values a built-in attribute does not take (the rules hagrp/hares/hatype -modify apply)
    ("group g (\n\tSystemList = { a }\n\tParallel = 5\n\tFailOverPolicy @a = Bogus\n\tOnlineRetryLimit = -1\n\t)\n",
     ["main.cf:9:2: group g: attribute Parallel must be 0, 1 or 2, not 5",
      "main.cf:10:2: group g: attribute FailOverPolicy @a must be Priority, RoundRobin, Load or BiggestAvailable, "
      "not Bogus",
      "main.cf:11:2: group g: attribute OnlineRetryLimit must be 0 or more, not -1"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tNIC n (\n\t\tDevice = e0\n\t\tMonitorInterval = 0\n\t\t)\n",
     ["main.cf:12:3: resource n: attribute MonitorInterval must be greater than 0, not 0"]),
    ("type T (\n\tstatic int ToleranceLimit = -1\n\tstatic str Operations = Never\n)\n",
     ["main.cf:8:13: type T: attribute ToleranceLimit must be 0 or more, not -1",
      "main.cf:9:13: type T: attribute Operations must be OnOff, OnOnly or None, not Never"]),
    # wrong dimension
    ("group g (\n\tSystemList = { a }\n\t)\n\tZpool z (\n\t\tPoolName = { p1, p2 }\n\t\t)\n",
     ["main.cf:11:3: resource z: attribute PoolName is a scalar, found a list"]),
    ("group g (\n\tSystemList = { a }\n\tAutoStartList = a\n\t)\n",
     ["main.cf:9:2: group g: attribute AutoStartList is a keylist, found a scalar"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tNIC n (\n\t\tNetworkHosts = { h = 1 }\n\t\t)\n",
     ["main.cf:11:3: resource n: attribute NetworkHosts is a vector, found an association"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tAlternateIO x (\n\t\tStorageSG = { sg1, sg2 }\n\t\t)\n",
     ["main.cf:11:3: resource x: attribute StorageSG is an association, found a list"]),
    ("group g (\n\tSystemList = { a }\n\tAutoStartList = { a, a }\n\t)\n",
     ["main.cf:9:2: group g: keylist AutoStartList lists a twice"]),
    # type definitions
    ("type T (\n\tint N = lots\n\tstatic str ArgList[] = { N, M }\n)\n",
     ["main.cf:8:6: type T: attribute N must be int, found 'lots'",
      "main.cf:9:13: type T: ArgList names unknown attribute M"]),
    # duplicate names
    ("system a (\n\t)\n",
     ["main.cf:7:8: duplicate system a; first defined at main.cf:2:8"]),
    ("group g (\n\tSystemList = { a }\n\t)\ngroup g (\n\tSystemList = { b }\n\t)\n",
     ["main.cf:10:7: duplicate group g; first defined at main.cf:7:7"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n\tPhantom p (\n\t)\n",
     ["main.cf:12:10: duplicate resource p; first defined at main.cf:10:10"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\ngroup h (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n",
     ["main.cf:15:10: duplicate resource p; first defined at main.cf:10:10"]),
    ("type T (\n\tstr X\n\tint X\n)\n",
     ["main.cf:9:6: duplicate attribute X in type T; first declared at main.cf:8:6"]),
    ("group g (\n\tSystemList = { a }\n\tPriority = 1\n\tPriority = 2\n\t)\n",
     ["main.cf:10:2: duplicate attribute Priority in group g; first set at main.cf:9:2"]),
    ("group g (\n\tSystemList = { a }\n\tPriority @a = 1\n\tPriority @a = 2\n\t)\n",
     ["main.cf:10:2: duplicate attribute Priority @a in group g; first set at main.cf:9:2"]),
    ("cluster k (\n\t)\ncluster k2 (\n\t)\n",
     ["main.cf:9:9: second cluster k2; cluster k is defined at main.cf:7:9"]),
    # SystemList / AutoStartList / localization
    ("group g (\n\tSystemList = { a, z = 1 }\n\t)\n",
     ["main.cf:8:2: group g: SystemList names undeclared system z"]),
    ("group g (\n\tSystemList = { a }\n\tAutoStartList = { b }\n\t)\n",
     ["main.cf:9:2: group g: AutoStartList names system b, which is not in its SystemList"]),
    ("group g (\n\tSystemList = { a, b }\n\tPriority @c = 1\n\t)\n",
     ["main.cf:9:2: group g: attribute Priority is localized for system c, which is not in the SystemList of group g"]),
    ("group g (\n\tSystemList = { a, b }\n\t)\n\tNIC n (\n\t\tDevice @a = e0\n\t\tDevice @c = e1\n\t\t)\n",
     ["main.cf:12:3: resource n: attribute Device is localized for system c, which is not in the SystemList of group g"]),
    ("system d (\n\tCapacity @zz = 3\n\t)\n",
     ["main.cf:8:2: system d: attribute Capacity is localized for undeclared system zz"]),
    # dependencies on missing things
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n\tp requires q\n",
     ["main.cf:12:2: p requires q: group g has no resource q"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n\tp requires x\n"
     "group h (\n\tSystemList = { a }\n\t)\n\tPhantom x (\n\t)\n",
     ["main.cf:12:2: p requires x: group g has no resource x (x is in group h)"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n\tp requires p\n",
     ["main.cf:12:2: resource p requires itself"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\trequires group nope online local firm\n",
     ["main.cf:10:2: group g requires group nope online local firm: group nope does not exist"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\trequires group g online local firm\n",
     ["main.cf:10:2: group g requires itself"]),
    # cycles
    ("group g (\n\tSystemList = { a }\n\t)\n\tPhantom p (\n\t)\n\tPhantom q (\n\t)\n\tPhantom r (\n\t)\n"
     "\tp requires q\n\tq requires r\n\tr requires p\n",
     ["main.cf:18:2: resource dependency cycle in group g: p -> q -> r -> p"]),
    ("group g (\n\tSystemList = { a }\n\t)\n\trequires group h online global soft\n"
     "group h (\n\tSystemList = { a }\n\t)\n\trequires group g online global soft\n",
     ["main.cf:14:2: group dependency cycle: g -> h -> g"]),
])
def test_rule(body: str, expected: list[str]) -> None:
    assert diags(body) == expected


def test_duplicate_type() -> None:
    line = bundled_types_path().read_text().splitlines().index("type NIC (") + 1
    assert diags("type NIC (\n)\n") == [
        f"main.cf:7:6: duplicate type NIC; first defined at {bundled_types_path()}:{line}:6"
    ]


FAILOVER = "\tSystemList = { a, b }\n"
PARALLEL = "\tSystemList = { a, b }\n\tParallel = 1\n"


def dep(parent: str, child: str, link: str) -> list[str]:
    body = f"group p (\n{parent}\t)\n\trequires group c {link}\ngroup c (\n{child}\t)\n"
    return diags(body)


@pytest.mark.parametrize("parent, child, link, expected", [
    (FAILOVER, FAILOVER, "offline global", "offline dependencies must be local"),
    (FAILOVER, FAILOVER, "offline remote soft", "offline dependencies must be local"),
    (FAILOVER, FAILOVER, "online global hard", "hard dependencies are supported for online local only"),
    (FAILOVER, FAILOVER, "online remote hard", "hard dependencies are supported for online local only"),
    (PARALLEL, FAILOVER, "online local soft", "a parallel parent cannot have an online local dependency on a failover child"),
    (PARALLEL, FAILOVER, "online local firm", "a parallel parent cannot have an online local dependency on a failover child"),
    (FAILOVER, PARALLEL, "online local hard", "a failover parent cannot have a hard dependency on a parallel child"),
    (PARALLEL, PARALLEL, "online global soft", "two parallel groups support local dependencies only"),
    (PARALLEL, PARALLEL, "online remote firm", "two parallel groups support local dependencies only"),
])
def test_unsupported_group_dependencies(parent: str, child: str, link: str, expected: str) -> None:
    got = dep(parent, child, link)
    rigidity = "" if link.split()[-1] in ("soft", "firm", "hard") else " firm"
    line = 9 + parent.count("\n")
    assert got == [f"main.cf:{line}:2: group p requires group c {link}{rigidity}: {expected}"]


@pytest.mark.parametrize("parent, child, link", [
    (FAILOVER, FAILOVER, "online local soft"),
    (FAILOVER, FAILOVER, "online local firm"),
    (FAILOVER, FAILOVER, "online local hard"),
    (FAILOVER, FAILOVER, "online global soft"),
    (FAILOVER, FAILOVER, "online remote firm"),
    (FAILOVER, FAILOVER, "offline local"),
    (PARALLEL, FAILOVER, "online global soft"),
    (FAILOVER, PARALLEL, "online local firm"),
    (FAILOVER, PARALLEL, "online global soft"),
    (PARALLEL, PARALLEL, "online local firm"),
    (PARALLEL, PARALLEL, "offline local"),
])
def test_supported_group_dependencies(parent: str, child: str, link: str) -> None:
    assert dep(parent, child, link) == []


def test_all_errors_are_reported_sorted() -> None:
    got = diags("group g (\n\tSystemList = { z }\n\tFrozen = 9\n\t)\n\tFrob r (\n\t)\n\tNIC n (\n\t\tColour = 1\n\t)\n")
    assert got == [
        "main.cf:8:2: group g: SystemList names undeclared system z",
        "main.cf:9:2: group g: attribute Frozen must be boolean (0 or 1), found 9",
        "main.cf:11:7: resource r: unknown type Frob",
        "main.cf:14:3: resource n: type NIC has no attribute Colour",
    ]


def test_model_built_in_code_is_checked_too() -> None:
    """A model without source positions (built by the engine or a test) gets line 0 col 0."""
    g = Group("g", attributes={"SystemList": AttrValue({"a": 0}), "Parallel": AttrValue("yes")})
    g.resources["r"] = Resource("r", "Nope")
    g.group_deps.append(GroupDep("missing"))
    c = Config(systems={"a": System("a")}, groups={"g": g}, source="built")
    assert [str(d) for d in validate(c)] == [
        "built:0:0: group g requires group missing online local firm: group missing does not exist",
        "built:0:0: group g: attribute Parallel must be int, found 'yes'",
        "built:0:0: resource r: unknown type Nope",
    ]
