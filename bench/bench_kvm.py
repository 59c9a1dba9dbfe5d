"""kvm tier figures, measured in one run on this machine (issue: the kvm tier's "Measure" list).

    python bench/bench_kvm.py            # lab up, detection, path switch, memory, CPU (~2 min)
    python bench/bench_kvm.py --matrix   # + the whole seed matrix and the CI smoke on kvm (~15+ min)

Prints, side by side with their goals:
- lab up: wall seconds until every VM booted and the guest's probe runs (goal <= 20 s);
- S4 and N4: fault to AlternateIO leaving ONLINE against the MonitorInterval in force (goal <= MI + 1 s),
  and fault to the guest's multipath/bond switching path (from the probe's own lines);
- memory: resident set of each QEMU process; CPU: the share of a core each VM took while idle and
  probing;
- with --matrix: guest I/O outages of every no-failover row (goal: none longer than two probe
  periods) and of the failover rows (their real cost), the matrix's wall time (goal <= 15 min) and
  the CI smoke's (goal <= 5 min).
The lab is a private one (own runtime directory and lab name) and is brought down at the end.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests" / "kvm"))
sys.path.insert(0, str(REPO / "tests" / "lab"))

from kvm_live import kvm_cli, lab_vms  # noqa: E402

from harness.lab_daemon import request  # noqa: E402

CLK_TCK = os.sysconf("SC_CLK_TCK")


def _ask(cli, payload: dict) -> dict:
    return request(Path(cli.socket()), payload, 30)


def _qemu_pids(lab: str) -> dict[str, int]:
    pids = {}
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            cmd = (proc / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if cmd and cmd[0].endswith(b"qemu-system-x86_64") and b"-name" in cmd:
            name = cmd[cmd.index(b"-name") + 1].decode().split(",")[0].removeprefix("guest=")
            if name.startswith(f"altio-{lab}-"):
                pids[name] = int(proc.name)
    return pids


def _cpu_s(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def _rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def _state(cli, res: str, system: str) -> str:
    out = _ask(cli, {"op": "exec", "system": system, "argv": ["hares", "-state", res, "-sys", system]})["out"]
    return out.strip()


def _detect(cli, faults: list[tuple[str, str]], monitor_interval: float) -> tuple[float, float | None]:
    """Seconds from the first fault to AlternateIO leaving ONLINE on primary1, and to the guest's
    first path switch line."""
    t0 = time.monotonic()
    for kind, where in faults:
        cli.lab("fault", kind, "--where", where)
    left = None
    while time.monotonic() - t0 < 6 * monitor_interval + 30:
        if _state(cli, "altiores", "primary1") != "ONLINE":
            left = time.monotonic() - t0
            break
        time.sleep(0.1)
    samples = _ask(cli, {"op": "observe", "since": t0})["samples"]
    switch = next((r[0] - t0 for r in samples if r[3] in ("path", "bond") and not r[6].endswith("reinstated")), None)
    cli.lab("heal", "--all")
    return (left if left is not None else float("nan")), switch


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--matrix", action="store_true", help="also run the seed matrix and the CI smoke on kvm")
    args = parser.parse_args()
    rows = []
    with kvm_cli(up=False) as cli:
        lab = yaml.safe_load(cli.inventory.read_text())
        name, mi = lab["lab"], float(lab["timing"]["MonitorInterval"])
        t = time.monotonic()
        up = cli.lab("up", timeout=300)
        assert up.returncode == 0, up.stderr
        while not any(r[3] == "disk" and r[5] for r in _ask(cli, {"op": "observe", "since": t})["samples"]):
            time.sleep(0.1)
        rows.append(("lab up (6 VMs defined, 5 booted, guest probing)", f"{time.monotonic() - t:.1f} s", "<= 20 s"))

        pids = _qemu_pids(name)
        before = {n: _cpu_s(p) for n, p in pids.items()}
        time.sleep(10)
        cpu = {n: (_cpu_s(p) - before[n]) / 10 for n, p in pids.items()}
        for n, p in sorted(pids.items()):
            role = "guest (probing)" if n.endswith("ldg1") else "I/O domain (idle)"
            rows.append((f"{n.removeprefix(f'altio-{name}-')}: {role}", f"{_rss_mib(p):.0f} MiB RSS, "
                         f"{100 * cpu[n]:.0f}% of a core", "-"))

        cli.lab("down", timeout=120)
        left_over = lab_vms(name)
        rows.append(("after lab down: VMs of the lab libvirt still knows", str(len(left_over)), "0"))
    # each row on a fresh lab: the guest on primary1, nothing to restore first
    for label, faults in (("S4", [("zpool_offline", "primary1:zfsprim"), ("zpool_offline", "alternate1:zfsmirr")]),
                          ("N4", [("nic_pull", "primary1:nxge3"), ("nic_pull", "alternate1:nxge4")])):
        with kvm_cli() as cli:
            t = time.monotonic()
            while not any(r[3] == "disk" and r[5] for r in _ask(cli, {"op": "observe", "since": t - 30})["samples"]):
                time.sleep(0.1)
            left, switch = _detect(cli, faults, mi)
        rows.append((f"{label}: fault -> AlternateIO leaves ONLINE", f"{left:.1f} s (MonitorInterval {mi:.0f} s)",
                     f"<= {mi + 1:.0f} s"))
        rows.append((f"{label}: fault -> guest switches path (probe)",
                     f"{switch:.2f} s" if switch is not None else "no switch line", "-"))

    if args.matrix:
        for label, extra, goal in (("seed matrix (all suites)", [], "<= 15 min"),
                                   ("CI smoke (node1: S3 S4 N2 N4 D2 D3)", ["smoke"], "<= 5 min")):
            with tempfile.TemporaryDirectory() as rep, kvm_cli(up=False) as cli:
                t = time.monotonic()
                if extra:
                    argv = [sys.executable, "-m", "pytest", "suites/test_failover_matrix.py", "--lab",
                            str(cli.inventory), "-k", "node1 and (S3 or S4 or N2 or N4 or D2 or D3)",
                            "-q", "-p", "no:cacheprovider", "--altio-report", rep]
                else:
                    argv = [str(Path(sys.executable).parent / "altio-hil"), "run", "--lab", str(cli.inventory),
                            "--no-html", "--report", rep, "--seed", "1"]
                done = subprocess.run(argv, env=cli.env, cwd=str(REPO), capture_output=True, text=True)
                wall = time.monotonic() - t
                res = json.loads((Path(rep) / "results.json").read_text())["scenarios"]
                passed = sum(r["verdict"] == "pass" for r in res)
                rows.append((label, f"{wall / 60:.1f} min, {passed}/{len(res)} passed (exit {done.returncode})", goal))
                if not extra:
                    quiet = [d for r in res if not r["expected"]["failover"] for _, d in r.get("guest_io_outages", [])]
                    moved = [d for r in res if r["expected"]["failover"] for _, d in r.get("guest_io_outages", [])]
                    rows.append(("no-failover rows: guest I/O outages (> 2 s tolerance)",
                                 f"{len(quiet)}" + (f", longest {max(quiet):.1f} s" if quiet else ""), "0"))
                    if moved:
                        rows.append(("failover rows: guest I/O outage (the failover's cost)",
                                     f"median {statistics.median(moved):.1f} s, max {max(moved):.1f} s", "-"))
    width = max(len(r[0]) for r in rows)
    print(f"{'measure':{width}}  {'measured':42}  goal")
    for what, got, goal in rows:
        print(f"{what:{width}}  {got:42}  {goal}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
