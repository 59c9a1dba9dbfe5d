"""What the tests of the plugin and of `altio-hil run` share: paths, the state of a run, the inner conftest.

The plugin is registered through an entry point and keeps module state, so the runs under test are
separate pytest processes (`pytester.runpytest_subprocess`, or `subprocess` for the CLI). Every test
gets its own fault-ledger and lab-daemon directories, so the tests are safe under `pytest -n 2`.
"""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LAB_2NODE = REPO / "inventories" / "sim-2node.yaml"
LAB_3NODE = REPO / "inventories" / "sim-3node.yaml"
MATRIX_SUITE = REPO / "suites" / "test_failover_matrix.py"
# The suites never use hypothesis; its pytest plugin costs over a second per process (it imports
# hypothesis at the end of the session), and the cache would write into the repository.
FAST = ("-p", "no:hypothesispytest", "-p", "no:cacheprovider")
# Variables the plugin and the CLI read: a run under test must see only what the test sets.
ALTIO_VARS = ("ALTIO_HIL_SEED", "ALTIO_HIL_PROGRESS", "ALTIO_HIL_TOTAL", "ALTIO_HIL_LAB", "PYTEST_ADDOPTS")


class AltioEnv:
    """Where the runs of one test keep their state."""

    def __init__(self, root: Path) -> None:
        self.state = root / "state"
        self.runtime = root / "runtime"
        self.observations = root / "observations.jsonl"

    @property
    def ledgers(self) -> Path:
        return self.state / "ledgers"

    def ledger(self, lab: str = "seed-2node", target: str = "sim") -> list[dict]:
        """The raw ledger entries of a lab ([] when it has none)."""
        path = self.ledgers / f"{lab}-{target}.json"
        return json.loads(path.read_text()) if path.exists() else []

    def observed(self) -> list[dict]:
        """What the tests inside the runs wrote with `observe()` (see INNER_CONFTEST)."""
        if not self.observations.exists():
            return []
        return [json.loads(line) for line in self.observations.read_text().splitlines()]

    def environ(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in ALTIO_VARS}
        env.update(ALTIO_HIL_STATE=str(self.state), ALTIO_HIL_RUNTIME=str(self.runtime),
                   OBSERVATIONS=str(self.observations))
        return env


# The conftest of the runs under test: an `observe()` channel back to the outer test, and a fixture
# that looks at the target once `altio_faults` has been torn down.
INNER_CONFTEST = '''
import json
import os
import subprocess

import pytest


def observe(name, **data):
    with open(os.environ["OBSERVATIONS"], "a") as fh:
        fh.write(json.dumps({"name": name, **data}) + "\\n")


def seen(target):
    return {"active": [str(f) for f in target.active_faults],
            "heals": [e.subject for e in target.timeline.events if e.kind == "heal"],
            "ledger": [str(f) for f in target.ledger.entries()]}


@pytest.fixture
def watch(request, altio_target):
    """Set up before altio_faults, so torn down after it: sees what altio_faults' teardown left."""
    yield
    observe("after altio_faults", test=request.node.name, **seen(altio_target))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_teardown(item):
    """After every fixture of the test is gone (altio_target closed included)."""
    yield
    target = getattr(item, "altio_target_seen", None)
    if target is not None:
        observe("after teardown", test=item.name, **seen(target))


@pytest.fixture
def pool_fault(altio_topology):
    """(control system, SYSTEM:POOL) of a storage group AlternateIO names on the first control domain."""
    control = altio_topology.control_systems()[0]
    group = next(iter(altio_topology.services[control].storage))
    return control, f"{control}:{altio_topology.pools(group, control)[0]}"


def pool_health(target, control):
    return target.run(control, ["zpool", "list", "-H", "-o", "name,health"])[1]
'''


def _after_first_scenario(proc: subprocess.Popen) -> None:
    """Wait for the first progress line on stdout (after the header): a scenario is done, the run is
    under way."""
    line = ""
    for _ in range(5):
        line = proc.stdout.readline()
        if line.lstrip().startswith("["):
            break
    assert "pass" in line or "FAIL" in line, line


def signalled_mid_run(start, sig: int, attempts: int = 4) -> tuple[subprocess.Popen, str, str]:
    """Start a run, signal it once its first scenario is done, let it end. A sim run takes about a
    second: on a loaded machine it may finish before the signal lands (exit 0); then try again."""
    for _ in range(attempts):
        proc = start()
        try:
            _after_first_scenario(proc)
            proc.send_signal(sig)
            out, err = proc.communicate(timeout=60)
        finally:
            proc.kill()
        if proc.returncode != 0:
            return proc, out, err
    raise AssertionError(f"the run finished before the signal in {attempts} attempts")
