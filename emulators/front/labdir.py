"""The lab directory: where one emulated lab keeps its runtime files, and how they are opened.

Every lab has its own directory (mode 0700) under the user's runtime directory, named from the lab
name made safe plus a hash of the exact name (`a_b` and `a/b` never share one):

    up.lock          flock held by `lab up` / `lab down` around a whole start or stop
    daemon.lock      flock the daemon holds for its lifetime; its text is "PID START_ID" (for people:
                     a daemon is only ever signalled once found holding this lock in /proc/locks)
    daemon.sock      the request socket (emulators.server)
    daemon.log       the daemon's log (and sshd's)
    spec.json        the LabSpec the daemon builds
    ledger.json      faults recorded by `lab fault`, tied to the START_ID of the daemon they went to
    ledger.lock      flock around updates of ledger.json
    front.json       (sparc) systems, guests and ILOMs with their public ports, the lab's user
    endpoints.json   (sparc) sshd's internal port -> endpoint, written by the daemon for the login
    console.pw       (sparc) salted scrypt hash of the console password
    ssh/             (sparc) host and client keys, authorized_keys, known_hosts, sshd_config, sshd.pid
    bin/             (sparc) one shim per emulated command, and `telnet`
    engine_A.log     (sparc) the engine's log, appended as it grows
    home/SYSTEM/     (sparc) each system's HOME

Files are created with O_NOFOLLOW (and O_EXCL when new, through a rename), so a symlink planted in
the directory is never written through. Only the standard library is used here: the login program
(sshd's ForceCommand) imports this module on every connection.
"""

from __future__ import annotations

import errno
import hashlib
import json
import os
import secrets
import stat
from dataclasses import asdict, dataclass, field
from pathlib import Path

PRIVATE_DIR_MODE = 0o700


class UnsafeDirectory(ValueError):
    """A directory that should be private is not (symlink, not ours, wider than 0700, not a dir)."""


def private_dir(path: Path, create: bool = True) -> Path:
    """Create `path` atomically with mode 0700, or accept it only if it already is such a directory.

    An existing path is checked with lstat and left untouched when it is wrong: the caller reports
    what is wrong and nothing was changed.
    """
    path = Path(path)
    if create:
        try:
            os.mkdir(path, PRIVATE_DIR_MODE)
        except FileExistsError:
            pass
        else:
            # mkdir's mode is masked by the umask (never widened); make it exactly 0700
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
            try:
                os.fchmod(fd, PRIVATE_DIR_MODE)
            finally:
                os.close(fd)
            return path
    st = os.lstat(path)
    if stat.S_ISLNK(st.st_mode):
        raise UnsafeDirectory(f"{path} is a symbolic link (to {os.readlink(path)}), not a directory; "
                              "remove it (nothing was changed)")
    if not stat.S_ISDIR(st.st_mode):
        raise UnsafeDirectory(f"{path} exists and is not a directory; remove it (nothing was changed)")
    if st.st_uid != os.geteuid():
        raise UnsafeDirectory(f"{path} is owned by uid {st.st_uid}, not by you (uid {os.geteuid()}); "
                              "use another directory (ALTIO_HIL_RUNTIME) (nothing was changed)")
    mode = stat.S_IMODE(st.st_mode)
    if mode != PRIVATE_DIR_MODE:
        raise UnsafeDirectory(f"{path} has mode {mode:04o}; it must be 0700 (private to you): "
                              f"`chmod 700 {path}` if it is yours (nothing was changed)")
    return path


def open_private(path: Path, flags: int, mode: int = 0o600) -> int:
    """os.open that never follows a symlink at `path`. When creating (O_CREAT), a symlink found
    there is removed and a new file made in its place; otherwise OSError (ELOOP)."""
    flags |= os.O_NOFOLLOW | os.O_CLOEXEC
    try:
        return os.open(path, flags, mode)
    except OSError as exc:
        if exc.errno != errno.ELOOP or not flags & os.O_CREAT:
            raise
    os.unlink(path)
    return os.open(path, flags | os.O_EXCL, mode)


