"""Inventory loading: the shipped labs load, and every kind of mistake is named with file, line and key."""

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from harness import inventory
from harness.inventory import (
    MAX_INVENTORY_BYTES,
    MAX_MAIN_CF_BYTES,
    MAX_PROBLEMS,
    InventoryError,
    load_inventory,
)

REPO = Path(__file__).resolve().parents[2]
SEED_MAIN_CF = REPO / "inventories" / "sim-2node" / "main.cf"


def write(tmp_path: Path, text: str, main_cf: bool = True) -> Path:
    if main_cf:
        (tmp_path / "main.cf").write_text(SEED_MAIN_CF.read_text())
    p = tmp_path / "lab.yaml"
    p.write_text(text)
    return p


GOOD = """\
lab: t
target: sim
cluster:
  main_cf: main.cf
nodes:
  - name: node1
    control: primary1
    alternates: [alternate1]
  - name: node2
    control: primary2
    alternates: [alternate2]
"""


@pytest.mark.parametrize("name", ["sim-2node.yaml", "sim-3node.yaml"])
def test_shipped_inventories_load(name):
    lab = load_inventory(REPO / "inventories" / name)
    systems = {s for n in lab.nodes for s in n.systems}
    assert systems == set(lab.config.systems)
    assert lab.inventory.target == "sim"


def test_three_node_lab_has_two_alternates_per_node():
    lab = load_inventory(REPO / "inventories" / "sim-3node.yaml")
    assert len(lab.nodes) == 3 and all(len(n.alternates) == 2 for n in lab.nodes)


def test_good_inventory_loads(tmp_path):
    lab = load_inventory(write(tmp_path, GOOD))
    assert lab.node_of("alternate2").name == "node2"
    assert lab.config.groups["aiosg"].system_list == {"primary1": 0, "primary2": 1}


def test_unknown_key_is_named_with_its_line(tmp_path):
    p = write(tmp_path, GOOD.replace("    alternates: [alternate1]\n", "    alternates: [alternate1]\n    colour: red\n"))
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert e.value.problems == [f"{p}:9:5: nodes.0.colour: unknown key"]


def test_missing_key_and_bad_target_reported_together(tmp_path):
    p = write(tmp_path, GOOD.replace("target: sim", "target: vmware").replace("    control: primary2\n", ""))
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    text = str(e.value)
    assert f"{p}:2:9: target:" in text
    assert "nodes.1.control: required key is missing" in text


def test_dangling_system_names(tmp_path):
    p = write(tmp_path, GOOD.replace("alternates: [alternate2]", "alternates: [alternat2]"))
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert f"{p}:11:18: nodes.1.alternates.0: system 'alternat2' is not declared in main.cf" in str(e.value)
    assert "system 'alternate2' of main.cf is on no node" in str(e.value)


def test_inline_password_is_refused(tmp_path):
    p = write(tmp_path, GOOD.replace("target: sim", "target: sparc") +
              "sparc:\n  systems:\n    primary1:\n      host: 192.0.2.10\n      password: hunter2\n")
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert "'password' must not be written in an inventory" in str(e.value)
    assert "hunter2" not in str(e.value)


def test_bad_main_cf_is_reported_through_the_inventory(tmp_path):
    p = write(tmp_path, GOOD)
    (tmp_path / "main.cf").write_text(SEED_MAIN_CF.read_text().replace("LDom ldmguest", "LDomm ldmguest"))
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert f"{p}:4:12: cluster.main_cf: the cluster configuration is invalid" in str(e.value)
    assert "LDomm" in str(e.value)


def test_yaml_syntax_error(tmp_path):
    p = write(tmp_path, "lab: [unclosed\n")
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert str(e.value).startswith(f"{p}:2:1: YAML syntax error")


def test_inventory_check_cli_exit_codes(tmp_path):
    good = write(tmp_path, GOOD)
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(good)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 0 and "ok (lab t" in r.stdout
    bad = tmp_path / "bad.yaml"
    bad.write_text(GOOD.replace("lab: t", "labb: t"))
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(bad)],
                       capture_output=True, text=True, cwd=REPO)
    assert r.returncode == 2
    assert f"{bad}:1:1: labb: unknown key" in r.stderr
    assert "lab: required key is missing" in r.stderr
    assert "Traceback" not in r.stderr


