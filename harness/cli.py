"""The `altio-hil` command.

    altio-hil run [--lab INVENTORY] [--target sim|kvm|sparc] [--monitor NAME|DIR] [-n N] [--seed S]
                  [--report DIR] [--suite NAME ...] [--no-html] [-k EXPR] [-x] [--lf] [--shard K/N]
                  [--allow-destructive] [--list | --dry-run | --plan]
    altio-hil report merge DIR... --out DIR [--no-html]
    altio-hil mutants [--lab INVENTORY] [--report DIR] [--only NAME ...] [--list]
    altio-hil agent install|verify --lab INVENTORY [--monitor NAME|DIR]
    altio-hil inventory check FILE
    altio-hil heal [--lab INVENTORY] [--target sim|kvm|sparc]
    altio-hil lab up|down|status|reset [--lab INVENTORY]
    altio-hil lab ls
    altio-hil lab shell --system NAME [--lab INVENTORY]
    altio-hil lab exec --system NAME [--lab INVENTORY] -- COMMAND [ARGS...]
    altio-hil lab fault KIND --where SYSTEM[:OBJECT] [--lab INVENTORY]
    altio-hil lab heal (--all | KIND --where SYSTEM[:OBJECT]) [--lab INVENTORY]

`--lab` defaults to the inventory named by $ALTIO_HIL_LAB, else (lab commands) the running lab that
has the --system asked for, else inventories/sim-2node.yaml.

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
from harness.monitor_arg import parse_monitor  # noqa: E402
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
LAB_ENV = "ALTIO_HIL_LAB"  # the lab of every command whose --lab is not given (as labgrid's LG_ENV)
WIDTH = 80  # what every command prints fits a terminal of 80 columns
CACHE_DIR = ".pytest_cache"  # in the report directory: pytest's cache, for `run --lf`
MAX_WORKERS = 64
MAX_SEED = 2**63 - 1
MAX_SHARDS = 10_000

RUN_EXIT_CODES = """\
exit codes (results.json's "outcome" says the same):
  0    passed: every scenario passed
  1    failed: a scenario (or a contract test) failed, a verdict on the monitor
  2    bad input: nothing was started, injected or deleted
  3    error: the lab or the harness failed (no verdict; see harness_errors)
  130  interrupted (Ctrl-C): the faults in force were healed first, and what
       ran is printed and written (partial matrix, results.json)
  143  terminated (SIGTERM, e.g. a cancelled CI job): the same as 130"""


class _Help(argparse.HelpFormatter):
    """argparse's help, never wider than 80 columns, words (option names, paths) never cut; a
    description or epilog of several lines is printed as written, one of one line is filled."""

    def __init__(self, prog: str, indent_increment: int = 2, max_help_position: int = 24,
                 width: int | None = None) -> None:
        columns = width or shutil.get_terminal_size((WIDTH, 24)).columns
        super().__init__(prog, indent_increment, max_help_position, min(columns, WIDTH) - 2)

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False) or [""]

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        if "\n" in text:
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return textwrap.fill(" ".join(text.split()), width, initial_indent=indent, subsequent_indent=indent,
                             break_on_hyphens=False)


class _Parser(argparse.ArgumentParser):
    """argparse exits 2 on bad usage already; keep its message, but say which subcommands there are
    rather than the name of the attribute they are stored in."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("formatter_class", _Help)
        super().__init__(*args, **kwargs)

    def error(self, message: str) -> None:  # type: ignore[override]
        for action in self._actions:
            if isinstance(action, argparse._SubParsersAction) and message.endswith(
                    f"the following arguments are required: {action.metavar}"):
                word = "command" if action.metavar == "COMMAND" else "subcommand"
                self.print_usage(sys.stderr)
                self.exit(2, _wrap(f"{self.prog}: error: give a {word}: {', '.join(action.choices)}") + "\n")
        super().error(message)


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


def _shard(text: str) -> tuple[int, int]:
    """`K/N` with 1 <= K <= N: the K-th of N shares of the scenarios (argparse: exit 2 otherwise)."""
    k, sep, n = text.strip().partition("/")
    try:
        kn = (int(k, 10), int(n, 10)) if sep and len(text) <= 20 else None
    except ValueError:
        kn = None
    if kn is None or not 1 <= kn[0] <= kn[1] <= MAX_SHARDS:
        raise argparse.ArgumentTypeError(f"K/N, 1 <= K <= N (e.g. 2/4), not '{text[:12]}'")
    return kn


def _monitor_help(default: bool = True) -> str:
    from agents.alternateio import known_monitors

    names = [n for n in known_monitors() if n not in ("alternateio", "legacy-primary-only")]
    return ("NAME: a built-in monitor: alternateio (the AlternateIO agent), legacy-primary-only (the "
            "primary-only monitor the patent replaces: the suites must catch it) or a mutant of "
            f"`altio-hil mutants --list` ({', '.join(names)}); DIR: a directory holding a VCS script "
            "agent (executables monitor, online, offline, clean), e.g. agents/AlternateIO"
            + (" (default: %(default)s)" if default else ""))


def _lab_arg(p: argparse.ArgumentParser, running: bool = False) -> None:
    found = (", else the running lab that has the --system (or --where) asked for, or the only one running"
             if running else "")
    p.add_argument("--lab", metavar="INVENTORY", default=None,
                   help=f"the lab's inventory (default: ${LAB_ENV}{found}, else "
                        f"{_show_path(DEFAULT_INVENTORY)})")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="altio-hil", description="AlternateIO hardware-in-the-loop harness: fault-injection "
                     "suites that certify the AlternateIO monitor of Oracle VM Server for SPARC guests.",
                     epilog=f"environment: {LAB_ENV}=INVENTORY is the default --lab of every command.\n"
                            "`altio-hil COMMAND --help` says more; `altio-hil run --help` lists the exit\n"
                            "codes.")
    parser.add_argument("--version", action="version", version=f"altio-hil {_version()}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", title="commands", required=True)

    run = sub.add_parser(
        "run", help="run the fault-injection suites against a lab and write a report",
        description="Run the suites (failover matrix, combined faults, randomized schedule, entry-point "
                    "contract) against a lab and write REPORT/results.json, junit.xml, summary.html and the "
                    "HTML report REPORT/html/index.html; print why each failed scenario failed, then the "
                    "verdict matrix with the run's count.",
        epilog=RUN_EXIT_CODES)
    _lab_arg(run)
    run.add_argument("--target", choices=("sim", "kvm", "sparc"), help="override the inventory's target")
    run.add_argument("--monitor", metavar="NAME|DIR", default="alternateio", type=parse_monitor,
                     help="the monitor under test. " + _monitor_help())
    run.add_argument("-n", dest="workers", metavar="N", type=_bounded_int("-n", 1, MAX_WORKERS), default=1,
                     help=f"parallel workers (pytest-xdist), 1 to {MAX_WORKERS} (default: 1)")
    run.add_argument("--seed", metavar="S", type=_bounded_int("--seed", 0, MAX_SEED), default=None,
                     help="seed of the randomized schedule, 0 to 2**63-1 (default: random, printed; with "
                          "--lf the last run's)")
    run.add_argument("--report", metavar="DIR", default=_show_path(REPO_ROOT / "reports" / "latest"),
                     help="report directory (default: %(default)s)")
    run.add_argument("--suite", action="append", choices=sorted(SUITES),
                     help="run only this suite (repeat for several; default: all)")
    run.add_argument("--no-html", action="store_true", help="skip rendering the Allure HTML report")
    run.add_argument("-k", dest="keyword", metavar="EXPR",
                     help="only the scenarios whose id matches this pytest -k expression, e.g. 'S2 and node1'")
    run.add_argument("-x", "--exitfirst", dest="exitfirst", action="store_true",
                     help="stop after the first scenario that fails (pytest's -x)")
    run.add_argument("--lf", "--last-failed", dest="last_failed", action="store_true",
                     help="re-run only the scenarios that failed in the last run into the same --report "
                          "directory (pytest's --lf; all of them when none failed)")
    run.add_argument("--shard", metavar="K/N", type=_shard, default=None,
                     help="run the K-th of N shares of the scenarios (1 <= K <= N), the same split for the "
                          "same seed; `altio-hil report merge` joins the shards' reports")
    run.add_argument("--allow-destructive", action="store_true",
                     help="on a real lab, allow domain kills and power-offs (the inventory must allow them too)")
    what = run.add_mutually_exclusive_group()
    what.add_argument("--list", action="store_true",
                      help="print the scenarios that would run (after -k, --suite, --shard, --lf) and run nothing")
    what.add_argument("--dry-run", action="store_true",
                      help="print the fault plan: each scenario, the faults it would inject and what the oracle "
                           "expects; run nothing")
    what.add_argument("--plan", action="store_true",
                      help="print every command the run would send, to which host, and send none")

    rep = sub.add_parser("report", help="work on report directories (merge runs and shards)")
    rep_sub = rep.add_subparsers(dest="report_command", metavar="SUBCOMMAND", title="subcommands", required=True)
    merge = rep_sub.add_parser(
        "merge", help="join report directories into one report and one matrix",
        description="Join the report directories of several runs (or of the shards of one run, "
                    "`run --shard K/N`) into one: results.json, junit.xml, summary.html and the HTML "
                    "report; print the failures, the matrix and where each file is.",
        epilog="exit codes: 0 the merged outcome passed, 1 failed, 2 bad input (a source is\n"
               "not a report: nothing is written), 3 error or interrupted")
    merge.add_argument("sources", metavar="DIR", nargs="+", help="a report directory written by `altio-hil run`")
    merge.add_argument("--out", metavar="DIR", required=True, help="where the merged report goes")
    merge.add_argument("--no-html", action="store_true", help="skip rendering the Allure HTML report")

    mut = sub.add_parser(
        "mutants", help="run the suites against every wrong agent (agents/mutants.py): which scenarios kill which",
        description="Run the suites with the correct agent first (the control, --monitor alternateio), "
                    "then once per mutant (--list), all on the same lab with the same seed, each as its "
                    "own `altio-hil run` (REPORT/runs/NAME). A mutant is killed when its run fails on a "
                    "scenario or a contract test; when the control does not pass, no mutant is run.",
        epilog="writes REPORT/mutants.json ({MUTANT: {killed, by, mistake, outcome, run}}),\n"
               "REPORT/control.json and the kill matrix REPORT/html/index.html\n\n"
               "exit codes: 0 every mutant killed (and the control passed), 1 a mutant survived\n"
               "or the control failed, 2 bad input, 3 a run was a harness error (no verdict),\n"
               "130 interrupted (Ctrl-C: the runs heal and stop, what finished is written)")
    _lab_arg(mut)
    mut.add_argument("--report", metavar="DIR", default=_show_path(REPO_ROOT / "reports" / "mutants"),
                     help="report directory (default: %(default)s)")
    mut.add_argument("-n", dest="workers", metavar="N", type=_bounded_int("-n", 1, MAX_WORKERS), default=None,
                     help="parallel workers (pytest-xdist) of each run")
    mut.add_argument("--seed", metavar="S", type=_bounded_int("--seed", 0, MAX_SEED), default=None,
                     help="seed of every run's randomized schedule (default: random, printed)")
    mut.add_argument("--jobs", type=_bounded_int("--jobs", 1, MAX_WORKERS), default=2,
                     help="runs at once (default: %(default)s; 1 on a kvm or sparc lab)")
    mut.add_argument("--only", nargs="+", action="extend", metavar="NAME", help="run only these mutants")
    mut.add_argument("--list", action="store_true", help="list the mutants and their mistakes, run nothing")

    inv = sub.add_parser("inventory", help="inventory tools")
    inv_sub = inv.add_subparsers(dest="inventory_command", metavar="SUBCOMMAND", title="subcommands",
                                 required=True)
    check = inv_sub.add_parser("check", help="validate an inventory and its main.cf",
                               epilog="exit codes: 0 valid, 2 not (each problem as FILE:LINE:COL: what is wrong)")
    check.add_argument("file", metavar="FILE", help="the inventory (YAML)")

    heal = sub.add_parser("heal", help="heal the faults a killed run left in force on a lab",
                          epilog="exit codes: 0 healed (or nothing to heal), 2 bad input,\n"
                                 "3 the lab could not heal")
    _lab_arg(heal)
    heal.add_argument("--target", choices=("sim", "kvm", "sparc"),
                      help="the kind of lab the run drove, if not the inventory's target (as `run --target`)")

    agent = sub.add_parser("agent", help="the AlternateIO agent installed on a lab's cluster (sparc)")
    agent_sub = agent.add_subparsers(dest="agent_command", metavar="SUBCOMMAND", title="subcommands",
                                     required=True)
    for name, text in (("install", "put the project's script agent on every control domain"),
                       ("verify", "check the installed agent's files against a build (checksums)")):
        p = agent_sub.add_parser(name, help=text)
        _lab_arg(p)
        p.add_argument("--monitor", metavar="NAME|DIR", default="alternateio", type=parse_monitor,
                       help="the build: a built-in monitor installs the project's script agent "
                            "(agents/AlternateIO); a DIR installs that directory. " + _monitor_help())

    lab = sub.add_parser("lab", help="run an emulated lab as a daemon and log in to its systems",
                         epilog="exit codes: 0 done, 1 (lab heal/reset) the agent under test did not bring its\n"
                                "group online, 2 bad input, 3 the lab is not up or failed; `lab exec` exits with\n"
                                "the command's own status (127 not found, 126 cannot run)")
    lab_sub = lab.add_subparsers(dest="lab_command", metavar="SUBCOMMAND", title="subcommands", required=True)
    system_help = ("a system of the lab: a control or alternate I/O domain, e.g. primary1 (`altio-hil lab "
                   "status` lists them)")
    for name, text in (("up", "start the lab daemon"), ("down", "stop the lab daemon"),
                       ("status", "what runs where, the clock, the faults in force, the engine log"),
                       ("reset", "heal every fault and bring the whole lab to its steady state, every guest "
                                 "at home")):
        p = lab_sub.add_parser(name, help=text)
        _lab_arg(p, running=name != "up")
        if name == "up":
            p.add_argument("--monitor", metavar="NAME|DIR", default="alternateio", type=parse_monitor,
                           help="the monitor the lab's cluster runs (a run on this lab must name the same). "
                                + _monitor_help())
    lab_sub.add_parser("ls", help="the running labs: name, target, pid, uptime, monitor, inventory")
    for name in ("shell", "exec", "console"):
        p = lab_sub.add_parser(name, help=f"{name} on a system of the lab" if name != "console" else
                               "the console of a kvm lab's VM (a guest or an I/O domain)")
        _lab_arg(p, running=True)
        p.add_argument("--system", metavar="NAME", required=True,
                       help=system_help if name != "console" else "a VM of the lab: a guest (e.g. ldg1) or an "
                                                                    "I/O domain")
        if name == "exec":
            p.add_argument("argv", metavar="-- COMMAND [ARGS...]", nargs=argparse.REMAINDER,
                           help="the command; a single argument is a shell line, as ssh runs it "
                                "(e.g. 'hastatus -sum | grep ldomsg')")
    kinds = f"one of: {', '.join(FAULT_KINDS)}"
    fault = lab_sub.add_parser("fault", help="inject a fault into the running lab")
    _lab_arg(fault, running=True)
    fault.add_argument("kind", metavar="KIND", help=f"the fault, {kinds}")
    fault.add_argument("--where", metavar="SYSTEM[:OBJECT]", required=True,
                       help="where: a system, or a system's NIC, pool or disk (e.g. primary1:nxge3)")
    lheal = lab_sub.add_parser(
        "heal", help="heal a fault (or --all) in the running lab and restore its steady state",
        description="Heal a fault of `lab fault` (or every fault in force with --all), then, once none is "
                    "in force, restore the cluster's steady state as a run does after its heals: clear the "
                    "FAULTED groups VCS needs cleared, online what the steady state holds, each guest where "
                    "it runs (at home when it runs nowhere), and say which hagrp commands that took. "
                    "`lab reset` also moves every guest home.")
    _lab_arg(lheal, running=True)
    lheal.add_argument("kind", metavar="KIND", nargs="?", help=f"the fault to heal, {kinds}")
    lheal.add_argument("--where", metavar="SYSTEM[:OBJECT]", help="where it was injected, as given to `lab fault`")
    lheal.add_argument("--all", action="store_true", help="heal every fault in force")
    return parser


