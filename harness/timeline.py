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
from collections.abc import Iterable
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
        """State of a lane at time t (the last state change at or before t), None when unknown."""
        state = self.initial.get((subject, system), (None, None))[1]
        for e in self.events:
            if e.t > t:
                break
            if e.kind in STATE_KINDS and e.subject == subject and e.system == system and e.new is not None:
                state = e.new
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
    ) -> str:
        """A self-contained SVG picture of the timeline between t0 and t1 (see `_Drawing`)."""
        return _Drawing(self, title, t0, t1, lanes).render()


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
PLOT_W = 760
LANE_H = 20
LANE_GAP = 5
STEP_H = 12
MARKER_ROW_H = 13
MAX_LABEL_CHARS = 40


def _fmt_s(value: float) -> str:
    if abs(value - round(value)) < 1e-9:
        return f"{int(round(value))}"
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _nice_step(span: float, target_ticks: int = 10) -> float:
    raw = span / target_ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    for factor in (1, 2, 2.5, 5, 10):
        if raw <= factor * magnitude:
            return factor * magnitude
    return 10 * magnitude


def _truncate(text: str, chars: int) -> str:
    return text if len(text) <= chars else text[: chars - 1] + "\u2026"


@dataclass
class _Band:
    start: float
    end: float
    state: str


