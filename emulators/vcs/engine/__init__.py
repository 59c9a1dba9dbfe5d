"""The emulated VCS cluster engine (HAD): states, agent framework, scheduling, dependencies,
membership and triggers, on a virtual or real clock. See `core.Engine`."""

from .core import Engine, EngineCommandError, StateChange

__all__ = ["Engine", "EngineCommandError", "StateChange"]
