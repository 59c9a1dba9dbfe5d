"""Start, reach and stop emulated lab daemons (`altio-hil lab up|exec|shell|fault|heal|status|down`).

Every lab has a private directory (emulators.front.labdir) under the user's runtime directory:
`ALTIO_HIL_RUNTIME`, else `$XDG_RUNTIME_DIR/altio-hil`, else `/tmp/altio-hil-$UID`, all mode 0700.
One daemon per lab: `lab up` and `lab down` hold the lab's `up.lock` for their whole run, and the
daemon holds `daemon.lock` for its lifetime, so a second daemon refuses to start. A daemon is only
ever signalled once verified as this lab's (it holds that lock and its command line names this
lab's spec), never on the word of a pid file.

`lab up` also writes `inventory.json` (the inventory it was given, the target): `lab ls` and the
commands that find the running lab of a system (`running_labs`) read it.

`lab heal` and `lab reset` put the cluster back in its steady state as a run does after its heals
(`restore_lab`: harness.scenarios' `restore_steady`/`bring_to` over the `Target` API, here a
`DaemonTarget` that types the commands through the daemon), and say which `hagrp` commands that took.

Faults sent with `lab fault` are written to the lab's ledger first, in the form the lab normalises
them to, stamped with the daemon's start id: a fresh daemon starts an empty ledger, and
`altio-hil heal` on a lab that went down says so and clears it.

An inventory with `target: sparc` and `sparc.emulated: true` gets, on top, the SSH front of
emulators.front: per-lab keys, an OpenSSH server on 127.0.0.1 and TCP forwarders on the
inventory's ports, so that the harness's sparc target reaches the lab exactly as a real one.

`lab shell` and `lab exec` run the host's shell with the lab directory's `shell-bin/` first on PATH
(written by `lab up`, and again by a shell that finds it missing): a shim per program the lab answers
(emulators.lab.EMULATED_COMMANDS: the ha* commands, ldm, zpool, hostname, uname, gabconfig,
lltstat, ...), and `tail`, `cat`, `head`, `wc`, `grep`, `less`, `more` wrappers that run the host's
program with /var/VRTSvcs/log/engine_A.log read as the lab's engine log (the lab directory's
`engine_A.log`, which the daemon appends to as the engine logs) on a cluster system; every other
argument is left alone. Then the virtual environment's bin/ (altio-hil, hacf), then the caller's PATH.
"""

from __future__ import annotations

import fcntl
import json
import os
import pwd
import re
import secrets
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import yaml

from emulators.front.labdir import (
    Endpoint,
    FrontSpec,
    LabLayout,
    UnsafeDirectory,
    lab_dir_name,
    open_private,
    private_dir,
    read_private,
    write_private,
)
from emulators.shim import SOCKET_ENV, SYSTEM_ENV, LabUnreachable, request
from emulators.vcs.logfile import ENGINE_LOG_PATH
from harness.faults import Fault
from harness.inventory import InventoryError, Lab

REPO_ROOT = Path(__file__).resolve().parent.parent
SHELL_BIN = "shell-bin"
INVENTORY_RECORD = "inventory.json"  # what `lab up` was given: read by `lab ls` and lab discovery
ENGINE_LOG_ENV = "ALTIO_HIL_ENGINE_LOG"
# the host programs a lab shell reads the engine log with (wrapped: see the module docstring)
LOG_READERS = ("tail", "cat", "head", "wc", "grep", "less", "more")


class LabDown(Exception):
    """The lab's daemon is not running (or cannot be started): an infrastructure error (exit 3)."""


class LabSetupError(InventoryError):
    """The lab cannot be set up here as described (unsafe runtime directory, an inventory the
    daemon cannot serve). Reported like an inventory problem: exit 2, nothing was changed."""

    def __init__(self, message: str) -> None:
        super().__init__([message])


class RuntimeDirError(LabSetupError):
    """The runtime directory (or a lab's directory in it) is not a private directory of ours."""


def runtime_dir() -> Path:
    """The per-user runtime directory, created 0700 or accepted only if it already is private."""
    explicit = os.environ.get("ALTIO_HIL_RUNTIME")
    xdg = os.environ.get("XDG_RUNTIME_DIR")
    if explicit:
        path = Path(explicit)
        if not path.parent.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
    elif xdg and os.path.isabs(xdg) and os.path.isdir(xdg):
        path = Path(xdg) / "altio-hil"
    else:
        path = Path("/tmp") / f"altio-hil-{os.getuid()}"
    try:
        return private_dir(path)
    except UnsafeDirectory as exc:
        raise RuntimeDirError(f"altio-hil: unsafe runtime directory: {exc}") from None


