"""``hatype``: the type-level (static) attributes of resource types, read and changed at run time.

Formats and messages pinned here, with their sources:
- ``hatype -display``: ``#Type Attribute Value`` with the column widths of the public capture
  ``Application  NumThreads             1`` (Ericsson LITP test ``Story12207``: the type in 13
  columns, the attribute in 23);
- ``hatype -value NIC ToleranceLimit`` prints the bare value (a public VCS health-check script
  compares it with ``-ne 1``);
- a ``-modify`` on a read-only configuration: ``VCS WARNING V-16-1-10369 Cluster not writable``
  (reference/captures/ha-cli-messages.1.txt), exit 1;
- unknown type / attribute / a value of the wrong type: choices of this emulator (no public
  capture found), each a ``VCS WARNING V-16-1-nnnnn`` line and exit 1.
"""

from __future__ import annotations

from emulators.vcs.commands import run
from tests.engine.lab import Lab, config, group, seed_lab

NOT_WRITABLE = (1, "", "VCS WARNING V-16-1-10369 Cluster not writable\n")


def test_hatype_list_value_and_display_layout():
    eng, _, _ = seed_lab()
    rc, out, _ = run(eng, ["hatype", "-list"])
    assert rc == 0 and {"AlternateIO", "LDom", "NIC", "Phantom", "Zpool"} <= set(out.split())
    assert out.split() == sorted(out.split())
    assert run(eng, ["hatype", "-value", "NIC", "ToleranceLimit"]) == (0, "0\n", "")
    assert run(eng, ["hatype", "-value", "NIC", "OfflineMonitorInterval"]) == (0, "60\n", "")  # types.cf value
    assert run(eng, ["hatype", "-value", "Zpool", "MonitorInterval"]) == (0, "60\n", "")  # the engine's default
    rc, out, _ = run(eng, ["hatype", "-display", "NIC", "-attribute", "MonitorInterval", "ToleranceLimit"])
    assert out.splitlines() == ["#Type        Attribute              Value",
                                "NIC          MonitorInterval        60",
                                "NIC          ToleranceLimit         0"]
    rc, out, _ = run(eng, ["hatype", "-display", "LDom"])
    rows = out.splitlines()[1:]
    assert all(r.split()[0] == "LDom" for r in rows)
    assert [r.split()[1] for r in rows] == sorted(r.split()[1] for r in rows)
    assert "LDom         ArgList                LDomName CfgFile MonitorCPU" in out
    assert run(eng, ["hatype", "-resources", "NIC"]) == (0, "nicres1\nnicres2\n", "")


def test_hatype_modify_needs_a_writable_configuration():
    eng, _, _ = seed_lab()
    assert run(eng, ["hatype", "-modify", "NIC", "MonitorInterval", "10"]) == NOT_WRITABLE
    assert run(eng, ["hatype", "-value", "NIC", "MonitorInterval"])[1] == "60\n"
    assert run(eng, ["haconf", "-makerw"]) == (0, "", "")
    for attr, value in (("MonitorInterval", "10"), ("OfflineMonitorInterval", "20"), ("ToleranceLimit", "2"),
                        ("OnlineTimeout", "120"), ("OfflineTimeout", "90"), ("RestartLimit", "1"),
                        ("OnlineWaitLimit", "3")):
        assert run(eng, ["hatype", "-modify", "NIC", attr, value]) == (0, "", ""), attr
        assert run(eng, ["hatype", "-value", "NIC", attr]) == (0, value + "\n", "")
    # resources of the type see the new values; another type's do not change
    assert eng._attrs("nicres1", "primary1")["ToleranceLimit"] == 2
    assert run(eng, ["hatype", "-value", "Zpool", "ToleranceLimit"])[1] == "0\n"
    assert run(eng, ["haconf", "-dump", "-makero"]) == (0, "", "")
    assert run(eng, ["hatype", "-modify", "NIC", "MonitorInterval", "60"]) == NOT_WRITABLE


