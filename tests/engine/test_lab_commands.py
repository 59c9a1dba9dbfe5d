"""The emulated lab driven only by commands typed on its systems (`SimLab.run_command`), as a harness
drives a real SPARC lab over SSH: run-time timing through `hatype`, a service domain stopped and
started with `ldm`, faults typed with `ifconfig`/`luxadm`, the engine log read with a byte cursor.

Sources: VCS messages and layouts as in test_hatype.py; `hastatus -sum` layout from
reference/captures/hastatus-sum.1.txt; `tail -c +N` counts bytes from 1 (GNU coreutils and Solaris
tail(1): "+N output starting with byte N"); `wc -c FILE` prints "COUNT FILE" (GNU coreutils); the
missing-file texts are GNU tail's, cat's and wc's.
"""

from __future__ import annotations

from emulators.lab import EMULATED_COMMANDS
from emulators.vcs.logfile import ENGINE_LOG_PATH
from tests.engine.lab import out, run, sim_seed_lab


def summary(lab) -> tuple[dict[str, str], dict[tuple[str, str], str]]:
    """(system -> state, (group, system) -> state) read from `hastatus -sum` on primary1."""
    systems, groups = {}, {}
    for line in out(lab, "primary1", "hastatus", "-sum").splitlines():
        f = line.split()
        if f[:1] == ["A"]:
            systems[f[1]] = f[2]
        elif f[:1] == ["B"]:
            groups[(f[1], f[2])] = f[5]
    return systems, groups


def seconds_until_faulted(lab, resource: str, system: str, limit: float = 400.0) -> float:
    t0 = lab.clock.now()
    while out(lab, "primary1", "hares", "-state", resource, "-sys", system) != "FAULTED\n":
        lab.clock.advance(1)
        assert lab.clock.now() - t0 < limit, "never detected"
    return lab.clock.now() - t0


# ------------------------------------------------------------------------------ timing at run time


def test_hatype_shortens_detection_at_run_time():
    """Booted at MonitorInterval 60 (the inventory's timing), `hatype -modify NIC MonitorInterval 10`
    makes a NIC whose link is pulled (`ifconfig nxge4 down`) FAULTED within 10-20 s, not ~60."""
    slow = sim_seed_lab()
    assert out(slow, "primary1", "hatype", "-value", "NIC", "MonitorInterval") == "60\n"
    run(slow, "alternate1", "ifconfig", "nxge4", "down")
    assert seconds_until_faulted(slow, "nicres1", "alternate1") > 20

    lab = sim_seed_lab()
    assert out(lab, "primary1", "haconf", "-makerw") == ""
    assert out(lab, "primary1", "hatype", "-modify", "NIC", "MonitorInterval", "10") == ""
    assert out(lab, "primary1", "haconf", "-dump", "-makero") == ""
    assert out(lab, "primary1", "hatype", "-value", "NIC", "MonitorInterval") == "10\n"
    run(lab, "alternate1", "ifconfig", "nxge4", "down")
    assert seconds_until_faulted(lab, "nicres1", "alternate1") <= 20
    assert "D  primary1-nwsg   NIC                  nicres1              alternate1" in \
        out(lab, "primary1", "hastatus", "-sum")
    # put back: the configuration is read-only again, so the harness opens it first
    assert run(lab, "primary1", "hatype", "-modify", "NIC", "MonitorInterval", "60") == \
        (1, "", "VCS WARNING V-16-1-10369 Cluster not writable\n")
    out(lab, "primary1", "haconf", "-makerw")
    assert out(lab, "primary1", "hatype", "-modify", "NIC", "MonitorInterval", "60") == ""
    assert out(lab, "primary1", "hatype", "-value", "NIC", "MonitorInterval") == "60\n"


# ------------------------------------------------------------- an alternate I/O domain stopped by ldm


