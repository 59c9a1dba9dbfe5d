"""`altio-hil mutants`: run the suites against every wrong agent of agents/mutants.py and say which
scenarios killed which.

A mutant is *killed* when its run fails on at least one scenario; one that passes *survives*, and a
survivor on a lab that could tell it apart is a hole in the suites. The correct agent is run first
on the same lab and seed (the *control*): when it does not pass, a failing mutant proves nothing and
the command stops there.

A run is judged from its results.json alone, where every test of the suites is a scenario: the
failover matrix and the combined faults, each step of the randomized schedule
(`nemesis-step03[seed=11: inject zpool_offline primary1:zfsprim]`) and the entry-point contract tests
(`contract[moving the guest runs offline then online and leaves value 0 groups alone]`). The ids a
mutant is killed by are those of the scenarios whose verdict is "fail" (junit.xml is written from
results.json: it knows nothing more and is not read).

Layout of the report directory (`--report`, default reports/mutants):

    runs/alternateio/     the control run (an ordinary `altio-hil run` report directory)
    runs/MUTANT/          one run per mutant; runs/NAME.log holds that run's terminal output
    control.json          {"monitor": "alternateio", "outcome": ..., "failed": [ids], ...}
    mutants.json          {"MUTANT": {"killed": bool, "by": [ids], "mistake": str, "outcome": str,
                           "run": "runs/MUTANT", ...}} (extra keys may be added)
    html/index.html       the kill matrix page (self-contained)

Functional core: `judge_run` and `kill_matrix` read finished run directories (their results.json) and
are tested on synthetic ones; `exit_code` decides the command's exit code; `render_html` /
`render_text` draw the matrix. Imperative shell: `run_mutants` starts the runs as subprocesses, at
most `jobs` at once, and forwards Ctrl-C to them (each heals what it injected).
"""

from __future__ import annotations

import contextlib
import html
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import quote

from agents.mutants import MISTAKES, MUTANTS
from harness.cli import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INFRA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
)
from harness.targets.base import BadLabInput

CONTROL = "alternateio"
CONTRACT = "contract["  # how the id of an entry-point contract test begins
# what `mutants` writes in its report directory besides what claim_report_dir already replaces
OUTPUTS = ("runs", "mutants.json", "control.json")
LINE_WIDTH = 100


# -- choosing ----------------------------------------------------------------------------------------------

def select(only: Sequence[str] | None) -> list[str]:
    """The mutants to run, in MUTANTS order; BadLabInput (exit 2) for a name that is not one."""
    if not only:
        return list(MUTANTS)
    unknown = [name for name in only if name not in MUTANTS]
    if unknown:
        raise BadLabInput(f"--only: no mutant named {', '.join(repr(n) for n in unknown)}; "
                          f"the mutants are: {', '.join(MUTANTS)}")
    return [name for name in MUTANTS if name in set(only)]


def render_list() -> str:
    width = max(map(len, MUTANTS)) + 2
    return "\n".join(f"{name:<{width}}{MISTAKES.get(name, '')}" for name in MUTANTS)


# -- judging finished runs (pure: reads files, starts nothing) ---------------------------------------------

@dataclass(frozen=True)
class RunExit:
    """How one `altio-hil run` process ended: what its report directory cannot say."""

    code: int | None
    log_tail: str = ""  # the end of its terminal output, for a run that left no cause in results.json
    wall_s: float | None = None
    stopped: bool = False  # this command forwarded Ctrl-C/SIGTERM to it: it did not finish on its own


def _cause(tail: str) -> str:
    """The line of a run's terminal output that says why it stopped (its own `altio-hil:` messages
    first, else its last lines)."""
    lines = [ln.strip() for ln in tail.splitlines() if ln.strip()]
    own = [ln for ln in lines if ln.startswith("altio-hil:")]
    return " / ".join((own or lines)[-2:])[:500]


