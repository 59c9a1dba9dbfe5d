"""sshd's ForceCommand for an emulated sparc lab: who is logging in to what, and that login.

    python -I -m emulators.front.login LAB_DIR

The endpoint comes from the server port in SSH_CONNECTION (sshd listens on one internal port per
endpoint; the daemon's forwarders map the inventory's public ports onto them). On a system: the
client's command (SSH_ORIGINAL_COMMAND) runs with `/bin/sh -c` in the system's environment and its
exit status is the session's; without one, an interactive shell after a Solaris MOTD. On an ILOM:
the ILOM command line.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from emulators.front.labdir import LabLayout

SHELL = "/bin/bash"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    if len(argv) != 2:
        print("usage: python -m emulators.front.login LAB_DIR (sshd's ForceCommand)", file=sys.stderr)
        return 2
    layout = LabLayout(Path(argv[1]))
    try:
        front = layout.read_front()
        endpoints = layout.read_endpoints()
    except (OSError, ValueError) as exc:
        print(f"altio-hil: the emulated lab in {layout.root} is not running ({exc})", file=sys.stderr)
        return 255
    words = os.environ.get("SSH_CONNECTION", "").split()
    endpoint = endpoints.get(int(words[3])) if len(words) == 4 and words[3].isdigit() else None
    if endpoint is None:
        print("altio-hil: this connection reached no endpoint of the lab", file=sys.stderr)
        return 255
    command = os.environ.get("SSH_ORIGINAL_COMMAND") or None
    if endpoint.kind == "ilom":
        from emulators.front.ilom import Ilom
        from emulators.front.terminal import Terminal

        with Terminal() as term:
            return Ilom(layout, front, endpoint.name, term).run(command)
    system = endpoint.name
    env = layout.system_env(front, system, dict(os.environ))
    home = layout.home(system)
    os.chdir(home)
    sys.stdout.flush()
    if command is not None:
        os.execve("/bin/sh", ["sh", "-c", command], env)
    from emulators.front.console import MOTD

    sys.stdout.write(MOTD)
    sys.stdout.flush()
    os.execve(SHELL, ["bash", "--norc", "--noprofile", "-i"], env)
    return 127  # not reached


if __name__ == "__main__":
    sys.exit(main())
