"""The emulated VCS script agent framework (emulators/vcs/agents/script.py): how entry points are
called, what their exit codes and output become, timeouts, and the clock they share with the lab.

Rules pinned here come from the VCS agent developer's guide ("Script entry points", "ArgList
name-value tuple format", monitor exit codes 100/110/99) and the VCS administrator's guide (a
monitor that times out or cannot tell is UNKNOWN; clean is called with its reason).
"""

from __future__ import annotations

import os
import subprocess
import time
from pathlib import Path

import pytest

from agents.contract import EntryContext, arglist_values, monitor_state
from emulators.vcs.agents.script import AgentDirError, ScriptAgent, agent_dir, argument_form, libfaketime

ATTRS = {"StorageSG": {"primary1-strsg": 1}, "NetworkSG": {"primary1-nwsg": 0}}


class BlockingPacer:
    """Waits on the process like the virtual-clock pacer, without a lab."""

    def __init__(self, pace: float = 1.0) -> None:
        self.pace = pace

    def wait(self, proc: subprocess.Popen, seconds: float) -> bool:
        try:
            proc.wait(timeout=seconds)
        except subprocess.TimeoutExpired:
            pass
        return proc.poll() is not None


def _agent_dir(tmp_path: Path, **scripts: str) -> Path:
    d = tmp_path / "agent"
    d.mkdir(exist_ok=True)
    for ep in ("monitor", "online", "offline", "clean"):
        body = scripts.get(ep, "#!/bin/sh\nexit 0\n")
        (d / ep).write_text(body)
        (d / ep).chmod(0o755)
    return d


def _run(agent: ScriptAgent, ep: str, reason: int | None = None, system: str = "primary1"):
    """Drive an entry point to its end; (exit code, emulated seconds it took, log lines)."""
    lines: list[tuple[str, str]] = []
    ctx = EntryContext("altiores", "AlternateIO", "aiosg", system, ATTRS, log=lambda s, t: lines.append((s, t)))
    gen = agent.clean(ctx, reason) if ep == "clean" else getattr(agent, ep)(ctx)
    waited = 0.0
    try:
        while True:
            waited += next(gen)
    except StopIteration as stop:
        return stop.value, waited, lines


def _script_agent(directory: Path, pace: float = 1.0, env: dict | None = None, form: str = "V50") -> ScriptAgent:
    base = {"PATH": "/usr/bin:/bin", **(env or {})}
    return ScriptAgent(lambda _s: directory, ("StorageSG", "NetworkSG"), lambda s: {**base, "VCS_SYSTEM": s},
                       BlockingPacer(pace), form=form)


def test_arglist_values_v50_and_v40_forms():
    # VCS agent developer's guide: an association counts keys and values; scalars one element
    assert arglist_values(ATTRS, ("StorageSG", "NetworkSG")) == [
        "StorageSG", "2", "primary1-strsg", "1", "NetworkSG", "2", "primary1-nwsg", "0"]
    assert arglist_values(ATTRS, ("StorageSG", "NetworkSG"), "V40") == [
        "2", "primary1-strsg", "1", "2", "primary1-nwsg", "0"]
    assert arglist_values({"A": {}, "B": "x", "C": ["p", "q"]}, ("A", "B", "C", "D")) == [
        "A", "0", "B", "1", "x", "C", "2", "p", "q", "D", "0"]


def test_entry_points_get_the_resource_the_clean_reason_and_the_arglist(tmp_path):
    record = tmp_path / "calls"
    recorder = f'#!/bin/sh\necho "$(basename "$0") $* sys=$VCS_SYSTEM" >> {record}\nexit 0\n'
    d = _agent_dir(tmp_path, monitor=recorder.replace("exit 0", "exit 110"), clean=recorder, online=recorder)
    agent = _script_agent(d)
    assert _run(agent, "monitor")[0] == 110
    assert _run(agent, "clean", reason=4)[0] == 0
    _run(_script_agent(d, form="V40"), "online", system="primary2")
    assert record.read_text().splitlines() == [
        "monitor altiores StorageSG 2 primary1-strsg 1 NetworkSG 2 primary1-nwsg 0 sys=primary1",
        "clean altiores 4 StorageSG 2 primary1-strsg 1 NetworkSG 2 primary1-nwsg 0 sys=primary1",
        "online altiores 2 primary1-strsg 1 2 primary1-nwsg 0 sys=primary2",
    ]