def judge_run(directory: Path, monitor: str, ended: RunExit | None = None) -> dict[str, Any]:
    """What one finished run says: {"outcome", "failed": [ids, sorted]} and, when it is no verdict on
    the monitor (no results, outcome error or interrupted, an exit code other than 0 or 1, results
    of another monitor, a failure that names nothing), "error": the cause.

    The failed ids are those of the scenarios of results.json whose verdict is "fail", contract
    tests (`contract[...]`) included."""
    code = ended.code if ended else None
    tail = _cause(ended.log_tail) if ended else ""
    try:
        results = json.loads((directory / "results.json").read_text(encoding="utf-8"))
        outcome = str(results["outcome"])
        scenarios = list(results.get("scenarios") or [])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        why = "exit code unknown" if code is None else f"killed by signal {-code}" if code < 0 else f"exit {code}"
        detail = tail or (exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__)
        return {"outcome": "error", "failed": [], "error": f"no readable results.json ({why}): {detail}"[:1000]}
    failed = {str(s.get("id")) for s in scenarios if isinstance(s, dict) and s.get("verdict") == "fail"}
    judged: dict[str, Any] = {"outcome": outcome, "failed": sorted(failed)}
    errors = results.get("harness_errors") or []
    if outcome in ("error", "interrupted"):
        said = "; ".join(f"{e.get('test', '?')}: {e.get('error', '?')}" for e in errors[:3] if isinstance(e, dict))
        judged["error"] = f"outcome {outcome}: {said or tail or 'no cause recorded'}"[:1000]
    elif code is not None and code not in (EXIT_OK, EXIT_FAIL):
        judged["error"] = f"exit {code}: {tail or 'no message'}"[:1000]
    elif results.get("monitor") not in (None, monitor):
        judged["error"] = f"results.json is of monitor {results.get('monitor')!r}, not {monitor!r}"
    elif outcome == "failed" and not failed:
        judged["error"] = "outcome failed, but no failed scenario is recorded"
    elif outcome not in ("passed", "failed"):
        judged["error"] = f"unknown outcome {outcome!r}"
    return judged


def _run_entry(report: Path, name: str, ended: RunExit | None) -> dict[str, Any]:
    directory = report / "runs" / name
    judged = judge_run(directory, name, ended)
    entry: dict[str, Any] = {"outcome": judged["outcome"], "run": f"runs/{name}"}
    if "error" in judged:
        entry["error"] = judged["error"]
    if (directory / "summary.html").is_file():
        entry["summary"] = f"runs/{name}/summary.html"
    if (report / "runs" / f"{name}.log").is_file():
        entry["log"] = f"runs/{name}.log"
    if ended is not None:
        entry["exit_code"] = ended.code
        if ended.wall_s is not None:
            entry["wall_s"] = round(ended.wall_s, 2)
    entry["failed"] = judged["failed"]
    return entry


def kill_matrix(report: Path, runs: Mapping[str, RunExit | None],
                mistakes: Mapping[str, str] = MISTAKES) -> dict[str, dict[str, Any]]:
    """mutants.json: for each mutant whose run sits in REPORT/runs/NAME, whether it was killed and by
    which scenario ids (contract tests by their `contract[...]` ids), sorted.

    Killed: the run's outcome is "failed" and something failed. A run that is no verdict (see
    `judge_run`) is not killed either, and carries "error"."""
    matrix = {}
    for name, ended in runs.items():
        entry = _run_entry(report, name, ended)
        failed = entry.pop("failed")
        killed = "error" not in entry and entry["outcome"] == "failed" and bool(failed)
        matrix[name] = {"killed": killed, "by": failed if killed else [], "mistake": mistakes.get(name, ""), **entry}
    return matrix


def control_result(report: Path, ended: RunExit | None) -> dict[str, Any]:
    """control.json: the correct agent's run, {"monitor", "outcome", "failed": [ids], ...}."""
    return {"monitor": CONTROL, **_run_entry(report, CONTROL, ended)}


def control_passed(control: Mapping[str, Any]) -> bool:
    return control.get("outcome") == "passed" and "error" not in control


def exit_code(control: Mapping[str, Any] | None, matrix: Mapping[str, Mapping[str, Any]],
              stopped_by: int | None = None) -> int:
    """0 every mutant killed (and the control passed); 1 a mutant survived or the control failed;
    2 the control run refused its input (every run would); 3 a run was no verdict; 130/143 the
    command was interrupted (Ctrl-C/SIGTERM)."""
    if stopped_by is not None:
        return EXIT_TERMINATED if stopped_by == signal.SIGTERM else EXIT_INTERRUPTED
    if control is None:
        return EXIT_INFRA
    if "error" in control:
        return EXIT_BAD_INPUT if control.get("exit_code") == EXIT_BAD_INPUT else EXIT_INFRA
    if not control_passed(control):
        return EXIT_FAIL
    if any("error" in entry for entry in matrix.values()):
        return EXIT_INFRA
    if not all(entry.get("killed") for entry in matrix.values()):
        return EXIT_FAIL
    return EXIT_OK


