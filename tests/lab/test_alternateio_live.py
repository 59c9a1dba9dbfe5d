"""The AlternateIO monitor against real clusters (issue 5, "Done when"):

- the monitor table of tests/agents (every combination of group states on the control domain and
  one, two and three alternate domains) with `EngineGroupControl` over a real engine, each state
  produced the way a cluster produces it (online, a faulted pool, a faulted non-critical resource)
  and checked in `hagrp -state` before the monitor is asked;
- `HagrpGroupControl` running the real `hagrp` shim against a seed lab started with
  `altio-hil lab up`, the group states set with `hagrp -online/-offline` and `lab fault`;
- the script-agent executable `agents/AlternateIO/monitor` run as the VCS framework runs it.
"""

from __future__ import annotations

import itertools
import subprocess

import pytest
from live_lab import REPO, VENV_BIN, fast_inventory, running_lab, wait_for

from agents.alternateio import MONITORS
from agents.contract import MONITOR_OFFLINE, MONITOR_ONLINE, MONITOR_UNKNOWN, EntryContext
from agents.hagrp import HagrpGroupControl, subprocess_runner
from emulators.clock import VirtualClock
from emulators.lab import LabSpec, NodeSpec, SimLab
from emulators.vcs.config import parse_text, validate
from emulators.vcs.group_control import EngineGroupControl
from harness.parsers import parse_hagrp_state, parse_state_value

CELLS = ("ONLINE", "OFFLINE", "OFFLINE|FAULTED", "ONLINE|PARTIAL")
CODE = {"up": MONITOR_ONLINE, "down": MONITOR_OFFLINE, "unknown": MONITOR_UNKNOWN}
MONITOR_SCRIPT = REPO / "agents" / "AlternateIO" / "monitor"


def expected(monitor: str, cells: tuple[str, ...]) -> int:
    """The seed's rule, independent of the agent: available when ONLINE (exactly) on a watched system."""
    watched = cells if monitor == "alternateio" else cells[:1]
    return MONITOR_ONLINE if "ONLINE" in watched else MONITOR_OFFLINE


class Log:
    def __init__(self) -> None:
        self.lines: list[tuple[str, str]] = []

    def __call__(self, severity: str, text: str) -> None:
        self.lines.append((severity, text))

    def errors(self) -> list[str]:
        return [text for severity, text in self.lines if severity == "ERROR"]


def context(storage: dict[str, int], system: str = "primary1", log: Log | None = None,
            network: dict[str, int] | None = None) -> EntryContext:
    return EntryContext(resource="altiores", type="AlternateIO", group="aiosg", system=system,
                        attrs={"StorageSG": storage, "NetworkSG": network or {}},
                        log=log if log is not None else Log())


def monitor_code(agent, ctx: EntryContext) -> int:
    result = agent.monitor(ctx)
    assert isinstance(result, int), "monitor is expected to answer at once"
    return result


# -- the table on a real engine -----------------------------------------------------------------------

def node_main_cf(systems: list[str]) -> str:
    """One node: a parallel storage group over the control and alternate domains with a critical and
    a non-critical Zpool resource (a fault of the second leaves the group ONLINE|PARTIAL)."""
    system_list = ", ".join(f"{s} = {i}" for i, s in enumerate(systems))
    pools = "\n".join(f"                PoolName @{s} = zp_{s}" for s in systems)
    logs = "\n".join(f"                PoolName @{s} = zl_{s}" for s in systems)
    return ('include "types.cf"\n\ncluster table-node ( )\n\n'
            + "".join(f"system {s} ( )\n" for s in systems)
            + f"""
group primary1-sg (
        SystemList = {{ {system_list} }}
        AutoStart = 0
        Parallel = 1
        )

        Zpool data (
{pools}
                )

        Zpool slog (
{logs}
                Critical = 0
                )
""")


