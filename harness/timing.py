"""How long to watch a lab, derived from the lab's actual timing instead of one fixed deadline.

`LabTiming` is what the cluster says of its resource types' static timing attributes
(MonitorInterval and friends): read from the configuration on `sim`, from `hatype -value` on a lab
reached by commands. `Windows` turns it into the three waits a scenario needs:

- `quiet_s`: when no failover is due, how long a wrong monitor needs to show itself: the platform
  resource's detection (MonitorInterval x (ToleranceLimit + 1) of the storage/network types), then
  AlternateIO's own, plus one more AlternateIO cycle for the engine to act on it;
- `failover_s`: the deadline of a due failover (the quiet window, then the LDom group offline and the
  AlternateIO and LDom groups online elsewhere, each bounded by its timeout); waits end as soon as
  the guest is where it must be, so the deadline only costs time when something is wrong;
- `settle_s`: the deadline of a return to the steady state (a failover, plus the OfflineMonitorInterval
  after which VCS re-probes a repaired resource).

With VCS's defaults (MonitorInterval 60, OfflineMonitorInterval 300) a no-failover scenario watches
180 s where one fixed deadline watched 780 s.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

TIMING_ATTRS = ("MonitorInterval", "OfflineMonitorInterval", "ToleranceLimit", "OnlineTimeout", "OfflineTimeout")
VCS_DEFAULTS = {"MonitorInterval": 60, "OfflineMonitorInterval": 300, "ToleranceLimit": 0,
                "OnlineTimeout": 300, "OfflineTimeout": 300}
MEMBERSHIP_S = 30.0  # LLT's peer-inactive timeout (16 s) and GAB's reconfiguration, rounded up


@dataclass(frozen=True)
class LabTiming:
    """type name -> timing attribute -> value, as the cluster runs it."""

    types: Mapping[str, Mapping[str, int]] = field(default_factory=dict)

    def get(self, type_name: str, attr: str) -> int:
        return int(self.types.get(type_name, {}).get(attr, VCS_DEFAULTS[attr]))

    @classmethod
    def from_config(cls, config, overrides: Mapping[str, int] | None = None,
                    type_names: Iterable[str] | None = None) -> LabTiming:
        """The timing of a main.cf's types (those its resources use), with an inventory's overrides."""
        used = set(type_names or {r.type for g in config.groups.values() for r in g.resources.values()})
        out: dict[str, dict[str, int]] = {}
        for name in sorted(used):
            typedef = config.types.get(name)
            values = {}
            for attr in TIMING_ATTRS:
                a = typedef.attributes.get(attr) if typedef else None
                values[attr] = int(a.default) if a is not None and a.default is not None else VCS_DEFAULTS[attr]
            values.update({k: int(v) for k, v in (overrides or {}).items() if k in TIMING_ATTRS})
            out[name] = values
        return cls(out)


@dataclass(frozen=True)
class Windows:
    quiet_s: float
    failover_s: float
    settle_s: float

    @classmethod
    def from_timing(cls, timing: LabTiming, monitor_type: str = "AlternateIO", guest_type: str = "LDom",
                    membership_s: float = MEMBERSHIP_S) -> Windows:
        """`membership_s`: how long the cluster takes to see a system leave (LLT/GAB on a real lab; an
        emulated engine sees its domain stop at once)."""
        service_types = [t for t in timing.types if t not in (monitor_type, guest_type)] or [monitor_type]

        def detect(t: str) -> int:
            return timing.get(t, "MonitorInterval") * (timing.get(t, "ToleranceLimit") + 1)

        mi = timing.get(monitor_type, "MonitorInterval")
        quiet = max(max(detect(t) for t in service_types) + detect(monitor_type) + mi, membership_s)
        failover = (quiet + timing.get(guest_type, "OfflineTimeout") + timing.get(monitor_type, "OnlineTimeout")
                    + timing.get(guest_type, "OnlineTimeout"))
        settle = failover + max(timing.get(t, "OfflineMonitorInterval") for t in timing.types or [monitor_type])
        return cls(float(quiet), float(failover), float(settle))

    @classmethod
    def fixed(cls, seconds: float) -> Windows:
        """One deadline for everything (how the harness watched before windows came from timing)."""
        return cls(float(seconds), float(seconds), float(seconds))

    def to_json(self) -> dict:
        return {"quiet_s": self.quiet_s, "failover_s": self.failover_s, "settle_s": self.settle_s}
