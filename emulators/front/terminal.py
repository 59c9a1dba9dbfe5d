"""Terminal I/O for the ILOM and the consoles: lines typed byte by byte, escapes, a pty relay.

A console must notice its escape sequence (`#.` on an ILOM host console, `~.` on a vntsd console)
at the start of a line, also while a shell runs behind it, so the terminal is put in raw mode and
this module does the line editing (echo, backspace, ^C, ^U, ^D) itself. Without a terminal (ssh
without a pty, pipes in tests) the same code reads the bytes as they come and echoes nothing.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pty
import select
import signal
import termios
import time
import tty
from collections.abc import Callable

EOF = -1
TIMEOUT = -2
CR, LF, BS, DEL, CTRL_C, CTRL_D, CTRL_U = 0x0D, 0x0A, 0x08, 0x7F, 0x03, 0x04, 0x15


class Escape(Exception):
    """The user typed the escape sequence at the start of a line."""


class Changed(Exception):
    """What the session was waiting on changed (its `poll` said so)."""


class Terminal:
    """fd_in/fd_out (a pty or pipes); `escape` is the character that, at the start of a line and
    followed by `.`, leaves (None: no escape)."""

    def __init__(self, fd_in: int = 0, fd_out: int = 1, escape: str | None = None) -> None:
        self.fd_in = fd_in
        self.fd_out = fd_out
        self.escape = escape
        self.tty = os.isatty(fd_in)
        self._saved: list | None = None
        self._pending = bytearray()
        self._eof = False
        self._skip_lf = False

    def __enter__(self) -> Terminal:
        if self.tty:
            self._saved = termios.tcgetattr(self.fd_in)
            tty.setraw(self.fd_in, termios.TCSANOW)
        return self

    def __exit__(self, *_exc: object) -> None:
        if self._saved is not None:
            with contextlib.suppress(termios.error):
                termios.tcsetattr(self.fd_in, termios.TCSADRAIN, self._saved)
            self._saved = None

    # -- output ----------------------------------------------------------------------------------------
    def write(self, text: str) -> None:
        data = (text.replace("\n", "\r\n") if self._saved is not None else text).encode()
        self._write(self.fd_out, data)

    @staticmethod
    def _write(fd: int, data: bytes) -> None:
        while data:
            data = data[os.write(fd, data):]

    # -- input -----------------------------------------------------------------------------------------
    def _byte(self, timeout: float | None) -> int:
        if not self._pending:
            if self._eof:
                return EOF
            ready, _, _ = select.select([self.fd_in], [], [], timeout)
            if not ready:
                return TIMEOUT
            try:
                data = os.read(self.fd_in, 1024)
            except OSError:
                data = b""
            if not data:
                self._eof = True
                return EOF
            self._pending += data
        return self._pending.pop(0)

    def read_line(self, prompt: str = "", echo: bool = True, poll: Callable[[], bool] | None = None,
                  interval: float = 0.5) -> str | None:
        """One line, without its end; None at end of input. Raises Escape on the escape sequence
        at the start of the line, Changed when `poll()` (asked every `interval`) says so."""
        self.write(prompt)
        echo = echo and self._saved is not None
        line = bytearray()
        held = False
        while True:
            b = self._byte(interval if poll else None)
            if b == TIMEOUT:
                if poll is not None and poll():
                    raise Changed
                continue
            if b == EOF:
                return line.decode(errors="replace") if line else None
            if self._skip_lf and b == LF:
                self._skip_lf = False
                continue
            self._skip_lf = False
            if held:
                held = False
                if b == ord("."):
                    self.write("\n")
                    raise Escape
                line.append(ord(self.escape or ""))
                if echo:
                    self.write(self.escape or "")
            if b in (CR, LF):
                self._skip_lf = b == CR
                if self._saved is not None:
                    self.write("\n")
                return line.decode(errors="replace")
            if b == CTRL_C:
                if self._saved is not None:
                    self.write("^C\n")
                return ""
            if b == CTRL_D and not line:
                return None
            if b in (BS, DEL):
                if line:
                    line.pop()
                    if echo:
                        self._write(self.fd_out, b"\b \b")
                continue
            if b == CTRL_U:
                if echo:
                    self._write(self.fd_out, b"\b \b" * len(line))
                line.clear()
                continue
            if self.escape and not line and b == ord(self.escape):
                held = True
                continue
            if b < 0x20:
                continue
            line.append(b)
            if echo:
                self._write(self.fd_out, bytes([b]))

    # -- a shell behind the console --------------------------------------------------------------------
    def relay(self, master: int, poll: Callable[[], bool] | None = None, interval: float = 0.5) -> str:
        """Pipe this terminal to a pty master until the program behind it ends ("exit") or the input
        does ("eof"). Raises Escape on the escape sequence at the start of a line, Changed on poll()."""
        line_start, held = True, False
        while True:
            if self._pending:
                ready = [self.fd_in]
            else:
                ready, _, _ = select.select([self.fd_in, master], [], [], interval)
            if not ready:
                if poll is not None and poll():
                    raise Changed
                continue
            if master in ready:
                try:
                    data = os.read(master, 4096)
                except OSError:  # EIO: the program behind closed its terminal
                    data = b""
                if not data:
                    return "exit"
                self._write(self.fd_out, data)
            if self.fd_in in ready:
                if self._pending:
                    data, self._pending = bytes(self._pending), bytearray()
                else:
                    try:
                        data = os.read(self.fd_in, 4096)
                    except OSError:
                        data = b""
                    if not data:
                        return "eof"
                out = bytearray()
                for b in data:
                    if held:
                        held = False
                        if b == ord("."):
                            self._write(master, bytes(out))
                            self.write("\n")
                            raise Escape
                        out.append(ord(self.escape or ""))
                        line_start = False
                    if self.escape and line_start and b == ord(self.escape):
                        held = True
                        continue
                    out.append(b)
                    line_start = b in (CR, LF)
                with contextlib.suppress(OSError):
                    self._write(master, bytes(out))

    def window_size(self) -> bytes | None:
        if not self.tty:
            return None
        try:
            return fcntl.ioctl(self.fd_in, termios.TIOCGWINSZ, b"\0" * 8)
        except OSError:
            return None


def spawn(argv: list[str], env: dict[str, str], cwd: str, winsize: bytes | None = None) -> tuple[int, int]:
    """Run `argv` on a new pty (its controlling terminal); (pid, master fd)."""
    pid, master = pty.fork()
    if pid == 0:  # the child
        try:
            os.chdir(cwd)
            os.execve(argv[0], argv, env)
        finally:
            os._exit(127)
    if winsize is not None:
        with contextlib.suppress(OSError):
            fcntl.ioctl(master, termios.TIOCSWINSZ, winsize)
    return pid, master


def reap(pid: int, master: int, grace: float = 2.0) -> None:
    """Hang up on a program spawned on a pty and wait for it (SIGKILL after `grace`)."""
    with contextlib.suppress(OSError):
        os.close(master)
    for sig in (signal.SIGHUP, signal.SIGKILL):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, sig)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            try:
                done, _ = os.waitpid(pid, os.WNOHANG)
            except ChildProcessError:
                return
            if done:
                return
            time.sleep(0.02)
