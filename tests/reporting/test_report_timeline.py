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


def groups_of(root: ET.Element, cls: str) -> list[ET.Element]:
    return [g for g in root.iter(f"{NS}g") if g.get("class") == cls]


def lane(root: ET.Element, label: str) -> ET.Element:
    """The lane drawn for `label` ("subject @ system", or the subject of a lane without a system)."""
    found = [g for g in groups_of(root, "lane") if g.get("data-lane") == label]
    assert len(found) == 1, f"lane {label!r}: {[g.get('data-lane') for g in groups_of(root, 'lane')]}"
    return found[0]


def lane_labels(root: ET.Element) -> list[str]:
    """The lanes top to bottom."""
    return [g.get("data-lane") for g in groups_of(root, "lane")]


def label_y(root: ET.Element, label: str) -> float:
    for t in lane(root, label).iter(f"{NS}text"):
        if t.get("text-anchor") == "end":
            return float(t.get("y"))
    raise AssertionError(f"no lane label {label!r}")


def visible_label(root: ET.Element, label: str) -> str:
    for t in lane(root, label).iter(f"{NS}text"):
        if t.get("text-anchor") == "end":
            title = t.find(f"{NS}title")
            assert title is not None and title.text == label
            return title.tail or ""
    raise AssertionError(f"no lane label {label!r}")


def lane_bands(root: ET.Element, label: str) -> list[tuple[str, str | None, float, float]]:
    """(state, where, x, x + width) of the lane's bands, left to right."""
    return [(r.get("data-state"), r.get("data-where"), float(r.get("x")), float(r.get("x")) + float(r.get("width")))
            for r in lane(root, label).iter(f"{NS}rect") if r.get("data-state") is not None]


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
    # grouped by system (the guest's I/O first), a system's lanes by kind: system, group, resource
    assert lane_labels(root) == ["guest1", "primary1", "ldomsg @ primary1", "altio @ primary1", "ldomsg @ primary2"]
    assert [g.get("data-group") for g in groups_of(root, "group-header")] == ["guest I/O", "primary1", "primary2"]
    ys = [label_y(root, lbl) for lbl in lane_labels(root)]
    assert ys == sorted(ys)
    # under its system's header a lane is named by its subject (the whole name in its tooltip)
    assert [visible_label(root, lbl) for lbl in lane_labels(root)] == ["guest1", "primary1", "ldomsg", "altio", "ldomsg"]
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
    for svg in (tl.to_svg("w", t0=100, t1=200, fold=False), tl.window(100, 200).to_svg("w", fold=False)):
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
    assert [g.get("data-group") for g in groups_of(root, "group-header")] == ["x>y"]
    assert "x>y" in all_text and any('a<b&c "q" ?' in t for t in all_text)
    assert 'a<b&c "q" ? @ x>y: ONLINE' in "".join(groups_of(root, "fold")[0].itertext())
    assert 'a<b&c "q" ? @ x>y' in lane_labels(parse(tl.to_svg("t", fold=False)))
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


# --- the picture tells the truth: guest I/O, the end, the zoom, groups and folds ------------------------


def io_failover_timeline() -> Timeline:
    """The guest's I/O as the targets record it through a failover: seen from node1, from no node while
    the guest runs nowhere, then from node2 (lost while it boots, then ok)."""
    tl = Timeline()
    tl.add(0, "domain", "ldg1", "node1", None, "active")
    tl.add(0, "io", "ldg1 storage", "node1", None, "ok")
    tl.add(10, "step", "inject")
    tl.add(10, "fault", "domain_kill primary1")
    tl.add(65, "domain", "ldg1", "node1", "active", "inactive")
    tl.add(65, "io", "ldg1 storage", None, None, "lost")
    tl.add(70, "io", "ldg1 storage", "node2", None, "lost")
    tl.add(80, "io", "ldg1 storage", "node2", None, "ok")
    return tl


def test_guest_io_is_one_lane_that_says_where_the_guest_runs():
    root = parse(io_failover_timeline().window(0, 100).to_svg("failover"))
    assert [lbl for lbl in lane_labels(root) if "storage" in lbl] == ["ldg1 storage"]
    assert lane(root, "ldg1 storage").get("data-group") == "guest I/O"
    bands = lane_bands(root, "ldg1 storage")
    assert [(state, where) for state, where, *_ in bands] == [
        ("ok", "node1"), ("lost", None), ("lost", "node2"), ("ok", "node2")]
    assert bands[-1][3] == pytest.approx(max(b[3] for b in bands))  # ends ok, not "lost" nor a stale node
    assert not any("ldg1 storage @ node1" in t or "ldg1 storage @ node2" in t for t in texts(root))


