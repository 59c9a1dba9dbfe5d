"""What `altio-hil agent install` puts on a cluster: the AlternateIO script agent as files.

One place says which files make an installed build (the entry points, the resource type, the agent's
Python package under `lib/agents/`, and `variant`, the monitor the entry points run), so that
installing, verifying and identifying a build (checksums in the report) agree. Paths are relative
to the agent directory (`/opt/VRTSvcs/bin/AlternateIO` on a VCS node).
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from agents.alternateio import MONITORS

AGENT_SOURCE = Path(__file__).resolve().parent
ENTRY_POINTS = ("online", "offline", "monitor", "clean")
_LIBRARY = ("__init__.py", "contract.py", "group_control.py", "alternateio.py", "hagrp.py")
EXECUTABLE = frozenset(ENTRY_POINTS)


def install_files(monitor: str = "alternateio") -> dict[str, bytes]:
    """relative path -> content of every file of an installed build of `monitor`."""
    if monitor not in MONITORS:
        raise ValueError(f"unknown monitor {monitor!r} (known: {', '.join(MONITORS)})")
    files = {name: (AGENT_SOURCE / "AlternateIO" / name).read_bytes() for name in (*ENTRY_POINTS, "types.cf")}
    files.update({f"lib/agents/{name}": (AGENT_SOURCE / name).read_bytes() for name in _LIBRARY})
    files["variant"] = f"{monitor}\n".encode()
    return files


def checksums(files: dict[str, bytes]) -> dict[str, str]:
    """relative path -> sha256 hex, as `sha256sum`/`digest -a sha256` print it."""
    return {name: hashlib.sha256(body).hexdigest() for name, body in sorted(files.items())}
