"""The writer: hacf's layout (checked against real captures), and parse(dump(m)) == m."""

from __future__ import annotations

import string
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from emulators.vcs.config import bundled_types_path, dump, dump_types, format_value, parse_file, parse_text
from emulators.vcs.config.model import (
    AttrDef,
    AttrValue,
    Cluster,
    Config,
    Group,
    GroupDep,
    Resource,
    ResourceDep,
    System,
    TypeDef,
)

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "altio-cluster.main.cf"

IP_NIC_TYPES = """type IP (
\tstatic str ArgList[] = { Device, Address, NetMask }
\tstr Device
\tstr Address
\tstr NetMask
)

type NIC (
\tstatic str ArgList[] = { Device }
\tstatic str Operations = None
\tstr Device
)
"""

# The group hacf wrote in captures/haconf-hagrp-hares-session.1.txt (tabs shown there as spaces).
CAPTURED_GROUP = """group SG1 (
        SystemList = { verclus01 = 0, verclus02 = 1 }
        AutoStartList = { verclus01, verclus02 }
        )

        IP SG-ip (
                Device = enp0s3
                Address = "192.168.9.150"
                NetMask = "255.255.255.0"
                )

        NIC SG-nic (
                Device = enp0s3
                )

        SG-ip requires SG-nic


        // resource dependency tree
        //
        //      group SG1
        //      {
        //      IP SG-ip
        //          {
        //          NIC SG-nic
        //          }
        //      }
"""


def test_dump_matches_the_captured_hacf_layout(tmp_path: Path) -> None:
    (tmp_path / "iptypes.cf").write_text(IP_NIC_TYPES)
    text = 'include "iptypes.cf"\n\nsystem verclus01 (\n\t)\n\nsystem verclus02 (\n\t)\n\n' + CAPTURED_GROUP
    c = parse_text(text, "main.cf", include_dir=tmp_path)
    out = dump(c)
    assert "\t\tDevice = enp0s3\n" in out  # hacf indents with tabs
    assert out.expandtabs(8) == text.expandtabs(8)


def _significant(text: str) -> list[str]:
    return [line.expandtabs(8).rstrip() for line in text.splitlines() if line.strip()]


def test_dump_of_the_reference_reproduces_it() -> None:
    """Line for line, the seed's main.cf (its header comment and blank-line spacing aside)."""
    ref = REFERENCE.read_text()
    body = ref[ref.index('include "types.cf"'):]
    assert _significant(dump(parse_file(REFERENCE))) == _significant(body)


def test_dependency_tree_nests_children_and_repeats_shared_ones() -> None:
    g = Group("g", resources={n: Resource(n, "Phantom") for n in ["app", "ip", "mnt", "nic", "vol", "other"]})
    g.resource_deps = [ResourceDep("app", "ip"), ResourceDep("app", "mnt"), ResourceDep("ip", "nic"),
                       ResourceDep("mnt", "vol"), ResourceDep("ip", "vol")]
    g.group_deps = [GroupDep("h", "online", "global", "soft")]
    out = dump(Config(groups={"g": g}))
    tail = out[out.index("\tip requires nic"):]
    assert tail.expandtabs(8) == """        ip requires nic
        mnt requires vol
        ip requires vol


        // resource dependency tree
        //
        //      group g
        //      {
        //      Phantom app
        //          {
        //          Phantom ip
        //              {
        //              Phantom nic
        //              Phantom vol
        //              }
        //          Phantom mnt
        //              {
        //              Phantom vol
        //              }
        //          }
        //      Phantom other
        //      }
"""
    assert "\trequires group h online global soft\n\tapp requires ip\n" in out


def test_dependency_tree_of_a_cycle_terminates() -> None:
    g = Group("g", resources={n: Resource(n, "Phantom") for n in "ab"})
    g.resource_deps = [ResourceDep("a", "b"), ResourceDep("b", "a")]
    assert "// resource dependency tree" in dump(Config(groups={"g": g}))


def test_values_are_quoted_only_when_needed() -> None:
    assert format_value("eth0") == "eth0"
    assert format_value("primary1-strsg") == "primary1-strsg"
    assert format_value("10.0.0.1") == '"10.0.0.1"'
    assert format_value("/ocrvote") == '"/ocrvote"'
    assert format_value("-y") == '"-y"'
    assert format_value("12") == '"12"'
    assert format_value("") == '""'
    assert format_value('say "hi" \\ bye') == '"say \\"hi\\" \\\\ bye"'
    assert format_value(12) == "12"
    assert format_value([]) == "{}" and format_value({}) == "{}"
    assert format_value(["a", "b c"]) == '{ a, "b c" }'
    assert format_value({"a": 1, "b.c": "x"}) == '{ a = 1, "b.c" = x }'


def test_dump_types_round_trips_the_bundled_types() -> None:
    bundled = parse_text(bundled_types_path().read_text(), str(bundled_types_path())).types
    again = parse_text(dump_types(bundled), "types.cf").types
    assert again == bundled
    assert dump_types({"T": bundled["NIC"]}).startswith("type NIC (\n\tstatic keylist SupportedActions = ")


