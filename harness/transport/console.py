"""The ILOM service processor over ssh: its line-oriented CLI (`-> `) and the host console behind it.

`run(line)` drives the CLI (answering `(y/n)?` confirmations with `y`); an ILOM error as the
first line of the answer (`Invalid target ...`, `stop: Target already stopped`) gives rc 1.
The host console is a caller-driven dialogue: `attach_console()`, `expect_console()` /
`send_console()` (wait for `{0} ok `, send `boot`, wait for `console login: `), `console_login()`
to get a marker-protocol shell on the host, `detach_console()` (`#.` at the start of a line).
Every line ends with CR, as a terminal sends it.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

import pexpect

from harness.transport.credentials import Credentials, password_from_env
from harness.transport.errors import CommandTimeout, TransportError, Unreachable
from harness.transport.login import LOGIN_PROMPT, last_line, log_in
from harness.transport.marker_shell import ConsoleShell
from harness.transport.markers import clean
from harness.transport.shell import kill_child, spawn_child
from harness.transport.ssh import _ssh_env, classify_ssh_failure, ssh_argv
from harness.transport.transcript import Transcribed, Transcript, TranscriptTap

CONFIRM = r"\(y/n\)\? ?\Z"
CONSOLE_STARTED = r"To stop, type #\."


class ConsoleMatch(NamedTuple):
    index: int  # which of the patterns matched
    text: str  # what the console printed up to and including the match (cleaned)


def ilom_rc(command_line: str, out: str) -> int:
    """1 when the answer's first line is an ILOM error (`Invalid ...`, `<verb>: ...`), else 0."""
    verb = command_line.split()[0] if command_line.split() else ""
    for line in out.splitlines():
        line = line.strip()
        if not line or re.search(r"\(y/n\)\?", line):
            continue
        return 1 if line.startswith("Invalid ") or (verb and line.startswith(f"{verb}: ")) else 0
    return 0


