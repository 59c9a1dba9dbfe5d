"""The in-guest I/O probe, read on the host: samples -> outages.

A guest of a kvm lab prints one line per probe on a serial port of its own (emulators/kvm/guest/init):
an O_DIRECT write and read of its multipath device (`disk`) and a ping through its bond (`net`),
every ~200 ms each; the host stamps each line as it arrives. Its I/O is out while a kind has no
successful probe: from the last success before a failure or a silence to the next success.

A path switch costs at most one probe (the ping in flight when the bond changes slave is lost and
waits out its 1 s timeout); `tolerance_s` (default 2 s) is the longest stretch without success
still read as continuous I/O. Every stretch is kept (`gaps`) for reports and benchmarks; the
judge reads only the outages longer than the tolerance.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from emulators.kvm.probe import Sample  # what the lab daemon serves, one row per probe line

KINDS = ("disk", "net")
TOLERANCE_S = 2.0


@dataclass(frozen=True)
class Gap:
    """A stretch of [start, end] without a successful probe of `kind`."""

    kind: str
    start: float
    end: float
    failed: int  # probes that failed in it (0: silence)

    @property
    def duration(self) -> float:
        return self.end - self.start


def gaps(samples: Iterable[Sample], guest: str, t0: float, t1: float, period_s: float = 0.2) -> list[Gap]:
    """Every stretch within [t0, t1] in which `guest` had no successful probe of a kind for longer
    than two probe periods (a silence) or had a failed probe. Before the first success in the
    window the stretch starts at t0; after the last, it ends at t1."""
    out: list[Gap] = []
    mine = sorted((s for s in samples if s.guest == guest and s.kind in KINDS), key=lambda s: s.t)
    for kind in KINDS:
        last_ok = t0
        failed = 0
        for s in (x for x in mine if x.kind == kind and x.t <= t1):
            if s.t < t0:
                continue
            if not s.ok:
                failed += 1
                continue
            if failed or s.t - last_ok > 2 * period_s:
                out.append(Gap(kind, last_ok, s.t, failed))
            last_ok, failed = s.t, 0
        if failed or t1 - last_ok > 2 * period_s + 1.0:  # the last line may still be on its way
            out.append(Gap(kind, last_ok, t1, failed))
    return sorted(out, key=lambda g: g.start)


def outages(samples: Iterable[Sample], guest: str, t0: float, t1: float,
            tolerance_s: float = TOLERANCE_S) -> list[tuple[float, float]]:
    """The stretches longer than `tolerance_s` without storage or network, merged, in order."""
    spans = sorted((g.start, g.end) for g in gaps(samples, guest, t0, t1) if g.duration > tolerance_s)
    merged: list[tuple[float, float]] = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def last_state(samples: Iterable[Sample], guest: str, at: float, fresh_s: float = 1.5) -> tuple[str, bool, bool]:
    """(node, storage ok, network ok) of `guest` from its latest probes before `at`; a kind with no
    line in the last `fresh_s` seconds is not ok."""
    node, state = "", {k: False for k in KINDS}
    latest: dict[str, Sample] = {}
    for s in samples:
        if s.guest == guest and s.kind in KINDS and s.t <= at and (s.kind not in latest or s.t >= latest[s.kind].t):
            latest[s.kind] = s
    for kind, s in latest.items():
        state[kind] = s.ok and at - s.t <= fresh_s
        node = s.node
    return node, state["disk"], state["net"]
