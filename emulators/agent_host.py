"""Where an emulated lab's AlternateIO script agent runs: its nodes' directories, the commands its entry
points reach, and how the lab waits on them.

A script agent's entry points (emulators/vcs/agents/script.py) find the lab as on a VCS node: every
cluster system has a HOME laid out as one (emulators/front/homes.py), `$VCS_HOME/bin/hagrp` and the
other `ha*` are the lab's command shims, `$VCS_CONF/conf/sysname` and `$VCS_SYSTEM` name the system.
The shims send each command to a unix socket and print the lab's answer:

- `in_process` (the `sim` target, virtual clock): this module serves that socket from a thread. The
  lab's engine belongs to the thread that drives the clock; the server answers only while that thread
  is blocked waiting on an entry point (`GatedPacer` releases the gate then), so nobody ever sees the
  engine halfway through an event.
- `for_daemon` (labs on the real clock: `lab up`, the sparc-sim behind sshd, kvm): the daemon's own
  socket answers (its `exec` op), and the lab polls its entry points from the loop (`PolledPacer`).
  A sparc-sim lab runs what is installed in its control domains' homes (`altio-hil agent install`
  writes there over SSH), so a run certifies the build that is on the lab.
"""

from __future__ import annotations

import json
import shutil
import socket
import sys
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING

from emulators.front import homes
from emulators.front.labdir import LabLayout
from emulators.shim import raw_reply
from emulators.vcs.agents.script import (
    GatedPacer,
    Pacer,
    PolledPacer,
    ScriptAgent,
    argument_form,
    libfaketime,
)

if TYPE_CHECKING:
    from emulators.lab import LabSpec, SimLab

AGENT_TYPE = "AlternateIO"
MAX_REQUEST = 64 * 1024


def _roles(spec: LabSpec) -> dict[str, str]:
    roles = {}
    for node in spec.nodes:
        roles[node.control] = "control"
        for alt in node.alternates:
            roles[alt] = "alternate"
    return roles