class TableNode:
    def __init__(self, cells: dict[str, str]) -> None:
        systems = list(cells)
        config = parse_text(node_main_cf(systems), "/nonexistent/table-node/main.cf")
        assert not validate(config)
        self.clock = VirtualClock()
        spec = LabSpec("table-node", "/nonexistent/table-node/main.cf",
                       (NodeSpec("node1", systems[0], tuple(systems[1:])),))
        self.lab = SimLab(spec, self.clock, config=config)
        self.lab.boot()
        for system, cell in cells.items():
            if cell != "OFFLINE":
                rc, _, err = self.lab.run_command(systems[0], ["hagrp", "-online", "primary1-sg", "-sys", system])
                assert rc == 0, err
        self.lab.engine.settle()
        for system, cell in cells.items():
            if cell == "OFFLINE|FAULTED":
                self.lab.inject("zpool_offline", f"{system}:zp_{system}")
            elif cell == "ONLINE|PARTIAL":
                self.lab.inject("zpool_offline", f"{system}:zl_{system}")
        self.clock.advance(120.0)  # two monitor intervals of the Zpool type
        self.lab.engine.settle()
        rc, out, _ = self.lab.run_command(systems[0], ["hagrp", "-state", "primary1-sg"])
        assert rc == 0
        shown = {system: state for (_, system), state in parse_hagrp_state(out).items()}
        assert shown == cells, "the engine did not produce the states asked for"


def alternates(n: int) -> list[str]:
    return ["primary1"] + [f"alternate1{chr(ord('a') + i)}" for i in range(n)]


@pytest.mark.parametrize("control_cell", CELLS)
@pytest.mark.parametrize("n_alternates", [1, 2, 3])
def test_monitor_table_on_a_real_engine(n_alternates, control_cell):
    systems = alternates(n_alternates)
    mismatches = []
    for rest in itertools.product(CELLS, repeat=n_alternates):
        cells = (control_cell, *rest)
        node = TableNode(dict(zip(systems, cells, strict=True)))
        for monitor, agent_cls in MONITORS.items():
            log = Log()
            got = monitor_code(agent_cls(EngineGroupControl(node.lab.engine)),
                               context({"primary1-sg": 1}, log=log))
            if got != expected(monitor, cells) or log.errors():
                mismatches.append((monitor, cells, got, log.lines))
    assert not mismatches, mismatches[:5]


@pytest.mark.parametrize("monitor", MONITORS)
def test_group_missing_from_a_real_engine_is_unknown_and_named(monitor):
    node = TableNode({"primary1": "ONLINE", "alternate1a": "ONLINE"})
    log = Log()
    agent = MONITORS[monitor](EngineGroupControl(node.lab.engine))
    assert monitor_code(agent, context({"primary1-sg": 1, "primary1-sg-typo": 1}, log=log)) == MONITOR_UNKNOWN
    assert any("primary1-sg-typo" in line for line in log.errors()), log.lines
    # a group known to be down wins over one that cannot be read
    down = TableNode({"primary1": "OFFLINE", "alternate1a": "OFFLINE|FAULTED"})
    agent = MONITORS[monitor](EngineGroupControl(down.lab.engine))
    assert monitor_code(agent, context({"primary1-sg": 1, "primary1-sg-typo": 1})) == MONITOR_OFFLINE


# -- HagrpGroupControl and the script agent against a running seed lab --------------------------------

