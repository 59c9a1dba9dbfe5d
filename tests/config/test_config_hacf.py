"""`hacf -verify DIR`: exit status, stderr, bundled types.cf fallback."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emulators.vcs.config import bundled_types_path
from emulators.vcs.config.hacf import main

FIXTURES = Path(__file__).parent / "fixtures"
REFERENCE = FIXTURES / "altio-cluster.main.cf"


def lab(tmp_path: Path, text: str, with_types: bool = False) -> Path:
    (tmp_path / "main.cf").write_text(text)
    if with_types:
        shutil.copy(bundled_types_path(), tmp_path / "types.cf")
    return tmp_path


@pytest.mark.parametrize("spaced", [False, True])
def test_reference_verifies_with_the_bundled_types(tmp_path: Path, capsys, spaced: bool) -> None:
    text = REFERENCE.read_text()
    if spaced:
        text = re.sub(r"@(\w)", r"@ \1", text)
    d = lab(tmp_path, text)
    assert main(["-verify", str(d)]) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert err == f"hacf: {d / 'types.cf'} not found; using the bundled types.cf ({bundled_types_path()})\n"


def test_types_cf_in_the_directory_is_used_silently(tmp_path: Path, capsys) -> None:
    d = lab(tmp_path, REFERENCE.read_text(), with_types=True)
    assert main(["-verify", str(d)]) == 0
    assert capsys.readouterr() == ("", "")


def test_invalid_configuration_lists_every_error(tmp_path: Path, capsys) -> None:
    d = lab(tmp_path, 'include "types.cf"\ngroup g (\n\tSystemList = { nowhere }\n\t)\n\tFrob f (\n\t\t)\n', True)
    assert main(["-verify", str(d)]) == 1
    out, err = capsys.readouterr()
    assert out == ""
    assert err.splitlines() == [
        f"{d / 'main.cf'}:3:2: group g: SystemList names undeclared system nowhere",
        f"{d / 'main.cf'}:5:7: resource f: unknown type Frob",
    ]


def test_syntax_errors_exit_1(tmp_path: Path, capsys) -> None:
    d = lab(tmp_path, "group g (\n\tPriority 3\n", True)
    assert main(["-verify", str(d)]) == 1
    assert capsys.readouterr().err.splitlines() == [
        f"{d / 'main.cf'}:2:11: expected '=' after attribute Priority, found '3'",
        f"{d / 'main.cf'}:3:1: expected ')' to close group g, found end of file",
    ]


def test_errors_in_an_included_file_name_that_file(tmp_path: Path, capsys) -> None:
    d = lab(tmp_path, 'include "types.cf"\n')
    (d / "types.cf").write_text("type T (\n\tfloat X\n)\n")
    assert main(["-verify", str(d)]) == 1
    assert capsys.readouterr().err == (
        f"{d / 'types.cf'}:2:2: unknown data type 'float' (expected str, int, boolean or keylist)\n")


def test_no_main_cf_exits_2(tmp_path: Path, capsys) -> None:
    assert main(["-verify", str(tmp_path)]) == 2
    assert capsys.readouterr().err == f"hacf: {tmp_path / 'main.cf'}: no such file\n"


@pytest.mark.parametrize("argv", [[], ["-verify"], ["-bogus", "x"], ["-verify", "a", "b"]])
def test_bad_usage_exits_2(argv: list[str], capsys) -> None:
    assert main(argv) == 2
    assert capsys.readouterr().err == "usage: hacf -verify config_directory\n"


def test_binary_garbage_gives_errors_not_a_traceback(tmp_path: Path, capsys) -> None:
    (tmp_path / "main.cf").write_bytes(bytes(range(256)) * 4)
    assert main(["-verify", str(tmp_path)]) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith(f"{tmp_path / 'main.cf'}:1:")


def test_console_module_runs(tmp_path: Path) -> None:
    d = lab(tmp_path, REFERENCE.read_text(), with_types=True)
    r = subprocess.run([sys.executable, "-m", "emulators.vcs.config.hacf", "-verify", str(d)],
                       capture_output=True, text=True, timeout=60)
    assert (r.returncode, r.stdout, r.stderr) == (0, "", "")