def lab_layout(lab: Lab) -> LabLayout:
    """The lab's private directory (created 0700 on first use)."""
    root = runtime_dir() / lab_dir_name(lab.name)
    try:
        return LabLayout(private_dir(root))
    except UnsafeDirectory as exc:
        raise RuntimeDirError(f"altio-hil: unsafe lab directory: {exc}") from None


def is_emulated_sparc(lab: Lab) -> bool:
    inv = lab.inventory
    return inv.target == "sparc" and inv.sparc is not None and inv.sparc.emulated


@dataclass(frozen=True)
class EmulatedAccess:
    """How to log in to an emulated sparc lab: what `lab up` made (the sparc target's defaults)."""

    user: str
    key_file: Path
    known_hosts: Path


def emulated_access(lab: Lab) -> EmulatedAccess:
    """The login name, client key and known_hosts of an emulated sparc lab. The files exist while
    the lab is up (`altio-hil lab up` makes them afresh every time)."""
    layout = lab_layout(lab)
    return EmulatedAccess(pwd.getpwuid(os.getuid()).pw_name, layout.client_key, layout.known_hosts)


# -- the ledger ------------------------------------------------------------------------------------------

class DaemonLedger:
    """Faults sent to one lab daemon, in the lab's own directory, tied to that daemon's start id.

    The same reading API as harness.faults.FaultLedger (`entries`, `record`, `drop`), so that
    `altio-hil heal` treats it like any ledger; `reset` starts the empty ledger of a fresh daemon.
    """

    def __init__(self, layout: LabLayout) -> None:
        self.path = layout.ledger
        self._lock = layout.ledger_lock

    @contextmanager
    def _locked(self) -> Iterator[dict]:
        fd = open_private(self._lock, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            data = self._read()
            yield data
            write_private(self.path, json.dumps(data, indent=1))
        finally:
            os.close(fd)

    def _read(self) -> dict:
        try:
            data = json.loads(read_private(self.path))
        except (OSError, ValueError):
            return {"daemon": None, "faults": []}
        if not isinstance(data, dict) or not isinstance(data.get("faults"), list):
            return {"daemon": None, "faults": []}
        return data

    def daemon(self) -> str | None:
        """The start id of the daemon these faults went to."""
        return self._read().get("daemon")

    def entries(self) -> list[Fault]:
        return [Fault(e["kind"], e["where"]) for e in self._read()["faults"]]

    def reset(self, start_id: str) -> None:
        with self._locked() as data:
            data["daemon"] = start_id
            data["faults"] = []

    def record(self, fault: Fault, start_id: str | None = None) -> None:
        with self._locked() as data:
            if start_id is not None and data.get("daemon") != start_id:
                data["daemon"], data["faults"] = start_id, []  # those went with an earlier daemon
            data["faults"].append({"kind": fault.kind, "where": fault.where, "pid": os.getpid(),
                                   "since": time.time()})

    def drop(self, fault: Fault, pid: int | None = None) -> None:
        """Forget one record of `fault` (`pid` is accepted for FaultLedger's signature)."""
        with self._locked() as data:
            for i, e in enumerate(data["faults"]):
                if e["kind"] == fault.kind and e["where"] == fault.where:
                    del data["faults"][i]
                    break

    def clear(self) -> None:
        with self._locked() as data:
            data["faults"] = []


# -- the daemon --------------------------------------------------------------------------------------------

class LabDaemon:
    """Handle on the daemon of one lab (running or not)."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.layout = lab_layout(lab)
        self.socket = self.layout.socket
        self.logfile = self.layout.log
        self.specfile = self.layout.spec
        self.ledger = DaemonLedger(self.layout)
        self.emulated_sparc = is_emulated_sparc(lab)
        self.engine_log = self.layout.engine_log
        self.shell_bin = self.layout.root / SHELL_BIN

    # -- state ---------------------------------------------------------------------------------------
    def _not_up(self) -> LabDown:
        return LabDown(f"lab {self.lab.name} is not up; start it with\n  altio-hil lab up --lab {self.lab.path}")

    def ask(self, payload: dict, timeout: float = 60.0) -> dict:
        try:
            return request(self.socket, payload, timeout)
        except LabUnreachable:
            raise self._not_up() from None

    def is_up(self) -> bool:
        try:
            self.ask({"op": "ping"}, timeout=5)
        except LabDown:
            return False
        return True

    def daemon_pid(self) -> int | None:
        """The pid of this lab's running daemon, verified: it holds the lab's daemon lock (per
        /proc/locks) and its command line is our server with this lab's spec. None otherwise."""
        try:
            inode = os.lstat(self.layout.daemon_lock).st_ino
        except OSError:
            return None
        for pid in _flock_holders(inode):
            if _is_lab_daemon(pid, self.specfile):
                return pid
        return None

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        """The lab's up.lock: one `lab up` / `lab down` at a time."""
        fd = open_private(self.layout.up_lock, os.O_RDWR | os.O_CREAT)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)

    # -- lifecycle -----------------------------------------------------------------------------------
    def up(self, monitor: str = "alternateio", timeout: float = 90.0) -> str:
        from harness.targets.sim import lab_spec

        front = self._front_spec(monitor) if self.emulated_sparc else None
        if self.lab.inventory.target == "sparc" and front is None:
            raise LabSetupError(f"{self.lab.path}: lab {self.lab.name} is a real SPARC lab (sparc.emulated is "
                                "not true); `altio-hil lab up` serves emulated labs only")
        with self._exclusive():
            self.write_shell_bin()
            if self.is_up():
                return f"lab {self.lab.name} is already up (socket {self.socket})\n{self._log_hint()}"
            pid = self.daemon_pid()
            if pid is not None:
                raise LabDown(f"lab {self.lab.name} has a daemon (pid {pid}) that does not answer; "
                              f"stop it with `altio-hil lab down --lab {self.lab.path}`")
            self._clear_leftovers()
            start_id = secrets.token_hex(8)
            # a lab reached by commands boots with the types' timing: the run applies the inventory's
            # with hatype -modify, as on a real lab
            spec = lab_spec(self.lab, monitor, seed=0, with_timing=front is None)
            argv = [sys.executable, "-m", "emulators.server", str(self.specfile), str(self.socket),
                    "--lock", str(self.layout.daemon_lock), "--start-id", start_id]
            if front is not None:
                from emulators.front import console, sshd

                _check_free_ports(front)
                write_private(self.layout.front, front.to_json())
                try:
                    sshd.make_keys(self.layout, front)
                except sshd.FrontError as exc:
                    raise LabDown(f"lab {self.lab.name}: {exc}") from None
                console.store_password(self.layout, self._console_password())
                argv += ["--front", str(self.layout.front)]
            write_private(self.specfile, spec.to_json())
            write_private(self.layout.root / INVENTORY_RECORD, json.dumps({
                "lab": self.lab.name, "inventory": str(Path(self.lab.path).resolve()),
                "target": self.lab.inventory.target, "monitor": monitor}))
            self.ledger.reset(start_id)
            log_fd = open_private(self.logfile, os.O_WRONLY | os.O_CREAT | os.O_APPEND)
            log_start = os.lseek(log_fd, 0, os.SEEK_END)
            try:
                proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log_fd, stderr=log_fd,
                                        start_new_session=True, cwd=str(REPO_ROOT))
            finally:
                os.close(log_fd)
            try:
                return self._await_start(proc, start_id, log_start, timeout)
            except BaseException:
                _stop_child(proc)
                self._clear_leftovers()
                raise

    def _await_start(self, proc: subprocess.Popen, start_id: str, log_start: int, timeout: float) -> str:
        deadline = time.monotonic() + timeout
        while True:
            if proc.poll() is not None:
                raise LabDown(f"lab {self.lab.name} failed to start:\n{self._log_since(log_start)}")
            try:
                reply = request(self.socket, {"op": "ping"}, 5)
            except LabUnreachable:
                reply = {}
            if reply.get("start_id") == start_id:
                break
            if time.monotonic() >= deadline:
                raise LabDown(f"lab {self.lab.name} did not answer within {timeout:.0f}s; see {self.logfile}")
            time.sleep(0.1)
        # wait for the steady state (the engine is on the real clock, time-scaled)
        while time.monotonic() < deadline:
            if self.ask({"op": "ready"}).get("rc") == 0:
                return f"lab {self.lab.name} is up (socket {self.socket}, log {self.logfile})\n{self._log_hint()}"
            time.sleep(0.2)
        return f"lab {self.lab.name} is up but still settling (socket {self.socket})\n{self._log_hint()}"

    def _log_hint(self) -> str:
        return f"engine log: {self.engine_log} (tail -f it; {ENGINE_LOG_PATH} in `lab shell`)"

    def _log_since(self, offset: int) -> str:
        try:
            text = read_private(self.logfile)
        except OSError:
            return "(no log)"
        return text.encode()[offset:].decode(errors="replace")[-3000:].rstrip() or f"(nothing in {self.logfile})"

    def down(self, timeout: float = 15.0) -> str:
        with self._exclusive():
            pid = self.daemon_pid()
            if pid is None:
                self._clear_leftovers()
                return f"lab {self.lab.name} is not up"
            try:
                self.ask({"op": "stop"}, timeout=min(5.0, timeout))
            except LabDown:
                pass
            if not _wait(lambda: self.daemon_pid() is None, timeout):
                self._terminate_verified(grace=min(5.0, timeout))
            self._clear_leftovers()
            return f"lab {self.lab.name} is down"

    def _terminate_verified(self, grace: float = 5.0) -> None:
        """SIGTERM, then SIGKILL, the daemon of this lab, each time verified again (pids get reused)."""
        for sig in (signal.SIGTERM, signal.SIGKILL):
            pid = self.daemon_pid()
            if pid is None:
                return
            try:
                os.kill(pid, sig)
            except ProcessLookupError:
                return
            if _wait(lambda: self.daemon_pid() is None, grace):
                return

    def _clear_leftovers(self) -> None:
        """What a daemon that died without cleaning up left: its socket, its endpoint table, a
        stray sshd of this lab (verified by its command line). Called with no daemon running."""
        from emulators.front import sshd

        for path in (self.socket, self.layout.endpoints):
            try:
                os.unlink(path)
            except FileNotFoundError:
                pass
        sshd.stop_stray(self.layout)
        if self.lab.inventory.target == "kvm":
            self._clear_kvm_leftovers()

    def _clear_kvm_leftovers(self) -> None:
        """A kvm lab's VMs (libvirt keeps them when the daemon dies), path servers, disks and logs."""
        import shutil

        from emulators.kvm import KvmSetupError
        from emulators.kvm.domains import PREFIX
        from emulators.kvm.hypervisor import Hypervisor
        from emulators.kvm.paths import stop_strays

        root = self.layout.root
        if (root / "paths").is_dir():
            stop_strays(root / "paths")
        settings = self.lab.inventory.kvm
        try:
            hv = Hypervisor(settings.uri if settings else "auto")
        except KvmSetupError:
            pass  # no libvirt here: no VM of ours either
        else:
            try:
                hv.undefine_prefix(f"{PREFIX}-{self.lab.name}-")
            finally:
                hv.close()
        for sub in ("paths", "disks", "vms"):
            shutil.rmtree(root / sub, ignore_errors=True)

    # -- the sparc front ----------------------------------------------------------------------------
    def _front_spec(self, monitor: str) -> FrontSpec:
        inv = self.lab.inventory
        sparc = inv.sparc
        assert sparc is not None
        where = _PortLines(self.lab.path)
        endpoints, problems, seen = [], [], {}
        for section, kind in (("systems", "system"), ("guests", "system"), ("ilom", "ilom")):
            for name, host in getattr(sparc, section).items():
                at = where(section, name)
                if host.host not in ("127.0.0.1", "localhost"):
                    problems.append(f"{at}: sparc.{section}.{name}.host: an emulated lab listens on 127.0.0.1 "
                                    f"only, not {host.host}")
                if host.port in seen:
                    problems.append(f"{at}: sparc.{section}.{name}.port: port {host.port} is also {seen[host.port]}'s")
                seen[host.port] = name
                endpoints.append(Endpoint(name, kind, host.port, f"{at}: sparc.{section}.{name}.port"))
        if problems:
            raise LabSetupError("\n".join(problems))
        roles = {}
        for node in inv.nodes:
            roles[node.control] = "control"
            roles.update({a: "alternate" for a in node.alternates})
        for name in sparc.guests:
            roles.setdefault(name, "guest")
        return FrontSpec(lab=self.lab.name, user=pwd.getpwuid(os.getuid()).pw_name, python=sys.executable,
                         monitor=monitor, endpoints=tuple(endpoints), roles=roles,
                         nodes={n.name: n.control for n in inv.nodes})

    def _console_password(self) -> str:
        """The value of the variable `sparc.console_password_env` names, now; a random one (never
        shown) when it is unset: console logins are then refused."""
        sparc = self.lab.inventory.sparc
        name = sparc.console_password_env if sparc else None
        value = os.environ.get(name) if name else None
        return value or secrets.token_urlsafe(24)

    # -- using it ------------------------------------------------------------------------------------
    def console(self, system: str) -> int:
        """Attach to the console of a kvm lab's VM (`virsh console`; Ctrl-] leaves)."""
        info = self.ask({"op": "vm", "system": system})
        if info.get("rc") != 0:
            raise LabSetupError(info.get("err", "").strip() or f"no console for {system}")
        print(f"altio-hil: console of {system} ({info['name']}); Ctrl-] leaves. Its log: {info['console_log']}")
        return subprocess.call(["virsh", "-c", info["uri"], "console", "--force", info["name"]])

    def write_shell_bin(self) -> Path:
        """The lab shell's `shell-bin/` (module docstring), written afresh."""
        from emulators.front.homes import write_command_shims

        path = self.shell_bin
        write_command_shims(path, sys.executable)  # the same shims as the SSH front's
        search = os.pathsep.join(d for d in (os.environ.get("PATH") or os.defpath).split(os.pathsep)
                                 if d and Path(d).name != SHELL_BIN)
        for name in LOG_READERS:
            real = shutil.which(name, path=search)
            if real is None:
                continue
            write_private(path / name, (
                "#!/bin/sh\n"
                f"# {name} in `altio-hil lab shell`: {ENGINE_LOG_PATH} is the lab's engine log on a cluster system\n"
                f'if [ -n "${{{ENGINE_LOG_ENV}-}}" ]; then\n'
                "    for arg do\n"
                "        shift\n"
                f'        if [ "$arg" = {ENGINE_LOG_PATH} ]; then arg=${ENGINE_LOG_ENV}; fi\n'
                '        set -- "$@" "$arg"\n'
                "    done\n"
                "fi\n"
                f'exec {shlex.quote(real)} "$@"\n'), mode=0o755)
        return path

    def env(self, system: str) -> dict[str, str]:
        env = dict(os.environ)
        if not (self.shell_bin / "hostname").exists():  # a lab brought up before shell-bin existed
            self.write_shell_bin()
        bindir = str(Path(sys.executable).parent)
        env["PATH"] = os.pathsep.join([str(self.shell_bin), bindir, env.get("PATH", "")])
        env[SOCKET_ENV] = str(self.socket)
        env[SYSTEM_ENV] = system
        env.pop(ENGINE_LOG_ENV, None)
        if system in self.lab.config.systems:  # the engine log exists on cluster systems only
            env[ENGINE_LOG_ENV] = str(self.engine_log)
        return env

    def exec(self, system: str, argv: list[str]) -> int:
        """Run a command as if logged in on `system`. One argument is a command line for the system's
        shell, as ssh runs it (`lab exec -- 'hastatus -sum | grep ldomsg'`); a command that cannot
        run exits as a shell says it: 127 not found, 126 not executable."""
        if not self.is_up():
            raise self._not_up()
        if len(argv) == 1 and any(c.isspace() or c in "|&;<>()$`\\\"'*?[]#~=%" for c in argv[0]):
            argv = ["/bin/sh", "-c", argv[0]]
        try:
            return subprocess.call(argv, env=self.env(system))
        except FileNotFoundError:
            print(f"{argv[0]}: command not found", file=sys.stderr)
            return 127
        except (PermissionError, IsADirectoryError, OSError) as exc:
            print(f"{argv[0]}: cannot execute: {exc.strerror or exc}", file=sys.stderr)
            return 126

    def shell(self, system: str) -> int:
        if not self.is_up():
            raise self._not_up()
        env = self.env(system)
        env["PS1"] = f"root@{system}:~# "
        shell = os.environ.get("SHELL", "/bin/bash")
        args = [shell, "--norc", "-i"] if shell.endswith("bash") else [shell, "-i"]
        print(f"altio-hil: emulated shell on {system} of lab {self.lab.name}; "
              "ldm, hastatus, hagrp, hares, hasys, haconf, zpool, dladm, gabconfig, lltstat, hostname answer "
              f"here; tail -f {ENGINE_LOG_PATH} follows the engine log. `exit` leaves.")
        return subprocess.call(args, env=env)

    def reconcile(self) -> tuple[list[Fault], list[Fault]]:
        """Make the ledger list exactly the faults in force in the lab, and say what changed: (listed
        though not in force, dropped; in force though not listed, recorded). A `lab fault` or
        `lab heal` killed between its ledger and its lab leaves one of those; every command that
        reaches the daemon puts it right first."""
        reply = self.ask({"op": "status"})
        start_id = self.ask({"op": "ping"}).get("start_id")
        in_force = {Fault(k, w) for k, w in reply.get("faults", [])}
        listed = set(self.ledger.entries())
        for f in listed - in_force:
            self.ledger.drop(f)
        for f in in_force - listed:
            self.ledger.record(f, start_id)
        return sorted(listed - in_force), sorted(in_force - listed)

    def fault(self, fault: Fault) -> dict:
        """Ledger first, in the lab's normal form (`primary1 ` and a node name are written as the
        lab writes them), then the lab."""
        self.reconcile()
        start_id = self.ask({"op": "ping"}).get("start_id")
        resolved = self.ask({"op": "resolve", "kind": fault.kind, "where": fault.where})
        if resolved.get("rc") != 0:
            return resolved
        fault = Fault(fault.kind, resolved["where"])
        self.ledger.record(fault, start_id)
        reply = self.ask({"op": "fault", "kind": fault.kind, "where": fault.where})
        if reply.get("rc") != 0:
            self.ledger.drop(fault)
        return reply

    def heal(self, fault: Fault | None) -> dict:
        self.reconcile()
        if fault is None:
            reply = self.ask({"op": "heal", "all": True})
            if reply.get("rc") == 0:
                self.ledger.clear()
            return reply
        resolved = self.ask({"op": "resolve", "kind": fault.kind, "where": fault.where})
        where = resolved["where"] if resolved.get("rc") == 0 else fault.where
        reply = self.ask({"op": "heal", "kind": fault.kind, "where": where})
        if reply.get("rc") == 0:
            for form in {where, fault.where, str(reply.get("where") or where)}:
                self.ledger.drop(Fault(fault.kind, form))
        return reply

    def status(self) -> dict:
        self.reconcile()
        return self.ask({"op": "status"})

    def faults_in_force(self) -> list[Fault]:
        return [Fault(k, w) for k, w in self.ask({"op": "status"}).get("faults", [])]

    def restore(self, home: bool = False) -> Restored:
        """The cluster back in its steady state as a run leaves it after its heals (`restore_lab`),
        typed through the daemon; every guest at home with `home` (`lab reset`)."""
        if not self.is_up():
            raise self._not_up()
        from harness.targets.daemon import DaemonTarget

        return restore_lab(DaemonTarget.of(self), self.lab, home=home)

    def status_text(self, reply: dict) -> str:
        """What `altio-hil lab status` prints for a running lab, from the daemon's `status` reply."""
        inv = self.lab.inventory
        lines = [f"lab {self.lab.name} is up"]
        if "clock" in reply:  # a daemon of this version (an older one answers the faults only)
            clock = reply["clock"]
            scale = float(reply.get("time_scale") or 1.0)
            target = inv.target + (" (emulated: SSH front on 127.0.0.1)" if self.emulated_sparc else "")
            lines += [
                f"  inventory:   {self.lab.path}",
                f"  target:      {target}",
                f"  monitor:     {reply.get('monitor')}",
                f"  time scale:  {scale:g} (emulated seconds per wall-clock second)",
                f"  clock:       {clock['kind']}; emulated time {clock['stamp']} "
                f"({clock['now']:.0f} s since the lab came up)",
                f"  engine:      {'settling' if reply.get('settling') else 'steady'} (daemon pid {reply.get('pid')}, "
                f"socket {self.socket})",
                f"  engine log:  {reply.get('engine_log') or self.engine_log}",
                "guests:",
            ]
            for g in reply.get("guests", []):
                lines.append(f"  {g['guest']:<12} {_where_guest(g)}")
            if not reply.get("guests"):
                lines.append("  (no LDom service group in main.cf)")
            lines.append("systems:     " + ", ".join(f"{s} {st}" for s, st in reply.get("systems", {}).items()))
            frozen = [f"{f['group']} ({'persistent' if f['persistent'] else 'temporary'})"
                      for f in reply.get("frozen", [])]
            lines.append("frozen groups: " + (", ".join(frozen) or "none"))
            lines.append("FAULTED resources: " + (", ".join(f"{r} on {s}" for r, s in reply.get("faulted", []))
                                                  or "none"))
            if reply.get("faulted") and not reply.get("faults"):
                lines.append("  (no fault in force: `altio-hil lab heal --all` clears them and restores the steady "
                             "state)")
        if reply.get("faults"):
            lines.append(f"faults in force (the lab's ledger, {self.ledger.path}):")
        return "\n".join(lines) + "\n" + reply.get("out", "")