def write_private(path: Path, data: str | bytes, mode: int = 0o600) -> None:
    """Replace `path` with `data`: a new file (O_EXCL, O_NOFOLLOW) renamed over it, so a symlink
    planted at `path` is replaced, never written through."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    fd = open_private(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def read_private(path: Path) -> str:
    """Text of a regular file, not through a symlink (OSError otherwise)."""
    fd = open_private(Path(path), os.O_RDONLY)
    with os.fdopen(fd, "rb") as fh:
        return fh.read().decode()


def lab_dir_name(lab: str) -> str:
    """`<lab made safe>-<hash of the exact name>`: readable, and distinct for distinct names."""
    safe = "".join(c if c.isalnum() or c in "-_." else "_" for c in lab)[:40].lstrip(".") or "lab"
    return f"{safe}-{hashlib.sha256(lab.encode()).hexdigest()[:10]}"


@dataclass(frozen=True)
class Endpoint:
    """One SSH endpoint of an emulated sparc lab: a system (control, alternate, guest) or an ILOM."""

    name: str  # the system, or the physical node of an ILOM
    kind: str  # "system" | "ilom"
    port: int  # the public port on 127.0.0.1 (the inventory's)
    where: str  # the inventory line that names the port, for error messages
    internal_port: int = 0  # sshd's port for this endpoint (set by the daemon)

    @property
    def label(self) -> str:
        return f"{self.name} ILOM" if self.kind == "ilom" else self.name


@dataclass(frozen=True)
class FrontSpec:
    """What the SSH front of an emulated sparc lab serves; written by `lab up` as front.json."""

    lab: str
    user: str
    python: str  # absolute interpreter path (sshd's ForceCommand, the shims)
    monitor: str
    endpoints: tuple[Endpoint, ...]
    roles: dict[str, str] = field(default_factory=dict)  # system -> control | alternate | guest
    nodes: dict[str, str] = field(default_factory=dict)  # physical node -> its control system

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)

    @classmethod
    def from_json(cls, text: str) -> FrontSpec:
        data = json.loads(text)
        data["endpoints"] = tuple(Endpoint(**e) for e in data["endpoints"])
        return cls(**data)

    def endpoint(self, kind: str, name: str) -> Endpoint | None:
        return next((e for e in self.endpoints if e.kind == kind and e.name == name), None)

    def node_of_control(self, system: str) -> str | None:
        return next((n for n, c in self.nodes.items() if c == system), None)


class LabLayout:
    """The paths of one lab directory (see the module docstring)."""

    def __init__(self, root: Path) -> None:
        self.root = root = Path(root)
        self.up_lock = root / "up.lock"
        self.daemon_lock = root / "daemon.lock"
        self.socket = root / "daemon.sock"
        self.log = root / "daemon.log"
        self.spec = root / "spec.json"
        self.ledger = root / "ledger.json"
        self.ledger_lock = root / "ledger.lock"
        self.front = root / "front.json"
        self.endpoints = root / "endpoints.json"
        self.console_password = root / "console.pw"
        self.ssh = root / "ssh"
        self.host_key = self.ssh / "host_ed25519_key"
        self.client_key = self.ssh / "client_ed25519_key"
        self.authorized_keys = self.ssh / "authorized_keys"
        self.known_hosts = self.ssh / "known_hosts"
        self.sshd_config = self.ssh / "sshd_config"
        self.sshd_pid = self.ssh / "sshd.pid"
        self.bin = root / "bin"
        self.engine_log = root / "engine_A.log"
        self.homes = root / "home"

    def home(self, system: str) -> Path:
        return self.homes / system

    def vcs_home(self, system: str) -> Path:
        return self.home(system) / "opt" / "VRTSvcs"

    def vcs_conf(self, system: str) -> Path:
        return self.home(system) / "etc" / "VRTSvcs"

    def read_front(self) -> FrontSpec:
        return FrontSpec.from_json(read_private(self.front))

    def read_endpoints(self) -> dict[int, Endpoint]:
        """sshd's internal port -> endpoint (what the login program serves on that port)."""
        data = json.loads(read_private(self.endpoints))
        return {int(e["internal_port"]): Endpoint(**e) for e in data}

    def system_env(self, front: FrontSpec, system: str, base: dict[str, str]) -> dict[str, str]:
        """The environment of a login on `system`: its own HOME in the lab, the lab's shims first on
        PATH (then the caller's PATH), and for a cluster system VCS_HOME/VCS_CONF/VCS_SYSTEM."""
        env = {k: v for k, v in base.items() if not k.startswith(("ALTIO_HIL_", "VCS_", "SSH_ORIGINAL"))}
        env["HOME"] = str(self.home(system))
        rest = [d for d in (base.get("PATH") or "/usr/sbin:/usr/bin:/sbin:/bin").split(os.pathsep)
                if d and d != str(self.bin)]
        env["PATH"] = os.pathsep.join([str(self.bin), *rest])
        env["ALTIO_HIL_SOCKET"] = str(self.socket)
        env["ALTIO_HIL_SYSTEM"] = system
        env["PS1"] = f"root@{system}:~# "
        if front.roles.get(system) in ("control", "alternate"):
            env["VCS_HOME"] = str(self.vcs_home(system))
            env["VCS_CONF"] = str(self.vcs_conf(system))
            env["VCS_SYSTEM"] = system
        return env
