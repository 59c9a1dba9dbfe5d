"""Console-script shim for the emulated commands (`hastatus`, `hagrp`, `ldm`, `zpool`, ...).

Inside `altio-hil lab shell` / `lab exec` the environment names the lab daemon's socket
(ALTIO_HIL_SOCKET) and the system the shell is "logged in" to (ALTIO_HIL_SYSTEM). The shim sends
its own name and arguments there and prints what the emulated command printed, with its exit code,
so scripts (and the AlternateIO script agent) cannot tell it from the real command.
"""

from __future__ import annotations

import json
import os
import socket
import sys
from pathlib import Path

SOCKET_ENV = "ALTIO_HIL_SOCKET"
SYSTEM_ENV = "ALTIO_HIL_SYSTEM"


class LabUnreachable(Exception):
    pass


def request(socket_path: str | Path, payload: dict, timeout: float = 60.0) -> dict:
    """Send one request to a lab daemon and return its reply; LabUnreachable when nobody answers."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(str(socket_path))
        s.sendall(json.dumps(payload).encode() + b"\n")
        chunks = []
        while True:
            data = s.recv(65536)
            if not data:
                break
            chunks.append(data)
    except (FileNotFoundError, ConnectionRefusedError) as exc:
        raise LabUnreachable(str(exc)) from None
    except OSError as exc:
        raise LabUnreachable(str(exc)) from None
    finally:
        s.close()
    try:
        return json.loads(b"".join(chunks))
    except ValueError:
        raise LabUnreachable("the lab daemon closed the connection without an answer") from None


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv if argv is None else argv
    prog = os.path.basename(argv[0])
    sock, system = os.environ.get(SOCKET_ENV), os.environ.get(SYSTEM_ENV)
    if not sock or not system:
        # the real hagrp would say it cannot reach had; say what is missing instead
        print(f"{prog}: not inside an emulated lab (run it through `altio-hil lab shell` or "
              f"`altio-hil lab exec`; {SOCKET_ENV} and {SYSTEM_ENV} are not set)", file=sys.stderr)
        return 3
    try:
        reply = request(sock, {"op": "exec", "system": system, "argv": [prog, *argv[1:]]})
    except LabUnreachable:
        if prog.startswith("ha"):
            print("VCS ERROR V-16-1-10600 Cannot connect to VCS engine", file=sys.stderr)
        else:
            print(f"{prog}: the emulated lab is down ({sock})", file=sys.stderr)
        return 3 if not prog.startswith("ha") else 1
    sys.stdout.write(reply.get("out", ""))
    sys.stderr.write(reply.get("err", ""))
    return int(reply.get("rc", 1))


if __name__ == "__main__":
    sys.exit(main())
