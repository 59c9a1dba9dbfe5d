"""The target's final heal, which the plugin's teardown relies on: it survives a heal cut short by
Ctrl-C, and one heal that fails does not keep the others from running."""

from __future__ import annotations

import pytest
from altio_runs import LAB_2NODE

from harness.faults import Fault, FaultLedger
from harness.inventory import load_inventory
from harness.targets.sim import SimTarget

POOL = Fault("zpool_offline", "primary1:zfsprim")
NIC = Fault("nic_pull", "primary2:nxge3")


@pytest.fixture
def target(tmp_path):
    t = SimTarget(load_inventory(LAB_2NODE), "alternateio", 1, FaultLedger(tmp_path / "ledger.json"))
    t.boot()
    return t


def _health(target: SimTarget) -> str:
    return target.run("primary1", ["zpool", "list", "-H", "-o", "name,health"])[1]


def test_a_heal_cut_short_by_ctrl_c_is_finished_by_the_teardown(target, monkeypatch):
    target.inject(POOL)
    assert "SUSPENDED" in _health(target)  # Solaris 11: a pool that lost its devices waits for them
    real_drop = target.ledger.drop

    def interrupted(fault, pid=None):
        monkeypatch.setattr(target.ledger, "drop", real_drop)
        raise KeyboardInterrupt  # Ctrl-C after the lab was repaired, before the ledger was told

    monkeypatch.setattr(target.ledger, "drop", interrupted)
    with pytest.raises(KeyboardInterrupt):
        target.heal(POOL)
    assert target.ledger.entries() == [POOL] and target.active_faults == [POOL]
    assert target.heal_all() == [POOL]  # no "no zpool_offline fault is in force" from a second repair
    assert target.ledger.entries() == [] and target.active_faults == []


def test_one_failing_heal_does_not_stop_the_others(target, monkeypatch):
    target.inject(POOL)
    target.inject(NIC)
    real_heal = target._heal

    def console_lost(fault):
        if fault == NIC:
            raise ConnectionError("console of primary2 unreachable")
        real_heal(fault)

    monkeypatch.setattr(target, "_heal", console_lost)
    with pytest.raises(ConnectionError):
        target.heal_all()  # NIC is the newest: healed first, fails; POOL is still healed
    assert target.ledger.entries() == [NIC] and target.active_faults == [NIC]
    assert "SUSPENDED" not in _health(target)
