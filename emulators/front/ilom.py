"""The ILOM of a physical node: Oracle ILOM 3.2's command line (`-> `), as far as a lab needs it.

    show /SYS [PROPERTY...]        show /HOST [PROPERTY...]
    stop [-script] [-force] /SYS   start [-script] /SYS
    set /HOST send_break_action=dumpcore|break
    start [-script] /HOST/console  (leave with `#.`)
    help, version, exit

Power and break go through the lab daemon (the platform's node_power_off / domain_kill of the
control domain), so the lab, its `ldm list` and its cluster see them as they would on hardware.
An ILOM has standby power: it answers while its host is off.
"""

from __future__ import annotations

import hashlib

from emulators.front.console import ConsoleSession
from emulators.front.labdir import FrontSpec, LabLayout
from emulators.front.terminal import Terminal
from emulators.shim import LabUnreachable, request

VERSION = "3.2.4.46.a r133456"
HELP = """\
The help command is used to view information about commands and targets.

Commands: cd, exit, help, set, show, start, stop, version
Targets:  /SYS, /HOST, /HOST/console
"""


def banner(node: str) -> str:
    return (f"\nOracle(R) Integrated Lights Out Manager\n\nVersion {VERSION}\n\n"
            "Copyright (c) 2018, Oracle and/or its affiliates. All rights reserved.\n\n"
            f"Hostname: {node}-sp\n\n")


def _serial(node: str) -> str:
    return "AK" + hashlib.sha1(node.encode()).hexdigest()[:8].upper()


def _target(word: str) -> str:
    return "/" + word.strip("/").upper() if word.strip("/") else "/"


