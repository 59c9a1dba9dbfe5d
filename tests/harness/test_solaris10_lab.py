"""A Solaris 10 lab read through its commands (inventory `solaris: 10`): the guest's link state comes
from `dladm show-dev` (Solaris 10's `dladm show-link` prints no state: Solaris 10 dladm(1M), "show-link
... type, mtu, device"; "show-dev ... link, speed, duplex"), so a scenario judges the guest's I/O as on
Solaris 11."""

from __future__ import annotations

from pathlib import Path

from harness.inventory import load_inventory
from harness.oracle import Oracle, Topology
from harness.scenarios import failover_matrix, play
from harness.targets import open_target

REPO = Path(__file__).resolve().parents[2]
SEED = REPO / "inventories" / "sim-2node.yaml"


def _lab(tmp_path: Path, release: int):
    inventory = tmp_path / f"solaris{release}.yaml"
    text = SEED.read_text().replace("main_cf: sim-2node/main.cf", f"main_cf: {SEED.parent / 'sim-2node' / 'main.cf'}")
    inventory.write_text(text + f"solaris: {release}\nsim:\n  via: commands\n")
    return load_inventory(inventory)


def test_a_solaris_10_guest_has_network_io_read_from_show_dev(tmp_path):
    lab = _lab(tmp_path, 10)
    target = open_target(lab, "sim", "alternateio", 1)
    try:
        rc, out, _ = target.run("ldg1", ["dladm", "show-link"])
        assert rc == 0 and "STATE" not in out  # the release's own format: no link state there
        io = target.snapshot().io["ldg1"]
        assert io.storage_ok and io.network_ok, io
        topo = Topology(lab.config, lab.nodes)
        scenario = next(s for s in failover_matrix(topo) if s.id == "N3[node1/primary1-nwsg/alternate1]")
        result = play(target, Oracle(topo), scenario)
        assert result["verdict"] == "pass", result
    finally:
        target.close()


def test_the_sparc_target_checks_a_nic_fault_with_show_dev_on_solaris_10(tmp_path, monkeypatch):
    """Where a NIC fault may go is read from `dladm show-phys` on Solaris 11 and `dladm show-dev` on
    Solaris 10 (which has no show-phys); the command is answered here by an emulated lab of that
    release, the SSH transport left out."""
    import pytest

    from emulators.clock import VirtualClock
    from emulators.lab import LabSpec, NodeSpec, SimLab
    from harness.faults import Fault
    from harness.targets.base import BadLabInput
    from harness.targets.sparc import SparcTarget

    source = REPO / "inventories" / "sparc-sim-2node.yaml"
    for release in (10, 11):
        inventory = tmp_path / f"sparc{release}.yaml"
        inventory.write_text(source.read_text().replace("main_cf: sim-2node/main.cf",
                                                        f"main_cf: {source.parent / 'sim-2node' / 'main.cf'}")
                             + f"solaris: {release}\n")
        sparc = load_inventory(inventory)
        spec = LabSpec("s", str(sparc.main_cf), tuple(NodeSpec(n.name, n.control, tuple(n.alternates))
                                                     for n in sparc.nodes), solaris=release)
        sim = SimLab(spec, VirtualClock())
        target = SparcTarget(sparc, "alternateio", 0)
        asked = []
        monkeypatch.setattr(target, "run", lambda system, argv, timeout=None, sim=sim, asked=asked:
                            asked.append(argv) or sim.run_command(system, list(argv)))
        target.check_place(Fault("nic_pull", "primary1:nxge3"))
        with pytest.raises(BadLabInput, match="no NIC 'nxge9'"):
            target.check_place(Fault("nic_pull", "primary1:nxge9"))
        assert asked[0] == (["dladm", "show-dev"] if release == 10 else ["dladm", "show-phys"])
