"""Persistent shell sessions: one pexpect child, commands run by the marker protocol.

`ShellSession` connects lazily, and when its child died (EOF: a killed connection, a rebooted
host) the next `run` reconnects once, noting it in the transcript; a failing reconnect raises.
Keepalive is not its job (ssh's `ServerAliveInterval` is). Subclasses only say how to spawn the
child and how to log in (`LocalShellSession` here, `SSHSession` in `ssh.py`).
"""

from __future__ import annotations

import os
import signal
from collections.abc import Mapping, Sequence

import pexpect

from harness.transport import markers
from harness.transport.credentials import password_from_env
from harness.transport.errors import TransportError, Unreachable
from harness.transport.login import last_line, log_in
from harness.transport.marker_shell import ConsoleShell, MarkerShell
from harness.transport.markers import Argv
from harness.transport.transcript import Transcribed, Transcript, TranscriptTap

DIMENSIONS = (40, 512)  # rows, columns: wide, so that tools do not wrap or cut their lines


class ShellSession(Transcribed):
    """A persistent interactive shell behind `run(argv) -> (rc, out, err)`.

    `argv` is a list (each element quoted; a leading `~/` is left for the remote shell to expand)
    or a str (a shell command line, sent as is, run by `eval` in the session's shell, so `cd` and
    variables persist; `exit` ends the session). Commands read stdin from /dev/null. A command
    that outlives its timeout is interrupted with Ctrl-C and raises `CommandTimeout`; the session
    resynchronises, or closes and reconnects on the next `run`.
    """

    newline = "\n"

    def __init__(self, *, name: str, timeout: float = 60.0, login_timeout: float = 30.0,
                 resync_timeout: float = 10.0, strip_syslog: bool = False,
                 transcript: Transcript | None = None) -> None:
        self.name = name
        self.timeout = timeout
        self.login_timeout = login_timeout
        self.resync_timeout = resync_timeout
        self.strip_syslog = strip_syslog
        self.log = transcript if transcript is not None else Transcript()
        self.syslog: list[str] = []
        self._tap = TranscriptTap(self.log, name)
        self._child: pexpect.spawn | None = None
        self._shell: MarkerShell | None = None
        self._console: ConsoleShell | None = None
        self._console_gone = ""
        self._closed = False
        self._connections = 0

    # -- subclass hooks ------------------------------------------------------------------------
    def _spawn(self) -> pexpect.spawn:
        raise NotImplementedError

    def _log_in(self, child: pexpect.spawn, shell: MarkerShell) -> None:
        raise NotImplementedError

    def _check_credentials(self) -> None:
        """Resolve credential references before anything is spawned (CredentialsError)."""

    # -- connection ----------------------------------------------------------------------------
    @property
    def alive(self) -> bool:
        """The child runs and the shell is in a known state."""
        return (self._child is not None and self._shell is not None and self._shell.usable
                and self._child.isalive())

    @property
    def pid(self) -> int | None:
        """The local child's process id (the shell, or the ssh client), None when not connected."""
        return self._child.pid if self._child is not None else None

    @property
    def connections(self) -> int:
        """How many times this session connected (1 + reconnects)."""
        return self._connections

    def connect(self) -> None:
        """Spawn, log in and set the shell up; a no-op when already connected."""
        if self._closed:
            raise TransportError(f"{self.name}: the session is closed")
        if self.alive:
            return
        self._check_credentials()
        self._drop(graceful=False)
        self.log.note(self.name, "reconnecting" if self._connections else "connecting")
        child = self._spawn()
        child.logfile_read = self._tap
        shell = MarkerShell(child, self._tap, source=self.name, strip_syslog=self.strip_syslog,
                            newline=self.newline, resync_timeout=self.resync_timeout, syslog=self.syslog)
        try:
            self._log_in(child, shell)
        except BaseException:
            kill_child(child)
            raise
        self._child, self._shell = child, shell
        self._connections += 1
        self.log.note(self.name, "connected")

    def run(self, argv: Argv, timeout: float | None = None) -> tuple[int, str, str]:
        """Run a command in the shell; (exit status, stdout, stderr)."""
        if self._console is not None:
            raise TransportError(f"{self.name}: a console is open on this session; close it first")
        if not self.alive:
            if self._connections:
                self.log.note(self.name, "connection lost")
            self.connect()
        assert self._shell is not None
        try:
            return self._shell.run(argv, self.timeout if timeout is None else timeout)
        except TransportError:
            if not self._shell.usable:
                self._drop(graceful=False)
            raise

    # -- consoles reached from this shell ------------------------------------------------------
    def open_console(self, command_line: str, user: str, password_env: str | None = None, *,
                     escape: str = "~.", name: str = "console", timeout: float | None = None,
                     login_timeout: float | None = None, settle: float = 2.0) -> ConsoleShell:
        """Run an interactive console client (e.g. `telnet localhost 5000` to vntsd) in this shell,
        log in on the console and return a shell on it; its `close()` logs out, sends `escape`
        and gives this session back."""
        password = password_from_env(password_env, f"console `{command_line}` on {self.name}")
        if self._console is not None:
            raise TransportError(f"{self.name}: a console is already open on this session")
        if not self.alive:
            self.connect()
        assert self._child is not None and self._shell is not None
        child, source = self._child, f"{self.name}>{name}"
        console = ConsoleShell(child, self._tap, source=source, escape=escape, resync_timeout=self.resync_timeout,
                               timeout=self.timeout if timeout is None else timeout,
                               on_close=self._console_closed)
        target = f"console `{command_line}` on {self.name}"
        ended = False

        def classify(text: str) -> TransportError:
            nonlocal ended
            ended = True
            return Unreachable(f"{target}: the console client ended ({last_line(text)}); check that "
                               "the console service runs and the domain's console port is right")

        # when the client ends (refused, or later `~.`), the shell prints this marker
        gone = markers.token()
        self.log.sent(self.name, command_line)
        self._tap.source = source
        try:
            child.send(f"{command_line}; {markers.sync_line(gone)}{self.newline}")
            log_in(child, self.log, source, target=target, classify=classify, password=password,
                   user=user, kick=console.kick, nudge="\r", gone=markers.sync_pattern(gone), settle=settle,
                   timeout=self.login_timeout if login_timeout is None else login_timeout, newline="\r")
        except TransportError:
            self._tap.source = self.name
            if not ended:
                self.log.sent(self.name, repr("\r" + escape))
                try:
                    child.send("\r" + escape)
                except OSError:
                    pass
            self._back_from_console(markers.sync_pattern(gone), ended)
            raise
        self._console, self._console_gone = console, markers.sync_pattern(gone)
        self.log.note(source, "console logged in")
        return console

    def _console_closed(self, ok: bool) -> None:
        self._console = None
        self._tap.source = self.name
        if ok:
            self._back_from_console(self._console_gone, ended=False)
        else:
            self.log.note(self.name, "the console is in an unknown state; dropping the connection")
            self._drop(graceful=False)

    def _back_from_console(self, gone: str, ended: bool) -> None:
        """Wait for the console client to end (the shell prints the `gone` marker after it), so
        that no typeahead reaches the client, then resync; drop the connection when that fails."""
        if self._child is not None and self._shell is not None:
            try:
                if not ended:
                    ended = self._child.expect([gone, pexpect.EOF, pexpect.TIMEOUT],
                                               timeout=self.resync_timeout) == 0
            except OSError:
                ended = False
            if ended and self._shell.resync(interrupt=False):
                return
        self.log.note(self.name, "could not get back from the console; dropping the connection")
        self._drop(graceful=False)

    # -- closing -------------------------------------------------------------------------------
    def close(self) -> None:
        """Exit the shell, then terminate/kill the child; idempotent, bounded in time."""
        if self._closed:
            return
        if self._console is not None:
            try:
                self._console.close()
            except Exception:  # noqa: BLE001 - closing must not fail
                pass
        self._drop(graceful=True)
        self._closed = True

    def _drop(self, graceful: bool) -> None:
        child, shell = self._child, self._shell
        self._child = self._shell = None
        if child is None:
            return
        if graceful and shell is not None and shell.usable:
            try:
                if child.isalive():
                    child.send(f"rm -f {shell.err_file}; exit{self.newline}")
                    child.expect([pexpect.EOF, pexpect.TIMEOUT], timeout=2)
            except (OSError, pexpect.ExceptionPexpect):
                pass
        kill_child(child)
        self.log.note(self.name, "closed")

    def __enter__(self) -> ShellSession:
        self.connect()
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def interruptible() -> None:
    """In a child before exec: Ctrl-C acts on it, whatever the harness inherited. A process started
    in the background by a shell without job control (a CI step, `make test &`) has SIGINT ignored,
    and an ignored signal stays ignored across exec: the session's Ctrl-C would then never stop a
    hanging command."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})


def spawn_child(argv: Sequence[str], env: Mapping[str, str], target: str, cwd: str | None = None) -> pexpect.spawn:
    """A pexpect child on a wide pty, decoding UTF-8 leniently, without pexpect's 50 ms send delay
    (the marker protocol never depends on timing)."""
    try:
        child = pexpect.spawn(argv[0], list(argv[1:]), env=dict(env), cwd=cwd, encoding="utf-8",
                              codec_errors="replace", dimensions=DIMENSIONS, maxread=65536,
                              preexec_fn=interruptible)
    except pexpect.ExceptionPexpect as exc:
        raise Unreachable(f"{target}: cannot start {argv[0]} ({exc})") from None
    child.delaybeforesend = None
    child.delayafterclose = 0.02  # close() then terminates a child that did not exit by itself
    return child


def kill_child(child: pexpect.spawn) -> None:
    """Close the pty, then SIGHUP/SIGINT/SIGKILL the child: never hangs."""
    try:
        child.close(force=True)
    except Exception:  # noqa: BLE001 - a child stuck in the kernel cannot be helped
        pass


class LocalShellSession(ShellSession):
    """A shell on this machine (`/bin/sh` by default): the simplest session, used by tests."""

    def __init__(self, shell: str | Sequence[str] = "/bin/sh", *, env: Mapping[str, str] | None = None,
                 cwd: str | None = None, name: str = "local", **kwargs: object) -> None:
        super().__init__(name=name, **kwargs)  # type: ignore[arg-type]
        self.argv = [shell] if isinstance(shell, str) else list(shell)
        self.env = dict(os.environ if env is None else env)
        self.env.setdefault("TERM", "dumb")
        self.cwd = cwd

    def _spawn(self) -> pexpect.spawn:
        return spawn_child(self.argv, self.env, self.name, cwd=self.cwd)

    def _log_in(self, child: pexpect.spawn, shell: MarkerShell) -> None:
        def classify(text: str) -> TransportError:
            return Unreachable(f"{self.name}: {' '.join(self.argv)} exited before a prompt ({last_line(text)})")

        log_in(child, self.log, self.name, target=self.name, classify=classify, kick=shell.kick,
               timeout=self.login_timeout)
