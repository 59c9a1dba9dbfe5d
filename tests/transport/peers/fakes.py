"""Plumbing of the fake peers (run as scripts under pexpect): a raw terminal, a line editor,
escape-sequence detection and a host console whose shell is a real /bin/sh on an inner pty,
with console noise (syslog lines, ANSI and bracketed-paste sequences) injected after newlines.

The peers behave like the real devices where the transport depends on it: they put their
terminal in raw mode and echo themselves (as ssh/telnet peers do), read passwords without echo,
and only answer escapes (`#.`, `~.`) at the start of a line.
"""

from __future__ import annotations

import os
import pty
import select
import signal
import sys
import termios
import tty
from collections.abc import Callable

SYSLOG = "Nov 26 11:02:03 {host} genunix: [ID 408114 kern.notice] NOTICE: fake console message {n}\r\n"
ANSI_NOISE = "\x1b[0m\x1b[?2004h\x1b[01;32m\x1b[?2004l\x1b[0m"


class Terminal:
    """Our stdin/stdout, in raw mode like ssh or telnet put a terminal."""

    def __init__(self) -> None:
        self.saved = termios.tcgetattr(0) if os.isatty(0) else None
        if self.saved is not None:
            tty.setraw(0)

    def write(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        while data:
            n = os.write(1, data)
            data = data[n:]

    def restore(self) -> None:
        if self.saved is not None:
            termios.tcsetattr(0, termios.TCSADRAIN, self.saved)


class LineEditor:
    """Collects typed bytes into lines, echoing them (or not, for passwords), as a tty would."""

    def __init__(self, term: Terminal, on_line: Callable[[str], None]) -> None:
        self.term = term
        self.on_line = on_line
        self.echo = True
        self.buf = bytearray()
        self._last_cr = False

    def feed(self, data: bytes) -> None:
        for byte in data:
            ch = bytes([byte])
            if ch == b"\n" and self._last_cr:
                self._last_cr = False
                continue
            self._last_cr = ch == b"\r"
            if ch in (b"\r", b"\n"):
                line = self.buf.decode(errors="replace")
                self.buf.clear()
                self.term.write("\r\n")
                self.on_line(line)
            elif ch in (b"\x7f", b"\x08"):
                if self.buf:
                    self.buf.pop()
                    if self.echo:
                        self.term.write("\b \b")
            elif ch == b"\x03":
                self.buf.clear()
                self.term.write("^C\r\n")
                self.on_line("\x03")
            else:
                self.buf += ch
                if self.echo:
                    self.term.write(ch)


class EscapeFilter:
    """Finds an escape sequence (`#.`, `~.`) typed at the start of a line."""

    def __init__(self, sequence: bytes) -> None:
        self.sequence = sequence
        self.at_line_start = True
        self.held = b""

    def feed(self, data: bytes) -> tuple[bytes, bool]:
        """(bytes to pass on, whether the escape was typed)."""
        out = bytearray()
        for byte in data:
            ch = bytes([byte])
            if self.held:
                if self.held + ch == self.sequence[:len(self.held) + 1]:
                    self.held += ch
                    if self.held == self.sequence:
                        return bytes(out), True
                    continue
                out += self.held
                self.held = b""
            if self.at_line_start and ch == self.sequence[:1]:
                self.held = ch
                self.at_line_start = False
                continue
            out += ch
            self.at_line_start = ch in (b"\r", b"\n")
        return bytes(out), False


class NoisyOutput:
    """Writes a shell's output, injecting a syslog line after every `every`-th newline and ANSI
    noise after every newline when asked."""

    def __init__(self, term: Terminal, host: str, syslog_every: int, ansi: bool) -> None:
        self.term = term
        self.host = host
        self.every = syslog_every
        self.ansi = ansi
        self.newlines = 0
        self.injected = 0

    def write(self, data: bytes) -> None:
        if not self.every and not self.ansi:
            self.term.write(data)
            return
        out = bytearray()
        for byte in data:
            out.append(byte)
            if byte == 0x0A:
                self.newlines += 1
                if self.every and self.newlines % self.every == 0:
                    self.injected += 1
                    out += SYSLOG.format(host=self.host, n=self.injected).encode()
                if self.ansi:
                    out += ANSI_NOISE.encode()
        self.term.write(bytes(out))


def spawn_shell(extra_env: dict[str, str] | None = None) -> tuple[int, int]:
    """A real interactive /bin/sh on a new pty: (pid, master fd)."""
    pid, fd = pty.fork()
    if pid == 0:
        env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/"),
               "TERM": "vt100", "PS1": "\x1b[01;32mroot@fake\x1b[0m:~# "}
        env.update(extra_env or {})
        os.execve("/bin/sh", ["/bin/sh"], env)
    return pid, fd


def reap(pid: int) -> None:
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    try:
        os.waitpid(pid, 0)
    except ChildProcessError:
        pass


