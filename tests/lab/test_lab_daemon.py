"""The lab daemon through the `altio-hil` command, as a person uses it: up, exec, a second up,
a daemon killed with SIGKILL (stale socket), up again, down; and `altio-hil heal --lab` repairing
the faults that a killed `lab fault` left recorded in the ledger."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap

from live_lab import (
    REPO,
    LabCli,
    fast_inventory,
    kill_started_daemons,
    lab_dirs,
    process_gone,
    running_lab,
    wait_for,
)

from emulators.shim import request
from harness.parsers import parse_dladm_show_phys, parse_hastatus_sum, parse_ldm_list_p


def test_up_exec_sigkill_then_up_again_starts_cleanly():
    """Default lab (the seed's, no --lab): DESIGN.md's `lab up|exec|down`, exit 3 on a dead lab."""
    with lab_dirs() as (runtime, state):
        cli = LabCli(None, runtime, state)
        try:
            up = cli.lab("up")
            assert up.returncode == 0 and "seed-2node is up" in up.stdout, (up.stdout, up.stderr)

            summary = parse_hastatus_sum(cli.out("primary1", "hastatus", "-sum"))
            assert summary.groups[("ldomsg", "primary1")].state == "ONLINE"
            assert summary.groups[("aiosg", "primary1")].state == "ONLINE"
            domains = {d.name: d.state for d in parse_ldm_list_p(cli.out("primary1", "ldm", "list", "-p"))}
            assert domains["ldg1"] == "active"
            # the shell's system decides where a command runs: no ldm in an alternate domain
            assert cli.exec("alternate1", "ldm", "list").returncode == 127
            assert parse_hastatus_sum(cli.out("alternate2", "hastatus", "-sum")).groups == summary.groups

            again = cli.lab("up")
            assert again.returncode == 0 and "already up" in again.stdout, again.stdout
            assert len(cli.daemon_pids()) == 1

            # SIGKILL: the daemon cannot clean up, its socket stays behind
            (pid,) = cli.daemon_pids()
            sock = cli.socket()
            os.kill(pid, signal.SIGKILL)
            assert wait_for(lambda: process_gone(pid), 10), "the daemon survived SIGKILL"
            assert os.path.exists(sock), "expected a stale socket after SIGKILL"

            down = cli.exec("primary1", "hastatus", "-sum")
            assert down.returncode == 3, (down.returncode, down.stdout, down.stderr)
            assert "not up" in down.stderr and down.stdout == ""
            assert cli.lab("status").returncode == 3

            restart = cli.lab("up")
            assert restart.returncode == 0, (restart.stdout, restart.stderr)
            assert "is up" in restart.stdout and "already" not in restart.stdout
            assert "Address already in use" not in restart.stdout + restart.stderr
            (new_pid,) = cli.daemon_pids()
            assert new_pid != pid and not process_gone(new_pid)
            summary = parse_hastatus_sum(cli.out("primary1", "hastatus", "-sum"))
            assert summary.groups[("ldomsg", "primary1")].state == "ONLINE"

            stop = cli.lab("down")
            assert stop.returncode == 0 and "is down" in stop.stdout
            assert wait_for(lambda: process_gone(new_pid), 10)
            assert not os.path.exists(sock)
            assert cli.lab("down").stdout.strip().endswith("is not up")
            assert cli.exec("primary1", "hastatus", "-sum").returncode == 3
        finally:
            cli.lab("down", timeout=30)
            kill_started_daemons(cli)


def _killed_fault_cli(cli: LabCli, kind: str, where: str, moment: str) -> subprocess.CompletedProcess:
    """Run `altio-hil lab fault` in a process that SIGKILLs itself at `moment`:
    'before-send' (ledger written, request not sent) or 'after-send' (request sent, reply not read).
    """
    program = textwrap.dedent(f"""
        import json, os, signal, socket, sys
        import harness.lab_daemon as lab_daemon
        real = lab_daemon.request
        def request(path, payload, timeout=60.0):
            if payload.get("op") != "fault":
                return real(path, payload, timeout)
            if {moment!r} == "after-send":
                s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
                s.connect(str(path))
                s.sendall(json.dumps(payload).encode() + b"\\n")
            os.kill(os.getpid(), signal.SIGKILL)
        lab_daemon.request = request
        from harness.cli import main
        sys.exit(main(["lab", "fault", {kind!r}, "--lab", {str(cli.inventory)!r}, "--where", {where!r}]))
    """)
    return subprocess.run([sys.executable, "-c", program], env=cli.env, capture_output=True, text=True,
                          timeout=60, cwd=str(REPO))


def _ledger(cli: LabCli) -> list[dict]:
    return cli.daemon_ledger()


def test_heal_repairs_what_a_killed_lab_fault_left_behind(tmp_path):
    """`altio-hil heal --lab` on a running lab: the ledger written by a `lab fault` that was killed
    (before its request left, or after the daemon got it) is healed on the lab and emptied."""
    with running_lab(fast_inventory(tmp_path)) as cli:
        # killed before the request left: the ledger says nic_pull, the lab never got it
        killed = _killed_fault_cli(cli, "nic_pull", "alternate1:nxge4", "before-send")
        assert killed.returncode == -signal.SIGKILL
        assert [(e["kind"], e["where"]) for e in _ledger(cli)] == [("nic_pull", "alternate1:nxge4")]
        assert "no faults in force" in cli.lab("status").stdout
        heal = cli.run("heal", "--lab", str(cli.inventory))
        assert heal.returncode == 0, heal.stderr
        assert _ledger(cli) == []
        assert "no faults in force" in cli.lab("status").stdout
        assert _link_state(cli, "alternate1", "nxge4") == "up"

        # killed after sending: the fault is in force, its CLI is gone
        killed = _killed_fault_cli(cli, "nic_pull", "alternate1:nxge4", "after-send")
        assert killed.returncode == -signal.SIGKILL, killed.stderr
        assert [(e["kind"], e["where"]) for e in _ledger(cli)] == [("nic_pull", "alternate1:nxge4")]
        assert wait_for(lambda: "nic_pull alternate1:nxge4" in cli.lab("status").stdout, 5)
        assert _link_state(cli, "alternate1", "nxge4") == "down"

        heal = cli.run("heal", "--lab", str(cli.inventory))
        assert heal.returncode == 0, heal.stderr
        assert "healed nic_pull alternate1:nxge4" in heal.stdout and "nothing to heal" not in heal.stdout
        assert _ledger(cli) == []
        status = cli.lab("status")
        assert status.returncode == 0 and "no faults in force" in status.stdout
        assert _link_state(cli, "alternate1", "nxge4") == "up"
        # the daemon outlived its vanished client and still answers
        summary = parse_hastatus_sum(cli.shim_out("primary1", "hastatus", "-sum"))
        assert summary.groups[("ldomsg", "primary1")].state == "ONLINE"
        assert "nothing to heal" in cli.run("heal", "--lab", str(cli.inventory)).stdout

        # a lab that went down took its faults with it: heal only empties the ledger
        fault = cli.lab("fault", "nic_pull", "--where", "primary1:nxge3")
        assert fault.returncode == 0, fault.stderr
        assert len(_ledger(cli)) == 1
        assert cli.lab("down").returncode == 0
        heal = cli.run("heal", "--lab", str(cli.inventory))
        assert heal.returncode == 0 and "is down" in heal.stdout
        assert _ledger(cli) == []


def _link_state(cli: LabCli, system: str, link: str) -> str:
    return {p.link: p.state for p in parse_dladm_show_phys(cli.shim_out(system, "dladm", "show-phys"))}[link]


def test_every_command_puts_the_ledger_right_first(tmp_path):
    """Nothing listed that is not in force, nothing in force that is not listed, after any command
    that reaches the daemon: a `lab fault` killed between its ledger and its lab, or a fault that
    reached the lab without the ledger (a client of the socket), is put right by the next `lab status`."""
    with running_lab(fast_inventory(tmp_path)) as cli:
        assert _killed_fault_cli(cli, "nic_pull", "alternate1:nxge4", "before-send").returncode == -signal.SIGKILL
        assert [(e["kind"], e["where"]) for e in _ledger(cli)] == [("nic_pull", "alternate1:nxge4")]
        assert "no faults in force" in cli.lab("status").stdout
        assert _ledger(cli) == []

        reply = request(cli.socket(), {"op": "fault", "kind": "nic_pull", "where": "alternate1:nxge4"})
        assert reply["rc"] == 0 and _ledger(cli) == []
        assert "nic_pull alternate1:nxge4" in cli.lab("status").stdout
        assert [(e["kind"], e["where"]) for e in _ledger(cli)] == [("nic_pull", "alternate1:nxge4")]
        heal = cli.lab("heal", "--all")
        assert heal.returncode == 0 and _ledger(cli) == []
        assert _link_state(cli, "alternate1", "nxge4") == "up"


def test_lab_exec_answers_as_a_shell_does(tmp_path):
    """127 for a command that does not exist, 126 for one that cannot run, and one argument is a
    command line for the system's shell, as ssh runs it."""
    script = tmp_path / "not-executable"
    script.write_text("echo hi\n")
    with running_lab(fast_inventory(tmp_path)) as cli:
        missing = cli.exec("primary1", "nosuchcmd-altio")
        assert missing.returncode == 127 and "command not found" in missing.stderr
        assert "Traceback" not in missing.stderr
        cannot = cli.exec("primary1", str(script))
        assert cannot.returncode == 126 and "Traceback" not in cannot.stderr, cannot.stderr
        line = cli.exec("primary1", "hastatus -sum | grep ldomsg")
        assert line.returncode == 0, line.stderr
        rows = line.stdout.splitlines()
        assert rows and all("ldomsg" in r for r in rows) and any("primary1" in r for r in rows)


def test_lab_up_runs_a_script_agent_directory_and_its_monitor_can_be_probed(tmp_path):
    """`lab up --monitor DIR`: the daemon's engine calls DIR's entry points as processes (their own
    log line reaches the engine log), the `probe` op runs its monitor by hand (110 with the lab's
    ArgList, 99 for a group it cannot read), and `lab down` leaves none of its processes behind."""
    own = REPO / "agents" / "AlternateIO"
    build = tmp_path / "build"
    build.mkdir()
    for ep in ("online", "offline", "clean"):
        (build / ep).write_text(f'#!/bin/sh\nexec {own / ep} "$@"\n')
    (build / "monitor").write_text(f'#!/bin/sh\necho "daemon-build-5 on $VCS_SYSTEM" >&2\nexec {own / "monitor"} "$@"\n')
    for ep in ("online", "offline", "clean", "monitor"):
        (build / ep).chmod(0o755)
    inventory = fast_inventory(tmp_path, name="seed-script-agent", time_scale=20)
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state)
        try:
            up = cli.lab("up", "--monitor", str(build), timeout=180)
            assert up.returncode == 0, (up.stdout, up.stderr)
            summary = parse_hastatus_sum(cli.out("primary1", "hastatus", "-sum"))
            assert summary.groups[("aiosg", "primary1")].state == "ONLINE"
            log = request(cli.socket(), {"op": "exec", "system": "primary1",
                                         "argv": ["cat", "/var/VRTSvcs/log/engine_A.log"]})["out"]
            assert "AlternateIO:altiores:monitor:daemon-build-5 on primary1" in log
            attrs = {"StorageSG": {"primary1-strsg": "1"}, "NetworkSG": {"primary1-nwsg": "0"}}
            reply = request(cli.socket(), {"op": "probe", "system": "primary1", "attrs": attrs}, timeout=60)
            assert (reply["rc"], reply["code"]) == (0, 110), reply
            ghost = {**attrs, "StorageSG": {**attrs["StorageSG"], "no-such-sg": "0"}}
            reply = request(cli.socket(), {"op": "probe", "system": "primary1", "attrs": ghost}, timeout=60)
            assert (reply["rc"], reply["code"]) == (0, 99), reply
            bad = request(cli.socket(), {"op": "probe", "system": "nosuch", "attrs": attrs}, timeout=60)
            assert bad["rc"] == 2 and "nosuch" in bad["err"], bad
        finally:
            cli.lab("down", timeout=30)
            kill_started_daemons(cli)
        leftovers = subprocess.run(["pgrep", "-f", str(build)], capture_output=True, text=True).stdout.split()
        assert not leftovers, f"entry points of {build} still running after lab down: {leftovers}"