def test_a_guest_io_lane_ends_when_the_io_is_seen_from_another_node():
    tl = io_failover_timeline()
    assert tl.state_at("ldg1 storage", "node1", 50) == "ok"
    assert tl.state_at("ldg1 storage", None, 67) == "lost"
    assert tl.state_at("ldg1 storage", "node1", 90) is None  # not "ok" on a node the guest left
    assert tl.state_at("ldg1 storage", None, 90) is None  # not "lost" once the guest runs on node2
    assert tl.state_at("ldg1 storage", "node2", 90) == "ok"
    assert tl.state_at("ldg1", "node1", 90) == "inactive"  # a domain lane is not an I/O lane


def test_a_window_after_a_failover_carries_only_where_the_guest_io_is():
    win = io_failover_timeline().window(85, 100)
    assert {k: v for k, v in win.initial.items() if v[0] == "io"} == {("ldg1 storage", "node2"): ("io", "ok")}
    root = parse(win.to_svg("after"))
    assert not any(r.get("fill") == RED for r in root.iter(f"{NS}rect"))
    assert "ok @ node2 \u00d72: ldg1 storage" not in "".join(root.itertext())  # one lane, folded
    assert "ok @ node2: ldg1 storage" in "".join(g for f in groups_of(root, "fold") for g in f.itertext())


def test_a_change_at_the_end_of_the_window_shows_the_final_state_after_it():
    tl = Timeline()
    tl.add(0, "group", "ldomsg", "primary2", None, "OFFLINE")
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(50, "group", "ldomsg", "primary1", "ONLINE", "OFFLINE")
    tl.add(60, "group", "ldomsg", "primary2", "OFFLINE", "OFFLINE|STARTING")
    tl.add(80, "group", "ldomsg", "primary2", "OFFLINE|STARTING", "ONLINE")  # the failover ends the window
    root = parse(tl.window(0, 80).to_svg("S4"))
    starting = next(b for b in lane_bands(root, "ldomsg @ primary2") if b[0] == "OFFLINE|STARTING")
    finals = {g.get("data-lane"): r for g in groups_of(root, "lane") for r in g.iter(f"{NS}rect")
              if r.get("data-final") is not None}
    assert {k: r.get("data-final") for k, r in finals.items()} == {
        "ldomsg @ primary1": "OFFLINE", "ldomsg @ primary2": "ONLINE"}
    chip = finals["ldomsg @ primary2"]
    assert float(chip.get("x")) >= starting[3] and float(chip.get("width")) >= 60
    assert "final state" in "".join(groups_of(root, "end")[0].itertext())
    # a window that goes on after the last change needs no margin
    later = parse(tl.window(0, 200).to_svg("S4"))
    assert not groups_of(later, "end") and not any(r.get("data-final") for r in later.iter(f"{NS}rect"))


def quiet_failover(quiet: float) -> Timeline:
    """Fault at 15, AlternateIO faulted at 65 (detection), the LDom group online elsewhere at 80, then
    `quiet` seconds in which nothing changes before the heal."""
    tl = Timeline()
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(0, "group", "ldomsg", "primary2", None, "OFFLINE")
    tl.add(0, "resource", "altio", "primary1", None, "ONLINE")
    tl.add(15, "step", "inject")
    tl.add(15, "fault", "zpool_offline primary1:zfsprim")
    tl.add(65, "resource", "altio", "primary1", "ONLINE", "FAULTED")
    tl.add(65, "group", "ldomsg", "primary1", "ONLINE", "OFFLINE")
    tl.add(80, "group", "ldomsg", "primary2", "OFFLINE", "ONLINE")
    tl.add(80 + quiet, "step", "heal")
    tl.add(80 + quiet, "heal", "zpool_offline primary1:zfsprim")
    return tl


