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

This package holds `main` (the dispatch to each command, and what it answers for the errors a command
raises: exit 2 bad input, 1 the agent failed, 3 infrastructure, 130/143 interrupted, a broken pipe);
the rest is in its modules:

    parser.py      the command line: constants (exit codes, limits, suites), help, argument types
    output.py      how the commands print (80 columns, paths, stderr)
    lab_choice.py  which lab (and system) a command means: --lab, $ALTIO_HIL_LAB, the running labs
    report_dir.py  the report directory of `run` and `mutants`: checked, locked, cleared
    run.py         `run`, `mutants`, `report merge`: pytest on the suites, the verdicts, the report
    lab.py         `lab ...`, `heal`, `agent install|verify`, `inventory check`
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading


def _exit_quietly(signum, frame):  # Ctrl-C while the command starts: nothing is done yet to undo
    os._exit(128 + signum)


try:  # only the main thread may set handlers; a library import from elsewhere keeps pytest's
    _previous_sigint = signal.signal(signal.SIGINT, _exit_quietly)
except ValueError:
    _previous_sigint = None

from harness.cli.lab import cmd_agent, cmd_heal, cmd_inventory, cmd_lab  # noqa: E402
from harness.cli.lab_choice import BadSystem  # noqa: E402
from harness.cli.output import WIDTH, err, wrap  # noqa: E402
from harness.cli.parser import (  # noqa: E402
    EXIT_BAD_INPUT,
    EXIT_FAIL,
    EXIT_INFRA,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_TERMINATED,
    LAB_ENV,
    SUITES,
    altio_hil_version,
    build_parser,
)
from harness.cli.report_dir import REPORT_MARK, claim_report_dir  # noqa: E402
from harness.cli.run import cmd_mutants, cmd_report, cmd_run  # noqa: E402
from harness.faults import FaultSpecError  # noqa: E402
from harness.inventory import InventoryError  # noqa: E402
from harness.targets.base import BadLabInput, InfrastructureError  # noqa: E402

if _previous_sigint is not None:
    signal.signal(signal.SIGINT, _previous_sigint)

__all__ = [
    "EXIT_BAD_INPUT", "EXIT_FAIL", "EXIT_INFRA", "EXIT_INTERRUPTED", "EXIT_OK", "EXIT_TERMINATED", "LAB_ENV",
    "REPORT_MARK", "SUITES", "WIDTH", "altio_hil_version", "build_parser", "claim_report_dir", "main",
]


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
        err(str(exc))
        return EXIT_BAD_INPUT
    except (FaultSpecError, BadSystem, BadLabInput) as exc:
        err(f"altio-hil: {exc}")
        return EXIT_BAD_INPUT
    except AgentFailure as exc:  # `lab heal|reset`: the agent under test did not bring its group online
        err(wrap(f"altio-hil: {exc}"))
        return EXIT_FAIL
    except InfrastructureError as exc:
        err(wrap(f"altio-hil: infrastructure error: {exc}"))
        return EXIT_INFRA
    except BrokenPipeError:  # the reader went away (`altio-hil run --list | head`): stop quietly
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 128 + signal.SIGPIPE
    except KeyboardInterrupt:
        from harness.plugin import TERMINATED

        err("altio-hil: terminated (SIGTERM)" if TERMINATED else "altio-hil: interrupted")
        return EXIT_TERMINATED if TERMINATED else EXIT_INTERRUPTED
