"""The scenario timeline: recording, queries, and the SVG picture an engineer reads in the report."""

from __future__ import annotations

import math
import xml.etree.ElementTree as ET

import pytest

from harness.timeline import (
    AMBER,
    FAULT_RED,
    GREEN,
    GREY,
    HEAL_GREEN,
    PLOT_W,
    PURPLE,
    RED,
    Event,
    Timeline,
    TimelineError,
    state_class,
)

NS = "{http://www.w3.org/2000/svg}"


def failover_timeline() -> Timeline:
    tl = Timeline()
    tl.add(0, "step", "baseline")
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(0, "group", "ldomsg", "primary2", None, "OFFLINE")
    tl.add(0, "resource", "altio", "primary1", None, "ONLINE")
    tl.add(0, "io", "guest1", None, None, "ok")
    tl.add(5, "step", "inject")
    tl.add(5, "fault", "zpool_offline primary1:zfsprim")
    tl.add(6, "fault", "zpool_offline alternate1:zfsalt")
    tl.add(6, "step", "wait")
    tl.add(65, "resource", "altio", "primary1", "ONLINE", "FAULTED")
    tl.add(66, "io", "guest1", None, "ok", "lost")
    tl.add(70, "group", "ldomsg", "primary1", "ONLINE", "STOPPING|PARTIAL")
    tl.add(80, "group", "ldomsg", "primary1", "STOPPING|PARTIAL", "OFFLINE|FAULTED")
    tl.add(90, "group", "ldomsg", "primary2", "OFFLINE", "ONLINE")
    tl.add(100, "step", "heal")
    tl.add(100, "heal", "zpool_offline primary1:zfsprim")
    tl.add(110, "system", "primary1", None, None, "UNKNOWN")
    return tl


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)


def texts(root: ET.Element) -> list[str]:
    return ["".join(t.itertext()) for t in root.iter(f"{NS}text")]


def state_rects(root: ET.Element) -> list[ET.Element]:
    return [r for r in root.iter(f"{NS}rect") if r.get("data-state") is not None]


def band_titles(root: ET.Element) -> list[str]:
    return [r.find(f"{NS}title").text for r in state_rects(root)]


def label_y(root: ET.Element, label: str) -> float:
    for t in root.iter(f"{NS}text"):
        if t.get("text-anchor") == "end" and "".join(t.itertext()).endswith(label):
            return float(t.get("y"))
    raise AssertionError(f"no lane label {label!r}")


# --- recording and queries ---------------------------------------------------------------------------


def test_events_are_kept_in_time_order_with_ties_in_insertion_order():
    tl = Timeline()
    tl.add(5, "note", "b")
    tl.add(1, "note", "a")
    tl.add(5, "note", "c")
    assert [e.subject for e in tl.events] == ["a", "b", "c"]
    assert isinstance(tl.events[0], Event) and tl.events[0].t == 1.0


@pytest.mark.parametrize("kind,t", [("explosion", 1.0), ("fault", math.nan), ("fault", "soon")])
def test_bad_events_raise_the_timeline_error(kind, t):
    with pytest.raises(TimelineError):
        Timeline().add(t, kind, "x")


def test_since_window_and_first():
    tl = failover_timeline()
    assert [e.t for e in tl.since(90)] == [90, 100, 100, 110]
    win = tl.window(60, 95)
    assert all(60 <= e.t <= 95 for e in win.events) and len(win) == 5
    assert win.initial[("ldomsg", "primary1")] == ("group", "ONLINE")
    left = tl.first("resource", "altio", system="primary1", old="ONLINE", after=5)
    assert left is not None and left.t == 65 and left.new == "FAULTED"
    on_new = tl.first("group", "ldomsg", new="ONLINE", after=5)
    assert on_new is not None and on_new.system == "primary2" and on_new.t == 90
    assert tl.first("group", "ldomsg", new={"OFFLINE|FAULTED", "FAULTED"}).t == 80
    assert tl.first("group", "ldomsg", system="primary3") is None
    assert tl.first("fault", after=5.5).subject == "zpool_offline alternate1:zfsalt"
    with pytest.raises(TimelineError):
        tl.window(10, 5)