def test_a_long_quiet_stretch_is_compressed_so_that_fault_to_settle_fills_the_picture():
    root = parse(quiet_failover(700).window(0, 780).to_svg("780 s"))
    breaks = groups_of(root, "break")
    assert len(breaks) == 1
    assert float(breaks[0].get("data-from")) >= 80 and float(breaks[0].get("data-to")) <= 780
    assert "\u2248" in "".join(breaks[0].itertext())
    fault_x = float(groups_of(root, "fault")[0].find(f"{NS}line").get("x1"))
    detect_x = lane_bands(root, "altio @ primary1")[0][3]
    failover_x = lane_bands(root, "ldomsg @ primary2")[0][3]
    assert failover_x - fault_x > 0.5 * PLOT_W  # was 65 s of 780: 8 % of the plot
    # the stretch from the fault to the settle is drawn to scale
    assert (detect_x - fault_x) / (failover_x - detect_x) == pytest.approx(50 / 15, rel=0.01)
    # a window that is mostly action is not compressed
    assert not groups_of(parse(quiet_failover(20).window(0, 100).to_svg("100 s")), "break")
    # nor one where everything happened at the fault's own instant (a domain killed, then quiet)
    tl = Timeline()
    tl.add(0, "system", "alternate2", None, None, "RUNNING")
    tl.add(15, "step", "inject")
    tl.add(15, "system", "alternate2", None, "RUNNING", "FAULTED")
    tl.add(15, "fault", "domain_kill alternate2")
    assert not groups_of(parse(tl.window(15, 195).to_svg("D1")), "break")


def test_the_detection_delay_is_never_compressed():
    tl = Timeline()
    tl.add(0, "resource", "zpres1", "primary1", None, "ONLINE")
    tl.add(15, "step", "inject")
    tl.add(15, "fault", "zpool_offline primary1:zfsprim")
    tl.add(60, "resource", "zpres1", "primary1", "ONLINE", "FAULTED")
    tl.add(195, "heal", "zpool_offline primary1:zfsprim")
    root = parse(tl.window(0, 195).to_svg("S2"))
    (brk,) = groups_of(root, "break")
    assert float(brk.get("data-from")) >= 60  # only the quiet window after the detection


def test_lanes_are_grouped_by_system_and_ordered_by_kind_then_name():
    tl = Timeline()
    tl.add(0, "domain", "ldg1", "node1", None, "active")
    tl.add(1, "resource", "zpres1", "primary1", None, "ONLINE")
    tl.add(2, "group", "ldomsg", "primary2", None, "OFFLINE")
    tl.add(3, "system", "primary1", None, None, "RUNNING")
    tl.add(4, "group", "aiosg", "primary1", None, "ONLINE")
    tl.add(5, "io", "ldg1 network", "node1", None, "ok")
    tl.add(6, "resource", "altiores", "primary1", None, "ONLINE")
    tl.add(7, "group", "ldomsg", "primary1", None, "ONLINE")
    root = parse(tl.to_svg("groups", t0=0, t1=100, fold=False))
    assert [g.get("data-group") for g in groups_of(root, "group-header")] == ["guest I/O", "node1", "primary1",
                                                                              "primary2"]
    assert lane_labels(root) == ["ldg1 network", "ldg1 @ node1", "primary1", "aiosg @ primary1",
                                 "ldomsg @ primary1", "altiores @ primary1", "zpres1 @ primary1",
                                 "ldomsg @ primary2"]
    assert lane(root, "primary1").get("data-group") == "primary1"  # a system's own lane heads its group
    assert lane(root, "ldomsg @ primary2").get("data-group") == "primary2"


def test_unchanged_lanes_fold_into_one_line_per_system_and_forty_lanes_stay_readable():
    tl = Timeline()
    for i in range(38):
        tl.add(0, "resource", f"res{i:02d}", f"primary{i % 3 + 1}", None, "OFFLINE" if i % 10 == 0 else "ONLINE")
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(0, "io", "ldg1 storage", "node1", None, "ok")
    tl.add(10, "step", "inject")
    tl.add(10, "fault", "zpool_offline primary1:zfsprim")
    tl.add(50, "group", "ldomsg", "primary1", "ONLINE", "OFFLINE|FAULTED")
    tl.add(55, "io", "ldg1 storage", None, None, "lost")
    root = parse(tl.window(0, 100).to_svg("40 lanes"))
    assert lane_labels(root) == ["ldg1 storage", "ldomsg @ primary1"]
    folds = {g.get("data-group"): g for g in groups_of(root, "fold")}
    assert sorted(folds) == ["primary1", "primary2", "primary3"]
    assert sum(int(g.get("data-count")) for g in folds.values()) == 38
    text = "".join(folds["primary1"].itertext())
    assert "unchanged" in text and "ONLINE \u00d7" in text and "OFFLINE" in text
    assert "res03 @ primary1: ONLINE" in folds["primary1"].find(f"{NS}title").text
    assert int(root.get("width")) <= 1400 and int(root.get("height")) < 400
    assert len(lane_labels(parse(tl.window(0, 100).to_svg("all", fold=False)))) == 40


