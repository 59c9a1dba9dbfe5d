"""FailOverPolicy: which system a failover group goes to. Pure functions of the candidates."""

from __future__ import annotations

from collections.abc import Mapping


def choose_target(policy: str, candidates: list[str], system_list: Mapping[str, int],
                  online_groups: Mapping[str, int], available_capacity: Mapping[str, float]) -> str | None:
    """Pick one of `candidates` (already filtered to eligible systems).

    - Priority: the lowest SystemList number (ties: name order).
    - RoundRobin: the system with the fewest online groups (ties: Priority).
    - Load: the system with the highest AvailableCapacity (Capacity minus the Load of its online
      groups; ties: Priority).
    An unknown policy behaves as Priority (the vendor's default).
    """
    if not candidates:
        return None

    def prio(s: str) -> tuple[int, str]:
        return (int(system_list.get(s, 1 << 30)), s)

    if policy == "RoundRobin":
        return min(candidates, key=lambda s: (online_groups.get(s, 0), prio(s)))
    if policy == "Load":
        return min(candidates, key=lambda s: (-available_capacity.get(s, 0.0), prio(s)))
    return min(candidates, key=prio)