# --- hostile or broken input (a fuzz campaign's findings): every one is an InventoryError naming the
# file and line, never a traceback, a hang or a quadratic wait


def refused(p: Path) -> list[str]:
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    return e.value.problems


def write_bytes(tmp_path: Path, data: bytes) -> Path:
    (tmp_path / "main.cf").write_text(SEED_MAIN_CF.read_text())
    p = tmp_path / "lab.yaml"
    p.write_bytes(data)
    return p


def test_non_utf8_bytes_are_named_with_line_and_column(tmp_path):
    p = write_bytes(tmp_path, GOOD.encode().replace(b"name: node2", b"name: n\xe9ud2"))
    assert refused(p) == [f"{p}:9:12: not UTF-8 text: byte 0xe9 (invalid continuation byte)"]


def test_a_control_character_is_named_with_line_and_column(tmp_path):
    p = write(tmp_path, GOOD.replace("lab: t", "lab: t\x07"))
    assert refused(p) == [f"{p}:1:7: YAML syntax error: character U+0007 is not allowed"]


def test_an_integer_beyond_pythons_digit_limit(tmp_path):
    p = write(tmp_path, GOOD + "timing:\n  MonitorInterval: " + "9" * 5000 + "\n")
    assert refused(p) == [f"{p}:13:20: integer too large (5000 digits)"]


def test_an_impossible_date_is_a_bad_value_not_a_traceback(tmp_path):
    p = write(tmp_path, GOOD.replace("lab: t", "lab: 2001-13-45"))
    assert refused(p) == [f"{p}:1:6: bad timestamp value: month must be in 1..12"]


def test_deep_nesting_is_refused_before_the_composer_recurses(tmp_path):
    p = write(tmp_path, GOOD + "x: " + "[" * 5000 + "]" * 5000 + "\n")
    problems = refused(p)
    assert len(problems) == 1 and problems[0].startswith(f"{p}:12:")
    assert problems[0].endswith(": nested deeper than 100 levels")
    # 50 levels are only an unknown key
    p = write(tmp_path, GOOD + "x: " + "[" * 50 + "]" * 50 + "\n")
    assert refused(p) == [f"{p}:12:1: x: unknown key"]


def test_alias_bombs_and_recursive_aliases(tmp_path):
    bomb = "a0: &a0 [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]\n" for i in range(1, 8))
    p = write(tmp_path, GOOD + bomb)
    problems = refused(p)
    assert len(problems) == 1 and problems[0].startswith(f"{p}:16:")  # a4: 111,111 nodes
    assert "more than 100000 YAML nodes (aliases expanded)" in problems[0]
    p = write(tmp_path, GOOD + "r: &r [*r]\n")
    assert refused(p) == [f"{p}:12:8: alias *r refers to a node that contains it"]


def test_duplicate_keys_are_refused_at_the_second_one(tmp_path):
    p = write(tmp_path, GOOD + "lab: u\n")
    assert refused(p) == [f"{p}:12:1: duplicate key 'lab' (first at line 1)"]
    p = write(tmp_path, GOOD.replace("    control: primary2\n", "    control: primary2\n    control: primary1\n"))
    assert refused(p) == [f"{p}:11:5: duplicate key 'control' (first at line 10)"]


def test_merge_keys_may_be_overridden(tmp_path):
    p = write(tmp_path, GOOD.split("nodes:")[0] + "nodes:\n"
              "  - &n1 {name: node1, control: primary1, alternates: [alternate1]}\n"
              "  - <<: *n1\n    name: node2\n    control: primary2\n    alternates: [alternate2]\n")
    assert [n.control for n in load_inventory(p).nodes] == ["primary1", "primary2"]


def test_a_fifo_does_not_hang_the_check(tmp_path):
    fifo = tmp_path / "lab.yaml"
    os.mkfifo(fifo)
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(fifo)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode == 2, r.stderr
    assert r.stderr.strip() == f"{fifo}: cannot read inventory: not a regular file (a FIFO)"


