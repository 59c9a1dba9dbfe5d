"""The `altio-hil` command.

    altio-hil run [--lab INVENTORY] [--target sim|kvm|sparc] [--monitor NAME|DIR]
                  [-n N] [--seed S] [--report DIR] [--suite NAME ...] [-k EXPR]
    altio-hil mutants [--lab INVENTORY] [--report DIR] [--only NAME ...] [--list]
    altio-hil agent install|verify --lab INVENTORY [--monitor NAME|DIR]
    altio-hil inventory check FILE
    altio-hil heal [--lab INVENTORY]
    altio-hil lab up|down|status [--lab INVENTORY]
    altio-hil lab shell --system NAME [--lab INVENTORY]
    altio-hil lab exec --system NAME [--lab INVENTORY] -- COMMAND [ARGS...]
    altio-hil lab fault KIND --where SYSTEM[:OBJECT] [--lab INVENTORY]
    altio-hil lab heal (--all | KIND --where SYSTEM[:OBJECT]) [--lab INVENTORY]

Exit codes (DESIGN.md): 0 every scenario passed, 1 a scenario failed, 2 bad input (nothing was
injected), 3 infrastructure or harness error (lab unreachable, baseline not reached, a test that broke
for a reason of the harness's own), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM); faults are
healed before either. results.json's `outcome` says the same.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import shutil
import signal
import sys
import threading
import time
from pathlib import Path


def _exit_quietly(signum, frame):  # Ctrl-C while the command starts: nothing is done yet to undo
    os._exit(128 + signum)


try:  # only the main thread may set handlers; a library import from elsewhere keeps pytest's
    _previous_sigint = signal.signal(signal.SIGINT, _exit_quietly)
except ValueError:
    _previous_sigint = None

from harness.faults import FAULT_KINDS, Fault, FaultSpecError  # noqa: E402
from harness.inventory import DEFAULT_INVENTORY, REPO_ROOT, InventoryError, Lab, load_inventory  # noqa: E402
from harness.monitor_arg import MONITOR_HELP, parse_monitor  # noqa: E402
from harness.targets.base import BadLabInput, InfrastructureError  # noqa: E402

if _previous_sigint is not None:
    signal.signal(signal.SIGINT, _previous_sigint)

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INFRA = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM (as a shell reports them)
SUITES = {
    "matrix": "test_failover_matrix.py",
    "combo": "test_combined_faults.py",
    "nemesis": "test_nemesis.py",
    "contract": "test_entry_points.py",
}


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; keep its message but name the command."""


MAX_WORKERS = 64
MAX_SEED = 2**63 - 1


def _bounded_int(option: str, low: int, high: int):
    """An argparse type: an integer in [low, high] (argparse turns the ValueError into exit 2)."""

    def parse(text: str) -> int:
        try:
            value = int(text, 10) if len(text) <= 20 else None
        except ValueError:
            value = None
        if value is None or not low <= value <= high:
            raise argparse.ArgumentTypeError(f"{option} takes an integer from {low} to {high}, not '{text[:40]}'")
        return value

    return parse


