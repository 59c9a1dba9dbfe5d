"""Drive emulated labs the way a person does: the `altio-hil` command, and the `.venv/bin` shims.

Everything here runs real processes (the CLI, the lab daemon it starts, the command shims) and
reads only what the commands print. Each `LabCli` has its own runtime directory (sockets, pid
files) and state directory (fault ledgers), so tests in parallel xdist workers never share a lab.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
ALTIO_HIL = VENV_BIN / "altio-hil"
SEED_INVENTORY = REPO / "inventories" / "sim-2node.yaml"
TRI_INVENTORY = REPO / "inventories" / "sim-3node.yaml"


def fast_inventory(directory: Path, base: Path = SEED_INVENTORY, name: str = "seed-fast",
                   **timing: float) -> Path:
    """A copy of `base` (same main.cf, same nodes) under another lab name and faster timing."""
    data = yaml.safe_load(base.read_text())
    data["lab"] = name
    data["cluster"]["main_cf"] = str((base.parent / data["cluster"]["main_cf"]).resolve())
    data["timing"] = {"MonitorInterval": 10, "OfflineMonitorInterval": 300, "OnlineTimeout": 60,
                      "OfflineTimeout": 60, "time_scale": 100, **timing}
    path = directory / f"{name}.yaml"
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


@dataclass
class LabCli:
    """`altio-hil` on one inventory, with private runtime and state directories."""

    inventory: Path | None
    runtime: Path
    state: Path
    calls: list[list[str]] = field(default_factory=list)
    extra_env: dict[str, str] = field(default_factory=dict)
    _socket: str | None = None

    @property
    def env(self) -> dict[str, str]:
        env = dict(os.environ, ALTIO_HIL_RUNTIME=str(self.runtime), ALTIO_HIL_STATE=str(self.state),
                   LC_ALL="C", LANG="C")
        # a developer's shell may name a lab (the default --lab of every command) or be a `lab shell`:
        # the commands of a test see only its own lab, unless the test sets one in extra_env
        for name in ("ALTIO_HIL_SOCKET", "ALTIO_HIL_SYSTEM", "ALTIO_HIL_LAB"):
            env.pop(name, None)
        env.update(self.extra_env)
        return env

    def run(self, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        argv = [str(ALTIO_HIL), *args]
        self.calls.append(argv)
        return subprocess.run(argv, env=self.env, capture_output=True, text=True, timeout=timeout,
                              stdin=subprocess.DEVNULL, cwd=str(self.runtime))

    def lab(self, command: str, *args: str, timeout: float = 90.0) -> subprocess.CompletedProcess:
        lab = ["--lab", str(self.inventory)] if self.inventory is not None else []
        return self.run("lab", command, *lab, *args, timeout=timeout)

    def exec(self, system: str, *argv: str) -> subprocess.CompletedProcess:
        return self.lab("exec", "--system", system, "--", *argv)

    def out(self, system: str, *argv: str) -> str:
        """stdout of a command that must succeed on that system."""
        done = self.exec(system, *argv)
        assert done.returncode == 0, (argv, done.returncode, done.stderr)
        return done.stdout

    def socket(self) -> str:
        """The daemon's socket, as `lab exec` hands it to the commands (no guessing of file names)."""
        if self._socket is None:
            self._socket = self.out(self._any_system(), "printenv", "ALTIO_HIL_SOCKET").strip()
        return self._socket

    def shim(self, system: str, *argv: str, timeout: float = 30.0) -> subprocess.CompletedProcess:
        """A command typed in `altio-hil lab shell --system SYSTEM`: the `.venv/bin` shim, directly
        (cheaper than a `lab exec` per call when a test polls)."""
        return subprocess.run(list(argv), env=self.shim_env(self.socket(), system), capture_output=True,
                              text=True, timeout=timeout, stdin=subprocess.DEVNULL, cwd=str(self.runtime))

    def shim_out(self, system: str, *argv: str) -> str:
        done = self.shim(system, *argv)
        assert done.returncode == 0, (argv, done.returncode, done.stderr)
        return done.stdout

    def _any_system(self) -> str:
        data = yaml.safe_load(Path(self.inventory or SEED_INVENTORY).read_text())
        return data["nodes"][0]["control"]

    def shim_env(self, socket: str, system: str, **extra: str) -> dict[str, str]:
        """What a shell on that system of the lab has: the shims first on PATH, the lab's socket."""
        env = self.env
        env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '/usr/bin:/bin')}"
        env["ALTIO_HIL_SOCKET"] = socket
        env["ALTIO_HIL_SYSTEM"] = system
        env.update(extra)
        return env

    def lab_dir(self) -> Path:
        """The lab's private directory (one lab per LabCli): `runtime/<lab>-<hash>/`."""
        (path,) = [p for p in self.runtime.iterdir() if p.is_dir()]
        return path

    def daemon_pids(self) -> list[int]:
        """The pid the lab's daemon wrote into its lock (the last daemon started, alive or not)."""
        pids = []
        for lock in self.runtime.glob("*/daemon.lock"):
            try:
                pids.append(int(lock.read_text().split()[0]))
            except (OSError, ValueError, IndexError):
                pass
        return pids

    def daemon_ledger(self) -> list[dict]:
        """The faults `lab fault` recorded for the lab's daemon (its ledger in the lab directory)."""
        entries = []
        for path in self.runtime.glob("*/ledger.json"):
            entries += json.loads(path.read_text() or "{}").get("faults", [])
        return entries