def _groups(cli: LabCli) -> dict[tuple[str, str], str]:
    return {key: g.state for key, g in parse_hastatus_sum(cli.shim_out("primary2", "hastatus", "-sum")).groups.items()}


def test_lab_heal_and_reset_restore_the_steady_state_as_a_run_does_and_say_how(tmp_path):
    """`lab heal --all` after a failover (storage lost on both I/O domains of node1): the faults go,
    then what VCS needs cleared is cleared (`hagrp -clear` of the FAULTED groups, said with the state
    each was in) and the guest stays where it runs; `lab reset` moves it home. Before, the cluster
    stayed OFFLINE|FAULTED under "no faults in force"."""
    with running_lab(fast_inventory(tmp_path)) as cli:
        for where in ("primary1:zfsprim", "alternate1:zfsmirr"):
            assert cli.lab("fault", "zpool_offline", "--where", where).returncode == 0
        assert wait_for(lambda: _groups(cli)[("ldomsg", "primary2")] == "ONLINE"
                        and "FAULTED" in _groups(cli)[("aiosg", "primary1")], 30), _groups(cli)

        # one of two healed: the other still in force, nothing cleared yet
        one = cli.lab("heal", "zpool_offline", "--where", "primary1:zfsprim")
        assert one.returncode == 0, one.stderr
        assert "healed zpool_offline primary1:zfsprim" in one.stdout and "hagrp" not in one.stdout
        assert "still in force: zpool_offline alternate1:zfsmirr" in " ".join(one.stdout.split())

        heal = cli.lab("heal", "--all")
        assert heal.returncode == 0, heal.stderr
        lines = heal.stdout.splitlines()
        assert lines[0] == "healed zpool_offline alternate1:zfsmirr", lines
        assert "steady state restored as a run does after its heals:" in lines
        said = [" ".join(line.split()) for line in lines]
        for group, system in (("aiosg", "primary1"), ("primary1-strsg", "primary1"), ("primary1-strsg", "alternate1")):
            assert f"hagrp -clear {group} -sys {system} # was OFFLINE|FAULTED" in said, lines
        assert said[-1] == "guest ldg1 (ldomsg) ONLINE on primary2 (its home is primary1: `lab reset`)", lines
        assert all(len(line) <= 80 for line in lines), lines
        groups = _groups(cli)
        assert not any("FAULTED" in state for state in groups.values()), groups
        assert groups[("ldomsg", "primary2")] == groups[("aiosg", "primary2")] == "ONLINE"
        status = cli.lab("status").stdout
        assert "FAULTED resources: none" in status and "no faults in force" in status, status

        # every guest home, the lab as a run's baseline leaves it
        reset = cli.lab("reset")
        assert reset.returncode == 0, reset.stderr
        assert reset.stdout.splitlines()[-1] == "guest ldg1 (ldomsg) ONLINE on primary1 (its home)", reset.stdout
        assert "hagrp -online ldomsg -sys primary1" in reset.stdout, reset.stdout
        groups = _groups(cli)
        for group in ("ldomsg", "aiosg"):
            assert groups[(group, "primary1")] == "ONLINE" and groups[(group, "primary2")] == "OFFLINE", groups
        for system in ("primary1", "alternate1"):
            assert groups[("primary1-strsg", system)] == "ONLINE", groups
        # nothing to do: said so
        again = cli.lab("heal", "--all")
        assert again.stdout == ("no faults in force\n"
                                "the cluster is in its steady state: nothing to clear or bring online\n"
                                "guest ldg1 (ldomsg) ONLINE on primary1 (its home)\n"), again.stdout

        # a control domain killed: heal restarts it, the guest stays where it failed over to
        assert cli.lab("fault", "domain_kill", "--where", "primary1").returncode == 0
        assert wait_for(lambda: _groups(cli)[("ldomsg", "primary2")] == "ONLINE", 30)
        heal = cli.lab("heal", "--all")
        assert heal.returncode == 0 and "healed domain_kill primary1" in heal.stdout, heal.stderr
        assert heal.stdout.splitlines()[-1].startswith("guest ldg1 (ldomsg) ONLINE on primary2"), heal.stdout
        assert "primary1 RUNNING" in cli.lab("status").stdout
