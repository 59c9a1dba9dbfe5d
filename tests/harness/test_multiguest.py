"""Labs of several guests (inventories/sim-multiguest.yaml): every guest gets its scenarios, every guest
is judged on every fault, results name the guest, the matrix has a column block per guest; and an
mpgroup may be one shared back end exported by several service domains.

Sources for the lab shapes: Oracle VM Server for SPARC 3.x Administration Guide, "Configuring Virtual
Disk Multipathing" (an mpgroup is one virtual disk whose back end, the same LUN, is exported by several
service domains); the seed patent (US 9,143,410), "Sample Configurations" (one AlternateIO resource per
guest, StorageSG/NetworkSG localized per control domain) and Fig. 4 (one virtual switch per I/O domain
serving every guest of the node).
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from emulators.clock import VirtualClock
from harness.faults import Fault
from harness.inventory import load_inventory
from harness.oracle import Oracle, Topology
from harness.report import matrix, render_matrix_html, render_matrix_text
from harness.scenarios import failover_matrix, play
from harness.targets import open_target

REPO = Path(__file__).resolve().parents[2]
MULTI = REPO / "inventories" / "sim-multiguest.yaml"
SEED = REPO / "inventories" / "sim-2node.yaml"
ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"


@pytest.fixture(scope="module")
def lab():
    return load_inventory(MULTI)


@pytest.fixture(scope="module")
def topo(lab):
    return Topology(lab.config, lab.nodes)


def test_every_guest_has_its_own_topology_and_home(topo):
    guests = topo.guests()
    assert [t.ldom_group for t in guests] == ["ldomsg1", "ldomsg2", "ldomsg3"]
    assert [t.guest for t in guests] == ["ldg1", "ldg2", "ldg3"]
    assert [t.alternateio_resource for t in guests] == ["altiores1", "altiores2", "altiores3"]
    assert [t.home() for t in guests] == ["primary1", "primary1", "primary2"]
    # the network groups are shared, the storage is each guest's own
    assert {tuple(t.services["primary1"].network) for t in guests} == {("primary1-nwsg",)}
    assert [list(t.services["primary1"].storage) for t in guests] == \
        [["ldg1-strsg1"], ["ldg2-strsg1"], ["ldg3-strsg1"]]
    assert topo.multiguest and topo.for_guest("ldomsg3") is guests[2]


def test_a_lab_of_one_guest_keeps_its_scenario_ids(lab):
    seed = load_inventory(SEED)
    single = failover_matrix(Topology(seed.config, seed.nodes))
    assert {s.guest for s in single} == {"ldomsg"}
    assert "S2[node1/primary1-strsg]" in {s.id for s in single}


def test_every_guest_gets_the_whole_table_with_its_name(topo):
    scenarios = failover_matrix(topo)
    by_guest = {g: [s for s in scenarios if s.guest == g] for g in ("ldomsg1", "ldomsg2", "ldomsg3")}
    assert all(by_guest.values()) and sum(map(len, by_guest.values())) == len(scenarios)
    for guest, mine in by_guest.items():
        assert all(s.id.startswith(f"{guest}:") for s in mine)
        assert {s.row for s in mine} >= {"S1", "S2", "S3", "S4", "N1", "N2", "N3", "N4", "D1", "D2", "D3", "D4"}
    ids = [s.id for s in scenarios]
    assert len(ids) == len(set(ids))


def test_a_shared_backend_is_lost_by_taking_its_disk_offline(topo):
    ldg2 = topo.for_guest("ldomsg2")
    assert ldg2.disks("ldg2-strsg1", "primary1") == ldg2.disks("ldg2-strsg1", "alternate1") == ["c3t5d0"]
    assert ldg2.pools("ldg2-strsg1", "primary1") == []
    s4 = next(s for s in failover_matrix(topo) if s.id == "ldomsg2:S4[node1/ldg2-strsg1]")
    assert set(s4.faults) == {Fault("disk_offline", "primary1:c3t5d0"), Fault("disk_offline", "alternate1:c3t5d0")}
    oracle = Oracle(ldg2)
    assert oracle.expect(list(s4.faults), "primary1").ldom_system == "primary2"
    assert not oracle.expect([Fault("disk_offline", "primary1:c3t5d0")], "primary1").failover


def test_a_fault_on_a_shared_network_group_concerns_every_guest_there(topo):
    faults = [Fault("nic_pull", "primary1:nxge3"), Fault("nic_pull", "alternate1:nxge4")]
    for guest in ("ldomsg1", "ldomsg2"):  # both at home on node1: both must leave it
        assert Oracle(topo.for_guest(guest)).expect(faults, "primary1").ldom_system == "primary2"
    assert not Oracle(topo.for_guest("ldomsg3")).expect(faults, "primary2").failover


def _ldm_long(target, system: str) -> str:
    rc, out, err = target.run(system, ["ldm", "list", "-l", "ldg2"])
    assert rc == 0, err
    return out


def test_an_mpgroup_on_one_shared_backend_is_shown_as_such_by_ldm(lab):
    target = open_target(lab, "sim", "alternateio", 1)
    try:
        services = target.run("primary1", ["ldm", "list-services"])[1]
        # the same LUN exported by both service domains of the node, under one mpgroup
        exports = [line.split() for line in services.splitlines() if "ldg2-ldg2-strsg1" in line]
        assert len(exports) == 2 and {e[-1] for e in exports} == {"/dev/dsk/c3t5d0s2"}, services
        assert all(e[-2] == "ldg2-ldg2-strsg1" for e in exports), services  # the MPGROUP column
        # the two-pool mirror shape stays where main.cf asks for it (ldg1: a zvol of each domain's pool)
        ldg1 = [line for line in services.splitlines() if "ldg1-ldg1-strsg1-vol" in line]
        assert {line.split()[-1] for line in ldg1} == {"/dev/zvol/dsk/ldg1prim/ldg1-ldg1-strsg1",
                                                       "/dev/zvol/dsk/ldg1mirr/ldg1-ldg1-strsg1"}, services
    finally:
        target.close()


def test_the_shared_backend_keeps_the_guest_on_one_path_and_fails_over_without_any(lab, topo):
    oracle = Oracle(topo)
    scenarios = {s.id: s for s in failover_matrix(topo)}
    target = open_target(lab, "sim", "alternateio", 1)
    try:
        for sid in ("ldomsg2:S3[node1/ldg2-strsg1/alternate1]", "ldomsg2:S4[node1/ldg2-strsg1]"):
            result = play(target, oracle, scenarios[sid])
            assert result["verdict"] == "pass", result
            assert result["guest"] == "ldomsg2"
        assert result["observed"]["ldom_system"] == "primary2"  # S4: no path left on node1
    finally:
        target.close()


def test_every_guest_is_judged_on_a_fault_that_concerns_it(lab, topo):
    """The legacy monitor fails over on N2 of the shared network group: the scenario judging ldomsg1
    names the failure of ldomsg2 as well, which shares the group on the same node."""
    oracle = Oracle(topo)
    scenario = next(s for s in failover_matrix(topo) if s.id == "ldomsg1:N2[node1/primary1-nwsg]")
    target = open_target(lab, "sim", "legacy-primary-only", 1)
    try:
        result = play(target, oracle, scenario)
    finally:
        target.close()
    assert result["verdict"] == "fail" and result["guest"] == "ldomsg1"
    assert any(p.startswith("expected no failover, ldomsg1 moved") for p in result["problems"]), result
    assert any(p.startswith("guest ldomsg2: expected no failover") for p in result["problems"]), result
    assert not any("ldomsg3" in p for p in result["problems"]), result  # at home on node2: untouched


def test_the_matrix_has_a_column_block_per_guest():
    scenarios = [{"id": f"{g}:S2[node1/{sg}]", "row": "S2", "node": "node1", "group": sg, "guest": g,
                  "verdict": v} for g, sg, v in (("ldomsg1", "primary1-nwsg", "pass"),
                                                ("ldomsg2", "primary1-nwsg", "fail"))]
    m = matrix(scenarios)
    assert [(c.guest, c.target) for c in m.columns["S"]] == [("ldomsg1", "primary1-nwsg"),
                                                              ("ldomsg2", "primary1-nwsg")]
    text = render_matrix_text(m)
    assert "guest ldomsg1" in text and "guest ldomsg2" in text
    block2 = text.split("guest ldomsg2", 1)[1]
    block1 = text.split("guest ldomsg1", 1)[1].split("guest ldomsg2", 1)[0]
    assert "FAIL" in block2 and "FAIL" not in block1 and "pass" in block1
    html = render_matrix_html(m, {"lab": "x", "target": "sim", "monitor": "m", "seed": 1}, scenarios)
    assert html.count('class="guest">guest ldomsg') == 2
    # one guest: no guest in the columns, the table as before
    single = matrix([{**scenarios[0], "guest": "ldomsg1"}])
    assert single.columns["S"][0].guest == "" and "guest ldomsg1" not in render_matrix_text(single)


def _run(tmp_path: Path, *args: str) -> tuple[int, dict, str]:
    report = tmp_path / "report"
    proc = subprocess.run([str(ALTIO_HIL), "run", "--lab", str(MULTI), "--report", str(report), "--seed", "3",
                           "--no-html", *args], capture_output=True, text=True, timeout=600, cwd=tmp_path)
    return proc.returncode, json.loads((report / "results.json").read_text()), proc.stdout + proc.stderr


def test_the_multiguest_lab_passes_with_the_alternateio_monitor(tmp_path):
    rc, results, out = _run(tmp_path)
    assert rc == 0, out[-3000:]
    guests = {s["guest"] for s in results["scenarios"]}
    assert guests == {"ldomsg1", "ldomsg2", "ldomsg3"}, guests
    assert "guest ldomsg3" in out  # the terminal matrix's block of the third guest


def test_the_legacy_monitor_fails_exactly_the_s2_and_n2_scenarios_of_every_guest(tmp_path):
    rc, results, out = _run(tmp_path, "--monitor", "legacy-primary-only")
    assert rc == 1, out[-3000:]
    failed = [s for s in results["scenarios"] if s["verdict"] != "pass"]
    assert failed and all({"S2", "N2"} & set(s["row"].split("+")) for s in failed), \
        [(s["id"], s["problems"]) for s in failed if not {"S2", "N2"} & set(s["row"].split("+"))]
    for guest in ("ldomsg1", "ldomsg2", "ldomsg3"):
        mine = {s["row"] for s in failed if s["guest"] == guest}
        assert {"S2", "N2"} <= mine, (guest, mine)
        # where the guest must stay (S2+D2 loses the storage everywhere: a failover is due there)
        table = [s for s in results["scenarios"] if s["guest"] == guest and "nemesis" not in s["id"]
                 and {"S2", "N2"} & set(s["row"].split("+")) and not s["expected"]["failover"]]
        assert table and all(s["verdict"] == "fail" for s in table), (guest, table)


def test_virtual_clock_lab_boots_every_guest_at_home(lab):
    from emulators.lab import LabSpec, NodeSpec, SimLab

    spec = LabSpec("m", str(lab.main_cf), tuple(NodeSpec(n.name, n.control, tuple(n.alternates)) for n in lab.nodes))
    sim = SimLab(spec, VirtualClock())
    sim.engine.start()
    sim.engine.settle()
    where = {g: sim.engine.online_systems(g) for g in ("ldomsg1", "ldomsg2", "ldomsg3")}
    assert where == {"ldomsg1": ["primary1"], "ldomsg2": ["primary1"], "ldomsg3": ["primary2"]}


def test_a_lab_read_through_its_commands_judges_every_guest(tmp_path, topo):
    """The same judgement when the harness sees the lab only through hastatus/hares/ldm (the way it
    reads a real lab): ldomsg2's failover under the legacy monitor is seen and named."""
    inventory = tmp_path / "multi-commands.yaml"
    text = MULTI.read_text().replace("main_cf: sim-multiguest/main.cf",
                                     f"main_cf: {MULTI.parent / 'sim-multiguest' / 'main.cf'}")
    inventory.write_text(text + "sim:\n  via: commands\n")
    lab = load_inventory(inventory)
    scenario = next(s for s in failover_matrix(topo) if s.id == "ldomsg1:N2[node1/primary1-nwsg]")
    target = open_target(lab, "sim", "legacy-primary-only", 1)
    try:
        result = play(target, Oracle(Topology(lab.config, lab.nodes)), scenario)
    finally:
        target.close()
    assert result["verdict"] == "fail", result
    assert any(p.startswith("guest ldomsg2: expected no failover") for p in result["problems"]), result


