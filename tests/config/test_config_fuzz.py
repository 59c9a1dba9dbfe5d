"""Any input gives a model or ConfigError: mutated valid files and arbitrary text never raise
anything else, and whatever parses also validates, and dumps to text that reads back the same."""

from __future__ import annotations

import contextlib
import io
import random
import re
import tempfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.vcs.config import (
    ConfigError,
    bundled_types_path,
    dump,
    hacf,
    parse_file,
    parse_text,
    parser,
    validate,
)

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = (FIXTURES / "altio-cluster.main.cf").read_text()
TYPES = bundled_types_path().read_text()
TOKEN_RE = re.compile(r'"(?:[^"\\\n]|\\.)*"|[(){}\[\]=,;@]|[^\s(){}\[\]=,;@"]+|\s+')
INSERTS = list('(){}[]=,;@"\\/\n\t #') + ["//", "requires", "group", "type", "include", "static", "{}", "[]",
                                           "@ primary1", "= 1", '"', "\x00", "\u00e9", "-1", "99999999999999999999"]


def mutate(text: str, rng: random.Random) -> str:
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(6)
        if not text:
            return rng.choice(INSERTS)
        i = rng.randrange(len(text))
        if op == 0:  # delete a few characters
            text = text[:i] + text[i + rng.randint(1, 5):]
        elif op == 1:  # insert a character or token
            text = text[:i] + rng.choice(INSERTS) + text[i:]
        elif op == 2:  # swap two characters
            j = rng.randrange(len(text))
            a, b = sorted((i, j))
            if a != b:
                text = text[:a] + text[b] + text[a + 1:b] + text[a] + text[b + 1:]
        else:  # delete, duplicate or swap whole tokens
            toks = TOKEN_RE.findall(text)
            k = rng.randrange(len(toks))
            if op == 3:
                del toks[k]
            elif op == 4:
                toks.insert(k, toks[rng.randrange(len(toks))])
            else:
                m = rng.randrange(len(toks))
                toks[k], toks[m] = toks[m], toks[k]
            text = "".join(toks)
    return text


def only_config_error(text: str, tmp_dir: Path | None = None) -> None:
    try:
        c = parse_text(text, "main.cf", include_dir=tmp_dir or "/nonexistent")
    except ConfigError as e:
        assert e.diagnostics, "a ConfigError always carries at least one diagnostic"
        for d in e.diagnostics:
            assert d.line >= 1 and d.col >= 1 and d.message
        return
    validate(c)
    assert parse_text(dump(c), "main.cf", include_dir=tmp_dir or "/nonexistent") == c


def test_mutated_reference_main_cf() -> None:
    rng = random.Random(20240601)
    for _ in range(400):
        only_config_error(mutate(REFERENCE, rng))


def test_mutated_types_cf(tmp_path: Path) -> None:
    rng = random.Random(7)
    for _ in range(150):
        (tmp_path / "types.cf").write_text(mutate(TYPES, rng))
        only_config_error('include "types.cf"\ngroup g (\n\t)\n\tNIC n (\n\t\tDevice = e0\n\t\t)\n', tmp_path)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.sampled_from(INSERTS + ["a", "b", "NIC", "0", " ", "\n"]), max_size=40))
def test_arbitrary_token_soup(tokens: list[str]) -> None:
    only_config_error("".join(tokens))


@settings(max_examples=100, deadline=None)
@given(st.text(max_size=80))
def test_arbitrary_text(text: str) -> None:
    only_config_error(text)


# ------------------------------------------------------------------------------------------------
# the files as bytes on disk, as `hacf -verify DIR` and a lab's boot read them: flipped bits,
# truncations, bytes that are not UTF-8, numbers beyond any integer, includes nested without end.
# Each property holds with the parser alone and with hacf: a model or ConfigError (exit 0 or 1,
# errors as file:line:col), nothing else, and the directory left as it was.

MAIN_BYTES = (FIXTURES / "altio-cluster.main.cf").read_bytes()
TYPES_BYTES = bundled_types_path().read_bytes()
BAD_BYTES = [b"\xff", b"\xe9", b"\xc3", b"\x80", b"\xed\xa0\x80", b"\xf0\x9f\x98", b"\x00", b"\x1c", b"\r"]
NUMBERS = [b"9" * 5000, b"-" + b"1" * 4301, b"2147483648", b"-2147483649", b"00000000000000000001",
           b"99999999999999999999"]


