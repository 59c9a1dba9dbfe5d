"""Engine benchmark: 4 systems, 256 failover groups x 3 resources, scripted agents, virtual time.

Prints the wall time of one full monitor sweep (every online resource monitored once; and of the
300-second window in which every resource, online or offline, is monitored), of a node failure
through to all groups online elsewhere, and the ratio of virtual to wall seconds.
Goal: the node failure processed in under a second of wall time.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from emulators.clock import VirtualClock  # noqa: E402
from emulators.vcs.agents.scripted import ScriptedAgent  # noqa: E402
from emulators.vcs.config.model import AttrValue, Config, Group, Resource, ResourceDep, System, TypeDef  # noqa: E402
from emulators.vcs.engine import Engine  # noqa: E402

SYSTEMS = [f"sys{i}" for i in range(4)]
GROUPS = 256


def build() -> Config:
    cfg = Config(types={"App": TypeDef("App")}, systems={s: System(s) for s in SYSTEMS})
    for i in range(GROUPS):
        g = Group(f"grp{i:03d}")
        g.attributes["SystemList"] = AttrValue({s: n for n, s in enumerate(SYSTEMS)})
        g.attributes["AutoStartList"] = AttrValue([SYSTEMS[i % 4]])
        names = [f"g{i:03d}_{k}" for k in ("app", "ip", "disk")]
        for n in names:
            g.resources[n] = Resource(n, "App")
        g.resource_deps = [ResourceDep(names[0], names[1]), ResourceDep(names[1], names[2])]
        cfg.groups[g.name] = g
    return cfg


def main() -> int:
    clock = VirtualClock()
    eng = Engine(build(), clock, seed=0)
    agent = ScriptedAgent()
    eng.register_agent("App", agent)
    t0 = time.perf_counter()
    eng.start()
    assert eng.settle()
    t_start = time.perf_counter() - t0
    online = sum(1 for g in eng.groups() for s in SYSTEMS if eng.group_state(g, s) == "ONLINE")
    assert online == GROUPS, online

    calls = len(agent.calls)
    t0 = time.perf_counter()
    clock.advance(60)
    t_sweep = time.perf_counter() - t0
    sweep_calls = len(agent.calls) - calls

    calls = len(agent.calls)
    v0 = clock.now()
    t0 = time.perf_counter()
    clock.advance(300)
    t_window = time.perf_counter() - t0
    window_calls = len(agent.calls) - calls

    victim = SYSTEMS[0]
    moved = [g for g in eng.groups() if eng.group_state(g, victim) == "ONLINE"]
    for g in moved:
        for r in eng.config.groups[g].resources:
            agent.set_up(r, victim, False)
    v0 = clock.now()
    t0 = time.perf_counter()
    eng.system_leave(victim, fault=True)
    assert eng.settle()
    t_fail = time.perf_counter() - t0
    v_fail = clock.now() - v0
    assert all(any(eng.group_state(g, s) == "ONLINE" for s in SYSTEMS[1:]) for g in moved)

    total_v = clock.now()
    print(f"systems={len(SYSTEMS)} groups={GROUPS} resources={GROUPS * 3}")
    print(f"start (probe {GROUPS * 3 * len(SYSTEMS)} resources + AutoStart): {t_start * 1000:.1f} ms wall")
    print(f"monitor sweep (60 s, {sweep_calls} monitors of online resources): {t_sweep * 1000:.1f} ms wall")
    print(f"full monitor window (300 s, {window_calls} monitors, every resource at least once): "
          f"{t_window * 1000:.1f} ms wall")
    print(f"node failure ({len(moved)} groups to other systems): {t_fail * 1000:.1f} ms wall, "
          f"{v_fail:.1f} s virtual")
    wall = t_start + t_sweep + t_window + t_fail
    print(f"virtual/wall: {total_v:.0f} s / {wall:.3f} s = {total_v / wall:.0f}x")
    print(f"goal node failure < 1 s wall: {'met' if t_fail < 1.0 else 'NOT met'}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