# -- drawing -----------------------------------------------------------------------------------------------

def _status(entry: Mapping[str, Any]) -> str:
    return "ERROR" if "error" in entry else "KILLED" if entry.get("killed") else "SURVIVED"


def _rows(matrix: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Survivors first (the holes in the suites), then runs that gave no verdict, then the killed."""
    rank = {"SURVIVED": 0, "ERROR": 1, "KILLED": 2}
    return sorted(matrix, key=lambda name: rank[_status(matrix[name])])  # stable: MUTANTS order within


def killers(matrix: Mapping[str, Mapping[str, Any]]) -> list[str]:
    """Every scenario id that killed at least one mutant, sorted."""
    return sorted({i for entry in matrix.values() for i in entry.get("by", [])})


def summary_line(matrix: Mapping[str, Mapping[str, Any]]) -> str:
    killed = sum(1 for e in matrix.values() if e.get("killed"))
    errors = sum(1 for e in matrix.values() if "error" in e)
    line = f"{killed} of {len(matrix)} mutants killed"
    if errors:
        line += f", {errors} run(s) gave no verdict (harness error)"
    return line


def describe_kill(ids: Sequence[str], width: int = 60) -> str:
    """`2 scenario(s) and 1 contract test(s) (N4[node1/primary1-nwsg], ...)`, the list cut to about
    `width` characters. Contract tests are told by their `contract[` prefix; any other id (a matrix
    row, a combined fault, a step of the randomized schedule) is a scenario."""
    tests = [i for i in ids if i.startswith(CONTRACT)]
    text = f"{len(ids) - len(tests)} scenario(s)"
    if tests:
        text += f" and {len(tests)} contract test(s)"
    shown: list[str] = []
    for i in ids:
        if shown and len(", ".join([*shown, i])) > width:
            shown.append("...")
            break
        shown.append(i)
    return f"{text} ({', '.join(shown)})" if shown else text


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: max(0, width - 1)] + "\u2026"


def render_text(matrix: Mapping[str, Mapping[str, Any]], width: int = LINE_WIDTH) -> str:
    """The kill matrix as plain text, one line per mutant (and the rows that killed it under it)."""
    name_w = max([len("mutant"), *map(len, matrix)]) + 2
    head = f"{'mutant':<{name_w}}{'verdict':<10}{'by':>3}  "
    lines = [head + "mistake"]
    for name in _rows(matrix):
        entry = matrix[name]
        lines.append(_clip(f"{name:<{name_w}}{_status(entry):<10}{len(entry.get('by', [])):>3}  "
                           f"{entry.get('mistake', '')}", width))
        indent = " " * len(head)
        if "error" in entry:
            lines.append(_clip(f"{indent}error: {entry['error']}", width))
        elif entry.get("by"):
            rows: dict[str, int] = {}
            for i in entry["by"]:  # N4[node1/...] and N4[node2/...] are the same row of the table
                row = i if i.startswith(CONTRACT) else i.split("[", 1)[0]  # each contract test by its name
                rows[row] = rows.get(row, 0) + 1
            lines.append(_clip(indent + "by " + ", ".join(r if n == 1 else f"{r} x{n}" for r, n in rows.items()),
                               width))
    lines.append(summary_line(matrix))
    return "\n".join(lines)


_CSS = """
body{font-family:DejaVu Sans,Verdana,Arial,Helvetica,sans-serif;margin:24px;color:#202124;font-size:14px}
h1{font-size:22px;margin:0 0 4px} a{color:#1a73e8} .muted{color:#5f6368}
table{border-collapse:collapse;margin:10px 0} th,td{border:1px solid #dadce0;padding:4px 8px;text-align:left;
vertical-align:bottom} th{background:#f1f3f4;font-weight:600} td.num{text-align:right}
th.sc{writing-mode:vertical-rl;transform:rotate(180deg);white-space:nowrap;font-weight:400;font-size:12px;
padding:6px 2px} td.mark{text-align:center;color:#a50e0e;padding:4px 2px}
.badge{display:inline-block;padding:1px 8px;border-radius:10px;font-weight:600;font-size:12px}
.KILLED,.good{background:#ceead6;color:#0d652d} .SURVIVED,.bad{background:#fad2cf;color:#a50e0e}
.ERROR{background:#feefc3;color:#8a4b00} .summary{font-size:16px;font-weight:600}
code{font-family:DejaVu Sans Mono,Consolas,monospace;font-size:12px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _href(relative: str) -> str:
    """A link from html/index.html to a file of the report directory."""
    return _e("../" + quote(relative))


def render_html(matrix: Mapping[str, Mapping[str, Any]], control: Mapping[str, Any],
                info: Mapping[str, Any]) -> str:
    """The kill matrix page: self-contained (inline CSS, no script), every value escaped.

    `info`: lab, seed, date (and any other key, shown as given)."""
    title = "AlternateIO mutants: kill matrix"
    columns = killers(matrix)
    out = ["<!DOCTYPE html>", '<html lang="en"><head><meta charset="utf-8">',
           f"<title>{_e(title)}</title><style>{_CSS}</style></head><body>", f"<h1>{_e(title)}</h1>",
           '<p class="muted">' + " &middot; ".join(f"{_e(k)} <code>{_e(v)}</code>" for k, v in info.items()) + "</p>",
           f'<p class="summary" id="summary">{_e(summary_line(matrix))}</p>',
           f'<p>Control: the correct agent (<code>{_e(CONTROL)}</code>) on the same lab and seed: '
           f'<span class="badge {"good" if control_passed(control) else "bad"}">'
           f'{_e(control.get("outcome", "?"))}</span> '
           f'(<a href="{_href(str(control.get("run", "runs/" + CONTROL)) + "/results.json")}">results.json</a>)</p>',
           '<p class="muted">A mutant is the correct agent with one deliberate mistake; it is killed when a '
           "scenario (contract tests included) fails against it. A survivor is a mistake the suites did not catch on "
           "this lab. Columns: every scenario that killed at least one mutant.</p>",
           '<table id="matrix"><thead><tr><th>mutant</th><th>mistake</th><th>verdict</th><th>killed by</th>']
    out.extend(f'<th class="sc" title="{_e(c)}">{_e(c)}</th>' for c in columns)
    out.append("<th>run</th></tr></thead><tbody>")
    for name in _rows(matrix):
        entry = matrix[name]
        status = _status(entry)
        by = set(entry.get("by", []))
        verdict = f'<span class="badge {status}">{status}</span>'
        if "error" in entry:
            verdict += f'<br><span class="muted">{_e(entry["error"])}</span>'
        links = [f'<a href="{_href(str(entry.get("run", "runs/" + name)) + "/results.json")}">results.json</a>']
        if entry.get("summary"):
            links.append(f'<a href="{_href(str(entry["summary"]))}">summary</a>')
        if entry.get("log"):
            links.append(f'<a href="{_href(str(entry["log"]))}">log</a>')
        out.append(f'<tr id="{_e(name)}"><td><code>{_e(name)}</code></td><td>{_e(entry.get("mistake", ""))}</td>'
                   f'<td>{verdict}</td><td class="num">{len(by)}</td>')
        out.extend(f'<td class="mark" title="{_e(name)} killed by {_e(c)}">&#x25cf;</td>' if c in by else "<td></td>"
                   for c in columns)
        out.append(f"<td>{' '.join(links)}</td></tr>")
    out.append("</tbody></table></body></html>")
    return "\n".join(out) + "\n"


# -- the report directory ----------------------------------------------------------------------------------

def check_report_dir(given: str, mark: str) -> None:
    """Refuse (BadLabInput, exit 2) a directory holding `mutants` outputs that no altio-hil command
    wrote (no `mark` file): they would be replaced. The rest is claim_report_dir's."""
    report = Path(given).expanduser()
    if not given.strip() or not report.is_dir() or (report / mark).is_file():
        return
    clashes = [n for n in OUTPUTS if (report / n).exists()]
    if clashes:
        raise BadLabInput(f"--report {report.resolve()} holds {', '.join(clashes)} that no altio-hil command "
                          "wrote; give an empty or new directory")


def clear_stale(report: Path, mark: str) -> None:
    """Remove the previous `mutants` outputs of a claimed report directory: the run directories that
    `altio-hil run` wrote (and their logs), control.json, mutants.json."""
    import shutil

    for name in ("mutants.json", "control.json"):
        (report / name).unlink(missing_ok=True)
    runs = report / "runs"
    if runs.is_dir():
        for child in runs.iterdir():
            if child.is_dir() and not child.is_symlink() and (child / mark).is_file():
                shutil.rmtree(child, ignore_errors=True)
            elif child.suffix == ".log" and child.is_file():
                child.unlink(missing_ok=True)


# -- running (the imperative shell) ------------------------------------------------------------------------

class _Stop(Exception):
    """Ctrl-C or SIGTERM reached this command while its runs were going."""

    def __init__(self, signum: int) -> None:
        super().__init__(signum)
        self.signum = signum


@contextlib.contextmanager
def _handling(on_signal: Callable[[int, object], None]) -> Iterator[None]:
    """SIGINT and SIGTERM go to `on_signal` inside the block (outside the main thread they cannot be
    set: Ctrl-C then arrives as KeyboardInterrupt), the previous handlers come back after it."""
    previous = {}
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(ValueError):
            previous[signum] = signal.signal(signum, on_signal)
    try:
        yield
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)


@contextlib.contextmanager
def _stoppable() -> Iterator[None]:
    """SIGINT and SIGTERM raise _Stop in the main loop."""

    def on_signal(signum, frame):
        raise _Stop(signum)

    try:
        with _handling(on_signal):
            yield
    except KeyboardInterrupt:
        raise _Stop(signal.SIGINT) from None


@contextlib.contextmanager
def _patient(say: Callable[[str], None], waiting: Callable[[], int]) -> Iterator[None]:
    """While the stopped runs heal: a further Ctrl-C must not cut a heal short, it only says why we wait."""

    def on_signal(signum, frame):
        say(f"altio-hil mutants: waiting for {waiting()} run(s) to heal and stop")

    with _handling(on_signal):
        yield


@dataclass
class _Child:
    name: str
    process: subprocess.Popen
    started: float
    log: Path
    stopped: bool = False


class _Runs:
    """The `altio-hil run` subprocesses going at once, each in its own process group: the terminal's
    Ctrl-C reaches this command only, which forwards exactly one to each run (a second one could cut
    its heal short)."""

    def __init__(self, argv: Callable[[str], list[str]], report: Path) -> None:
        self.argv = argv
        self.report = report
        self.running: dict[str, _Child] = {}

    def start(self, name: str) -> None:
        log = self.report / "runs" / f"{name}.log"
        log.parent.mkdir(parents=True, exist_ok=True)
        with open(log, "wb") as out:
            process = subprocess.Popen(self.argv(name), stdin=subprocess.DEVNULL, stdout=out,
                                       stderr=subprocess.STDOUT, process_group=0)
        self.running[name] = _Child(name, process, time.monotonic(), log)

    def reap(self) -> list[tuple[str, RunExit]]:
        done = []
        for name, child in list(self.running.items()):
            code = child.process.poll()
            if code is None:
                continue
            del self.running[name]
            done.append((name, RunExit(code, _tail(child.log), time.monotonic() - child.started, child.stopped)))
        return done

    def forward(self, signum: int) -> None:
        for child in self.running.values():
            child.stopped = True
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(child.process.pid, signum)


def _tail(log: Path, size: int = 4000) -> str:
    try:
        with open(log, "rb") as f:
            f.seek(max(0, f.seek(0, os.SEEK_END) - size))
            return f.read().decode("utf-8", "replace")
    except OSError:
        return ""


def run_argv(lab: Path, report: Path, seed: int, workers: int | None) -> Callable[[str], list[str]]:
    """The command line of one run: `altio-hil run` of this interpreter's harness, no Allure HTML."""

    def argv(monitor: str) -> list[str]:
        line = [sys.executable, "-m", "harness.cli", "run", "--lab", str(lab), "--monitor", monitor,
                "--seed", str(seed), "--report", str(report / "runs" / monitor), "--no-html"]
        return line + (["-n", str(workers)] if workers else [])

    return argv


def _progress_line(done: int, total: int, name: str, entry: Mapping[str, Any], wall: float | None) -> str:
    took = f" in {wall:.1f} s" if wall is not None else ""
    if "error" in entry:
        what = f"{name}{' (control)' if name == CONTROL else ''}: NO VERDICT ({_clip(str(entry['error']), 60)})"
    elif name == CONTROL:
        what = f"{CONTROL} (control): {entry.get('outcome')}"
        if entry.get("failed"):
            what += f", {describe_kill(entry['failed'], 50)} failed"
    elif entry.get("killed"):
        what = f"{name}: killed by {describe_kill(entry['by'], 50)}"
    else:
        what = f"{name}: SURVIVED (every scenario passed)"
    return f"[{done}/{total}] {what}{took}"


def run_mutants(lab_name: str, lab_path: Path, report: Path, names: Sequence[str], seed: int,
                workers: int | None = None, jobs: int = 2, say: Callable[[str], None] = print,
                argv: Callable[[str], list[str]] | None = None) -> int:
    """Run the control, then the mutants (`jobs` at once); write control.json, mutants.json and
    html/index.html; return the exit code (`exit_code`)."""
    argv = argv or run_argv(lab_path, report, seed, workers)
    runs = _Runs(argv, report)
    total = len(names) + 1
    finished: dict[str, RunExit] = {}
    control: dict[str, Any] | None = None
    matrix: dict[str, dict[str, Any]] = {}
    stopped_by: int | None = None
    say(f"altio-hil mutants: lab {lab_name} ({lab_path}), seed {seed}, {len(names)} mutant(s) after the "
        f"control run, {jobs} run(s) at once; report {report}")

    def on_done(name: str, ended: RunExit) -> None:
        nonlocal control
        finished[name] = ended
        if name == CONTROL:
            control = control_result(report, ended)
            entry: Mapping[str, Any] = control
        else:
            entry = kill_matrix(report, {name: ended})[name]
        if ended.stopped and "error" in entry:  # we interrupted it: not a finished run, not written
            say(f"[{len(finished)}/{total}] {name}: stopped (interrupted)")
            return
        if name != CONTROL:
            matrix[name] = dict(entry)
        say(_progress_line(len(finished), total, name, entry, ended.wall_s))

    def drive(queue: list[str]) -> None:
        while queue or runs.running:
            while queue and len(runs.running) < jobs:
                runs.start(queue.pop(0))
            for name, ended in runs.reap():
                on_done(name, ended)
            time.sleep(0.05)

    try:
        with _stoppable():
            drive([CONTROL])  # alone and first: when the correct agent fails, the mutants are not run
            if control is not None and control_passed(control):
                drive(list(names))
    except _Stop as stop:
        stopped_by = stop.signum
        runs.forward(stop.signum)
        say(f"altio-hil mutants: {'terminated' if stop.signum == signal.SIGTERM else 'interrupted'}; "
            f"waiting for {len(runs.running)} run(s) to heal and stop")
        with _patient(say, lambda: len(runs.running)):
            while runs.running:
                for name, ended in runs.reap():
                    on_done(name, ended)
                time.sleep(0.05)

    if control is not None:
        (report / "control.json").write_text(json.dumps(control, indent=2) + "\n", encoding="utf-8")
    if control is None or not control_passed(control):
        if control is not None and stopped_by is None:
            cause = control.get("error") or (describe_kill(control["failed"], 70) + " failed")
            say(f"altio-hil mutants: the correct agent fails on this lab ({cause}): a kill matrix would mean "
                f"nothing; see {report / 'runs' / CONTROL}")
        return exit_code(control, matrix, stopped_by)
    matrix = {name: matrix[name] for name in names if name in matrix}  # MUTANTS order, whatever finished first
    (report / "mutants.json").write_text(json.dumps(matrix, indent=2) + "\n", encoding="utf-8")
    info = {"lab": lab_name, "seed": seed, "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")}
    if stopped_by is not None:
        info["note"] = f"interrupted: {len(matrix)} of {len(names)} mutant run(s) finished"
    (report / "html").mkdir(parents=True, exist_ok=True)
    (report / "html" / "index.html").write_text(render_html(matrix, control, info), encoding="utf-8")
    say("")
    say(render_text(matrix))
    if stopped_by is not None:
        say(f"altio-hil mutants: interrupted; {len(matrix)} of {len(names)} mutant run(s) finished and are "
            "written (the stopped runs healed what they injected)")
    say(f"kill matrix: {report / 'html' / 'index.html'}")
    say(f"results: {report / 'mutants.json'}")
    return exit_code(control, matrix, stopped_by)
