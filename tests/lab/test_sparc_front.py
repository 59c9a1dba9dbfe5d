"""An emulated sparc lab behind a real OpenSSH server, reached as SPARC hardware is: `ssh` to its
systems and ILOMs on the inventory's ports, consoles through the ILOM and through `telnet` in a
control domain. Nothing here reads the lab's objects: only what ssh prints, which ports refuse, the
files `lab up` made and the process table."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess

import pexpect
import yaml
from live_lab import LabCli, lab_dirs, process_gone
from live_sparc import (
    CONSOLE_PASSWORD,
    SparcLab,
    accepts,
    processes_mentioning,
    refuses,
    running_sparc_lab,
    sparc_inventory,
    wait_for,
)

import emulators.lab as lab_module
from agents.package import checksums, install_files
from harness.parsers import parse_hastatus_sum, parse_ldm_list_p

SYSTEMS = ("primary1", "alternate1", "primary2", "alternate2", "ldg1")
ILOMS = ("node1", "node2")
PORT_BUDGET_S = 60.0  # generous: a shared machine may be slow; nothing here is timed
LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d VCS [A-Z]+ V-16-\d+-\d+ ", re.M)
PASSWORD_ENV = {"ALTIO_HIL_CONSOLE_PASSWORD": CONSOLE_PASSWORD}


def _whoami_command() -> str:
    """`hostname` once the lab answers it, else what the login set."""
    return "hostname" if "hostname" in getattr(lab_module, "EMULATED_COMMANDS", ()) else "echo $ALTIO_HIL_SYSTEM"


def _all_ports(lab: SparcLab) -> list[int]:
    return [lab.port(name) for name in (*SYSTEMS, *ILOMS)]


def _nothing_left(lab: SparcLab) -> None:
    """No process of the lab (daemon, sshd, logins) and every public port closed."""
    assert wait_for(lambda: not processes_mentioning(str(lab.dir)), 30), processes_mentioning(str(lab.dir))
    closed = {port: refuses(port) for port in _all_ports(lab)}
    assert all(closed.values()), closed


def _console_login(child: pexpect.spawn, system: str, password: str) -> None:
    child.expect_exact(f"{system} console login: ")
    child.sendline("root")
    child.expect_exact("Password: ")
    child.sendline(password)


def test_an_emulated_sparc_lab_is_reached_over_ssh_only(tmp_path):
    with running_sparc_lab(tmp_path, **PASSWORD_ENV) as lab:
        data = lab.data
        # what `lab up` made: keys, known_hosts for every port, a hashed console password, sshd's config
        known = (lab.dir / "ssh" / "known_hosts").read_text().splitlines()
        assert sorted(line.split()[0] for line in known) == sorted(f"[127.0.0.1]:{p}" for p in _all_ports(lab))
        assert all(line.split()[1] == "ssh-ed25519" for line in known)
        for private in ("ssh/client_ed25519_key", "ssh/host_ed25519_key", "console.pw"):
            assert os.stat(lab.dir / private).st_mode & 0o077 == 0, private
        assert CONSOLE_PASSWORD not in (lab.dir / "console.pw").read_text()
        config = (lab.dir / "ssh" / "sshd_config").read_text()
        listen = re.findall(r"^ListenAddress (\S+)$", config, re.M)
        assert len(listen) == len(_all_ports(lab)) and all(a.startswith("127.0.0.1:") for a in listen)
        for line in ("UsePAM no", "PasswordAuthentication no", "KbdInteractiveAuthentication no",
                     "PubkeyAuthentication yes", "PermitRootLogin prohibit-password"):
            assert re.search(rf"^{line}$", config, re.M), line
        assert "AcceptEnv" not in config
        sshd = [p for p, cmd in processes_mentioning(str(lab.dir / "ssh" / "sshd_config")) if "sshd" in cmd]
        assert len(sshd) == 1

        # a key the lab does not know is refused
        stranger = tmp_path / "stranger_key"
        subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(stranger)], check=True)
        args = lab.ssh_args("primary1")
        args[args.index("-i") + 1] = str(stranger)
        refused = subprocess.run(["ssh", "-o", "IdentitiesOnly=yes", *args, "true"], capture_output=True, text=True,
                                 timeout=60, stdin=subprocess.DEVNULL)
        assert refused.returncode == 255 and "Permission denied" in refused.stderr, refused.stderr

        # every command lands on the system of its port, in that system's own home
        homes = {}
        for system in SYSTEMS:
            out = lab.out(system, f"{_whoami_command()}; echo home=$HOME").splitlines()
            assert out[0] == system, (system, out)
            homes[system] = out[1].removeprefix("home=")
            assert homes[system].startswith(str(lab.dir)), homes[system]
        assert len(set(homes.values())) == len(SYSTEMS)

        summary = parse_hastatus_sum(lab.out("primary1", "hastatus -sum"))
        assert summary.groups[("ldomsg", "primary1")].state == "ONLINE"
        assert all(row.state == "RUNNING" for row in summary.systems.values())
        domains = {d.name: d.state for d in parse_ldm_list_p(lab.out("primary1", "ldm list -p"))}
        assert domains == {"primary": "active", "alternate1": "active", "ldg1": "active"}, domains
        # the lab boots with the types' own timing: the run applies the inventory's (hatype -modify)
        assert data["timing"]["MonitorInterval"] != 60
        assert lab.out("primary1", "hatype -value AlternateIO MonitorInterval").strip() == "60"
        failed = lab.ssh("primary1", "echo to-stderr >&2; exit 7")
        assert failed.returncode == 7 and failed.stderr == "to-stderr\n"

        # a VCS node's environment; the lab's shims first on PATH, not the virtual environment's
        env = lab.out("primary1", "cat $VCS_CONF/conf/sysname; echo $VCS_SYSTEM; command -v hagrp; "
                                  "$VCS_HOME/bin/hagrp -state ldomsg -sys primary1").split()
        assert env[:2] == ["primary1", "primary1"] and env[2] == str(lab.dir / "bin" / "hagrp")
        assert "ONLINE" in env[3]
        assert lab.out("alternate2", "cat $VCS_CONF/conf/sysname").strip() == "alternate2"

        # the agent build of `lab up --monitor` (default alternateio), on every control system only
        files = install_files("alternateio")
        sums = lab.out("primary2", "cd ~/opt/VRTSvcs/bin/AlternateIO && sha256sum " + " ".join(sorted(files)))
        assert {name: digest for digest, name in (line.split() for line in sums.splitlines())} == checksums(files)
        assert lab.out("primary1", "stat -c %a ~/opt/VRTSvcs/bin/AlternateIO/monitor").strip() == "755"
        assert lab.ssh("alternate1", "test -e ~/opt/VRTSvcs/bin/AlternateIO").returncode == 1

        # the engine's log grows where the inventory says, on every cluster system
        log = data["sparc"]["engine_log"]
        size = int(lab.out("primary1", f"wc -c < {log}"))
        assert size > 0 and LOG_LINE.search(lab.out("alternate2", f"tail -n 3 {log}"))

        # a domain that is down refuses connections; back up, it accepts again
        assert "LDom alternate1 stopped" in lab.out("primary1", "ldm stop-domain -f alternate1")
        assert wait_for(lambda: refuses(lab.port("alternate1")), PORT_BUDGET_S), "alternate1's port stayed open"
        assert lab.ssh("alternate1", "true").returncode == 255
        status = lab.cli.lab("status").stdout
        assert re.search(rf"alternate1\s+-> 127\.0\.0\.1:{lab.port('alternate1')}\s+down", status), status
        assert re.search(rf"primary1\s+-> 127\.0\.0\.1:{lab.port('primary1')}\s+up", status), status
        assert wait_for(lambda: LOG_LINE.search(lab.out("primary1", f"tail -c +{size + 1} {log}")),
                        PORT_BUDGET_S), "nothing new in the engine log"
        assert "LDom alternate1 started" in lab.out("primary1", "ldm start-domain alternate1")
        assert wait_for(lambda: accepts(lab.port("alternate1")), PORT_BUDGET_S), "alternate1 did not come back"
        assert lab.out("alternate1", _whoami_command()).strip() == "alternate1"

        # a console through the control domain's console concentrator: `telnet localhost PORT`
        cons = {line.split()[0]: line.split()[3] for line in lab.out("primary1", "ldm list").splitlines()[1:]}
        child = lab.interactive("primary1")
        try:
            child.expect_exact("SunOS 5.11")
            child.expect_exact("root@primary1:~# ")
            child.sendline(f"telnet localhost {cons['alternate1']}")
            for line in ("Trying 127.0.0.1...", "Connected to localhost.", "Escape character is '^]'.",
                         'Connecting to console "alternate1" in group "alternate1" ....',
                         "Press ~? for control options .."):
                child.expect_exact(line)
            _console_login(child, "alternate1", "not-the-password")
            child.expect_exact("Login incorrect")
            _console_login(child, "alternate1", CONSOLE_PASSWORD)
            child.expect_exact("root@alternate1:~# ")
            child.sendline("echo on=$ALTIO_HIL_SYSTEM")
            child.expect_exact("on=alternate1")
            child.expect_exact("root@alternate1:~# ")
            child.send("~.")
            child.expect_exact("Connection to localhost closed by foreign host.")
            child.expect_exact("root@primary1:~# ")
            child.sendline("telnet localhost 5999; telnet example.com 5000")
            child.expect_exact("telnet: Unable to connect to remote host: Connection refused")
            child.expect_exact("telnet: Unable to connect to remote host: Connection refused")
            child.expect_exact("root@primary1:~# ")
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)

        # a daemon killed outright takes its sshd with it; the next `lab up` starts afresh
        (pid,) = lab.cli.daemon_pids()
        sshd_pid = int((lab.dir / "ssh" / "sshd.pid").read_text())
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: process_gone(sshd_pid), 30), "sshd outlived its daemon"
        _nothing_left(lab)
        again = lab.cli.lab("up", timeout=180)
        assert again.returncode == 0 and "already" not in again.stdout, (again.stdout, again.stderr)
        assert lab.out("alternate2", _whoami_command()).strip() == "alternate2"

        down = lab.cli.lab("down")
        assert down.returncode == 0 and "is down" in down.stdout, (down.stdout, down.stderr)
        _nothing_left(lab)


def test_ilom_powers_a_node_off_and_on_and_its_console_boots_a_panicked_control_domain(tmp_path):
    with running_sparc_lab(tmp_path, **PASSWORD_ENV) as lab:
        assert "power_state = On" in lab.out("node1", "show /SYS power_state")
        child = lab.interactive("node1")
        try:
            child.expect_exact("Oracle(R) Integrated Lights Out Manager")
            child.expect_exact("Version 3.2")
            child.expect_exact("-> ")
            child.sendline("stop /SYS")
            child.expect_exact("Are you sure you want to stop /SYS (y/n)? ")
            child.sendline("n")
            child.expect_exact("-> ")
            assert accepts(lab.port("primary1"))

            # power off: the node's domains are gone, its service processor is not
            child.sendline("stop -script -force /SYS")
            child.expect_exact("Stopping /SYS immediately!")
            child.expect_exact("-> ")
            for system in ("primary1", "alternate1"):
                assert wait_for(lambda s=system: refuses(lab.port(s)), PORT_BUDGET_S), f"{system} still answers"
            assert accepts(lab.port("node1"))
            child.sendline("show /SYS power_state")
            child.expect_exact("power_state = Off")
            child.sendline("stop -script /SYS")
            child.expect_exact("stop: Target already stopped")
            # the guest fails over: its port lands on the other node
            assert wait_for(lambda: accepts(lab.port("ldg1")), PORT_BUDGET_S), "ldg1 did not come back on node2"
            assert {d.name: d.state for d in parse_ldm_list_p(lab.out("primary2", "ldm list -p"))}["ldg1"] == "active"

            child.sendline("start /SYS")
            child.expect_exact("Are you sure you want to start /SYS (y/n)? ")
            child.sendline("y")
            child.expect_exact("Starting /SYS")
            child.expect_exact("-> ")
            assert wait_for(lambda: accepts(lab.port("primary1")), PORT_BUDGET_S), "primary1 did not boot"
            assert lab.out("primary1", _whoami_command()).strip() == "primary1"

            # dumpcore: the control domain panics; on its console, `boot` brings it back
            child.sendline("set /HOST send_break_action=dumpcore")
            child.expect_exact("Set 'send_break_action' to 'dumpcore'")
            child.expect_exact("-> ")
            assert wait_for(lambda: refuses(lab.port("primary1")), PORT_BUDGET_S), "primary1 survived dumpcore"
            child.sendline("start /HOST/console")
            child.expect_exact("Are you sure you want to start /HOST/console (y/n)? ")
            child.sendline("y")
            child.expect_exact("Serial console started.  To stop, type #.")
            child.expect_exact("dump succeeded")
            child.expect_exact("{0} ok ")
            child.sendline("boot")
            child.expect_exact("Boot device: ")
            child.expect_exact("SunOS Release 5.11 Version 11.4 64-bit")
            _console_login(child, "primary1", "wrong")
            child.expect_exact("Login incorrect")
            assert wait_for(lambda: accepts(lab.port("primary1")), PORT_BUDGET_S), "primary1 did not boot"
            _console_login(child, "primary1", CONSOLE_PASSWORD)
            child.expect_exact("root@primary1:~# ")
            child.sendline("echo on=$ALTIO_HIL_SYSTEM")
            child.expect_exact("on=primary1")
            child.sendline("exit")
            child.expect_exact("primary1 console login: ")
            child.send("#.")
            child.expect_exact("-> ")
            child.sendline("reboot-the-world")
            child.expect_exact("Invalid command 'reboot-the-world' - type help for a list of commands.")
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert "no faults in force" in lab.cli.lab("status").stdout

        # SIGTERM: the daemon stops cleanly, and its sshd, forwarders and socket with it
        (pid,) = lab.cli.daemon_pids()
        sshd_pid = int((lab.dir / "ssh" / "sshd.pid").read_text())
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: process_gone(pid), 30), "the daemon ignored SIGTERM"
        assert wait_for(lambda: process_gone(sshd_pid), 30), "sshd outlived its daemon"
        assert not (lab.dir / "daemon.sock").exists()
        _nothing_left(lab)


def test_lab_up_refuses_a_taken_port_or_a_real_lab_and_starts_nothing(tmp_path):
    inventory = sparc_inventory(tmp_path, "sparc-taken")
    data = yaml.safe_load(inventory.read_text())
    taken = data["sparc"]["systems"]["alternate2"]["port"]
    line = next(i for i, text in enumerate(inventory.read_text().splitlines(), 1)
                if text.strip() == f"port: {taken}")
    holder = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    holder.bind(("127.0.0.1", taken))
    holder.listen()
    try:
        with lab_dirs() as (runtime, state):
            cli = LabCli(inventory, runtime, state)
            up = cli.lab("up", timeout=120)
            assert up.returncode == 3, (up.returncode, up.stdout, up.stderr)
            assert f"{inventory}:{line}:" in up.stderr and f"port {taken}" in up.stderr, up.stderr
            assert "sparc.systems.alternate2.port" in up.stderr and "Traceback" not in up.stderr
            assert not processes_mentioning(str(runtime))
            others = [h["port"] for s in ("systems", "guests", "ilom") for h in data["sparc"][s].values()]
            assert all(refuses(p) for p in others if p != taken)
            assert cli.lab("status").returncode == 3

            # a real lab is not something `lab up` serves
            data["sparc"]["emulated"] = False
            real = tmp_path / "real.yaml"
            real.write_text(yaml.safe_dump(data, sort_keys=False))
            refused = LabCli(real, runtime, state).lab("up")
            assert refused.returncode == 2 and "real SPARC lab" in refused.stderr, refused.stderr
            assert not processes_mentioning(str(runtime))
    finally:
        holder.close()
