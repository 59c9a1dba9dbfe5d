"""Timeline of one scenario: what was injected, healed and seen, on the target's clock.

The harness appends an `Event` for every fault, heal, step and state change it observes; the
suites read timings from it (`first`), and the report draws it (`to_svg`) so that an engineer sees
at a glance which group, resource, domain or guest I/O path changed state, and when, relative to
the faults. Times are seconds on the target's clock (virtual seconds in `sim`).
"""

from __future__ import annotations

import bisect
import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass
from xml.sax.saxutils import escape

KINDS = ("fault", "heal", "group", "resource", "system", "domain", "io", "step", "note")
STATE_KINDS = ("group", "resource", "system", "domain", "io")
"""Kinds drawn as lanes of coloured state bands; the others are markers."""


class TimelineError(ValueError):
    """An event that cannot be recorded (unknown kind, time that is not a number)."""


@dataclass(frozen=True)
class Event:
    t: float
    kind: str
    subject: str
    system: str | None = None
    old: str | None = None
    new: str | None = None
    detail: str = ""


LaneKey = tuple[str, str | None]


class Timeline:
    """Events in time order (ties keep the order they were added in)."""

    def __init__(
        self,
        events: Iterable[Event] = (),
        *,
        start: float | None = None,
        end: float | None = None,
        initial: dict[LaneKey, tuple[str, str]] | None = None,
    ) -> None:
        self.events: list[Event] = []
        self.start = start
        self.end = end
        # Lane state known before the first event (set by `window`): key -> (kind, state).
        self.initial: dict[LaneKey, tuple[str, str]] = dict(initial or {})
        for event in events:
            self._insert(event)

    def __len__(self) -> int:
        return len(self.events)

    def __iter__(self):
        return iter(self.events)

    def add(
        self,
        t: float,
        kind: str,
        subject: str,
        system: str | None = None,
        old: str | None = None,
        new: str | None = None,
        detail: str = "",
    ) -> Event:
        """Record an event; out-of-order times are placed where they belong."""
        if kind not in KINDS:
            raise TimelineError(f"unknown event kind {kind!r}; expected one of {', '.join(KINDS)}")
        try:
            t = float(t)
        except (TypeError, ValueError):
            raise TimelineError(f"event time must be a number of seconds, got {t!r}") from None
        if not math.isfinite(t):
            raise TimelineError(f"event time must be finite, got {t!r}")
        event = Event(t, kind, str(subject), system, old, new, detail or "")
        self._insert(event)
        return event

    def _insert(self, event: Event) -> None:
        bisect.insort_right(self.events, event, key=lambda e: e.t)

    def since(self, t0: float) -> list[Event]:
        """Events at or after t0."""
        return [e for e in self.events if e.t >= t0]

    def window(self, t0: float, t1: float) -> Timeline:
        """Events within [t0, t1], remembering each lane's last state before t0 (for drawing)."""
        if t1 < t0:
            raise TimelineError(f"window end {t1} is before its start {t0}")
        carried = dict(self.initial)
        for e in self.events:
            if e.t >= t0:
                break
            if e.kind in STATE_KINDS and e.new is not None:
                if e.kind == "io":  # the guest's I/O is seen on one node at a time: the others ended
                    for key in [k for k, (kind, _) in carried.items() if kind == "io" and k[0] == e.subject]:
                        del carried[key]
                carried[(e.subject, e.system)] = (e.kind, e.new)
        inside = [e for e in self.events if t0 <= e.t <= t1]
        return Timeline(inside, start=t0, end=t1, initial=carried)

    def first(
        self,
        kind: str,
        subject: str | None = None,
        system: str | None = None,
        new: str | Iterable[str] | None = None,
        after: float = 0.0,
        old: str | Iterable[str] | None = None,
    ) -> Event | None:
        """The first event at or after `after` that matches every criterion given.

        `new` and `old` take one state or several (e.g. the first time AlternateIO left ONLINE:
        `first("resource", "altio", system="primary1", old="ONLINE", after=t_inject)`).
        """
        news = _as_set(new)
        olds = _as_set(old)
        for e in self.events:
            if e.t < after or e.kind != kind:
                continue
            if subject is not None and e.subject != subject:
                continue
            if system is not None and e.system != system:
                continue
            if news is not None and e.new not in news:
                continue
            if olds is not None and e.old not in olds:
                continue
            return e
        return None

    def state_at(self, subject: str, system: str | None, t: float) -> str | None:
        """State of a lane at time t (the last state change at or before t), None when unknown.

        A guest I/O lane ("io": the guest's storage or network as seen where the guest runs, or with
        no system while it runs nowhere) ends when the same I/O is next seen elsewhere: "ldg1 storage"
        on node1 has no state once the guest's storage is reported from node2."""
        kind, state = self.initial.get((subject, system), (None, None))
        for e in self.events:
            if e.t > t:
                break
            if e.kind not in STATE_KINDS or e.subject != subject or e.new is None:
                continue
            if e.system == system:
                kind, state = e.kind, e.new
            elif e.kind == "io" and kind in (None, "io"):
                state = None
        return state

    def lanes(self) -> list[LaneKey]:
        """Lane keys (subject, system) of the state kinds, by first appearance."""
        seen: dict[LaneKey, None] = {key: None for key in self.initial}
        for e in self.events:
            if e.kind in STATE_KINDS:
                seen.setdefault((e.subject, e.system), None)
        return list(seen)

    def to_jsonable(self) -> list[dict]:
        return [asdict(e) for e in self.events]

    def to_svg(
        self,
        title: str,
        t0: float | None = None,
        t1: float | None = None,
        lanes: list[tuple[str, str | None]] | None = None,
        *,
        milestones: Mapping[str, float | None] | None = None,
        fold: bool | None = None,
    ) -> str:
        """A self-contained SVG picture of the timeline between t0 and t1 (see `_Drawing`).

        `lanes` picks the lanes and their order (default: every lane, grouped by system, a system's
        lanes by kind). `milestones` names instants in seconds after the fault injection (e.g.
        `{"detected": 50.0, "failed over": 65.0}`, results.json's detect_s and failover_s; None is
        skipped), drawn as markers. `fold` (default: when `lanes` is not given) folds the lanes that do
        not change in the window into one line per system that lists them with their state."""
        return _Drawing(self, title, t0, t1, lanes, milestones=milestones, fold=fold).render()


