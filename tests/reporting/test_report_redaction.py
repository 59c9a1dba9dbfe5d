"""main.cf in reports: no password hash of the cluster's UserNames survives, whatever the layout of
the value, and everything else is kept byte for byte."""

from __future__ import annotations

from pathlib import Path

import pytest

from emulators.vcs.config import parse_text, secret_spans
from harness.report import redact_main_cf

FIXTURES = Path(__file__).resolve().parents[1] / "config" / "fixtures"
HASHES = ("GlqLqwQ", "hJ9kLm", "pQ3rSt", "xY7zAb")

# (layout, what it must read once redacted)
LAYOUTS = [
    ("UserNames = { admin = GlqLqwQ }",
     "UserNames = { admin = <redacted> }"),
    ("UserNames = { admin = GlqLqwQ, ops = hJ9kLm; guest = pQ3rSt root = xY7zAb }",
     "UserNames = { admin = <redacted>, ops = <redacted>; guest = <redacted> root = <redacted> }"),
    ("UserNames = {\n\t\tadmin = GlqLqwQ,\n\t\tops = hJ9kLm\n\t\t}",
     "UserNames = {\n\t\tadmin = <redacted>,\n\t\tops = <redacted>\n\t\t}"),
    ('UserNames = { admin = GlqLqwQ, // the "ops" user follows\n\t\tops = hJ9kLm }',
     "UserNames = { admin = <redacted>, //<redacted>\n\t\tops = <redacted> }"),
    ("UserNames = { admin = GlqLqwQ, // {ops} follows\n\t\tops = hJ9kLm }",
     "UserNames = { admin = <redacted>, //<redacted>\n\t\tops = <redacted> }"),
    ("UserNames = {\n\t\t// admin = xY7zAb (retired })\n\t\tadmin = GlqLqwQ\n\t\t// ops next\n\t\tops = hJ9kLm }",
     "UserNames = {\n\t\t//<redacted>\n\t\tadmin = <redacted>\n\t\t//<redacted>\n\t\tops = <redacted> }"),
    ('UserNames = { "admin" = "GlqLqwQ", ops = "hJ9kLm } with, \\" tricks" }',
     'UserNames = { "admin" = <redacted>, ops = <redacted> }'),
    ("UserNames =\n\t{\n\tadmin\n\t=\n\tGlqLqwQ\n\t}",
     "UserNames =\n\t{\n\tadmin\n\t=\n\t<redacted>\n\t}"),
    ("UserNames @ s1 = { admin = GlqLqwQ }\n\tUserNames@s2 = { ops = hJ9kLm }",
     "UserNames @ s1 = { admin = <redacted> }\n\tUserNames@s2 = { ops = <redacted> }"),
    ("UserNames = {admin=GlqLqwQ,ops=hJ9kLm}",
     "UserNames = {admin=<redacted>,ops=<redacted>}"),
    ("UserNames = { admin = GlqLqwQ }  // ops = hJ9kLm was here",
     "UserNames = { admin = <redacted> }  // ops = hJ9kLm was here"),  # after the braces: not a value
]


def cluster(value: str) -> str:
    return f"cluster c (\n\t{value}\n\tAdministrators = {{ admin }}\n\t)\n\n// UserNames of the lab\nsystem s1 (\n\t)\n"


@pytest.mark.parametrize("layout, redacted", LAYOUTS, ids=[f"layout{i}" for i in range(len(LAYOUTS))])
def test_no_password_hash_survives_any_layout(layout: str, redacted: str) -> None:
    text = cluster(layout)
    out = redact_main_cf(text)
    assert out == cluster(redacted)  # the rest byte for byte
    outside_comment = out.replace("// ops = hJ9kLm was here", "")
    assert not [h for h in HASHES if h in outside_comment]


def test_the_layouts_are_valid_configurations() -> None:
    """Each layout is one the parser reads (so the redaction follows the parsed values), and the
    hashes it reads are the ones the redaction hides."""
    for layout, _ in LAYOUTS:
        attr = parse_text(cluster(layout)).cluster.attributes["UserNames"]
        values = [*(attr.value or {}).values(), *(v for loc in attr.localized.values() for v in loc.values())]
        assert values and {v.split()[0] for v in values} <= set(HASHES), layout


@pytest.mark.parametrize("broken", [
    'UserNames = { admin = GlqLqwQ, ops = "hJ9kLm\n\t)\n',             # unterminated string
    "UserNames = { admin = GlqLqwQ ops hJ9kLm\n\t)\n",                 # a missing '='
    "UserNames = { admin = GlqLqwQ, ops = hJ9kLm\n\t)\ngroup g (\n)\n",  # a missing '}'
    "UserNames = { admin = GlqLqwQ, ops = \x00hJ9kLm }\n\t)\n",         # a bad character
    "UserNames = { admin = GlqLqwQ, ops = hJ9kLm, = }\n\t)\n",          # a value missing
])
def test_text_that_does_not_parse_is_redacted_on_the_side_of_hiding(broken: str) -> None:
    out = redact_main_cf(f"cluster c (\n\t{broken}")
    assert "GlqLqwQ" not in out and "hJ9kLm" not in out
    assert out.startswith("cluster c (\n\tUserNames = {")


def test_other_secret_attributes_and_the_reference_configuration() -> None:
    text = FIXTURES.joinpath("altio-cluster.main.cf").read_text()
    out = redact_main_cf(text)
    assert "UserNames = { admin = <redacted> }" in out
    assert out.replace("<redacted>", "XXXXXXXXXXX") == text  # the sample's own placeholder hash
    resource = "\tOracle ora (\n\t\tSid = PROD\n\t\tPassword = s3cr3t\n\t\tDBAPasswd @s1 = \"x y\"\n\t\t)\n"
    assert redact_main_cf(resource) == "\tOracle ora (\n\t\tSid = PROD\n\t\tPassword = <redacted>\n" \
                                       "\t\tDBAPasswd @s1 = <redacted>\n\t\t)\n"
    assert secret_spans("cluster c (\n\tAdministrators = { admin }\n)\n") == []
