"""One OpenSSH server per emulated sparc lab: keys, configuration, start, and a verified stop.

sshd listens on 127.0.0.1 only, on free internal ports (one per endpoint), accepts the lab's client
key only, and runs the emulated login (emulators.front.login) for every connection, whatever the
client asked for. The public ports of the inventory are the daemon's forwarders (emulators.front.
forward), so a system that is down can refuse connections while sshd keeps running.
"""

from __future__ import annotations

import asyncio
import ctypes
import os
import shlex
import signal
import socket
import subprocess
import time
from collections.abc import Iterable
from pathlib import Path

from emulators.front.labdir import Endpoint, FrontSpec, LabLayout, private_dir, read_private, write_private

SSHD = "/usr/sbin/sshd"
PRIVSEP_DIR = Path("/run/sshd")


class FrontError(Exception):
    """The front cannot start (a port is taken, sshd or ssh-keygen fails): an infrastructure error."""


def make_keys(layout: LabLayout, front: FrontSpec) -> None:
    """Fresh host and client keys (ed25519), authorized_keys with the client key, and known_hosts
    naming the host key for every public port of the lab (`[127.0.0.1]:PORT ssh-ed25519 ...`)."""
    private_dir(layout.ssh)
    for key, role in ((layout.host_key, "host"), (layout.client_key, "client")):
        for path in (key, key.with_name(key.name + ".pub")):
            path.unlink(missing_ok=True)
        try:
            subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", f"altio-hil {front.lab} {role}",
                            "-f", str(key)], check=True, stdin=subprocess.DEVNULL, capture_output=True, timeout=60)
        except (OSError, subprocess.SubprocessError) as exc:
            raise FrontError(f"ssh-keygen could not make the lab's {role} key: {exc}") from None
    client = read_private(layout.client_key.with_name(layout.client_key.name + ".pub")).split()
    host = read_private(layout.host_key.with_name(layout.host_key.name + ".pub")).split()
    # restrict: no forwarding of any kind; pty: interactive logins still get a terminal
    write_private(layout.authorized_keys, f"restrict,pty {client[0]} {client[1]} altio-hil {front.lab}\n")
    write_private(layout.known_hosts,
                  "".join(f"[127.0.0.1]:{ep.port} {host[0]} {host[1]}\n" for ep in front.endpoints))


def free_ports(count: int) -> list[int]:
    """`count` distinct ports free on 127.0.0.1 now (held together while chosen)."""
    held = []
    try:
        for _ in range(count):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.bind(("127.0.0.1", 0))
            held.append(s)
        return [s.getsockname()[1] for s in held]
    finally:
        for s in held:
            s.close()


def login_command(layout: LabLayout, front: FrontSpec) -> str:
    """sshd's ForceCommand: the emulated login, with the absolute interpreter path."""
    return f"{shlex.quote(front.python)} -I -m emulators.front.login {shlex.quote(str(layout.root))}"


def write_config(layout: LabLayout, front: FrontSpec, endpoints: Iterable[Endpoint]) -> None:
    listen = "".join(f"ListenAddress 127.0.0.1:{ep.internal_port}\n" for ep in endpoints)
    write_private(layout.sshd_config, f"""\
# sshd of the emulated lab {front.lab}, written by its daemon: every login runs the emulated login
{listen}HostKey {layout.host_key}
PidFile {layout.sshd_pid}
AuthorizedKeysFile {layout.authorized_keys}
AllowUsers {front.user}
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
HostbasedAuthentication no
UsePAM no
StrictModes no
PermitRootLogin prohibit-password
PermitUserEnvironment no
ForceCommand {login_command(layout, front)}
PrintMotd no
PrintLastLog no
UseDNS no
X11Forwarding no
AllowTcpForwarding no
AllowAgentForwarding no
AllowStreamLocalForwarding no
PermitTunnel no
MaxStartups 64:30:128
MaxSessions 32
LoginGraceTime 30
LogLevel INFO
""")


def _die_with_parent() -> None:
    """In the child before exec: SIGTERM when the daemon dies, even by SIGKILL (PR_SET_PDEATHSIG)."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)
    except (OSError, AttributeError):
        pass


def _listening(ports: Iterable[int]) -> bool:
    """Are all these ports listening on 127.0.0.1? (/proc/net/tcp: no probe connection in sshd's log)"""
    want = {f"0100007F:{p:04X}" for p in ports}
    try:
        lines = Path("/proc/net/tcp").read_text().splitlines()[1:]
    except OSError:
        return False
    listening = {parts[1] for parts in (line.split() for line in lines) if len(parts) > 3 and parts[3] == "0A"}
    return want <= listening


async def start(layout: LabLayout, ports: list[int], timeout: float = 30.0) -> subprocess.Popen | None:
    """Start sshd on the configuration written for `ports`; None when it exited (a port was taken
    meanwhile: the caller picks others), FrontError when it does not listen in time."""
    if os.geteuid() == 0 and not PRIVSEP_DIR.is_dir():
        PRIVSEP_DIR.mkdir(mode=0o755, parents=True, exist_ok=True)
    layout.sshd_pid.unlink(missing_ok=True)  # sshd writes it with fopen: no symlink may wait there
    try:
        proc = subprocess.Popen([SSHD, "-D", "-e", "-f", str(layout.sshd_config)], stdin=subprocess.DEVNULL,
                                preexec_fn=_die_with_parent)
    except OSError as exc:
        raise FrontError(f"cannot run {SSHD}: {exc.strerror or exc} (install openssh-server)") from None
    deadline = time.monotonic() + timeout
    while not _listening(ports):
        if proc.poll() is not None:
            return None
        if time.monotonic() > deadline:
            await stop(proc)
            raise FrontError(f"sshd did not listen on 127.0.0.1:{ports} within {timeout:.0f}s")
        await asyncio.sleep(0.05)
    return proc


async def stop(proc: subprocess.Popen, grace: float = 5.0) -> None:
    """Stop the sshd this daemon started (its child: the pid is not someone else's)."""
    if proc.poll() is None:
        proc.terminate()
        deadline = time.monotonic() + grace
        while proc.poll() is None and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        if proc.poll() is None:
            proc.kill()
            proc.wait()


def is_lab_sshd(pid: int, layout: LabLayout) -> bool:
    """Is `pid` the listening sshd of this lab? (its executable is sshd, its command line names this
    lab's configuration; sshd rewrites its title, so the configuration is looked for in the text)"""
    try:
        exe = os.readlink(f"/proc/{pid}/exe")
        args = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return False
    return os.path.realpath(exe) == os.path.realpath(SSHD) and f"-f {layout.sshd_config}" in args


def stop_stray(layout: LabLayout, grace: float = 5.0) -> None:
    """Stop an sshd of this lab that outlived its daemon, verified by its command line."""
    try:
        pid = int(read_private(layout.sshd_pid).split()[0])
    except (OSError, ValueError, IndexError):
        return
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not is_lab_sshd(pid, layout):
            break
        os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while is_lab_sshd(pid, layout) and time.monotonic() < deadline:
            time.sleep(0.05)
    layout.sshd_pid.unlink(missing_ok=True)
