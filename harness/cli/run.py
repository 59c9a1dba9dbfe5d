"""The commands that run the suites and what they print and publish.

- `altio-hil run`: pytest on the suites with the project's plugin (its arguments, the terminal under
  `run`, SIGTERM handled as Ctrl-C), `--list` / `--dry-run` (collection only) and `--plan`; then the
  failures and the verdict matrix printed, and the report published (junit.xml, summary.html, the
  HTML report); the exit code from the run's outcome;
- `altio-hil mutants`: the suites against every wrong agent (harness.mutants runs them);
- `altio-hil report merge`: report directories joined into one, printed and published as `run` does.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import sys
import time
from pathlib import Path

from harness.cli.lab_choice import lab_of
from harness.cli.output import WIDTH, err, said, show_path, wrap
from harness.cli.parser import (
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INFRA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    MAX_SEED,
    SUITES,
    altio_hil_version,
)
from harness.cli.report_dir import REPORT_MARK, claim_report_dir
from harness.inventory import REPO_ROOT, Lab
from harness.targets.base import BadLabInput

CACHE_DIR = ".pytest_cache"  # in the report directory: pytest's cache, for `run --lf`


# -- run ---------------------------------------------------------------------------------------------------

class _RunTerminal:
    """pytest's terminal under `altio-hil run`: no KeyboardInterrupt banner and traceback (the run says
    itself that it was interrupted, and what ran) and no "N passed" line (the matrix gives the run's one
    count). Registered as a plugin of that pytest session only."""

    @staticmethod
    def quiet(config) -> None:
        tr = config.pluginmanager.get_plugin("terminalreporter")
        if tr is None:
            return
        tr.summary_stats = lambda: None
        report_interrupt = getattr(tr, "_report_keyboardinterrupt", None)
        if report_interrupt is None:
            return

        def quiet_interrupt() -> None:
            memo = getattr(tr, "_keyboardinterrupt_memo", None)
            crash = getattr(memo, "reprcrash", None)
            if crash is not None and "KeyboardInterrupt" in crash.message:
                return
            report_interrupt()  # a pytest.exit() of the plugin (a refused lab) says why

        tr._report_keyboardinterrupt = quiet_interrupt

    def pytest_configure(self, config) -> None:  # trylast: after the terminal reporter is registered
        self.quiet(config)

    pytest_configure.pytest_impl = {"trylast": True}  # type: ignore[attr-defined]  # pytest.hookimpl(trylast)

    def pytest_sessionstart(self, session) -> None:  # trylast: after pytest-xdist's, which registers it
        dist = session.config.pluginmanager.get_plugin("terminaldistreporter")
        if dist is not None and hasattr(dist, "ensure_show_status"):
            dist.ensure_show_status = lambda: None  # "bringing up nodes..." twice on a pipe

    pytest_sessionstart.pytest_impl = {"trylast": True}  # type: ignore[attr-defined]


def _header(lab: Lab, target: str, monitor: str, seed: int, args: argparse.Namespace) -> str:
    parts = [f"lab {lab.name} ({show_path(lab.path)})", f"target {target}", f"monitor {show_path(monitor)}",
             f"seed {seed}"]
    if args.shard:
        parts.append(f"shard {args.shard[0]}/{args.shard[1]}")
    if args.last_failed:
        failed = _recorded_failures(args.report)
        parts.append(f"last failed only (--lf: {failed} recorded)" if failed else
                     "--lf: no failure recorded in that report directory, so all of them")
    return wrap("altio-hil: " + ", ".join(parts))


def _recorded_failures(report: str) -> int:
    """How many tests pytest's cache in the report directory records as failed last time (for --lf)."""
    try:
        path = Path(report).expanduser() / CACHE_DIR / "v" / "cache" / "lastfailed"
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return 0
    return len(data) if isinstance(data, dict) else 0


def _previous_seed(report: str) -> int | None:
    """The seed of the run whose report is in `report` (for --lf: the same scenarios, the same ids)."""
    try:
        seed = json.loads((Path(report).expanduser() / "results.json").read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError, AttributeError):
        return None
    return seed if isinstance(seed, int) and 0 <= seed <= MAX_SEED else None


