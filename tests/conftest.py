"""One heavy live lab at a time on this machine, whatever xdist worker runs the test.

The `slow` tests boot a kvm lab (QEMU under TCG) or an emulated sparc lab whose clock runs at 10x:
two at once on two cores starve each other until a lab misses its windows (seen in CI: a kvm run
with every scenario in error, a sparc baseline not reached). `xdist_group` does not group under
pytest 9.2 with pytest-xdist 3.8 (the worker renames `item._nodeid`, which pytest 9.2 no longer
reads), so a file lock serialises them instead; the other worker goes on with the fast tests.
"""

from __future__ import annotations

import fcntl
import os

import pytest

LOCK = f"/tmp/altio-hil-live-lab-tests-{os.getuid()}.lock"


@pytest.fixture(autouse=True)
def _one_live_lab_at_a_time(request):
    if request.node.get_closest_marker("slow") is None:
        yield
        return
    with open(LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
