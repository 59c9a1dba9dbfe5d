"""`GroupControl`: the only thing the AlternateIO agent knows of the cluster it runs in.

Two implementations: `emulators.vcs.group_control.EngineGroupControl` (the emulated engine's
in-process API) and `agents.hagrp.HagrpGroupControl` (runs `hagrp`, so it works against a real
cluster and the emulated CLIs alike).
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable


class GroupStateError(Exception):
    """The state of a group could not be read: no such group, a timeout, a connection error."""


@runtime_checkable
class GroupControl(Protocol):
    def state(self, group: str, system: str) -> str:
        """The group's state on a system as hagrp prints it without pipes, e.g. ``ONLINE``,
        ``OFFLINE``, ``OFFLINE|FAULTED``, ``ONLINE|PARTIAL``, ``OFFLINE|STARTING``.
        Raises GroupStateError when it cannot be read."""
        ...

    def system_list(self, group: str) -> list[str]:
        """The systems of the group's SystemList, in priority order. Raises GroupStateError."""
        ...

    def online(self, group: str, system: str) -> None: ...

    def offline(self, group: str, system: str) -> None: ...
