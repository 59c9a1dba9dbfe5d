"""What certifying an agent build costs, and what the mutant kill matrix costs, measured side by side.

1. The seed matrix (`altio-hil run`, all suites, one seed) with the built-in monitor (entry points
   called in-process) and with `--monitor agents/AlternateIO` (the same agent as a VCS script agent:
   every entry point a process, its hagrp calls answered by the lab through $VCS_HOME/bin), at -n 1
   and -n 2. Goal: the script agent's seed matrix <= 60 s of wall time.
2. `altio-hil mutants` on the seed lab and on the 3-node lab: wall seconds and mutants killed.

Each figure is one run on this machine, all in one invocation (a noisy shared machine: compare the
ratios, not the seconds). Run: .venv/bin/python bench/bench_script_agent.py
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ALTIO_HIL = Path(sys.executable).parent / "altio-hil"


def timed(*args: str) -> tuple[float, int, Path]:
    report = Path(tempfile.mkdtemp(prefix="altio-bench-"))
    t0 = time.perf_counter()
    done = subprocess.run([str(ALTIO_HIL), *args, "--report", str(report)], cwd=REPO, capture_output=True, text=True)
    return time.perf_counter() - t0, done.returncode, report


def main() -> int:
    print("seed matrix, all suites, seed 5")
    walls = {}
    for monitor in ("alternateio", "agents/AlternateIO"):
        for workers in ("1", "2"):
            wall, rc, report = timed("run", "--monitor", monitor, "-n", workers, "--seed", "5", "--no-html")
            results = json.loads((report / "results.json").read_text())
            passed = sum(s["verdict"] == "pass" for s in results["scenarios"])
            walls[(monitor, workers)] = wall
            print(f"  {monitor:20s} -n {workers}: {wall:6.1f} s wall, exit {rc}, "
                  f"{passed}/{len(results['scenarios'])} scenarios passed")
    for workers in ("1", "2"):
        ratio = walls[("agents/AlternateIO", workers)] / walls[("alternateio", workers)]
        goal = "met" if walls[("agents/AlternateIO", workers)] <= 60 else "NOT met"
        print(f"  -n {workers}: script agent / in-process = {ratio:.1f}x; goal <= 60 s {goal}")
    print("altio-hil mutants, seed 5")
    for lab in ("inventories/sim-2node.yaml", "inventories/sim-3node.yaml"):
        wall, rc, report = timed("mutants", "--lab", lab, "--seed", "5")
        matrix = json.loads((report / "mutants.json").read_text())
        killed = sum(m["killed"] for m in matrix.values())
        survivors = ", ".join(k for k, m in matrix.items() if not m["killed"]) or "none"
        print(f"  {lab:28s}: {wall:6.1f} s wall, exit {rc}, {killed}/{len(matrix)} killed (survivors: {survivors})")
    return 0


if __name__ == "__main__":
    sys.exit(main())