def test_hatype_bad_input_is_a_vcs_error_and_changes_nothing():
    eng, _, _ = seed_lab()
    run(eng, ["haconf", "-makerw"])
    assert run(eng, ["hatype", "-modify", "NoSuchType", "MonitorInterval", "10"]) == \
        (1, "", "VCS WARNING V-16-1-10124 Type NoSuchType does not exist\n")
    assert run(eng, ["hatype", "-modify", "NIC", "NoSuchAttr", "10"]) == \
        (1, "", "VCS WARNING V-16-1-10016 Attribute NoSuchAttr does not exist for type NIC\n")
    assert run(eng, ["hatype", "-modify", "NIC", "MonitorInterval", "often"]) == \
        (1, "", "VCS WARNING V-16-1-10553 NIC.MonitorInterval: 'often' is not an integer\n")
    rc, _, err = run(eng, ["hatype", "-modify", "NIC", "MonitorInterval"])
    assert rc == 1 and err.startswith("VCS WARNING V-16-1-10001 Usage:")
    rc, _, err = run(eng, ["hatype", "-value", "NoSuchType", "MonitorInterval"])
    assert rc == 1 and "V-16-1-10124" in err
    rc, _, err = run(eng, ["hatype", "-bogus"])
    assert rc == 1 and "Usage" in err
    assert run(eng, ["hatype", "-value", "NIC", "MonitorInterval"])[1] == "60\n"


def _monitor_times(lab: Lab, res: str, system: str) -> list[float]:
    """Record when the engine monitors `res` on `system` (periodic monitors only)."""
    times: list[float] = []
    original = lab.app.monitor

    def spy(ctx):
        if (ctx.resource, ctx.system) == (res, system):
            times.append(lab.clock.now())
        return original(ctx)

    lab.app.monitor = spy
    return times


def test_changed_monitor_intervals_apply_from_the_cycle_under_way_and_can_be_put_back():
    """MonitorInterval 60 -> 10: the monitor pending at t0+60 moves to t0+10, then every 10 s; back
    to 60: every 60 s again. OfflineMonitorInterval alike for the copy that is offline."""
    lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"])))
    eng = lab.engine
    online, offline = _monitor_times(lab, "G_r", "s1"), None
    lab.clock.advance(125)  # two cycles of 60
    assert [round(t - online[0]) for t in online] == [0, 60]
    offline = _monitor_times(lab, "G_r", "s2")
    run(eng, ["haconf", "-makerw"])
    t0 = lab.clock.now()
    assert run(eng, ["hatype", "-modify", "App", "MonitorInterval", "10"]) == (0, "", "")
    assert run(eng, ["hatype", "-modify", "App", "OfflineMonitorInterval", "30"]) == (0, "", "")
    lab.clock.advance(60)
    gaps = [round(b - a) for a, b in zip(online, online[1:], strict=False)]
    assert gaps[:1] == [60] and set(gaps[1:]) == {10}, gaps
    assert online[2] - t0 <= 10  # the cycle under way ended at its new length
    assert offline and all(round(b - a) == 30 for a, b in zip(offline, offline[1:], strict=False))
    assert offline[0] - t0 <= 30
    mark = len(online)
    assert run(eng, ["hatype", "-modify", "App", "MonitorInterval", "60"]) == (0, "", "")
    lab.clock.advance(200)
    assert {round(b - a) for a, b in zip(online[mark - 1:], online[mark:], strict=False)} == {60}


def test_a_fault_is_detected_within_the_shortened_interval():
    """The brief's scenario on the engine alone: booted at MonitorInterval 60, shortened to 10 at run
    time, a resource that breaks right after is found faulted within 10 s, not 60."""
    def time_to_fault(shorten: bool) -> float:
        lab = Lab(config(["s1", "s2"], group("G", ["s1", "s2"], AutoStartList=["s1"], AutoFailOver=0)))
        lab.clock.advance(5)
        if shorten:
            run(lab.engine, ["haconf", "-makerw"])
            run(lab.engine, ["hatype", "-modify", "App", "MonitorInterval", "10"])
        t0 = lab.clock.now()
        lab.app.fail("G_r", "s1")
        while lab.rstate("G_r", "s1") != "FAULTED":
            lab.clock.advance(1)
        return lab.clock.now() - t0

    assert time_to_fault(shorten=False) > 30
    assert time_to_fault(shorten=True) <= 10
