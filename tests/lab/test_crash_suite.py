"""The crash suite: SIGKILL, SIGINT and SIGTERM at random points of `run`, `lab fault`, `lab heal` and
`lab up`, and the invariant that holds after the next command:

- nothing is in force that the ledger does not list, and nothing listed is not in force;
- no process of the interrupted command is left (its process group, xdist workers and report
  renderer included), and a lab has exactly one daemon.

The points are drawn from a seeded generator (ALTIO_CRASH_SEED, default 12): a failure names its
trial, and the same seed replays it. Each trial prints one line (`-s` shows them: the figures of the
closing note come from there).
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import time
from pathlib import Path

import pytest
from live_lab import ALTIO_HIL, LabCli, fast_inventory, lab_dirs, running_lab, wait_for

SEED = int(os.environ.get("ALTIO_CRASH_SEED", "12"))
SIGNALS = (signal.SIGKILL, signal.SIGINT, signal.SIGTERM)


def _delays(name: str, count: int, low: float, high: float) -> list[float]:
    rng = random.Random(f"{SEED}-{name}")
    return [round(rng.uniform(low, high), 2) for _ in range(count)]


def _session_processes(sid: int) -> list[str]:
    """Processes still in the session the command was started in (its whole tree)."""
    left = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[3]) == sid and fields[0] != "Z":
            left.append(f"{stat.parent.name}: {(stat.parent / 'cmdline').read_bytes()[:120]!r}")
    return left


def _interrupt(argv: list[str], env: dict, cwd: Path, sig: int, after_s: float) -> subprocess.Popen:
    """Start a command in a session of its own, signal it after `after_s` (if still running), let it
    end; its stderr is kept as `proc.err`."""
    proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, start_new_session=True)
    try:
        proc.wait(after_s)
    except subprocess.TimeoutExpired:
        proc.send_signal(sig)
    try:
        _, proc.err = proc.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.communicate()
        pytest.fail(f"{argv[1:3]} did not end within 90 s of {signal.Signals(sig).name}")
    return proc


def _no_process_left(proc: subprocess.Popen) -> None:
    assert wait_for(lambda: not _session_processes(proc.pid), 15), _session_processes(proc.pid)


def _exit_code_says(proc: subprocess.Popen, sig: int) -> None:
    """A command that caught the signal exits as a shell reports it (130, 143); SIGKILL kills."""
    if sig == signal.SIGKILL:  # what its orphans print then (execnet: "Broken pipe") is not its own
        assert proc.returncode in (-signal.SIGKILL, 0, 1, 2, 3), proc.returncode
        return
    assert proc.returncode in (0, 1, 128 + sig, -sig), proc.returncode
    assert "Traceback" not in proc.err, proc.err[-2000:]


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_run_interrupted_anywhere_leaves_nothing_in_force_and_no_process(tmp_path, sig):
    run = [str(ALTIO_HIL), "run", "-n", "2", "--suite", "matrix", "--suite", "nemesis", "--seed", "7", "--report"]
    with lab_dirs() as (runtime, state):
        cli = LabCli(None, runtime, state)
        whole = cli.run(*run[1:], str(tmp_path / "whole"), "--no-html", timeout=300)
        assert whole.returncode == 0, whole.stderr
        complete = json.loads((tmp_path / "whole" / "results.json").read_text())["scenarios"]
        for i, after in enumerate(_delays(f"run-{sig}", 2, 0.5, 3.0)):
            report = tmp_path / f"report-{i}"
            proc = _interrupt([*run, str(report)], cli.env, tmp_path, sig, after)
            print(f"crash: run {signal.Signals(sig).name} at {after}s -> exit {proc.returncode}")
            _exit_code_says(proc, sig)
            _no_process_left(proc)
            heal = cli.run("heal")  # the next command
            assert heal.returncode == 0 and "Traceback" not in heal.stderr, heal.stderr
            ledger = state / "ledgers" / "seed-2node-sim.json"
            assert not ledger.exists() or ledger.read_text().strip() in ("", "[]"), ledger.read_text()
            # results that read as green are whole: a run cut short says "interrupted" (or left none)
            if (report / "results.json").exists():
                results = json.loads((report / "results.json").read_text())
                if results["outcome"] == "passed":
                    assert len(results["scenarios"]) == len(complete), results["scenarios"]
                else:
                    assert results["outcome"] == "interrupted", results["outcome"]


def _in_force(cli: LabCli) -> set[tuple[str, str]]:
    out = cli.lab("status").stdout
    return {tuple(line.split(" ", 1)) for line in out.splitlines()
            if line.split(" ", 1)[0] in ("nic_pull", "zpool_offline", "disk_offline", "domain_kill", "node_power_off")}


def _listed(cli: LabCli) -> set[tuple[str, str]]:
    return {(e["kind"], e["where"]) for e in cli.daemon_ledger()}


FAULTS = [("nic_pull", "alternate1:nxge4"), ("zpool_offline", "primary1:zfsprim"), ("domain_kill", "alternate2")]


def test_lab_fault_and_heal_interrupted_anywhere_keep_the_ledger_true(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        trials = 0
        for sig in SIGNALS:
            for i, after in enumerate(_delays(f"fault-{sig}", 3, 0.2, 0.8)):
                kind, where = FAULTS[i % len(FAULTS)]
                for command in (["fault", kind, "--where", where], ["heal", kind, "--where", where]):
                    argv = [str(ALTIO_HIL), "lab", command[0], "--lab", str(cli.inventory), *command[1:]]
                    proc = _interrupt(argv, cli.env, cli.runtime, sig, after)
                    trials += 1
                    in_force = _in_force(cli)  # the next command: it puts the ledger right first
                    listed = _listed(cli)
                    print(f"crash: lab {command[0]} {kind} {signal.Signals(sig).name} at {after}s -> "
                          f"exit {proc.returncode}, in force {sorted(in_force)}, listed {sorted(listed)}")
                    _exit_code_says(proc, sig)
                    _no_process_left(proc)
                    assert in_force == listed
            heal = cli.lab("heal", "--all")
            assert heal.returncode == 0 and _in_force(cli) == set() == _listed(cli)
        assert trials == 18


@pytest.mark.parametrize("sig", SIGNALS, ids=lambda s: signal.Signals(s).name)
def test_lab_up_interrupted_anywhere_then_up_gives_one_daemon(tmp_path, sig):
    inventory = fast_inventory(tmp_path)
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state)
        try:
            for after in _delays(f"up-{sig}", 2, 0.2, 1.4):
                proc = _interrupt([str(ALTIO_HIL), "lab", "up", "--lab", str(inventory)], cli.env, runtime, sig,
                                  after)
                print(f"crash: lab up {signal.Signals(sig).name} at {after}s -> exit {proc.returncode}")
                _exit_code_says(proc, sig)
                up = cli.lab("up")  # the next command
                assert up.returncode == 0, (up.stdout, up.stderr)
                alive = [p for p in cli.daemon_pids() if Path(f"/proc/{p}").exists()]
                assert len(alive) == 1, alive
                assert _in_force(cli) == set() == _listed(cli)
                down = cli.lab("down")
                assert down.returncode == 0
                assert wait_for(lambda: not [p for p in cli.daemon_pids() if Path(f"/proc/{p}").exists()], 15)
                time.sleep(0.1)
        finally:
            cli.lab("down", timeout=30)
