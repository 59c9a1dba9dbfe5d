"""Built-in attribute defaults and the resolution order the engine applies.

Resolution for a resource attribute on a system: the resource's own value (localized > global) >
the type's declared default (types.cf) > the engine's built-in default. The built-in defaults come
from `emulators.vcs.config.builtins` when that module exists (one source of truth with the
parser); the table below is the fallback and fills any name builtins.py does not define.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Any

from emulators.vcs.config.model import Config, Group, Resource

# Vendor defaults (VCS 6.x/7.x bundled agents reference, "static attributes").
_GROUP_DEFAULTS: dict[str, Any] = {
    "SystemList": {},
    "AutoStartList": [],
    "AutoStart": 1,
    "AutoStartPolicy": "Order",
    "Parallel": 0,
    "AutoFailOver": 1,
    "FailOverPolicy": "Priority",
    "ManageFaults": "ALL",
    "Frozen": 0,
    "TFrozen": 0,
    "TriggersEnabled": [],
    "TriggerPath": "",
    "AutoRestart": 1,
    "Load": 0,
    "Priority": 0,
    # per system (hagrp -enable/-disable): a disabled group is not brought online there (VCS
    # Administrator's Guide, service group attributes: Enabled, default 1)
    "Enabled": 1,
}
_RESOURCE_DEFAULTS: dict[str, Any] = {
    "Critical": 1,
    "Enabled": 1,
}
_TYPE_STATIC_DEFAULTS: dict[str, Any] = {
    "MonitorInterval": 60,
    "OfflineMonitorInterval": 300,
    "MonitorTimeout": 60,
    "OnlineTimeout": 300,
    "OfflineTimeout": 300,
    "CleanTimeout": 60,
    "ToleranceLimit": 0,
    "RestartLimit": 0,
    "OnlineRetryLimit": 0,
    "OnlineWaitLimit": 2,
    "OfflineWaitLimit": 0,
    "ConfInterval": 600,
    "FaultOnMonitorTimeouts": 4,
    "Operations": "OnOff",
}
_SYSTEM_DEFAULTS: dict[str, Any] = {"Capacity": 100}


def _from_builtins(name: str) -> dict[str, Any]:
    try:
        from emulators.vcs.config import builtins  # type: ignore[attr-defined]
    except Exception:  # the parser helper's module may not exist yet
        return {}
    defs = getattr(builtins, name, None)
    if not isinstance(defs, dict):
        return {}
    out: dict[str, Any] = {}
    for key, d in defs.items():
        default = getattr(d, "default", None)
        if default is not None:
            out[key] = default
    return out


def _merged(fallback: dict[str, Any], builtin_name: str) -> dict[str, Any]:
    merged = dict(fallback)
    merged.update(_from_builtins(builtin_name))
    return merged


GROUP_DEFAULTS = _merged(_GROUP_DEFAULTS, "group_attr_defs")
RESOURCE_DEFAULTS = _merged(_RESOURCE_DEFAULTS, "resource_attr_defs")
TYPE_STATIC_DEFAULTS = _merged(_TYPE_STATIC_DEFAULTS, "type_static_attr_defs")
SYSTEM_DEFAULTS = _merged(_SYSTEM_DEFAULTS, "system_attr_defs")


def group_attr(group: Group, name: str, system: str | None = None) -> Any:
    """A group attribute for a system: localized > global > built-in default."""
    return group.attr(name, system, GROUP_DEFAULTS.get(name))


def resolve_resource_attrs(config: Config, group: Group, resource: Resource,
                           system: str) -> MappingProxyType:
    """Every attribute value the resource's entry points see on `system` (read-only mapping)."""
    values: dict[str, Any] = dict(TYPE_STATIC_DEFAULTS)
    values.update(RESOURCE_DEFAULTS)
    tdef = config.types.get(resource.type)
    if tdef is not None:
        for aname, adef in tdef.attributes.items():
            if adef.default is not None:
                values[aname] = adef.default
            elif aname not in values:
                values[aname] = _empty(adef.dimension)
    for aname, av in resource.attributes.items():
        v = av.for_system(system)
        if v is not None:
            values[aname] = v
    return MappingProxyType(values)


def _empty(dimension: str) -> Any:
    if dimension in ("vector", "keylist"):
        return []
    if dimension == "association":
        return {}
    return ""


def as_int(value: Any, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
