"""The engine on a `RealClock` (asyncio, time-scaled): the seed lab reaches its steady state, a
fault is detected and the group fails over, in a few wall seconds at scale 200."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from emulators.clock import RealClock
from emulators.vcs.agents.scripted import ScriptedAgent
from emulators.vcs.config import parse_text
from emulators.vcs.engine import Engine
from tests.engine.lab import SEED_MAIN_CF

SCALE = 200.0


async def _until(cond: Callable[[], bool], wall_limit: float) -> bool:
    deadline = time.monotonic() + wall_limit
    while time.monotonic() < deadline:
        if cond():
            return True
        await asyncio.sleep(0.01)
    return cond()


def test_seed_lab_fails_over_on_a_scaled_real_clock():
    async def scenario() -> dict:
        clock = RealClock(asyncio.get_running_loop(), scale=SCALE)
        eng = Engine(parse_text(SEED_MAIN_CF.read_text(), filename="main.cf"), clock)
        agents = {"AlternateIO": ScriptedAgent(delay={"online": 5.0}), "LDom": ScriptedAgent(),
                  "Zpool": ScriptedAgent(), "NIC": ScriptedAgent(initially_up=True, comes_back=True)}
        for t, a in agents.items():
            eng.register_agent(t, a)
        eng.start()
        steady = await _until(lambda: not eng.busy() and eng.group_state("ldomsg", "primary1") == "ONLINE", 3.0)
        out = {"steady": steady, "steady_at": clock.now(),
               "before": {g: eng.online_systems(g) for g in ("aiosg", "ldomsg")}}
        fault_at = clock.now()
        agents["AlternateIO"].fail("altiores", "primary1")
        moved = await _until(lambda: not eng.busy() and eng.online_systems("ldomsg") == ["primary2"], 3.0)
        out.update(moved=moved, failover_s=clock.now() - fault_at,
                   after={g: eng.online_systems(g) for g in ("aiosg", "ldomsg")},
                   faulted=eng.group_state("aiosg", "primary1"), log=list(eng.log_lines))
        return out

    out = asyncio.run(scenario())  # each wait gives up after 3 wall seconds (about 10 emulated minutes)
    assert out["steady"], "the seed lab did not reach its steady state"
    assert out["steady_at"] >= 5.0  # the generator online of altiores waited on the scaled clock
    assert out["before"] == {"aiosg": ["primary1"], "ldomsg": ["primary1"]}
    assert out["moved"], out["after"]
    assert out["after"] == {"aiosg": ["primary2"], "ldomsg": ["primary2"]}
    assert out["faulted"] == "OFFLINE|FAULTED"
    # detection waits for the next monitor (MonitorInterval 60), so the failover took emulated minutes
    assert 5.0 < out["failover_s"] < 400.0
    assert any("V-16-1-10493 Group aiosg will fail over from system primary1 to system primary2" in ln
               for ln in out["log"])
    assert any("Group ldomsg follows its child aiosg to system primary2" in ln for ln in out["log"])