def test_a_guest_whose_groups_are_all_watched_is_refused_with_its_line(tmp_path):
    """A failover group's AlternateIO resource that names only value-0 groups reports ONLINE wherever
    they run (its offline changes nothing), on several systems at once: VCS's concurrency violation
    (Veritas Cluster Server Administrator's Guide, "About concurrency violations"). The harness found
    it on the sparc stand-in, where offline monitors run often; the inventory now refuses it."""
    main_cf = tmp_path / "main.cf"
    main_cf.write_text((MULTI.parent / "sim-multiguest" / "main.cf").read_text()
                       .replace("ldg2-strsg1 = 1", "ldg2-strsg1 = 0").replace("ldg2-strsg2 = 1", "ldg2-strsg2 = 0"))
    inventory = tmp_path / "bad.yaml"
    inventory.write_text(MULTI.read_text().replace("main_cf: sim-multiguest/main.cf", f"main_cf: {main_cf}"))
    proc = subprocess.run([str(ALTIO_HIL), "inventory", "check", str(inventory)], capture_output=True, text=True)
    assert proc.returncode == 2, proc
    line = next(i for i, text in enumerate(main_cf.read_text().splitlines(), 1) if "ldg2-strsg1 = 0" in text)
    assert f"{main_cf}:{line}:" in proc.stderr + proc.stdout and "concurrency violation of aiosg2" in proc.stderr + proc.stdout


