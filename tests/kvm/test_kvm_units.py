"""The kvm tier's pure parts: domain XML, probe lines, probe samples -> outages, image inputs."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from emulators.kvm import domains as xml
from emulators.kvm.probe import parse_line
from harness import probes


def _guest(**kw) -> xml.VmSpec:
    disks = (xml.DiskPath("primary1", "ldg1-vol", "/run/p.nbd", 0), xml.DiskPath("alternate1", "ldg1-vol", "/run/a.nbd", 1))
    nics = (xml.NicPath("primary1", "nxge3", "52:54:00:aa:bb:01", 0), xml.NicPath("alternate1", "nxge4", "52:54:00:aa:bb:02", 1))
    base = dict(name="altio-lab-node1-ldg1", role="guest", hostname="ldg1", kernel="/k", initrd="/i",
                console_log="/run/c.log", disks=disks, nics=nics, probe_socket="/run/probe.sock")
    base.update(kw)
    return xml.VmSpec(**base)


def test_guest_xml_has_one_nbd_disk_and_one_nic_per_path_with_path_aliases():
    root = ET.fromstring(xml.domain_xml(_guest()))
    assert root.get("type") == "qemu"  # TCG unless told otherwise
    disks = root.findall("devices/disk")
    assert [d.find("source").get("protocol") for d in disks] == ["nbd", "nbd"]
    assert [d.find("source").get("name") for d in disks] == ["ldg1-vol", "ldg1-vol"]  # every NBD disk has an export name
    assert [d.find("source/host").get("socket") for d in disks] == ["/run/p.nbd", "/run/a.nbd"]
    assert [d.find("alias").get("name") for d in disks] == ["ua-disk-primary1-0", "ua-disk-alternate1-1"]
    assert all(d.find("driver").get("error_policy") == "report" for d in disks)  # EIO to the guest, no pause
    assert [d.find("target").get("dev") for d in disks] == ["vda", "vdb"]
    nics = root.findall("devices/interface")
    assert [n.find("alias").get("name") for n in nics] == ["ua-net-primary1-0", "ua-net-alternate1-1"]
    assert all(n.find("link").get("state") == "up" for n in nics)
    serials = root.findall("devices/serial")
    assert serials[1].get("type") == "unix" and serials[1].find("source").get("path") == "/run/probe.sock"
    cmdline = root.find("os/cmdline").text
    assert "altio.role=guest" in cmdline and "altio.disks=2" in cmdline and "altio.nics=2" in cmdline
    assert root.find("seclabel") is None


def test_io_domain_xml_and_root_label():
    root = ET.fromstring(xml.domain_xml(_guest(role="iodomain", disks=(), nics=(), probe_socket=None,
                                               run_as_root=True, domain_type="kvm")))
    assert root.get("type") == "kvm"
    assert root.findall("devices/disk") == [] and len(root.findall("devices/serial")) == 1
    assert root.find("seclabel/label").text == "+0:+0"
    assert "altio.disks" not in root.find("os/cmdline").text


def test_nic_xml_link_state_is_the_cable():
    nic = xml.NicPath("primary1", "nxge3", "52:54:00:aa:bb:01", 0)
    assert ET.fromstring(xml.nic_xml(nic, link_up=False)).find("link").get("state") == "down"
    assert ET.fromstring(xml.nic_xml(nic)).find("mac").get("address") == "52:54:00:aa:bb:01"


@pytest.mark.parametrize("line,parsed", [
    ("altio disk 12 ok\r", ("disk", 12, True)),
    ("altio net 3 fail", ("net", 3, False)),
    ("altio boot counter=41", ("boot", 41, True)),
    ("altio path vda failed", ("path", None, False)),
    ("altio path vda reinstated", ("path", None, True)),
    ("altio bond active=eth1", ("bond", None, True)),
    ("[   14.70] I/O error, dev vda, sector 0", None),
    ("altio disk x ok", None),
])
def test_probe_lines(line, parsed):
    assert parse_line(line) == parsed


def _samples(spec: list[tuple[float, str, bool]], guest: str = "ldg1") -> list[probes.Sample]:
    return [probes.Sample(t, guest, "node1", kind, i, ok, "") for i, (t, kind, ok) in enumerate(spec)]


def _steady(t0: float, t1: float, step: float = 0.2, skip=()) -> list[tuple[float, str, bool]]:
    out, t = [], t0
    while t <= t1 + 1e-9:
        if not any(a <= t <= b for a, b in skip):
            out += [(round(t, 3), "disk", True), (round(t, 3) + 0.05, "net", True)]
        t += step
    return out


def test_steady_probes_have_no_gap():
    s = _samples(_steady(0, 10))
    assert probes.gaps(s, "ldg1", 1, 10) == []
    assert probes.outages(s, "ldg1", 1, 10) == []


def test_one_lost_ping_is_a_gap_but_not_an_outage():
    spec = [x for x in _steady(0, 10) if not (x[1] == "net" and 4.0 < x[0] < 5.2)] + [(5.05, "net", False)]
    s = _samples(sorted(spec))
    gaps = probes.gaps(s, "ldg1", 1, 10)
    assert [(g.kind, g.failed) for g in gaps] == [("net", 1)]
    assert gaps[0].duration == pytest.approx(5.25 - 3.85, abs=0.01)
    assert probes.outages(s, "ldg1", 1, 10) == []  # under the 2 s tolerance: a path switch


def test_silence_longer_than_tolerance_is_an_outage_merged_across_kinds():
    s = _samples(_steady(0, 20, skip=[(5.0, 12.0)]))
    out = probes.outages(s, "ldg1", 1, 20)
    assert len(out) == 1
    start, end = out[0]
    assert start == pytest.approx(4.85, abs=0.06) and end == pytest.approx(12.2, abs=0.06)


def test_no_probe_at_the_end_of_the_window_is_an_ongoing_outage():
    s = _samples(_steady(0, 5))
    out = probes.outages(s, "ldg1", 1, 20)
    assert out and out[0][1] == 20


def test_other_guests_samples_do_not_count():
    s = _samples(_steady(0, 20), guest="ldg2")
    assert probes.outages(s, "ldg1", 1, 20) == [(1, 20)]


def test_last_state_reads_the_freshest_probe_of_each_kind():
    s = _samples([(1.0, "disk", True), (1.1, "net", True), (2.0, "disk", False)])
    assert probes.last_state(s, "ldg1", 2.1) == ("node1", False, True)
    assert probes.last_state(s, "ldg1", 10.0) == ("node1", False, False)  # stale: not ok


def test_image_inputs_digest_follows_init(monkeypatch, tmp_path):
    from emulators.kvm import image

    before = image._inputs_digest()
    fake = tmp_path / "init"
    fake.write_text("#!/bin/sh\necho changed\n")
    monkeypatch.setattr(image, "INIT", fake)
    assert image._inputs_digest() != before
