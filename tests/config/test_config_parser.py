"""The reader: every grammar form, value typing, includes, and syntax errors with their positions."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from emulators.vcs.config import (
    ConfigError,
    Diagnostic,
    bundled_types_path,
    load,
    parse_diagnostics,
    parse_file,
    parse_notices,
    parse_text,
)
from emulators.vcs.config.model import GroupDep, ResourceDep

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "altio-cluster.main.cf"


def spaced(text: str) -> str:
    """The reference with every `@system` written `@ system`."""
    return re.sub(r"@(\w)", r"@ \1", text)


def errors_of(text: str, filename: str = "main.cf", include_dir: str | Path | None = None) -> list[str]:
    with pytest.raises(ConfigError) as e:
        parse_text(text, filename, include_dir)
    assert all(isinstance(d, Diagnostic) for d in e.value.diagnostics)
    return [str(d) for d in e.value.diagnostics]


# ------------------------------------------------------------------------------------------------
# the seed's configuration


@pytest.mark.parametrize("form", ["as written", "spaced @ system"])
def test_reference_localized_values_per_system(form: str) -> None:
    text = REFERENCE.read_text()
    if form != "as written":
        text = spaced(text)
        assert "@ primary1" in text
    c = parse_text(text, str(REFERENCE), include_dir=FIXTURES)
    alt = c.groups["aiosg"].resources["altiores"]
    assert alt.type == "AlternateIO"
    # str associations, as the patent's types.cf declares them (`str StorageSG{ }`): the values are strings
    assert alt.attributes["StorageSG"].for_system("primary1") == {"primary1-strsg": "1"}
    assert alt.attributes["StorageSG"].for_system("primary2") == {"primary2-strsg": "1"}
    assert alt.attributes["NetworkSG"].for_system("primary1") == {"primary1-nwsg": "0"}
    assert alt.attributes["NetworkSG"].for_system("primary2") == {"primary2-nwsg": "0"}
    assert alt.attributes["StorageSG"].value is None
    assert alt.attributes["StorageSG"].for_system("alternate1") is None
    zp1 = c.groups["primary1-strsg"].resources["zpres1"].attributes
    assert zp1["PoolName"].for_system("primary1") == "zfsprim"
    assert zp1["PoolName"].for_system("alternate1") == "zfsmirr"
    assert zp1["ForceOpt"].value == 0
    zp2 = c.groups["primary2-strsg"].resources["zpres2"].attributes
    assert (zp2["PoolName"].localized) == {"primary2": "zfsprim", "alternate2": "zfsmirr"}
    nic1 = c.groups["primary1-nwsg"].resources["nicres1"].attributes["Device"]
    assert nic1.localized == {"primary1": "nxge3", "alternate1": "nxge4"}
    assert c.groups["aiosg"].attr("TriggersEnabled", "primary2") == ["PREONLINE"]
    assert c.groups["ldomsg"].resources["ldmguest"].attributes["LDomName"].value == "ldg1"


def test_reference_topology() -> None:
    c = parse_file(REFERENCE)
    assert c.includes == ["types.cf"]
    assert c.cluster is not None and c.cluster.name == "altio-cluster"
    assert c.cluster.attributes["UserNames"].value == {"admin": "XXXXXXXXXXX"}
    assert c.cluster.attributes["Administrators"].value == ["admin"]
    assert c.cluster.attributes["HacliUserLevel"].value == "COMMANDROOT"
    assert list(c.systems) == ["primary1", "alternate1", "primary2", "alternate2"]
    assert list(c.groups) == ["aiosg", "ldomsg", "primary1-strsg", "primary1-nwsg", "primary2-strsg", "primary2-nwsg"]
    assert c.groups["ldomsg"].group_deps == [GroupDep("aiosg", "online", "local", "hard")]
    p1 = c.groups["primary1-strsg"]
    assert p1.system_list == {"primary1": 0, "alternate1": 1}
    assert p1.parallel and p1.attr("AutoStart") == 0
    assert p1.attr("TriggerPath") == "bin/AlternateIO/StorageSG"
    assert p1.attr("AutoStartList") == ["primary1", "alternate1"]
    assert list(c.groups["primary1-nwsg"].resources) == ["ph1", "nicres1"]
    assert c.groups["ldomsg"].resources["ldmguest"].loc.line == 64


def test_parse_file_falls_back_to_bundled_types_and_says_so() -> None:
    c = parse_file(REFERENCE)
    notices = parse_notices(c)
    assert notices == [f"{FIXTURES / 'types.cf'} not found; using the bundled types.cf ({bundled_types_path()})"]
    assert "AlternateIO" in c.types and c.types["AlternateIO"].loc.file == str(bundled_types_path())


def test_parse_file_prefers_the_types_cf_next_to_it(tmp_path: Path) -> None:
    (tmp_path / "types.cf").write_text("type Local (\n\tstr Thing\n)\n")
    (tmp_path / "main.cf").write_text('include "types.cf"\n')
    c = parse_file(tmp_path / "main.cf")
    assert list(c.types) == ["Local"] and parse_notices(c) == []


def test_parse_file_unreadable() -> None:
    with pytest.raises(ConfigError) as e:
        parse_file("/nonexistent/dir/main.cf")
    assert str(e.value) == "/nonexistent/dir/main.cf:1:1: cannot read /nonexistent/dir/main.cf: No such file or directory"


# ------------------------------------------------------------------------------------------------
# grammar forms

TYPES = """
type T (
\tstatic int MonitorInterval = 30
\tstatic str ArgList[] = { S, I, B, V, K, A }
\tstatic temp str Tmp = x
\tstr S
\tint I = 7
\tboolean B = 1
\tstr V[] = { a, b }
\tkeylist K
\tint A{} = { x = 1; y = 2 }
\tstr SA{}
)
"""


def test_type_definition_forms() -> None:
    c = parse_text(TYPES)
    t = c.types["T"]
    shape = {n: (a.datatype, a.dimension, a.default, a.static) for n, a in t.attributes.items()}
    assert shape == {
        "MonitorInterval": ("int", "scalar", 30, True),
        "ArgList": ("str", "vector", ["S", "I", "B", "V", "K", "A"], True),
        "Tmp": ("str", "scalar", "x", True),
        "S": ("str", "scalar", None, False),
        "I": ("int", "scalar", 7, False),
        "B": ("boolean", "scalar", 1, False),
        "V": ("str", "vector", ["a", "b"], False),
        "K": ("str", "keylist", None, False),
        "A": ("int", "association", {"x": 1, "y": 2}, False),
        "SA": ("str", "association", None, False),
    }
    assert t.arglist == ["S", "I", "B", "V", "K", "A"] and t.operations == "OnOff"
    assert t.attributes["I"].loc.line == 7 and t.attributes["I"].loc.col == 6


def one_resource(attrs: str) -> dict:
    text = TYPES + "group g (\n)\n\tT r (\n" + attrs + "\n\t)\n"
    c = parse_text(text)
    return {n: (a.value, a.localized) for n, a in c.groups["g"].resources["r"].attributes.items()}


def test_quoted_strings_with_escapes() -> None:
    got = one_resource(r'''S = "a \"quoted\" back\\slash"''')
    assert got["S"] == ('a "quoted" back\\slash', {})


def test_bare_words_may_hold_paths_addresses_and_colons() -> None:
    got = one_resource("V = { /dev/dsk/c0t0d0s2, 10.0.0.1, a:b, x-y_z, \"two words\" }")
    assert got["V"] == (["/dev/dsk/c0t0d0s2", "10.0.0.1", "a:b", "x-y_z", "two words"], {})


def test_at_sign_starts_a_localization_not_part_of_a_word() -> None:
    assert errors_of(TYPES + "group g (\n)\n\tT r (\n\t\tS = user@host\n\t)\n") == [
        "main.cf:17:11: expected an attribute name or ')' in resource r, found '@'",
    ]


def test_value_typing_follows_the_declared_data_type() -> None:
    got = one_resource('I = 42\nB = 0\nS = 1\nV = { 1, "2", x }\nA = { k = 5 }\nSA = { k = 5 }\nCritical = 0')
    assert got["I"] == (42, {})
    assert got["B"] == (0, {})
    assert got["S"] == ("1", {})  # a bare number in a str attribute stays a string
    assert got["V"] == (["1", "2", "x"], {})
    assert got["A"] == ({"k": 5}, {})
    assert got["SA"] == ({"k": "5"}, {})
    assert got["Critical"] == (0, {})  # built-in boolean resource attribute


def test_undeclared_attribute_keeps_the_token_shape() -> None:
    got = one_resource('Nobody = 12\nQuoted = "12"\nWord = abc\nNeg = -3')
    assert got["Nobody"] == (12, {})
    assert got["Quoted"] == ("12", {})
    assert got["Word"] == ("abc", {})
    assert got["Neg"] == (-3, {})


def test_int_attribute_with_a_word_is_kept_for_validation() -> None:
    assert one_resource("I = many")["I"] == ("many", {})


def test_integers_are_32_bit_signed() -> None:
    got = one_resource("I = 2147483647\nA = { lo = -2147483648, z = 000000000000007 }\nS = 99999999999")
    assert got["I"] == (2147483647, {})
    assert got["A"] == ({"lo": -2147483648, "z": 7}, {})
    assert got["S"] == ("99999999999", {})  # a str attribute holds any digits
    line = TYPES.count("\n") + 4
    assert errors_of(TYPES + "group g (\n)\n\tT r (\nI = 2147483648\nA = { k = -" + "1" * 5000 + " }\n\t)\n") == [
        f"main.cf:{line}:5: integer 2147483648 is out of range (VCS integers are 32-bit signed)",
        f"main.cf:{line + 1}:11: integer -11111111111... (5000 digits) is out of range (VCS integers are 32-bit signed)",
    ]
    assert errors_of("group g (\n\tSystemList = { a = 4294967296 }\n)\n") == [
        "main.cf:2:21: integer 4294967296 is out of range (VCS integers are 32-bit signed)"]


def test_text_with_characters_no_utf8_file_holds_is_refused() -> None:
    # what a file's bytes that are not UTF-8 become (surrogateescape), and a lone surrogate
    assert errors_of("// caf\udce9\ngroup g\udcff (\n\tX = \"\ud800\"\n)\n") == [
        "main.cf:1:7: byte 0xE9 is not UTF-8",
        "main.cf:2:8: byte 0xFF is not UTF-8",
        "main.cf:3:7: unexpected character U+D800",
    ]


def test_load_refuses_a_main_cf_that_is_not_utf8(tmp_path: Path) -> None:
    """What the harness calls when it boots a lab or checks an inventory: a ConfigError that names
    the byte, before anything reads main.cf as text."""
    (tmp_path / "main.cf").write_bytes(REFERENCE.read_bytes().replace(b"altio-cluster (", b"altio-cluster\x85 (", 1))
    with pytest.raises(ConfigError) as e:
        load(tmp_path / "main.cf")
    assert [str(d) for d in e.value.diagnostics] == [f"{tmp_path / 'main.cf'}:18:22: byte 0x85 is not UTF-8"]


@pytest.mark.parametrize("body, expected", [
    ("{ a, b, c }", ["a", "b", "c"]),
    ("{ a; b; c }", ["a", "b", "c"]),
    ("{ a b c }", ["a", "b", "c"]),
    ("{ a, b, c, }", ["a", "b", "c"]),
    ("{a,b;c}", ["a", "b", "c"]),
    ("{ }", []),
    ("{}", []),
])
def test_list_separators(body: str, expected: list) -> None:
    assert one_resource(f"V = {body}")["V"] == (expected, {})


@pytest.mark.parametrize("body, expected", [
    ("{ x = 1, y = 2 }", {"x": 1, "y": 2}),
    ("{ x = 1; y = 2 }", {"x": 1, "y": 2}),
    ("{ x = 1 y = 2 }", {"x": 1, "y": 2}),
    ('{ "a b" = 3 }', {"a b": 3}),
    ("{}", {}),
])
def test_associations(body: str, expected: dict) -> None:
    assert one_resource(f"A = {body}")["A"] == (expected, {})


def group_attrs(attrs: str, systems: str = "a b c d") -> dict:
    text = "".join(f"system {s} (\n)\n" for s in systems.split()) + f"group g (\n{attrs}\n)\n"
    return {n: (v.value, v.localized) for n, v in parse_text(text).groups["g"].attributes.items()}


@pytest.mark.parametrize("body, expected", [
    ("{ a, b = 3, c }", {"a": 0, "b": 3, "c": 4}),
    ("{ a, b, c }", {"a": 0, "b": 1, "c": 2}),
    ("{ a = 5, b, c = 1, d }", {"a": 5, "b": 6, "c": 1, "d": 2}),
    ("{ a = 0, b = 1 }", {"a": 0, "b": 1}),
    ("{}", {}),
])
def test_system_list_priorities(body: str, expected: dict) -> None:
    assert group_attrs(f"SystemList = {body}")["SystemList"] == (expected, {})


def test_localized_values_both_spellings_and_with_a_global_value() -> None:
    got = group_attrs("SystemList = { a, b }\nTriggerPath = x\nTriggerPath @a = y\nTriggerPath @ b = z\n"
                      "Priority@a=3")
    assert got["TriggerPath"] == ("x", {"a": "y", "b": "z"})
    assert got["Priority"] == (None, {"a": 3})


def test_resource_and_group_dependencies() -> None:
    text = TYPES + """
