"""Which lab a command means when --lab is not given: $ALTIO_HIL_LAB, else the running lab that has
the system asked for (`lab exec --system ctl-a` with the 3-node lab up), and `altio-hil lab ls`.

Real daemons in one private runtime directory, driven by the console script as a person does; every
daemon started here is brought down (and SIGKILLed if need be) whatever happens.
"""

from __future__ import annotations

import re
from contextlib import ExitStack

from live_lab import TRI_INVENTORY, LabCli, fast_inventory, kill_started_daemons, lab_dirs


def _up(cli: LabCli, inventory, stack: ExitStack) -> LabCli:
    """`lab up` of one more lab in the same runtime directory; `lab down` of it at the end."""
    lab = LabCli(inventory, cli.runtime, cli.state)
    stack.callback(lambda: lab.lab("down", timeout=30))
    up = lab.lab("up")
    assert up.returncode == 0 and "is up" in up.stdout, (up.stdout, up.stderr)
    return lab


def _fits(*outputs) -> None:
    for done in outputs:
        wide = [line for line in (done.stdout + done.stderr).splitlines() if len(line) > 80]
        assert not wide, wide


def test_the_running_lab_of_a_system_is_found_and_lab_ls_lists_them():
    with lab_dirs() as (runtime, state):
        anywhere = LabCli(None, runtime, state)  # no --lab: what a person types
        base = runtime.parent
        seed, tri, seed2 = (fast_inventory(base, name="seed-fast"),
                            fast_inventory(base, TRI_INVENTORY, name="tri-fast"),
                            fast_inventory(base, name="seed-copy"))
        try:
            # no lab is running: the default lab's systems, and that nothing runs
            none = anywhere.exec("ctl-a", "hostname")
            assert none.returncode == 2, (none.stdout, none.stderr)
            said = " ".join(none.stderr.split())
            assert "no system 'ctl-a': no lab is running, and the default lab seed-2node has primary1, " \
                   "alternate1, primary2, alternate2" in said, said
            listing = anywhere.lab("ls")
            assert (listing.returncode, listing.stdout) == (0, "no lab is running (`altio-hil lab up --lab "
                                                               "INVENTORY` starts one)\n")
            _fits(none, listing)

            with ExitStack() as stack:
                _up(anywhere, seed, stack)
                _up(anywhere, tri, stack)
                # the 3-node lab has ctl-a: found, although the default lab names no such system
                assert anywhere.out("ctl-a", "hostname").strip() == "ctl-a"
                # primary1 is the seed copy's, the only running lab that has it (the default lab is down)
                assert anywhere.out("primary1", "hostname").strip() == "primary1"
                fault = anywhere.lab("fault", "nic_pull", "--where", "aio-a1:igb1")
                assert fault.returncode == 0 and "aio-a1" in fault.stdout, fault.stderr
                assert "nic_pull aio-a1:igb1" in LabCli(tri, runtime, state).lab("status").stdout
                assert anywhere.lab("heal", "--all").returncode == 2  # two labs run: which one?
                assert anywhere.lab("heal", "nic_pull", "--where", "aio-a1:igb1").returncode == 0

                # lab ls: name, target, pid, uptime, monitor, inventory
                listing = anywhere.lab("ls")
                assert listing.returncode == 0, listing.stderr
                rows = listing.stdout.splitlines()
                assert rows[0].split() == ["LAB", "TARGET", "PID", "UPTIME", "MONITOR", "INVENTORY"]
                pids = set(map(int, anywhere.daemon_pids()))
                for name, inventory in (("seed-fast", seed), ("tri-fast", tri)):
                    row = next(r for r in rows if r.startswith(name + " "))
                    words = row.split()
                    assert words[1] == "sim" and int(words[2]) in pids, row
                    assert re.fullmatch(r"\d+:\d\d:\d\d", words[3]) and words[4] == "alternateio", row
                    assert str(inventory) in listing.stdout
                _fits(listing)

                # several labs and no --system: which one is meant must be said
                status = anywhere.lab("status")
                assert status.returncode == 2, status.stdout
                said = " ".join(status.stderr.split())
                assert "2 labs are running: give --lab INVENTORY (or set ALTIO_HIL_LAB)" in said, said
                assert "seed-fast" in said and "tri-fast" in said
                # ALTIO_HIL_LAB names it for every command
                anywhere.extra_env["ALTIO_HIL_LAB"] = str(tri)
                named = anywhere.lab("status")
                assert named.returncode == 0 and named.stdout.startswith("lab tri-fast is up\n"), named.stderr
                assert anywhere.exec("primary1", "hostname").returncode == 2  # not a system of tri-fast
                del anywhere.extra_env["ALTIO_HIL_LAB"]

                # a system that two running labs have: bad input naming both
                _up(anywhere, seed2, stack)
                both = anywhere.exec("primary1", "hostname")
                assert both.returncode == 2 and both.stdout == "", both.stdout
                said = " ".join(both.stderr.split())
                assert "2 running labs have system primary1: give --lab INVENTORY" in said, said
                assert "seed-fast" in said and "seed-copy" in said and "tri-fast" not in said
                # a system of no lab: the running labs are named, and the default lab's systems
                nowhere = anywhere.exec("nosuch", "hostname")
                assert nowhere.returncode == 2
                said = " ".join(nowhere.stderr.split())
                assert "no system 'nosuch': no running lab has it (seed-copy, seed-fast, tri-fast" in said, said
                assert "the default lab seed-2node has primary1, alternate1, primary2, alternate2" in said
                _fits(status, both, nowhere)
            assert anywhere.lab("ls").stdout.startswith("no lab is running")
        finally:
            kill_started_daemons(anywhere)