def _pytest_common(args: argparse.Namespace, lab: Lab, seed: int, report: Path | None) -> list[str]:
    """What a run and its --list/--dry-run give pytest alike: the lab, the scenarios' selection, and
    pytest's cache (what --lf reads) in the report directory it belongs to."""
    suites_dir = REPO_ROOT / "suites"
    files = [str(suites_dir / SUITES[s]) for s in (args.suite or SUITES)]
    # no:warnings: pytest's warnings summary is not the run's to print (a Ctrl-C during a fixture's
    # teardown shows there as a plugin warning naming KeyboardInterrupt)
    common = [*files, "-p", "no:hypothesispytest", "-p", "no:warnings", "--assert=plain",
              "--lab", str(lab.path), "--monitor", args.monitor, "--seed", str(seed),
              "--rootdir", str(REPO_ROOT), "-c", str(REPO_ROOT / "pyproject.toml")]
    if args.target:
        common += ["--target", args.target]
    if args.allow_destructive:
        common.append("--allow-destructive")
    if args.keyword:
        common += ["-k", args.keyword]
    if args.shard:
        common += ["--altio-shard", f"{args.shard[0]}/{args.shard[1]}"]
    if args.last_failed:
        common.append("--lf")
    if report is not None:  # the project's addopts turn the cache off for its own tests
        common += ["-o", "addopts=", "-o", f"cache_dir={report / CACHE_DIR}"]
    else:
        common += ["-p", "no:cacheprovider"]
    return common


def cmd_run(args: argparse.Namespace) -> int:
    import pytest

    lab = lab_of(args)
    target = args.target or lab.inventory.target
    if target == "kvm" and lab.inventory.target != "kvm":  # before anything is written or started
        err(f"altio-hil: {lab.path} describes a {lab.inventory.target} lab;\n"
            "  the kvm target needs an inventory with `target: kvm` and its timing\n"
            "  (e.g. inventories/kvm-2node.yaml)")
        return EXIT_BAD_INPUT
    if args.plan:
        from harness.plan import render_plan

        print(render_plan(lab, target, args.monitor, args.suite or list(SUITES)))
        return EXIT_OK
    _check_keyword(args.keyword)
    seed = args.seed if args.seed is not None else (_previous_seed(args.report) if args.last_failed else None)
    if seed is None:
        seed = random.SystemRandom().randrange(1, 2**31)
    if args.list or args.dry_run:
        return _collect(args, lab, target, seed)
    if target in ("sparc", "kvm") and args.workers > 1:
        print(f"altio-hil: a {target} lab is driven by one process; -n ignored")
        args.workers = 1
    report = claim_report_dir(args.report)  # BadLabInput (exit 2): nothing started, nothing deleted

    print(_header(lab, target, args.monitor, seed, args))
    # hypothesis' pytest plugin imports hypothesis at the end of every session (over a second here):
    # the suites do not use it
    # --assert=plain: the suites' asserts carry their own messages (the scenario's problems), and
    # rewriting every module of the project costs each xdist worker more than a whole scenario
    pytest_args = [*_pytest_common(args, lab, seed, report), "-q", "--no-header", "-rN", "--tb=no",
                   "-o", "console_output_style=classic",
                   "--altio-report", str(report), "--alluredir", str(report / "allure-results")]
    if args.exitfirst:
        pytest_args.append("-x")
    pytest_args += ["-n", str(args.workers)] if args.workers > 1 else ["-p", "no:xdist"]
    os.environ["ALTIO_HIL_PROGRESS"] = "1"
    wall0 = time.perf_counter()
    with _sigterm_interrupts():
        rc = pytest.main(pytest_args, plugins=[_RunTerminal()])
    wall = time.perf_counter() - wall0

    from harness.plugin import REFUSAL, TERMINATED

    if REFUSAL:
        return int(REFUSAL["code"])  # the lab was refused before any test ran (the reason is printed above)
    results_path = report / "results.json"
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if TERMINATED or rc == pytest.ExitCode.INTERRUPTED:  # stopped before its session started
            err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
            return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
        err(f"altio-hil: the run produced no results (pytest exit {rc})")
        return EXIT_INFRA if rc not in (pytest.ExitCode.USAGE_ERROR,) else EXIT_BAD_INPUT
    outcome = results["outcome"]
    scenarios = results["scenarios"]
    clock = sum(s.get("clock_s") or 0 for s in scenarios)
    _print_verdicts(results, blank=False)  # pytest ended its output with an empty line
    print(f"outcome: {outcome} ({wall:.1f} s wall, {clock:.0f} s on the lab's clock)")
    interrupted = outcome == "interrupted"
    if interrupted:
        why = "terminated (SIGTERM)" if TERMINATED else "interrupted (Ctrl-C)"
        err(f"altio-hil: {why} after {len(scenarios)} scenario(s);\n"
            "  injected faults were healed; the matrix above is what ran\n"
            "  (results.json says outcome \"interrupted\")")
    agent = results.get("agent")
    if agent:  # the build installed on the lab, identified by checksums
        print(wrap(f"agent on the lab: {agent['monitor']} (sha256 of its files recorded in results.json)"))
    run_info = {"lab": lab.name, "target": target, "monitor": args.monitor, "seed": seed,
                "wall_s": round(wall, 2), "clock_s": round(clock, 1), "workers": args.workers,
                "outcome": outcome, "harness_errors": results.get("harness_errors", []),
                "inventory": str(lab.path), "python": sys.version.split()[0], "altio-hil": altio_hil_version()}
    if args.shard:
        run_info["shard"] = f"{args.shard[0]}/{args.shard[1]}"
    # after Ctrl-C the reader wants the prompt back: junit.xml and summary.html, no HTML rendering
    published = _publish(report, results, run_info, html=not (args.no_html or interrupted),
                         title=f"altio-hil: {lab.name} ({target}, {show_path(args.monitor)})")
    if interrupted:
        return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
    code = _outcome_code(outcome)
    return EXIT_INFRA if code == EXIT_OK and not published else code