def test_only_regular_files_of_bounded_size_are_read(tmp_path):
    assert refused(tmp_path) == [f"{tmp_path}: cannot read inventory: not a regular file (a directory)"]
    p = write(tmp_path, GOOD + "#" * MAX_INVENTORY_BYTES + "\n")
    assert refused(p) == [f"{p}: cannot read inventory: larger than {MAX_INVENTORY_BYTES} bytes "
                          f"({len(GOOD) + MAX_INVENTORY_BYTES + 1} bytes)"]


def test_many_unknown_keys_are_located_in_linear_time_and_capped(tmp_path):
    n = 40_000
    p = write(tmp_path, GOOD + "".join(f"k{i}: {i}\n" for i in range(n)))
    start = time.monotonic()
    problems = refused(p)
    elapsed = time.monotonic() - start
    assert problems[0] == f"{p}:12:1: k0: unknown key"
    assert problems[MAX_PROBLEMS - 1] == f"{p}:{11 + MAX_PROBLEMS}:1: k{MAX_PROBLEMS - 1}: unknown key"
    assert problems[MAX_PROBLEMS:] == [f"... and {n - MAX_PROBLEMS} more problems"]
    assert elapsed < 15, f"{elapsed:.1f} s (a scan per problem took 36 s)"


@pytest.mark.parametrize("name, message", [
    ("''", "the lab name must not be empty"),
    ("a" * 65, "a lab name has at most 64 characters (this one has 65)"),
    ("a" * 5000, "a lab name has at most 64 characters (this one has 5000)"),
    ("lab/../x", "a lab name is letters, digits, '.', '_' and '-', starting with a letter or digit (not 'lab/../x')"),
    ("'..'", "a lab name is letters, digits, '.', '_' and '-', starting with a letter or digit (not '..')"),
    ("'my lab'", "a lab name is letters, digits, '.', '_' and '-', starting with a letter or digit (not 'my lab')"),
])
def test_bad_lab_names(tmp_path, name, message):
    p = write(tmp_path, GOOD.replace("lab: t", f"lab: {name}"))
    assert refused(p) == [f"{p}:1:6: lab: {message}"]


def test_every_shipped_inventory_loads():
    shipped = sorted((REPO / "inventories").glob("*.yaml"))
    assert len(shipped) >= 4
    for path in shipped:
        assert load_inventory(path).name


@pytest.mark.parametrize("attr, value, message", [
    ("MonitorInterval", "true", "Input should be a valid integer, not true"),
    ("MonitorInterval", "'60'", "Input should be a valid integer"),
    ("MonitorInterval", "60.0", "Input should be a valid integer"),
    ("MonitorInterval", "0", "Input should be greater than or equal to 1"),
    ("OfflineMonitorInterval", "-1", "Input should be greater than or equal to 0"),
    ("ToleranceLimit", "-1", "Input should be greater than or equal to 0"),
    ("OnlineTimeout", "0", "Input should be greater than or equal to 1"),
    ("OfflineTimeout", "false", "Input should be a valid integer, not false"),
    ("MonitorInterval", str(2**31), f"Input should be less than or equal to {2**31 - 1}"),
    ("time_scale", ".inf", "Input should be a finite number"),
    ("time_scale", "-.inf", "Input should be a finite number"),
    ("time_scale", ".nan", "Input should be a finite number"),
    ("time_scale", "0", "Input should be greater than or equal to 0.01"),
    ("time_scale", "-1", "Input should be greater than or equal to 0.01"),
    ("time_scale", "20000", "Input should be less than or equal to 10000"),
    ("time_scale", "true", "Input should be a valid number, not true"),
])
def test_timing_values_are_strict_and_in_range(tmp_path, attr, value, message):
    p = write(tmp_path, GOOD + f"timing:\n  {attr}: {value}\n")
    assert refused(p) == [f"{p}:13:{5 + len(attr)}: timing.{attr}: {message}"]