def test_format_lists_the_disks_and_the_sparc_target_places_a_lun_fault_with_it(tmp_path, monkeypatch):
    """A LUN exported whole (no pool on it) is found by `format </dev/null`, whose disk selection menu
    (Solaris format(1M): "AVAILABLE DISK SELECTIONS", `N. cXtYdZ <label>`) the parser reads; the sparc
    target checks a disk fault's place with it (the command answered here by the emulated lab)."""
    from emulators.lab import LabSpec, NodeSpec, SimLab
    from harness.parsers import parse_format_disks
    from harness.targets.base import BadLabInput
    from harness.targets.sparc import SparcTarget

    lab = load_inventory(MULTI)
    sim = SimLab(LabSpec("m", str(lab.main_cf), tuple(NodeSpec(n.name, n.control, tuple(n.alternates))
                                                       for n in lab.nodes)), VirtualClock())
    rc, menu, _ = sim.run_command("alternate1", ["format"])
    assert rc == 0 and menu.startswith("Searching for disks...done") and "AVAILABLE DISK SELECTIONS:" in menu
    assert "c3t5d0" in parse_format_disks(menu) and "c9t9d0" not in parse_format_disks(menu)

    source = REPO / "inventories" / "sparc-sim-2node.yaml"
    inventory = tmp_path / "sparc-multi.yaml"
    inventory.write_text(source.read_text().replace("main_cf: sim-2node/main.cf", f"main_cf: {lab.main_cf}"))
    target = SparcTarget(load_inventory(inventory), "alternateio", 0)

    def run(system, argv, timeout=None):
        words = argv.split("<", 1)[0].split() if isinstance(argv, str) else list(argv)
        return sim.run_command(system, words)

    monkeypatch.setattr(target, "run", run)
    target.check_place(Fault("disk_offline", "primary1:c3t5d0"))  # ldg2's LUN: in no pool
    with pytest.raises(BadLabInput, match="no DISK 'c9t9d0'"):
        target.check_place(Fault("disk_offline", "primary1:c9t9d0"))