def _as_set(value: str | Iterable[str] | None) -> set[str] | None:
    if value is None:
        return None
    if isinstance(value, str):
        return {value}
    return set(value)


# --- drawing -------------------------------------------------------------------------------------

GREEN = "#2e9e44"
GREY = "#9aa0a6"
RED = "#d93025"
AMBER = "#f2a900"
PURPLE = "#8e44ad"
BLUE = "#5b8def"
FAULT_RED = "#c5221f"
HEAL_GREEN = "#188038"
MILESTONE_BLUE = "#1a56c4"

STATE_CLASSES = (
    # (class, colour, legend text); checked in this order
    ("unknown", PURPLE, "UNKNOWN"),
    ("faulted", RED, "FAULTED / lost"),
    ("transition", AMBER, "PARTIAL / STARTING / STOPPING / waiting"),
    ("online", GREEN, "ONLINE / running / ok"),
    ("offline", GREY, "OFFLINE / stopped"),
    ("other", BLUE, "other state"),
)
_CLASS_COLOUR = {name: colour for name, colour, _ in STATE_CLASSES}
_TRANSITION_WORDS = ("PARTIAL", "START", "STOP", "WAIT", "GOING", "LEAV", "INIT", "BUILD", "DISCOVER", "TRANSITION")
_ONLINE_WORDS = {"ONLINE", "RUNNING", "ACTIVE", "OK", "UP", "NORMAL"}
_OFFLINE_WORDS = {"OFFLINE", "EXITED", "INACTIVE", "BOUND", "STOPPED", "DOWN", "GONE", "ABSENT"}
_FAULTED_WORDS = ("FAULTED", "LOST", "FAILED", "ERROR")

STEP_COLOURS = {
    "baseline": "#748ffc",
    "inject": "#f76707",
    "wait": "#74c0fc",
    "assert": "#9775fa",
    "heal": "#20c997",
}
_STEP_OTHER = "#868e96"

KIND_ORDER = ("system", "group", "resource", "domain", "io")
"""Order of a system's lanes in the picture."""


def state_class(state: str) -> str:
    """Colour class of a state as VCS, ldm or the I/O probe spell it (e.g. "OFFLINE|FAULTED")."""
    s = state.upper()
    if "UNKNOWN" in s:
        return "unknown"
    if any(w in s for w in _FAULTED_WORDS):
        return "faulted"
    tokens = set(re.split(r"[|\s,]+", s.strip()))
    if any(w in s for w in _TRANSITION_WORDS) or any(tok.startswith("W_") for tok in tokens):
        return "transition"
    if tokens & _ONLINE_WORDS:
        return "online"
    if tokens & _OFFLINE_WORDS:
        return "offline"
    return "other"


def state_colour(state: str) -> str:
    return _CLASS_COLOUR[state_class(state)]


_INVALID_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def xml_text(value: object) -> str:
    """Text safe inside an XML element or a double-quoted attribute."""
    return escape(_INVALID_XML.sub("?", str(value)), {'"': "&quot;", "'": "&apos;"})


FONT = "DejaVu Sans, Verdana, Arial, Helvetica, sans-serif"
CHAR_W = 6.6  # mean advance of an 11px sans-serif glyph, for layout estimates
PLOT_W = 980
"""Width of the plot (the time axis, its compressed stretches and the final-state margin), in px."""
LANE_H = 20
LANE_GAP = 5
ROW_H = LANE_H + LANE_GAP
HEADER_H = 20
FOLD_H = 20
STEP_H = 12
MARKER_ROW_H = 13
MAX_LABEL_CHARS = 40
BREAK_W = 64
"""Width of a compressed quiet stretch (a broken axis), in px."""
MARGIN_W = 110
"""Width of the final-state margin drawn after the end when the last change is at the end, in px."""
QUIET_FACTOR = 2.0
"""A stretch without any change is compressed when longer than this many times fault-to-settle..."""
QUIET_MIN_FRACTION = 0.15
"""...and than this fraction of the window."""


def _fmt_s(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value))}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def nice_step(span: float, target_ticks: int = 10) -> float:
    """A tick step of 1, 2, 2.5 or 5 times a power of ten giving about `target_ticks` ticks over `span`."""
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _truncate(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: max(chars - 1, 0)] + "\u2026"


def _natural(text: str) -> list:
    return [int(part) if part.isdigit() else part.lower() for part in re.split(r"(\d+)", text)]


@dataclass
class _Band:
    start: float
    end: float
    state: str
    where: str | None = None  # guest I/O lanes: the node the I/O was seen from (None: the guest ran nowhere)

    @property
    def text(self) -> str:
        return f"{self.state} @ {self.where}" if self.where else self.state


@dataclass
class _Lane:
    key: LaneKey
    kind: str
    merged: bool  # a guest I/O lane over every node: its bands say where the I/O was seen
    bands: list[_Band]
    changes: list[Event]  # the events within the window that changed what the lane shows
    before: _Band | None = None  # the state before the step or fault that opens the window at its start

    @property
    def label(self) -> str:
        subject, system = self.key
        return f"{subject} @ {system}" if system else subject

    @property
    def group(self) -> str | None:
        if self.merged:
            return None
        if self.kind == "system":
            return self.key[1] or self.key[0]
        return self.key[1]


@dataclass
class _Row:
    kind: str  # "header" (a system's name), "lane", "fold" (its unchanged lanes), "header+fold"
    y: float
    height: float
    group: str | None = None
    lane: _Lane | None = None
    folded: list[_Lane] | None = None


@dataclass
class _Segment:
    """A stretch of the time axis: drawn to scale, or compressed to BREAK_W (a quiet stretch)."""

    a: float
    b: float
    xa: float
    xb: float
    compressed: bool


