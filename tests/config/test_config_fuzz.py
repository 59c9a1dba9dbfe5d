"""Any input gives a model or ConfigError: mutated valid files and arbitrary text never raise
anything else, and whatever parses also validates, and dumps to text that reads back the same."""

from __future__ import annotations

import random
import re
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from emulators.vcs.config import ConfigError, bundled_types_path, dump, parse_text, validate

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
