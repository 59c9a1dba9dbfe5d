"""`altio-hil agent install|verify`: put the project's AlternateIO script agent on a lab's cluster and
check what is installed, over the same SSH sessions a run uses (agents/package.py says which files).

Files travel as shell commands in chunks (`printf '%s' ... >> file`), so nothing but a POSIX shell is
needed on the lab (no scp, no base64); every file's checksum is compared after writing.
"""

from __future__ import annotations

from agents.package import checksums, file_modes, install_files
from harness.inventory import Lab
from harness.targets.base import BadLabInput, InfrastructureError
from harness.targets.lab_ledger import write_file
from harness.targets.sparc import SparcTarget


def _open(lab: Lab, monitor: str) -> SparcTarget:
    target = SparcTarget(lab, monitor, 0)  # the build asked for is among those it identifies
    target.connect()
    return target


def install(lab: Lab, monitor: str) -> str:
    target = _open(lab, monitor)
    agent_dir = target.settings.agent_dir
    files = install_files(monitor)
    modes = file_modes(monitor)
    staging = f"{agent_dir}.altio-new"
    try:
        for node in lab.nodes:
            system = node.control
            # a new build replaces the old one whole: a file the old one had (its `variant`, a
            # library) must not outlive it and change what the new entry points run
            target.execute({"on": "system", "host": system, "run": f"rm -rf {staging} {agent_dir}.altio-old"})
            for name, body in sorted(files.items()):
                try:
                    text = body.decode()
                except UnicodeDecodeError:
                    raise BadLabInput(f"{monitor}/{name}: not a text file; `agent install` writes files "
                                      "through the lab's shell and carries text only") from None
                for line in write_file(f"{staging}/{name}", text, f"{modes[name]:o}"):
                    target.execute({"on": "system", "host": system, "run": line})
            target.execute({"on": "system", "host": system,
                            "run": f"if [ -e {agent_dir} ]; then mv {agent_dir} {agent_dir}.altio-old; fi && "
                                   f"mv {staging} {agent_dir} && rm -rf {agent_dir}.altio-old"})
        target.identify_agent()
        bad = _differences(target, monitor)
        if bad:
            raise InfrastructureError("installed, but the checksums differ: " + "; ".join(bad))
        return (f"installed AlternateIO build '{monitor}' ({len(files)} files) in {agent_dir} on "
                + ", ".join(n.control for n in lab.nodes))
    finally:
        target.release()


def _differences(target: SparcTarget, monitor: str) -> list[str]:
    want = checksums(install_files(monitor))
    bad = []
    for system, have in target.identity.items():
        for name, digest in want.items():
            if have.get(name) != digest:
                bad.append(f"{system}:{name} {'missing' if have.get(name) is None else 'differs'}")
    return bad


def verify(lab: Lab, monitor: str) -> tuple[bool, str]:
    target = _open(lab, monitor)
    try:
        target.identify_agent()
        bad = _differences(target, monitor)
        lines = [f"{system}: " + ("ok" if not [b for b in bad if b.startswith(system + ':')] else "DIFFERS")
                 for system in target.identity]
        lines.append(f"installed build: {target.installed_monitor}; expected: {monitor}")
        lines += [f"  {b}" for b in bad]
        return not bad, "\n".join(lines)
    finally:
        target.release()