class AgentHost:
    """The AlternateIO script agent of one lab: `agent(arg_list)` is what the engine registers."""

    def __init__(self, spec: LabSpec, layout: LabLayout, pacer: Pacer,
                 directory: Callable[[str], Path], owned_root: Path | None = None) -> None:
        self.spec = spec
        self.layout = layout
        self.pacer = pacer
        self.directory = directory
        self.roles = _roles(spec)
        self._owned_root = owned_root  # a temporary lab directory this host made, removed by close()
        self._agents: list[ScriptAgent] = []
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self.preload = libfaketime() if pacer.pace != 1 else None
        if self.preload is None:
            pacer.pace = 1.0  # without a clock for the process to share, both run on the wall clock

    # -- building ---------------------------------------------------------------------------------------
    @classmethod
    def in_process(cls, spec: LabSpec, agent_dir: Path) -> AgentHost:
        """A host for a lab on the virtual clock in this process: a private temporary lab directory,
        the shims and homes in it, `agent_dir` run for every control domain. Call `serve(lab)`."""
        root = Path(tempfile.mkdtemp(prefix="altio-agent-"))
        try:  # until the host owns it (its close() removes it), the directory is removed here on any exit
            layout = LabLayout(root)
            gate = threading.Lock()
            gate.acquire()  # held by the thread that drives the lab, except while it waits on an entry point
            host = cls(spec, layout, GatedPacer(spec.time_scale, gate), lambda _system: agent_dir, owned_root=root)
            host._prepare_homes()
        except BaseException:  # Ctrl-C included
            shutil.rmtree(root, ignore_errors=True)
            raise
        return host

    @classmethod
    def for_daemon(cls, spec: LabSpec, socket_path: Path, installed: bool) -> AgentHost:
        """A host for a lab daemon whose socket is `socket_path`. `installed`: run the build installed
        in each control domain's home (a sparc-sim lab; its front prepares the homes), else the
        directory `spec.monitor` (homes made here)."""
        layout = LabLayout(socket_path.parent)
        if installed:
            def directory(system: str) -> Path:
                return layout.vcs_home(system) / "bin" / AGENT_TYPE
        else:
            agent_dir = Path(spec.monitor)

            def directory(system: str) -> Path:
                return agent_dir
        host = cls(spec, layout, PolledPacer(spec.time_scale), directory)
        if not installed:
            host._prepare_homes()
        return host

    def _prepare_homes(self) -> None:
        """The lab's shims and a clean home per cluster system, no agent installed (the engine runs
        the directory given): what a sparc-sim lab's front prepares, minus the build."""
        homes.prepare(self.layout, SimpleNamespace(python=sys.executable, roles=self.roles), None)

    # -- what the engine runs -------------------------------------------------------------------------------
    def env(self, system: str) -> dict[str, str]:
        """An entry point's environment on `system`: a VCS node's (HOME, PATH with the lab's shims,
        VCS_HOME, VCS_CONF, VCS_SYSTEM), the C locale, and its clock paced with the lab's."""
        base = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C", "LC_ALL": "C"}
        env = self.layout.system_env(SimpleNamespace(roles=self.roles), system, base)
        env.pop("PS1", None)
        if self.preload:
            env["LD_PRELOAD"] = self.preload
            env["FAKETIME"] = f"+0 x{self.pacer.pace:g}"
        return env

    def agent(self, arg_list: tuple[str, ...], form: str | None = None) -> ScriptAgent:
        """The agent the engine registers; `form` V40/V50, by default as the directory's agent binary
        link says (`AlternateIOAgent -> ScriptAgent` is V40), read on the first control system."""
        if form is None:
            first = next((s for s, role in self.roles.items() if role == "control"), None)
            form = argument_form(self.directory(first)) if first else "V50"
        agent = ScriptAgent(self.directory, arg_list, self.env, self.pacer, form=form)
        self._agents.append(agent)
        return agent

    # -- the commands of the entry points (in-process labs) --------------------------------------------------
    def serve(self, lab: SimLab) -> None:
        """Answer the shims' `exec` requests for `lab` from a thread, under the pacer's gate."""
        gate = self.pacer.gate  # type: ignore[attr-defined]
        server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        server.bind(str(self.layout.socket))
        server.listen(16)
        server.settimeout(0.2)
        self._server = server

        def answer(conn: socket.socket) -> None:
            conn.settimeout(10.0)
            data = b""
            while b"\n" not in data and len(data) <= MAX_REQUEST:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            raw = False
            try:
                request = json.loads(data.split(b"\n", 1)[0])
                system, argv = request["system"], [str(a) for a in request["argv"]]
                raw = request.get("reply") == "raw"
                if request.get("op") != "exec" or not isinstance(system, str) or not argv:
                    raise ValueError
            except (ValueError, KeyError, TypeError, AttributeError):
                reply = {"rc": 2, "out": "", "err": "malformed request\n"}
            else:
                while not gate.acquire(timeout=0.2):  # the lab is busy with its own events
                    if self._stop.is_set():
                        return
                try:
                    rc, out, err = lab.run_command(system, argv)
                finally:
                    gate.release()
                reply = {"rc": rc, "out": out, "err": err}
            conn.sendall(raw_reply(reply) if raw else json.dumps(reply).encode())

        def loop() -> None:
            while not self._stop.is_set():
                try:
                    conn, _ = server.accept()
                except TimeoutError:
                    continue
                except OSError:
                    return
                with conn:
                    try:
                        answer(conn)
                    except OSError:
                        pass  # the entry point went away (killed at its timeout)

        self._thread = threading.Thread(target=loop, name=f"altio-agent-{self.spec.name}", daemon=True)
        self._thread.start()

    def close(self) -> None:
        """Kill the entry points still running, stop serving, remove what this host created (that
        last whatever happens before it: a Ctrl-C while an entry point is being killed included)."""
        try:
            for agent in self._agents:
                agent.close()
            self._stop.set()
            if self._thread is not None:
                self._thread.join(timeout=5)
            if self._server is not None:
                self._server.close()
        finally:
            if self._owned_root is not None:
                shutil.rmtree(self._owned_root, ignore_errors=True)
                self._owned_root = None
