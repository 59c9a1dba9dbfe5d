"""Resource and service-group dependencies: pure queries over the configuration and states.

Group-dependency rules follow `reference/vcs-semantics.md` (parent `requires group child ...`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from emulators.vcs.config.model import Config, Group, GroupDep


@dataclass(frozen=True)
class ResourceGraph:
    """Parents/children of each resource of one group (`parent requires child`)."""

    parents: dict[str, tuple[str, ...]]
    children: dict[str, tuple[str, ...]]

    @classmethod
    def of(cls, group: Group) -> ResourceGraph:
        parents: dict[str, list[str]] = {r: [] for r in group.resources}
        children: dict[str, list[str]] = {r: [] for r in group.resources}
        for d in group.resource_deps:
            if d.parent in parents and d.child in parents:
                parents[d.child].append(d.parent)
                children[d.parent].append(d.child)
        return cls({k: tuple(v) for k, v in parents.items()}, {k: tuple(v) for k, v in children.items()})

    def ancestors(self, name: str) -> list[str]:
        seen: dict[str, None] = {}  # ordered, and fast to test on a long chain
        stack = list(self.parents.get(name, ()))
        while stack:
            p = stack.pop()
            if p not in seen:
                seen[p] = None
                stack.extend(self.parents.get(p, ()))
        return list(seen)


@dataclass(frozen=True)
class GroupLink:
    parent: str
    child: str
    dep: GroupDep

    @property
    def kind(self) -> str:
        return f"{self.dep.category} {self.dep.location} {self.dep.rigidity}"


def group_links(config: Config) -> list[GroupLink]:
    return [GroupLink(g.name, d.child, d) for g in config.groups.values() for d in g.group_deps
            if d.child in config.groups]


def children_first(names: Iterable[str], links: list[GroupLink]) -> list[str]:
    """Order groups so that every child comes before its parents (stable otherwise)."""
    names = list(names)
    wanted = set(names)
    children: dict[str, list[str]] = {}
    for link in links:
        if link.child in wanted:
            children.setdefault(link.parent, []).append(link.child)
    out: list[str] = []
    done: set[str] = set()
    for n in names:
        if n in done:
            continue
        # depth first without recursion (a chain may be thousands of groups long): a group is
        # placed after its children; one already on the path (a cycle) is skipped
        on_path = {n}
        stack = [(n, iter(children.get(n, ())))]
        while stack:
            node, kids = stack[-1]
            child = next((c for c in kids if c not in done and c not in on_path), None)
            if child is None:
                stack.pop()
                on_path.discard(node)
                done.add(node)
                out.append(node)
            else:
                on_path.add(child)
                stack.append((child, iter(children.get(child, ()))))
    return out


def online_allowed(group: str, system: str, links: list[GroupLink],
                   up: Callable[[str, str], bool], up_anywhere: Callable[[str], list[str]],
                   manual: bool = True) -> str | None:
    """Why `group` may not come online on `system` given its dependencies, or None when it may.

    `up(g, s)`: g is online (or partial) on s; `up_anywhere(g)`: the systems where g is online.
    A child's online on its parent's system (online remote, offline local) is refused only when
    manual (H); the engine's own failover may land there and then moves the parent away (B, D).
    """
    for link in links:
        dep = link.dep
        if link.parent == group:
            child = link.child
            if dep.category == "online" and dep.location == "local" and not up(child, system):
                return f"child group {child} is not online on {system} (online local {dep.rigidity})"
            if dep.category == "online" and dep.location == "global" and not up_anywhere(child):
                return f"child group {child} is not online anywhere (online global {dep.rigidity})"
            if dep.category == "online" and dep.location == "remote":
                where = up_anywhere(child)
                if not [s for s in where if s != system]:
                    return f"child group {child} is not online on another system (online remote {dep.rigidity})"
                if system in where:
                    return f"child group {child} is online on {system} (online remote {dep.rigidity})"
            if dep.category == "offline" and up(child, system):
                return f"child group {child} is online on {system} (offline local)"
        elif link.child == group and manual:
            parent = link.parent
            if dep.category == "online" and dep.location == "remote" and up(parent, system):
                return f"parent group {parent} is online on {system} (online remote {dep.rigidity})"
            if dep.category == "offline" and up(parent, system):
                return f"parent group {parent} is online on {system} (offline local)"
    return None


def offline_blocked(group: str, system: str, links: list[GroupLink],
                    up: Callable[[str, str], bool], up_anywhere: Callable[[str], list[str]]) -> str | None:
    """Why a manual offline of `group` on `system` is refused (a firm/hard parent still needs it)."""
    for link in links:
        if link.child != group or link.dep.category != "online" or link.dep.rigidity == "soft":
            continue
        if link.dep.location == "local" and up(link.parent, system):
            return f"parent group {link.parent} is online on {system} ({link.kind})"
        if link.dep.location == "global" and up_anywhere(link.parent):
            return f"parent group {link.parent} is online ({link.kind})"
    return None
