"""A small builder of `Config` objects and engines for the engine's tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from emulators.clock import VirtualClock
from emulators.vcs.agents.scripted import ScriptedAgent
from emulators.vcs.config.model import (
    AttrDef,
    AttrValue,
    Config,
    Group,
    GroupDep,
    Resource,
    ResourceDep,
    System,
    TypeDef,
)
from emulators.vcs.engine import Engine

# the seed main.cf as the project ships it (a copy of ../shared/reference/altio-cluster.main.cf)
SEED_MAIN_CF = Path(__file__).resolve().parents[2] / "inventories" / "sim-2node" / "main.cf"


def types() -> dict[str, TypeDef]:
    def t(name: str, ops: str | None = None) -> TypeDef:
        attrs = {}
        if ops:
            attrs["Operations"] = AttrDef("Operations", static=True, default=ops)
        return TypeDef(name, attrs)
    return {"App": t("App"), "Persist": t("Persist", "None"), "Phantom": t("Phantom"),
            "Proxy": TypeDef("Proxy", {"Operations": AttrDef("Operations", static=True, default="None"),
                                       "TargetResName": AttrDef("TargetResName")})}


def group(name: str, systems: list[str], resources: list[tuple[str, str]] | None = None,
          deps: list[tuple[str, str]] = (), group_deps: list[GroupDep] = (), **attrs: Any) -> Group:
    g = Group(name)
    g.attributes["SystemList"] = AttrValue({s: i for i, s in enumerate(systems)})
    for k, v in attrs.items():
        g.attributes[k] = v if isinstance(v, AttrValue) else AttrValue(v)
    for rname, rtype in resources or [(f"{name}_r", "App")]:
        g.resources[rname] = Resource(rname, rtype)
    g.resource_deps = [ResourceDep(p, c) for p, c in deps]
    g.group_deps = list(group_deps)
    return g


def config(systems: list[str], *groups: Group) -> Config:
    return Config(types=types(), systems={s: System(s) for s in systems},
                  groups={g.name: g for g in groups})


def set_res_attr(cfg: Config, res: str, name: str, value: Any) -> None:
    cfg.resource(res)[1].attributes[name] = AttrValue(value)


class Lab:
    """An engine on a virtual clock with scripted agents for App and Persist."""

    def __init__(self, cfg: Config, seed: int = 0, start: bool = True, **agent_kw: Any) -> None:
        self.clock = VirtualClock()
        self.engine = Engine(cfg, self.clock, seed=seed)
        self.app = ScriptedAgent(**agent_kw)
        self.persist = ScriptedAgent(initially_up=True, comes_back=True)
        self.engine.register_agent("App", self.app)
        self.engine.register_agent("Persist", self.persist)
        self.changes: list = []
        self.engine.subscribe(self.changes.append)
        if start:
            self.engine.start()
            assert self.engine.settle()

    def state(self, g: str, s: str) -> str:
        return self.engine.group_state(g, s)

    def states(self, g: str) -> dict[str, str]:
        return {s: self.engine.group_state(g, s) for s in self.engine.config.groups[g].system_list}

    def rstate(self, r: str, s: str) -> str:
        return self.engine.resource_state(r, s)

    def detect(self, seconds: float = 60.0) -> None:
        """Let one monitor cycle pass, then settle."""
        self.clock.advance(seconds)
        assert self.engine.settle()

    def log(self, needle: str) -> list[str]:
        return [ln for ln in self.engine.log_lines if needle in ln]

    def mark(self) -> int:
        return len(self.engine.log_lines)

    def log_since(self, mark: int) -> list[str]:
        return self.engine.log_lines[mark:]


def seed_lab(seed: int = 0, start: bool = True) -> tuple[Engine, VirtualClock, dict[str, ScriptedAgent]]:
    """The seed's cluster (reference main.cf) with scripted agents for its platform types."""
    from emulators.vcs.config import parse_text
    cfg = parse_text(SEED_MAIN_CF.read_text(), filename="main.cf")
    clock = VirtualClock()
    eng = Engine(cfg, clock, seed=seed)
    agents = {"AlternateIO": ScriptedAgent(), "LDom": ScriptedAgent(), "Zpool": ScriptedAgent(),
              "NIC": ScriptedAgent(initially_up=True, comes_back=True)}
    for t, a in agents.items():
        eng.register_agent(t, a)
    if start:
        eng.start()
        assert eng.settle()
    return eng, clock, agents


def sim_seed_lab(monitor_interval: int = 60, offline_monitor_interval: int = 300):
    """The shipped seed lab (inventories/sim-2node: main.cf, two nodes) assembled as the sim target
    does, with the inventory's timing, booted to its steady state on a virtual clock."""
    from emulators.lab import LabSpec, NodeSpec, SimLab
    spec = LabSpec("seed-2node", str(SEED_MAIN_CF),
                   (NodeSpec("node1", "primary1", ("alternate1",)), NodeSpec("node2", "primary2", ("alternate2",))),
                   {"MonitorInterval": monitor_interval, "OfflineMonitorInterval": offline_monitor_interval})
    lab = SimLab(spec, VirtualClock())
    assert lab.boot(), "the seed lab did not settle"
    return lab


def run(lab, system: str, *argv: str) -> tuple[int, str, str]:
    """A command typed on `system` of a SimLab: (exit status, stdout, stderr)."""
    return lab.run_command(system, list(argv))


def out(lab, system: str, *argv: str) -> str:
    """What a command that must succeed prints on `system` of a SimLab."""
    rc, text, err = run(lab, system, *argv)
    assert rc == 0, (system, argv, rc, err)
    return text
