"""The kvm lab end to end: real VMs, real links and disk paths, the probe inside the guest.

Each test starts its own lab (a private copy of inventories/kvm-2node.yaml) with `altio-hil lab up`,
and checks what happened on the real side (libvirt, QEMU processes, nbdkit, the guest's probe), not
only what the emulated commands print; and that nothing is left behind: after `lab down`, after a
SIGKILLed daemon and the next `lab up`.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml
from kvm_live import kvm_cli, lab_vms, path_servers, virsh

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "lab"))
from live_lab import wait_for  # noqa: E402

from harness.lab_daemon import request  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("kvm")]


def _lab(cli) -> str:
    return yaml.safe_load(cli.inventory.read_text())["lab"]


def _observe(cli, since: float) -> dict:
    return request(Path(cli.socket()), {"op": "observe", "since": since}, 30)


def _probe_lines(cli, since: float) -> list[str]:
    return [row[6] for row in _observe(cli, since)["samples"]]


def _group_state(cli, system: str, group: str, on: str) -> str:
    out = cli.exec(system, "hagrp", "-state", group, "-sys", on).stdout
    return out.strip()


def _resource_faulted(cli, res: str, on: str) -> bool:
    return "FAULTED" in cli.exec("primary2", "hares", "-state", res, "-sys", on).stdout


def _fault(cli, kind: str, where: str) -> None:
    done = cli.lab("fault", kind, "--where", where)
    assert done.returncode == 0, done.stderr


def _heal(cli, kind: str, where: str) -> None:
    done = cli.lab("heal", kind, "--where", where)
    assert done.returncode == 0, done.stderr


def _link_state(vm: str, alias: str) -> str:
    xml = virsh("dumpxml", vm)
    start = xml.index(f"<alias name='{alias}'/>")
    block = xml[xml.rindex("<interface", 0, start):start]
    return "down" if "<link state='down'/>" in block else "up"


def test_faults_act_on_real_devices_and_heal_them():
    with kvm_cli() as cli:
        lab = _lab(cli)
        guest = f"altio-{lab}-node1-ldg1"
        assert wait_for(lambda: lab_vms(lab).get(guest) == "running", 60), lab_vms(lab)  # ldomsg onlines last
        vms = lab_vms(lab)
        assert sorted(vms) == sorted(f"altio-{lab}-{n}" for n in (
            "node1-primary1", "node1-alternate1", "node2-primary2", "node2-alternate2", "node1-ldg1", "node2-ldg1"))
        assert vms[f"altio-{lab}-node2-ldg1"] == "shut off"
        t0 = time.monotonic()
        lines = wait_for(lambda: [x for x in _probe_lines(cli, t0) if x.startswith("altio disk")], 30)
        assert lines and all(x.endswith("ok") for x in lines), lines
        assert len(path_servers(cli.runtime)) == 4  # (primary, alternate) x (node1, node2) for ldg1's volume

        # nic_pull: the cable of the guest NIC primary1 serves goes down in libvirt; the bond switches;
        # the NIC agent (reading libvirt) faults the NIC resource
        t1 = time.monotonic()
        _fault(cli, "nic_pull", "primary1:nxge3")
        assert _link_state(guest, "ua-net-primary1-0") == "down"
        assert wait_for(lambda: any(x == "altio bond active=eth1" for x in _probe_lines(cli, t1)), 15)
        assert wait_for(lambda: _resource_faulted(cli, "nicres1", "primary1"), 30)
        _heal(cli, "nic_pull", "primary1:nxge3")
        assert _link_state(guest, "ua-net-primary1-0") == "up"

        # zpool_offline on alternate1: that path's server fails every request; multipath fails it over
        # and the guest's disk probe goes on; the heal reinstates the path
        t2 = time.monotonic()
        _fault(cli, "zpool_offline", "alternate1:zfsmirr")
        down_files = list((cli.lab_dir() / "paths").glob("node1-alternate1-*.down"))
        assert len(down_files) == 1
        assert wait_for(lambda: "altio path vdb failed" in _probe_lines(cli, t2), 30)
        _heal(cli, "zpool_offline", "alternate1:zfsmirr")
        # the Zpool agent's clean exported the pool: the path serves again once the storage group is
        # cleared and online there (a zvol of an exported pool serves nothing)
        if _group_state(cli, "primary1", "primary1-strsg", "alternate1").strip("|") != "ONLINE":
            cli.exec("primary1", "hagrp", "-clear", "primary1-strsg", "-sys", "alternate1")
            cli.exec("primary1", "hagrp", "-online", "primary1-strsg", "-sys", "alternate1")
        assert wait_for(lambda: not list((cli.lab_dir() / "paths").glob("node1-alternate1-*.down")), 30)
        assert wait_for(lambda: "altio path vdb reinstated" in _probe_lines(cli, t2), 30)
        disk = [r for r in _observe(cli, t2)["samples"] if r[3] == "disk"]
        assert disk and all(r[5] for r in disk), "the guest's disk probe failed while one path was left"

        # domain_kill of alternate1: its QEMU process is gone, its system leaves the cluster; heal boots it
        vm = f"altio-{lab}-node1-alternate1"
        _fault(cli, "domain_kill", "alternate1")
        assert wait_for(lambda: lab_vms(lab)[vm] == "shut off", 15)
        assert wait_for(lambda: "RUNNING" not in cli.exec("primary1", "hasys", "-state", "alternate1").stdout, 15)
        _heal(cli, "domain_kill", "alternate1")
        assert wait_for(lambda: lab_vms(lab)[vm] == "running", 15)
        assert wait_for(lambda: "RUNNING" in cli.exec("primary1", "hasys", "-state", "alternate1").stdout, 30)

        events = _observe(cli, t0)["events"]
        assert any(e[1] == vm and e[2] == "lifecycle" and e[3]["event"] == "stopped" for e in events), events
        assert any(e[1] == guest and e[2] == "io_error" for e in events), "libvirt reported no I/O error"

        down = cli.lab("down", timeout=90)
        assert down.returncode == 0, down.stderr
        assert lab_vms(lab) == {}
        assert path_servers(cli.runtime) == []
        assert not any((cli.lab_dir() / sub).exists() for sub in ("paths", "disks", "vms"))


def _qemu_pid(vm: str) -> int:
    for proc in Path("/proc").iterdir():
        if proc.name.isdigit():
            try:
                cmd = (proc / "cmdline").read_bytes()
            except OSError:
                continue
            if b"qemu-system" in cmd.split(b"\0")[0] and f"guest={vm},".encode() in cmd:
                return int(proc.name)
    raise AssertionError(f"no QEMU process for {vm}")


def test_a_vm_that_dies_on_its_own_takes_its_domain_out_of_the_cluster():
    """No fault injected: the QEMU process of alternate1 is SIGKILLed behind the lab's back. Its pidfd
    (and libvirt's lifecycle event) tell the lab, which kills the domain in the model: the system
    leaves the cluster, as a real domain that died would."""
    with kvm_cli() as cli:
        lab = _lab(cli)
        vm = f"altio-{lab}-node1-alternate1"
        t0 = time.monotonic()
        os.kill(_qemu_pid(vm), signal.SIGKILL)
        assert wait_for(lambda: "FAULTED" in cli.exec("primary1", "hasys", "-state", "alternate1").stdout, 15)
        assert "alternate1" in cli.exec("primary1", "ldm", "list").stdout  # the domain is there, not active
        events = _observe(cli, t0)["events"]
        assert any(e[1] == vm and e[2] == "process" for e in events), events
        assert lab_vms(lab)[vm] == "shut off"


def test_a_killed_daemons_vms_and_servers_are_cleaned_by_the_next_lab_up():
    with kvm_cli() as cli:
        lab = _lab(cli)
        pid = cli.daemon_pids()[0]
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: not Path(f"/proc/{pid}").exists(), 15)
        # libvirt keeps the VMs; the path servers die with their parent (nbdkit --exit-with-parent)
        assert "running" in lab_vms(lab).values()
        assert wait_for(lambda: path_servers(cli.runtime) == [], 15)
        up = cli.lab("up", timeout=240)
        assert up.returncode == 0, up.stderr
        log = (cli.lab_dir() / "daemon.log").read_text()[-3000:]
        assert wait_for(lambda: list(lab_vms(lab).values()).count("running") == 5, 20), (lab_vms(lab), log)
        down = cli.lab("down", timeout=90)
        assert down.returncode == 0
        assert lab_vms(lab) == {} and path_servers(cli.runtime) == []


def _daemon_log(cli) -> str:
    """The lab daemon's log and the tail of each VM's console: why a lab misbehaved, in the failure."""
    out = []
    for path in sorted(cli.runtime.glob("*/daemon.log")) + sorted(cli.runtime.glob("*/vms/*.console")):
        out.append(f"--- {path.name}\n" + "\n".join(path.read_text(errors="replace").splitlines()[-15:]))
    return "\n".join(out)


def _run_rows(cli, report: Path, monitor: str, rows: str) -> dict:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "suites/test_failover_matrix.py", "--lab", str(cli.inventory),
         "--monitor", monitor, "-k", rows, "-p", "no:cacheprovider", "-q", "--altio-report", str(report)],
        env=cli.env, capture_output=True, text=True, timeout=900, cwd=str(Path(__file__).resolve().parents[2]))
    results = json.loads((report / "results.json").read_text())
    return {r["id"]: r for r in results["scenarios"]}, done


def test_smoke_on_node1_passes_and_nothing_is_left_running(tmp_path):
    """The CI smoke: S3, S4, N2, N4, D2, D3 on node1 with the AlternateIO monitor, the lab started and
    stopped by the run itself."""
    with kvm_cli(up=False) as cli:
        lab = _lab(cli)
        rows = "node1 and (S3 or S4 or N2 or N4 or D2 or D3)"
        by_id, done = _run_rows(cli, tmp_path / "rep", "alternateio", rows)
        assert done.returncode == 0, done.stdout[-3000:]
        assert len(by_id) == 6 and all(r["verdict"] == "pass" for r in by_id.values()), ({
            sid: (r["verdict"], r["problems"]) for sid, r in by_id.items()}, _daemon_log(cli))
        for sid, r in by_id.items():
            if sid.startswith(("S", "N")) and r["expected"]["failover"] is False:
                assert r["guest_io_outages"] == [], (sid, r["guest_io_outages"])
        assert lab_vms(lab) == {} and path_servers(cli.runtime) == []


def test_legacy_monitor_moves_the_guest_and_stops_its_io_on_s2_n2(tmp_path):
    with kvm_cli(up=False) as cli:
        by_id, done = _run_rows(cli, tmp_path / "rep", "legacy-primary-only", "node1 and (S2 or N2 or S3)")
        assert done.returncode == 1, done.stdout[-3000:]
        verdicts = {sid.split("[")[0]: r["verdict"] for sid, r in by_id.items()}
        assert verdicts == {"S2": "fail", "N2": "fail", "S3": "pass"}, ({
            sid: (r["verdict"], r["problems"]) for sid, r in by_id.items()}, _daemon_log(cli))
        for sid, r in by_id.items():
            if sid.startswith(("S2", "N2")):
                assert r["observed"]["failover"] is True
                assert r["guest_io_outages"], "the guest moved: its I/O must have stopped"