# -- the running labs ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RunningLab:
    """A lab whose daemon answers in the runtime directory (what `lab ls` lists)."""

    name: str
    directory: Path
    inventory: str | None  # the inventory `lab up` was given (None: a daemon started by an older version)
    target: str
    monitor: str
    pid: int | None
    started: float | None  # when the daemon started (seconds since the epoch)
    systems: tuple[str, ...]  # the cluster systems (control and alternate I/O domains)
    nodes: tuple[str, ...]  # the physical nodes

    def has(self, name: str) -> bool:
        """A system or a physical node of this lab."""
        return name in self.systems or name in self.nodes


def running_labs() -> list[RunningLab]:
    """Every lab of this user whose daemon answers, by name. Directories that are not private lab
    directories of ours, and daemons that do not answer, are left out (nothing is changed)."""
    from emulators.lab import LabSpec

    try:
        root = runtime_dir()
    except LabSetupError:
        return []
    labs = []
    for directory in sorted(root.iterdir()) if root.is_dir() else []:
        try:
            if directory.is_symlink() or not directory.is_dir():
                continue
            layout = LabLayout(private_dir(directory, create=False))
            reply = request(layout.socket, {"op": "ping"}, 2.0)
        except (OSError, UnsafeDirectory, LabUnreachable):
            continue
        if reply.get("rc") != 0:
            continue
        try:
            spec = LabSpec.from_json(read_private(layout.spec))
        except (OSError, ValueError, TypeError, KeyError):
            continue
        try:
            record = json.loads(read_private(layout.root / INVENTORY_RECORD))
            record = record if isinstance(record, dict) else {}
        except (OSError, ValueError):
            record = {}
        target = record.get("target") or ("kvm" if spec.kvm is not None else
                                          "sparc" if layout.front.exists() else "sim")
        pid = reply.get("pid") if isinstance(reply.get("pid"), int) else None
        labs.append(RunningLab(
            name=spec.name, directory=directory, inventory=record.get("inventory"), target=str(target),
            monitor=spec.monitor, pid=pid, started=_process_start(pid) if pid else None,
            systems=tuple(s for n in spec.nodes for s in (n.control, *n.alternates)),
            nodes=tuple(n.name for n in spec.nodes)))
    return labs


