"""Attributes built into the VCS engine, as data.

A main.cf may set these without any `type` declaring them: the static attributes every resource
type has (a type may redeclare one with its own default, and a resource may override one, as
`OnlineWaitLimit = 5` in a resource block), the attributes every resource has, and the attributes
of service groups, systems and the cluster. The engine reads its defaults from here.

Sources: VCS Administrator's Guide, appendix "VCS attributes" (5.0 to 7.x): resource type
attributes, resource attributes, service group attributes, system attributes, cluster attributes.
Only attributes a main.cf can set are listed (read-only runtime attributes such as State or
CurrentCount are not); where releases differ, the 6.x value is used.
"""

from __future__ import annotations

from .model import AttrDef, TypeDef


def _defs(*rows: tuple) -> dict[str, AttrDef]:
    """Rows of (name, datatype, dimension, default) -> {name: AttrDef}."""
    out: dict[str, AttrDef] = {}
    for name, datatype, dimension, default in rows:
        out[name] = AttrDef(name=name, datatype=datatype, dimension=dimension, default=default)
    return out


S, V, K, A = "scalar", "vector", "keylist", "association"

# Static attributes of every resource type (agent behaviour; one value per type, overridable per
# resource). Defaults are the engine's when a type does not redeclare them.
type_static_attr_defs: dict[str, AttrDef] = _defs(
    ("ActionTimeout", "int", S, 30),
    ("AgentClass", "str", S, "TS"),
    ("AgentDirectory", "str", S, ""),
    ("AgentFailedOn", "str", K, []),
    ("AgentFile", "str", S, ""),
    ("AgentPriority", "str", S, "0"),
    ("AgentReplyTimeout", "int", S, 130),
    ("AgentStartTimeout", "int", S, 60),
    ("AlertOnMonitorTimeouts", "int", S, 0),
    ("ArgList", "str", V, []),
    ("AttrChangedTimeout", "int", S, 60),
    ("CleanRetryLimit", "int", S, 0),
    ("CleanTimeout", "int", S, 60),
    ("CloseTimeout", "int", S, 60),
    ("ConfInterval", "int", S, 600),
    ("ContainerOpts", "int", A, {}),
    ("EPClass", "str", S, "-1"),
    ("EPPriority", "str", S, "-1"),
    ("ExternalStateChange", "str", K, []),
    ("FaultOnMonitorTimeouts", "int", S, 4),
    ("FaultPropagation", "boolean", S, 1),
    ("FireDrill", "boolean", S, 0),
    ("IMF", "int", A, {}),
    ("IMFRegList", "str", K, []),
    ("InfoInterval", "int", S, 0),
    ("InfoTimeout", "int", S, 30),
    ("LevelTwoMonitorFreq", "int", S, 0),
    ("LogDbg", "str", K, []),
    ("LogFileSize", "int", S, 33554432),
    ("MonitorInterval", "int", S, 60),
    ("MonitorStatsParam", "int", A, {}),
    ("MonitorTimeout", "int", S, 60),
    ("NumThreads", "int", S, 10),
    ("OfflineMonitorInterval", "int", S, 300),
    ("OfflineTimeout", "int", S, 300),
    ("OfflineWaitLimit", "int", S, 0),
    ("OnlineClass", "str", S, "-1"),
    ("OnlinePriority", "str", S, "-1"),
    ("OnlineRetryLimit", "int", S, 0),
    ("OnlineTimeout", "int", S, 300),
    ("OnlineWaitLimit", "int", S, 2),
    ("OpenTimeout", "int", S, 60),
    ("Operations", "str", S, "OnOff"),
    ("RegList", "str", K, []),
    ("RestartLimit", "int", S, 0),
    ("ScriptClass", "str", S, "TS"),
    ("ScriptPriority", "str", S, "0"),
    ("SourceFile", "str", S, "./types.cf"),
    ("SupportedActions", "str", K, []),
    ("ToleranceLimit", "int", S, 0),
    ("TypeOwner", "str", S, ""),
    ("TypeRecipients", "int", A, {}),
)
for _d in type_static_attr_defs.values():
    _d.static = True

