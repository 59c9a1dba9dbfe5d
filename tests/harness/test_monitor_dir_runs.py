"""`altio-hil run --monitor DIR`: a VCS script agent directory certified on the emulated lab.

The entry points run as processes (emulators/vcs/agents/script.py) and find the lab as on a VCS node:
`$VCS_HOME/bin/hagrp` answers for the lab, `$VCS_SYSTEM` and `$VCS_CONF/conf/sysname` name the system.
A broken agent is a verdict on the agent (exit 1, the reason in the scenario's problems), never a
harness error (exit 3).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
ALTIO_HIL = Path(sys.executable).parent / "altio-hil"
SEED_MAIN_CF = REPO / "inventories" / "sim-2node" / "main.cf"
OWN_AGENT = REPO / "agents" / "AlternateIO"


def _run(*args: str, timeout: float = 600) -> subprocess.CompletedProcess:
    return subprocess.run([str(ALTIO_HIL), "run", "--no-html", "--seed", "3", *args], capture_output=True,
                          text=True, timeout=timeout, cwd=REPO)


def _fast_lab(tmp_path: Path) -> Path:
    """The seed's cluster with short monitor timeouts and a fast pace: a hanging entry point costs
    seconds, not minutes."""
    inv = tmp_path / "fast.yaml"
    inv.write_text(f"""lab: fast-seed
target: sim
cluster:
  main_cf: {SEED_MAIN_CF}
nodes:
  - {{name: node1, control: primary1, alternates: [alternate1]}}
  - {{name: node2, control: primary2, alternates: [alternate2]}}
timing:
  MonitorInterval: 10
  OfflineMonitorInterval: 20
  MonitorTimeout: 5
  CleanTimeout: 5
  time_scale: 50
""")
    return inv


def _agent(tmp_path: Path, name: str, monitor: str, executable: bool = True) -> Path:
    d = tmp_path / name
    d.mkdir()
    for ep in ("online", "offline", "clean"):
        (d / ep).write_text(f'#!/bin/sh\nexec {OWN_AGENT / ep} "$@"\n')
        (d / ep).chmod(0o755)
    (d / "monitor").write_text(monitor)
    (d / "monitor").chmod(0o755 if executable else 0o644)
    return d


@pytest.mark.parametrize("kind, monitor, executable, reason", [
    ("hangs", "#!/bin/sh\nsleep 100000\n", True, "monitor timed out"),
    ("exits-255", "#!/bin/sh\necho 'not a state'\nexit 255\n", True, "monitor exited 255"),
    ("not-executable", "#!/bin/sh\nexit 110\n", False, "Permission denied"),
])
def test_a_broken_agent_fails_the_run_with_its_reason(tmp_path, kind, monitor, executable, reason):
    agent = _agent(tmp_path, kind, monitor, executable)
    report = tmp_path / "report"
    done = _run("--lab", str(_fast_lab(tmp_path)), "--monitor", str(agent), "--suite", "matrix",
                "-k", "S1 and node1", "--report", str(report), timeout=300)
    assert done.returncode == 1, done.stdout + done.stderr
    results = json.loads((report / "results.json").read_text())
    assert results["outcome"] == "failed" and not results["harness_errors"]
    assert results["monitor"] == str(agent)
    [scenario] = results["scenarios"]
    assert scenario["verdict"] == "fail"
    text = " ".join(scenario["problems"])
    assert "AlternateIO agent under test" in text and reason in text, text


def test_entry_points_find_the_lab_as_on_a_vcs_node(tmp_path):
    """A wrapper around the project's agent records what its monitor sees, then runs it: the scenario
    passes, and every control domain's monitor saw its own system and the lab's hagrp."""
    seen = tmp_path / "seen"
    monitor = (f'#!/bin/sh\necho "$VCS_SYSTEM $(cat "$VCS_CONF/conf/sysname") '
               f'$("$VCS_HOME/bin/hagrp" -state aiosg -sys "$VCS_SYSTEM" 2>&1 | tr -d " ") $*" >> {seen}\n'
               f'exec {OWN_AGENT / "monitor"} "$@"\n')
    agent = _agent(tmp_path, "recorder", monitor)
    report = tmp_path / "report"
    done = _run("--monitor", str(agent), "--suite", "matrix", "-k", "S2 and node1", "--report", str(report))
    assert done.returncode == 0, done.stdout + done.stderr
    lines = seen.read_text().splitlines()
    for system, sg in (("primary1", "primary1"), ("primary2", "primary2")):
        mine = [line for line in lines if line.startswith(f"{system} {system} ")]
        assert mine, f"no monitor ran on {system}: {lines[:5]}"
        # V50 arguments localized for the system; the lab's hagrp answered (a state, not an error)
        assert any(line.endswith(f"altiores StorageSG 2 {sg}-strsg 1 NetworkSG 2 {sg}-nwsg 0") for line in mine)
        assert all("V-16" not in line for line in mine)
        # `hagrp -state G -sys S` prints the bare state (tests/engine/test_vcs_cli_fidelity.py)
        assert any(line.startswith("primary1 primary1 ONLINE ") for line in lines)


def test_a_monitor_that_is_no_agent_directory_is_refused(tmp_path):
    for bad, says in ((tmp_path / "missing", "no such agent directory"), (tmp_path, "no entry point"),
                      (Path("nosuch-monitor"), "neither a built-in monitor")):
        done = _run("--monitor", str(bad), "--report", str(tmp_path / "r"))
        assert done.returncode == 2 and says in done.stderr, done.stderr
        assert not (tmp_path / "r" / "results.json").exists()


@pytest.mark.slow
def test_the_projects_agent_as_a_script_agent_passes_the_seed_matrix(tmp_path):
    """`--monitor agents/AlternateIO`: the entry points as processes certify like the built-in monitor."""
    report = tmp_path / "report"
    done = _run("--monitor", "agents/AlternateIO", "-n", "2", "--report", str(report), timeout=900)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-2000:]
    results = json.loads((report / "results.json").read_text())
    assert results["outcome"] == "passed"
    assert len(results["scenarios"]) >= 40 and all(s["verdict"] == "pass" for s in results["scenarios"])
    assert results["monitor"] == str(OWN_AGENT)