class Ilom:
    """The ILOM of `node`, on terminal `term`."""

    def __init__(self, layout: LabLayout, front: FrontSpec, node: str, term: Terminal) -> None:
        self.layout = layout
        self.front = front
        self.node = node
        self.term = term
        self.control = front.nodes.get(node, "")

    def run(self, command: str | None) -> int:
        """An interactive session, or one command (`ssh ILOM stop -script /SYS`)."""
        if command:
            self.execute(command)
            return 0
        self.term.write(banner(self.node))
        while True:
            line = self.term.read_line("-> ")
            if line is None or not self.execute(line):
                return 0

    def ask(self, payload: dict) -> dict:
        try:
            return request(self.layout.socket, payload, timeout=60)
        except LabUnreachable:
            return {"rc": 3, "err": "the host interface does not answer (the lab is down)\n"}

    def execute(self, line: str) -> bool:
        """Run one command line; False when the session ends."""
        words = line.split()
        if not words:
            return True
        verb, args = words[0], words[1:]
        options = [a for a in args if a.startswith("-")]
        operands = [a for a in args if not a.startswith("-")]
        if verb == "exit":
            return False
        handler = {"show": self._show, "stop": self._stop, "start": self._start, "set": self._set,
                   "help": self._help, "version": self._version, "cd": self._cd}.get(verb)
        if handler is None:
            self.term.write(f"Invalid command '{verb}' - type help for a list of commands.\n\n")
            return True
        allowed = {"stop": {"-script", "-force", "-f"}, "start": {"-script"}, "show": {"-d", "-l"}}.get(verb, set())
        bad = [o for o in options if o not in allowed]
        if bad:
            self.term.write(f"{verb}: Invalid option '{bad[0]}'\n\n")
            return True
        return handler(options, operands) is not False

    # -- commands --------------------------------------------------------------------------------------
    def _confirm(self, action: str, target: str, options: list[str]) -> bool:
        if "-script" in options:
            return True
        answer = self.term.read_line(f"Are you sure you want to {action} {target} (y/n)? ")
        return bool(answer) and answer.strip().lower() in ("y", "yes")

    def _power(self) -> str | None:
        reply = self.ask({"op": "power", "node": self.node})
        return reply.get("power") if reply.get("rc") == 0 else None

    def _show(self, _options: list[str], operands: list[str]) -> None:
        if not operands:
            self.term.write("\n /\n    Targets:\n        HOST\n        SP\n        SYS\n\n")
            return
        target, wanted = _target(operands[0]), operands[1:]
        power = self._power() or "Unknown"
        if target == "/SYS":
            props = {"type": "Host System", "ipmi_name": "/SYS", "product_name": "SPARC T7-1",
                     "product_serial_number": _serial(self.node), "fault_state": "OK",
                     "clear_fault_action": "(none)", "power_state": power}
            targets, commands = ["MB", "PSU0", "PSU1"], ["cd", "reset", "set", "show", "start", "stop"]
        elif target == "/HOST":
            state = self.ask({"op": "console", "system": self.control}).get("state")
            status = {"up": "Solaris running", "booting": "Solaris booting", "ok": "OpenBoot Running",
                      "off": "Powered off"}.get(state or "", "Unknown")
            props = {"send_break_action": "(Cannot show property)", "status": status}
            targets, commands = ["console", "diag", "domain"], ["cd", "set", "show"]
        else:
            self.term.write(f"show: Invalid target {operands[0]}\n\n")
            return
        unknown = [w for w in wanted if w not in props]
        if unknown:
            self.term.write(f"show: No matching properties found: {unknown[0]}\n\n")
            return
        text = f"\n {target}\n"
        if not wanted:
            text += "    Targets:\n" + "".join(f"        {t}\n" for t in targets) + "\n"
        text += "    Properties:\n" + "".join(f"        {k} = {v}\n" for k, v in props.items()
                                            if not wanted or k in wanted)
        if not wanted:
            text += "\n    Commands:\n" + "".join(f"        {c}\n" for c in commands)
        self.term.write(text + "\n")

    def _stop(self, options: list[str], operands: list[str]) -> None:
        if [_target(o) for o in operands] != ["/SYS"]:
            self.term.write(f"stop: Invalid target {' '.join(operands) or '(none)'}\n\n")
            return
        if not self._confirm("stop", "/SYS", options):
            return
        if self._power() == "Off":
            self.term.write("stop: Target already stopped\n\n")
            return
        reply = self.ask({"op": "power", "node": self.node, "state": "off"})
        if reply.get("rc") != 0:
            self.term.write(f"stop: {reply.get('err', '').strip()}\n\n")
            return
        forced = "-force" in options or "-f" in options
        self.term.write("Stopping /SYS immediately!\n\n" if forced else "Stopping /SYS\n\n")

    def _start(self, options: list[str], operands: list[str]) -> bool:
        targets = [_target(o) for o in operands]
        if targets == ["/HOST/CONSOLE"]:
            return self._console(options)
        if targets != ["/SYS"]:
            self.term.write(f"start: Invalid target {' '.join(operands) or '(none)'}\n\n")
            return True
        if not self._confirm("start", "/SYS", options):
            return True
        if self._power() == "On":
            self.term.write("start: Target already started\n\n")
            return True
        reply = self.ask({"op": "power", "node": self.node, "state": "on"})
        if reply.get("rc") != 0:
            self.term.write(f"start: {reply.get('err', '').strip()}\n\n")
            return True
        self.term.write("Starting /SYS\n\n")
        return True

    def _console(self, options: list[str]) -> bool:
        if not self._confirm("start", "/HOST/console", options):
            return True
        self.term.write("Serial console started.  To stop, type #.\n")
        outcome = ConsoleSession(self.layout, self.front, self.control, self.term, escape="#").run()
        if outcome == "escape":
            self.term.write("\n")
            return True
        return False

    def _set(self, _options: list[str], operands: list[str]) -> None:
        if not operands or _target(operands[0]) != "/HOST" or len(operands) < 2:
            self.term.write("set: Invalid target or property; usage: set /HOST send_break_action=dumpcore\n\n")
            return
        for assignment in operands[1:]:
            name, _, value = assignment.partition("=")
            if name != "send_break_action":
                self.term.write(f"set: Invalid property '{name}'\n\n")
                return
            if value not in ("break", "dumpcore"):
                self.term.write(f"set: Invalid value '{value}' for property 'send_break_action'\n\n")
                return
            if value == "dumpcore":
                reply = self.ask({"op": "break", "node": self.node})
                if reply.get("rc") != 0:
                    self.term.write(f"set: {reply.get('err', '').strip()}\n\n")
                    return
            self.term.write(f"Set '{name}' to '{value}'\n\n")

    def _help(self, _options: list[str], _operands: list[str]) -> None:
        self.term.write(HELP + "\n")

    def _version(self, _options: list[str], _operands: list[str]) -> None:
        self.term.write(f"SP firmware {VERSION.split()[0]}\nSP firmware build number: {VERSION.split()[1][1:]}\n\n")

    def _cd(self, _options: list[str], operands: list[str]) -> None:
        self.term.write(f"Current default target: {_target(operands[0]) if operands else '/'}\n\n")
