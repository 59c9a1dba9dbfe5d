"""Inventory loading: the shipped labs load, and every kind of mistake is named with file, line and key."""

import subprocess
import sys
from pathlib import Path

import pytest

from harness.inventory import InventoryError, load_inventory

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
