"""The marker protocol over an already-open pexpect child: `run(argv) -> (rc, out, err)`.

`MarkerShell` knows nothing of how the child was opened (local pty, ssh, a console reached
through an ILOM or a vntsd telnet); `ShellSession` adds connecting and reconnecting, and
`ConsoleShell` adds leaving a console (log out, escape sequence, hand the terminal back).
"""

from __future__ import annotations

from collections.abc import Callable

import pexpect

from harness.transport import markers
from harness.transport.errors import CommandTimeout, TransportError, Unreachable
from harness.transport.markers import Argv
from harness.transport.transcript import STDERR, TranscriptTap

SEARCH_WINDOW = 8192  # the end marker is always near the tail: don't rescan a 1 MB output


class MarkerShell:
    """A shell, already logged in, driven by the marker protocol (see `markers`)."""

    def __init__(self, child: pexpect.spawn, tap: TranscriptTap, *, source: str, strip_syslog: bool,
                 newline: str = "\n", resync_timeout: float = 10.0, syslog: list[str] | None = None) -> None:
        self.child = child
        self.tap = tap
        self.log = tap.transcript
        self.source = source
        self.strip_syslog = strip_syslog
        self.newline = newline
        self.resync_timeout = resync_timeout
        self.err_file = f"/tmp/.altio-{markers.token()}.err"
        self.usable = True
        # console messages stripped from command output, in order (the owner may share its list)
        self.syslog: list[str] = [] if syslog is None else syslog

    def kick(self) -> str:
        """Send the setup line; return the pattern of the sync marker it prints once a shell runs it."""
        tok = markers.token()
        self.log.note(self.source, "shell setup: stty -echo, PS1/PS2, no history, no bracketed paste")
        self.child.send(markers.setup_line(tok, self.err_file) + self.newline)
        return markers.sync_pattern(tok)

    def run(self, argv: Argv, timeout: float) -> tuple[int, str, str]:
        if not self.usable:
            raise TransportError(f"{self.source}: this shell was closed; open a new one")
        command = markers.quote_argv(argv)
        tok = markers.token()
        line = markers.command_line(command, tok, self.err_file)
        self.log.sent(self.source, command)
        self.tap.muted = True
        try:
            try:
                self.child.send(line + self.newline)
                i = self.child.expect([markers.end_pattern(tok), pexpect.EOF, pexpect.TIMEOUT],
                                      timeout=timeout, searchwindowsize=SEARCH_WINDOW)
            except OSError:
                i = 1
        finally:
            self.tap.muted = False
        before = self.child.before if isinstance(self.child.before, str) else ""
        if i == 0:
            rc = int(self.child.match.group(1))
            try:
                out, err, syslog = markers.parse(before, tok, self.strip_syslog)
            except markers.ProtocolError as exc:
                self.usable = False
                self.log.lines(self.source, markers.clean(before, False).text)
                raise TransportError(f"{self.source}: lost track of `{command}` ({exc}); the session "
                                     "is closed and reconnects on the next command") from None
            self.log.lines(self.source, out)
            self.log.lines(self.source, err, STDERR)
            for message in syslog:
                self.log.note(self.source, f"console: {message}")
            self.syslog.extend(syslog)
            self.log.note(self.source, f"rc {rc}")
            return rc, out, err
        self.log.lines(self.source, markers.clean(before, False).text)
        if i == 1:
            self.usable = False
            self.log.note(self.source, f"connection closed while running `{command}`")
            raise Unreachable(f"{self.source}: connection closed while running `{command}` (it may or "
                              "may not have run); the next command reconnects")
        resynced = self.resync(interrupt=True)
        self.log.note(self.source, f"timeout after {timeout:g}s; sent Ctrl-C; "
                      + ("resynchronised" if resynced else "no answer, closing"))
        raise CommandTimeout(f"{self.source}: `{command}` did not complete within {timeout:g}s; it was "
                             "interrupted with Ctrl-C and the session "
                             + ("resynchronised" if resynced else "closed (it reconnects on the next command)"))

    def resync(self, interrupt: bool) -> bool:
        """Bring the shell back to a known point (optionally after Ctrl-C); False if it does not answer."""
        tok = markers.token()
        self.tap.muted = True
        try:
            if interrupt:
                self.child.send("\x03")
            self.child.send(markers.sync_line(tok) + self.newline)
            i = self.child.expect([markers.sync_pattern(tok), pexpect.EOF, pexpect.TIMEOUT],
                                  timeout=self.resync_timeout, searchwindowsize=SEARCH_WINDOW)
        except OSError:
            i = 1
        finally:
            self.tap.muted = False
        if i != 0:
            self.usable = False
        return i == 0


class ConsoleShell(MarkerShell):
    """A shell on a console reached from another session's terminal (ILOM host console, vntsd).

    It borrows that session's pexpect child: `close()` logs out, sends the console's escape
    sequence when there is one (`~.` for vntsd) and hands the terminal back through `on_close`.
    Console messages (syslog lines) are stripped from command output.
    """

    def __init__(self, child: pexpect.spawn, tap: TranscriptTap, *, source: str, timeout: float,
                 escape: str | None, on_close: Callable[[bool], None], newline: str = "\r",
                 resync_timeout: float = 10.0, logout_wait: float = 5.0) -> None:
        super().__init__(child, tap, source=source, strip_syslog=True, newline=newline,
                         resync_timeout=resync_timeout)
        self.timeout = timeout
        self.escape = escape
        self.logout_wait = logout_wait
        self._on_close = on_close
        self._closed = False

    def run(self, argv: Argv, timeout: float | None = None) -> tuple[int, str, str]:
        if self._closed:
            raise TransportError(f"{self.source}: this console shell is closed")
        try:
            return super().run(argv, self.timeout if timeout is None else timeout)
        except TransportError:
            if not self.usable:
                self._finish(ok=False)
            raise

    def transcript(self, since: int = 0) -> str:
        return self.log.text(since, source=self.source)

    def close(self) -> None:
        """Log out and leave the console; idempotent."""
        if self._closed:
            return
        ok = self.usable
        if ok:
            try:
                self.log.sent(self.source, "exit")
                self.child.send(f"rm -f {self.err_file}; exit{self.newline}")
                self.child.expect([r"login: ?\Z", pexpect.EOF, pexpect.TIMEOUT], timeout=self.logout_wait)
                if self.escape:
                    self.log.sent(self.source, self.escape)
                    self.child.send(self.escape)
            except OSError:
                ok = False
        self._finish(ok)

    def _finish(self, ok: bool) -> None:
        if self._closed:
            return
        self._closed = True
        self.usable = False
        self.log.note(self.source, "console closed")
        self._on_close(ok)

    def __enter__(self) -> ConsoleShell:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