def test_a_missing_inventory_is_named_without_a_position_and_exits_2(tmp_path):
    """The file as a whole is missing: no line or column to point at (not `:1:1`)."""
    missing = tmp_path / "no-such-lab.yaml"
    assert refused(missing) == [f"{missing}: no such file"]
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(missing)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert (r.returncode, r.stderr) == (2, f"{missing}: no such file\n")


@pytest.mark.parametrize("key, value, where, message", [
    ("target", "kvmm", "target: kvmm", "target: 'kvmm' is not one of sim, kvm, sparc"),
    ("target", "5", "target: 5", "target: 5 is not one of sim, kvm, sparc"),
    ("sim", "{via: comands}", "sim: {via: comands}", "sim.via: 'comands' is not one of engine, commands"),
])
def test_a_value_outside_a_choice_is_echoed_with_the_choices(tmp_path, key, value, where, message):
    """`target: kvmm` says what was given and what may be, at its file:line:col; exit 2."""
    text = GOOD.replace("target: sim", f"target: {value}") if key == "target" else GOOD + f"{where}\n"
    p = write(tmp_path, text)
    line = text.splitlines().index(where) + 1
    col = len(where) - len(value) + 1 if key == "target" else len("sim: {via: ") + 1
    assert refused(p) == [f"{p}:{line}:{col}: {message}"]
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(p)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert (r.returncode, r.stderr) == (2, f"{p}:{line}:{col}: {message}\n")


def test_timing_values_in_range_are_taken(tmp_path):
    p = write(tmp_path, GOOD + "timing:\n  MonitorInterval: 5\n  OfflineMonitorInterval: 0\n  time_scale: 0.5\n")
    timing = load_inventory(p).inventory.timing
    assert timing.type_overrides() == {"MonitorInterval": 5, "OfflineMonitorInterval": 0}
    assert timing.time_scale == 0.5


@pytest.mark.parametrize("main_cf, message", [
    ('"main\\0.cf"', "a path must not contain a NUL byte"),
    ("x" * 256, "a path component is at most 255 bytes (one has 256)"),
    ("/".join(["x" * 200] * 25), "a path is at most 4096 bytes (this one has 5024)"),
    ("''", "an empty path"),
])
def test_unusable_main_cf_paths(tmp_path, main_cf, message):
    p = write(tmp_path, GOOD.replace("main_cf: main.cf", f"main_cf: {main_cf}"))
    assert refused(p) == [f"{p}:4:12: cluster.main_cf: {message}"]


def test_a_main_cf_path_too_long_once_joined_is_reported(tmp_path):
    p = write(tmp_path, GOOD.replace("main_cf: main.cf", "main_cf: " + "/".join(["x" * 255] * 16)))
    problems = refused(p)
    assert len(problems) == 1 and problems[0].startswith(f"{p}:4:12: cluster.main_cf: ")


def test_a_main_cf_that_is_a_fifo_a_directory_or_huge(tmp_path):
    os.mkfifo(tmp_path / "fifo.cf")
    p = write(tmp_path, GOOD.replace("main_cf: main.cf", "main_cf: fifo.cf"))
    assert refused(p) == [f"{p}:4:12: cluster.main_cf: {tmp_path / 'fifo.cf'} is not a regular file (a FIFO)"]
    (tmp_path / "dir.cf").mkdir()
    p = write(tmp_path, GOOD.replace("main_cf: main.cf", "main_cf: dir.cf"))
    assert refused(p) == [f"{p}:4:12: cluster.main_cf: {tmp_path / 'dir.cf'} is not a regular file (a directory)"]
    with open(tmp_path / "huge.cf", "wb") as f:  # sparse
        f.truncate(MAX_MAIN_CF_BYTES + 1)
    p = write(tmp_path, GOOD.replace("main_cf: main.cf", "main_cf: huge.cf"))
    assert refused(p) == [f"{p}:4:12: cluster.main_cf: {tmp_path / 'huge.cf'} is larger than "
                          f"{MAX_MAIN_CF_BYTES} bytes ({MAX_MAIN_CF_BYTES + 1} bytes)"]


