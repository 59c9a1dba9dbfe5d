"""What `altio-hil agent install` puts on a cluster: an AlternateIO script agent as files.

One place says which files make an installed build, so that installing, verifying and identifying a
build (checksums in the report) agree. Paths are relative to the agent directory
(`/opt/VRTSvcs/bin/AlternateIO` on a VCS node).

- A built-in monitor (`alternateio`, `legacy-primary-only`, a mutant): the project's script agent
  directory `agents/AlternateIO/` (entry points, resource type, the agent's Python package under
  `lib/agents/`, links into this package), plus `variant`, the monitor the entry points run.
- An agent directory (`--monitor DIR`): every regular file under DIR as it is (`__pycache__` and
  editor droppings aside), executables staying executable.
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from agents.alternateio import known_monitors

AGENT_SOURCE = Path(__file__).resolve().parent
ENTRY_POINTS = ("online", "offline", "monitor", "clean")
AGENT_DIRECTORY = AGENT_SOURCE / "AlternateIO"  # the project's own agent, as a script agent directory
EXECUTABLE = frozenset(ENTRY_POINTS)
MAX_AGENT_FILES, MAX_AGENT_BYTES = 200, 8 * 1024 * 1024


def _directory_files(directory: Path) -> dict[str, bytes]:
    files: dict[str, bytes] = {}
    total = 0
    for root, dirs, names in os.walk(directory):
        dirs[:] = sorted(d for d in dirs if d != "__pycache__" and not d.startswith("."))
        for name in sorted(names):
            path = Path(root) / name
            if name.startswith(".") or name.endswith(("~", ".pyc", ".swp")) or not path.is_file():
                continue
            body = path.read_bytes()
            total += len(body)
            files[str(path.relative_to(directory))] = body
            if len(files) > MAX_AGENT_FILES or total > MAX_AGENT_BYTES:
                raise ValueError(f"{directory}: more than {MAX_AGENT_FILES} files or "
                                 f"{MAX_AGENT_BYTES // 1024 // 1024} MiB: not an agent directory")
    return files


def install_files(monitor: str = "alternateio") -> dict[str, bytes]:
    """relative path -> content of every file of an installed build of `monitor` (a name or a directory)."""
    if monitor not in known_monitors():
        directory = Path(monitor)
        if not directory.is_dir():
            raise ValueError(f"unknown monitor {monitor!r} (known: {', '.join(known_monitors())}; "
                             "or an agent directory)")
        return _directory_files(directory)
    files = _directory_files(AGENT_DIRECTORY)
    files["variant"] = f"{monitor}\n".encode()
    return files


def file_modes(monitor: str) -> dict[str, int]:
    """relative path -> the mode it is installed with (0o755 for what runs, 0o644 otherwise)."""
    names = install_files(monitor)
    if monitor in known_monitors():
        return {name: 0o755 if name in EXECUTABLE else 0o644 for name in names}
    return {name: 0o755 if os.access(Path(monitor) / name, os.X_OK) else 0o644 for name in names}


def checksums(files: dict[str, bytes]) -> dict[str, str]:
    """relative path -> sha256 hex, as `sha256sum`/`digest -a sha256` print it."""
    return {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())}