def test_hagrp_group_control_and_script_agent_on_a_running_seed_lab(tmp_path, monkeypatch):
    with running_lab(fast_inventory(tmp_path)) as cli:
        socket = cli.socket()
        for name, value in cli.shim_env(socket, "primary1").items():
            monkeypatch.setenv(name, value)
        groups = HagrpGroupControl(run=subprocess_runner(timeout=30), hagrp=str(VENV_BIN / "hagrp"))

        def codes(system: str, storage: dict[str, int], log: Log | None = None) -> dict[str, int]:
            return {m: monitor_code(cls(groups), context(storage, system=system, log=log))
                    for m, cls in MONITORS.items()}

        def state(group: str, system: str) -> str:
            return parse_state_value(cli.shim_out("primary1", "hagrp", "-state", group, "-sys", system))

        def settle_to(group: str, system: str, want: str) -> None:
            assert wait_for(lambda: state(group, system) == want, 10.0), (group, system, state(group, system))

        def script_monitor(system: str, *args: str) -> subprocess.CompletedProcess:
            env = {"PATH": f"{VENV_BIN}:/usr/bin:/bin", "LANG": "C", "VCS_SYSTEM": system,
                   "ALTIO_HIL_SOCKET": socket, "ALTIO_HIL_SYSTEM": system}
            return subprocess.run([str(MONITOR_SCRIPT), "altiores", *args], env=env, capture_output=True,
                                  text=True, timeout=60, cwd="/")

        node1_args = ("StorageSG", "2", "primary1-strsg", "1", "NetworkSG", "2", "primary1-nwsg", "0")
        node2_args = ("StorageSG", "2", "primary2-strsg", "1", "NetworkSG", "2", "primary2-nwsg", "0")
        strsg1 = {"primary1-strsg": 1}

        # steady state: S1 on node1, both storage domains down (never brought up) on node2
        assert groups.system_list("primary1-strsg") == ["primary1", "alternate1"]
        assert codes("primary1", strsg1) == {"alternateio": MONITOR_ONLINE, "legacy-primary-only": MONITOR_ONLINE}
        assert codes("primary2", {"primary2-strsg": 1}) == \
            {"alternateio": MONITOR_OFFLINE, "legacy-primary-only": MONITOR_OFFLINE}
        assert script_monitor("primary1", *node1_args).returncode == 110
        assert script_monitor("primary2", *node2_args).returncode == 100
        legacy = subprocess.run([str(MONITOR_SCRIPT), "altiores", *node2_args], capture_output=True, text=True,
                                env={"PATH": f"{VENV_BIN}:/usr/bin:/bin", "VCS_SYSTEM": "primary2",
                                     "ALTIO_MONITOR": "legacy-primary-only", "ALTIO_HIL_SOCKET": socket,
                                     "ALTIO_HIL_SYSTEM": "primary2"}, timeout=60)
        assert legacy.returncode == 100

        # S3 (alternate OFFLINE) and S2 (control OFFLINE) with hagrp -offline / -online
        assert cli.shim("primary1", "hagrp", "-offline", "primary1-strsg", "-sys", "alternate1").returncode == 0
        settle_to("primary1-strsg", "alternate1", "OFFLINE")
        assert codes("primary1", strsg1) == {"alternateio": MONITOR_ONLINE, "legacy-primary-only": MONITOR_ONLINE}
        assert cli.shim("primary1", "hagrp", "-online", "primary1-strsg", "-sys", "alternate1").returncode == 0
        settle_to("primary1-strsg", "alternate1", "ONLINE")
        assert cli.shim("primary1", "hagrp", "-offline", "primary1-strsg", "-sys", "primary1").returncode == 0
        settle_to("primary1-strsg", "primary1", "OFFLINE")
        assert codes("primary1", strsg1) == {"alternateio": MONITOR_ONLINE, "legacy-primary-only": MONITOR_OFFLINE}
        assert script_monitor("primary1", *node1_args).returncode == 110
        assert cli.shim("primary1", "hagrp", "-online", "primary1-strsg", "-sys", "primary1").returncode == 0
        settle_to("primary1-strsg", "primary1", "ONLINE")

        # S2 and S4 with faults: the control domain's pool, then the alternate's
        assert cli.lab("fault", "zpool_offline", "--where", "primary1:zfsprim").returncode == 0
        settle_to("primary1-strsg", "primary1", "OFFLINE|FAULTED")
        assert codes("primary1", strsg1) == {"alternateio": MONITOR_ONLINE, "legacy-primary-only": MONITOR_OFFLINE}
        assert cli.lab("fault", "zpool_offline", "--where", "alternate1:zfsmirr").returncode == 0
        settle_to("primary1-strsg", "alternate1", "OFFLINE|FAULTED")
        assert codes("primary1", strsg1) == {"alternateio": MONITOR_OFFLINE, "legacy-primary-only": MONITOR_OFFLINE}
        assert script_monitor("primary1", *node1_args).returncode == 100

        # UNKNOWN: a group that does not exist, named in the log
        log = Log()
        assert codes("primary1", {"primary1-strsg": 1, "nosuch-strsg": 1}, log) == \
            {"alternateio": MONITOR_OFFLINE, "legacy-primary-only": MONITOR_OFFLINE}  # a known-down group wins
        assert codes("primary2", {"nosuch-strsg": 1}, log) == \
            {"alternateio": MONITOR_UNKNOWN, "legacy-primary-only": MONITOR_UNKNOWN}
        assert any("nosuch-strsg" in line for line in log.errors()), log.lines
        missing = script_monitor("primary1", "StorageSG", "2", "nosuch-strsg", "1", "NetworkSG", "0")
        assert missing.returncode == 99 and "nosuch-strsg" in missing.stderr

        down = cli.lab("down")
        assert down.returncode == 0, down.stderr

        # UNKNOWN: the lab is down, `hagrp` cannot reach the engine
        log = Log()
        assert codes("primary1", strsg1, log) == \
            {"alternateio": MONITOR_UNKNOWN, "legacy-primary-only": MONITOR_UNKNOWN}
        assert any("primary1-strsg" in line and "V-16-1-10600" in line for line in log.errors()), log.lines
        gone = script_monitor("primary1", *node1_args)
        assert gone.returncode == 99
        assert "primary1-strsg" in gone.stderr and "V-16-1-10600" in gone.stderr