group g (
)
\tT a (
\t)
\tT b (
\t)
\ta requires b
\trequires group h online local
\trequires group h2 online global soft
\trequires group h3 online remote hard
\trequires group h4 offline local
\trequires group h5 online local firm
group h (
)
"""
    g = parse_text(text).groups["g"]
    assert g.resource_deps == [ResourceDep("a", "b")]
    assert g.resource_deps[0].loc.line == 21 and g.resource_deps[0].loc.col == 2
    assert g.group_deps == [
        GroupDep("h", "online", "local", "firm"),  # no rigidity means firm
        GroupDep("h2", "online", "global", "soft"),
        GroupDep("h3", "online", "remote", "hard"),
        GroupDep("h4", "offline", "local", "firm"),
        GroupDep("h5", "online", "local", "firm"),
    ]


def test_comments_anywhere_and_generated_tree_not_kept() -> None:
    text = """// header
include "types.cf" // trailing
system s1 ( // after paren
\t// inside
\t)
group g ( // x
\tSystemList = { // open
\t\ts1 = 0 // item
\t\t} // close
\tTriggerPath = "a//b" // a // inside quotes is not a comment
\t)
\tPhantom p (
\t)
\t// resource dependency tree
\t//
\t//\tgroup g
\t//\t{
\t//\tPhantom p
\t//\t}
"""
    c = parse_text(text)
    g = c.groups["g"]
    assert g.system_list == {"s1": 0}
    assert g.attr("TriggerPath") == "a//b"
    assert list(g.resources) == ["p"] and g.resource_deps == []


def test_word_with_single_slashes_then_comment() -> None:
    got = group_attrs("TriggerPath = bin/x//comment", "")
    assert got["TriggerPath"] == ("bin/x", {})


def test_includes_resolve_relative_to_include_dir_and_the_including_file(tmp_path: Path) -> None:
    (tmp_path / "sub").mkdir()
    (tmp_path / "types.cf").write_text('include "sub/more.cf"\ntype A (\n)\n')
    (tmp_path / "sub" / "more.cf").write_text('include "deeper.cf"\ntype B (\n)\n')
    (tmp_path / "sub" / "deeper.cf").write_text("type C (\n)\n")
    c = parse_text('include "types.cf"\n', "main.cf", include_dir=tmp_path)
    assert list(c.types) == ["C", "B", "A"]
    assert c.includes == ["types.cf"]
    assert c.types["C"].loc.file == str(tmp_path / "sub" / "deeper.cf")


def test_missing_include_is_an_error(tmp_path: Path) -> None:
    assert errors_of('include "OracleTypes.cf"\n', "main.cf", tmp_path) == [
        'main.cf:1:1: cannot read include "OracleTypes.cf": No such file or directory',
    ]


def test_include_cycle_is_an_error(tmp_path: Path) -> None:
    (tmp_path / "a.cf").write_text('include "b.cf"\n')
    (tmp_path / "b.cf").write_text('include "a.cf"\n')
    assert errors_of('include "a.cf"\n', "main.cf", tmp_path) == [
        f'{tmp_path / "b.cf"}:1:1: include "a.cf" includes itself',
    ]


def test_included_file_may_only_define_types(tmp_path: Path) -> None:
    (tmp_path / "x.cf").write_text("type A (\n)\ngroup g (\n)\n")
    assert errors_of('include "x.cf"\n', "main.cf", tmp_path) == [
        f"{tmp_path / 'x.cf'}:3:1: an included file may only define types, found 'group'",
    ]


def test_duplicates_are_recorded_for_validation_not_raised() -> None:
    text = "system a (\n)\nsystem a (\n)\ngroup g (\n\tPriority = 1\n\tPriority = 2\n)\n"
    c = parse_text(text)
    assert [str(d) for d in parse_diagnostics(c)] == [
        "main.cf:3:8: duplicate system a; first defined at main.cf:1:8",
        "main.cf:7:2: duplicate attribute Priority in group g; first set at main.cf:6:2",
    ]
    assert c.groups["g"].attr("Priority") == 1


# ------------------------------------------------------------------------------------------------
# syntax errors: position and text, all of them


@pytest.mark.parametrize("text, expected", [
    ('group g (\n\tTriggerPath = "abc\n)\n', ["main.cf:2:16: unterminated string"]),
    ("group g (\n\tPriority = 1\n", ["main.cf:3:1: expected ')' to close group g, found end of file"]),
    ("group g\n\tPriority = 1\n)\n", ["main.cf:2:2: expected '(' after group g, found 'Priority'"]),
    ("group g (\n\tPriority 1\n)\n", ["main.cf:2:11: expected '=' after attribute Priority, found '1'"]),
    ("group g (\n\tPriority =\n)\n", ["main.cf:3:1: expected a value, found ')'"]),
    ("NIC n (\n)\n", ["main.cf:1:1: resource n is outside any group"]),
    ("frobnicate\n", ["main.cf:1:1: expected include, cluster, system, group or type, found 'frobnicate'"]),
    ("include types.cf\n", ['main.cf:1:9: expected a quoted file name after include (include "types.cf"), found \'types.cf\'']),
    ("type T (\n\tfloat F\n)\n", ["main.cf:2:2: unknown data type 'float' (expected str, int, boolean or keylist)"]),
    ("group g (\n)\n\trequires group h sideways local\n", ["main.cf:3:19: expected online or offline, found 'sideways'"]),
    ("group g (\n)\n\trequires group h online nearby\n", ["main.cf:3:26: expected local, global or remote, found 'nearby'"]),
    ("group g (\n)\n\ta requires\n", ["main.cf:4:1: expected a resource name after 'a requires', found end of file"]),
    ("group g (\n)\n\tNIC n\n", ["main.cf:4:1: expected '(' after resource NIC n, found end of file"]),
    ("group g (\n\tX = { a, b = 1 }\n)\n", ["main.cf:2:8: attribute X: 'a' has no value in an association"]),
    ("group g (\n\tX = { a = }\n)\n", ["main.cf:2:12: expected a value after 'a =', found '}'"]),
    ("group g (\n\tX = { a,, b }\n)\n", ["main.cf:2:10: expected a value or '}', found ','"]),
    ("system s (\n\tX @ = 1\n)\n", ["main.cf:2:6: expected a system name after 'X @', found '='"]),
    ("group g (\n\tX = 1 \x01\n)\n", ["main.cf:2:8: unexpected character '\\x01'"]),
])
def test_syntax_errors(text: str, expected: list[str]) -> None:
    assert errors_of(text) == expected


def test_every_syntax_error_of_a_file_is_reported() -> None:
    text = """system a (
\tCapacity 5
\tUserInt = 3
\t)
group g (
\tSystemList = { a = 0 }
\tPriority = = 2
\t)
\tNIC n1 (
\t\tDevice = "eth0
\t\t)
\tbogus
group h (
\tAutoStart = 1
\t)
"""
    assert errors_of(text, "x/main.cf", include_dir="/nonexistent") == [
        "x/main.cf:2:11: expected '=' after attribute Capacity, found '5'",
        "x/main.cf:7:13: expected a value, found '='",
        "x/main.cf:10:12: unterminated string",
        "x/main.cf:13:1: expected a resource name or 'requires' after 'bogus', found 'group'",
    ]
