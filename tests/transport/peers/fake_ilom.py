"""A fake ILOM CLI (`-> ` prompt) with the host console behind it (OpenBoot, login, a real shell).

Commands: `show /SYS`, `start /SYS`, `stop /SYS` (both confirm with `(y/n)?`; an already
started/stopped target answers `start: Target already started`), `start [-script] /HOST/console`
(then `#.` at the start of a line comes back), `exit`; other targets give `<verb>: Invalid target`,
other verbs `Invalid command`. The host's root password is FAKE_HOST_PASSWORD; the console
carries a syslog line after every FAKE_CONSOLE_SYSLOG_EVERY-th newline (default 3).
"""

from __future__ import annotations

import os
import select
from collections.abc import Callable

from fakes import EscapeFilter, HostConsole, LineEditor, Terminal

BANNER = ("\r\nOracle(R) Integrated Lights Out Manager\r\n\r\nVersion 3.2.4.42 r112733\r\n\r\n"
          "Copyright (c) 2015, Oracle and/or its affiliates. All rights reserved.\r\n\r\n"
          "Warning: HTTPS certificate is set to factory default.\r\n\r\nHostname: fake-sp\r\n")
PROMPT = "\r\n-> "


class Ilom:
    def __init__(self, term: Terminal, pending: bytes) -> None:
        self.term = term
        self.pending = pending
        self.power = "Off"
        self.console: HostConsole | None = None
        self.editor = LineEditor(term, self.line)
        self.confirm: Callable[[bool], None] | None = None
        self.escapes: EscapeFilter | None = None  # set while the host console is attached
        self.done = False

    def host_console(self) -> HostConsole:
        if self.console is None:
            self.console = HostConsole(self.term, "primary1", os.environ.get("FAKE_HOST_PASSWORD", ""),
                                       obp=True, attached=False,
                                       syslog_every=int(os.environ.get("FAKE_CONSOLE_SYSLOG_EVERY", "3")))
        return self.console

    def ask(self, question: str, then: Callable[[bool], None]) -> None:
        self.term.write(f"{question} (y/n)? ")
        self.confirm = then

    def power_to(self, verb: str, state: str) -> None:
        def act(yes: bool) -> None:
            if not yes:
                self.term.write(PROMPT)
            elif self.power == state:
                self.term.write(f"{verb}: Target already {'started' if state == 'On' else 'stopped'}\r\n"
                                + PROMPT)
            else:
                self.power = state
                if state == "On":
                    self.host_console()
                elif self.console is not None:
                    self.console.stop()
                    self.console = None
                self.term.write(f"{'Starting' if state == 'On' else 'Stopping'} /SYS\r\n" + PROMPT)

        self.ask(f"Are you sure you want to {verb} /SYS", act)

    def attach(self) -> None:
        self.term.write("\r\nSerial console started.  To stop, type #.\r\n")
        self.escapes = EscapeFilter(b"#.")
        self.host_console().attach()

    def line(self, line: str) -> None:
        if self.confirm is not None:
            then, self.confirm = self.confirm, None
            then(line.strip().lower().startswith("y"))
            return
        words = line.split()
        if not words or line == "\x03":
            self.term.write(PROMPT)
            return
        verb, targets = words[0], [w for w in words[1:] if not w.startswith("-")]
        target = targets[0] if targets else ""
        if verb == "exit":
            self.done = True
        elif verb == "show" and target == "/SYS":
            self.term.write(f"\r\n /SYS\r\n    Targets:\r\n        BIOS\r\n\r\n    Properties:\r\n"
                            f"        power_state = {self.power}\r\n\r\n" + PROMPT)
        elif verb in ("start", "stop") and target == "/SYS":
            self.power_to(verb, "On" if verb == "start" else "Off")
        elif verb == "start" and target == "/HOST/console":
            if "-script" in words:
                self.attach()
            else:
                self.ask("Are you sure you want to start /HOST/console", lambda yes: self.attach() if yes
                         else self.term.write(PROMPT))
        elif verb in ("show", "start", "stop", "set", "reset", "cd"):
            self.term.write(f"{verb}: Invalid target {target}\r\n" + PROMPT)
        else:
            self.term.write(f"Invalid command '{verb}' - type help for a list of commands.\r\n" + PROMPT)

    def run(self) -> int:
        self.term.write(BANNER + PROMPT)
        data = self.pending
        while not self.done:
            if not data:
                fds = [0, *(self.console.fds() if self.console else [])]
                ready, _, _ = select.select(fds, [], [])
                if self.console is not None:
                    for fd in self.console.fds():
                        if fd in ready:
                            self.console.pump()
                if 0 not in ready:
                    continue
                data = os.read(0, 65536)
                if not data:
                    return 0
            if self.escapes is not None and self.console is not None:
                passed, escaped = self.escapes.feed(data)
                data = b""
                if passed:
                    self.console.feed(passed)
                if escaped:
                    self.escapes = None
                    self.console.attached = False
                    self.term.write("\r\n" + PROMPT)
            else:
                self.editor.feed(data)
                data = b""
        if self.console is not None:
            self.console.stop()
        return 0