# Attributes every resource has, whatever its type.
resource_attr_defs: dict[str, AttrDef] = _defs(
    ("AutoStart", "boolean", S, 1),
    ("ComputeStats", "boolean", S, 0),
    ("ContainerInfo", "str", A, {}),
    ("Critical", "boolean", S, 1),
    ("Enabled", "boolean", S, 1),
    ("MonitorOnly", "boolean", S, 0),
    ("ResourceInfo", "str", A, {}),
    ("ResourceOwner", "str", S, ""),
    ("ResourceRecipients", "int", A, {}),
    ("TriggerPath", "str", S, ""),
    ("TriggerResFault", "boolean", S, 1),
    ("TriggerResRestart", "boolean", S, 0),
    ("TriggerResStateChange", "boolean", S, 0),
    ("TriggersEnabled", "str", K, []),
)

# Service group attributes.
group_attr_defs: dict[str, AttrDef] = _defs(
    ("AdministratorGroups", "str", K, []),
    ("Administrators", "str", K, []),
    ("Authority", "int", S, 0),
    ("AutoFailOver", "int", S, 1),
    ("AutoRestart", "int", S, 1),
    ("AutoStart", "boolean", S, 1),
    ("AutoStartIfPartial", "boolean", S, 1),
    ("AutoStartList", "str", K, []),
    ("AutoStartPolicy", "str", S, "Order"),
    ("ClusterFailOverPolicy", "str", S, "Manual"),
    ("ClusterList", "int", A, {}),
    ("ContainerInfo", "str", A, {}),
    ("Evacuate", "boolean", S, 1),
    ("FailOverPolicy", "str", S, "Priority"),
    ("FaultPropagation", "boolean", S, 1),
    ("Frozen", "boolean", S, 0),
    ("GroupOwner", "str", S, ""),
    ("GroupRecipients", "int", A, {}),
    ("Guests", "str", K, []),
    ("Load", "int", S, 0),
    ("ManageFaults", "str", S, "ALL"),
    ("ManualOps", "boolean", S, 1),
    ("OnlineRetryInterval", "int", S, 0),
    ("OnlineRetryLimit", "int", S, 0),
    ("OperatorGroups", "str", K, []),
    ("Operators", "str", K, []),
    ("Parallel", "int", S, 0),
    ("PreOnline", "boolean", S, 0),
    ("PreOnlineTimeout", "int", S, 300),
    ("Prerequisites", "int", A, {}),
    ("PrintTree", "boolean", S, 1),
    ("Priority", "int", S, 0),
    ("SourceFile", "str", S, "./main.cf"),
    ("SysDownPolicy", "str", K, []),
    ("SystemList", "int", A, {}),
    ("SystemZones", "int", A, {}),
    ("TFrozen", "boolean", S, 0),
    ("TriggerEvent", "boolean", S, 0),
    ("TriggerPath", "str", S, ""),
    ("TriggerResFault", "boolean", S, 1),
    ("TriggerResRestart", "boolean", S, 0),
    ("TriggerResStateChange", "boolean", S, 0),
    ("TriggersEnabled", "str", K, []),
    ("TypeDependencies", "str", K, []),
    ("UserIntGlobal", "int", S, 0),
    ("UserIntLocal", "int", S, 0),
    ("UserStrGlobal", "str", S, ""),
    ("UserStrLocal", "str", S, ""),
)

# System attributes.
system_attr_defs: dict[str, AttrDef] = _defs(
    ("Capacity", "int", S, 100),
    ("CPUThresholdLevel", "int", A, {}),
    ("DynamicLoad", "int", S, 0),
    ("Limits", "int", A, {}),
    ("LoadTimeThreshold", "int", S, 600),
    ("LoadWarningLevel", "int", S, 80),
    ("MemThresholdLevel", "int", A, {}),
    ("NoAutoDisable", "boolean", S, 0),
    ("ShutdownTimeout", "int", S, 600),
    ("SourceFile", "str", S, "./main.cf"),
    ("SystemLocation", "str", S, ""),
    ("SystemOwner", "str", S, ""),
    ("SystemRecipients", "int", A, {}),
    ("UserInt", "int", S, 0),
    ("UserStr", "str", S, ""),
)

