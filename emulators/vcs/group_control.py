"""`EngineGroupControl`: the GroupControl protocol over the emulated engine, in-process.

The AlternateIO agent calls it from inside its entry points, so reads go straight to the engine
(they change nothing) and online/offline requests are only queued on the engine's clock (delay 0):
they never re-enter the engine while it is running an entry point.
"""

from __future__ import annotations

from agents.group_control import GroupStateError
from emulators.vcs.engine import Engine, EngineCommandError


class EngineGroupControl:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def _known(self, group: str) -> None:
        if group not in self.engine.config.groups:
            raise GroupStateError(f"no such service group: {group}")

    def state(self, group: str, system: str) -> str:
        self._known(group)
        try:
            return self.engine.group_state(group, system)
        except EngineCommandError as exc:
            raise GroupStateError(exc.text) from exc

    def system_list(self, group: str) -> list[str]:
        self._known(group)
        sl = self.engine.config.groups[group].system_list
        return sorted(sl, key=lambda s: (sl[s], s))

    def online(self, group: str, system: str) -> None:
        self._known(group)
        self.engine.request(lambda: self._quietly(self.engine.online_group, group, system))

    def offline(self, group: str, system: str) -> None:
        self._known(group)
        self.engine.request(lambda: self._quietly(self.engine.offline_group, group, system))

    def _quietly(self, fn, group: str, system: str) -> None:  # type: ignore[no-untyped-def]
        """A refused request (already online, faulted there, ...) is logged by the engine's caller
        as a command would be, not raised into the clock."""
        try:
            fn(group, system)
        except EngineCommandError as exc:
            self.engine.note_refusal(exc)