def test_ldm_stop_and_start_of_an_alternate_domain_is_a_system_fault_and_a_reboot():
    lab = sim_seed_lab()
    systems0, groups0 = summary(lab)
    assert systems0["alternate1"] == "RUNNING"
    assert out(lab, "primary1", "ldm", "stop-domain", "-f", "alternate1") == "LDom alternate1 stopped\n"
    lab.clock.advance(60)
    lab.engine.settle()
    systems, groups = summary(lab)
    assert systems["alternate1"] == "FAULTED" and systems["primary1"] == "RUNNING"
    assert groups[("primary1-nwsg", "alternate1")] == "OFFLINE|FAULTED"
    assert groups[("primary1-strsg", "alternate1")] == "OFFLINE|FAULTED"
    # the control domain still serves the guest: nothing failed over
    assert groups[("ldomsg", "primary1")] == "ONLINE" and groups[("aiosg", "primary1")] == "ONLINE"
    assert "changed state from RUNNING to FAULTED" in out(lab, "primary1", "cat", ENGINE_LOG_PATH)
    assert run(lab, "alternate1", "hostname")[0] == 255  # the domain is down: no shell there
    assert run(lab, "primary1", "ldm", "stop-domain", "-f", "alternate1") == \
        (1, "", "LDom alternate1 is not active\n")

    assert out(lab, "primary1", "ldm", "start-domain", "alternate1") == "LDom alternate1 started\n"
    lab.clock.advance(600)
    lab.engine.settle()
    assert summary(lab) == (systems0, groups0)  # as after a reboot: back in, its groups online again
    assert out(lab, "alternate1", "hostname") == "alternate1\n"
    assert run(lab, "primary1", "ldm", "start-domain", "alternate1") == (1, "", "LDom alternate1 is already active\n")


# -------------------------------------------------------------------- faults typed on the systems


def test_typed_faults_are_in_the_labs_fault_list_and_heal_with_it():
    lab = sim_seed_lab()
    assert run(lab, "alternate1", "ifconfig", "nxge4", "down") == (0, "", "")
    assert run(lab, "alternate1", "luxadm", "-e", "offline", "/dev/rdsk/c0t1d0s2") == (0, "", "")
    assert run(lab, "alternate1", "luxadm", "-e", "offline", "/dev/rdsk/c0t1d0s2") == (0, "", "")
    assert lab.faults() == [("nic_pull", "alternate1:nxge4"), ("disk_offline", "alternate1:c0t1d0")]
    # the lab is Solaris 11 (LabSpec.solaris): a pool whose only disk fails under it is SUSPENDED
    assert out(lab, "alternate1", "zpool", "list", "-H", "-o", "name,health") == "zfsmirr\tSUSPENDED\n"
    lab.heal_all()
    assert lab.faults() == []
    assert "UP" in out(lab, "alternate1", "ifconfig", "nxge4").split("<")[1].split(">")[0].split(",")
    assert out(lab, "alternate1", "zpool", "list", "-H", "-o", "name,health") == "zfsmirr\tONLINE\n"
    assert run(lab, "alternate1", "luxadm", "-e", "offline", "/dev/rdsk/c7t0d0s2") == \
        (255, "", "Error: Invalid pathname (/dev/rdsk/c7t0d0s2)\n")


def test_the_guest_sees_its_root_pool_fail_and_come_back_after_failover():
    lab = sim_seed_lab()
    assert out(lab, "ldg1", "zpool", "list", "-H", "-o", "name,health") == "rpool\tONLINE\n"
    lab.inject("zpool_offline", "alternate1:zfsmirr")
    assert out(lab, "ldg1", "zpool", "list", "-H", "-o", "name,health") == "rpool\tONLINE\n"  # a path is left
    lab.inject("zpool_offline", "primary1:zfsprim")
    assert out(lab, "ldg1", "zpool", "list", "-H", "-o", "name,health") == "rpool\tSUSPENDED\n"  # Solaris 11
    assert " state: SUSPENDED" in out(lab, "ldg1", "zpool", "status", "-x")
    lab.clock.advance(900)
    lab.engine.settle()
    assert summary(lab)[1][("ldomsg", "primary2")] == "ONLINE"  # no I/O domain of node1 serves it
    assert out(lab, "ldg1", "zpool", "list", "-H", "-o", "name,health") == "rpool\tONLINE\n"  # on node2 now
    assert out(lab, "ldg1", "hostname") == "ldg1\n"


