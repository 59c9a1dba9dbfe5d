"""`telnet localhost PORT` in a control domain of an emulated lab: the virtual console concentrator.

The lab's `bin/telnet` runs `python -I -m emulators.front.telnet LAB_DIR HOST PORT`. PORT is a
domain's console port as `ldm list` prints it (CONS column); the console is that domain's, on the
same node, as vntsd serves it. Anything else is refused as telnet says it. `~.` at the start of a
line disconnects.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from emulators.front.console import ConsoleSession
from emulators.front.labdir import LabLayout
from emulators.front.terminal import Terminal
from emulators.shim import LabUnreachable, request

REFUSED = "telnet: Unable to connect to remote host: Connection refused"


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    args = [a for a in argv[2:] if not a.startswith("-")]
    if not args:
        print("usage: telnet host [port]", file=sys.stderr)
        return 1
    layout = LabLayout(Path(argv[1]))
    host, port = args[0], (args[1] if len(args) > 1 else "23")
    local = host in ("localhost", "127.0.0.1")
    print(f"Trying {'127.0.0.1' if local else host}...", flush=True)
    system = os.environ.get("ALTIO_HIL_SYSTEM", "")
    target = None
    if local and system:
        try:
            reply = request(layout.socket, {"op": "consoles", "system": system}, timeout=30)
            target = (reply.get("ports") or {}).get(port)
        except LabUnreachable:
            target = None
    if not target:
        print(REFUSED, file=sys.stderr, flush=True)
        return 1
    front = layout.read_front()
    print(f"Connected to localhost.\nEscape character is '^]'.\n\n"
          f'Connecting to console "{target}" in group "{target}" ....\n'
          "Press ~? for control options ..", flush=True)
    with Terminal() as term:
        outcome = ConsoleSession(layout, front, target, term, escape="~").run()
    if outcome == "escape":
        print("Connection to localhost closed by foreign host.", flush=True)
    return 1


if __name__ == "__main__":
    sys.exit(main())