def test_exit_codes_and_garbage_become_what_vcs_makes_of_them(tmp_path):
    d = _agent_dir(tmp_path, monitor="#!/bin/sh\nprintf 'half a line \\001\\033[31m red\\n'\nexit 255\n")
    code, _, lines = _run(_script_agent(d), "monitor")
    assert code == 255 and monitor_state(code) == "UNKNOWN"
    assert ("INFO", "half a line ??[31m red") in lines  # control characters never reach the log raw
    assert any(sev == "WARNING" and "monitor exited 255" in text for sev, text in lines)


def test_an_entry_point_that_cannot_run_fails_with_its_reason(tmp_path):
    d = _agent_dir(tmp_path)
    (d / "monitor").chmod(0o644)
    (d / "offline").unlink()
    agent = _script_agent(d)
    code, _, lines = _run(agent, "monitor")
    assert code == 99 and any("Permission denied" in t and str(d / "monitor") in t for _, t in lines)
    code, _, lines = _run(agent, "offline")
    assert code == 1 and any("No such file" in t for _, t in lines)


def test_a_killed_entry_point_is_a_failure(tmp_path):
    d = _agent_dir(tmp_path, monitor="#!/bin/sh\nkill -9 $$\n")
    code, _, lines = _run(_script_agent(d), "monitor")
    assert code == 99 and any("SIGKILL" in t for _, t in lines)


def test_a_timed_out_entry_point_is_killed_with_its_children(tmp_path):
    pids = tmp_path / "pids"
    d = _agent_dir(tmp_path, monitor=f"#!/bin/sh\nsleep 600 &\necho $$ $! > {pids}\nwait\n")
    agent = _script_agent(d)
    ctx = EntryContext("altiores", "AlternateIO", "aiosg", "primary1", ATTRS)
    gen = agent.monitor(ctx)
    next(gen)
    deadline = time.monotonic() + 10
    while not pids.exists() or not pids.read_text().strip():
        next(gen)
        assert time.monotonic() < deadline
    gen.close()  # what the engine does when MonitorTimeout expires
    for pid in map(int, pids.read_text().split()):
        assert _gone(pid), f"process {pid} of the timed-out entry point still runs"
    assert not agent.live


def _gone(pid: int, within: float = 5.0) -> bool:
    """Dead: no such process, or a zombie waiting for whoever adopted it to reap it."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except (FileNotFoundError, ProcessLookupError):
            return True
        if state in ("Z", "X"):
            return True
        time.sleep(0.05)
    return False


@pytest.mark.skipif(libfaketime() is None and os.environ.get("CI") != "true",
                    reason="libfaketime (Debian package faketime) not installed; `make bootstrap` installs it")
def test_an_entry_points_sleep_runs_at_the_labs_pace(tmp_path):
    """A `sleep 5` costs 5 emulated seconds and half a wall second at pace 10: the process's clock
    (libfaketime) and the lab's run together."""
    assert libfaketime() is not None, "CI installs faketime (make bootstrap)"
    d = _agent_dir(tmp_path, monitor="#!/bin/sh\nsleep 5\nexit 110\n")
    env = {"LD_PRELOAD": libfaketime(), "FAKETIME": "+0 x10"}
    t0 = time.monotonic()
    code, emulated, _ = _run(_script_agent(d, pace=10.0, env=env), "monitor")
    wall = time.monotonic() - t0
    assert code == 110
    assert wall < 2.5, f"sleep 5 at pace 10 took {wall:.1f}s of wall time"
    assert 4.0 <= emulated <= 25.0, f"the lab's clock moved {emulated:.1f}s while the entry point slept 5"


def test_the_argument_form_follows_the_agent_binary_link(tmp_path):
    """VCS: `<Type>Agent -> ScriptAgent` passes V40 (positional) values, Script50Agent and later V50."""
    d = _agent_dir(tmp_path)
    assert argument_form(d) == "V50"
    (d / "AlternateIOAgent").symlink_to("/opt/VRTSvcs/bin/ScriptAgent")
    assert argument_form(d) == "V40"
    (d / "AlternateIOAgent").unlink()
    (d / "AlternateIOAgent").symlink_to("/opt/VRTSvcs/bin/Script51Agent")
    assert argument_form(d) == "V50"


def test_agent_dir_refuses_what_is_not_an_agent_directory(tmp_path):
    with pytest.raises(AgentDirError, match="no such agent directory"):
        agent_dir(tmp_path / "nope")
    (tmp_path / "file").write_text("x")
    with pytest.raises(AgentDirError, match="not a directory"):
        agent_dir(tmp_path / "file")
    (tmp_path / "empty").mkdir()
    with pytest.raises(AgentDirError, match="no entry point"):
        agent_dir(tmp_path / "empty")
    assert agent_dir(_agent_dir(tmp_path)) == tmp_path / "agent"
