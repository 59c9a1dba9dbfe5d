"""A domain's console, as the ILOM (`start /HOST/console`) and vntsd (`telnet localhost 5000`) show it.

The console follows the domain in the lab: nothing while its node is powered off; the panic and the
OpenBoot prompt (`{0} ok `) while it is down, where `boot` boots it; the boot messages while it
boots; `SYSTEM console login: ` once it is up, and after a good password a shell on that system.
The console password is the one of the variable `sparc.console_password_env` names at `lab up`,
kept only as a salted scrypt hash in the lab directory.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import secrets
from collections.abc import Callable

from emulators.front.labdir import FrontSpec, LabLayout, read_private, write_private
from emulators.front.terminal import Changed, Escape, Terminal, reap, spawn
from emulators.shim import LabUnreachable, request

SHELL = "/bin/bash"
OK_PROMPT = "{0} ok "
MOTD = "Oracle Corporation      SunOS 5.11      11.4    August 2018\n"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


PANIC_TEXT = """
panic[cpu0]/thread=2a100047c80: dump requested by the service processor (send_break_action=dumpcore)

000002a1000479a0 genunix:vpanic+0x18 (10c8b58, 2a100047a58, 0, 0, 0, 0)
000002a100047a50 unix:sp_dumpcore+0x2c (0, 0, 0, 0, 0, 0)

syncing file systems... done
dumping to /dev/zvol/dsk/rpool/dump, offset 65536, content: kernel
100% done: 191405 pages dumped, dump succeeded
Program terminated
"""


def boot_text(system: str) -> str:
    return ("Boot device: /pci@300/pci@1/pci@0/pci@2/scsi@0/disk@w5000cca0253c6ab1,0:a  File and args:\n"
            "SunOS Release 5.11 Version 11.4 64-bit\n"
            "Copyright (c) 1983, 2018, Oracle and/or its affiliates. All rights reserved.\n"
            f"Hostname: {system}\n\n")


# -- the console password ---------------------------------------------------------------------------------

def store_password(layout: LabLayout, password: str) -> None:
    """Keep only a salted hash of the console password (0600)."""
    salt = secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, dklen=32, **_SCRYPT)
    write_private(layout.console_password, json.dumps({"scheme": "scrypt", **_SCRYPT, "salt": salt.hex(),
                                                       "hash": digest.hex()}), mode=0o600)


def check_password(layout: LabLayout, candidate: str) -> bool:
    try:
        stored = json.loads(read_private(layout.console_password))
        digest = hashlib.scrypt(candidate.encode(), salt=bytes.fromhex(stored["salt"]), dklen=32,
                                n=stored["n"], r=stored["r"], p=stored["p"])
        return hmac.compare_digest(digest.hex(), stored["hash"])
    except (OSError, ValueError, KeyError, TypeError):
        return False


# -- the session -------------------------------------------------------------------------------------------

class ConsoleSession:
    """One connection to the console of `system`, on terminal `term`; `run` returns "escape" when the
    user typed the escape sequence, "eof" when the input ended, "gone" when the lab went away."""

    def __init__(self, layout: LabLayout, front: FrontSpec, system: str, term: Terminal, escape: str,
                 interval: float = 0.5) -> None:
        self.layout = layout
        self.front = front
        self.system = system
        self.term = term
        self.escape = escape
        self.interval = interval

    def state(self) -> dict:
        try:
            return request(self.layout.socket, {"op": "console", "system": self.system}, timeout=30)
        except LabUnreachable:
            return {"state": "gone"}

    def _left(self, state: str) -> Callable[[], bool]:
        """A poll for Terminal: has the domain left `state`?"""
        return lambda: self.state().get("state") != state

    def run(self) -> str:
        saved, self.term.escape = self.term.escape, self.escape
        try:
            return self._loop()
        except Escape:
            return "escape"
        finally:
            self.term.escape = saved

    def _loop(self) -> str:
        shown_panic = announced_boot = False
        while True:
            st = self.state()
            state = st.get("state")
            try:
                if state == "gone":
                    self.term.write("\nconsole: the lab is down\n")
                    return "gone"
                if state == "off":  # nothing on a powered-off host's console; typing is lost
                    if self.term.read_line("", echo=False, poll=self._left("off"), interval=self.interval) is None:
                        return "eof"
                elif state == "ok":
                    if st.get("panic") and not shown_panic:
                        self.term.write(PANIC_TEXT)
                        shown_panic = True
                    typed = self._ok_prompt()
                    if typed is None:
                        return "eof"
                    announced_boot = typed == "boot"
                elif state == "booting":
                    if not announced_boot:
                        self.term.write(boot_text(self.system))
                        announced_boot = True
                    if self.term.read_line("", echo=False, poll=self._left("booting"),
                                           interval=self.interval) is None:
                        return "eof"
                else:
                    shown_panic = announced_boot = False
                    if not self._login():
                        return "eof"
            except Changed:
                continue

    def _ok_prompt(self) -> str | None:
        """One line at the OpenBoot prompt: "boot" when it booted the domain, None at end of input."""
        line = self.term.read_line(OK_PROMPT, poll=self._left("ok"), interval=self.interval)
        if line is None:
            return None
        words = line.split()
        if not words:
            return ""
        if words[0] != "boot":
            self.term.write(f"{words[0]} ?\n")  # OpenBoot's answer to a word it does not know
            return ""
        try:
            reply = request(self.layout.socket, {"op": "boot", "system": self.system}, timeout=30)
        except LabUnreachable:
            return ""
        if reply.get("rc") != 0:
            self.term.write(reply.get("err", ""))
            return ""
        self.term.write(boot_text(self.system))
        return "boot"

    def _login(self) -> bool:
        """`SYSTEM console login:`, `Password:`, and a shell; False at end of input."""
        up = self._left("up")
        user = self.term.read_line(f"\n{self.system} console login: ", poll=up, interval=self.interval)
        if user is None:
            return False
        if not user.strip():
            return True
        password = self.term.read_line("Password: ", echo=False, poll=up, interval=self.interval)
        if password is None:
            return False
        if user.strip() not in ("root", self.front.user) or not check_password(self.layout, password):
            self.term.write("Login incorrect\n")
            return True
        self.term.write(MOTD)
        return self._shell(up) != "eof"

    def _shell(self, down: Callable[[], bool]) -> str:
        env = self.layout.system_env(self.front, self.system, dict(os.environ))
        env["TERM"] = os.environ.get("TERM", "vt100")
        pid, master = spawn([SHELL, "--norc", "--noprofile", "-i"], env, str(self.layout.home(self.system)),
                            self.term.window_size())
        try:
            return self.term.relay(master, poll=down, interval=self.interval)
        except Changed:  # the domain went down under the shell
            return "changed"
        finally:
            reap(pid, master)