# ---------------------------------------------------------------------------- the engine log, by byte


def test_tail_c_keeps_a_byte_cursor_on_the_engine_log():
    lab = sim_seed_lab()
    whole = out(lab, "primary1", "cat", ENGINE_LOG_PATH)
    assert whole == "".join(line + "\n" for line in lab.engine.log_lines)
    assert out(lab, "primary1", "tail", "-c", "+1", ENGINE_LOG_PATH) == whole
    assert out(lab, "alternate2", "tail", "-c", "+0", ENGINE_LOG_PATH) == whole  # +0 reads as +1
    cursor = len(whole.encode()) + 1
    # where a reader starts: the file's size now (GNU wc: "COUNT FILE")
    assert out(lab, "primary1", "wc", "-c", ENGINE_LOG_PATH) == f"{cursor - 1} {ENGINE_LOG_PATH}\n"
    assert out(lab, "primary1", "tail", "-c", f"+{cursor}", ENGINE_LOG_PATH) == ""
    assert out(lab, "primary1", "tail", "-c", "+5", ENGINE_LOG_PATH) == whole[4:]
    n = len(lab.engine.log_lines)
    run(lab, "alternate1", "ifconfig", "nxge4", "down")
    lab.clock.advance(120)
    lab.engine.settle()
    new = out(lab, "primary1", "tail", "-c", f"+{cursor}", ENGINE_LOG_PATH)
    assert new == "".join(line + "\n" for line in lab.engine.log_lines[n:]) != ""
    assert "nicres1" in new and "FAULTED" in new
    assert out(lab, "primary1", "tail", f"-c+{cursor + len(new.encode())}", ENGINE_LOG_PATH) == ""
    assert out(lab, "primary1", "tail", "-n", "1", ENGINE_LOG_PATH) == lab.engine.log_lines[-1] + "\n"
    assert run(lab, "primary1", "tail", "-c", "+1", "/var/adm/messages") == \
        (1, "", "tail: cannot open '/var/adm/messages' for reading: No such file or directory\n")
    assert run(lab, "primary1", "cat", "/var/adm/messages") == \
        (1, "", "cat: /var/adm/messages: No such file or directory\n")
    assert run(lab, "primary1", "wc", "-c", "/var/adm/messages") == \
        (1, "", "wc: /var/adm/messages: No such file or directory\n")
    assert run(lab, "ldg1", "tail", "-c", "+1", ENGINE_LOG_PATH)[0] == 1  # no VCS in the guest


# --------------------------------------------------------------------------- what the lab answers


def test_emulated_commands_names_every_program_the_lab_answers():
    assert EMULATED_COMMANDS == ("hastatus", "hagrp", "hares", "hasys", "haconf", "hatype", "ldm", "zpool",
                                 "dladm", "ifconfig", "luxadm", "hostname", "uname", "gabconfig", "lltstat",
                                 "haclus", "format")
    lab = sim_seed_lab()
    for prog in EMULATED_COMMANDS:
        rc, _, err = run(lab, "primary1", prog)
        assert rc != 127 and "command not found" not in err, prog
    assert run(lab, "primary1", "/usr/sbin/ifconfig", "nxge3")[0] == 0  # a path names the program too
    assert run(lab, "primary1", "prtdiag")[0] == 127
    for prog in ("tail", "cat", "wc"):  # answered in process, but a lab shell uses the real ones
        assert prog not in EMULATED_COMMANDS and run(lab, "primary1", prog, ENGINE_LOG_PATH)[0] == 0
    for system in lab.platform.systems():
        assert out(lab, system, "hostname") == f"{system}\n"
        assert out(lab, system, "uname", "-n") == f"{system}\n"