class ConsoleSession(Transcribed):
    """An ILOM reached with `ssh -tt` (same options and credential references as `SSHSession`)."""

    newline = "\r"

    def __init__(self, host: str, port: int = 22, user: str = "root", *, key_file: str | None = None,
                 ssh_agent: bool = False, password_env: str | None = None, known_hosts: str | None = None,
                 strict_host_key: bool = True, connect_timeout: int = 10, timeout: float = 60.0,
                 login_timeout: float = 30.0, resync_timeout: float = 10.0, prompt: str = "-> ",
                 name: str | None = None, transcript: Transcript | None = None,
                 ssh_command: Sequence[str] = ("ssh",)) -> None:
        self.host, self.port, self.user = host, port, user
        self.target = f"{user}@{host}:{port}"
        self.name = name or self.target
        self.credentials = Credentials(key_file, ssh_agent, password_env)
        self.known_hosts = known_hosts
        self.strict_host_key = strict_host_key
        self.connect_timeout = connect_timeout
        self.timeout = timeout
        self.login_timeout = login_timeout
        self.resync_timeout = resync_timeout
        self.prompt = r"(?:^|\r*\n)" + re.escape(prompt) + r"\Z"
        self.ssh_command = tuple(ssh_command)
        self.log = transcript if transcript is not None else Transcript()
        self._tap = TranscriptTap(self.log, self.name)
        self._child: pexpect.spawn | None = None
        self._connections = 0
        self._attached = False
        self._host_shell: ConsoleShell | None = None
        self._last_console_text = ""
        self._closed = False
        self.credentials.check(self.target)

    # -- connection ----------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        return self._child is not None and self._child.isalive()

    @property
    def attached(self) -> bool:
        return self._attached

    def connect(self) -> None:
        if self._closed:
            raise TransportError(f"{self.name}: the session is closed")
        if self.alive:
            return
        self.credentials.check(self.target)
        self._drop()
        self.log.note(self.name, "reconnecting" if self._connections else "connecting")
        argv = ssh_argv(self.host, self.port, self.user, credentials=self.credentials,
                        known_hosts=self.known_hosts, strict_host_key=self.strict_host_key,
                        connect_timeout=self.connect_timeout, tty=True, ssh_command=self.ssh_command)
        child = spawn_child(argv, _ssh_env(self.credentials), self.target)
        child.logfile_read = self._tap
        try:
            log_in(child, self.log, self.name, target=self.target, classify=self._classify,
                   password=self.credentials.password(self.target), ready=self.prompt,
                   timeout=self.login_timeout, newline=self.newline)
        except BaseException:
            kill_child(child)
            raise
        self._child = child
        self._connections += 1
        self.log.note(self.name, "connected")

    def _classify(self, text: str) -> TransportError:
        return classify_ssh_failure(text, host=self.host, port=self.port, user=self.user,
                                    credentials=self.credentials, known_hosts=self.known_hosts) or \
            Unreachable(f"{self.target}: ssh ended before the ILOM prompt ({last_line(text)}); check that "
                        "the service processor is up")

    def _live_child(self) -> pexpect.spawn:
        if not self.alive:
            if self._attached:
                self._drop()
                raise Unreachable(f"{self.target}: connection lost while on the host console")
            if self._connections:
                self.log.note(self.name, "connection lost")
            self.connect()
        assert self._child is not None
        return self._child

    def _lost(self, what: str) -> Unreachable:
        self._drop()
        return Unreachable(f"{self.target}: connection closed {what}; the next command reconnects")

    # -- the ILOM CLI --------------------------------------------------------------------------
    def run(self, command_line: str, timeout: float | None = None) -> tuple[int, str, str]:
        """Run one ILOM command; (rc, output without the echoed command, "")."""
        if self._attached:
            raise TransportError(f"{self.name}: the host console is attached; detach_console() first")
        child = self._live_child()
        timeout = self.timeout if timeout is None else timeout
        self.log.sent(self.name, command_line)
        text = ""
        try:
            child.send(command_line + self.newline)
            while True:
                i = child.expect([self.prompt, CONFIRM, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
                text += child.before if isinstance(child.before, str) else ""
                if i == 1:
                    text += child.after
                    self.log.sent(self.name, "y")
                    child.send("y" + self.newline)
                    continue
                break
        except OSError:
            i = 2
        if i == 2:
            raise self._lost(f"while running `{command_line}`")
        if i == 3:
            self._drop()
            raise CommandTimeout(f"{self.target}: `{command_line}` got no ILOM prompt back within {timeout:g}s; "
                                 "the connection was closed (it reconnects on the next command)")
        lines = clean(text, False).text.split("\n")
        if lines and lines[0].strip() == command_line.strip():
            lines = lines[1:]
        out = "\n".join(lines).strip("\r\n")
        out = out + "\n" if out else ""
        return ilom_rc(command_line, out), out, ""

    # -- the host console ----------------------------------------------------------------------
    def attach_console(self, start_command: str = "start -script /HOST/console",
                       timeout: float | None = None) -> str:
        """Enter the host console; returns what the ILOM printed."""
        if self._attached:
            return ""
        child = self._live_child()
        timeout = self.timeout if timeout is None else timeout
        self.log.sent(self.name, start_command)
        text = ""
        try:
            child.send(start_command + self.newline)
            while True:
                i = child.expect([CONSOLE_STARTED, CONFIRM, self.prompt, pexpect.EOF, pexpect.TIMEOUT],
                                 timeout=timeout)
                text += (child.before if isinstance(child.before, str) else "") + \
                    (child.after if isinstance(child.after, str) else "")
                if i == 1:
                    self.log.sent(self.name, "y")
                    child.send("y" + self.newline)
                    continue
                break
        except OSError:
            i = 3
        if i == 0:
            self._attached = True
            self._last_console_text = ""
            return clean(text, False).text
        if i == 2:
            lines = [line for line in clean(text, False).text.splitlines()[1:] if line.strip()]
            raise TransportError(f"{self.name}: `{start_command}` did not start the host console: "
                                 f"{lines[0] if lines else 'no message'}")
        if i == 3:
            raise self._lost("while starting the host console")
        self._drop()
        raise CommandTimeout(f"{self.name}: `{start_command}` did not answer within {timeout:g}s; closed")

    def _attached_child(self) -> pexpect.spawn:
        if not self._attached or self._child is None:
            raise TransportError(f"{self.name}: the host console is not attached; attach_console() first")
        return self._child

    def expect_console(self, patterns: str | Sequence[str], timeout: float | None = None) -> ConsoleMatch:
        """Wait for one of `patterns` (regular expressions) on the host console."""
        child = self._attached_child()
        wanted = [patterns] if isinstance(patterns, str) else list(patterns)
        timeout = self.timeout if timeout is None else timeout
        try:
            i = child.expect([*wanted, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        except OSError:
            i = len(wanted)
        if i == len(wanted):
            self._attached = False
            raise self._lost("on the host console")
        before = child.before if isinstance(child.before, str) else ""
        if i == len(wanted) + 1:
            raise CommandTimeout(f"{self.name}: the host console did not show {' or '.join(wanted)} within "
                                 f"{timeout:g}s (last output: {last_line(before)})")
        self._last_console_text = clean(before + child.after, False).text
        return ConsoleMatch(i, self._last_console_text)

    def send_console(self, line: str) -> None:
        """Type a line (CR-terminated) on the host console."""
        child = self._attached_child()
        self.log.sent(self.name, line)
        self._last_console_text = ""
        try:
            child.send(line + self.newline)
        except OSError:
            self._attached = False
            raise self._lost("on the host console") from None

    def console_login(self, user: str, password_env: str | None = None, *, timeout: float | None = None,
                      login_timeout: float | None = None, settle: float = 2.0) -> ConsoleShell:
        """Log in at the host console's `login:` prompt; return a shell on it (syslog lines stripped).
        Its `close()` logs out; the console stays attached."""
        password = password_from_env(password_env, f"{self.name} host console")
        child = self._attached_child()
        if self._host_shell is not None:
            raise TransportError(f"{self.name}: a shell is already open on the host console")
        source = f"{self.name}>host"
        shell = ConsoleShell(child, self._tap, source=source, escape=None, on_close=self._host_shell_closed,
                             timeout=self.timeout if timeout is None else timeout,
                             resync_timeout=self.resync_timeout)
        at_prompt = re.search(LOGIN_PROMPT.replace(r"\Z", r"\s*\Z"), self._last_console_text) is not None
        self._last_console_text = ""
        target = f"{self.name} host console"

        def classify(text: str) -> TransportError:
            self._attached = False
            self._drop()
            return Unreachable(f"{target}: connection closed during login ({last_line(text)})")

        self._tap.source = source
        try:
            log_in(child, self.log, source, target=target, classify=classify, password=password, user=user,
                   kick=shell.kick, nudge="\r", at_login_prompt=at_prompt, settle=settle, newline="\r",
                   timeout=self.login_timeout if login_timeout is None else login_timeout)
        except BaseException:
            self._tap.source = self.name
            raise
        self._host_shell = shell
        return shell

    def _host_shell_closed(self, ok: bool) -> None:
        self._host_shell = None
        self._tap.source = self.name
        if not ok:
            self._attached = False
            self._drop()

    def detach_console(self, timeout: float | None = None) -> None:
        """Log out of an open host shell, then `#.` back to the ILOM prompt."""
        if not self._attached:
            return
        if self._host_shell is not None:
            self._host_shell.close()
        if not self._attached or self._child is None:
            return
        child = self._child
        timeout = self.timeout if timeout is None else timeout
        self.log.sent(self.name, "#.")
        try:
            child.send("#.")
            i = child.expect([self.prompt, pexpect.EOF, pexpect.TIMEOUT], timeout=timeout)
        except OSError:
            i = 1
        self._attached = False
        if i == 1:
            raise self._lost("while leaving the host console")
        if i == 2:
            self._drop()
            raise CommandTimeout(f"{self.name}: no ILOM prompt within {timeout:g}s after #.; closed")

    # -- closing -------------------------------------------------------------------------------
    def close(self) -> None:
        """Log out of the host, leave the console, exit the ILOM; idempotent, bounded in time."""
        if self._closed:
            return
        try:
            if self._attached and self.alive:
                self.detach_console(timeout=5)
            if self.alive and self._child is not None:
                self._child.send("exit" + self.newline)
                self._child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2)
        except (TransportError, OSError, pexpect.ExceptionPexpect):
            pass
        self._drop()
        self._closed = True

    def _drop(self) -> None:
        child, self._child = self._child, None
        self._host_shell = None
        self._attached = False
        self._tap.source = self.name
        if child is not None:
            kill_child(child)
            self.log.note(self.name, "closed")

    def __enter__(self) -> ConsoleSession:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