def test_milestones_are_drawn_after_the_injection():
    tl = failover_timeline()  # injected at 5, AlternateIO faulted at 65, online on primary2 at 90
    root = parse(tl.to_svg("S4", milestones={"detected": 60.0, "failed over": 85.0, "never": None}))
    marks = groups_of(root, "milestone")
    # the last change before the heal is the failover: it is also where the lab settled
    assert [g.find(f"{NS}text").text for g in marks] == [
        "detected +60 s", "failed over, settled +85 s"]
    detected_x = float(marks[0].find(f"{NS}line").get("x1"))
    faulted = next(b for b in lane_bands(root, "altio @ primary1") if b[0] == "FAULTED")
    assert detected_x == pytest.approx(faulted[2], abs=0.2)
    assert "milestone" in "".join(groups_of(root, "legend")[0].itertext())


def test_a_fault_that_opens_the_window_keeps_the_state_before_it():
    tl = Timeline()
    tl.add(0, "group", "ldomsg", "primary1", None, "ONLINE")
    tl.add(0, "group", "other", "primary1", None, "ONLINE")
    tl.add(15, "step", "baseline")
    tl.add(15, "step", "inject")
    tl.add(15, "group", "ldomsg", "primary1", "ONLINE", "OFFLINE|FAULTED")  # a lab records the fault after
    tl.add(15, "fault", "domain_kill primary1")
    tl.add(30, "group", "ldomsg", "primary2", "OFFLINE", "ONLINE")
    root = parse(tl.window(15, 45).to_svg("D3"))
    before = [r for r in lane(root, "ldomsg @ primary1").iter(f"{NS}rect") if r.get("data-before")]
    assert [r.get("data-before") for r in before] == ["ONLINE"]
    faulted = lane_bands(root, "ldomsg @ primary1")[0]
    assert faulted[0] == "OFFLINE|FAULTED" and faulted[2] >= float(before[0].get("x")) + float(before[0].get("width"))
    assert "before the fault" in "".join(groups_of(root, "lead")[0].itertext())
    assert "other" not in [lbl.split(" @")[0] for lbl in lane_labels(root)]  # unchanged: folded


def test_a_lane_first_seen_changing_was_in_its_old_state_before():
    tl = Timeline()
    tl.add(0, "group", "a", "s", None, "ONLINE")
    tl.add(40, "group", "b", "s", "OFFLINE", "ONLINE")
    assert [t for t in band_titles(parse(tl.to_svg("x", t0=0, t1=100))) if t.startswith("b")] == [
        "b @ s: OFFLINE 0\u201340 s", "b @ s: ONLINE 40\u2013100 s"]


def test_what_a_heal_changes_at_once_is_not_the_settle():
    tl = Timeline()
    tl.add(0, "domain", "primary", "node1", None, "active")
    tl.add(0, "group", "ldomsg", "primary2", None, "OFFLINE")
    tl.add(15, "step", "inject")
    tl.add(15, "domain", "primary", "node1", "active", "bound")  # the kill, recorded before its fault
    tl.add(15, "fault", "domain_kill primary1")
    tl.add(30, "group", "ldomsg", "primary2", "OFFLINE", "ONLINE")
    tl.add(195, "step", "heal")
    tl.add(195, "domain", "primary", "node1", "bound", "active")  # the heal, recorded before it too
    tl.add(195, "heal", "domain_kill primary1")
    root = parse(tl.window(15, 210).to_svg("D3", milestones={"detected": 0.0, "failed over": 15.0}))
    assert [g.find(f"{NS}text").text for g in groups_of(root, "milestone")] == [
        "detected +0 s", "failed over, settled +15 s"]
    (brk,) = groups_of(root, "break")  # the quiet stretch between the failover and the heal
    assert 30 <= float(brk.get("data-from")) < float(brk.get("data-to")) <= 195
