"""SSH: a persistent shell over the OpenSSH client (`SSHSession`), and one-shot `ssh_once`.

Both run the system's `ssh` with the user's configuration ignored (`-F /dev/null`), so that a
run depends on the inventory only. Host keys are checked strictly unless the caller opts out.
The session uses `-e none`: with an escape character, a `~.` meant for a console (vntsd) typed
through the session would kill the ssh client instead. Failures are classified from what ssh
prints: unreachable, authentication refused, host key not trusted.
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import subprocess
import tempfile
from collections.abc import Sequence

import pexpect

from harness.transport.credentials import Credentials
from harness.transport.errors import (
    AuthenticationFailed,
    CommandTimeout,
    HostKeyError,
    TransportError,
    Unreachable,
)
from harness.transport.login import last_line, log_in
from harness.transport.marker_shell import MarkerShell
from harness.transport.markers import Argv, quote_argv
from harness.transport.shell import ShellSession, spawn_child

# (what ssh prints, class, what the user should do); the first match wins, host keys first
_FAILURES: list[tuple[re.Pattern[str], type[TransportError], str]] = [
    (re.compile(r"REMOTE HOST IDENTIFICATION HAS CHANGED"), HostKeyError,
     "its host key CHANGED: if the host was reinstalled, remove the old key from {known_hosts} "
     "(ssh-keygen -R), otherwise suspect a man in the middle"),
    (re.compile(r"Host key verification failed|host key is known for|No \S+ host key is known"), HostKeyError,
     "its host key is not trusted: add it to {known_hosts} (ssh-keyscan -p {port} {host}) after checking "
     "its fingerprint, or opt out of strict host key checking for a throw-away lab"),
    (re.compile(r"Permission denied|Too many authentication failures|Authentication failed"),
     AuthenticationFailed, "authentication refused: check {credentials} and that {user} may log in"),
    (re.compile(r"Could not resolve hostname|Name or service not known|nodename nor servname"), Unreachable,
     "the host name does not resolve: check the inventory's host"),
    (re.compile(r"Connection refused"), Unreachable,
     "nothing listens on port {port}: check that sshd runs and the port is right"),
    (re.compile(r"Connection timed out|Operation timed out|timed out during banner exchange"), Unreachable,
     "the connection timed out: check that the host is up and reachable (network, firewall)"),
    (re.compile(r"No route to host|Network is unreachable|Host is down"), Unreachable,
     "no route to the host: check the network path"),
    (re.compile(r"Connection closed by|Connection reset|kex_exchange_identification|closed by remote host"),
     Unreachable, "the connection was closed during login: check the server's sshd logs"),
]


def classify_ssh_failure(text: str, *, host: str, port: int, user: str, credentials: Credentials,
                         known_hosts: str | None) -> TransportError | None:
    """The failure that ssh's output describes, or None when it names none."""
    for pattern, kind, advice in _FAILURES:
        found = pattern.search(text)
        if found:
            start = text.rfind("\n", 0, found.start()) + 1
            end = text.find("\n", found.end())
            detail = text[start:end if end >= 0 else len(text)].strip(" \r@")
            hint = advice.format(known_hosts=known_hosts or "~/.ssh/known_hosts", port=port, host=host,
                                 user=user, credentials=credentials.describe())
            return kind(f"{user}@{host}:{port}: {detail}; {hint}")
    return None


def ssh_argv(host: str, port: int, user: str, *, credentials: Credentials, known_hosts: str | None,
             strict_host_key: bool, connect_timeout: int, tty: bool,
             ssh_command: Sequence[str] = ("ssh",)) -> list[str]:
    """The OpenSSH client command line (without a remote command)."""
    argv = [*ssh_command, "-F", "/dev/null", "-tt" if tty else "-T", "-e", "none",
            "-p", str(port), "-l", user,
            "-o", f"ConnectTimeout={connect_timeout}",
            "-o", "ServerAliveInterval=15", "-o", "ServerAliveCountMax=3",
            "-o", "LogLevel=ERROR"]
    if credentials.password_env:
        argv += ["-o", "NumberOfPasswordPrompts=1"]
    else:
        argv += ["-o", "BatchMode=yes"]
    if credentials.key_file:
        argv += ["-o", "IdentitiesOnly=yes", "-i", os.path.expanduser(credentials.key_file)]
    if not credentials.ssh_agent:
        argv += ["-o", "IdentityAgent=none"]
        if not credentials.key_file:
            argv += ["-o", "PubkeyAuthentication=no"]
    if strict_host_key:
        argv += ["-o", "StrictHostKeyChecking=yes"]
        if known_hosts:
            argv += ["-o", f"UserKnownHostsFile={known_hosts}"]
    else:
        argv += ["-o", "StrictHostKeyChecking=no", "-o", "UserKnownHostsFile=/dev/null"]
    argv.append(host)
    return argv


