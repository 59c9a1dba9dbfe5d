"""Emulated sparc labs driven as a person drives real SPARC hardware: the `altio-hil lab` command to
start and stop them, then only the real OpenSSH client (`ssh`), interactive sessions through
pexpect, and TCP connects to see which ports refuse.

Each lab is a copy of inventories/sparc-sim-2node.yaml with its own free ports (outside the
ephemeral range, so that no outgoing connection holds one) and its main.cf path made absolute.
"""

from __future__ import annotations

import os
import random
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pexpect
import yaml
from live_lab import REPO, LabCli, kill_started_daemons, lab_dirs, wait_for

SPARC_INVENTORY = REPO / "inventories" / "sparc-sim-2node.yaml"
CONSOLE_PASSWORD = "console-pw-of-the-test"


def _port_free(port: int) -> bool:
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    try:
        s.bind(("127.0.0.1", port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def free_ports(count: int) -> list[int]:
    chosen: list[int] = []
    while len(chosen) < count:
        port = random.randrange(20000, 32000)
        if port not in chosen and _port_free(port):
            chosen.append(port)
    return chosen


def sparc_inventory(directory: Path, name: str = "sparc-fast") -> Path:
    """A copy of the shipped emulated sparc inventory on free ports, under another lab name."""
    data = yaml.safe_load(SPARC_INVENTORY.read_text())
    data["lab"] = name
    data["cluster"]["main_cf"] = str((SPARC_INVENTORY.parent / data["cluster"]["main_cf"]).resolve())
    hosts = [h for section in ("systems", "guests", "ilom") for h in data["sparc"][section].values()]
    for host, port in zip(hosts, free_ports(len(hosts)), strict=True):
        host["port"] = port
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def refuses(port: int) -> bool:
    """Is the port closed (connection refused) on 127.0.0.1?"""
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return False
    except ConnectionRefusedError:
        return True
    except OSError:
        return False


def accepts(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            return True
    except OSError:
        return False


def processes_mentioning(text: str) -> list[tuple[int, str]]:
    """Live processes whose command line contains `text` (zombies excluded)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if text in cmdline and state != "Z":
            found.append((int(entry.name), cmdline))
    return found


@dataclass
class SparcLab:
    """A running emulated sparc lab, reached with the real ssh client."""

    cli: LabCli
    inventory: Path

    @property
    def data(self) -> dict:
        return yaml.safe_load(self.inventory.read_text())

    @property
    def dir(self) -> Path:
        return self.cli.lab_dir()

    def port(self, name: str) -> int:
        sparc = self.data["sparc"]
        for section in ("systems", "guests", "ilom"):
            if name in sparc[section]:
                return int(sparc[section][name]["port"])
        raise KeyError(name)

    def ssh_args(self, name: str) -> list[str]:
        """`ssh -F /dev/null -i KEY -o UserKnownHostsFile=KNOWN -o StrictHostKeyChecking=yes -p PORT USER@127.0.0.1`,
        with what `emulated_access` says (asked in a subprocess: the runtime directory is the CLI's)."""
        user, key, known = subprocess.run(
            [sys.executable, "-c", "import sys; from harness.inventory import load_inventory;"
             "from harness.lab_daemon import emulated_access;"
             "a = emulated_access(load_inventory(sys.argv[1])); print(a.user, a.key_file, a.known_hosts)",
             str(self.inventory)], env=self.cli.env, capture_output=True, text=True, check=True,
            cwd=str(REPO)).stdout.split()
        return ["-F", "/dev/null", "-i", key, "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes",
                "-o", "BatchMode=yes", "-o", "ConnectTimeout=20", "-p", str(self.port(name)), f"{user}@127.0.0.1"]

    def ssh(self, name: str, command: str, timeout: float = 60.0) -> subprocess.CompletedProcess:
        return subprocess.run(["ssh", *self.ssh_args(name), command], capture_output=True, text=True,
                              timeout=timeout, stdin=subprocess.DEVNULL)

    def out(self, name: str, command: str) -> str:
        done = self.ssh(name, command)
        assert done.returncode == 0, (name, command, done.returncode, done.stdout, done.stderr)
        return done.stdout

    def interactive(self, name: str, timeout: float = 60.0) -> pexpect.spawn:
        """An interactive login (a pty; ssh's own `~` escape off, so that `~.` reaches a console)."""
        return pexpect.spawn("ssh", ["-tt", "-o", "EscapeChar=none", *self.ssh_args(name)], encoding="utf-8",
                             timeout=timeout, env={**os.environ, "TERM": "dumb"})


@contextmanager
def running_sparc_lab(directory: Path, name: str = "sparc-fast", **env: str) -> Iterator[SparcLab]:
    """`altio-hil lab up` on a fresh copy of the emulated sparc inventory; `lab down` at the end."""
    inventory = sparc_inventory(directory, name)
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state, extra_env=dict(env))
        try:
            up = cli.lab("up", timeout=180)
            assert up.returncode == 0, (up.stdout, up.stderr)
            assert "is up" in up.stdout and "settling" not in up.stdout, up.stdout
            yield SparcLab(cli, inventory)
        finally:
            try:
                cli.lab("down", timeout=60)
            finally:
                kill_started_daemons(cli)


__all__ = ["SparcLab", "running_sparc_lab", "sparc_inventory", "refuses", "accepts", "processes_mentioning",
           "wait_for", "CONSOLE_PASSWORD"]