def test_state_at_and_lanes():
    tl = failover_timeline()
    assert tl.state_at("ldomsg", "primary1", 69.9) == "ONLINE"
    assert tl.state_at("ldomsg", "primary1", 80) == "OFFLINE|FAULTED"
    assert tl.state_at("ldomsg", "primary3", 80) is None
    assert tl.window(85, 120).state_at("ldomsg", "primary1", 86) == "OFFLINE|FAULTED"
    assert tl.lanes() == [
        ("ldomsg", "primary1"),
        ("ldomsg", "primary2"),
        ("altio", "primary1"),
        ("guest1", None),
        ("primary1", None),
    ]


def test_to_jsonable_lists_every_field():
    tl = failover_timeline()
    data = tl.to_jsonable()
    assert len(data) == len(tl.events)
    assert data[1] == {
        "t": 0.0, "kind": "group", "subject": "ldomsg", "system": "primary1", "old": None, "new": "ONLINE", "detail": "",
    }


@pytest.mark.parametrize(
    "state,cls",
    [
        ("ONLINE", "online"),
        ("OFFLINE", "offline"),
        ("OFFLINE|FAULTED", "faulted"),
        ("FAULTED", "faulted"),
        ("PARTIAL", "transition"),
        ("STARTING|PARTIAL", "transition"),
        ("W_ONLINE", "transition"),
        ("UNKNOWN", "unknown"),
        ("ok", "online"),
        ("lost", "faulted"),
        ("active", "online"),
        ("inactive", "offline"),
        ("RUNNING", "online"),
        ("EXITED", "offline"),
        ("bogus", "other"),
    ],
)
def test_state_classes(state, cls):
    assert state_class(state) == cls


# --- the picture -------------------------------------------------------------------------------------


def test_svg_is_well_formed_with_lanes_labels_markers_and_colours():
    svg = failover_timeline().to_svg("S4 on primary1")
    root = parse(svg)
    assert root.tag == f"{NS}svg"
    all_text = texts(root)
    assert "S4 on primary1" in all_text
    for label in ("ldomsg @ primary1", "ldomsg @ primary2", "altio @ primary1", "guest1", "primary1"):
        assert any(t.endswith(label) for t in all_text), label
    # lanes by first appearance, top to bottom
    ys = [label_y(root, lbl) for lbl in ("ldomsg @ primary1", "ldomsg @ primary2", "altio @ primary1")]
    assert ys == sorted(ys)
    fills = {(r.get("data-state"), r.get("fill")) for r in state_rects(root)}
    assert {("ONLINE", GREEN), ("OFFLINE", GREY), ("OFFLINE|FAULTED", RED), ("STOPPING|PARTIAL", AMBER),
            ("FAULTED", RED), ("UNKNOWN", PURPLE), ("ok", GREEN), ("lost", RED)} <= fills
    faults = [g for g in root.iter(f"{NS}g") if g.get("class") == "fault"]
    assert len(faults) == 2
    assert faults[0].find(f"{NS}line").get("stroke") == FAULT_RED
    assert "zpool_offline primary1:zfsprim" in "".join(faults[0].itertext())
    heals = [g for g in root.iter(f"{NS}g") if g.get("class") == "heal"]
    assert len(heals) == 1
    heal_line = heals[0].find(f"{NS}line")
    assert heal_line.get("stroke") == HEAL_GREEN and heal_line.get("stroke-dasharray")
    steps = next(g for g in root.iter(f"{NS}g") if g.get("class") == "steps")
    assert [r.find(f"{NS}title").text.split(":")[0] for r in steps.iter(f"{NS}rect")] == [
        "step baseline", "step inject", "step wait", "step heal",
    ]
    legend = " ".join("".join(g.itertext()) for g in root.iter(f"{NS}g") if g.get("class") == "legend")
    assert "fault injected" in legend and "fault healed" in legend and "FAULTED" in legend
    axis = "".join("".join(g.itertext()) for g in root.iter(f"{NS}g") if g.get("class") == "axis")
    assert "0" in axis and "100" in axis and "time [s" in axis


