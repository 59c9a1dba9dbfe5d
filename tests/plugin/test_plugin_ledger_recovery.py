"""Ledger recovery: a run killed with SIGKILL (no teardown at all) leaves its faults in the ledger; the
next session on that lab, or `altio-hil heal`, heals them and empties the ledger."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time

from altio_runs import FAST, INNER_CONFTEST, LAB_2NODE, REPO

from harness.faults import Fault, FaultLedger
from harness.inventory import load_inventory
from harness.targets import heal_leftovers

KILLED_RUN = """
    import os
    import time

    def test_injects_then_hangs(altio_faults, pool_fault):
        altio_faults.inject("zpool_offline", pool_fault[1])
        with open(os.environ["KILL_MARKER"], "w") as fh:
            fh.write("injected")
        time.sleep(120)
"""


def _kill_a_run_after_its_inject(pytester, altio_env) -> tuple[str, int]:
    """Start a pytest run whose test injects a fault then hangs; SIGKILL its process group."""
    pytester.makeconftest(INNER_CONFTEST)
    test_file = pytester.makepyfile(test_killed=KILLED_RUN)
    marker = pytester.path / "injected.marker"
    env = {**altio_env.environ(), "KILL_MARKER": str(marker)}
    proc = subprocess.Popen([sys.executable, "-m", "pytest", *FAST, "-p", "no:xdist", "--lab", str(LAB_2NODE),
                             str(test_file)], cwd=pytester.path, env=env, start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 60
        while not marker.exists():
            assert proc.poll() is None, f"the run ended (exit {proc.returncode}) before it injected"
            assert time.monotonic() < deadline, "the run did not inject within 60 s"
            time.sleep(0.05)
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    [entry] = altio_env.ledger()
    assert entry["kind"] == "zpool_offline" and entry["pid"] == proc.pid
    return f"{entry['kind']} {entry['where']}", proc.pid


def test_the_next_session_heals_what_a_killed_run_left(pytester, altio_env):
    fault, _ = _kill_a_run_after_its_inject(pytester, altio_env)
    pytester.makepyfile(test_next="def test_next_run(altio_target):\n    pass\n")
    result = pytester.runpytest_subprocess(*FAST, "-p", "no:xdist", "--lab", str(LAB_2NODE), "test_next.py")
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"altio-hil: healed 1 fault(s) left by an earlier run: {fault}"])
    assert altio_env.ledger() == []


def test_altio_hil_heal_heals_what_a_killed_run_left_and_spares_a_live_run(pytester, altio_env):
    def heal() -> subprocess.CompletedProcess:
        return subprocess.run([str(REPO / ".venv" / "bin" / "altio-hil"), "heal", "--lab", str(LAB_2NODE)],
                              env=altio_env.environ(), capture_output=True, text=True, timeout=60)

    # a fault of a run that is still going on is not a leftover
    live = {"kind": "nic_pull", "where": "primary2:nxge9", "pid": os.getpid(), "since": time.time()}
    fault, _ = _kill_a_run_after_its_inject(pytester, altio_env)
    ledger = altio_env.ledgers / "seed-2node-sim.json"
    ledger.write_text(json.dumps([*altio_env.ledger(), live]))
    done = heal()
    assert done.returncode == 0, done.stderr
    assert f"healed {fault}" in done.stdout
    assert altio_env.ledger() == [live]
    again = heal()
    assert again.returncode == 0 and "nothing to heal on seed-2node" in again.stdout
    assert altio_env.ledger() == [live]


def test_healing_a_dead_runs_record_keeps_a_live_runs_record_of_the_same_fault(tmp_path):
    """Two xdist workers may hold the same fault on their own sim labs: healing the record of the one
    that died, or a worker dropping its own record, must keep the other's."""
    ledger = FaultLedger(tmp_path / "seed-2node-sim.json")
    dead_pid = int(subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                                  capture_output=True, text=True, check=True).stdout)
    fault = Fault("zpool_offline", "primary1:zfsprim")
    ledger.path.write_text(json.dumps([
        {"kind": fault.kind, "where": fault.where, "pid": dead_pid, "since": 0},
        {"kind": fault.kind, "where": fault.where, "pid": os.getpid(), "since": 0}]))
    assert heal_leftovers(load_inventory(LAB_2NODE), "sim", ledger) == [fault]
    assert [e["pid"] for e in ledger._read()] == [os.getpid()]

    ledger.record(fault)  # this process again, then another live run's record of the same fault
    ledger.path.write_text(json.dumps([{"kind": fault.kind, "where": fault.where, "pid": os.getppid(), "since": 0},
                                       *ledger._read()]))
    ledger.drop(fault)
    assert [e["pid"] for e in ledger._read()] == [os.getppid(), os.getpid()]
