"""How long detection and failover took, across scenarios and runs: a strip plot, as Jepsen draws
latencies.

`render_latency_svg(scenarios)`: one self-contained SVG. x is seconds on the lab's clock; one strip
per row of the reference table (S4, N4, D3, D4, ...) and one per other kind of scenario (combo,
nemesis); in each strip a lane for `detect_s` (fault to the monitor's first reaction) and one for
`failover_s` (fault to the guest running elsewhere), a point per scenario (per scenario and run in
a report merged from several runs), hollow when the scenario did not pass. Each lane writes its
count, p50, p95 and max (nearest-rank percentiles), and marks p50 and p95 on the axis.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from harness.report.verdict_matrix import ROW_IDS
from harness.timeline import nice_step

METRICS: tuple[tuple[str, str, str], ...] = (
    # key, label, colour
    ("detect_s", "detect", "#1a73e8"),
    ("failover_s", "failover", "#e8710a"),
)
_FAIL = "#d93025"
_FONT = "DejaVu Sans,Verdana,Arial,Helvetica,sans-serif"
_LABEL_W = 150  # the strip names
_PLOT_W = 560
_STATS_W = 290
_LANE_H = 22
_STRIP_GAP = 10
_TOP = 58
_AXIS_H = 40


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile (p in 0..100] of a non-empty sequence: a value that was measured."""
    if not values:
        raise ValueError("percentile of no values")
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100.0 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def _seconds(value: object) -> float | None:
    if value is None or isinstance(value, bool):
        return None
    try:
        f = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return f if math.isfinite(f) and f >= 0 else None


def _fmt(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".") if value < 10 else f"{value:.1f}"


def _tick(value: float) -> str:
    return f"{value:.0f}" if value == int(value) else f"{value:g}"


def strip_key(scenario: Mapping[str, Any]) -> str:
    """The strip a scenario is drawn in: its reference-table row, else its kind (combo, nemesis)."""
    return str(scenario.get("row") or "other")


def _strip_order(keys: Iterable[str]) -> list[str]:
    def order(key: str) -> tuple[int, int, str]:
        return (0, ROW_IDS.index(key), "") if key in ROW_IDS else (1, 0, key)

    return sorted(set(keys), key=order)


def _jitter(scenario: Mapping[str, Any], key: str) -> float:
    """A stable vertical offset in -1..1, so that equal times stay visible as several points."""
    digest = hashlib.sha256(f"{scenario.get('run', '')}|{scenario.get('id', '')}|{key}".encode()).digest()
    return digest[0] / 127.5 - 1.0


