"""The command line of `altio-hil`: its constants (exit codes, limits, the suites `run --suite` names),
argparse's help formatter (80 columns, words never cut), the argument types (bounded integers,
`--shard K/N`, `--lab`, `--monitor`'s help) and `build_parser`, which says every command, option and
help text."""

from __future__ import annotations

import argparse
import shutil
import sys

from harness.cli.output import WIDTH, show_path, wrap
from harness.faults import FAULT_KINDS
from harness.inventory import DEFAULT_INVENTORY, REPO_ROOT
from harness.monitor_arg import parse_monitor
from harness.suite_names import SUITES

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_FAIL", "EXIT_INFRA", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "LAB_ENV",
    "MAX_SEED", "MAX_SHARDS", "MAX_WORKERS", "RUN_EXIT_CODES", "SUITES", "WIDTH", "altio_hil_version",
    "build_parser",
]

EXIT_OK, EXIT_FAIL, EXIT_BAD_INPUT, EXIT_INFRA = 0, 1, 2, 3
EXIT_INTERRUPTED, EXIT_TERMINATED = 130, 143  # 128 + SIGINT, 128 + SIGTERM (as a shell reports them)
LAB_ENV = "ALTIO_HIL_LAB"  # the lab of every command whose --lab is not given (as labgrid's LG_ENV)
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
                self.exit(2, wrap(f"{self.prog}: error: give a {word}: {', '.join(action.choices)}") + "\n")
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
                        f"{show_path(DEFAULT_INVENTORY)})")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="altio-hil", description="AlternateIO hardware-in-the-loop harness: fault-injection "
                     "suites that certify the AlternateIO monitor of Oracle VM Server for SPARC guests.",
                     epilog=f"environment: {LAB_ENV}=INVENTORY is the default --lab of every command.\n"
                            "`altio-hil COMMAND --help` says more; `altio-hil run --help` lists the exit\n"
                            "codes.")
    parser.add_argument("--version", action="version", version=f"altio-hil {altio_hil_version()}")
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
    run.add_argument("--report", metavar="DIR", default=show_path(REPO_ROOT / "reports" / "latest"),
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
    mut.add_argument("--report", metavar="DIR", default=show_path(REPO_ROOT / "reports" / "mutants"),
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


def altio_hil_version() -> str:
    try:
        from importlib.metadata import version

        return version("altio-hil")
    except Exception:  # noqa: BLE001 - running from a source tree without metadata
        return "source"