def _lab_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--lab", default=str(DEFAULT_INVENTORY), help="lab inventory (default: %(default)s)")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="altio-hil", description="AlternateIO hardware-in-the-loop harness")
    sub = parser.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="run the fault-injection suites against a lab and write a report")
    _lab_arg(run)
    run.add_argument("--target", choices=("sim", "kvm", "sparc"), help="override the inventory's target")
    run.add_argument("--monitor", default="alternateio", type=parse_monitor, help=MONITOR_HELP)
    run.add_argument("-n", dest="workers", type=_bounded_int("-n", 1, MAX_WORKERS), default=1,
                     help=f"parallel workers (pytest-xdist), 1 to {MAX_WORKERS}")
    run.add_argument("--seed", type=_bounded_int("--seed", 0, MAX_SEED), default=None,
                     help="seed of the randomized schedule, 0 to 2**63-1 (default: random)")
    run.add_argument("--report", default=str(REPO_ROOT / "reports" / "latest"), help="report directory")
    run.add_argument("--suite", action="append", choices=sorted(SUITES), help="run only these suites")
    run.add_argument("--no-html", action="store_true", help="skip rendering the Allure HTML report")
    run.add_argument("-k", dest="keyword", metavar="EXPR",
                     help="only the scenarios whose id matches this pytest -k expression, e.g. 'S2 and node1'")
    run.add_argument("--allow-destructive", action="store_true",
                     help="on a real lab, allow domain kills and power-offs (the inventory must allow them too)")
    run.add_argument("--plan", action="store_true",
                     help="print every command the run would send, to which host, and send none")

    mut = sub.add_parser(
        "mutants", help="run the suites against every wrong agent (agents/mutants.py): which scenarios kill which",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Run the suites with the correct agent first (the control, --monitor alternateio), then once\n"
                    "per mutant (--list), all on the same lab with the same seed, each as its own `altio-hil run`\n"
                    "(REPORT/runs/NAME). A mutant is killed when its run fails on a scenario or a contract test;\n"
                    "when the control does not pass, no mutant is run.",
        epilog="writes REPORT/mutants.json ({MUTANT: {killed, by, mistake, outcome, run}}), REPORT/control.json\n"
               "and the kill matrix REPORT/html/index.html\n\n"
               "exit codes: 0 every mutant killed (and the control passed), 1 a mutant survived or the control "
               "failed,\n2 bad input, 3 a run was a harness error (no verdict), 130 interrupted (Ctrl-C: the "
               "runs heal and stop,\nwhat finished is written)")
    _lab_arg(mut)
    mut.add_argument("--report", default=str(REPO_ROOT / "reports" / "mutants"), help="report directory "
                     "(default: %(default)s)")
    mut.add_argument("-n", dest="workers", type=_bounded_int("-n", 1, MAX_WORKERS), default=None,
                     help="parallel workers (pytest-xdist) of each run")
    mut.add_argument("--seed", type=_bounded_int("--seed", 0, MAX_SEED), default=None,
                     help="seed of every run's randomized schedule (default: random, printed)")
    mut.add_argument("--jobs", type=_bounded_int("--jobs", 1, MAX_WORKERS), default=2,
                     help="runs at once (default: %(default)s; 1 on a kvm or sparc lab)")
    mut.add_argument("--only", nargs="+", action="extend", metavar="NAME", help="run only these mutants")
    mut.add_argument("--list", action="store_true", help="list the mutants and their mistakes, run nothing")

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", required=True)
    check = inv_sub.add_parser("check", help="validate an inventory and its main.cf")
    check.add_argument("file")

    heal = sub.add_parser("heal", help="heal the faults a killed run left in force on a lab")
    _lab_arg(heal)
    heal.add_argument("--target", choices=("sim", "kvm", "sparc"))

    agent = sub.add_parser("agent", help="the AlternateIO agent installed on a lab's cluster (sparc)")
    agent_sub = agent.add_subparsers(dest="agent_command", required=True)
    for name, text in (("install", "put the project's script agent on every control domain"),
                       ("verify", "check the installed agent's files against a build (checksums)")):
        p = agent_sub.add_parser(name, help=text)
        _lab_arg(p)
        p.add_argument("--monitor", default="alternateio", type=parse_monitor, help=MONITOR_HELP)

    lab = sub.add_parser("lab", help="run an emulated lab as a daemon and log in to its systems")
    lab_sub = lab.add_subparsers(dest="lab_command", required=True)
    for name, text in (("up", "start the lab daemon"), ("down", "stop the lab daemon"),
                       ("status", "what runs where, the clock, the faults in force, the engine log")):
        p = lab_sub.add_parser(name, help=text)
        _lab_arg(p)
        if name == "up":
            p.add_argument("--monitor", default="alternateio", type=parse_monitor, help=MONITOR_HELP)
    for name in ("shell", "exec", "console"):
        p = lab_sub.add_parser(name, help=f"{name} on a system of the lab" if name != "console" else
                               "the console of a kvm lab's VM (a guest or an I/O domain)")
        _lab_arg(p)
        p.add_argument("--system", required=True)
        if name == "exec":
            p.add_argument("argv", nargs=argparse.REMAINDER, help="-- COMMAND [ARGS...]")
    fault = lab_sub.add_parser("fault", help="inject a fault into the running lab")
    _lab_arg(fault)
    fault.add_argument("kind", help=f"one of: {', '.join(FAULT_KINDS)}")
    fault.add_argument("--where", required=True, help="SYSTEM or SYSTEM:OBJECT")
    lheal = lab_sub.add_parser("heal", help="heal a fault (or --all) in the running lab")
    _lab_arg(lheal)
    lheal.add_argument("kind", nargs="?")
    lheal.add_argument("--where")
    lheal.add_argument("--all", action="store_true")
    return parser


