"""The target-neutral core: snapshots from command output, their diffs as events, windows from timing,
the fault catalogue, and a target built only from `run()` and the parsers that passes the suites."""

import json
import subprocess
import sys
from pathlib import Path

import pytest

from harness.faults import CATALOGUE, PLACEHOLDERS, Fault
from harness.inventory import InventoryError, load_inventory
from harness.oracle import Oracle, Topology
from harness.targets.snapshot import GuestIo, Snapshot, changes, from_commands
from harness.timing import LabTiming, Windows

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "inventories" / "sim-2node.yaml"
HASTATUS = """
-- SYSTEM STATE
-- System               State                Frozen

A  primary1             RUNNING              0
A  alternate1           FAULTED              0

-- GROUP STATE
-- Group           System               Probed     AutoDisabled    State

B  ldomsg          primary1             Y          N               ONLINE
B  ldomsg          primary2             Y          N               OFFLINE|FAULTED
"""
HARES = """#Resource    Attribute             System     Value
altiores     State                 primary1   ONLINE
"""
LDM = "VERSION 1.6\nDOMAIN|name=primary|state=active|flags=-n-cv-|cons=UART|ncpu=8|mem=8589934592|util=1.0|uptime=100\n" \
      "DOMAIN|name=ldg1|state=bound|flags=------|cons=5000|ncpu=4|mem=4294967296|util=|uptime=\n"


def test_snapshot_from_what_the_commands_print():
    snap = from_commands(3.0, HASTATUS, HARES, {"node1": LDM})
    assert snap.running("primary1") and snap.system("alternate1") == "FAULTED"
    assert snap.system("nosuch") == "UNKNOWN"
    assert snap.group("ldomsg", "primary2") == "OFFLINE|FAULTED" and snap.group("x", "y") == ""
    assert snap.resource("altiores", "primary1") == "ONLINE"
    assert snap.domain("node1", "ldg1") == "bound" and snap.domain("node2", "ldg1") == ""
    assert snap.online_systems("ldomsg") == ["primary1"]


def test_snapshot_diffs_are_the_events_of_a_lab_reached_by_commands():
    a = Snapshot(1.0, {"p": "RUNNING"}, {("g", "p"): "ONLINE"}, {}, {("n1", "ldg1"): "active"},
                 {"ldg1": GuestIo("n1", True, True)})
    b = Snapshot(2.0, {"p": "FAULTED"}, {("g", "p"): "OFFLINE"}, {}, {}, {"ldg1": GuestIo("n1", False, True)})
    got = {(c.kind, c.subject, c.system, c.old, c.new) for c in changes(a, b)}
    assert ("system", "p", "p", "RUNNING", "FAULTED") in got
    assert ("group", "g", "p", "ONLINE", "OFFLINE") in got
    assert ("domain", "ldg1", "n1", "active", "unreachable") in got
    assert ("io", "ldg1 storage", "n1", "ok", "lost") in got
    assert not any(c.subject == "ldg1 network" for c in changes(a, b))
    assert list(changes(b, b)) == []


def test_windows_come_from_the_lab_timing_not_one_fixed_deadline():
    lab = load_inventory(SEED)
    default = Windows.from_timing(LabTiming.from_config(lab.config))
    assert (default.quiet_s, default.failover_s) == (180.0, 1080.0)  # VCS defaults: MI 60, timeouts 300
    fast = Windows.from_timing(LabTiming.from_config(lab.config, {"MonitorInterval": 10, "OnlineTimeout": 60,
                                                                  "OfflineTimeout": 60}))
    assert fast.quiet_s == 30.0 and fast.failover_s == 30.0 + 3 * 60
    tolerant = Windows.from_timing(LabTiming({"AlternateIO": {"ToleranceLimit": 2}, "Zpool": {}}))
    assert tolerant.quiet_s == 60 + 3 * 60 + 60
    oracle = Oracle(Topology(lab.config, lab.nodes), fast)
    quiet = oracle.expect([Fault("zpool_offline", "primary1:zfsprim")], "primary1", {})
    due = oracle.expect([Fault("domain_kill", "primary1")], "primary1", {})
    assert quiet.deadline_s == fast.quiet_s and due.deadline_s == fast.failover_s
    assert Windows.fixed(780) == Windows(780.0, 780.0, 780.0)


def test_every_fault_kind_says_what_it_does_and_how_a_command_lab_makes_it():
    for kind in CATALOGUE.values():
        for role in ("control", "alternate", "guest"):
            template = kind.template(role)
            for phase in ("inject", "heal"):
                assert template[phase], (kind.name, role, phase)
                for step in template[phase]:
                    names = [n for n in __import__("string").Formatter().parse(step["run"]) if n[1]]
                    assert all(n[1] in PLACEHOLDERS for n in names), step
        assert (kind.takes_down is None) != (kind.breaks is None), kind.name
    assert {k for k, v in CATALOGUE.items() if v.destructive} == {"domain_kill", "node_power_off"}
    assert CATALOGUE["domain_kill"].template("control")["heal"][0]["on"] == "console"
    assert CATALOGUE["domain_kill"].template("alternate")["inject"][0]["run"] == "ldm stop-domain -f {domain}"


