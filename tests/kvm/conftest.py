"""One kvm lab test at a time on this machine, whatever xdist worker runs it.

`xdist_group` does not group under pytest 9.2 with pytest-xdist 3.8 (the worker renames
`item._nodeid`, which pytest 9.2 no longer reads), so two workers would boot two kvm labs at once on
two cores: a file lock serialises the tests that start VMs instead.
"""

from __future__ import annotations

import fcntl
import os

import pytest

LOCK = f"/tmp/altio-hil-kvm-tests-{os.getuid()}.lock"


@pytest.fixture(autouse=True)
def _one_kvm_lab_at_a_time(request):
    if request.node.get_closest_marker("slow") is None:
        yield
        return
    with open(LOCK, "a") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)
