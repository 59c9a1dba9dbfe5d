"""Each system's HOME inside the lab, and the lab's `bin/` of command shims.

The inventory of an emulated lab writes its paths under `~` (`~/var/tmp/altio-hil`,
`~/opt/VRTSvcs/bin/AlternateIO`, `~/var/VRTSvcs/log/engine_A.log`), so every system gets its own
directory as HOME and those paths resolve inside the lab, separately per system, as they would on
separate hosts. A cluster system's home looks like a VCS node where it matters:

    opt/VRTSvcs/bin/{hastatus,hagrp,...}   the shims ($VCS_HOME/bin/hagrp is the emulated hagrp)
    opt/VRTSvcs/bin/AlternateIO/           the agent build of `lab up --monitor` (control systems)
    etc/VRTSvcs/conf/sysname               the system's name ($VCS_CONF/conf/sysname)
    var/VRTSvcs/log/engine_A.log           the engine's log (one file of the lab, linked here)
    var/tmp/                               scratch, and the harness's state directory

The shims live in the lab's own `bin/`, never in the virtual environment's, so a user's PATH is
never shadowed by `hostname` or `uname` answering for an emulated system.
"""

from __future__ import annotations

import os
import shlex
import shutil
from pathlib import Path

from emulators.front.labdir import FrontSpec, LabLayout, private_dir, write_private

_PROJECT_ROOT = Path(__file__).resolve().parents[2]

# what the emulated lab answers when emulators.lab does not say (its EMULATED_COMMANDS)
FALLBACK_COMMANDS = ("hastatus", "hagrp", "hares", "hasys", "haconf", "ldm", "zpool", "dladm")


def emulated_commands() -> tuple[str, ...]:
    """The programs the lab's systems answer for (emulators.lab.EMULATED_COMMANDS)."""
    import emulators.lab as lab_module

    return tuple(getattr(lab_module, "EMULATED_COMMANDS", FALLBACK_COMMANDS))


def prepare(layout: LabLayout, front: FrontSpec, monitor: str | None) -> None:
    """A fresh lab: shims, empty engine log, and a clean home per system (what a previous run of
    the lab left in its homes goes with it); `monitor`: the build installed in the control domains
    (None: none)."""
    write_shims(layout, front)
    write_private(layout.engine_log, "")
    if os.path.lexists(layout.homes):
        if os.path.islink(layout.homes) or not os.path.isdir(layout.homes):
            os.unlink(layout.homes)
        else:
            shutil.rmtree(layout.homes)
    private_dir(layout.homes)
    for system, role in front.roles.items():
        make_home(layout, system, role, monitor)


def write_shims(layout: LabLayout, front: FrontSpec) -> None:
    """One tiny script per emulated command (and `telnet`) in the lab's bin/."""
    write_command_shims(layout.bin, front.python)
    _script(layout, "telnet",
            f'exec {shlex.quote(front.python)} -I -m emulators.front.telnet {shlex.quote(str(layout.root))} "$@"\n')


def write_command_shims(directory: Path, python: str) -> None:
    """`directory` afresh (a private directory, whatever was at its path), with a shim per emulated
    command that hands its command line to the lab (emulators.shim)."""
    if os.path.lexists(directory) and (os.path.islink(directory) or not os.path.isdir(directory)):
        os.unlink(directory)
    directory.mkdir(mode=0o700, exist_ok=True)
    # -S: no site-packages to scan (a script agent calls hagrp several times per monitor cycle); the
    # shim needs the standard library and this project's emulators package only
    code = shlex.quote(f"import sys; sys.path.insert(0, {str(_PROJECT_ROOT)!r}); from emulators.shim import main; "
                       "sys.exit(main(sys.argv[1:]))")
    for name in emulated_commands():
        write_private(directory / name, f'#!/bin/sh\nexec {shlex.quote(python)} -I -S -c {code} '
                                        f'{shlex.quote(name)} "$@"\n', mode=0o755)


def _script(layout: LabLayout, name: str, body: str) -> None:
    write_private(layout.bin / name, "#!/bin/sh\n" + body, mode=0o755)


def make_home(layout: LabLayout, system: str, role: str, monitor: str | None) -> None:
    """`monitor`: the build installed in a control domain's agent directory (None: none)."""
    home = layout.home(system)
    for sub in ("var/tmp", "tmp"):
        (home / sub).mkdir(parents=True, exist_ok=True)
    if role not in ("control", "alternate"):
        return
    vcs_bin = layout.vcs_home(system) / "bin"
    vcs_bin.mkdir(parents=True, exist_ok=True)
    for name in emulated_commands():
        if name.startswith("ha"):
            os.symlink(layout.bin / name, vcs_bin / name)
    conf = layout.vcs_conf(system) / "conf"
    conf.mkdir(parents=True, exist_ok=True)
    write_private(conf / "sysname", f"{system}\n", mode=0o644)
    log_dir = home / "var" / "VRTSvcs" / "log"
    log_dir.mkdir(parents=True, exist_ok=True)
    os.symlink(layout.engine_log, log_dir / "engine_A.log")
    if role == "control" and monitor is not None:
        install_agent(vcs_bin / "AlternateIO", monitor)


def install_agent(agent_dir: Path, monitor: str) -> None:
    """What `altio-hil agent install --monitor M` puts on a node (agents.package)."""
    from agents.package import file_modes, install_files

    modes = file_modes(monitor)
    for rel, body in install_files(monitor).items():
        path = agent_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        mode = modes[rel]
        write_private(path, body, mode=mode)
        os.chmod(path, mode)  # the daemon's umask (077) narrowed it
