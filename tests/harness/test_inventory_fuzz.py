"""Fuzzing the inventory loader: the shipped inventories, mutated, either load or are refused with an
InventoryError (one line per problem, naming the file) — never another exception, a hang or a
traceback from `altio-hil inventory check`."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from harness.inventory import InventoryError, Lab, load_inventory

REPO = Path(__file__).resolve().parents[2]
SHIPPED = sorted((REPO / "inventories").glob("*.yaml"))
SEEDS = {p.name: p.read_bytes() for p in SHIPPED}

FUZZ = settings(max_examples=80, deadline=None, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


@pytest.fixture(scope="module")
def lab_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A copy of inventories/ (the main.cf files the inventories name, by relative path)."""
    d = tmp_path_factory.mktemp("inventories")
    shutil.copytree(REPO / "inventories", d, dirs_exist_ok=True)
    return d


def check(lab_dir: Path, data: bytes) -> None:
    """The property: a Lab, or an InventoryError of one-line problems that names the file."""
    path = lab_dir / "mutant.yaml"
    path.write_bytes(data)
    try:
        lab = load_inventory(path)
    except InventoryError as exc:
        assert exc.problems, "an InventoryError without a problem"
        assert exc.problems[0].startswith(f"{path}:"), exc.problems[0]
        for line in exc.problems:
            assert "\n" not in line and len(line) <= 1100, line
        return
    assert isinstance(lab, Lab)


seed_names = st.sampled_from(sorted(SEEDS))


def leaf_spans(text: str) -> list[tuple[int, int]]:
    """(start, end) character offsets of the plain leaf scalars (values, not keys) of a document."""
    spans: list[tuple[int, int]] = []

    def walk(node: yaml.Node) -> None:
        if isinstance(node, yaml.MappingNode):
            for _, v in node.value:
                walk(v)
        elif isinstance(node, yaml.SequenceNode):
            for v in node.value:
                walk(v)
        elif node.start_mark.index < node.end_mark.index:
            spans.append((node.start_mark.index, node.end_mark.index))

    root = yaml.compose(text)
    if root is not None:
        walk(root)
    return spans


def key_lines(text: str) -> list[int]:
    lines = text.splitlines(keepends=True)
    return [i for i, line in enumerate(lines) if ":" in line and not line.lstrip().startswith(("#", "-"))]