def process_gone(pid: int) -> bool:
    """Exited (a zombie that nobody reaped yet counts as exited)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return True
    return bool(re.search(r"^State:\s+Z", status, re.M))


def kill_started_daemons(cli: LabCli) -> None:
    """Last resort after `lab down`: SIGKILL the daemons this test's runtime directory recorded."""
    for pid in cli.daemon_pids():
        if process_gone(pid):
            continue
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if "emulators.server" in cmdline and str(cli.runtime) in cmdline:
            os.kill(pid, signal.SIGKILL)


@contextmanager
def lab_dirs() -> Iterator[tuple[Path, Path]]:
    """Short private directories (a unix socket path must stay under 108 bytes)."""
    base = Path(tempfile.mkdtemp(prefix="ahl-", dir="/tmp"))
    try:
        (base / "rt").mkdir(mode=0o700)
        (base / "st").mkdir()
        yield base / "rt", base / "st"
    finally:
        shutil.rmtree(base, ignore_errors=True)


@contextmanager
def running_lab(inventory: Path | None) -> Iterator[LabCli]:
    """`altio-hil lab up` on the inventory; `lab down` (and SIGKILL if need be) whatever happens."""
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state)
        try:
            up = cli.lab("up")
            assert up.returncode == 0, (up.stdout, up.stderr)
            assert "is up" in up.stdout and "settling" not in up.stdout, up.stdout
            yield cli
        finally:
            try:
                cli.lab("down", timeout=30)
            finally:
                kill_started_daemons(cli)


def wait_for(predicate: Callable[[], object], budget_s: float, interval: float = 0.05) -> object:
    """Poll until `predicate()` is truthy; its last value (falsy when the budget ran out)."""
    deadline = time.monotonic() + budget_s
    while True:
        value = predicate()
        if value or time.monotonic() >= deadline:
            return value
        time.sleep(interval)


# -- `ldm list-bindings` / `ldm list -l` and `ldm list-services`: only the parts these tests read ---

@dataclass(frozen=True)
class Vnet:
    name: str
    vsw: str
    domain: str  # the service domain whose vsw the vnet sits on


@dataclass(frozen=True)
class Vdisk:
    name: str
    volume: str
    vds: str
    server: str  # the service domain exporting the volume
    mpgroup: str


def _sections(text: str) -> dict[str, list[str]]:
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        if line and not line[0].isspace() and line.strip().isupper() and " " not in line.strip():
            current = sections.setdefault(line.strip(), [])
        elif current is not None and line.strip():
            current.append(line)
    return sections


def parse_guest_devices(text: str) -> tuple[list[Vnet], list[Vdisk]]:
    """NETWORK and DISK sections of `ldm list-bindings GUEST` / `ldm list -l GUEST`."""
    sections = _sections(text)
    vnets, vdisks = [], []
    for line in sections.get("NETWORK", [])[1:]:
        name, service = line.split()[:2]
        vsw, _, domain = service.partition("@")
        vnets.append(Vnet(name, vsw, domain))
    for line in sections.get("DISK", [])[1:]:
        words = line.split()
        volume, _, vds = words[1].partition("@")
        # NAME VOLUME [TOUT] ID DEVICE SERVER MPGROUP: TOUT is blank unless set
        vdisks.append(Vdisk(words[0], volume, vds, words[-2], words[-1]))
    return vnets, vdisks


def parse_vds_backends(text: str) -> dict[tuple[str, str], str]:
    """{(vds, volume): backend device} from the VDS section of `ldm list-services`."""
    backends: dict[tuple[str, str], str] = {}
    vds = ""
    for line in _sections(text).get("VDS", [])[1:]:
        words = line.split()
        indent = len(line) - len(line.lstrip())
        if indent <= 4:  # first volume of a vds: NAME LDOM VOLUME [OPTIONS] [MPGROUP] DEVICE
            vds, volume = words[0], words[2]
        else:  # further volumes of the same vds
            volume = words[0]
        backends[(vds, volume)] = words[-1]
    return backends
