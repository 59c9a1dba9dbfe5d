"""What a real lab would cost: the seed matrix's clock seconds at VCS's default timing (MonitorInterval
60, OfflineMonitorInterval 300), watching with one fixed deadline (how the harness judged before) and
with windows derived from the lab's timing (a quiet window for no-failover rows, a failover deadline
that ends as soon as the guest lands). Both are played side by side in one run on the sim tier; the
verdicts must agree (every row still judged, the legacy monitor still caught on S2/N2).
Goal: <= 2 hours of lab clock for the seed matrix (it was ~6.4 hours).
"""

from __future__ import annotations

import time
from pathlib import Path

from harness.faults import FaultLedger
from harness.inventory import load_inventory
from harness.oracle import Oracle, Topology
from harness.scenarios import combined_faults, failover_matrix, play
from harness.targets.sim import SimTarget
from harness.timing import LabTiming, Windows

REPO = Path(__file__).resolve().parent.parent
OLD_FIXED_DEADLINE = 780.0  # 2 MI (TL+1) + MI + 2 OnlineTimeout at VCS's defaults


def run(lab, scenarios, windows: Windows, monitor: str) -> tuple[float, float, dict[str, str]]:
    topo = Topology(lab.config, lab.nodes)
    oracle = Oracle(topo, windows)
    clock = wall = 0.0
    verdicts = {}
    for sc in scenarios:
        target = SimTarget(lab, monitor, 7, FaultLedger.for_lab(f"bench-{time.time_ns()}", "sim"))
        target.boot()
        t0 = time.perf_counter()
        result = play(target, oracle, sc)
        wall += time.perf_counter() - t0
        clock += result["clock_s"]
        verdicts[sc.id] = result["verdict"]
    return clock, wall, verdicts


def main() -> int:
    lab = load_inventory(REPO / "inventories" / "sim-2node.yaml")  # timing: VCS's defaults (60 / 300)
    topo = Topology(lab.config, lab.nodes)
    derived = Windows.from_timing(LabTiming.from_config(lab.config, lab.inventory.timing.type_overrides()))
    for name, scenarios in (("seed matrix", failover_matrix(topo)),
                            ("seed matrix + combined faults", failover_matrix(topo) + combined_faults(topo))):
        for monitor in ("alternateio", "legacy-primary-only"):
            old_clock, old_wall, old_v = run(lab, scenarios, Windows.fixed(OLD_FIXED_DEADLINE), monitor)
            new_clock, new_wall, new_v = run(lab, scenarios, derived, monitor)
            agree = old_v == new_v
            failed = sorted({i.split("[")[0] for i, v in new_v.items() if v != "pass"})
            print(f"{name}, {monitor}: {len(scenarios)} scenarios; lab clock at VCS default timing: "
                  f"fixed {OLD_FIXED_DEADLINE:.0f} s deadline {old_clock:,.0f} s ({old_clock / 3600:.2f} h), "
                  f"windows from timing {new_clock:,.0f} s ({new_clock / 3600:.2f} h) -> "
                  f"{old_clock / new_clock:.1f}x less; verdicts agree: {agree}; failing rows: {failed or 'none'}; "
                  f"wall {old_wall:.2f} s / {new_wall:.2f} s")
    print(f"windows at VCS default timing: quiet {derived.quiet_s:.0f} s, failover deadline "
          f"{derived.failover_s:.0f} s, settle deadline {derived.settle_s:.0f} s")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
