"""`hacf -verify DIR`: exit status, stderr, bundled types.cf fallback."""

from __future__ import annotations

import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from emulators.vcs.config import bundled_types_path, parser
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


# ------------------------------------------------------------------------------------------------
# hostile input: one `file:line:col: message` per problem and exit 1; never a traceback, a hang,
# memory without bound, or a change on disk


def snapshot(d: Path) -> dict[str, tuple[int, int]]:
    return {str(p.relative_to(d)): (p.lstat().st_size, p.lstat().st_mtime_ns) for p in d.rglob("*")}


def verify_fails(d: Path, capsys) -> list[str]:
    before = snapshot(d)
    assert main(["-verify", str(d)]) == 1
    out, err = capsys.readouterr()
    assert out == "" and "Traceback" not in err and "internal error" not in err
    assert snapshot(d) == before
    return [line for line in err.splitlines() if not line.startswith("hacf: ")]  # not the types.cf notice


def hacf_subprocess(d: Path) -> subprocess.CompletedProcess:
    """hacf in a child process with 30 s and 1 GiB at most: a hang or a read without end fails the
    test instead of taking the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))

    return subprocess.run([sys.executable, "-m", "emulators.vcs.config.hacf", "-verify", str(d)],
                          capture_output=True, text=True, timeout=30, preexec_fn=limit)


@pytest.mark.parametrize("where", ["main.cf comment", "main.cf value", "types.cf", "included file"])
def test_a_byte_that_is_not_utf8_is_an_error_at_its_place(tmp_path: Path, capsys, where: str) -> None:
    text = REFERENCE.read_text()
    if where == "main.cf comment":
        data = text.encode().replace(b"// retyped with", b"// retyped \xe9 with", 1)
        expected = f"{tmp_path / 'main.cf'}:2:12: byte 0xE9 is not UTF-8"
    elif where == "main.cf value":
        data = text.encode().replace(b"HacliUserLevel = COMMANDROOT", b"HacliUserLevel = COMMAND\xffROOT", 1)
        line = text[:text.index("HacliUserLevel")].count("\n") + 1
        expected = f"{tmp_path / 'main.cf'}:{line}:33: byte 0xFF is not UTF-8"
    elif where == "types.cf":
        data = text.encode()
        types = bundled_types_path().read_bytes()
        (tmp_path / "types.cf").write_bytes(b"// Copyright \xa9 Veritas\n" + types)
        expected = f"{tmp_path / 'types.cf'}:1:14: byte 0xA9 is not UTF-8"
    else:
        data = text.replace('include "types.cf"', 'include "types.cf"\ninclude "extra.cf"', 1).encode()
        (tmp_path / "extra.cf").write_bytes(b'type Extra (\n\tstr Name = "caf\xc3"\n)\n')
        expected = f"{tmp_path / 'extra.cf'}:2:17: byte 0xC3 is not UTF-8"
    (tmp_path / "main.cf").write_bytes(data)
    assert verify_fails(tmp_path, capsys) == [expected]


def test_integers_beyond_32_bits_are_errors_at_their_place(tmp_path: Path, capsys) -> None:
    huge = "9" * 5000  # more digits than Python's int() converts
    text = REFERENCE.read_text().replace("group aiosg (\n", f"group aiosg (\n\tOnlineRetryLimit = {huge}\n"
                                         "\tLoad = 2147483648\n\tPriority = -2147483648\n", 1)
    line = text[:text.index("OnlineRetryLimit")].count("\n") + 1
    main_cf = tmp_path / "main.cf"
    assert verify_fails(lab(tmp_path, text, with_types=True), capsys) == [
        f"{main_cf}:{line}:21: integer 999999999999... (5000 digits) is out of range (VCS integers are 32-bit signed)",
        f"{main_cf}:{line + 1}:9: integer 2147483648 is out of range (VCS integers are 32-bit signed)",
    ]


def _chain_main_cf(n: int, cycle: bool = False) -> str:
    """n Phantom resources r0 requires r1 ... in one group, and n groups g0 requires group g1 ...
    (online local firm); with `cycle`, the last of each chain requires the first."""
    lines = ['include "types.cf"', "cluster c (", ")", "system s1 (", ")", "group big (",
             "\tSystemList = { s1 = 0 }", ")"]
    lines += [f"\tPhantom r{i} (\n\t\t)" for i in range(n)]
    lines += [f"\tr{i} requires r{(i + 1) % n}" for i in range(n if cycle else n - 1)]
    for i in range(n):
        lines += [f"group g{i} (", "\tSystemList = { s1 = 0 }", ")"]
        if cycle or i + 1 < n:
            lines.append(f"\trequires group g{(i + 1) % n} online local firm")
    return "\n".join(lines) + "\n"


def test_a_thousand_long_dependency_chain_verifies(tmp_path: Path, capsys) -> None:
    assert main(["-verify", str(lab(tmp_path, _chain_main_cf(1000), with_types=True))]) == 0
    assert capsys.readouterr() == ("", "")


def test_a_thousand_long_dependency_cycle_is_reported_once(tmp_path: Path, capsys) -> None:
    errors = verify_fails(lab(tmp_path, _chain_main_cf(1000, cycle=True), with_types=True), capsys)
    assert len(errors) == 2
    assert "resource dependency cycle in group big: r0 -> r1 -> " in errors[0] and errors[0].endswith("r999 -> r0")
    assert "group dependency cycle: g0 -> g1 -> " in errors[1] and errors[1].endswith("g999 -> g0")


def test_an_include_of_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    (tmp_path / "main.cf").write_text(REFERENCE.read_text())
    os.mkfifo(tmp_path / "types.cf")
    r = hacf_subprocess(tmp_path)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f'{tmp_path / "main.cf"}:16:1: cannot read include "types.cf": not a regular file\n'


def test_an_include_of_a_device_is_refused_not_read(tmp_path: Path) -> None:
    (tmp_path / "main.cf").write_text(REFERENCE.read_text())
    (tmp_path / "types.cf").symlink_to("/dev/zero")
    r = hacf_subprocess(tmp_path)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f'{tmp_path / "main.cf"}:16:1: cannot read include "types.cf": not a regular file\n'


def test_a_main_cf_that_is_a_fifo_is_refused_at_once(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "main.cf")
    r = hacf_subprocess(tmp_path)
    assert (r.returncode, r.stdout) == (1, "")
    assert r.stderr == f"{tmp_path / 'main.cf'}:1:1: cannot read {tmp_path / 'main.cf'}: not a regular file\n"


def test_files_larger_than_the_limit_are_refused(tmp_path: Path, capsys) -> None:
    d = lab(tmp_path, REFERENCE.read_text())
    with open(d / "types.cf", "wb") as f:  # sparse: costs no disk
        f.truncate(parser.MAX_FILE_BYTES + 1)
    assert verify_fails(d, capsys) == [f'{d / "main.cf"}:16:1: cannot read include "types.cf": larger than 16 MiB']
    os.truncate(d / "main.cf", parser.MAX_FILE_BYTES + 1)
    assert verify_fails(d, capsys) == [f"{d / 'main.cf'}:1:1: cannot read {d / 'main.cf'}: larger than 16 MiB"]


def test_includes_nested_without_end_are_cut_off(tmp_path: Path, capsys) -> None:
    depth = 2000
    for i in range(depth):
        (tmp_path / f"t{i}.cf").write_text(f'include "t{i + 1}.cf"\n' if i + 1 < depth else "type T (\n)\n")
    d = lab(tmp_path, 'include "t0.cf"\n')
    cut = parser.MAX_INCLUDE_DEPTH - 1
    assert verify_fails(d, capsys) == [
        f'{d / f"t{cut}.cf"}:1:1: include "t{cut + 1}.cf": includes nested more than {parser.MAX_INCLUDE_DEPTH} deep']
