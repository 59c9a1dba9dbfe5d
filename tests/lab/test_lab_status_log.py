"""What a person sees of a running lab daemon: the engine log as a real file that `tail -f` follows
(on the host, and as /var/VRTSvcs/log/engine_A.log in `lab exec`/`lab shell`), `altio-hil lab status`
(lab, target, monitor, clock, where every guest runs, systems, frozen groups, FAULTED resources,
faults in force, engine log), `gabconfig -a` / `lltstat -nvv` following the membership, and
`hostname` / `uname -n` naming the system the shell is on, not the host.

Engine log lines as VCS writes them (reference/captures/engine_A.log.1.txt, from the VCS
Administrator's Guide, "VCS message logging"): `YYYY/MM/DD hh:mm:ss VCS SEVERITY V-16-x-nnnnn text`.
"""

from __future__ import annotations

import os
import re
import select
import signal
import socket
import subprocess
import time
from pathlib import Path

import pexpect
from live_lab import ALTIO_HIL, REPO, fast_inventory, running_lab, wait_for

LOG_LINE = re.compile(r"^\d{4}/\d\d/\d\d \d\d:\d\d:\d\d VCS (INFO|NOTICE|WARNING|ERROR|CRITICAL) V-16-\d+-\d+ \S")
VCS_LOG = "/var/VRTSvcs/log/engine_A.log"


def _engine_log_path(text: str) -> Path:
    m = re.search(r"^\s*engine log:\s+(\S+)", text, re.M)
    assert m, text
    return Path(m[1])