def _check_keyword(expr: str | None) -> None:
    """A -k expression pytest would refuse is bad input (exit 2) before anything starts."""
    if expr is None:
        return
    try:
        from _pytest.mark.expression import Expression
    except ImportError:  # another pytest: it says so itself
        return
    try:
        Expression.compile(expr)
    except SyntaxError as exc:
        raise BadLabInput(said(f"-k {expr!r} is not a pytest -k expression: {exc.msg}")) from None


def _outcome_code(outcome: str) -> int:
    return {"passed": EXIT_OK, "failed": EXIT_FAIL}.get(outcome, EXIT_INFRA)


def _print_verdicts(results: dict, blank: bool = True) -> None:
    """The failures (why each scenario failed), then the matrix with the run's one count: stdout."""
    from harness import report as reporting
    from harness.report.terminal import render_failures

    scenarios = results.get("scenarios") or []
    not_run = results.get("not_run") or []
    failures = render_failures(scenarios, results.get("harness_errors") or [], width=WIDTH, not_run=not_run)
    if blank:
        print()
    if failures:
        sys.stdout.write(failures.rstrip("\n") + "\n\n")
    sys.stdout.write(reporting.render_matrix_text(reporting.matrix(scenarios, not_run=not_run), width=WIDTH).rstrip("\n") + "\n")
    sys.stdout.flush()


def _publish(report: Path, results: dict, run_info: dict, html: bool, title: str) -> bool:
    """junit.xml, the Allure environment, summary.html and the HTML report from results.json; print
    where each is. False when something could not be written (said on stderr)."""
    from harness.report import ReportError
    from harness.report.publish import publish

    try:
        done = publish(report, results, run_info, html=html, title=title)
    except (ReportError, OSError) as exc:
        err(wrap(f"altio-hil: the report could not be written: {exc}"))
        print(f"results: {report / 'results.json'}")
        return False
    if getattr(done, "html_error", None):
        err(wrap(f"altio-hil: HTML report not written: {done.html_error}"))
    print(f"results: {done.results}")
    print(f"junit:   {done.junit}")
    print(f"summary: {done.summary}")
    if done.html is not None:
        print(f"report:  {done.html}")
    return True