def _process_start(pid: int) -> float | None:
    """When process `pid` started (seconds since the epoch), from /proc; None when unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        boot = next(float(line.split()[1]) for line in Path("/proc/stat").read_text().splitlines()
                    if line.startswith("btime "))
        return boot + int(fields[19]) / os.sysconf("SC_CLK_TCK")
    except (OSError, ValueError, IndexError, StopIteration):
        return None


# -- restoring the steady state --------------------------------------------------------------------------------

@dataclass
class Restored:
    """What `restore_lab` did: the `hagrp` commands it typed, each with a note (the state it found, or
    that VCS refused it), and where every guest runs afterwards: (guest, LDom group, system or "", home
    system)."""

    commands: list[tuple[str, str]]
    guests: list[tuple[str, str, str, str]]


def restore_lab(target, lab: Lab, home: bool = False) -> Restored:
    """Bring the lab's cluster to its steady state as `altio-hil run` does after its heals (harness.
    scenarios): wait for the systems a heal restarted, clear every FAULTED group VCS needs cleared,
    online the groups the steady state holds, each guest where it runs (at home when it runs nowhere),
    or, with `home`, every guest moved to its home first (`bring_to`, a run's baseline).

    `target` is any `Target` of the lab. InfrastructureError when the steady state is not reached,
    harness.scenarios.AgentFailure when the AlternateIO agent under test is why."""
    from harness import scenarios
    from harness.oracle import Topology
    from harness.targets.base import InfrastructureError
    from harness.timing import Windows

    sent: list[tuple[str, str]] = []
    hagrp = target.hagrp

    def typed(*args: str, snap=None):
        note = ""
        if snap is not None and len(args) >= 4 and args[0] in ("-clear", "-online") and args[2] == "-sys":
            note = f"was {snap.group(args[1], args[3]) or '?'}"
        rc, out, err = hagrp(*args, snap=snap)
        if rc != 0:  # e.g. a switch VCS refuses: the procedure then takes the long way
            said = (err or out).strip()
            umi = re.search(r"V-\d+-\d+-\d+", said)
            note = f"refused ({umi.group() if umi else f'exit {rc}'})"
        sent.append(("hagrp " + " ".join(args), note))
        return rc, out, err

    target.hagrp = typed  # every hagrp the procedures type is said
    topo = Topology(lab.config, lab.nodes)
    guests = topo.guests()
    windows = Windows.from_timing(target.timing(), membership_s=target.membership_s)
    systems = [s for n in topo.nodes for s in n.systems]
    target.wait_for(lambda s: all(s.running(x) for x in systems) and all(scenarios._settled(s, t) for t in guests),
                    windows.settle_s)
    for t in guests:
        if home:
            scenarios.bring_to(target, t, t.home(), windows.settle_s)
            continue
        at = scenarios.ldom_location(target.snapshot(), t) or t.home()
        problems = scenarios.restore_steady(target, t, at, windows.settle_s)
        if problems:
            raise InfrastructureError(f"the steady state with {t.ldom_group} on {at} was not reached: "
                                      + "; ".join(problems))
    snap = target.snapshot()
    return Restored(sent, [(t.guest, t.ldom_group, scenarios.ldom_location(snap, t) or "", t.home()) for t in guests])


# -- helpers -------------------------------------------------------------------------------------------------

def _where_guest(g: dict) -> str:
    """`ONLINE on primary1 (group ldomsg; ldm: node1 active, node2 bound)` or `down everywhere (...)`."""
    states = g.get("states", {})
    online = g.get("online", [])
    ldm = ", ".join(f"{node} {state}" for node, state in g.get("domains", {}).items())
    where = ", ".join(f"{states.get(s, 'ONLINE')} on {s}" for s in online)
    if not online:
        where = "down everywhere: " + (", ".join(f"{s} {st}" for s, st in states.items()) or "no system")
    return f"{where} (group {g['group']}" + (f"; ldm: {ldm}" if ldm else "") + ")"


def _wait(predicate, budget_s: float, interval: float = 0.05) -> bool:
    deadline = time.monotonic() + budget_s
    while not predicate():
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)
    return True


def _flock_holders(inode: int) -> list[int]:
    """Pids holding a flock on the file with that inode (/proc/locks; waiters excluded)."""
    try:
        text = Path("/proc/locks").read_text()
    except OSError:
        return []
    pids = []
    for line in text.splitlines():
        parts = line.split()
        if len(parts) < 6 or parts[1] == "->" or parts[1] != "FLOCK":
            continue
        try:
            if int(parts[5].rsplit(":", 1)[1]) == inode:
                pids.append(int(parts[4]))
        except (ValueError, IndexError):
            continue
    return pids


def _is_lab_daemon(pid: int, spec: Path) -> bool:
    """Is `pid` our lab server, started on this spec file?"""
    try:
        args = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return b"emulators.server" in args and str(spec).encode() in args


def _stop_child(proc: subprocess.Popen) -> None:
    """Stop a daemon this process started (it is our child: its pid cannot be someone else's)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


class _PortLines:
    """`file:line:col` of `sparc.SECTION.NAME.port` in the inventory, for error messages."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.root = yaml.compose(path.read_text())
        except (OSError, yaml.YAMLError):
            self.root = None

    def __call__(self, section: str, name: str) -> str:
        from harness.inventory import _node_at, _where

        node, found = _node_at(self.root, ("sparc", section, name, "port"))
        if not found:
            node, _ = _node_at(self.root, ("sparc", section, name))
        return _where(self.path, node)


def _check_free_ports(front: FrontSpec) -> None:
    """Every public port of the lab must be free on 127.0.0.1 before anything starts."""
    for ep in front.endpoints:
        s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", ep.port))
        except OSError as exc:
            raise LabDown(f"{ep.where}: port {ep.port} on 127.0.0.1 ({ep.label}) is not free "
                          f"({exc.strerror}); stop what holds it or choose another port") from None
        finally:
            s.close()
