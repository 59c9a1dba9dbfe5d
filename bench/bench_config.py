"""How long the configuration language takes on a large main.cf: 1,000 groups x 5 resources.

Prints the time of parse, validate and dump (best of a few runs) and their total; the goal is
under one second in total. Run: .venv/bin/python bench/bench_config.py [GROUPS]
"""

from __future__ import annotations

import sys
import tempfile
import time

from emulators.vcs.config import dump, parse_text, validate


def generate(groups: int) -> str:
    """A valid main.cf: 4 systems; per group a DiskGroup, Volume, Mount, NIC and Phantom chain."""
    systems = ["node1", "node2", "node3", "node4"]
    out = ['include "types.cf"', "", "cluster bench (", '\tUserNames = { admin = abcdefgh }', "\t)", ""]
    for s in systems:
        out += [f"system {s} (", "\t)", ""]
    for i in range(groups):
        a, b = systems[i % 4], systems[(i + 1) % 4]
        out += [f"group g{i} (", f"\tSystemList = {{ {a} = 0, {b} = 1 }}", f"\tAutoStartList = {{ {a} }}",
                "\tOnlineRetryLimit = 2", "\t)", "",
                f"\tDiskGroup dg{i} (", f"\t\tDiskGroup = datadg{i}", "\t\t)", "",
                f"\tVolume vol{i} (", f"\t\tVolume = vol{i}", f"\t\tDiskGroup = datadg{i}", "\t\t)", "",
                f"\tMount mnt{i} (", f'\t\tMountPoint = "/data/{i}"', f'\t\tBlockDevice = "/dev/vx/dsk/datadg{i}/vol{i}"',
                "\t\tFSType = vxfs", '\t\tFsckOpt = "-y"', "\t\t)", "",
                f"\tNIC nic{i} (", f"\t\tDevice @{a} = e1000g0", f"\t\tDevice @{b} = e1000g1", "\t\t)", "",
                f"\tPhantom ph{i} (", "\t\t)", ""]
        if i:
            out.append(f"\trequires group g{i - 1} online global soft")
        out += [f"\tmnt{i} requires vol{i}", f"\tvol{i} requires dg{i}", f"\tmnt{i} requires nic{i}", "", ""]
    return "\n".join(out) + "\n"


def best(fn, runs: int = 3) -> tuple[float, object]:
    times, result = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - t0)
    return min(times), result


def main() -> int:
    groups = int(sys.argv[1]) if len(sys.argv) > 1 else 1000
    text = generate(groups)
    with tempfile.TemporaryDirectory() as empty:  # no types.cf there: the bundled one is used
        t_parse, config = best(lambda: parse_text(text, "main.cf", include_dir=empty))
        t_validate, diags = best(lambda: validate(config))
        t_dump, out = best(lambda: dump(config))
        assert diags == [], diags[:5]
        assert parse_text(out, "main.cf", include_dir=empty) == config
    n_res = sum(len(g.resources) for g in config.groups.values())
    total = t_parse + t_validate + t_dump
    print(f"main.cf: {groups} groups, {n_res} resources, {len(text.splitlines())} lines, {len(text)} bytes")
    print(f"parse     {t_parse * 1000:8.1f} ms")
    print(f"validate  {t_validate * 1000:8.1f} ms")
    print(f"dump      {t_dump * 1000:8.1f} ms")
    print(f"total     {total * 1000:8.1f} ms  (goal: under 1000 ms) {'OK' if total < 1 else 'SLOW'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