class Follower:
    """A `tail -f`-like process whose output is read as it comes (never blocking the test)."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path) -> None:
        self.proc = subprocess.Popen(argv, env=env, cwd=str(cwd), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        self.text = ""

    def read(self) -> str:
        assert self.proc.stdout is not None
        fd = self.proc.stdout.fileno()
        while select.select([fd], [], [], 0)[0]:
            chunk = os.read(fd, 65536)
            if not chunk:
                break
            self.text += chunk.decode(errors="replace")
        return self.text

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)


def test_engine_log_status_and_membership_follow_a_killed_control_domain(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        up_again = cli.lab("up")  # already up: says where the log is all the same
        log = _engine_log_path(up_again.stdout)
        assert log.is_file() and log.parent.parent == cli.runtime, log

        # a file VCS could have written, appended as the engine logs
        lines = log.read_text().splitlines()
        assert lines and all(LOG_LINE.match(line) for line in lines), lines[:5]
        assert any("Group ldomsg is online on system primary1" in line for line in lines)

        # the shell's /var/VRTSvcs/log/engine_A.log is that file, for tail, cat, wc and grep
        assert cli.out("primary1", "tail", "-n", "2", VCS_LOG).splitlines() == log.read_text().splitlines()[-2:]
        assert log.read_text().startswith(cli.out("alternate2", "cat", VCS_LOG))
        assert "V-16-1-10077" in cli.out("primary2", f"grep -c V-16-1-10077 {VCS_LOG} && head -n 1 {VCS_LOG}")

        # lab status before: everything steady, where ldg1 runs, the log's path
        status = cli.lab("status")
        assert status.returncode == 0, status.stderr
        text = status.stdout
        assert text.startswith("lab seed-fast is up\n"), text
        for expected in (r"target:\s+sim", r"monitor:\s+alternateio", r"time scale:\s+100\b",
                         r"clock:\s+real; emulated time \d{4}/\d\d/\d\d \d\d:\d\d:\d\d",
                         r"ldg1\s+ONLINE on primary1 \(group ldomsg",
                         r"systems:\s+primary1 RUNNING, alternate1 RUNNING, primary2 RUNNING, alternate2 RUNNING",
                         r"frozen groups: none", r"FAULTED resources: none", r"\nno faults in force\n"):
            assert re.search(expected, text), (expected, text)
        assert _engine_log_path(text) == log

        # GAB and LLT: everybody is a member
        assert "Port a gen" in cli.out("primary2", "gabconfig", "-a")
        assert re.search(r"^Port h gen [0-9a-f]+ membership 0123$", cli.out("primary2", "gabconfig", "-a"), re.M)

        # followers of the log: the host's tail -f on the file, the lab's tail -f in lab exec
        host_tail = Follower(["tail", "-n", "0", "-f", str(log)], cli.env, cli.runtime)
        lab_tail = Follower([str(ALTIO_HIL), "lab", "exec", "--lab", str(cli.inventory), "--system", "primary2",
                             "--", "tail", "-n", "0", "-f", VCS_LOG], cli.env, cli.runtime)
        try:
            time.sleep(1.0)  # both are following
            fault = cli.lab("fault", "domain_kill", "--where", "primary1")
            assert fault.returncode == 0, fault.stderr
            left = "System primary1 (Node '0') changed state from RUNNING to FAULTED"
            assert wait_for(lambda: left in host_tail.read(), 10), host_tail.read()
            assert wait_for(lambda: left in lab_tail.read(), 10), (lab_tail.read(), lab_tail.proc.poll())
            moved = "Group ldomsg is online on system primary2"
            assert wait_for(lambda: moved in host_tail.read(), 60), host_tail.read()[-2000:]
            assert all(LOG_LINE.match(line) for line in host_tail.read().splitlines())
        finally:
            host_tail.stop()
            lab_tail.stop()

        # lab status after: the guest moved, primary1 FAULTED, the fault in force
        text = cli.lab("status").stdout
        assert re.search(r"ldg1\s+ONLINE on primary2 \(group ldomsg", text), text
        assert "primary1 FAULTED" in text and "\ndomain_kill primary1\n" in text, text
        assert "no faults in force" not in text

        # GAB and LLT: primary1 (node 0) dropped out
        gab = cli.out("primary2", "gabconfig", "-a")
        assert re.search(r"^Port a gen [0-9a-f]+ membership ;123$", gab, re.M), gab
        llt = cli.out("alternate1", "lltstat", "-nvv", "configured")
        assert re.search(r"^\s+0 primary1\s+CONNWAIT$", llt, re.M), llt
        assert re.search(r"^\s+\* 1 alternate1\s+OPEN$", llt, re.M), llt

        # a frozen group and a FAULTED resource are in force too
        assert cli.exec("primary2", "hagrp", "-freeze", "ldomsg").returncode == 0
        assert cli.lab("fault", "nic_pull", "--where", "primary2:nxge3").returncode == 0
        assert wait_for(lambda: "FAULTED resources: nicres2 on primary2" in cli.lab("status").stdout, 30)
        text = cli.lab("status").stdout
        assert "frozen groups: ldomsg (temporary)" in text, text
        assert "\nnic_pull primary2:nxge3\n" in text and "\ndomain_kill primary1\n" in text, text

        # the lab is down: its log stays for reading afterwards
        assert cli.lab("down").returncode == 0
        assert log.is_file() and "RUNNING to FAULTED" in log.read_text()


def test_a_guest_down_everywhere_and_several_guests(tmp_path):
    inventory = fast_inventory(tmp_path, base=REPO / "inventories" / "sim-multiguest.yaml", name="multi-fast")
    with running_lab(inventory) as cli:
        text = cli.lab("status").stdout
        for guest, system in (("ldg1", "primary1"), ("ldg2", "primary1"), ("ldg3", "primary2")):
            assert re.search(rf"{guest}\s+ONLINE on {system} \(group ldomsg\d", text), (guest, text)
        off = cli.exec("primary1", "hagrp", "-offline", "ldomsg3", "-sys", "primary2")
        assert off.returncode == 0, off.stderr
        down = r"ldg3\s+down everywhere: (primary1 OFFLINE, primary2 OFFLINE|primary2 OFFLINE, primary1 OFFLINE) "
        assert wait_for(lambda: re.search(down, cli.lab("status").stdout), 30), cli.lab("status").stdout
        assert re.search(r"ldg1\s+ONLINE on primary1", cli.lab("status").stdout)


def test_hostname_and_uname_name_the_lab_system_not_the_host(tmp_path):
    host = socket.gethostname()
    with running_lab(fast_inventory(tmp_path)) as cli:
        for system in ("primary1", "alternate1", "primary2", "alternate2"):
            assert system != host
            assert cli.out(system, "hostname") == f"{system}\n"
            assert cli.out(system, "uname", "-n") == f"{system}\n"
        assert cli.out("primary2", "echo $(hostname) $(uname -s)") == "primary2 SunOS\n"  # a shell line too
        # and in an interactive lab shell
        args = ["lab", "shell", "--lab", str(cli.inventory), "--system", "alternate2"]
        child = pexpect.spawn(str(ALTIO_HIL), args, env={**cli.env, "SHELL": "/bin/bash"}, encoding="utf-8",
                              timeout=30, cwd=str(REPO))
        try:
            child.expect_exact("root@alternate2:~# ")
            child.sendline("echo name=$(hostname)/$(uname -n)")
            child.expect_exact("name=alternate2/alternate2")
            child.sendline("tail -n 1 /var/VRTSvcs/log/engine_A.log")
            child.expect(r"\d{4}/\d\d/\d\d \d\d:\d\d:\d\d VCS [A-Z]+ V-16-")
            child.sendline("gabconfig -a | grep 'Port a'")
            child.expect(r"Port a gen [0-9a-f]+ membership 0123")
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