def render_latency_svg(scenarios: Sequence[Mapping[str, Any]]) -> str:
    """The strip plot of detect_s and failover_s across `scenarios` (results.json scenario dicts)."""
    strips: dict[str, dict[str, list[tuple[float, Mapping[str, Any]]]]] = {}
    for sc in scenarios:
        for key, _, _ in METRICS:
            value = _seconds(sc.get(key))
            if value is not None:
                strips.setdefault(strip_key(sc), {}).setdefault(key, []).append((value, sc))
    runs = {sc.get("run") for sc in scenarios if sc.get("run") is not None}
    width = _LABEL_W + _PLOT_W + _STATS_W + 20
    title = "Detection and failover times"
    subtitle = (f"{len(scenarios)} scenarios" + (f" of {len(runs)} runs" if len(runs) > 1 else "")
                + "; seconds on the lab's clock from the first fault")
    head = [
        f'<text x="10" y="22" font-size="16" font-weight="bold">{escape(title)}</text>',
        f'<text x="10" y="42" font-size="12" fill="#5f6368">{escape(subtitle)}</text>',
    ]
    if not strips:
        height = 90
        body = ['<text x="10" y="72" font-size="13" fill="#5f6368">'
                "No detection or failover time was measured in this run.</text>"]
        return _svg(width, height, head + body)

    order = _strip_order(strips)
    top_value = max(v for lanes in strips.values() for pts in lanes.values() for v, _ in pts)
    step = nice_step(top_value if top_value > 0 else 1.0, 6)
    x_max = step * math.ceil((top_value if top_value > 0 else 1.0) / step)
    if x_max <= top_value:
        x_max += step
    x0 = _LABEL_W

    def x_of(value: float) -> float:
        return x0 + value / x_max * _PLOT_W

    body: list[str] = []
    legend_x = width - 440
    for i, (_, label, colour) in enumerate(METRICS):
        lx = legend_x + i * 85
        body.append(_marker(lx, 20, colour, filled=True, shape=i))
        body.append(f'<text x="{lx + 10}" y="24" font-size="12">{label}</text>')
    lx = legend_x + 170
    body.append(_marker(lx, 20, _FAIL, filled=False, shape=0))
    body.append(f'<text x="{lx + 10}" y="24" font-size="12">did not pass</text>')
    lx += 100
    body.append(f'<line x1="{lx}" y1="12" x2="{lx}" y2="28" stroke="#5f6368" stroke-width="2"/>'
                f'<text x="{lx + 6}" y="24" font-size="12">p50</text>')
    lx += 45
    body.append(f'<line x1="{lx}" y1="12" x2="{lx}" y2="28" stroke="#5f6368" stroke-width="2" '
                f'stroke-dasharray="3,2"/><text x="{lx + 6}" y="24" font-size="12">p95</text>')

    y = _TOP
    strip_h = _LANE_H * len(METRICS)
    plot_bottom = _TOP + len(order) * (strip_h + _STRIP_GAP) - _STRIP_GAP
    # grid and axis
    ticks = int(round(x_max / step))
    for t in range(ticks + 1):
        value = t * step
        tx = x_of(value)
        body.append(f'<line x1="{tx:.1f}" y1="{_TOP - 4}" x2="{tx:.1f}" y2="{plot_bottom + 4}" '
                    'stroke="#e0e0e0" stroke-width="1"/>')
        body.append(f'<text x="{tx:.1f}" y="{plot_bottom + 18}" font-size="11" text-anchor="middle" '
                    f'fill="#5f6368">{_tick(value)}</text>')
    body.append(f'<text x="{x0 + _PLOT_W / 2:.1f}" y="{plot_bottom + 34}" font-size="11" text-anchor="middle" '
                'fill="#5f6368">seconds</text>')
    stats_x = x0 + _PLOT_W + 12
    columns = (("n", 80), ("p50", 140), ("p95", 200), ("max (s)", 270))
    for name, cx in columns:
        body.append(f'<text x="{stats_x + cx}" y="{_TOP - 8}" font-size="11" text-anchor="end" '
                    f'fill="#5f6368">{name}</text>')
    for s_i, key in enumerate(order):
        lanes = strips[key]
        if s_i % 2 == 0:
            body.append(f'<rect x="4" y="{y - 3}" width="{width - 8}" height="{strip_h + 6}" fill="#f8f9fa"/>')
        body.append(f'<text x="10" y="{y + strip_h / 2 + 5:.1f}" font-size="14" font-weight="bold">'
                    f"{escape(key)}</text>")
        for m_i, (metric, label, colour) in enumerate(METRICS):
            lane_y = y + m_i * _LANE_H + _LANE_H / 2
            body.append(f'<text x="{x0 - 8}" y="{lane_y + 4:.1f}" font-size="11" text-anchor="end" '
                        f'fill="#5f6368">{label}</text>')
            points = lanes.get(metric, [])
            if not points:
                body.append(f'<text x="{stats_x}" y="{lane_y + 4:.1f}" font-size="11" '
                            f'fill="#9aa0a6">{label}: not measured</text>')
                continue
            values = [v for v, _ in points]
            p50, p95, top = percentile(values, 50), percentile(values, 95), max(values)
            for value, mark in ((p50, "p50"), (p95, "p95")):
                px = x_of(value)
                dash = "" if mark == "p50" else ' stroke-dasharray="3,2"'
                body.append(f'<line x1="{px:.1f}" y1="{lane_y - 10:.1f}" x2="{px:.1f}" y2="{lane_y + 10:.1f}" '
                            f'stroke="{colour}" stroke-width="2"{dash}><title>{label} {mark} {_fmt(value)} s'
                            "</title></line>")
            for value, sc in points:
                passed = sc.get("verdict") == "pass"
                run = f" (run {sc['run']})" if sc.get("run") is not None else ""
                tip = f"{sc.get('id', '?')}{run}: {label} {_fmt(value)} s, {sc.get('verdict', '?')}"
                body.append(_marker(x_of(value), lane_y + _jitter(sc, metric) * 5, colour if passed else _FAIL,
                                    filled=passed, shape=m_i, tip=tip))
            body.append(f'<text x="{stats_x}" y="{lane_y + 4:.1f}" font-size="11" fill="{colour}">{label}</text>')
            for (name, cx), value in zip(columns, (len(values), p50, p95, top), strict=True):
                text = str(value) if name == "n" else _fmt(float(value))
                body.append(f'<text x="{stats_x + cx}" y="{lane_y + 4:.1f}" font-size="11" text-anchor="end" '
                            f'class="stat-{name.split()[0]}" data-lane="{escape(key)} {label}">{text}</text>')
        y += strip_h + _STRIP_GAP
    height = plot_bottom + _AXIS_H + 4
    return _svg(width, height, head + body)


def _marker(x: float, y: float, colour: str, *, filled: bool, shape: int, tip: str | None = None) -> str:
    fill = colour if filled else "#fff"
    title = f"<title>{escape(tip)}</title>" if tip else ""
    if shape == 0:  # detect: a circle
        return (f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4" fill="{fill}" fill-opacity="0.85" stroke="{colour}" '
                f'stroke-width="1.5">{title}</circle>')
    # failover: a diamond
    return (f'<path d="M{x:.1f} {y - 5:.1f}L{x + 5:.1f} {y:.1f}L{x:.1f} {y + 5:.1f}L{x - 5:.1f} {y:.1f}Z" '
            f'fill="{fill}" fill-opacity="0.85" stroke="{colour}" stroke-width="1.5">{title}</path>')


def _svg(width: int, height: float, parts: list[str]) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height:.0f}" '
        f'viewBox="0 0 {width} {height:.0f}" font-family="{_FONT}" class="latency-distribution" '
        'role="img" aria-label="Detection and failover times">'
        f'<rect x="0" y="0" width="{width}" height="{height:.0f}" fill="#fff"/>'
        + "".join(parts) + "</svg>\n"
    )
