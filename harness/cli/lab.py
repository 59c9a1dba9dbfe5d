"""The commands that work on a lab itself rather than run the suites on it.

- `altio-hil lab up|down|status|ls|shell|exec|console|fault|heal|reset`: an emulated lab run as a
  daemon (harness.lab_daemon), its systems logged in to, faults injected and healed by hand and the
  steady state restored as a run restores it after its heals; on a sparc lab (reached by commands)
  `lab fault|heal|reset` go through the sparc target, the lab's lease and its ledger;
- `altio-hil heal`: the faults a killed run left in force, healed;
- `altio-hil agent install|verify`: the AlternateIO agent on a sparc lab's cluster;
- `altio-hil inventory check`: an inventory and its main.cf, validated.
"""

from __future__ import annotations

import argparse
import sys
import time

from harness.cli.lab_choice import check_system, lab_of, lab_of_lab_command, load_lab
from harness.cli.output import WIDTH, elide, err, show_path, wrap
from harness.cli.parser import EXIT_BAD_INPUT, EXIT_FAIL, EXIT_INFRA, EXIT_OK
from harness.faults import Fault
from harness.inventory import Lab
from harness.targets.base import BadLabInput

# -- lab -------------------------------------------------------------------------------------------------

def cmd_lab(args: argparse.Namespace) -> int:
    from harness.lab_daemon import LabDaemon, LabDown

    if args.lab_command == "ls":
        return _lab_ls()
    lab = lab_of_lab_command(args)
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
            check_system(lab, args.system)
            return daemon.shell(args.system)
        if args.lab_command == "console":
            if lab.inventory.target != "kvm":
                err(wrap(f"altio-hil lab console: {lab.path} is a {lab.inventory.target} lab; consoles of VMs "
                         "are a kvm lab's (an emulated sparc lab's consoles are reached over SSH, see the "
                         "README)"))
                return EXIT_BAD_INPUT
            return daemon.console(args.system)
        if args.lab_command == "exec":
            argv = args.argv[1:] if args.argv and args.argv[0] == "--" else args.argv
            if not argv:
                err("altio-hil lab exec: give a command after --")
                return EXIT_BAD_INPUT
            check_system(lab, args.system)
            return daemon.exec(args.system, argv)
        if args.lab_command == "fault":
            reply = daemon.fault(Fault(args.kind, args.where))
            sys.stdout.write(reply.get("out", ""))
            sys.stderr.write(reply.get("err", ""))
            return EXIT_OK if reply.get("rc") == 0 else EXIT_BAD_INPUT
        return _lab_heal(daemon, args)
    except LabDown as exc:
        err(str(exc))
        return EXIT_INFRA


def _lab_heal(daemon, args: argparse.Namespace) -> int:
    """`lab heal` and `lab reset`: the heal, then (once no fault is in force) the steady state."""
    reset = args.lab_command == "reset"
    if reset or args.all:
        reply = daemon.heal(None)
    elif args.kind and args.where:
        reply = daemon.heal(Fault(args.kind, args.where))
    else:
        err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
        return EXIT_BAD_INPUT
    sys.stdout.write(reply.get("out", ""))
    sys.stderr.write(reply.get("err", ""))
    if reply.get("rc") != 0:
        return EXIT_BAD_INPUT
    left = daemon.faults_in_force()
    if left:
        print(wrap(f"still in force: {', '.join(map(str, left))}; the steady state is restored once none is "
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
            print(elide(f"  {command.ljust(width)}  # {note}" if note else f"  {command}"))
    else:
        print("the cluster is in its steady state: nothing to clear or bring online")
    for guest, group, system, home in restored.guests:
        where = f"ONLINE on {system}" if system else "down everywhere"
        note = " (its home)" if system == home else f" (its home is {home}: `lab reset`)"
        print(elide(f"guest {guest} ({group}) {where}{note}"))


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
        rows.append((r.name, r.target, str(r.pid or "?"), up, show_path(r.monitor),
                     show_path(r.inventory) if r.inventory else "(unknown: started by an older altio-hil)"))
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
        err("altio-hil lab heal: give --all or KIND --where SYSTEM[:OBJECT]")
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
            print(wrap(f"still in force: {names}; the steady "
                       "state is restored once none is (`altio-hil lab heal --all`)"))
            return EXIT_OK
        _say_restored(restore_lab(target, lab, home=reset))
    finally:
        target.release()
    return EXIT_OK


# -- heal ------------------------------------------------------------------------------------------------

def cmd_heal(args: argparse.Namespace) -> int:
    from harness.faults import FaultLedger
    from harness.lab_daemon import LabDaemon, LabDown
    from harness.targets import heal_leftovers

    lab = lab_of(args)
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
                err(f"altio-hil: the running lab {lab.name} could not heal: {reply.get('err', '').strip()}")
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


# -- agent -----------------------------------------------------------------------------------------------

def cmd_agent(args: argparse.Namespace) -> int:
    from harness.agent_install import install, verify

    lab = lab_of(args)
    if lab.inventory.target != "sparc":
        err(wrap(f"altio-hil agent: {lab.path} is a {lab.inventory.target} lab; the agent is installed on sparc "
                 "labs (sim labs run the monitor named by --monitor)"))
        return EXIT_BAD_INPUT
    if args.agent_command == "install":
        print(install(lab, args.monitor))
        return EXIT_OK
    ok, text = verify(lab, args.monitor)
    print(text)
    return EXIT_OK if ok else EXIT_FAIL


# -- inventory -------------------------------------------------------------------------------------------

def cmd_inventory(args: argparse.Namespace) -> int:
    lab = load_lab(args.file)
    what = (f"ok (lab {lab.name}, target {lab.inventory.target}, {len(lab.nodes)} nodes, "
            f"{len(lab.config.systems)} systems, {len(lab.config.groups)} service groups)")
    line = f"{args.file}: {what}"
    print(line if len(line) <= WIDTH else f"{args.file}:\n  {what}")
    return EXIT_OK