@pytest.mark.parametrize("where", ["primary1 ", " primary1", "primary1:", "prim ary1"])
def test_a_place_with_blanks_or_no_object_is_refused(where):
    kind = "zpool_offline" if where.endswith(":") else "domain_kill"
    with pytest.raises(ValueError):
        Fault(kind, where)


def test_an_unknown_template_placeholder_is_named_with_its_line(tmp_path):
    text = (REPO / "inventories" / "sparc-sim-2node.yaml").read_text().replace(
        "main_cf: sim-2node/main.cf", f"main_cf: {REPO}/inventories/sim-2node/main.cf")
    text += "  faults:\n    nic_pull:\n      inject: [{run: 'ifconfig {nic} down'}]\n      heal: [{run: 'ifconfig {object} up'}]\n"
    inv = tmp_path / "lab.yaml"
    inv.write_text(text)
    with pytest.raises(InventoryError) as e:
        load_inventory(inv)
    [problem] = e.value.problems
    assert problem.startswith(f"{inv}:") and "unknown placeholder {nic}" in problem


def _commands_inventory(tmp_path: Path) -> Path:
    text = SEED.read_text().replace("main_cf: sim-2node/main.cf", f"main_cf: {REPO}/inventories/sim-2node/main.cf")
    inv = tmp_path / "lab.yaml"
    inv.write_text(text + "sim:\n  via: commands\n")
    return inv


def _run(*args: str) -> dict:
    subprocess.run([sys.executable, "-m", "harness.cli", "run", "--no-html", *args], cwd=REPO, check=False,
                   capture_output=True, text=True, timeout=900)
    report = Path(args[args.index("--report") + 1])
    return json.loads((report / "results.json").read_text())


def test_a_target_built_only_from_commands_and_parsers_passes_the_suites(tmp_path):
    """The suites, the oracle and the judge need nothing but the Target API: the sim lab read only
    through `hastatus`, `hares`, `ldm`, `zpool`, `dladm`, `hatype` and the engine log judges every
    scenario as the in-process target does, and catches the legacy monitor on the same rows."""
    inv = _commands_inventory(tmp_path)
    good = _run("--lab", str(inv), "--report", str(tmp_path / "good"), "--seed", "7")
    assert len(good["scenarios"]) >= 40 and all(s["verdict"] == "pass" for s in good["scenarios"])
    legacy = _run("--lab", str(inv), "--report", str(tmp_path / "legacy"), "--seed", "7", "--suite", "matrix",
                  "--monitor", "legacy-primary-only")
    engine = _run("--report", str(tmp_path / "engine"), "--seed", "7", "--suite", "matrix",
                  "--monitor", "legacy-primary-only")
    failed = sorted(s["id"] for s in legacy["scenarios"] if s["verdict"] != "pass")
    assert failed == sorted(s["id"] for s in engine["scenarios"] if s["verdict"] != "pass")
    assert failed and {s.split("[")[0] for s in failed} == {"S2", "N2"}


def test_sparc_templates_resolve_per_role_with_inventory_overrides(tmp_path, monkeypatch):
    """The sparc target types a fault where the catalogue (or the inventory) says, for the role of the
    fault's system; resolving a template connects to nothing."""
    import yaml

    from harness.targets.sparc import SparcTarget

    monkeypatch.setenv("ALTIO_HIL_RUNTIME", str(tmp_path / "rt"))
    (tmp_path / "rt").mkdir(mode=0o700)
    data = yaml.safe_load((REPO / "inventories" / "sparc-sim-2node.yaml").read_text())
    data["cluster"]["main_cf"] = str(REPO / "inventories" / "sim-2node" / "main.cf")
    data["sparc"]["systems"]["alternate1"]["domain"] = "alt-dom1"
    data["sparc"]["faults"] = {"nic_pull": {"inject": [{"on": "control", "run": "switchctl port {object}@{system} down"}],
                                            "heal": [{"on": "control", "run": "switchctl port {object}@{system} up"}]}}
    inv = tmp_path / "lab.yaml"
    inv.write_text(yaml.safe_dump(data))
    target = SparcTarget(load_inventory(inv), "alternateio", 0)
    assert target.steps(Fault("nic_pull", "alternate1:nxge4"), "inject") == [
        {"on": "system", "host": "primary1", "run": "switchctl port nxge4@alternate1 down", "expect": None,
         "timeout": 600.0}]
    [kill] = target.steps(Fault("domain_kill", "alternate1"), "inject")
    assert (kill["on"], kill["host"], kill["run"]) == ("system", "primary1", "ldm stop-domain -f alt-dom1")
    [panic] = target.steps(Fault("domain_kill", "primary2"), "inject")
    assert (panic["on"], panic["host"], panic["run"]) == ("ilom", "node2", "set /HOST send_break_action=dumpcore")
    [boot] = target.steps(Fault("domain_kill", "primary2"), "heal")
    assert (boot["on"], boot["host"], boot["run"], boot["expect"]) == ("console", "node2", "boot", "console login:")
    assert target.scale == 10.0  # an emulated lab's clock runs at its time scale