SCALARS = st.one_of(
    st.sampled_from(["", "''", "~", "null", ".inf", "-.inf", ".nan", "true", "false", "yes", "0", "-1",
                     "0x7fffffff", "0o17", "1_000", "2001-13-45", "2001-12-14t21:59:43.10-05:00",
                     "!!binary x", "!!int abc", "!!float x", "!!python/object:os.system x", "*nowhere",
                     "&a", "[", "{", "]", "}", "|", ">", "? x", "- x", "'unterminated", '"\\ud800"', '"\\x00"',
                     '"a\\nb"', "<<", "=", "!!set {a}", "!!omap [a: 1]", "%YAML 1.1", "---", "...",
                     "a" * 70, "../../../etc/passwd", "/dev/zero", "main\0cf"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
    st.text(max_size=30).map(lambda s: '"' + s.replace("\\", "\\\\").replace('"', '\\"') + '"'),
    st.text(alphabet=st.characters(codec="utf-8"), max_size=20),
)


@FUZZ
@given(name=seed_names, data=st.data())
def test_byte_flips(lab_dir, name, data):
    raw = bytearray(SEEDS[name])
    for _ in range(data.draw(st.integers(1, 8), label="flips")):
        i = data.draw(st.integers(0, len(raw) - 1), label="at")
        raw[i] ^= data.draw(st.integers(1, 255), label="xor")
    check(lab_dir, bytes(raw))


@FUZZ
@given(name=seed_names, data=st.data())
def test_truncation(lab_dir, name, data):
    raw = SEEDS[name]
    check(lab_dir, raw[:data.draw(st.integers(0, len(raw)), label="cut")])


@FUZZ
@given(name=seed_names, data=st.data())
def test_inserted_non_utf8_bytes(lab_dir, name, data):
    raw = SEEDS[name]
    i = data.draw(st.integers(0, len(raw)), label="at")
    junk = data.draw(st.binary(min_size=1, max_size=6).map(lambda b: bytes(x | 0x80 for x in b)), label="bytes")
    check(lab_dir, raw[:i] + junk + raw[i:])


@FUZZ
@given(name=seed_names, data=st.data())
def test_duplicated_keys(lab_dir, name, data):
    text = SEEDS[name].decode()
    lines = text.splitlines(keepends=True)
    i = data.draw(st.sampled_from(key_lines(text)), label="line")
    j = data.draw(st.integers(i, len(lines)), label="again at")
    check(lab_dir, "".join([*lines[:j], lines[i], *lines[j:]]).encode())
    # a top-level key written again at the end: refused at that line, whatever the key
    top = [k for k in key_lines(text) if not lines[k][0].isspace()]
    k = data.draw(st.sampled_from(top), label="top-level line")
    path = lab_dir / "mutant.yaml"
    path.write_text(text + lines[k])
    with pytest.raises(InventoryError) as e:
        load_inventory(path)
    key = lines[k].split(":")[0]
    assert e.value.problems == [f"{path}:{len(lines) + 1}:1: duplicate key '{key}' (first at line {k + 1})"]


@FUZZ
@given(name=seed_names, data=st.data())
def test_deep_nesting(lab_dir, name, data):
    text = SEEDS[name].decode()
    start, end = data.draw(st.sampled_from(leaf_spans(text)), label="leaf")
    depth = data.draw(st.one_of(st.sampled_from([99, 100, 101, 3000]), st.integers(1, 3000)), label="depth")
    opener, closer = data.draw(st.sampled_from([("[", "]"), ("{a: ", "}")]), label="kind")
    deep = opener * depth + text[start:end] + closer * data.draw(st.sampled_from([depth, 0, depth // 2]))
    check(lab_dir, (text[:start] + deep + text[end:]).encode())


@FUZZ
@given(name=seed_names, data=st.data())
def test_huge_numbers(lab_dir, name, data):
    text = SEEDS[name].decode()
    start, end = data.draw(st.sampled_from(leaf_spans(text)), label="leaf")
    digits = data.draw(st.one_of(st.sampled_from([4300, 4301, 6000]), st.integers(1, 6000)), label="digits")
    number = data.draw(st.sampled_from(["{}", "-{}", "0.{}", "{}.0", "1.0e+{}", "0x{}"]), label="form")
    check(lab_dir, (text[:start] + number.format("9" * digits) + text[end:]).encode())


@FUZZ
@given(name=seed_names, data=st.data())
def test_random_scalar_replacement(lab_dir, name, data):
    text = SEEDS[name].decode()
    spans = leaf_spans(text)
    for _ in range(data.draw(st.integers(1, 3), label="replacements")):
        start, end = data.draw(st.sampled_from(spans), label="leaf")
        text = text[:start] + data.draw(SCALARS, label="scalar") + text[end:]
        spans = [s for s in spans if s[1] <= start]  # offsets after the edit have moved
        if not spans:
            break
    check(lab_dir, text.encode("utf-8", "surrogatepass"))


MUTATIONS = st.sampled_from(["flip", "cut", "junk", "dup", "deep", "huge"])


@settings(max_examples=6, deadline=None, database=None, suppress_health_check=[HealthCheck.too_slow])
@given(name=seed_names, kind=MUTATIONS, data=st.data())
def test_the_cli_exits_0_or_2_without_a_traceback(lab_dir, name, kind, data):
    raw = SEEDS[name]
    text = raw.decode()
    at = data.draw(st.integers(0, len(raw) - 1), label="at")
    if kind == "flip":
        mutant = raw[:at] + bytes([raw[at] ^ data.draw(st.integers(1, 255))]) + raw[at + 1:]
    elif kind == "cut":
        mutant = raw[:at]
    elif kind == "junk":
        mutant = raw[:at] + b"\xff\xfe" + raw[at:]
    elif kind == "dup":
        lines = text.splitlines(keepends=True)
        mutant = "".join([*lines, lines[data.draw(st.sampled_from(key_lines(text)))]]).encode()
    else:
        start, end = data.draw(st.sampled_from(leaf_spans(text)))
        leaf = "[" * 5000 + "]" * 5000 if kind == "deep" else "9" * 5000
        mutant = (text[:start] + leaf + text[end:]).encode()
    path = lab_dir / "cli-mutant.yaml"
    path.write_bytes(mutant)
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(path)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode in (0, 2), r.stderr
    assert "Traceback" not in r.stderr
    if r.returncode == 2:
        assert r.stderr.startswith(f"{path}:"), r.stderr
