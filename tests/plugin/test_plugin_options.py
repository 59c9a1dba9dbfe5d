"""The plugin's command-line options: --lab, --monitor, --seed (and the seed shared by xdist workers)."""

from __future__ import annotations

import re

import pytest
from altio_runs import FAST, INNER_CONFTEST, LAB_2NODE


def test_a_bad_inventory_is_a_usage_error_naming_file_line_and_key(pytester, altio_env):
    main_cf = LAB_2NODE.parent / "sim-2node" / "main.cf"
    bad = pytester.path / "bad-lab.yaml"
    bad.write_text("lab: broken\n"
                   "target: sim\n"
                   "cluster:\n"
                   f"  main_cf: {main_cf}\n"
                   "nodes:\n"
                   "  - name: node1\n"
                   "    control: primary1\n"
                   "    alternates: [alternate1]\n"
                   "    cpus: 8\n")
    pytester.makepyfile("def test_uses_the_lab(altio_target):\n    pass\n")
    result = pytester.runpytest_subprocess(*FAST, "--lab", str(bad))
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "bad inventory" in err
    assert re.search(rf"{re.escape(str(bad))}:9:\d+: nodes\.0\.cpus: unknown key", err), err
    assert "Traceback" not in err + result.stdout.str()
    assert not altio_env.ledgers.exists() or not any(altio_env.ledgers.iterdir()), "a bad lab touched a ledger"


def test_monitor_accepts_only_the_known_monitors(pytester, altio_env):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest_subprocess(*FAST, "--monitor", "primary-only")
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    err = result.stderr.str()
    assert "--monitor: 'primary-only' is neither a built-in monitor" in err
    assert "alternateio" in err and "legacy-primary-only" in err and "an agent directory" in err


def test_monitor_reaches_the_fixture_and_the_lab(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("""
        from conftest import observe

        def test_monitor(altio_monitor, altio_target):
            observe("monitor", fixture=altio_monitor, target=altio_target.monitor,
                    lab=altio_target.sim.spec.monitor)
    """)
    result = pytester.runpytest_subprocess(*FAST, "--monitor", "legacy-primary-only")
    result.assert_outcomes(passed=1)
    [seen] = altio_env.observed()
    assert seen == {"name": "monitor", "fixture": "legacy-primary-only", "target": "legacy-primary-only",
                    "lab": "legacy-primary-only"}


def test_seed_reaches_the_fixture_the_target_and_the_header(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile("""
        from conftest import observe

        def test_seed(altio_seed, altio_target):
            observe("seed", fixture=altio_seed, target=altio_target.seed)
    """)
    result = pytester.runpytest_subprocess(*FAST, "--seed", "4242")
    result.assert_outcomes(passed=1)
    assert altio_env.observed() == [{"name": "seed", "fixture": 4242, "target": 4242}]
    result.stdout.fnmatch_lines(["altio-hil: lab *sim-2node.yaml, target *, monitor alternateio, seed 4242"])


SEED_PROBES = """
    import os

    import pytest
    from conftest import observe

    @pytest.mark.parametrize("i", range(4))
    def test_seed(i, altio_seed):
        observe("seed", worker=os.environ.get("PYTEST_XDIST_WORKER", "main"), seed=altio_seed,
                exported=os.environ.get("ALTIO_HIL_SEED"))
"""


def test_the_default_seed_is_random_and_shared_by_xdist_workers(pytester, altio_env):
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(SEED_PROBES)
    result = pytester.runpytest_subprocess(*FAST, "-n", "2", "--lab", str(LAB_2NODE))
    result.assert_outcomes(passed=4)
    first = altio_env.observed()
    assert {o["worker"] for o in first} == {"gw0", "gw1"}, "both workers should have run a probe"
    seeds = {o["seed"] for o in first}
    assert len(seeds) == 1, f"xdist workers played with different seeds: {seeds}"
    seed = seeds.pop()
    # the header shows the seed the workers used, and the seed is not exported to child processes
    result.stdout.fnmatch_lines([f"altio-hil: lab *, seed {seed}"])
    assert {o["exported"] for o in first} == {None}

    altio_env.observations.unlink()
    again = pytester.runpytest_subprocess(*FAST, "-p", "no:xdist", "--lab", str(LAB_2NODE))
    again.assert_outcomes(passed=4)
    second = {o["seed"] for o in altio_env.observed()}
    assert len(second) == 1 and second != {seed}, "two sessions without --seed drew the same seed"