class HostConsole:
    """A host's console: optionally OpenBoot (`{0} ok `), then `console login:`, then a shell.

    Output produced while nobody is attached is kept and shown at the next attach. Logging out of
    the shell brings the login prompt back.
    """

    def __init__(self, term: Terminal, host: str, password: str, *, obp: bool, syslog_every: int,
                 ansi: bool = False, login_prompt: bool = True, attached: bool = True) -> None:
        self.term = term
        self.host = host
        self.password = password
        self.stage = "obp" if obp else "user"
        self.noise = NoisyOutput(term, host, syslog_every, ansi)
        self.editor = LineEditor(term, self._line)
        self.shell_pid = 0
        self.shell_fd = -1
        self.user = ""
        self.attached = attached
        self.pending: list[bytes] = []
        self._show(self._prompt() if (obp or login_prompt) else "")

    def _show(self, text: str | bytes) -> None:
        data = text.encode() if isinstance(text, str) else text
        if self.attached:
            self.term.write(data)
        else:
            self.pending.append(data)

    def attach(self) -> None:
        self.attached = True
        for data in self.pending:
            self.term.write(data)
        self.pending.clear()

    def _prompt(self) -> str:
        return {"obp": "{0} ok ", "user": f"{self.host} console login: ", "password": "Password: "}.get(
            self.stage, "")

    def _line(self, line: str) -> None:
        if line == "\x03":
            self.editor.echo = True
            self.stage = "user" if self.stage == "password" else self.stage
        elif self.stage == "obp":
            if line.strip() == "boot":
                self._show("Boot device: /virtual-devices@100/channel-devices@200/disk@0  File and args:\r\n"
                           "SunOS Release 5.11 Version 11.4.0.15.0 64-bit\r\n"
                           "Copyright (c) 1983, 2018, Oracle and/or its affiliates. All rights reserved.\r\n"
                           + SYSLOG.format(host=self.host, n=0)
                           + f"Hostname: {self.host}\r\n\r\n")
                self.stage = "user"
            elif line.strip():
                self._show(f"ERROR: Unrecognized command: {line.strip()}\r\n")
        elif self.stage == "user":
            if line.strip():
                self.user = line.strip()
                self.stage = "password"
                self.editor.echo = False
        elif self.stage == "password":
            self.editor.echo = True
            if self.user == "root" and line == self.password:
                self._start_shell()
                return
            self._show("Login incorrect\r\n")
            self.stage = "user"
        self._show(self._prompt())

    def _start_shell(self) -> None:
        self._show("Last login: Wed Nov 26 10:59:01 2025 on console\r\n"
                   "Oracle Solaris 11.4.15.0  Assembled September 2019\r\n")
        self.stage = "shell"
        self.shell_pid, self.shell_fd = spawn_shell()

    def feed(self, data: bytes) -> None:
        """Bytes typed on the console."""
        if self.stage == "shell":
            os.write(self.shell_fd, data)
        else:
            self.editor.feed(data)

    def pump(self) -> None:
        """Shell output to the console (with noise); a logout brings the login prompt back."""
        try:
            data = os.read(self.shell_fd, 65536)
        except OSError:
            data = b""
        if data:
            if self.attached:
                self.noise.write(data)
            else:
                self.pending.append(data)
            return
        os.close(self.shell_fd)
        reap(self.shell_pid)
        self.shell_fd, self.shell_pid = -1, 0
        self.stage = "user"
        self._show("\r\n" + self._prompt())

    def fds(self) -> list[int]:
        return [self.shell_fd] if self.shell_fd >= 0 else []

    def stop(self) -> None:
        if self.shell_pid:
            reap(self.shell_pid)


def serve_console(term: Terminal, console: HostConsole, escape: bytes) -> bool:
    """Relay our terminal to `console` until the escape sequence (True) or our input ends (False)."""
    escapes = EscapeFilter(escape)
    while True:
        ready, _, _ = select.select([0, *console.fds()], [], [])
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                return False
            passed, escaped = escapes.feed(data)
            if passed:
                console.feed(passed)
            if escaped:
                return True
        for fd in console.fds():
            if fd in ready:
                console.pump()


def read_line(term: Terminal, echo: bool, pending: bytes = b"") -> tuple[str | None, bytes]:
    """One typed line (None at end of input) and the bytes typed after it."""
    lines: list[str] = []
    editor = LineEditor(term, lines.append)
    editor.echo = echo
    data = pending
    while True:
        for i in range(len(data)):
            editor.feed(data[i:i + 1])
            if lines:
                rest = data[i + 1:]
                if rest[:1] == b"\n" and data[i:i + 1] == b"\r":
                    rest = rest[1:]
                return lines[0], rest
        data = os.read(0, 65536)
        if not data:
            return None, b""


def relay_shell(term: Terminal, host: str, syslog_every: int, ansi: bool, pending: bytes = b"") -> int:
    """Relay our terminal to a real /bin/sh until it exits; its exit status."""
    pid, fd = spawn_shell()
    noise = NoisyOutput(term, host, syslog_every, ansi)
    if pending:
        os.write(fd, pending)
    while True:
        ready, _, _ = select.select([0, fd], [], [])
        if 0 in ready:
            data = os.read(0, 65536)
            if not data:
                reap(pid)
                return 255
            os.write(fd, data)
        if fd in ready:
            try:
                out = os.read(fd, 65536)
            except OSError:
                out = b""
            if not out:
                _, status = os.waitpid(pid, 0)
                return os.waitstatus_to_exitcode(status) & 0xFF
            noise.write(out)


def main_guard(main: Callable[[], int]) -> None:
    """Run a fake's main and exit with its status."""
    code = 1
    try:
        code = main()
    finally:
        sys.stdout.flush()
    sys.exit(code)
