"""results.json: the DESIGN.md contract (pydantic models), the run's outcome, written atomically.

`write_results` / `validate_results`: extra keys such as "row", "node", "group" are kept; the matrix
needs them."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from harness.report.errors import ResultsError

VERDICTS = ("pass", "fail", "error")



class _Model(BaseModel):
    model_config = ConfigDict(strict=True, extra="allow")


class FaultRecord(_Model):
    kind: str = Field(min_length=1)
    where: str = Field(pattern=r"^[^:\s]+(:\S+)?$")


class ExpectedOutcome(_Model):
    failover: bool
    alternateio: Literal["ONLINE", "OFFLINE"]


class ObservedOutcome(_Model):
    failover: bool
    alternateio: str
    ldom_system: str


class ScenarioResult(_Model):
    id: str = Field(min_length=1)
    faults: list[FaultRecord]
    expected: ExpectedOutcome
    observed: ObservedOutcome
    verdict: Literal["pass", "fail", "error"]
    detect_s: float | None = Field(ge=0)
    failover_s: float | None = Field(ge=0)
    clock: Literal["virtual", "real"]
    clock_s: float = Field(ge=0)
    wall_s: float = Field(ge=0)
    run: int | None = Field(default=None, ge=0)  # a report merged from several runs: its run (index in `runs`)


Outcome = Literal["passed", "failed", "interrupted", "error"]


class HarnessError(_Model):
    """A test that broke for a reason of the harness's own (not a verdict on the monitor)."""

    test: str
    error: str


class NotRun(_Model):
    """A scenario of the run that did not run (deselected, skipped, not reached), and why."""

    id: str
    reason: str


class RunSource(_Model):
    """One run of a report merged from several (`altio-hil report merge`): where it came from."""

    dir: str
    lab: str
    target: str
    monitor: str
    seed: int
    outcome: Outcome


class RunResults(_Model):
    lab: str
    target: str
    monitor: str
    seed: int
    # the run as a whole: "interrupted" (Ctrl-C, SIGTERM, or killed: written before the first test) and
    # "error" (a harness or lab failure) are never verdicts on the monitor, whatever the scenarios say
    outcome: Outcome
    harness_errors: list[HarnessError] = []
    not_run: list[NotRun] = []
    runs: list[RunSource] | None = None  # only in a report merged from several runs
    scenarios: list[ScenarioResult]


def outcome_of(scenarios: list[dict], harness_errors: list | None = None, failed_tests: int = 0) -> str:
    """The outcome of a run that finished: error beats fail beats pass."""
    if harness_errors or any(s["verdict"] == "error" for s in scenarios):
        return "error"
    if failed_tests or any(s["verdict"] == "fail" for s in scenarios):
        return "failed"
    return "passed"


def _error_lines(exc: ValidationError) -> list[str]:
    lines = []
    for err in exc.errors():
        where = ""
        for part in err["loc"]:
            where += f"[{part}]" if isinstance(part, int) else (f".{part}" if where else str(part))
        lines.append(f"{where or '(top)'}: {err['msg']}")
    return lines


def validate_results(obj: object) -> RunResults:
    """Check an object (e.g. a loaded results.json) against the contract; ResultsError lists every problem."""
    if not isinstance(obj, Mapping):
        raise ResultsError(f"results must be a JSON object, got {type(obj).__name__}")
    try:
        return RunResults.model_validate(dict(obj))
    except ValidationError as exc:
        raise ResultsError("results.json does not follow the contract:\n  " + "\n  ".join(_error_lines(exc))) from None


def _jsonable(value: object) -> object:
    if isinstance(value, Path):
        return str(value)
    to_jsonable = getattr(value, "to_jsonable", None)
    if callable(to_jsonable):
        return to_jsonable()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")


def write_results(
    path: str | os.PathLike[str], lab: str, target: str, monitor: str, seed: int, scenarios: list[dict],
    extra: Mapping[str, Any] | None = None, outcome: str | None = None,
) -> None:
    """Write results.json (validated first, written atomically so a reader never sees half a file).
    `extra`: more top-level fields (e.g. `agent`: the build identified on a real lab); `outcome`:
    the run's (default: from the scenarios' verdicts)."""
    doc = {"lab": lab, "target": target, "monitor": monitor, "seed": seed,
           "outcome": outcome or outcome_of(list(scenarios)), **dict(extra or {}), "scenarios": list(scenarios)}
    try:
        text = json.dumps(doc, indent=2, default=_jsonable, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ResultsError(f"results cannot be written as JSON: {exc}") from None
    validate_results(json.loads(text))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(text + "\n", encoding="utf-8")
    os.replace(tmp, path)