def _ssh_env(credentials: Credentials) -> dict[str, str]:
    env = dict(os.environ)
    env["TERM"] = "dumb"
    if not credentials.ssh_agent:
        env.pop("SSH_AUTH_SOCK", None)
    return env


class SSHSession(ShellSession):
    """A persistent shell on a host reached with `ssh -tt` (a Solaris control domain)."""

    def __init__(self, host: str, port: int = 22, user: str = "root", *, key_file: str | None = None,
                 ssh_agent: bool = False, password_env: str | None = None, known_hosts: str | None = None,
                 strict_host_key: bool = True, connect_timeout: int = 10, name: str | None = None,
                 ssh_command: Sequence[str] = ("ssh",), **kwargs: object) -> None:
        self.host, self.port, self.user = host, port, user
        self.target = f"{user}@{host}:{port}"
        super().__init__(name=name or self.target, **kwargs)  # type: ignore[arg-type]
        self.credentials = Credentials(key_file, ssh_agent, password_env)
        self.known_hosts = known_hosts
        self.strict_host_key = strict_host_key
        self.connect_timeout = connect_timeout
        self.ssh_command = tuple(ssh_command)
        self.credentials.check(self.target)

    def argv(self) -> list[str]:
        return ssh_argv(self.host, self.port, self.user, credentials=self.credentials,
                        known_hosts=self.known_hosts, strict_host_key=self.strict_host_key,
                        connect_timeout=self.connect_timeout, tty=True, ssh_command=self.ssh_command)

    def _check_credentials(self) -> None:
        self.credentials.check(self.target)

    def _classify(self, text: str) -> TransportError:
        return classify_ssh_failure(text, host=self.host, port=self.port, user=self.user,
                                    credentials=self.credentials, known_hosts=self.known_hosts) or \
            Unreachable(f"{self.target}: ssh ended before a prompt ({last_line(text)}); check that the host "
                        "is up and sshd answers")

    def _spawn(self) -> pexpect.spawn:
        return spawn_child(self.argv(), _ssh_env(self.credentials), self.target)

    def _log_in(self, child: pexpect.spawn, shell: MarkerShell) -> None:
        log_in(child, self.log, self.name, target=self.target, classify=self._classify,
               password=self.credentials.password(self.target), kick=shell.kick, timeout=self.login_timeout)


_askpass_dir: str | None = None


def _askpass_program() -> str:
    """A private SSH_ASKPASS program printing the variable named by ALTIO_ASKPASS_VAR: the password
    reaches ssh without a terminal and without ever being on a command line or in a file."""
    global _askpass_dir
    if _askpass_dir is None:
        _askpass_dir = tempfile.mkdtemp(prefix="altio-askpass-")
        atexit.register(shutil.rmtree, _askpass_dir, True)
    path = os.path.join(_askpass_dir, "askpass")
    if not os.path.exists(path):
        with open(path, "w") as f:
            f.write('#!/bin/sh\nexec printenv "$ALTIO_ASKPASS_VAR"\n')
        os.chmod(path, 0o700)
    return path


def ssh_once(host: str, port: int, user: str, argv: Argv, *, key_file: str | None = None,
             ssh_agent: bool = False, password_env: str | None = None, known_hosts: str | None = None,
             strict_host_key: bool = True, connect_timeout: int = 10, timeout: float = 60.0,
             ssh_command: Sequence[str] = ("ssh",)) -> tuple[int, str, str]:
    """Run one command with a fresh, non-interactive `ssh ... -- command` (no tty; stdout and stderr
    kept apart). ssh's own failures (exit 255 with a recognised message) raise."""
    target = f"{user}@{host}:{port}"
    credentials = Credentials(key_file, ssh_agent, password_env)
    credentials.check(target)
    cmd = ssh_argv(host, port, user, credentials=credentials, known_hosts=known_hosts,
                   strict_host_key=strict_host_key, connect_timeout=connect_timeout, tty=False,
                   ssh_command=ssh_command)
    cmd += ["--", quote_argv(argv)]
    env = _ssh_env(credentials)
    if password_env:
        env.update(SSH_ASKPASS=_askpass_program(), SSH_ASKPASS_REQUIRE="force", ALTIO_ASKPASS_VAR=password_env)
        env.setdefault("DISPLAY", ":0")
    try:
        done = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, errors="replace",
                              timeout=timeout, env=env, start_new_session=True)
    except subprocess.TimeoutExpired:
        raise CommandTimeout(f"{target}: `{quote_argv(argv)}` did not complete within {timeout:g}s; "
                             "ssh was killed") from None
    except OSError as exc:
        raise Unreachable(f"{target}: cannot start {cmd[0]} ({exc})") from None
    if done.returncode == 255:
        failure = classify_ssh_failure(done.stderr, host=host, port=port, user=user,
                                       credentials=credentials, known_hosts=known_hosts)
        if failure is not None:
            raise failure
    return done.returncode, done.stdout, done.stderr