class _Drawing:
    """Lays out one timeline: title, step band, marker labels, state lanes, x axis, legend.

    The state of a lane before its first event within the window is its last known state before
    t0 (carried over); a lane with no known state yet is blank until its first event.
    """

    def __init__(
        self,
        timeline: Timeline,
        title: str,
        t0: float | None,
        t1: float | None,
        lanes: list[tuple[str, str | None]] | None,
    ) -> None:
        self.timeline = timeline
        self.title = title
        events = timeline.events
        auto_t0 = timeline.start if timeline.start is not None else (events[0].t if events else 0.0)
        auto_t1 = timeline.end if timeline.end is not None else (events[-1].t if events else 1.0)
        self.t0 = float(t0) if t0 is not None else auto_t0
        self.t1 = float(t1) if t1 is not None else auto_t1
        if t1 is None and timeline.end is None:
            self.t1 += max((self.t1 - self.t0) * 0.03, 0.5)  # room after the last event
        if self.t1 <= self.t0:
            self.t1 = self.t0 + 1.0
        self.lane_keys, self.lane_kind, self.bands = self._lanes(lanes)
        self.steps = self._steps()
        self.markers = [e for e in events if e.kind in ("fault", "heal", "note") and self.t0 <= e.t <= self.t1]
        label_chars = max([len(self._label(k)) for k in self.lane_keys] + [12])
        self.label_w = int(min(label_chars, MAX_LABEL_CHARS) * CHAR_W) + 56
        self.plot_x = self.label_w
        self.width = self.plot_x + PLOT_W + 30

    # -- data -----------------------------------------------------------------------------------
    def _lanes(self, wanted: list[LaneKey] | None):
        tl = self.timeline
        carried: dict[LaneKey, tuple[str, str]] = dict(tl.initial)
        in_window: dict[LaneKey, list[Event]] = {}
        order: dict[LaneKey, None] = {key: None for key in tl.initial}
        for e in tl.events:
            if e.kind not in STATE_KINDS:
                continue
            key = (e.subject, e.system)
            if e.t > self.t1:
                break
            order.setdefault(key, None)
            if e.t < self.t0:
                if e.new is not None:
                    carried[key] = (e.kind, e.new)
            else:
                in_window.setdefault(key, []).append(e)
        keys = list(order) if wanted is None else [(s, sys) for s, sys in wanted]
        kinds: dict[LaneKey, str] = {}
        bands: dict[LaneKey, list[_Band]] = {}
        for key in keys:
            evs = in_window.get(key, [])
            kind = evs[0].kind if evs else carried.get(key, ("", ""))[0]
            kinds[key] = kind
            state = carried.get(key, (kind, None))[1]
            cursor = self.t0
            lane: list[_Band] = []
            for e in evs:
                if e.new is None or e.new == state:
                    continue  # a repeated state is not a change
                if state is not None and e.t > cursor:
                    lane.append(_Band(cursor, e.t, state))
                state, cursor = e.new, e.t
            if state is not None and self.t1 > cursor:
                lane.append(_Band(cursor, self.t1, state))
            elif state is not None:
                lane.append(_Band(cursor, cursor, state))
            bands[key] = lane
        return keys, kinds, bands

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

    @staticmethod
    def _label(key: LaneKey) -> str:
        subject, system = key
        return f"{subject} @ {system}" if system else subject

    def x(self, t: float) -> float:
        return self.plot_x + (t - self.t0) / (self.t1 - self.t0) * PLOT_W

    # -- layout ---------------------------------------------------------------------------------
    def _marker_rows(self) -> list[tuple[Event, int, str]]:
        """Give each marker label a row so that labels do not overlap (greedy, left to right)."""
        row_ends: list[float] = []
        placed = []
        for e in self.markers:
            if e.kind == "note":
                continue
            text = _truncate(("heal " if e.kind == "heal" else "") + e.subject, 60)
            x = self.x(e.t)
            w = len(text) * CHAR_W * 0.92 + 8
            left = min(x + 3, self.plot_x + PLOT_W - w)  # keep labels inside the picture
            for row, end in enumerate(row_ends):
                if left >= end:
                    row_ends[row] = left + w
                    break
            else:
                row = len(row_ends)
                row_ends.append(left + w)
            placed.append((e, row, text))
        return placed

    def render(self) -> str:
        out: list[str] = []
        y = 8
        title_y = y + 14
        y += 26
        placed = self._marker_rows()
        n_rows = max([row for _, row, _ in placed] + [-1]) + 1
        marker_top = y
        y += n_rows * MARKER_ROW_H + (4 if n_rows else 0)
        step_y = y
        if self.steps:
            y += STEP_H + 6
        lanes_top = y
        y += max(len(self.lane_keys), 1) * (LANE_H + LANE_GAP)
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
        if self.steps:
            out.extend(self._render_steps(step_y))
        out.extend(self._render_lane_backgrounds(lanes_top))
        out.extend(self._render_axis(lanes_top, axis_y))
        out.extend(self._render_lanes(lanes_top))
        out.extend(self._render_markers(placed, marker_top, n_rows, lanes_bottom))
        out.extend(legend)
        out.append("</svg>")
        return "\n".join(out)

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

    def _render_lane_backgrounds(self, top: float) -> list[str]:
        out = []
        for i in range(0, len(self.lane_keys), 2):
            y = top + i * (LANE_H + LANE_GAP)
            out.append(
                f'<rect x="0" y="{y - LANE_GAP / 2:.1f}" width="{self.width}" height="{LANE_H + LANE_GAP}" '
                'fill="#f5f6f7"/>'
            )
        return out

    def _render_lanes(self, top: float) -> list[str]:
        out = ['<g class="lanes">']
        if not self.lane_keys:
            out.append(
                f'<text x="{self.plot_x + 6}" y="{top + 14}" fill="#5f6368" font-style="italic">'
                "no state changes recorded</text>"
            )
        for i, key in enumerate(self.lane_keys):
            y = top + i * (LANE_H + LANE_GAP)
            label = self._label(key)
            kind = self.lane_kind.get(key, "")
            out.append(
                f'<text x="6" y="{y + 14}" font-size="9" fill="#80868b">{xml_text(kind)}</text>'
                f'<text x="{self.plot_x - 8}" y="{y + 14}" text-anchor="end" fill="#202124">'
                f"<title>{xml_text(label)}</title>{xml_text(_truncate(label, MAX_LABEL_CHARS))}</text>"
            )
            out.append(
                f'<line x1="{self.plot_x}" y1="{y + LANE_H / 2}" x2="{self.plot_x + PLOT_W}" y2="{y + LANE_H / 2}" '
                'stroke="#dadce0" stroke-width="1"/>'
            )
            bands = self.bands.get(key, [])
            if not bands:
                out.append(
                    f'<text x="{self.plot_x + 6}" y="{y + 14}" fill="#80868b" font-style="italic">no data</text>'
                )
            for band in bands:
                x0, x1 = self.x(band.start), self.x(band.end)
                cls = state_class(band.state)
                colour = _CLASS_COLOUR[cls]
                span = f"{_fmt_s(band.start)}\u2013{_fmt_s(band.end)} s"
                out.append(
                    f'<rect x="{x0:.1f}" y="{y}" width="{max(x1 - x0, 1.5):.1f}" height="{LANE_H}" rx="2" '
                    f'fill="{colour}" data-state="{xml_text(band.state)}">'
                    f"<title>{xml_text(label)}: {xml_text(band.state)} {span}</title></rect>"
                )
                if len(band.state) * CHAR_W * 0.9 + 8 <= x1 - x0:
                    ink = "#202124" if cls in ("transition", "offline") else "#ffffff"
                    out.append(
                        f'<text x="{x0 + 4:.1f}" y="{y + 14}" font-size="10" fill="{ink}">{xml_text(band.state)}</text>'
                    )
        out.append("</g>")
        return out

    def _render_axis(self, top: float, axis_y: float) -> list[str]:
        span = self.t1 - self.t0
        step = _nice_step(span)
        out = [
            '<g class="axis">',
            f'<line x1="{self.plot_x}" y1="{axis_y}" x2="{self.plot_x + PLOT_W}" y2="{axis_y}" stroke="#5f6368"/>',
        ]
        tick = math.ceil(self.t0 / step) * step
        while tick <= self.t1 + 1e-9:
            x = self.x(tick)
            out.append(
                f'<line x1="{x:.1f}" y1="{top - 2}" x2="{x:.1f}" y2="{axis_y}" stroke="#e8eaed" stroke-width="1"/>'
                f'<line x1="{x:.1f}" y1="{axis_y}" x2="{x:.1f}" y2="{axis_y + 5}" stroke="#5f6368"/>'
                f'<text x="{x:.1f}" y="{axis_y + 16}" text-anchor="middle" fill="#3c4043">{_fmt_s(round(tick, 6))}</text>'
            )
            tick += step
        out.append(
            f'<text x="{self.plot_x + PLOT_W}" y="{axis_y + 29}" text-anchor="end" fill="#5f6368">'
            "time [s on the target's clock]</text>"
        )
        out.append("</g>")
        return out

    def _render_markers(self, placed, marker_top: float, n_rows: int, lanes_bottom: float) -> list[str]:
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
        for e, row, text in placed:
            x = self.x(e.t)
            colour = FAULT_RED if e.kind == "fault" else HEAL_GREEN
            dash = ' stroke-dasharray="5,3"' if e.kind == "heal" else ""
            label_y = marker_top + row * MARKER_ROW_H + 10
            tip = f"{_fmt_s(e.t)} s {e.kind} {e.subject}" + (f" ({e.detail})" if e.detail else "")
            w = len(text) * CHAR_W * 0.92 + 8
            left = min(x + 3, self.plot_x + PLOT_W - w)
            out.append(
                f'<g class="{e.kind}"><title>{xml_text(tip)}</title>'
                f'<line x1="{x:.1f}" y1="{label_y - 9}" x2="{x:.1f}" y2="{lanes_bottom}" stroke="{colour}" '
                f'stroke-width="2" stroke-opacity="0.85"{dash}/>'
                f'<text x="{left:.1f}" y="{label_y}" font-size="10" fill="{colour}" font-weight="bold">'
                f"{xml_text(text)}</text></g>"
            )
        out.append("</g>")
        return out

    def _legend(self, y: float) -> tuple[list[str], float]:
        used = {state_class(b.state) for bands in self.bands.values() for b in bands}
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
        if any(e.kind == "note" for e in self.markers):
            items.append(('<line x1="7" y1="-11" x2="7" y2="3" stroke="#5f6368" stroke-dasharray="1,3"/>', "note"))
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
