"""A big lab of many guests on the sim tier, and the default run before and after a change.

1. A lab of NODES nodes (a control domain and one alternate I/O domain each) running GUESTS guests,
   spread evenly over the nodes: each guest an LDom group whose SystemList names every control
   domain (NODES x GUESTS LDom group/system pairs: 8 x 128 = 1,024), an AlternateIO group, and a
   storage group per node; the network groups (one per node) are shared by every guest. Measured:
   the wall seconds to build the lab, to boot it to its steady state on the virtual clock, and from
   the power-off of one node to every guest of that node online on another (goal: <= 1 s wall).
2. `altio-hil run` on the seed lab (all suites, one seed, -n 1) from a checkout of BASE (default:
   the commit before the multi-guest work) and from this tree, alternating, REPEAT times each:
   median wall seconds and their ratio (goal: this tree no more than 10 % slower).

Run: .venv/bin/python bench/bench_multiguest.py [--nodes 8] [--guests 128] [--base REV] [--repeat 3]
Every figure is from one invocation on this machine; compare ratios, not seconds.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from emulators.clock import VirtualClock  # noqa: E402
from emulators.lab import LabSpec, NodeSpec, SimLab  # noqa: E402

DEFAULT_BASE = "aefc914"  # main before the multi-guest work (issue 11)


def big_main_cf(nodes: int, guests: int) -> str:
    """main.cf of the big lab: guest g is at home on node g % nodes, fails over in node order."""
    out = ['include "types.cf"\n\ncluster big (\n        )\n']
    for n in range(1, nodes + 1):
        out.append(f"system ctl{n} (\n        )\n\nsystem aio{n} (\n        )\n")
    for g in range(1, guests + 1):
        home = (g - 1) % nodes + 1
        order = [(home - 1 + i) % nodes + 1 for i in range(nodes)]
        sl = ", ".join(f"ctl{n} = {i}" for i, n in enumerate(order))
        storage = "\n".join(f"                StorageSG @ctl{n} = {{ g{g}-st{n} = 1 }}" for n in range(1, nodes + 1))
        network = "\n".join(f"                NetworkSG @ctl{n} = {{ nw{n} = 0 }}" for n in range(1, nodes + 1))
        out.append(f"""
group aio{g} (
        SystemList = {{ {sl} }}
        AutoStartList = {{ ctl{home} }}
        )

        AlternateIO altio{g} (
{storage}
{network}
                )

group ldom{g} (
        SystemList = {{ {sl} }}
        AutoStartList = {{ ctl{home} }}
        )

        LDom guest{g} (
                LDomName = ldg{g}
                )

        requires group aio{g} online local hard
""")
        for n in range(1, nodes + 1):
            out.append(f"""
group g{g}-st{n} (
        SystemList = {{ ctl{n} = 0, aio{n} = 1 }}
        AutoStart = 0
        Parallel = 1
        )

        Zpool zp{g}x{n} (
                PoolName @ctl{n} = p{g}a
                PoolName @aio{n} = p{g}b
                )
""")
    for n in range(1, nodes + 1):
        out.append(f"""
group nw{n} (
        SystemList = {{ ctl{n} = 0, aio{n} = 1 }}
        AutoStartList = {{ ctl{n}, aio{n} }}
        Parallel = 1
        )

        Phantom ph{n} (
                )

        NIC nic{n} (
                Device @ctl{n} = nxge3
                Device @aio{n} = nxge4
                )
