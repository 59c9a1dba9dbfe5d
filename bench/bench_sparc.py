"""The sparc target on sparc-sim (the emulated lab behind a real sshd), measured side by side in one run:

- a command over the persistent SSH session against a fresh `ssh` per command (median round trip,
  for a shell builtin and for `hastatus -sum`); goal: the session >= 10x faster;
- one `snapshot()` of the whole lab (wall time, median); goal <= 100 ms;
- the seed's failover matrix with timing MonitorInterval 10 / OfflineMonitorInterval 30 at the lab's
  time scale 10: the whole run (goal <= 5 minutes) and the share of it spent in commands (transport,
  the emulated commands themselves) and parsing (goal <= 10 %).

It starts its own lab (free ports, private runtime directory) and stops it at the end.
"""

from __future__ import annotations

import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
ALTIO_HIL = Path(sys.executable).parent / "altio-hil"


def free_port() -> int:
    while True:
        port = random.randrange(20000, 32000)
        with socket.socket() as s:
            try:
                s.bind(("127.0.0.1", port))
                return port
            except OSError:
                continue


def inventory(directory: Path) -> Path:
    data = yaml.safe_load((REPO / "inventories" / "sparc-sim-2node.yaml").read_text())
    data["lab"] = "bench-sparc"
    data["cluster"]["main_cf"] = str(REPO / "inventories" / "sim-2node" / "main.cf")
    for section in ("systems", "guests", "ilom"):
        for host in data["sparc"][section].values():
            host["port"] = free_port()
    path = directory / "bench-sparc.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def median_ms(fn, n: int) -> float:
    samples = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples) * 1000


def main() -> int:
    base = Path(tempfile.mkdtemp(prefix="ahl-bench-", dir="/tmp"))
    (base / "rt").mkdir(mode=0o700)
    os.environ["ALTIO_HIL_RUNTIME"] = str(base / "rt")
    os.environ["ALTIO_HIL_STATE"] = str(base / "st")
    inv = inventory(base)
    subprocess.run([str(ALTIO_HIL), "lab", "up", "--lab", str(inv)], check=True, stdout=subprocess.DEVNULL)
    try:
        from harness.inventory import load_inventory
        from harness.oracle import Oracle, Topology
        from harness.scenarios import failover_matrix, play
        from harness.targets import commands as commands_module
        from harness.targets import open_target
        from harness.timing import Windows
        from harness.transport import ssh_once

        lab = load_inventory(inv)
        target = open_target(lab, "sparc", "alternateio", 7)
        ep = target.endpoints["primary1"]
        builtin_ms = median_ms(lambda: target.run("primary1", ["true"]), 30)
        for argv, label in ((["true"], "shell builtin `true`"), (["hastatus", "-sum"], "`hastatus -sum`")):
            kept = median_ms(lambda a=argv: target.run("primary1", a), 30)
            fresh = median_ms(lambda a=argv: ssh_once(ep.host, ep.port, ep.user, a, key_file=ep.key_file,
                                                      known_hosts=target.known_hosts), 15)
            print(f"{label}: persistent session {kept:.1f} ms, fresh ssh per command {fresh:.1f} ms "
                  f"-> {fresh / kept:.0f}x")
        snap_ms = median_ms(target.snapshot, 20)
        print(f"snapshot() of the whole lab: {snap_ms:.0f} ms median (goal <= 100 ms)")

        # the seed matrix, with the time spent in commands and in parsing counted
        spent = {"commands": 0.0, "parsing": 0.0}
        real_parse = commands_module.from_commands

        def timed(fn, key):
            def wrapper(*a, **k):
                t0 = time.perf_counter()
                try:
                    return fn(*a, **k)
                finally:
                    spent[key] += time.perf_counter() - t0
            return wrapper

        round_trips = [0]
        real_run = target.run

        def counted(*a, **k):
            round_trips[0] += 1
            return real_run(*a, **k)

        target.run = counted
        target._fan_out = timed(target._fan_out, "commands")  # snapshots: one batch per system, at once
        target.execute = timed(target.execute, "commands")  # fault templates
        commands_module.from_commands = timed(real_parse, "parsing")
        topo = Topology(lab.config, lab.nodes)
        oracle = Oracle(topo, Windows.from_timing(target.timing()))
        t0 = time.perf_counter()
        verdicts = [play(target, oracle, sc)["verdict"] for sc in failover_matrix(topo)]
        wall = time.perf_counter() - t0
        commands_module.from_commands = real_parse
        print(f"seed matrix on sparc-sim ({len(verdicts)} scenarios, {verdicts.count('pass')} passed): {wall:.0f} s "
              f"wall (goal <= 300 s); commands {spent['commands']:.1f} s, parsing {spent['parsing']:.2f} s "
              f"-> {100 * (spent['commands'] + spent['parsing']) / wall:.1f} % of the run in commands and parsing")
        transport = round_trips[0] * builtin_ms / 1000
        print(f"  of which the transport itself ({round_trips[0]} round trips x {builtin_ms:.1f} ms, the "
              f"persistent session's cost for a shell builtin) {transport:.1f} s and parsing {spent['parsing']:.2f} s "
              f"-> {100 * (transport + spent['parsing']) / wall:.1f} % (goal <= 10 %); the rest is the lab answering "
              "(each emulated command is a Python process)")
        target.close()
    finally:
        subprocess.run([str(ALTIO_HIL), "lab", "down", "--lab", str(inv)], check=False, stdout=subprocess.DEVNULL)
        shutil.rmtree(base, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