def _load(path: str) -> Lab:
    return load_inventory(path)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


# -- run ---------------------------------------------------------------------------------------------------

def cmd_run(args: argparse.Namespace) -> int:
    import pytest

    from harness import report as reporting

    lab = _load(args.lab)
    target = args.target or lab.inventory.target
    if target == "kvm" and lab.inventory.target != "kvm":  # before anything is written or started
        _err(f"altio-hil: {lab.path} describes a {lab.inventory.target} lab; the kvm target needs an inventory "
             "with `target: kvm` and its timing (e.g. inventories/kvm-2node.yaml)")
        return EXIT_BAD_INPUT
    if args.plan:
        from harness.plan import render_plan

        print(render_plan(lab, target, args.monitor, args.suite or list(SUITES)))
        return EXIT_OK
    if target in ("sparc", "kvm") and args.workers > 1:
        print(f"altio-hil: a {target} lab is driven by one process; -n ignored")
        args.workers = 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    report = claim_report_dir(args.report)  # BadLabInput (exit 2): nothing started, nothing deleted
    suites_dir = REPO_ROOT / "suites"
    files = [str(suites_dir / SUITES[s]) for s in (args.suite or SUITES)]

    print(f"altio-hil: lab {lab.name} ({lab.path}), target {target}, monitor {args.monitor}, seed {seed}")
    # hypothesis' pytest plugin imports hypothesis at the end of every session (over a second here):
    # the suites do not use it
    # --assert=plain: the suites' asserts carry their own messages (the scenario's problems), and
    # rewriting every module of the project costs each xdist worker more than a whole scenario
    pytest_args = [*files, "-p", "no:cacheprovider", "--assert=plain", "-p", "no:hypothesispytest", "-q",
                   "--no-header", "-rN",
                   "--tb=no",
                   "--lab", str(lab.path), "--monitor", args.monitor, "--seed", str(seed),
                   "--altio-report", str(report), "--alluredir", str(report / "allure-results"),
                   "--junitxml", str(report / "junit.xml"), "-o", "junit_family=xunit2",
                   "--rootdir", str(REPO_ROOT), "-c", str(REPO_ROOT / "pyproject.toml")]
    if args.target:
        pytest_args += ["--target", args.target]
    if args.allow_destructive:
        pytest_args.append("--allow-destructive")
    if args.keyword:
        pytest_args += ["-k", args.keyword]
    pytest_args += ["-n", str(args.workers)] if args.workers > 1 else ["-p", "no:xdist"]
    os.environ["ALTIO_HIL_PROGRESS"] = "1"
    wall0 = time.perf_counter()
    with _sigterm_interrupts():
        rc = pytest.main(pytest_args)
    wall = time.perf_counter() - wall0

    from harness.plugin import REFUSAL, TERMINATED

    if REFUSAL:
        return int(REFUSAL["code"])  # the lab was refused before any test ran (the reason is printed above)
    results_path = report / "results.json"
    try:
        results = json.loads(results_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        if TERMINATED or rc == pytest.ExitCode.INTERRUPTED:  # stopped before its session started
            _err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
            return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
        _err(f"altio-hil: the run produced no results (pytest exit {rc})")
        return EXIT_INFRA if rc not in (pytest.ExitCode.USAGE_ERROR,) else EXIT_BAD_INPUT
    outcome = results["outcome"]
    scenarios = results["scenarios"]
    matrix = reporting.matrix(scenarios)
    print()
    print(reporting.render_matrix_text(matrix))
    if outcome == "interrupted":
        why = "terminated (SIGTERM)" if TERMINATED else "interrupted"
        _err(f"altio-hil: {why} after {len(scenarios)} scenario(s); injected faults were healed; "
             f"results.json says outcome \"interrupted\": {results_path}")
        return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
    for e in results.get("harness_errors", []):
        _err(f"altio-hil: harness error (not a verdict on the monitor) in {e['test']}: {e['error']}")
    clock = sum(s["clock_s"] for s in scenarios)
    print(f"{len(scenarios)} scenarios, {sum(s['verdict'] == 'pass' for s in scenarios)} passed, "
          f"{sum(s['verdict'] == 'fail' for s in scenarios)} failed, "
          f"{sum(s['verdict'] == 'error' for s in scenarios)} errors; "
          f"{wall:.1f} s wall, {clock:.0f} s on the lab's clock")
    print(f"outcome: {outcome}")
    run_info = {"lab": lab.name, "target": target, "monitor": args.monitor, "seed": seed,
                "wall_s": round(wall, 2), "clock_s": round(clock, 1), "workers": args.workers,
                "outcome": outcome, "harness_errors": results.get("harness_errors", [])}
    environment = {"lab": lab.name, "inventory": str(lab.path), "target": target, "monitor": args.monitor,
                   "seed": str(seed), "outcome": outcome, "python": sys.version.split()[0], "altio-hil": _version()}
    agent = results.get("agent")
    if agent:  # the build installed on the lab, identified by checksums
        print(f"agent on the lab: {agent['monitor']} (sha256 of its files recorded in results.json)")
        environment["installed agent"] = agent["monitor"]
        for system, files in sorted(agent["files"].items()):
            environment[f"agent monitor sha256 @{system}"] = files.get("monitor") or "missing"
    reporting.write_allure_environment(report / "allure-results", environment)
    summary = reporting.render_matrix_html(matrix, run_info, scenarios, link_base=report / "html")
    (report / "summary.html").write_text(summary)
    if not args.no_html:
        try:
            index = reporting.generate_html(report / "allure-results", report / "html", summary,
                                            f"altio-hil: {lab.name} ({target}, {args.monitor})")
            print(f"report: {index}")
        except reporting.ReportError as exc:
            _err(f"altio-hil: HTML report not written: {exc}")
            print(f"summary: {report / 'summary.html'}")
    print(f"results: {results_path}")

    return {"passed": EXIT_OK, "failed": EXIT_FAIL}.get(outcome, EXIT_INFRA)


REPORT_MARK = ".altio-hil-report"  # a directory `run` wrote: its stale outputs may be replaced
_REPORT_OUTPUTS = ("allure-results", "html", "timelines", "results.json", "junit.xml", "summary.html")
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
    clashes = [n for n in _REPORT_OUTPUTS if (report / n).exists()]
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


def _version() -> str:
    try:
        from importlib.metadata import version

        return version("altio-hil")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "source"


# -- mutants ---------------------------------------------------------------------------------------------

def cmd_mutants(args: argparse.Namespace) -> int:
    from harness import mutants

    if args.list:
        print(mutants.render_list())
        return EXIT_OK
    names = mutants.select(args.only)  # BadLabInput (exit 2) names the mutants
    lab = _load(args.lab)
    jobs = args.jobs
    if lab.inventory.target in ("sparc", "kvm") and jobs > 1:  # one lab, driven by one run at a time
        print(f"altio-hil: a {lab.inventory.target} lab is driven by one run at a time; --jobs {jobs} ignored")
        jobs = 1
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(1, 2**31)
    mutants.check_report_dir(args.report, REPORT_MARK)
    report = claim_report_dir(args.report)  # the same refusals as `run` (exit 2)
    mutants.clear_stale(report, REPORT_MARK)
    return mutants.run_mutants(lab.name, lab.path, report, names, seed, workers=args.workers, jobs=jobs)


# -- inventory, heal -------------------------------------------------------------------------------------

def cmd_inventory(args: argparse.Namespace) -> int:
    lab = _load(args.file)
    print(f"{args.file}: ok (lab {lab.name}, target {lab.inventory.target}, {len(lab.nodes)} nodes, "
          f"{len(lab.config.systems)} systems, {len(lab.config.groups)} service groups)")
    return EXIT_OK


def cmd_heal(args: argparse.Namespace) -> int:
    from harness.faults import FaultLedger
    from harness.lab_daemon import LabDaemon, LabDown
    from harness.targets import heal_leftovers

    lab = _load(args.lab)
    kind = args.target or lab.inventory.target
    if kind == "sparc":
        return _heal_sparc(lab)
    healed = heal_leftovers(lab, kind, FaultLedger.for_lab(lab.name, kind))
    daemon = LabDaemon(lab)
    recorded = daemon.ledger.entries()
    if recorded:
        try:
            reply = daemon.heal(None)
        except LabDown:
            for f in recorded:
                daemon.ledger.drop(f)
            print(f"lab {lab.name} is down: its faults went with it; ledger cleared")
        else:
            if reply.get("rc") != 0:
                _err(f"altio-hil: the running lab {lab.name} could not heal: {reply.get('err', '').strip()}")
                return EXIT_INFRA
            print(f"healed the faults in force on the running lab {lab.name}")
            healed += recorded
    for f in healed:
        print(f"healed {f}")
    if not healed:
        print(f"nothing to heal on {lab.name}")
    return EXIT_OK


def _heal_sparc(lab: Lab) -> int:
    from harness.targets import heal_leftovers

    healed = heal_leftovers(lab, "sparc")  # BadLabInput / InfrastructureError: exit 2 / 3 (main)
    for f in healed:
        print(f"healed {f}")
    if not healed:
        print(f"nothing to heal on {lab.name}")
    return EXIT_OK


# -- agent -------------------------------------------------------------------------------------------------

def cmd_agent(args: argparse.Namespace) -> int:
    from harness.agent_install import install, verify

    lab = _load(args.lab)
    if lab.inventory.target != "sparc":
        _err(f"altio-hil agent: {lab.path} is a {lab.inventory.target} lab; the agent is installed on sparc labs "
             "(sim labs run the monitor named by --monitor)")
        return EXIT_BAD_INPUT
    if args.agent_command == "install":
        print(install(lab, args.monitor))
        return EXIT_OK
    ok, text = verify(lab, args.monitor)
    print(text)
    return EXIT_OK if ok else EXIT_FAIL


# -- lab -------------------------------------------------------------------------------------------------

def cmd_lab(args: argparse.Namespace) -> int:
    from harness.lab_daemon import LabDaemon, LabDown

    lab = _load(args.lab)
    if lab.inventory.target == "sparc" and args.lab_command in ("fault", "heal"):
        return _lab_fault_sparc(lab, args)
    daemon = LabDaemon(lab)
    try:
        if args.lab_command == "up":
            print(daemon.up(monitor=args.monitor))
            return EXIT_OK
        if args.lab_command == "down":
            print(daemon.down())
            return EXIT_OK
        if args.lab_command == "status":
            sys.stdout.write(daemon.status_text(daemon.status()))
            return EXIT_OK
        if args.lab_command == "shell":
            _check_system(lab, args.system)
            return daemon.shell(args.system)
        if args.lab_command == "console":
            if lab.inventory.target != "kvm":
                _err(f"altio-hil lab console: {lab.path} is a {lab.inventory.target} lab; consoles of VMs are a kvm "
                     "lab's (an emulated sparc lab's consoles are reached over SSH, see the README)")
                return EXIT_BAD_INPUT
            return daemon.console(args.system)
        if args.lab_command == "exec":
            argv = args.argv[1:] if args.argv and args.argv[0] == "--" else args.argv
            if not argv:
                _err("altio-hil lab exec: give a command after --")
                return EXIT_BAD_INPUT
            _check_system(lab, args.system)
            return daemon.exec(args.system, argv)
        if args.lab_command == "fault":
            reply = daemon.fault(Fault(args.kind, args.where))
        else:
            if args.all:
                reply = daemon.heal(None)
            elif args.kind and args.where:
                reply = daemon.heal(Fault(args.kind, args.where))
            else:
                _err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
                return EXIT_BAD_INPUT
        sys.stdout.write(reply.get("out", ""))
        sys.stderr.write(reply.get("err", ""))
        return EXIT_OK if reply.get("rc") == 0 else EXIT_BAD_INPUT
    except LabDown as exc:
        _err(str(exc))
        return EXIT_INFRA


def _lab_fault_sparc(lab: Lab, args: argparse.Namespace) -> int:
    """`lab fault|heal` on a lab reached by commands: through the sparc target, the lab's lease and
    ledger (a fault left in force is healed by `lab heal`, `altio-hil heal` or the next run)."""
    from harness.targets.sparc import SparcTarget

    if args.lab_command == "heal" and not args.all and not (args.kind and args.where):
        _err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
        return EXIT_BAD_INPUT
    fault = Fault(args.kind, args.where) if args.kind else None
    target = SparcTarget.open(lab, "alternateio", 0, apply_timing=False, check_monitor=False, heal_leftovers=False)
    try:
        if args.lab_command == "fault":
            if fault.destructive and not (lab.inventory.sparc and lab.inventory.sparc.destructive):
                raise BadLabInput(f"{fault} is destructive and {lab.path} does not allow it (sparc.destructive)")
            target.inject(fault)
            print(f"injected {fault} (recorded in the lab's ledger; heal with `altio-hil lab heal`)")
        else:
            for healed in target.heal_recorded(None if args.all else fault):
                print(f"healed {healed}")
    finally:
        target.release()
    return EXIT_OK


class _BadSystem(Exception):
    pass


def _check_system(lab: Lab, system: str) -> None:
    if system not in lab.config.systems:
        raise _BadSystem(f"no system '{system}' in lab {lab.name}; systems: {', '.join(lab.config.systems)}")


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C stops a run and heals (exit 130): make sure it reaches us even when we were started with
    # SIGINT ignored (the background of a shell without job control, as CI steps often are)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "mutants":
            return cmd_mutants(args)
        if args.command == "inventory":
            return cmd_inventory(args)
        if args.command == "heal":
            return cmd_heal(args)
        if args.command == "agent":
            return cmd_agent(args)
        return cmd_lab(args)
    except InventoryError as exc:
        _err(str(exc))
        return EXIT_BAD_INPUT
    except (FaultSpecError, _BadSystem, BadLabInput) as exc:
        _err(f"altio-hil: {exc}")
        return EXIT_BAD_INPUT
    except InfrastructureError as exc:
        _err(f"altio-hil: infrastructure error: {exc}")
        return EXIT_INFRA
    except KeyboardInterrupt:
        from harness.plugin import TERMINATED

        _err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
        return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