def _show_path(path: str | os.PathLike[str]) -> str:
    """A path as a reader wants it: relative to the working directory when it is below it."""
    p = Path(path)
    try:
        return str(p.resolve().relative_to(Path.cwd().resolve())) if p.is_absolute() else str(p)
    except (ValueError, OSError):
        return str(p)


def _wrap(text: str, width: int = WIDTH, indent: str = "  ") -> str:
    """`text` on lines of at most `width` columns, the rest indented; words (paths) are not cut."""
    import textwrap

    return "\n".join(textwrap.wrap(text, width, subsequent_indent=indent, break_long_words=False,
                                   break_on_hyphens=False)) or text


def _said(text: str) -> str:
    """A message that main() prints after "altio-hil: ", wrapped to fit 80 columns there."""
    return _wrap("altio-hil: " + text).removeprefix("altio-hil: ")


def _elide(line: str, width: int = WIDTH) -> str:
    return line if len(line) <= width else line[:width - 3] + "..."


def _load(path: str | os.PathLike[str], via_env: bool = False) -> Lab:
    try:
        return load_inventory(path)
    except InventoryError as exc:
        if via_env:
            raise InventoryError([*exc.problems, f"(the inventory named by {LAB_ENV})"]) from None
        raise


def _given_lab(args: argparse.Namespace) -> tuple[str | None, bool]:
    """The inventory --lab or $ALTIO_HIL_LAB names (None: neither), and whether it came from the variable."""
    if getattr(args, "lab", None) is not None:
        return args.lab, False
    env = os.environ.get(LAB_ENV, "")
    return (env, True) if env.strip() else (None, False)


