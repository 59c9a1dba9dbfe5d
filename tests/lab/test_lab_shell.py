"""`altio-hil lab shell`: an interactive shell in which the emulated commands answer as on that system."""

from __future__ import annotations

import pexpect
from live_lab import ALTIO_HIL, fast_inventory, running_lab


def test_shell_on_a_control_domain_and_on_an_alternate(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        args = ["lab", "shell", "--lab", str(cli.inventory), "--system", "primary1"]
        child = pexpect.spawn(str(ALTIO_HIL), args, env={**cli.env, "SHELL": "/bin/bash"},
                              encoding="utf-8", timeout=30)
        try:
            child.expect_exact("root@primary1:~# ")
            child.sendline("hastatus -sum")
            child.expect(r"B  aiosg\s+primary1\s+Y\s+N\s+ONLINE")
            child.expect_exact("root@primary1:~# ")
            child.sendline("ldm list -p | head -2")
            child.expect(r"DOMAIN\|name=primary\|state=active")
            child.expect_exact("root@primary1:~# ")
            child.sendline("echo rc=$?; exit")
            child.expect_exact("rc=0")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
        assert child.exitstatus == 0

        child = pexpect.spawn(str(ALTIO_HIL), [*args[:-1], "alternate1"], env={**cli.env, "SHELL": "/bin/bash"},
                              encoding="utf-8", timeout=30)
        try:
            child.expect_exact("root@alternate1:~# ")
            child.sendline("ldm list; echo rc=$?")  # ldm answers only in control domains
            child.expect_exact("ldm: command not found")
            child.expect_exact("rc=127")
            child.sendline("zpool list -H -o name,health")
            child.expect(r"zfsmirr\s+ONLINE")
            child.sendline("exit")
            child.expect(pexpect.EOF)
        finally:
            child.close(force=True)