@st.composite
def mutated_bytes(draw, data: bytes) -> bytes:
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "truncate", "bad byte", "number", "delete"]))
        i = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data = data[:i] + bytes([data[i] ^ (1 << draw(st.integers(0, 7)))]) + data[i + 1:]
        elif op == "truncate":
            data = data[:i]
        elif op == "bad byte":
            data = data[:i] + draw(st.sampled_from(BAD_BYTES)) + data[i:]
        elif op == "number":  # in place of a value (after "= "), where it is read as a number
            values_at = [m.end() for m in re.finditer(rb"= ", data)]
            j = draw(st.sampled_from(values_at)) if values_at else i
            end = j + len(re.match(rb"[^\s,;}]*", data[j:]).group())
            data = data[:j] + draw(st.sampled_from(NUMBERS)) + data[end:]
        else:
            data = data[:i] + data[i + draw(st.integers(1, 40)):]
    return data


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def _snapshot(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in d.iterdir()}


def only_config_error_on_disk(d: Path, read: tuple[str, ...] = ("main.cf",)) -> None:
    """parse_file + validate give a model or ConfigError, and ConfigError when one of the files
    surely `read` is not UTF-8; hacf -verify exits 0 or 1 with no internal error; nothing in `d`
    changes."""
    before = _snapshot(d)
    try:
        c = parse_file(d / "main.cf")
    except ConfigError as e:
        assert e.diagnostics and all(x.line >= 1 and x.col >= 1 and x.message for x in e.diagnostics)
        for name in read:
            if not _is_utf8(before[name]):
                assert any(x.message.endswith("is not UTF-8") and x.file == str(d / name) for x in e.diagnostics)
    else:
        assert all(_is_utf8(before[name]) for name in read), "a file that is not UTF-8 was accepted"
        validate(c)
        assert parse_text(dump(c), "main.cf", include_dir=d) == c
    err = io.StringIO()
    with contextlib.redirect_stderr(err):
        rc = hacf.main(["-verify", str(d)])
    assert rc in (0, 1), err.getvalue()
    assert "internal error" not in err.getvalue() and "Traceback" not in err.getvalue()
    err.getvalue().encode("utf-8")  # every message prints, whatever bytes the files held
    assert _snapshot(d) == before


@settings(max_examples=150, deadline=None)
@given(mutated_bytes(MAIN_BYTES))
def test_mutated_main_cf_bytes_on_disk(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "main.cf").write_bytes(data)
        (d / "types.cf").write_bytes(TYPES_BYTES)
        only_config_error_on_disk(d)


@settings(max_examples=100, deadline=None)
@given(mutated_bytes(TYPES_BYTES))
def test_mutated_types_cf_bytes_on_disk(data: bytes) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "main.cf").write_bytes(MAIN_BYTES)
        (d / "types.cf").write_bytes(data)
        only_config_error_on_disk(d, read=("main.cf", "types.cf"))


@settings(max_examples=40, deadline=None)
@given(depth=st.sampled_from([parser.MAX_INCLUDE_DEPTH, parser.MAX_INCLUDE_DEPTH + 1, 500]) | st.integers(1, 100),
       back_to=st.none() | st.integers(0, 100),
       bottom=mutated_bytes(TYPES_BYTES))
def test_deep_includes_on_disk(depth: int, back_to: int | None, bottom: bytes) -> None:
    """types.cf includes t1.cf ... includes t<depth>.cf (the bundled types, mutated), or the last
    includes an earlier one (a cycle)."""
    with tempfile.TemporaryDirectory() as tmp:
        d = Path(tmp)
        (d / "main.cf").write_bytes(MAIN_BYTES)
        names = ["types.cf", *(f"t{i}.cf" for i in range(1, depth + 1))]
        for name, nxt in zip(names, names[1:], strict=False):
            (d / name).write_text(f'include "{nxt}"\n')
        last = f'include "{names[back_to % len(names)]}"\n'.encode() if back_to is not None else b""
        (d / names[-1]).write_bytes(last + bottom)
        only_config_error_on_disk(d)
