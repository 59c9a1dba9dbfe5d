"""The VCS script agent framework, emulated: an agent directory's entry points run as processes.

A VCS node runs a script agent's entry points (`monitor`, `online`, `offline`, `clean`, executables in
`$VCS_HOME/bin/<Type>/`) as the agent framework does (VCS agent developer's guide, "Script entry
points"):

- arguments: the resource name, then (``clean`` only) the clean reason 0..5, then the values of the
  type's ArgList. The V50 form (Script50Agent and later, the default here) passes each attribute as
  ``<name> <number_of_elements> <elements...>``; the V40 form (ScriptAgent) the same without the names.
  An association counts keys and values (``StorageSG 2 primary1-strsg 1``), a scalar is one element.
- exit codes: ``monitor`` 110 (101..110) online, 100 offline, 200 intentional offline, anything else
  (99, a crash, a signal) UNKNOWN; ``online``/``offline``/``clean`` 0 done, non-zero failed (the engine
  then calls monitor, or for clean keeps the resource as it was). An entry point that cannot be
  started (missing, not executable) fails the same way, with its reason in the log.
- timeouts: the engine's (MonitorTimeout, OnlineTimeout, ...). When one expires the engine drops the
  entry point; here its whole process group is killed.
- output: whatever the entry point prints goes to the agent log (the engine log here), a few lines,
  control characters shown as ``?``.

Time. An entry point is a real process on the wall clock while the `sim` lab runs on a virtual one.
While one runs, the lab's clock is *paced*: it advances `pace` emulated seconds per wall second (the
inventory's time_scale), and the process sees its own clock run `pace` times as fast (libfaketime),
so a ``sleep 5`` in an entry point is 5 emulated seconds for both, and half a wall second at pace
10. The lab keeps going meanwhile (other systems, other entry points) and answers the process's
commands (`hagrp`, ...) through the `Pacer`. Without libfaketime the pace is 1 (wall time).
"""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Callable, Generator, Sequence
from pathlib import Path
from typing import Protocol

from agents.contract import EntryContext, arglist_values, monitor_state

ENTRY_POINTS = ("monitor", "online", "offline", "clean")
SLICE_S = 0.03  # wall seconds the lab waits on a running entry point between its own events
OUTPUT_LIMIT = 16 * 1024  # bytes of an entry point's output read into the log
LOG_LINES = 8
LIBFAKETIME_PATHS = ("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1",
                     "/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1",
                     "/usr/lib/faketime/libfaketime.so.1")


class AgentDirError(ValueError):
    """The directory given as an agent is not one (no directory, no entry point in it)."""


def agent_dir(path: Path) -> Path:
    """`path` as an agent directory (absolute); AgentDirError when it cannot be one. Entry points that
    are there but cannot run (not executable) are the agent's failures, judged when called."""
    resolved = Path(os.path.abspath(path))
    if not resolved.is_dir():
        raise AgentDirError(f"{path}: no such agent directory" if not resolved.exists()
                            else f"{path}: not a directory (an agent directory holds monitor, online, "
                                 "offline, clean)")
    present = [ep for ep in ENTRY_POINTS if os.path.lexists(resolved / ep)]
    if not present:
        raise AgentDirError(f"{path}: no entry point in it (a VCS script agent has monitor, online, "
                            "offline, clean)")
    return resolved


def argument_form(directory: Path, type_name: str = "AlternateIO") -> str:
    """V40 or V50, as VCS decides it: by the agent binary the directory's `<Type>Agent` links to
    (`ScriptAgent`: V40, positional; `Script50Agent`, `Script51Agent`, ...: V50). No link: V50."""
    link = directory / f"{type_name}Agent"
    try:
        target = os.path.basename(os.readlink(link))
    except OSError:
        return "V50"
    return "V40" if target == "ScriptAgent" else "V50"


def libfaketime() -> str | None:
    """The libfaketime preload library, when installed (Debian package `faketime`)."""
    return next((p for p in LIBFAKETIME_PATHS if os.path.exists(p)), None)


class Pacer(Protocol):
    """How the lab waits on a running entry point."""

    pace: float  # emulated seconds per wall second while an entry point runs

    def wait(self, proc: subprocess.Popen, seconds: float) -> bool:
        """Give the process up to `seconds` of wall time; True when it has exited."""
        ...


class PolledPacer:
    """A lab on the real clock (daemons): never block the loop, look again at the next slice."""

    def __init__(self, pace: float) -> None:
        self.pace = pace

    def wait(self, proc: subprocess.Popen, seconds: float) -> bool:
        return proc.poll() is not None