def _collect(args: argparse.Namespace, lab: Lab, target: str, seed: int) -> int:
    """`run --list` / `run --dry-run`: pytest collects (the plugin writes what it would run: --altio-collect)
    and nothing runs; nothing is written but a temporary file."""
    import tempfile

    import pytest

    report = None
    if args.last_failed:  # the cache of the report directory, read only
        if not args.report.strip() or "\0" in args.report:
            raise BadLabInput(said("--report must name the report directory of the run whose failures --lf "
                                   "re-runs"))
        report = Path(args.report).expanduser().resolve()
    with tempfile.TemporaryDirectory(prefix="altio-hil-collect-") as tmp:
        out = Path(tmp) / "scenarios.json"
        pytest_args = [*_pytest_common(args, lab, seed, report), "--collect-only", "-p", "no:terminal", "-p", "no:xdist",
                       "--altio-collect", str(out)]
        rc = pytest.main(pytest_args)
        try:
            scenarios = json.loads(out.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            scenarios = None
    if rc == pytest.ExitCode.USAGE_ERROR:
        return EXIT_BAD_INPUT  # pytest said why (a bad -k expression, ...)
    if not isinstance(scenarios, list):
        err(f"altio-hil: the suites could not be collected (pytest exit {int(rc)})")
        return EXIT_INFRA
    print(_header(lab, target, args.monitor, seed, args))
    text = _render_plan(scenarios) if args.dry_run else _render_list(scenarios)
    sys.stdout.write(text)
    n = len(scenarios)
    print(wrap(f"{n} scenario{'s' if n != 1 else ''} would run; nothing was run "
               f"(`altio-hil run --seed {seed}` with the same options runs them)"))
    return EXIT_OK


def _render_list(scenarios: list[dict]) -> str:
    lines: list[str] = []
    suite = None
    for sc in scenarios:
        if sc.get("suite") != suite:
            suite = sc.get("suite")
            count = sum(1 for x in scenarios if x.get("suite") == suite)
            lines.append(f"{suite}: {count} scenario{'s' if count != 1 else ''}")
        lines.append(f"  {sc.get('id')}")
    return "".join(line + "\n" for line in lines)


def _render_plan(scenarios: list[dict]) -> str:
    import textwrap

    lines: list[str] = []
    for sc in scenarios:
        row = f", row {sc['row']}" if sc.get("row") else ""
        head = f"{sc.get('id')}  ({sc.get('suite')}{row})"
        lines += [head] if len(head) <= WIDTH else [str(sc.get("id")), f"  ({sc.get('suite')}{row})"]
        faults = ", ".join(f"{f.get('kind')} {f.get('where')}" for f in sc.get("faults") or []) or "no fault"
        lines += textwrap.wrap(faults, WIDTH, initial_indent=f"  {sc.get('action') or 'inject'}: ".ljust(10),
                               subsequent_indent=" " * 10, break_long_words=False, break_on_hyphens=False)
        lines += textwrap.wrap(str(sc.get("plan") or ""), WIDTH, initial_indent="  then:   ",
                               subsequent_indent=" " * 10, break_long_words=False, break_on_hyphens=False)
    return "".join(line + "\n" for line in lines)


@contextlib.contextmanager
def _sigterm_interrupts():
    """SIGTERM (a cancelled CI job) stops the run as Ctrl-C does: the fixtures' teardown heals what was
    injected. Further SIGTERMs are ignored so that the heal finishes."""
    from harness.plugin import TERMINATED

    TERMINATED.clear()

    def on_sigterm(signum, frame):
        if TERMINATED:
            return
        TERMINATED.append(signum)
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, on_sigterm)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


# -- mutants ---------------------------------------------------------------------------------------------

def cmd_mutants(args: argparse.Namespace) -> int:
    from harness import mutants

    if args.list:
        print(mutants.render_list())
        return EXIT_OK
    names = mutants.select(args.only)  # BadLabInput (exit 2) names the mutants
    lab = lab_of(args)
    jobs = args.jobs
    if lab.inventory.target in ("sparc", "kvm") and jobs > 1:  # one lab, driven by one run at a time
        print(f"altio-hil: a {lab.inventory.target} lab is driven by one run at a time; --jobs {jobs} ignored")
        jobs = 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    mutants.check_report_dir(args.report, REPORT_MARK)
    report = claim_report_dir(args.report)  # the same refusals as `run` (exit 2)
    mutants.clear_stale(report, REPORT_MARK)
    return mutants.run_mutants(lab.name, lab.path, report, names, seed, workers=args.workers, jobs=jobs)


# -- report ----------------------------------------------------------------------------------------------

def cmd_report(args: argparse.Namespace) -> int:
    """`report merge DIR... --out DIR`: the runs (or shards) joined into one report; exit code from the
    merged outcome as for `run` (an interrupted part leaves the whole unfinished: 3)."""
    from harness.report import ReportError
    from harness.report.merge import merge_reports

    sources = [Path(d).expanduser() for d in args.sources]
    out = Path(args.out).expanduser()
    if not args.out.strip() or "\0" in args.out or any("\0" in d for d in args.sources):
        raise BadLabInput(said("report merge: give report directories and --out DIR (no empty name, no NUL "
                               "byte)"))
    try:
        merged = merge_reports(sources, out)
    except ReportError as exc:
        err(wrap(f"altio-hil report merge: {exc}"))
        return EXIT_BAD_INPUT
    outcome = str(merged.get("outcome"))
    scenarios = merged.get("scenarios") or []
    what = ", ".join(f"{k} {merged[k]}" for k in ("lab", "target", "monitor", "seed") if merged.get(k) is not None)
    print(wrap(f"altio-hil report merge: {len(sources)} report(s) into {show_path(out)}" + (f"; {what}" if what
                                                                                            else "")))
    _print_verdicts(merged)
    print(f"outcome: {outcome}")
    run_info = {k: merged.get(k) for k in ("lab", "target", "monitor", "seed")}
    run_info.update(outcome=outcome, harness_errors=merged.get("harness_errors", []),
                    clock_s=round(sum(s.get("clock_s") or 0 for s in scenarios), 1))
    published = _publish(out.resolve(), merged, run_info, html=not args.no_html,
                         title=f"altio-hil: {merged.get('lab') or 'merged'} ({len(sources)} reports merged)")
    code = _outcome_code(outcome)
    return EXIT_INFRA if code == EXIT_OK and not published else code