class _Drawing:
    """Lays out one timeline: title, marker labels, step band, lanes grouped by system, x axis, legend.

    Lanes are grouped by system (the guest's I/O, seen from whichever node runs it, in a group of its
    own), a system's lanes ordered by kind then name; the lanes that do not change in the window fold
    into one line per system. The state of a lane before its first event within the window is its
    last known state before t0 (carried over); a lane with no known state yet is blank until its first
    event. A stretch in which nothing changes, long against the fault-to-settle span, is compressed
    (a broken axis), so that the fault, the detection, the failover and the settled state fill the
    picture; when the last change is at the end, a margin after it shows the final state of every
    lane, and when the window opens with a fault (or a step) that changes lanes at once, a margin
    before it shows their state before. Milestones (e.g. "detected +50 s") are markers placed in
    seconds after the injection; "settled" is the last change before the heal.
    """

    def __init__(
        self,
        timeline: Timeline,
        title: str,
        t0: float | None,
        t1: float | None,
        lanes: list[tuple[str, str | None]] | None,
        *,
        milestones: Mapping[str, float | None] | None = None,
        fold: bool | None = None,
    ) -> None:
        self.timeline = timeline
        self.title = title
        events = timeline.events
        auto_t0 = timeline.start if timeline.start is not None else (events[0].t if events else 0.0)
        auto_t1 = timeline.end if timeline.end is not None else (events[-1].t if events else 1.0)
        self.t0 = float(t0) if t0 is not None else auto_t0
        self.t1 = float(t1) if t1 is not None else auto_t1
        if self.t1 <= self.t0:
            self.t1 = self.t0 + 1.0
        self.explicit = lanes is not None
        # A step or fault at the very start of the window (the lab's clock did not move before it):
        # what follows it at that instant is a change, and the state before it is drawn in a margin
        # before the axis (the lead).
        self._opening = next((e for e in events if e.t == self.t0 and e.kind in ("step", "fault")), None)
        self.fold = (not self.explicit) if fold is None else fold
        self.lanes = self._lanes(lanes)
        self.steps = self._steps()
        self.markers = [e for e in events if e.kind in ("fault", "heal", "note") and self.t0 <= e.t <= self.t1]
        self.t_ref, self.settle = self._fault_and_settle()
        self.milestones = self._milestones(milestones or {})
        self.groups = self._groups()
        labels = [_truncate(lane.key[0], MAX_LABEL_CHARS) for lane in self.lanes]
        heads = [self._group_name(g) for g, _ in self.groups]
        label_chars = max([len(t) for t in labels] + [len(h) + 2 for h in heads] + [12])
        self.label_w = int(min(label_chars, MAX_LABEL_CHARS) * CHAR_W) + 70
        self.plot_x = self.label_w
        self.width = self.plot_x + PLOT_W + 20
        self.lead = self._opening is not None and any(
            e.t <= self.t0 for lane in self.lanes for e in lane.changes)
        self.lead_label = self._lead_label() if self.lead else ""
        self.segments, self.margin = self._axis()

    def _lead_label(self) -> str:
        """"before the fault" when the changes at the start all follow the fault (or its "inject"
        step), else "before" the step that opens the window (e.g. the baseline that moves the guest)."""
        events = self.timeline.events
        index = {id(e): i for i, e in enumerate(events)}
        fault = next((i for i, e in enumerate(events) if e.t == self.t0 and (
            e.kind == "fault" or e.kind == "step" and e.subject == "inject")), None)
        first_change = min(index[id(e)] for lane in self.lanes for e in lane.changes if e.t <= self.t0)
        if fault is not None and fault < first_change:
            return "before the fault"
        opening = self._opening
        assert opening is not None
        return f"before {opening.subject}" if opening.kind == "step" else "before the fault"

    # -- data -----------------------------------------------------------------------------------
    def _lanes(self, wanted: list[LaneKey] | None) -> list[_Lane]:
        tl = self.timeline
        kinds: dict[LaneKey, str] = {key: kind for key, (kind, _) in tl.initial.items()}
        for e in tl.events:
            if e.t > self.t1:
                break
            if e.kind in STATE_KINDS:
                kinds.setdefault((e.subject, e.system), e.kind)
        io_subjects = {subject for (subject, _), kind in kinds.items() if kind == "io"}
        if wanted is None:
            # a guest's I/O is one lane whatever node it is seen from: its bands say where
            keys = list(dict.fromkeys((s, None) if kind == "io" else (s, sys) for (s, sys), kind in kinds.items()))
        else:
            keys = [(s, sys) for s, sys in wanted]
        out = []
        for key in keys:
            kind = kinds.get(key) or ("io" if key[1] is None and key[0] in io_subjects else "")
            out.append(self._lane(key, kind, merged=kind == "io" and key[1] is None))
        return out

    def _lane(self, key: LaneKey, kind: str, merged: bool) -> _Lane:
        """The lane's bands and its changes within the window. What happens at the very start of the
        window is the state the window starts in, unless it follows a fault injected at that instant
        (the window opens with the fault): then it is a change, and the state before it is kept."""
        subject, system = key
        value: tuple[str, str | None] | None = None  # (state, where) now; None: no state (blank)
        for (s, sy), (k, state) in self.timeline.initial.items():
            if s == subject and (sy == system or (merged and k == "io")):
                value = (state, sy if merged else None)
        bands: list[_Band] = []
        changes: list[Event] = []
        cursor = self.t0
        opening = self._opening
        past_opening = False
        seen = value is not None
        before: _Band | None = None
        for e in self.timeline.events:
            if e.t > self.t1:
                break
            if e is opening:
                past_opening = True
                before = _Band(self.t0, self.t0, *value) if value is not None else None
            if e.kind not in STATE_KINDS or e.subject != subject or e.new is None:
                continue
            if merged:
                if e.kind != "io":
                    continue
                new: tuple[str, str | None] | None = (e.new, e.system)
            elif e.system == system:
                new = (e.new, None)
            elif e.kind == "io" and kind == "io":
                new = None  # the guest's I/O is seen from another node now: this lane has ended
            else:
                continue
            if not seen and value is None and e.old is not None and not merged:
                value = (e.old, None)  # the lane's first event says what it was before
                if past_opening:
                    before = _Band(self.t0, self.t0, *value)
            seen = True
            if new == value:
                continue  # a repeated state is not a change
            if e.t >= self.t0:
                if value is not None and e.t > cursor:
                    bands.append(_Band(cursor, e.t, *value))
                if e.t > self.t0 or past_opening:
                    changes.append(e)
                cursor = e.t
            value = new
        if value is not None:
            bands.append(_Band(cursor, max(self.t1, cursor), *value))
        return _Lane(key, kind, merged, bands, changes, before)

    def _steps(self) -> list[_Band]:
        steps = [e for e in self.timeline.events if e.kind == "step" and e.t <= self.t1]
        bands: list[_Band] = []
        for i, e in enumerate(steps):
            end = steps[i + 1].t if i + 1 < len(steps) else self.t1
            start = max(e.t, self.t0)
            if end < self.t0 or end <= start and i + 1 < len(steps):
                continue
            bands.append(_Band(start, max(end, start), e.subject))
        return bands

    def _fault_and_settle(self) -> tuple[float | None, Event | None]:
        """The injection (the window's first "inject" step, else its first fault) and the settle: the
        last change between the injection and the heal that follows it (its "heal" step or, without
        one, the heal itself), or the end. A lab records a fault or a heal once done, after what it
        changed at once: the steps, recorded before, are the boundaries when there are some."""
        events = self.timeline.events
        inside = range(len(events))
        first = next((i for i in inside if events[i].kind == "fault" and self.t0 <= events[i].t <= self.t1), None)
        inject = next((i for i in inside if events[i].kind == "step" and events[i].subject == "inject"
                       and self.t0 <= events[i].t <= self.t1), None)
        if first is None:
            return (events[inject].t if inject is not None else None), None
        start = inject if inject is not None and inject < first else first
        heal = next((i for i in range(start, len(events)) if events[i].kind == "heal"
                     or events[i].kind == "step" and events[i].subject == "heal"), len(events))
        changed = {id(e) for lane in self.lanes for e in lane.changes}
        settle = next((events[i] for i in range(heal - 1, start, -1) if id(events[i]) in changed), None)
        return events[start].t, settle

    def _milestones(self, given: Mapping[str, float | None]) -> list[tuple[float, str]]:
        """(time, label) of the named instants, those at the same time merged into one label."""
        if self.t_ref is None:
            return []
        at: dict[float, list[str]] = {}
        for name, offset in given.items():
            if offset is not None and math.isfinite(float(offset)):
                t = self.t_ref + float(offset)
                if self.t0 <= t <= self.t1:
                    at.setdefault(t, []).append(str(name))
        one_scenario = sum(1 for e in self.timeline.events
                           if e.kind == "step" and e.subject == "inject" and self.t0 <= e.t <= self.t1) <= 1
        if self.settle is not None and one_scenario:
            at.setdefault(self.settle.t, []).append("settled")
        return [(t, f"{', '.join(names)} +{_fmt_s(round(t - self.t_ref, 3))} s") for t, names in sorted(at.items())]

    def _groups(self) -> list[tuple[str | None, list[_Lane]]]:
        """Lanes by system: the systems in order of first appearance (the no-system group first); a
        system's lanes by kind then name, or in the order asked for."""
        groups: dict[str | None, list[_Lane]] = {}
        if not self.explicit and any(lane.group is None for lane in self.lanes):
            groups[None] = []
        for lane in self.lanes:
            groups.setdefault(lane.group, []).append(lane)
        if not self.explicit:
            for lanes in groups.values():
                lanes.sort(key=lambda ln: (KIND_ORDER.index(ln.kind) if ln.kind in KIND_ORDER else len(KIND_ORDER),
                                           _natural(ln.key[0]), _natural(ln.key[1] or "")))
        return list(groups.items())

    def _unchanged(self, lane: _Lane) -> bool:
        return (len(lane.bands) == 1 and not lane.changes
                and lane.bands[0].start <= self.t0 and lane.bands[0].end >= self.t1)

    @staticmethod
    def _group_name(group: str | None) -> str:
        return group if group is not None else "guest I/O"

    # -- the time axis ----------------------------------------------------------------------------
    def _axis(self) -> tuple[list[_Segment], bool]:
        """Segments of the axis (quiet stretches compressed) and whether a final-state margin is drawn."""
        t0, t1 = self.t0, self.t1
        span = t1 - t0
        activity = sorted({e.t for lane in self.lanes for e in lane.changes}
                          | {e.t for e in self.markers if e.kind != "note"}
                          | {t for t, _ in self.milestones})
        pieces: list[tuple[float, float, bool]] = []
        cuts: list[tuple[float, float]] = []
        faults = [e.t for e in self.markers if e.kind == "fault"]
        # nothing to zoom on when nothing changed after the fault's own instant
        if faults and self.settle is not None and self.settle.t > faults[0]:
            f0 = faults[0]
            f1 = max(self.settle.t if self.settle else f0, f0)
            f_len = max(f1 - f0, 0.1 * span)
            keys = sorted({t0, t1, f0, f1} | {t for t in activity if t0 <= t <= t1}
                          | {b.start for b in self.steps})
            quiet = max(QUIET_FACTOR * f_len, QUIET_MIN_FRACTION * span)
            for a, b in zip(keys, keys[1:], strict=False):
                if (b <= f0 or a >= f1) and b - a > quiet:
                    keep = min(0.1 * f_len, (b - a) / 4)
                    cuts.append((a + keep, b - keep))
        cursor = t0
        for a, b in cuts:
            pieces.append((cursor, a, False))
            pieces.append((a, b, True))
            cursor = b
        pieces.append((cursor, t1, False))
        segments = self._place(pieces, 0.0)
        margin = False
        if activity:
            last_x = self._x_in(segments, activity[-1])
            margin = self._x_in(segments, t1) - last_x < 0.03 * PLOT_W
        if margin:
            segments = self._place(pieces, MARGIN_W)
        return segments, margin

    def _place(self, pieces: list[tuple[float, float, bool]], margin_w: float) -> list[_Segment]:
        lead_w = MARGIN_W if self.lead else 0.0
        n_cut = sum(1 for *_, c in pieces if c)
        scaled = sum(b - a for a, b, c in pieces if not c) or 1.0
        px_per_s = (PLOT_W - lead_w - margin_w - n_cut * BREAK_W) / scaled
        x = float(self.plot_x) + lead_w
        out = []
        for a, b, compressed in pieces:
            w = BREAK_W if compressed else (b - a) * px_per_s
            out.append(_Segment(a, b, x, x + w, compressed))
            x += w
        return out

    @staticmethod
    def _x_in(segments: list[_Segment], t: float) -> float:
        if t <= segments[0].a:
            return segments[0].xa
        for s in segments:
            if t <= s.b:
                return s.xa + ((t - s.a) / (s.b - s.a) * (s.xb - s.xa) if s.b > s.a else 0.0)
        return segments[-1].xb

    def x(self, t: float) -> float:
        return self._x_in(self.segments, t)

    @property
    def x_start(self) -> float:
        """Where the window starts on the picture (after the lead, if any)."""
        return self.segments[0].xa

    @property
    def x_end(self) -> float:
        """Where the window ends on the picture (the final-state margin, if any, follows)."""
        return self.segments[-1].xb

    @property
    def px_per_s(self) -> float:
        s = next((s for s in self.segments if not s.compressed and s.b > s.a), None)
        return (s.xb - s.xa) / (s.b - s.a) if s else PLOT_W / (self.t1 - self.t0)

    # -- layout ---------------------------------------------------------------------------------
    def _rows(self, top: float) -> list[_Row]:
        rows: list[_Row] = []
        y = top
        for group, lanes in self.groups:
            if self.fold:
                folded = [ln for ln in lanes if self._unchanged(ln)]
                shown = [ln for ln in lanes if not self._unchanged(ln)]
            else:
                folded, shown = [], lanes
            if folded and not shown:
                rows.append(_Row("header+fold", y, ROW_H, group, folded=folded))
                y += ROW_H
                continue
            rows.append(_Row("header", y, HEADER_H, group))
            y += HEADER_H
            for lane in shown:
                rows.append(_Row("lane", y, ROW_H, group, lane=lane))
                y += ROW_H
            if folded:
                rows.append(_Row("fold", y, FOLD_H, group, folded=folded))
                y += FOLD_H
        return rows

    def _marker_items(self) -> list[tuple[float, str, str, str]]:
        """(time, class, label, tooltip) of every labelled marker: faults, heals, milestones."""
        items = []
        for e in self.markers:
            if e.kind == "note":
                continue
            text = _truncate(("heal " if e.kind == "heal" else "") + e.subject, 60)
            tip = f"{_fmt_s(e.t)} s {e.kind} {e.subject}" + (f" ({e.detail})" if e.detail else "")
            items.append((e.t, e.kind, text, tip))
        for t, text in self.milestones:
            items.append((t, "milestone", text, f"{_fmt_s(t)} s {text} (seconds after the fault injection)"))
        return sorted(items, key=lambda item: item[0])

    def _marker_rows(self) -> list[tuple[tuple[float, str, str, str], int, float]]:
        """Give each marker label a row so that labels do not overlap (greedy, left to right)."""
        row_ends: list[float] = []
        placed = []
        right = self.plot_x + PLOT_W
        for item in self._marker_items():
            t, _, text, _ = item
            w = len(text) * CHAR_W * 0.92 + 8
            left = min(self.x(t) + 3, right - w)  # keep labels inside the picture
            for row, end in enumerate(row_ends):
                if left >= end:
                    row_ends[row] = left + w
                    break
            else:
                row = len(row_ends)
                row_ends.append(left + w)
            placed.append((item, row, left))
        return placed

    def render(self) -> str:
        out: list[str] = []
        y = 8
        title_y = y + 14
        y += 22
        sub_y = y + 8
        y += 14
        placed = self._marker_rows()
        n_rows = max([row for _, row, _ in placed] + [-1]) + 1
        marker_top = y
        y += n_rows * MARKER_ROW_H + (4 if n_rows else 0)
        step_y = y
        if self.steps:
            y += STEP_H + 6
        lanes_top = y
        rows = self._rows(lanes_top)
        y = rows[-1].y + rows[-1].height if rows else y + ROW_H
        lanes_bottom = y
        axis_y = y + 2
        legend_y = axis_y + 52
        legend, legend_h = self._legend(legend_y)
        height = legend_y + legend_h + 8

        w = self.width
        out.append(
            f'<svg xmlns="http://www.w3.org/2000/svg" width="{w}" height="{height}" '
            f'viewBox="0 0 {w} {height}" font-family="{FONT}" font-size="11">'
        )
        out.append(f"<title>{xml_text(self.title)}</title>")
        out.append(f'<rect x="0" y="0" width="{w}" height="{height}" fill="#ffffff"/>')
        out.append(
            f'<text x="10" y="{title_y}" font-size="14" font-weight="bold" fill="#202124">'
            f"{xml_text(self.title)}</text>"
        )
        out.append(
            f'<text x="{w - 10}" y="{title_y}" text-anchor="end" fill="#5f6368">'
            f"{xml_text(_fmt_s(self.t0))} s \u2013 {xml_text(_fmt_s(self.t1))} s</text>"
        )
        out.append(f'<text class="subtitle" x="10" y="{sub_y}" fill="#5f6368">{xml_text(self._subtitle())}</text>')
        if self.steps:
            out.extend(self._render_steps(step_y))
        out.extend(self._render_row_backgrounds(rows))
        out.extend(self._render_axis(lanes_top, axis_y))
        out.extend(self._render_rows([r for r in rows if r.kind == "lane"], lanes_top))
        out.extend(self._render_breaks(lanes_top, axis_y))
        out.extend(self._render_rows([r for r in rows if r.kind != "lane"], lanes_top, empty=not rows))
        out.extend(self._render_end(lanes_top, axis_y))
        out.extend(self._render_markers(placed, marker_top, lanes_bottom))
        out.extend(legend)
        out.append("</svg>")
        return "\n".join(out)

    def _subtitle(self) -> str:
        n = len(self.lanes)
        folded = sum(1 for _, lanes in self.groups for ln in lanes if self.fold and self._unchanged(ln))
        parts = [f"{n} lane{'s' if n != 1 else ''}" + (f", {folded} unchanged (folded)" if folded else "")]
        quiet = [s for s in self.segments if s.compressed]
        if quiet:
            parts.append("compressed, nothing changes: " + ", ".join(
                f"{_fmt_s(round(s.a))}\u2013{_fmt_s(round(s.b))} s" for s in quiet))
        if self.lead:
            parts.append(f"left: the state {self.lead_label} at {_fmt_s(self.t0)} s")
        if self.margin:
            parts.append(f"right: the final state at {_fmt_s(self.t1)} s")
        return " \u00b7 ".join(parts)

    def _render_steps(self, y: float) -> list[str]:
        out = [f'<g class="steps"><text x="{self.plot_x - 8}" y="{y + 10}" text-anchor="end" fill="#5f6368">steps</text>']
        for band in self.steps:
            x0, x1 = self.x(band.start), self.x(band.end)
            colour = STEP_COLOURS.get(band.state.lower(), _STEP_OTHER)
            span = f"{_fmt_s(band.start)}\u2013{_fmt_s(band.end)} s"
            out.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1.5):.1f}" height="{STEP_H}" fill="{colour}" '
                f'stroke="#ffffff" stroke-width="0.5"><title>step {xml_text(band.state)}: {span}</title></rect>'
            )
            text = band.state
            if len(text) * 6 + 6 <= x1 - x0:
                out.append(
                    f'<text x="{x0 + 3:.1f}" y="{y + 9.5}" font-size="9.5" fill="#202124">{xml_text(text)}</text>'
                )
        out.append("</g>")
        return out

    def _render_row_backgrounds(self, rows: list[_Row]) -> list[str]:
        out = []
        shade = False
        for row in rows:
            if row.kind in ("header", "header+fold"):
                shade = False
                out.append(
                    f'<line x1="0" y1="{row.y:.1f}" x2="{self.width}" y2="{row.y:.1f}" stroke="#bdc1c6" stroke-width="1"/>'
                )
                continue
            if shade:
                out.append(
                    f'<rect x="0" y="{row.y:.1f}" width="{self.width}" height="{row.height}" fill="#f5f6f7"/>'
                )
            shade = not shade
        return out

    def _render_rows(self, rows: list[_Row], top: float, empty: bool = False) -> list[str]:
        """The rows given (the lanes, then over the compressed stretches the headers and folded lines)."""
        out = ['<g class="lanes">']
        if empty:
            out.append(
                f'<text x="{self.plot_x + 6}" y="{top + 14}" fill="#5f6368" font-style="italic">'
                "no state changes recorded</text>"
            )
        for row in rows:
            if row.kind in ("header", "header+fold"):
                out.extend(self._render_header(row))
            if row.kind == "lane":
                out.extend(self._render_lane(row))
            if row.kind in ("fold", "header+fold"):
                out.extend(self._render_fold(row))
        out.append("</g>")
        return out

    def _render_header(self, row: _Row) -> list[str]:
        name = self._group_name(row.group)
        base = row.y + (14 if row.kind == "header" else 16)
        lanes = next(lanes for g, lanes in self.groups if g == row.group)
        kinds = {ln.kind for ln in lanes}
        what = ("guest I/O, on the node that runs the guest" if row.group is None and kinds <= {"io"}
                else "no system" if row.group is None
                else "node (ldm)" if kinds <= {"domain"}
                else "")
        tip = f"{name}: {what}" if what else name
        return [
            f'<g class="group-header" data-group="{xml_text(name)}"><title>{xml_text(tip)}</title>'
            f'<text x="6" y="{base}" font-weight="bold" font-size="11.5" fill="#202124">'
            f"{xml_text(_truncate(name, MAX_LABEL_CHARS))}</text>"
            + (f'<text x="{self.plot_x + 4}" y="{base}" font-size="9.5" fill="#80868b">{xml_text(what)}</text>'
               if what and row.kind == "header" else "")
            + "</g>"
        ]

    def _render_lane(self, row: _Row) -> list[str]:
        lane = row.lane
        assert lane is not None
        y = row.y + LANE_GAP / 2
        label = lane.label
        out = [
            f'<g class="lane" data-lane="{xml_text(label)}" data-kind="{xml_text(lane.kind)}" '
            f'data-group="{xml_text(self._group_name(row.group))}">'
            f'<text x="18" y="{y + 14}" font-size="9" fill="#80868b">{xml_text(lane.kind)}</text>'
            f'<text x="{self.plot_x - 8}" y="{y + 14}" text-anchor="end" fill="#202124">'
            f"<title>{xml_text(label)}</title>{xml_text(_truncate(lane.key[0], MAX_LABEL_CHARS))}</text>",
            f'<line x1="{self.x_start}" y1="{y + LANE_H / 2}" x2="{self.x_end}" y2="{y + LANE_H / 2}" '
            'stroke="#dadce0" stroke-width="1"/>',
        ]
        if not lane.bands:
            out.append(f'<text x="{self.x_start + 6}" y="{y + 14}" fill="#80868b" font-style="italic">no data</text>')
        anywhere = any(b.where for b in lane.bands)  # a guest I/O lane seen from nodes: say where, or nowhere
        for band in lane.bands:
            x0, x1 = self.x(band.start), self.x(band.end)
            cls = state_class(band.state)
            colour = _CLASS_COLOUR[cls]
            span = f"{_fmt_s(band.start)}\u2013{_fmt_s(band.end)} s"
            where = f" @ {band.where}" if band.where else (" (on no node)" if anywhere else "")
            out.append(
                f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1.5):.1f}" height="{LANE_H}" rx="2" '
                f'fill="{colour}" data-state="{xml_text(band.state)}"'
                + (f' data-where="{xml_text(band.where)}"' if band.where else "")
                + f"><title>{xml_text(label)}: {xml_text(band.state)}{xml_text(where)} {span}</title></rect>"
            )
            if len(band.text) * CHAR_W * 0.9 + 8 <= x1 - x0:
                ink = "#202124" if cls in ("transition", "offline") else "#ffffff"
                out.append(
                    f'<text x="{x0 + 4:.1f}" y="{y + 14}" font-size="10" fill="{ink}">{xml_text(band.text)}</text>'
                )
        if self.lead and lane.before is not None:
            tip = f"{lane.label}: {lane.before.text} {self.lead_label} at {_fmt_s(self.t0)} s"
            out.extend(self._chip("before", lane.before, self.plot_x + 2, self.x_start - 6, y, tip))
        if self.margin and lane.bands and lane.bands[-1].end >= self.t1:
            band = lane.bands[-1]
            tip = f"{lane.label}: {band.text} at the end ({_fmt_s(self.t1)} s)"
            out.extend(self._chip("final", band, self.x_end + 6, self.plot_x + PLOT_W, y, tip))
        out.append("</g>")
        return out

    @staticmethod
    def _chip(cls: str, band: _Band, x0: float, x1: float, y: float, tip: str) -> list[str]:
        """A lane's state beside the axis: before the window's opening fault, or at its end."""
        state_cls = state_class(band.state)
        text = _truncate(band.text, int((x1 - x0 - 8) / (CHAR_W * 0.9)))
        return [
            f'<rect class="{cls}" x="{x0:.1f}" y="{y}" width="{x1 - x0:.1f}" height="{LANE_H}" rx="2" '
            f'fill="{_CLASS_COLOUR[state_cls]}" fill-opacity="0.55" data-{cls}="{xml_text(band.state)}">'
            f"<title>{xml_text(tip)}</title></rect>",
            f'<text x="{x0 + 4:.1f}" y="{y + 14}" font-size="10" fill="#202124">{xml_text(text)}</text>',
        ]

    def _render_fold(self, row: _Row) -> list[str]:
        folded = row.folded or []
        by_state: dict[str, list[_Lane]] = {}
        for lane in folded:
            by_state.setdefault(lane.bands[0].text, []).append(lane)
        y = row.y + (16 if row.kind == "header+fold" else 14)
        n = len(folded)
        lead = (f"all {n} unchanged" if row.kind == "header+fold" else f"{n} unchanged")
        tip = "; ".join(f"{lane.label}: {lane.bands[0].text}" for lane in folded)
        out = [
            f'<g class="fold" data-group="{xml_text(self._group_name(row.group))}" data-count="{n}">'
            f"<title>unchanged from {_fmt_s(self.t0)} s to {_fmt_s(self.t1)} s: {xml_text(tip)}</title>"
        ]
        if row.kind == "fold":
            out.append(f'<text x="{self.plot_x - 8}" y="{y}" text-anchor="end" font-style="italic" '
                       f'fill="#5f6368">{xml_text(lead)}</text>')
        x = self.plot_x + 4.0
        right = self.plot_x + PLOT_W
        if row.kind == "header+fold":
            out.append(f'<text x="{x:.1f}" y="{y}" font-style="italic" fill="#5f6368">{xml_text(lead)}:</text>')
            x += (len(lead) + 2) * CHAR_W
        for state, lanes in sorted(by_state.items(), key=lambda item: -len(item[1])):
            names = ", ".join(lane.key[0] for lane in lanes)
            text = f"{state} \u00d7{len(lanes)}: {names}" if len(lanes) > 1 else f"{state}: {names}"
            room = int((right - x - 18) / (CHAR_W * 0.95))
            if room < 8:
                out.append(f'<text x="{x:.1f}" y="{y}" fill="#5f6368">\u2026</text>')
                break
            text = _truncate(text, room)
            out.append(
                f'<rect x="{x:.1f}" y="{y - 9}" width="12" height="10" rx="2" fill="{state_colour(lanes[0].bands[0].state)}" '
                f'data-folded="{xml_text(state)}"/>'
                f'<text x="{x + 16:.1f}" y="{y}" fill="#3c4043">{xml_text(text)}</text>'
            )
            x += 16 + len(text) * CHAR_W * 0.95 + 14
        out.append("</g>")
        return out

    def _render_breaks(self, top: float, axis_y: float) -> list[str]:
        out = ['<g class="breaks">']
        for s in self.segments:
            if not s.compressed:
                continue
            zig_l = " ".join(f"{s.xa + (3 if i % 2 else 0):.1f},{y:.1f}"
                             for i, y in enumerate(_frange(top - 2, axis_y, 6)))
            zig_r = " ".join(f"{s.xb - (3 if i % 2 else 0):.1f},{y:.1f}"
                             for i, y in enumerate(_frange(top - 2, axis_y, 6)))
            mid = (s.xa + s.xb) / 2
            tip = (f"{_fmt_s(round(s.a, 3))}\u2013{_fmt_s(round(s.b, 3))} s: nothing changes "
                   f"({_fmt_s(round(s.b - s.a))} s compressed)")
            out.append(
                f'<g class="break" data-from="{_fmt_s(round(s.a, 3))}" data-to="{_fmt_s(round(s.b, 3))}">'
                f"<title>{xml_text(tip)}</title>"
                f'<rect x="{s.xa:.1f}" y="{top - 2}" width="{s.xb - s.xa:.1f}" height="{axis_y - top + 2}" '
                'fill="#ffffff" fill-opacity="0.82"/>'
                f'<polyline points="{zig_l}" fill="none" stroke="#80868b" stroke-width="1"/>'
                f'<polyline points="{zig_r}" fill="none" stroke="#80868b" stroke-width="1"/>'
                f'<text x="{mid:.1f}" y="{top + 12}" text-anchor="middle" font-size="9.5" fill="#5f6368">quiet</text>'
                f'<text x="{mid:.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="10" fill="#3c4043">'
                f"\u2248{_fmt_s(round(s.b - s.a))} s</text></g>"
            )
        out.append("</g>")
        return out

    def _render_end(self, top: float, axis_y: float) -> list[str]:
        """The margins beside the axis: the state before an opening fault, the state at the end."""
        out = []
        for cls, shown, x, mid, text in (
            ("lead", self.lead, self.x_start, (self.plot_x + self.x_start) / 2, self.lead_label),
            ("end", self.margin, self.x_end, (self.x_end + self.plot_x + PLOT_W) / 2 + 3, "final state"),
        ):
            if shown:
                out += [
                    f'<g class="{cls}">',
                    f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{axis_y}" stroke="#3c4043" '
                    'stroke-width="1" stroke-dasharray="3,3"/>',
                    f'<text x="{mid:.1f}" y="{axis_y + 16}" text-anchor="middle" font-size="10" fill="#3c4043">'
                    f"{text}</text>",
                    "</g>",
                ]
        return out

    def _render_axis(self, top: float, axis_y: float) -> list[str]:
        """Ticks at round times on the stretches drawn to scale, the window's start and end always."""
        step = nice_step(70 / self.px_per_s, 1)
        out = [
            '<g class="axis">',
            f'<line x1="{self.x_start}" y1="{axis_y}" x2="{self.x_end}" y2="{axis_y}" stroke="#5f6368"/>',
        ]
        taken = [(s.xa + s.xb) / 2 for s in self.segments if s.compressed]  # the breaks' labels
        ticks = [self.t0, self.t1]
        for s in self.segments:
            if not s.compressed:
                tick = math.ceil((s.a - 1e-9) / step) * step
                while tick <= s.b + 1e-9:
                    ticks.append(tick)
                    tick += step
        for tick in ticks:
            x = self.x(tick)
            if any(abs(x - other) < 38 for other in taken):
                continue
            taken.append(x)
            out.append(
                f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{axis_y}" stroke="#e8eaed" stroke-width="1"/>'
                f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#5f6368"/>'
                f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#3c4043">'
                f"{_fmt_s(round(tick, 3))}</text>"
            )
        out.append(
            f'<text x="{self.x_end}" y="{axis_y + 29}" text-anchor="end" fill="#5f6368">'
            "time [s on the target's clock]</text>"
        )
        out.append("</g>")
        return out

    def _render_markers(self, placed, marker_top: float, lanes_bottom: float) -> list[str]:
        out = ['<g class="markers">']
        for e in self.markers:
            if e.kind != "note":
                continue
            x = self.x(e.t)
            out.append(
                f'<line class="note" x1="{x:.1f}" y1="{marker_top}" x2="{x:.1f}" y2="{lanes_bottom}" '
                f'stroke="#5f6368" stroke-width="1" stroke-dasharray="1,3">'
                f"<title>{_fmt_s(e.t)} s note: {xml_text(e.subject)} {xml_text(e.detail)}</title></line>"
            )
        for (t, cls, text, tip), row, left in placed:
            x = self.x(t)
            colour = {"fault": FAULT_RED, "heal": HEAL_GREEN}.get(cls, MILESTONE_BLUE)
            dash = {"heal": ' stroke-dasharray="5,3"', "milestone": ' stroke-dasharray="2,2"'}.get(cls, "")
            label_y = marker_top + row * MARKER_ROW_H + 10
            width = 1.5 if cls == "milestone" else 2
            out.append(
                f'<g class="{cls}"><title>{xml_text(tip)}</title>'
                f'<line x1="{x:.1f}" y1="{label_y - 9}" x2="{x:.1f}" y2="{lanes_bottom}" stroke="{colour}" '
                f'stroke-width="{width}" stroke-opacity="0.85"{dash}/>'
                f'<text x="{left:.1f}" y="{label_y}" font-size="10" fill="{colour}" font-weight="bold">'
                f"{xml_text(text)}</text></g>"
            )
        out.append("</g>")
        return out

    def _legend(self, y: float) -> tuple[list[str], float]:
        used = {state_class(b.state) for lane in self.lanes for b in lane.bands}
        items: list[tuple[str, str]] = []  # (svg of the swatch at x=0,y=0, text)
        for cls, colour, text in STATE_CLASSES:
            if cls in used:
                items.append((f'<rect x="0" y="-9" width="14" height="10" rx="2" fill="{colour}"/>', text))
        if any(e.kind == "fault" for e in self.markers):
            items.append((f'<line x1="7" y1="-11" x2="7" y2="3" stroke="{FAULT_RED}" stroke-width="2"/>', "fault injected"))
        if any(e.kind == "heal" for e in self.markers):
            items.append(
                (
                    f'<line x1="7" y1="-11" x2="7" y2="3" stroke="{HEAL_GREEN}" stroke-width="2" stroke-dasharray="4,2"/>',
                    "fault healed",
                )
            )
        if self.milestones:
            items.append((f'<line x1="7" y1="-11" x2="7" y2="3" stroke="{MILESTONE_BLUE}" stroke-width="1.5" '
                          'stroke-dasharray="2,2"/>', "milestone (+s after the injection)"))
        if any(e.kind == "note" for e in self.markers):
            items.append(('<line x1="7" y1="-11" x2="7" y2="3" stroke="#5f6368" stroke-dasharray="1,3"/>', "note"))
        if any(s.compressed for s in self.segments):
            items.append(('<polyline points="4,-11 7,-8 4,-5 7,-2 4,1" fill="none" stroke="#80868b"/>',
                          "quiet stretch, compressed"))
        if self.margin:
            items.append(('<rect x="0" y="-9" width="14" height="10" rx="2" fill="#9aa0a6" fill-opacity="0.55"/>',
                          "state at the end"))
        steps_used = [s for s in STEP_COLOURS if any(b.state.lower() == s for b in self.steps)]
        for name in steps_used:
            items.append((f'<rect x="0" y="-7" width="14" height="6" fill="{STEP_COLOURS[name]}"/>', f"step {name}"))
        out = ['<g class="legend">']
        x, row_y = 10.0, y
        for swatch, text in items:
            w = 19 + len(text) * CHAR_W + 18
            if x + w > self.width - 10:
                x, row_y = 10.0, row_y + 18
            out.append(
                f'<g transform="translate({x:.1f},{row_y})">{swatch}'
                f'<text x="19" y="0" fill="#3c4043">{xml_text(text)}</text></g>'
            )
            x += w
        out.append("</g>")
        return out, (row_y - y) + 12


def _frange(start: float, stop: float, step: float) -> list[float]:
    out = []
    v = start
    while v < stop:
        out.append(v)
        v += step
    out.append(stop)
    return out
