"""The fault ledger: recorded before inject, dropped after heal, survives the process."""

import os
import subprocess
import sys

import pytest

from harness.faults import Fault, FaultLedger, FaultSpecError


def test_fault_validation():
    assert Fault("nic_pull", "primary1:nxge3").object == "nxge3"
    assert Fault("domain_kill", "alternate1").system == "alternate1"
    with pytest.raises(FaultSpecError, match="unknown fault kind 'nic_cut'; valid kinds: nic_pull"):
        Fault("nic_cut", "primary1:nxge3")
    with pytest.raises(FaultSpecError, match="needs --where SYSTEM:OBJECT"):
        Fault("zpool_offline", "primary1")
    with pytest.raises(FaultSpecError, match="takes --where SYSTEM"):
        Fault("domain_kill", "primary1:nxge3")


def test_record_drop_and_heal_all(tmp_path):
    ledger = FaultLedger(tmp_path / "l.json")
    a, b = Fault("nic_pull", "p:n"), Fault("domain_kill", "a")
    ledger.record(a)
    ledger.record(b)
    assert ledger.entries() == [a, b]
    ledger.drop(a)
    assert ledger.entries() == [b]
    seen = []
    assert ledger.heal_all(seen.append) == [b] and seen == [b]
    assert ledger.entries() == []


def test_a_failed_heal_keeps_the_entry(tmp_path):
    ledger = FaultLedger(tmp_path / "l.json")
    ledger.record(Fault("domain_kill", "a"))

    def broken(_):
        raise RuntimeError("console unreachable")

    with pytest.raises(RuntimeError):
        ledger.heal_all(broken)
    assert ledger.entries() == [Fault("domain_kill", "a")]


def test_entries_survive_a_killed_process(tmp_path):
    path = tmp_path / "l.json"
    code = ("import os, sys; from harness.faults import Fault, FaultLedger;"
            f"FaultLedger({str(path)!r}).record(Fault('nic_pull', 'p:n')); os.kill(os.getpid(), 9)")
    r = subprocess.run([sys.executable, "-c", code], cwd=os.getcwd())
    assert r.returncode == -9
    assert FaultLedger(path).entries() == [Fault("nic_pull", "p:n")]
