"""The harness's own child processes: whether one lives, and that none outlives the run."""

from __future__ import annotations

import contextlib
import os
import signal


def pid_alive(pid: int) -> bool:
    """Whether a process of that pid exists (someone else's counts: it is not ours to reuse)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def die_with_parent() -> None:
    """A `preexec_fn`: the kernel kills the child when the process that started it dies, even by
    SIGKILL (Linux PR_SET_PDEATHSIG), so that no helper is left working for nobody."""
    import ctypes

    pr_set_pdeathsig = 1
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