def test_a_non_utf8_main_cf_is_reported_through_the_inventory(tmp_path):
    p = write(tmp_path, GOOD)
    (tmp_path / "main.cf").write_bytes(SEED_MAIN_CF.read_bytes().replace(b"LDom ldmguest", b"LD\xffom ldmguest"))
    problems = refused(p)
    assert problems[0] == f"{p}:4:12: cluster.main_cf: the cluster configuration is invalid:"
    assert problems[1].startswith(f"  {tmp_path / 'main.cf'}:")


@pytest.mark.parametrize("exc", [OSError(5, "Input/output error"),
                                 UnicodeDecodeError("utf-8", b"\xff", 0, 1, "invalid start byte")])
def test_a_main_cf_that_cannot_be_read_is_reported_with_its_path(tmp_path, monkeypatch, exc):
    def unreadable(path):
        raise exc

    monkeypatch.setattr(inventory, "load", unreadable)
    p = write(tmp_path, GOOD)
    problems = refused(p)
    assert len(problems) == 1
    assert problems[0].startswith(f"{p}:4:12: cluster.main_cf: cannot read {tmp_path / 'main.cf'}: ")


def test_each_problem_is_one_line(tmp_path):
    p = write(tmp_path, GOOD.replace("target: sim", "target: sparc") +
              'sparc:\n  systems:\n    "bad\\nname": {host: h}\n    "' + "y" * 1000 + '": {host: h}\n')
    problems = refused(p)
    assert all("\n" not in line and len(line) < 1100 for line in problems)
    assert f"{p}:14:5: sparc.systems.'bad\\nname': not a system of main.cf" in problems


@pytest.mark.parametrize("text", [
    b"lab: t\xff\n",
    ("lab: t\ntiming:\n  MonitorInterval: " + "9" * 5000 + "\n").encode(),
    ("x: " + "[" * 3000 + "]" * 3000 + "\n").encode(),
    GOOD.encode() + b"lab: u\n",
    GOOD.encode().replace(b"main_cf: main.cf", b'main_cf: "a\\0b"'),
])
def test_the_cli_exits_2_with_one_line_per_problem(tmp_path, text):
    p = write_bytes(tmp_path, text)
    r = subprocess.run([sys.executable, "-m", "harness.cli", "inventory", "check", str(p)],
                       capture_output=True, text=True, cwd=REPO, timeout=60)
    assert r.returncode == 2, r.stderr
    assert "Traceback" not in r.stderr
    assert r.stderr.splitlines() and all(line.startswith(f"{p}:") for line in r.stderr.splitlines())


@pytest.mark.parametrize("edit, message", [
    # hacf accepts these (VCS does not read an agent's attributes); the harness could not judge the lab
    (("StorageSG @primary1 = { primary1-strsg = 1 }", "StorageSG @primary1 = { nosuch-strsg = 1 }"),
     "altiores.StorageSG @primary1: 'nosuch-strsg' is not a service group of this cluster"),
    (("NetworkSG @primary2 = { primary2-nwsg = 0 }", "NetworkSG @primary2 = { primary2-nwsg = 2 }"),
     "altiores.NetworkSG @primary2: the value of 'primary2-nwsg' is 2; it is 0 (watched) or 1"),
])
def test_what_the_harness_reads_of_main_cf_is_checked_with_its_place(tmp_path, edit, message):
    p = write(tmp_path, GOOD)
    text = SEED_MAIN_CF.read_text()
    assert edit[0] in text
    (tmp_path / "main.cf").write_text(text.replace(edit[0], edit[1]))
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if edit[0] in ln)
    assert f"{tmp_path / 'main.cf'}:{line}:" in str(e.value) and message in str(e.value), str(e.value)


def test_a_cluster_without_a_monitor_or_a_guest_is_refused(tmp_path):
    p = write(tmp_path, GOOD)
    text = SEED_MAIN_CF.read_text()
    start = text.index("        AlternateIO altiores (")
    end = text.index(")", text.index("NetworkSG @primary2", start)) + 1
    (tmp_path / "main.cf").write_text(text[:start] + text[end:])  # a group with no resource is valid VCS
    with pytest.raises(InventoryError) as e:
        load_inventory(p)
    assert "the cluster has no AlternateIO resource: there is no monitor to certify" in str(e.value), str(e.value)
