"""Benchmark of the main job on the default lab (seed cluster, sim tier), and on the 3-node lab.

Runs `altio-hil run` with -n 1 and -n 2 on each lab in one go, and prints: scenarios, total wall
seconds, the ratio of clock seconds to wall seconds (time compression of the virtual clock), the
median and worst per-scenario wall time, and the speed-up of -n 2 over -n 1.
Goals: the whole default run under 30 s wall; each scenario's median under 250 ms.
(With scenarios of ~15 ms, a worker's start-up outweighs what it can take over on the small lab.)
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run(workers: int, out: Path, lab: str) -> tuple[float, dict]:
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-m", "harness.cli", "run", "-n", str(workers), "--seed", "7",
                    "--lab", lab, "--report", str(out), "--no-html"], cwd=REPO, check=False,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    wall = time.perf_counter() - t0
    return wall, json.loads((out / "results.json").read_text())


def main() -> int:
    for lab in ("inventories/sim-2node.yaml", "inventories/sim-3node.yaml"):
        with tempfile.TemporaryDirectory() as tmp:
            w1, r1 = run(1, Path(tmp) / "n1", lab)
            w2, r2 = run(2, Path(tmp) / "n2", lab)
        sc = r1["scenarios"]
        walls = [s["wall_s"] for s in sc]
        clock = sum(s["clock_s"] for s in sc)
        print(f"lab {r1['lab']} ({lab}): {len(sc)} scenarios, "
              f"{sum(s['verdict'] == 'pass' for s in sc)} passed")
        print(f"  -n 1: {w1:.2f} s wall for the whole run (goal < 30 s for the default lab)")
        print(f"  -n 2: {w2:.2f} s wall; speed-up of -n 2 over -n 1: {w1 / w2:.2f}x")
        print(f"  per scenario: median {statistics.median(walls) * 1000:.0f} ms (goal < 250 ms), "
              f"worst {max(walls) * 1000:.0f} ms")
        print(f"  clock seconds / wall seconds: {clock:.0f} / {sum(walls):.2f} = "
              f"{clock / max(sum(walls), 1e-9):.0f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