def _lab_of(args: argparse.Namespace) -> Lab:
    """The lab of a command: --lab, else $ALTIO_HIL_LAB, else the default inventory."""
    given, via_env = _given_lab(args)
    return _load(given, via_env) if given is not None else _load(DEFAULT_INVENTORY)


def _err(text: str) -> None:
    print(text, file=sys.stderr)


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
    parts = [f"lab {lab.name} ({_show_path(lab.path)})", f"target {target}", f"monitor {_show_path(monitor)}",
             f"seed {seed}"]
    if args.shard:
        parts.append(f"shard {args.shard[0]}/{args.shard[1]}")
    if args.last_failed:
        failed = _recorded_failures(args.report)
        parts.append(f"last failed only (--lf: {failed} recorded)" if failed else
                     "--lf: no failure recorded in that report directory, so all of them")
    return _wrap("altio-hil: " + ", ".join(parts))


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
    common = [*files, "-p", "no:hypothesispytest", "--assert=plain",
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

    lab = _lab_of(args)
    target = args.target or lab.inventory.target
    if target == "kvm" and lab.inventory.target != "kvm":  # before anything is written or started
        _err(f"altio-hil: {lab.path} describes a {lab.inventory.target} lab;\n"
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
            _err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
            return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
        _err(f"altio-hil: the run produced no results (pytest exit {rc})")
        return EXIT_INFRA if rc not in (pytest.ExitCode.USAGE_ERROR,) else EXIT_BAD_INPUT
    outcome = results["outcome"]
    scenarios = results["scenarios"]
    clock = sum(s.get("clock_s") or 0 for s in scenarios)
    _print_verdicts(results, blank=False)  # pytest ended its output with an empty line
    print(f"outcome: {outcome} ({wall:.1f} s wall, {clock:.0f} s on the lab's clock)")
    interrupted = outcome == "interrupted"
    if interrupted:
        why = "terminated (SIGTERM)" if TERMINATED else "interrupted (Ctrl-C)"
        _err(f"altio-hil: {why} after {len(scenarios)} scenario(s);\n"
             "  injected faults were healed; the matrix above is what ran\n"
             "  (results.json says outcome \"interrupted\")")
    agent = results.get("agent")
    if agent:  # the build installed on the lab, identified by checksums
        print(_wrap(f"agent on the lab: {agent['monitor']} (sha256 of its files recorded in results.json)"))
    run_info = {"lab": lab.name, "target": target, "monitor": args.monitor, "seed": seed,
                "wall_s": round(wall, 2), "clock_s": round(clock, 1), "workers": args.workers,
                "outcome": outcome, "harness_errors": results.get("harness_errors", []),
                "inventory": str(lab.path), "python": sys.version.split()[0], "altio-hil": _version()}
    if args.shard:
        run_info["shard"] = f"{args.shard[0]}/{args.shard[1]}"
    # after Ctrl-C the reader wants the prompt back: junit.xml and summary.html, no HTML rendering
    published = _publish(report, results, run_info, html=not (args.no_html or interrupted),
                         title=f"altio-hil: {lab.name} ({target}, {_show_path(args.monitor)})")
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
        raise BadLabInput(_said(f"-k {expr!r} is not a pytest -k expression: {exc.msg}")) from None


def _outcome_code(outcome: str) -> int:
    return {"passed": EXIT_OK, "failed": EXIT_FAIL}.get(outcome, EXIT_INFRA)


def _print_verdicts(results: dict, blank: bool = True) -> None:
    """The failures (why each scenario failed), then the matrix with the run's one count: stdout."""
    from harness import report as reporting
    from harness.report.terminal import render_failures

    scenarios = results.get("scenarios") or []
    failures = render_failures(scenarios, results.get("harness_errors") or [], width=WIDTH)
    if blank:
        print()
    if failures:
        sys.stdout.write(failures.rstrip("\n") + "\n\n")
    sys.stdout.write(reporting.render_matrix_text(reporting.matrix(scenarios), width=WIDTH).rstrip("\n") + "\n")
    sys.stdout.flush()


def _publish(report: Path, results: dict, run_info: dict, html: bool, title: str) -> bool:
    """junit.xml, the Allure environment, summary.html and the HTML report from results.json; print
    where each is. False when something could not be written (said on stderr)."""
    from harness.report import ReportError
    from harness.report.publish import publish

    try:
        done = publish(report, results, run_info, html=html, title=title)
    except (ReportError, OSError) as exc:
        _err(_wrap(f"altio-hil: the report could not be written: {exc}"))
        print(f"results: {report / 'results.json'}")
        return False
    if getattr(done, "html_error", None):
        _err(_wrap(f"altio-hil: HTML report not written: {done.html_error}"))
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
            raise BadLabInput(_said("--report must name the report directory of the run whose failures --lf "
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
        _err(f"altio-hil: the suites could not be collected (pytest exit {int(rc)})")
        return EXIT_INFRA
    print(_header(lab, target, args.monitor, seed, args))
    text = _render_plan(scenarios) if args.dry_run else _render_list(scenarios)
    sys.stdout.write(text)
    n = len(scenarios)
    print(_wrap(f"{n} scenario{'s' if n != 1 else ''} would run; nothing was run "
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
    lab = _lab_of(args)
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
        raise BadLabInput(_said("report merge: give report directories and --out DIR (no empty name, no NUL "
                                "byte)"))
    try:
        merged = merge_reports(sources, out)
    except ReportError as exc:
        _err(_wrap(f"altio-hil report merge: {exc}"))
        return EXIT_BAD_INPUT
    outcome = str(merged.get("outcome"))
    scenarios = merged.get("scenarios") or []
    what = ", ".join(f"{k} {merged[k]}" for k in ("lab", "target", "monitor", "seed") if merged.get(k) is not None)
    print(_wrap(f"altio-hil report merge: {len(sources)} report(s) into {_show_path(out)}" + (f"; {what}" if what
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


# -- inventory, heal -------------------------------------------------------------------------------------

def cmd_inventory(args: argparse.Namespace) -> int:
    lab = _load(args.file)
    what = (f"ok (lab {lab.name}, target {lab.inventory.target}, {len(lab.nodes)} nodes, "
            f"{len(lab.config.systems)} systems, {len(lab.config.groups)} service groups)")
    line = f"{args.file}: {what}"
    print(line if len(line) <= WIDTH else f"{args.file}:\n  {what}")
    return EXIT_OK


def cmd_heal(args: argparse.Namespace) -> int:
    from harness.faults import FaultLedger
    from harness.lab_daemon import LabDaemon, LabDown
    from harness.targets import heal_leftovers

    lab = _lab_of(args)
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
            _say_restored(daemon.restore())
            return EXIT_OK
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

    lab = _lab_of(args)
    if lab.inventory.target != "sparc":
        _err(_wrap(f"altio-hil agent: {lab.path} is a {lab.inventory.target} lab; the agent is installed on sparc "
                   "labs (sim labs run the monitor named by --monitor)"))
        return EXIT_BAD_INPUT
    if args.agent_command == "install":
        print(install(lab, args.monitor))
        return EXIT_OK
    ok, text = verify(lab, args.monitor)
    print(text)
    return EXIT_OK if ok else EXIT_FAIL


# -- lab -------------------------------------------------------------------------------------------------

class _BadSystem(Exception):
    pass


def _check_system(lab: Lab, system: str) -> None:
    if system not in lab.config.systems:
        raise _BadSystem(f"no system '{system}' in lab {lab.name}; systems: {', '.join(lab.config.systems)}")


def _system_asked(args: argparse.Namespace) -> str | None:
    """The system (or node) a lab command names: --system, or the SYSTEM of --where."""
    if getattr(args, "system", None):
        return args.system
    where = getattr(args, "where", None)
    return where.split(":", 1)[0].strip() or None if where else None


def _lab_of_lab_command(args: argparse.Namespace) -> Lab:
    """--lab, else $ALTIO_HIL_LAB, else the running lab: the one that has the system asked for (or the
    only one running), else the default lab. Several that fit, or a system no lab has: bad input
    that names the labs and their systems."""
    given, via_env = _given_lab(args)
    if given is not None:
        return _load(given, via_env)
    if args.lab_command == "up":
        return _load(DEFAULT_INVENTORY)
    from harness.lab_daemon import running_labs

    system = _system_asked(args)
    running = running_labs()
    usable = [r for r in running if r.inventory]
    fits = [r for r in usable if system is None or r.has(system)]
    if len(fits) == 1:
        lab = _load(fits[0].inventory)
        if lab.name == fits[0].name:
            return lab
    if len(fits) > 1:
        names = "\n".join(f"  {r.name:<16} {_show_path(r.inventory)}" for r in fits)
        what = f"running labs have system {system}" if system else "labs are running"
        raise _BadSystem(_said(f"{len(fits)} {what}: give --lab INVENTORY (or set {LAB_ENV})") + "\n" + names)
    default = _load(DEFAULT_INVENTORY)
    if system is None or system in default.config.systems or default.node_of(system) is not None \
            or any(n.name == system for n in default.nodes):
        return default
    running_text = (f"no running lab has it ({', '.join(r.name for r in running)}: `altio-hil lab ls`)"
                    if running else "no lab is running")
    raise _BadSystem(_said(f"no system '{system}': {running_text}, and the default lab {default.name} has "
                           f"{', '.join(default.config.systems)}. Give --lab INVENTORY (or set {LAB_ENV})"))


def cmd_lab(args: argparse.Namespace) -> int:
    from harness.lab_daemon import LabDaemon, LabDown

    if args.lab_command == "ls":
        return _lab_ls()
    lab = _lab_of_lab_command(args)
    if lab.inventory.target == "sparc" and args.lab_command in ("fault", "heal", "reset"):
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
                _err(_wrap(f"altio-hil lab console: {lab.path} is a {lab.inventory.target} lab; consoles of VMs "
                           "are a kvm lab's (an emulated sparc lab's consoles are reached over SSH, see the "
                           "README)"))
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
            sys.stdout.write(reply.get("out", ""))
            sys.stderr.write(reply.get("err", ""))
            return EXIT_OK if reply.get("rc") == 0 else EXIT_BAD_INPUT
        return _lab_heal(daemon, args)
    except LabDown as exc:
        _err(str(exc))
        return EXIT_INFRA


def _lab_heal(daemon, args: argparse.Namespace) -> int:
    """`lab heal` and `lab reset`: the heal, then (once no fault is in force) the steady state."""
    reset = args.lab_command == "reset"
    if reset or args.all:
        reply = daemon.heal(None)
    elif args.kind and args.where:
        reply = daemon.heal(Fault(args.kind, args.where))
    else:
        _err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
        return EXIT_BAD_INPUT
    sys.stdout.write(reply.get("out", ""))
    sys.stderr.write(reply.get("err", ""))
    if reply.get("rc") != 0:
        return EXIT_BAD_INPUT
    left = daemon.faults_in_force()
    if left:
        print(_wrap(f"still in force: {', '.join(map(str, left))}; the steady state is restored once none is "
                    "(`altio-hil lab heal --all`)"))
        return EXIT_OK
    _say_restored(daemon.restore(home=reset))
    return EXIT_OK


def _say_restored(restored) -> None:
    """What `restore_lab` typed, and where every guest is now."""
    if restored.commands:
        print("steady state restored as a run does after its heals:")
        width = max(len(command) for command, _ in restored.commands)
        for command, note in restored.commands:
            print(_elide(f"  {command.ljust(width)}  # {note}" if note else f"  {command}"))
    else:
        print("the cluster is in its steady state: nothing to clear or bring online")
    for guest, group, system, home in restored.guests:
        where = f"ONLINE on {system}" if system else "down everywhere"
        note = " (its home)" if system == home else f" (its home is {home}: `lab reset`)"
        print(_elide(f"guest {guest} ({group}) {where}{note}"))


def _lab_ls() -> int:
    from harness.lab_daemon import running_labs

    labs = running_labs()
    if not labs:
        print("no lab is running (`altio-hil lab up --lab INVENTORY` starts one)")
        return EXIT_OK
    now = time.time()
    rows = [("LAB", "TARGET", "PID", "UPTIME", "MONITOR", "INVENTORY")]
    for r in labs:
        up = "?"
        if r.started is not None:
            s = max(0, int(now - r.started))
            up = f"{s // 3600}:{s % 3600 // 60:02d}:{s % 60:02d}"
        rows.append((r.name, r.target, str(r.pid or "?"), up, _show_path(r.monitor),
                     _show_path(r.inventory) if r.inventory else "(unknown: started by an older altio-hil)"))
    widths = [max(len(row[i]) for row in rows) for i in range(5)]
    for row in rows:
        left = "  ".join(v.ljust(w) for v, w in zip(row[:5], widths, strict=True))
        line = f"{left}  {row[5]}"
        print(line if len(line) <= WIDTH else f"{left.rstrip()}\n    {row[5]}")
    return EXIT_OK


def _lab_fault_sparc(lab: Lab, args: argparse.Namespace) -> int:
    """`lab fault|heal|reset` on a lab reached by commands: through the sparc target, the lab's lease and
    ledger (a fault left in force is healed by `lab heal`, `altio-hil heal` or the next run); once no
    fault is in force, the steady state as a run restores it."""
    from harness.lab_daemon import restore_lab
    from harness.targets.sparc import SparcTarget

    reset = args.lab_command == "reset"
    if args.lab_command == "heal" and not args.all and not (args.kind and args.where):
        _err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
        return EXIT_BAD_INPUT
    fault = Fault(args.kind, args.where) if getattr(args, "kind", None) and not reset else None
    target = SparcTarget.open(lab, "alternateio", 0, apply_timing=False, check_monitor=False, heal_leftovers=False)
    try:
        if args.lab_command == "fault":
            if fault.destructive and not (lab.inventory.sparc and lab.inventory.sparc.destructive):
                raise BadLabInput(f"{fault} is destructive and {lab.path} does not allow it (sparc.destructive)")
            target.inject(fault)
            print(f"injected {fault} (recorded in the lab's ledger; heal with `altio-hil lab heal`)")
            return EXIT_OK
        healed = target.heal_recorded(None if reset or args.all else fault)
        for f in healed:
            print(f"healed {f}")
        if not healed:
            print("no faults in force (the lab's ledger lists none)")
        left = target.ledger.load()
        if left:
            names = ", ".join(f"{r['kind']} {r['where']}" for r in left)
            print(_wrap(f"still in force: {names}; the steady "
                        "state is restored once none is (`altio-hil lab heal --all`)"))
            return EXIT_OK
        _say_restored(restore_lab(target, lab, home=reset))
    finally:
        target.release()
    return EXIT_OK


def main(argv: list[str] | None = None) -> int:
    # Ctrl-C stops a run and heals (exit 130): make sure it reaches us even when we were started with
    # SIGINT ignored (the background of a shell without job control, as CI steps often are)
    if signal.getsignal(signal.SIGINT) == signal.SIG_IGN and threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, signal.default_int_handler)
    parser = build_parser()
    args = parser.parse_args(argv)
    from harness.scenarios import AgentFailure

    try:
        if args.command == "run":
            return cmd_run(args)
        if args.command == "report":
            return cmd_report(args)
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
    except AgentFailure as exc:  # `lab heal|reset`: the agent under test did not bring its group online
        _err(_wrap(f"altio-hil: {exc}"))
        return EXIT_FAIL
    except InfrastructureError as exc:
        _err(_wrap(f"altio-hil: infrastructure error: {exc}"))
        return EXIT_INFRA
    except BrokenPipeError:  # the reader went away (`altio-hil run --list | head`): stop quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        from harness.plugin import TERMINATED

        _err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
        return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED


if __name__ == "__main__":
    sys.exit(main())
