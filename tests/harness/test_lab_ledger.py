"""The lease and the fault ledger that a lab reached by commands keeps on its control domains.

Each "control domain" here is a directory served by a local /bin/sh (the ledger only types shell
commands), so the tests exercise the exact command lines a real lab receives."""

import json
import os
import subprocess
import time

import pytest

from harness.faults import Fault
from harness.targets import lab_ledger
from harness.targets.lab_ledger import LabBusy, LabLedger


class Lab:
    def __init__(self, tmp_path, systems=("primary1", "primary2")):
        self.homes = {s: tmp_path / s for s in systems}
        for h in self.homes.values():
            h.mkdir()
        self.down: set[str] = set()
        self.sent: list[tuple[str, str]] = []

    def run(self, system, line):
        self.sent.append((system, line))
        if system in self.down:
            return 255, "", "unreachable"
        p = subprocess.run(["/bin/sh", "-c", line], cwd=self.homes[system], capture_output=True, text=True,
                           env={**os.environ, "HOME": str(self.homes[system])})
        return p.returncode, p.stdout, p.stderr

    def controls(self):
        return [s for s in self.homes if s not in self.down]

    def ledger(self):
        return LabLedger(self.run, self.controls, "~/state", "lab1")


def test_one_run_at_a_time_from_any_machine(tmp_path):
    lab = Lab(tmp_path)
    first = lab.ledger()
    first.acquire()
    second = lab.ledger()
    second.holder["host"] = "another-runner"  # a runner on another machine: no pid to check
    with pytest.raises(LabBusy, match="in use by another run"):
        second.acquire()
    first.release()
    second.acquire()  # free again


def test_a_dead_runner_on_this_host_or_an_expired_lease_is_taken_over(tmp_path, monkeypatch):
    lab = Lab(tmp_path)
    dead = subprocess.Popen(["true"])
    dead.wait()
    killed = lab.ledger()
    killed.holder["pid"] = dead.pid
    killed.acquire()
    monkeypatch.setattr(lab_ledger, "LEASE_S", -1.0)  # every lease written from now is already expired
    lab.ledger().acquire()  # its holder is a dead process of this host
    other = lab.ledger()
    other.holder["host"] = "elsewhere"
    other.acquire()  # the previous lease expired
    monkeypatch.setattr(lab_ledger, "LEASE_S", 120.0)
    other.renew(force=True)
    with pytest.raises(LabBusy):
        lab.ledger().acquire()


def test_the_ledger_outlives_the_run_and_the_newest_copy_wins(tmp_path):
    lab = Lab(tmp_path)
    run1 = lab.ledger()
    run1.acquire()
    nic = Fault("nic_pull", "primary1:nxge3")
    run1.record(nic, heal=[{"on": "system", "host": "primary1", "run": "ifconfig nxge3 up"}])
    run1.confirm(nic)
    lab.down.add("primary2")  # primary2 misses the next change
    run1.record_change("timing", "cluster", [{"on": "system", "host": "primary1", "run": "x " * 2000}])
    lab.down.clear()
    records = lab.ledger().load()  # primary1 has the newer copy (a long record, written in chunks)
    assert [(r["kind"], r["where"], r["state"]) for r in records] == [
        ("nic_pull", "primary1:nxge3", "in force"), ("timing", "cluster", "injecting")]
    assert records[0]["heal"][0]["run"] == "ifconfig nxge3 up"
    assert all(len(line) < 4000 for _, line in lab.sent), "a command line longer than a tty takes"
    run2 = lab.ledger()
    run2.load()
    run2.drop(nic)
    assert lab.ledger().entries() == []
    on_disk = json.loads((lab.homes["primary2"] / "state" / "ledger.json").read_text())
    assert on_disk["seq"] == 4 and [r["kind"] for r in on_disk["records"]] == ["timing"]


def test_renewal_moves_the_expiry(tmp_path):
    lab = Lab(tmp_path)
    led = lab.ledger()
    led.acquire()
    before = json.loads((lab.homes["primary1"] / "state" / "lease").read_text())["expires"]
    time.sleep(0.01)
    led.renew(force=True)
    assert json.loads((lab.homes["primary1"] / "state" / "lease").read_text())["expires"] > before
