"""The report directory of `altio-hil run` (and `mutants`): checked, locked and cleared for a run.

`claim_report_dir` refuses (exit 2, nothing deleted) a directory that is not fit for a report or that
another run is writing to, locks it until the process ends and removes the previous run's outputs.
What marks a report directory and what a run writes there: harness.report.directory.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from harness.report.directory import REPORT_MARK, REPORT_OUTPUTS
from harness.targets.base import BadLabInput

__all__ = ["REPORT_MARK", "REPORT_OUTPUTS", "claim_report_dir"]

_REPORT_LOCKS: list = []  # the lock of the report directory, held until the process ends


def claim_report_dir(given: str) -> Path:
    """The report directory, checked and locked for this run, with the previous run's outputs removed.

    Refused (BadLabInput, exit 2, nothing deleted): an empty path, a path under /proc, /sys or /dev,
    something that is not a directory, a directory whose results.json is not a file, a directory
    of someone else's files (not written by `run`, not empty) that holds names `run` would replace,
    and a directory another run is writing to (two runs would delete each other's results)."""
    import fcntl

    if not given.strip():
        raise BadLabInput("--report is empty; give the report directory (e.g. reports/latest)")
    if "\0" in given:
        raise BadLabInput("--report contains a NUL byte")
    report = Path(given).expanduser().resolve()
    if any(report == Path(p) or Path(p) in report.parents for p in ("/proc", "/sys", "/dev")):
        raise BadLabInput(f"--report {report}: not a place for a report (a kernel or device file system)")
    if report.exists() and not report.is_dir():
        raise BadLabInput(f"--report {report} exists and is not a directory")
    for name in ("results.json", "junit.xml"):
        if (report / name).exists() and not (report / name).is_file():
            raise BadLabInput(f"--report {report}: {name} there is not a file; give another directory")
    ours = (report / REPORT_MARK).is_file() or (report / "results.json").is_file()
    clashes = [n for n in REPORT_OUTPUTS if (report / n).exists()]
    if report.is_dir() and clashes and not ours:
        raise BadLabInput(f"--report {report} holds {', '.join(clashes)} that no altio-hil run wrote; "
                          "give an empty or new directory")
    try:
        report.mkdir(parents=True, exist_ok=True)
        fd = os.open(report / REPORT_MARK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError as exc:
        raise BadLabInput(f"--report {report}: cannot write there ({exc.strerror})") from None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        raise BadLabInput(f"--report {report} is being written by another run; give another directory") from None
    _REPORT_LOCKS.append(fd)
    for stale in ("allure-results", "html", "timelines"):
        shutil.rmtree(report / stale, ignore_errors=True)
    for stale in ("results.json", "junit.xml", "summary.html"):
        (report / stale).unlink(missing_ok=True)
    return report
