"""`altio-hil run --plan`: every command a run would send to a lab, to which host, without sending any.

The plan is built from the same pieces the run uses (the scenarios generated from main.cf, the fault
templates resolved by the sparc target, the commands a snapshot reads), with nothing connected: what
only the lab can tell (the disks of a pool, which groups need clearing after a fault) is written as
what the run will ask for at that point.
"""

from __future__ import annotations

import random

from harness.faults import Fault
from harness.inventory import Lab
from harness.oracle import Topology
from harness.scenarios import combined_faults, failover_matrix, injection_order
from harness.timing import TIMING_ATTRS


def _scenarios(topo: Topology, suites: list[str]) -> list[tuple[str, tuple[Fault, ...]]]:
    out = []
    if "matrix" in suites:
        out += [(s.id, s.faults) for s in failover_matrix(topo)]
    if "combo" in suites:
        out += [(s.id, s.faults) for s in combined_faults(topo)]
    return out


def render_plan(lab: Lab, kind: str, monitor: str, suites: list[str]) -> str:
    topo = Topology(lab.config, lab.nodes)
    lines = [f"# plan: lab {lab.name} ({kind}), monitor {monitor}; nothing is sent while planning"]
    if kind != "sparc":
        lines.append(f"# the {kind} lab runs inside this process: the run sends no command to any host")
        for sid, faults in _scenarios(topo, suites):
            lines.append(f"{sid}: " + (", ".join(map(str, faults)) or "no fault"))
        return "\n".join(lines) + "\n"

    from harness.targets.sparc import SparcTarget

    target = SparcTarget(lab, monitor, 0)  # resolves hosts and templates; connects to nothing
    s = lab.inventory.sparc
    assert s is not None

    def host(system: str) -> str:
        return f"{system} ({target.endpoints[system]})" if system in target.endpoints else system

    def ilom(node: str) -> str:
        return f"ILOM of {node} ({target.iloms[node]})" if node in target.iloms else f"ILOM of {node} (not in inventory)"

    def render(step: dict) -> str:
        where = host(step["host"]) if step["on"] == "system" else (
            ilom(step["host"]) if step["on"] == "ilom" else f"host console of {step['host']}, via its ILOM "
            f"(start -script /HOST/console; at `{{0}} ok`)")
        extra = f"; then wait for /{step['expect']}/" if step.get("expect") else ""
        return f"    {where}: {step['run']}{extra}"

    controls = [n.control for n in lab.nodes]
    lines.append("# hosts")
    lines += [f"  {host(name)}" for name in target.endpoints]
    lines += [f"  {ilom(node)}" for node in target.iloms]
    lines.append("# session start, on every control domain: the lab's lease and ledger, the installed agent")
    for c in controls:
        lines.append(f"    {host(c)}: mkdir -p {s.state_dir} && (set -C; echo LEASE > {s.state_dir}/lease)")
        lines.append(f"    {host(c)}: cat {s.state_dir}/ledger.json   (then the recorded heals of a killed run)")
        lines.append(f"    {host(c)}: cd {s.agent_dir} && sha256sum (or digest -a sha256) of the agent's files")
    types = sorted({r.type for g in lab.config.groups.values() for r in g.resources.values()})
    lines.append(f"    {host(controls[0])}: hatype -value TYPE ATTR for TYPE in {', '.join(types)}, "
                 f"ATTR in {', '.join(TIMING_ATTRS)}")
    overrides = lab.inventory.timing.type_overrides()
    if overrides:
        lines.append(f"    {host(controls[0])}: haconf -makerw; "
                     + "; ".join(f"hatype -modify TYPE {a} {v}" for a, v in overrides.items())
                     + "; haconf -dump -makero   (only where the value differs; the old values are recorded "
                       "in the lab's ledger and put back at the end)")
    lines.append("# every poll while waiting (each few lab seconds)")
    lines.append(f"    first reachable cluster system: hastatus -sum; hares -state; tail -c +OFFSET {s.engine_log}")
    lines += [f"    {host(c)}: ldm list -p" for c in controls]
    lines += [f"    {host(g)}: zpool list -H -o name,health; dladm show-link" for g in s.guests]
    lines.append("# scenarios (restore, as needed after each: hagrp -clear G -sys S, hagrp -online G -sys S, "
                 "hagrp -switch G -to S on the first reachable cluster system)")
    for sid, faults in _scenarios(topo, suites):
        lines.append(f"  {sid}")
        if not faults:
            lines.append("    (no fault)")
        ordered = injection_order(faults, topo)
        for f in ordered:
            lines.append(f"   inject {f}:")
            lines += [render(st) for st in target.steps(f, "inject", resolve_disks=False)]
        for f in reversed(ordered):
            lines.append(f"   heal {f}:")
            lines += [render(st) for st in target.steps(f, "heal", resolve_disks=False)]
    if "nemesis" in suites:
        lines.append("  randomized schedule: faults drawn (with the run's seed, e.g. "
                     f"{random.Random(0).randrange(1, 2**31)}) from the kinds above, injected and healed the same way")
    lines.append("# session end: heal what is in force, put the timing back, release the lease")
    return "\n".join(lines) + "\n"