class GatedPacer:
    """A lab on the virtual clock: block on the process, and let the lab's command server (another
    thread) answer the process's commands only while this thread waits; `gate` is held otherwise."""

    def __init__(self, pace: float, gate) -> None:
        self.pace = pace
        self.gate = gate

    def wait(self, proc: subprocess.Popen, seconds: float) -> bool:
        self.gate.release()
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        finally:
            self.gate.acquire()
        return proc.poll() is not None


def _kill_group(proc: subprocess.Popen) -> None:
    """An entry point and whatever it started (its own session): SIGKILL, then reaped."""
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _printable(line: bytes) -> str:
    text = line.decode("utf-8", "replace")
    return "".join(c if c.isprintable() else "?" for c in text)[:300]


class ScriptAgent:
    """One resource type served by the entry points of an agent directory (per system: a node's own
    installed copy, or one directory for the whole lab)."""

    def __init__(self, directory: Callable[[str], Path], arg_list: Sequence[str],
                 env: Callable[[str], dict[str, str]], pacer: Pacer, form: str = "V50") -> None:
        if form not in ("V50", "V40"):
            raise ValueError(f"argument form {form!r}: V50 or V40")
        self.directory = directory
        self.arg_list = tuple(arg_list)
        self.env = env
        self.pacer = pacer
        self.form = form
        self.runs = 0  # entry points started (bench, tests)
        self.live: set[subprocess.Popen] = set()

    def close(self) -> None:
        """Kill the entry points still running (the lab is going away)."""
        for proc in list(self.live):
            _kill_group(proc)
        self.live.clear()

    def monitor(self, ctx: EntryContext) -> Generator[float, None, int]:
        return self._run("monitor", ctx, [])

    def online(self, ctx: EntryContext) -> Generator[float, None, int]:
        return self._run("online", ctx, [])

    def offline(self, ctx: EntryContext) -> Generator[float, None, int]:
        return self._run("offline", ctx, [])

    def clean(self, ctx: EntryContext, reason: int = 0) -> Generator[float, None, int]:
        return self._run("clean", ctx, [str(int(reason))])

    def _run(self, ep: str, ctx: EntryContext, extra: list[str]) -> Generator[float, None, int]:
        failed = 99 if ep == "monitor" else 1
        directory = self.directory(ctx.system)
        path = directory / ep
        argv = [str(path), ctx.resource, *extra, *arglist_values(ctx.attrs, self.arg_list, self.form)]
        output = tempfile.TemporaryFile()
        try:
            proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=output, stderr=subprocess.STDOUT,
                                    env=self.env(ctx.system), cwd=str(directory), start_new_session=True,
                                    close_fds=True)
        except OSError as exc:
            output.close()
            ctx.log("ERROR", f"cannot run entry point {path}: {exc.strerror or exc}")
            return failed
        self.runs += 1
        self.live.add(proc)
        pace = self.pacer.pace
        started = time.monotonic()
        charged = 0.0
        try:
            yield 0.0  # the process runs from the next event on: the engine is between events then
            while not self.pacer.wait(proc, SLICE_S):
                due = (time.monotonic() - started) * pace
                step = max(due - charged, SLICE_S * pace)
                charged += step
                yield step
            due = (time.monotonic() - started) * pace
            if due > charged:
                yield due - charged
        finally:
            if proc.poll() is None:  # timed out (the engine closed us) or the lab is going away
                _kill_group(proc)
            self.live.discard(proc)
            self._log_output(ctx, output, ep)
            output.close()
        code = proc.returncode
        if code < 0:
            try:
                name = signal.Signals(-code).name
            except ValueError:
                name = str(-code)
            ctx.log("ERROR", f"entry point {ep} was killed by {name}")
            return failed
        if ep == "monitor" and monitor_state(code) == "UNKNOWN":
            ctx.log("WARNING", f"monitor exited {code}: resource state is UNKNOWN "
                               "(110 online, 100 offline, 99 unknown)")
        return code

    @staticmethod
    def _log_output(ctx: EntryContext, output, ep: str) -> None:
        try:
            output.seek(0)
            data = output.read(OUTPUT_LIMIT + 1)
        except (OSError, ValueError):
            return
        lines = [line for line in data[:OUTPUT_LIMIT].splitlines() if line.strip()]
        for line in lines[:LOG_LINES]:
            text = _printable(line)
            severity = next((s for s in ("CRITICAL", "ERROR", "WARNING", "NOTICE") if f":{s} " in text
                             or text.startswith(s)), "INFO")
            ctx.log(severity, text)
        if len(lines) > LOG_LINES or len(data) > OUTPUT_LIMIT:
            ctx.log("INFO", f"({ep} printed more; {LOG_LINES} lines kept)")