def test_band_geometry_follows_time():
    tl = Timeline()
    tl.add(0, "group", "g", "s1", None, "ONLINE")
    tl.add(50, "group", "g", "s1", "ONLINE", "OFFLINE")
    root = parse(tl.to_svg("t", t0=0, t1=100))
    online, offline = state_rects(root)
    assert float(online.get("width")) == pytest.approx(PLOT_W / 2, abs=0.2)
    assert float(offline.get("x")) == pytest.approx(float(online.get("x")) + PLOT_W / 2, abs=0.2)


def test_state_before_the_window_is_carried_into_it():
    tl = Timeline()
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(10, "group", "ldomsg", "primary1", "ONLINE", "PARTIAL")
    tl.add(20, "group", "other", "primary1", None, "ONLINE")
    tl.add(150, "group", "ldomsg", "primary1", "PARTIAL", "OFFLINE")
    for svg in (tl.to_svg("w", t0=100, t1=200), tl.window(100, 200).to_svg("w")):
        root = parse(svg)
        titles = band_titles(root)
        assert "ldomsg @ primary1: PARTIAL 100\u2013150 s" in titles
        assert "ldomsg @ primary1: OFFLINE 150\u2013200 s" in titles
        assert "other @ primary1: ONLINE 100\u2013200 s" in titles
        assert not any("ONLINE 0" in t for t in titles)


def test_a_lane_without_known_state_is_blank_until_its_first_event():
    tl = Timeline()
    tl.add(0, "group", "a", "s", None, "ONLINE")
    tl.add(40, "domain", "guest", "primary2", None, "active")
    root = parse(tl.to_svg("x", t0=0, t1=100))
    titles = band_titles(root)
    assert "guest @ primary2: active 40\u2013100 s" in titles
    assert len([t for t in titles if t.startswith("guest")]) == 1


def test_lanes_argument_selects_and_orders_lanes():
    tl = failover_timeline()
    root = parse(tl.to_svg("x", lanes=[("altio", "primary1"), ("ldomsg", "primary1"), ("missing", "s9")]))
    all_text = texts(root)
    assert not any(t.endswith("ldomsg @ primary2") for t in all_text)
    assert label_y(root, "altio @ primary1") < label_y(root, "ldomsg @ primary1") < label_y(root, "missing @ s9")
    assert "no data" in all_text


def test_names_are_escaped():
    tl = Timeline()
    nasty = 'a<b&c "q" \x01'
    tl.add(0, "group", nasty, "x>y", None, "ONLINE")
    tl.add(1, "fault", "nic_pull <eth0> & more")
    tl.add(2, "note", "n", detail="</svg><script>")
    svg = tl.to_svg("title <&>")
    root = parse(svg)
    all_text = texts(root)
    assert "title <&>" in all_text
    assert any(t.endswith('a<b&c "q" ? @ x>y') for t in all_text)
    assert any("nic_pull <eth0> & more" in t for t in all_text)
    assert "<script>" not in svg


def test_empty_timeline_still_draws():
    root = parse(Timeline().to_svg("nothing"))
    assert "no state changes recorded" in texts(root)


def test_two_hundred_events_stay_small():
    tl = Timeline()
    for i in range(200):
        kind = ("group", "resource", "fault", "heal", "io")[i % 5]
        state = ("ONLINE", "OFFLINE|FAULTED", "PARTIAL")[i % 3]
        tl.add(i * 3.0, kind, f"subject{i % 7}", f"system{i % 3}" if kind != "io" else None, None, state)
    svg = tl.to_svg("many events")
    parse(svg)
    assert len(svg.encode()) < 200_000


def test_a_repeated_state_does_not_split_a_band():
    tl = Timeline()
    tl.add(0, "io", "guest1", None, None, "ok")
    tl.add(30, "io", "guest1", None, "ok", "ok")
    tl.add(60, "io", "guest1", None, "ok", "lost")
    assert band_titles(parse(tl.to_svg("x", t0=0, t1=100))) == ["guest1: ok 0\u201360 s", "guest1: lost 60\u2013100 s"]
