"""What `--monitor` names: a built-in monitor, or a directory holding a VCS script agent.

Built-in monitors (`agents.alternateio.known_monitors`): `alternateio` (the agent), `legacy-primary-only`
and the mutant family (agents/mutants.py). Anything with a `/` in it, or an existing directory, is an
agent directory laid out as VCS wants it (`monitor`, `online`, `offline`, `clean`, maybe `types.cf`):
the engine runs its entry points as processes (emulators/vcs/agents/script.py). One parse for the CLI
and the pytest plugin, so that both refuse the same values with the same words (exit 2).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from agents.alternateio import known_monitors
from emulators.vcs.agents.script import AgentDirError, agent_dir


def is_agent_dir(monitor: str) -> bool:
    """True when `monitor` names a script agent directory rather than a built-in monitor."""
    return monitor not in known_monitors()


def parse_monitor(value: str) -> str:
    """A built-in monitor's name, or the absolute path of an agent directory; ArgumentTypeError
    (argparse prints it and exits 2) when it is neither."""
    if value in known_monitors():
        return value
    if "/" not in value and not os.path.isdir(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is neither a built-in monitor ({', '.join(known_monitors())}) nor an agent "
            "directory (give a path, e.g. ./my-agent or agents/AlternateIO)")
    try:
        return str(agent_dir(Path(value)))
    except AgentDirError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


MONITOR_HELP = ("the monitor under test: a built-in one (alternateio, legacy-primary-only, or a mutant of "
                "`altio-hil mutants --list`) or a directory holding a VCS script agent (entry points "
                "monitor, online, offline, clean), e.g. agents/AlternateIO")