# Cluster attributes. UserNames values are password hashes: the configuration keeps them as
# written and nothing here logs them.
cluster_attr_defs: dict[str, AttrDef] = _defs(
    ("AdministratorGroups", "str", K, []),
    ("Administrators", "str", K, []),
    ("AutoStartTimeout", "int", S, 150),
    ("BackupInterval", "int", S, 0),
    ("ClusterAddress", "str", S, ""),
    ("ClusterLocation", "str", S, ""),
    ("ClusterOwner", "str", S, ""),
    ("ClusterRecipients", "int", A, {}),
    ("ClusterUUID", "str", S, ""),
    ("CounterInterval", "int", S, 5),
    ("CredRenewFrequency", "int", S, 0),
    ("DeleteOnlineResource", "boolean", S, 1),
    ("EngineClass", "str", S, "RT"),
    ("EnginePriority", "str", S, ""),
    ("EngineShutdown", "str", S, "Enable"),
    ("GroupLimit", "int", S, 200),
    ("Guests", "str", K, []),
    ("HacliUserLevel", "str", S, "NONE"),
    ("LockMemory", "str", S, "ALL"),
    ("LogSize", "int", S, 33554432),
    ("OperatorGroups", "str", K, []),
    ("Operators", "str", K, []),
    ("PanicOnNoMem", "boolean", S, 0),
    ("PreferredFencingPolicy", "str", S, "Disabled"),
    ("PrintMsg", "boolean", S, 0),
    ("ProcessClass", "str", S, "TS"),
    ("ProcessPriority", "str", S, ""),
    ("SecureClus", "boolean", S, 0),
    ("SourceFile", "str", S, "./main.cf"),
    ("Stewards", "str", K, []),
    ("TypeLimit", "int", S, 100),
    ("UseFence", "str", S, "NONE"),
    ("UserNames", "str", A, {}),
)


# What VCS accepts of some built-in attributes beyond their data type: the allowed values, or the
# lowest allowed integer, 0 or 1 (Administrator's Guide, "VCS attributes"). A group's SystemList and
# AutoStartList name systems; the engine checks those against the cluster.
Rule = tuple[object, ...] | int
group_value_rules: dict[str, Rule] = {
    "AutoFailOver": (0, 1, 2),
    "FailOverPolicy": ("Priority", "RoundRobin", "Load", "BiggestAvailable"),
    "Load": 0,
    "ManageFaults": ("ALL", "NONE"),
    "OnlineRetryInterval": 0,
    "OnlineRetryLimit": 0,
    "Parallel": (0, 1, 2),
    "PreOnlineTimeout": 1,
}
# for a type (hatype -modify) and a resource that overrides the type's value (hares -modify)
type_value_rules: dict[str, Rule] = {
    "CleanRetryLimit": 0,
    "CleanTimeout": 1,
    "ConfInterval": 0,
    "FaultOnMonitorTimeouts": 0,
    "MonitorInterval": 1,
    "MonitorTimeout": 1,
    "OfflineMonitorInterval": 0,  # 0: offline resources are not monitored
    "OfflineTimeout": 1,
    "OfflineWaitLimit": 0,
    "OnlineRetryLimit": 0,
    "OnlineTimeout": 1,
    "OnlineWaitLimit": 0,
    "Operations": ("OnOff", "OnOnly", "None"),
    "RestartLimit": 0,
    "ToleranceLimit": 0,
}


def value_problem(rules: dict[str, Rule], attr: str, value: object) -> str | None:
    """Why `value` (already of the attribute's data type) is not one VCS accepts for `attr`, or None."""
    rule = rules.get(attr)
    if rule is None:
        return None
    if isinstance(rule, tuple):
        if value in rule:
            return None
        allowed = [str(v) for v in rule]
        return f"must be {', '.join(allowed[:-1])} or {allowed[-1]}, not {value}"
    if isinstance(value, int) and value < rule:
        return f"must be {'0 or more' if rule == 0 else 'greater than 0'}, not {value}"
    return None


def resource_attr_def(types: dict[str, TypeDef], type_name: str, attr: str) -> AttrDef | None:
    """The definition a resource of `type_name` uses for `attr`: its type's, else a built-in one."""
    t = types.get(type_name)
    if t is not None and attr in t.attributes:
        return t.attributes[attr]
    return resource_attr_defs.get(attr) or type_static_attr_defs.get(attr)


def type_attr_def(own: dict[str, AttrDef], attr: str) -> AttrDef | None:
    """An attribute a type definition (or an ArgList of it) may name: its own or a built-in one."""
    return own.get(attr) or type_static_attr_defs.get(attr) or resource_attr_defs.get(attr)
