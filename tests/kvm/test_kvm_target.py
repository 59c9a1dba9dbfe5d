"""The kvm target's reading of its lab daemon, with a fake daemon: probe samples into outages,
the timeline and the data check; a lost libvirt connection is an infrastructure error."""

from __future__ import annotations

import pytest

from harness.faults import FaultLedger
from harness.inventory import load_inventory
from harness.targets.base import InfrastructureError
from harness.targets.kvm import KvmTarget


class FakeDaemon:
    def __init__(self, samples=(), events=(), lost=None):
        self.samples, self.events, self.lost = list(samples), list(events), lost
        self.now = 100.0

    def ask(self, payload, timeout=60.0):
        assert payload["op"] == "observe"
        return {"rc": 0, "samples": [s for s in self.samples if s[0] >= payload["since"]],
                "events": [e for e in self.events if e[0] >= payload["since"]], "now": self.now, "lost": self.lost}


def _target(tmp_path, monkeypatch, daemon) -> KvmTarget:
    monkeypatch.setenv("ALTIO_HIL_STATE", str(tmp_path))
    lab = load_inventory("inventories/kvm-2node.yaml")
    t = KvmTarget(lab, "alternateio", 0, FaultLedger.for_lab(lab.name, "kvm"), daemon, owned=False)
    t._seen = 0.0
    return t


def _probes(t0, t1, node="node1", skip=None, step=0.2):
    rows, t, seq = [], t0, 0
    while t <= t1:
        if not (skip and skip[0] <= t <= skip[1]):
            seq += 1
            rows.append([round(t, 3), "ldg1", node, "disk", seq, True, f"altio disk {seq} ok"])
            rows.append([round(t, 3) + 0.05, "ldg1", node, "net", seq, True, f"altio net {seq} ok"])
        t += step
    return rows


def test_outages_come_from_the_probe(tmp_path, monkeypatch):
    t = _target(tmp_path, monkeypatch, FakeDaemon(_probes(10, 60, skip=(20, 30))))
    outages = t.guest_io_outages("ldg1", 15, 60)
    assert len(outages) == 1 and outages[0][0] == pytest.approx(19.9, abs=0.2) and outages[0][1] == pytest.approx(30.2, abs=0.2)
    gaps = t.guest_io_gaps("ldg1", 15, 60)
    assert {g["kind"] for g in gaps} == {"disk", "net"} and all(g["for_s"] > 10 for g in gaps)


def test_probe_transitions_and_vm_events_reach_the_timeline(tmp_path, monkeypatch):
    rows = _probes(10, 12) + [[12.3, "ldg1", "node1", "net", 99, False, "altio net 99 fail"],
                              [12.5, "ldg1", "node1", "bond", None, True, "altio bond active=eth1"]] + _probes(12.6, 13)
    events = [[12.2, "altio-kvm-2node-node1-ldg1", "link", {"device": "ua-net-primary1-0", "up": False}]]
    t = _target(tmp_path, monkeypatch, FakeDaemon(rows, events))
    t._observe()
    io = [(e.subject, e.new) for e in t.timeline.events if e.kind == "io"]
    assert io == [("ldg1 storage", "ok"), ("ldg1 network", "ok"), ("ldg1 network", "lost"), ("ldg1 network", "ok")]
    notes = [e.subject for e in t.timeline.events if e.kind == "note"]
    assert "altio-kvm-2node-node1-ldg1 link" in notes and "ldg1 probe" in notes
    t._observe()  # asking again adds nothing twice
    assert len([e for e in t.timeline.events if e.kind == "io"]) == 4


def test_data_lost_across_a_failover_is_a_problem(tmp_path, monkeypatch):
    rows = _probes(10, 12) + [[20.0, "ldg1", "node2", "boot", 3, True, "altio boot counter=3"]]
    t = _target(tmp_path, monkeypatch, FakeDaemon(rows))
    problems = t.guest_data_problems("ldg1", 15)
    assert problems and "counter was 11 on node1, 3 when it booted on node2" in problems[0]
    good = _probes(10, 12) + [[20.0, "ldg1", "node2", "boot", 11, True, "altio boot counter=11"]]
    assert _target(tmp_path, monkeypatch, FakeDaemon(good)).guest_data_problems("ldg1", 15) == []


def test_lost_libvirt_connection_is_an_infrastructure_error(tmp_path, monkeypatch):
    t = _target(tmp_path, monkeypatch, FakeDaemon(lost="the connection to qemu:///system was lost"))
    with pytest.raises(InfrastructureError, match="connection to qemu:///system was lost"):
        t.guest_io_outages("ldg1", 0, 10)


def test_a_non_kvm_inventory_is_refused_before_anything_starts():
    from harness.targets.base import BadLabInput

    lab = load_inventory("inventories/sim-2node.yaml")
    with pytest.raises(BadLabInput, match="target: kvm"):
        KvmTarget.open(lab, "alternateio", 0)