""")
    return "".join(out)


def big_lab(nodes: int, guests: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="altio-bench-big-"))
    (work / "main.cf").write_text(big_main_cf(nodes, guests))
    spec = LabSpec("big", str(work / "main.cf"),
                   tuple(NodeSpec(f"node{n}", f"ctl{n}", (f"aio{n}",)) for n in range(1, nodes + 1)),
                   type_overrides={"MonitorInterval": 60, "OfflineMonitorInterval": 300})
    clock = VirtualClock()
    t0 = time.perf_counter()
    lab = SimLab(spec, clock)
    t_build = time.perf_counter() - t0
    ldoms = [f"ldom{g}" for g in range(1, guests + 1)]
    pairs = sum(len(lab.config.groups[g].system_list) for g in ldoms)
    print(f"big lab: {nodes} nodes, {guests} guests, {len(lab.config.groups)} service groups, "
          f"{pairs} LDom group/system pairs")
    t0, c0 = time.perf_counter(), clock.now()
    settled = lab.boot()
    t_boot, c_boot = time.perf_counter() - t0, clock.now() - c0
    online = {g: lab.engine.online_systems(g) for g in ldoms}
    homes_ok = all(online[f"ldom{g}"] == [f"ctl{(g - 1) % nodes + 1}"] for g in range(1, guests + 1))
    print(f"  build {t_build:.2f} s wall; boot to steady state {t_boot:.2f} s wall ({c_boot:.0f} s on the "
          f"lab's clock), settled={settled}, every guest at home={homes_ok}")
    victims = [g for g in ldoms if online[g] == ["ctl1"]]
    t0, c0 = time.perf_counter(), clock.now()
    lab.inject("node_power_off", "ctl1")
    deadline = c0 + 3600
    while clock.now() < deadline:
        if all(lab.engine.online_systems(g) and lab.engine.online_systems(g) != ["ctl1"] for g in victims):
            break
        if not clock.step():
            break
    t_fail, c_fail = time.perf_counter() - t0, clock.now() - c0
    moved = sum(1 for g in victims if lab.engine.online_systems(g) not in ([], ["ctl1"]))
    print(f"  node1 powered off: {moved}/{len(victims)} of its guests online elsewhere after "
          f"{t_fail:.2f} s wall ({c_fail:.0f} s on the lab's clock); goal <= 1 s wall: "
          f"{'met' if t_fail <= 1.0 and moved == len(victims) else 'NOT met'}")


def default_run(tree: Path, python: Path) -> float:
    report = Path(tempfile.mkdtemp(prefix="altio-bench-run-"))
    t0 = time.perf_counter()
    done = subprocess.run([str(python), "-m", "harness.cli", "run", "--seed", "5", "-n", "1", "--no-html",
                           "--report", str(report)], cwd=tree, capture_output=True, text=True)
    wall = time.perf_counter() - t0
    if done.returncode != 0:
        raise SystemExit(f"altio-hil run in {tree} exited {done.returncode}:\n{done.stdout[-2000:]}{done.stderr[-2000:]}")
    return wall


def before_after(base: str, repeat: int) -> None:
    work = Path(tempfile.mkdtemp(prefix="altio-bench-base-"))
    subprocess.run(["git", "worktree", "add", "--detach", str(work / "base"), base], cwd=REPO, check=True,
                   capture_output=True)
    try:
        python = Path(sys.executable)
        walls: dict[str, list[float]] = {"base": [], "this tree": []}
        for _ in range(repeat):  # alternate, so that the machine's load falls on both alike
            walls["base"].append(default_run(work / "base", python))
            walls["this tree"].append(default_run(REPO, python))
        b, t = statistics.median(walls["base"]), statistics.median(walls["this tree"])
        print(f"default run (seed lab, all suites, -n 1), median of {repeat}: base {base} {b:.2f} s, "
              f"this tree {t:.2f} s, ratio {t / b:.2f} (goal <= 1.10: {'met' if t / b <= 1.10 else 'NOT met'})")
    finally:
        subprocess.run(["git", "worktree", "remove", "--force", str(work / "base")], cwd=REPO, capture_output=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--nodes", type=int, default=8)
    ap.add_argument("--guests", type=int, default=128)
    ap.add_argument("--base", default=DEFAULT_BASE)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--skip-run", action="store_true", help="only the big lab")
    args = ap.parse_args()
    big_lab(args.nodes, args.guests)
    if not args.skip_run:
        before_after(args.base, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
