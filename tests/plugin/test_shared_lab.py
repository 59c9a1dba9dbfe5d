"""Shared labs (kvm, sparc): one run at a time (the lab lock), one xdist worker per lab (loadgroup)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from altio_runs import FAST, LAB_2NODE

from harness.lab_lock import LabBusy, LabLock


def test_lab_lock_refuses_a_second_run_and_is_released_with_the_process(tmp_path):
    holder = subprocess.Popen(
        [sys.executable, "-c", "import sys, time; from harness.lab_lock import LabLock;"
         f"l = LabLock('lab1', 'kvm', directory=__import__('pathlib').Path({str(tmp_path)!r})); l.acquire();"
         "print('held', flush=True); time.sleep(60)"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        with pytest.raises(LabBusy, match=rf"lab lab1 \(kvm\) is in use by another run \(pid {holder.pid}\)"):
            LabLock("lab1", "kvm", directory=tmp_path).acquire()
        LabLock("lab2", "kvm", directory=tmp_path).acquire()  # another lab is another lock
    finally:
        holder.kill()
        holder.wait()
    with LabLock("lab1", "kvm", directory=tmp_path):  # a killed holder released it
        pass


PROBE = '''
def test_probe(request):
    import json, os
    groups = {item.name: [m.args for m in item.iter_markers("xdist_group")] for item in request.session.items}
    with open(os.environ["OBSERVATIONS"], "a") as fh:
        fh.write(json.dumps({"dist": request.config.option.dist, "groups": groups}) + "\\n")


def test_uses_the_lab(altio_topology):
    pass
'''


def test_a_sim_lab_is_free_to_go_to_every_worker(pytester, altio_env):
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess(*FAST, "-v", "-n", "2", "--lab", str(LAB_2NODE), "--target", "sim")
    result.assert_outcomes(passed=2)
    # loadgroup keeps the randomized schedule's steps on one worker; ungrouped tests go anywhere
    result.stdout.fnmatch_lines(["scheduling tests via LoadGroupScheduling"])
    result.stdout.fnmatch_lines(["*[[]gw0[]]*PASSED*"])
    result.stdout.fnmatch_lines(["*[[]gw1[]]*PASSED*"])
    seen = altio_env.observed()
    assert seen[0]["groups"]["test_uses_the_lab"] == []
    assert seen[0]["groups"]["test_probe"] == []


@pytest.mark.parametrize("target", ["kvm", "sparc"])
def test_a_shared_lab_is_driven_by_one_process(pytester, altio_env, target):
    """The session holds a shared lab (a kvm lab it started, a sparc lab's lease and SSH sessions):
    several workers are refused before anything starts."""
    pytester.makepyfile(test_probe=PROBE)
    result = pytester.runpytest_subprocess(*FAST, "-n", "2", "--lab", str(LAB_2NODE), "--target", target)
    assert result.ret != 0
    assert f"a {target} lab is driven by one process: run without -n/--dist" in result.stderr.str()


def test_a_busy_shared_lab_ends_the_run_with_exit_3(pytester, altio_env):
    pytester.makepyfile(test_probe="def test_uses_the_lab(altio_topology):\n    pass\n")
    with LabLock("seed-2node", "kvm"):  # ALTIO_HIL_STATE points at this test's own directory
        result = pytester.runpytest_subprocess(*FAST, "--lab", str(LAB_2NODE), "--target", "kvm")
    assert result.ret == 3
    result.stdout.fnmatch_lines(["*lab seed-2node (kvm) is in use by another run*"])