def test_types_defined_in_main_cf_are_written_there() -> None:
    text = 'type Local (\n\tstr X\n)\n\ngroup g (\n\t)\n\n\tLocal l (\n\t\tX = y\n\t\t)\n'
    c = parse_text(text)
    assert dump(c).startswith("type Local (\n\tstr X\n)\n\ngroup g (\n")
    assert parse_text(dump(c)) == c


# ------------------------------------------------------------------------------------------------
# generated models round-trip

KEYWORDS = {"include", "cluster", "system", "group", "type", "requires", "static", "temp", "keylist",
            "str", "int", "boolean", "i18nstr", "online", "offline", "local", "global", "remote",
            "soft", "firm", "hard"}
names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,7}", fullmatch=True).filter(lambda s: s not in KEYWORDS)
texts = st.text(alphabet=string.ascii_letters + string.digits + ' _-./:@{}()=,;"\\\'#$', max_size=12)
ints = st.integers(min_value=-5, max_value=100_000)


def scalar_of(datatype: str):
    return {"str": texts, "int": ints, "boolean": st.sampled_from([0, 1])}[datatype]


def value_of(ad: AttrDef):
    s = scalar_of(ad.datatype)
    if ad.dimension == "scalar":
        return s
    if ad.dimension == "association":
        return st.dictionaries(texts, s, max_size=3)
    if ad.dimension == "keylist":
        return st.lists(s, max_size=3, unique=True)
    return st.lists(s, max_size=3)


@st.composite
def attr_defs(draw, name: str) -> AttrDef:
    datatype = draw(st.sampled_from(["str", "int", "boolean"]))
    dimension = draw(st.sampled_from(["scalar", "vector", "keylist", "association"]))
    if dimension == "keylist":
        datatype = "str"
    ad = AttrDef(name, datatype, dimension, static=draw(st.booleans()))
    ad.default = draw(st.none() | value_of(ad))
    return ad


@st.composite
def attr_values(draw, ad: AttrDef, systems: list[str]) -> AttrValue:
    localized = draw(st.dictionaries(st.sampled_from(systems), value_of(ad), max_size=2)) if systems else {}
    value = draw(st.none() | value_of(ad)) if localized else draw(value_of(ad))
    return AttrValue(value, localized)


@st.composite
def configs(draw) -> Config:
    system_names = draw(st.lists(names, min_size=1, max_size=4, unique=True))
    types: dict[str, TypeDef] = {}
    for tname in draw(st.lists(names, max_size=3, unique=True)):
        attr_names = draw(st.lists(names, max_size=4, unique=True))
        types[tname] = TypeDef(tname, {a: draw(attr_defs(a)) for a in attr_names})
    groups: dict[str, Group] = {}
    resource_names = iter(draw(st.lists(names, max_size=8, unique=True)))
    for gname in draw(st.lists(names, max_size=4, unique=True)):
        sl = draw(st.dictionaries(st.sampled_from(system_names), st.integers(0, 9), min_size=1, max_size=3))
        g = Group(gname, {"SystemList": AttrValue(sl)})
        if draw(st.booleans()):
            g.attributes["Parallel"] = AttrValue(draw(st.sampled_from([0, 1])))
        if draw(st.booleans()):
            g.attributes["TriggersEnabled"] = AttrValue(None, {s: ["PREONLINE"] for s in sl})
        if draw(st.booleans()):
            g.attributes["TriggerPath"] = AttrValue(draw(texts))
        for rname in resource_names:
            if not types or draw(st.integers(0, 2)) == 0:
                break
            tname = draw(st.sampled_from(sorted(types)))
            r = Resource(rname, tname)
            for a, ad in types[tname].attributes.items():
                if draw(st.booleans()):
                    r.attributes[a] = draw(attr_values(ad, list(sl)))
            if draw(st.booleans()):
                r.attributes["Critical"] = AttrValue(draw(st.sampled_from([0, 1])))
            g.resources[rname] = r
        rs = list(g.resources)
        if len(rs) > 1:
            pairs = draw(st.lists(st.tuples(st.sampled_from(rs), st.sampled_from(rs)), max_size=3))
            g.resource_deps = [ResourceDep(p, c) for p, c in pairs]
        groups[gname] = g
    gnames = list(groups)
    for g in groups.values():
        if gnames and draw(st.booleans()):
            g.group_deps.append(GroupDep(draw(st.sampled_from(gnames)), draw(st.sampled_from(["online", "offline"])),
                                         draw(st.sampled_from(["local", "global", "remote"])),
                                         draw(st.sampled_from(["soft", "firm", "hard"]))))
    cluster = None
    if draw(st.booleans()):
        cluster = Cluster(draw(names), {"UserNames": AttrValue(draw(st.dictionaries(names, texts, max_size=2))),
                                        "HacliUserLevel": AttrValue("COMMANDROOT")})
    systems = {s: System(s) for s in system_names}
    if draw(st.booleans()):
        systems[system_names[0]].attributes["Capacity"] = AttrValue(draw(ints))
    return Config(types=types, cluster=cluster, systems=systems, groups=groups, source="main.cf")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(configs())
def test_generated_models_round_trip(config: Config) -> None:
    text = dump(config)
    again = parse_text(text, "main.cf", include_dir="/nonexistent")
    assert again == config
    assert dump(again) == text
