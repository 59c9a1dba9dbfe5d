"""Console-script shim for the emulated commands (`hastatus`, `hagrp`, `ldm`, `zpool`, ...).

Inside `altio-hil lab shell` / `lab exec` the environment names the lab daemon's socket
(ALTIO_HIL_SOCKET) and the system the shell is "logged in" to (ALTIO_HIL_SYSTEM). The shim sends
its own name and arguments there and prints what the emulated command printed, with its exit code,
so scripts (and the AlternateIO script agent) cannot tell it from the real command.

A script agent's monitor runs `hagrp` several times a cycle, so the command path is kept to the
interpreter's start: no `json` (it pulls in `re`) and no `pathlib`. The request is written by
`_json_text` and the reply asked in the daemon's raw form (`"reply": "raw"`: a header line
`RAW rc out_bytes err_bytes`, then stdout and stderr as they are). `request()` (the harness's
and the consoles' client) keeps plain JSON.
"""

from __future__ import annotations

import os
import socket
import sys

SOCKET_ENV = "ALTIO_HIL_SOCKET"
SYSTEM_ENV = "ALTIO_HIL_SYSTEM"


class LabUnreachable(Exception):
    pass


def _exchange(socket_path: str | os.PathLike, data: bytes, timeout: float) -> bytes:
    """One request, one reply: everything the daemon sends until it closes; LabUnreachable."""
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(timeout)
    try:
        s.connect(os.fspath(socket_path))
        s.sendall(data)
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
    return b"".join(chunks)


def request(socket_path: str | os.PathLike, payload: dict, timeout: float = 60.0) -> dict:
    """Send one request to a lab daemon and return its reply; LabUnreachable when nobody answers."""
    import json

    reply = _exchange(socket_path, json.dumps(payload).encode() + b"\n", timeout)
    try:
        return json.loads(reply)
    except ValueError:
        raise LabUnreachable("the lab daemon closed the connection without an answer") from None


def _json_text(value: str) -> str:
    """A JSON string literal (what json.dumps writes for a str, without importing json): control
    characters, quotes, backslashes and lone surrogates (undecodable argv bytes) escaped."""
    out = []
    for c in value:
        if c == '"' or c == "\\" or c < " " or "\ud800" <= c <= "\udfff":
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _exec_raw(socket_path: str, system: str, argv: list[str], timeout: float = 60.0) -> tuple[int, bytes, bytes]:
    """`exec` with the raw reply (module docstring); LabUnreachable when nobody answers."""
    data = ('{"op": "exec", "reply": "raw", "system": ' + _json_text(system) + ', "argv": ['
            + ", ".join(_json_text(a) for a in argv) + "]}\n")
    reply = _exchange(socket_path, data.encode("utf-8", "surrogatepass"), timeout)
    header, _, body = reply.partition(b"\n")
    fields = header.split()
    if len(fields) != 4 or fields[0] != b"RAW":
        # a refusal (malformed request, ...) comes back as JSON: say it as the daemon said it
        import json

        try:
            answer = json.loads(reply)
        except ValueError:
            raise LabUnreachable("the lab daemon closed the connection without an answer") from None
        return int(answer.get("rc", 1)), answer.get("out", "").encode(), answer.get("err", "").encode()
    rc, n_out, n_err = int(fields[1]), int(fields[2]), int(fields[3])
    return rc, body[:n_out], body[n_out:n_out + n_err]


def raw_reply(reply: dict) -> bytes:
    """The daemon's side of the raw form: an exec reply as `RAW rc out_bytes err_bytes`, a newline,
    then stdout and stderr as they are."""
    out, err = _bytes(reply.get("out", "")), _bytes(reply.get("err", ""))
    return b"RAW %d %d %d\n" % (int(reply.get("rc", 1)), len(out), len(err)) + out + err


def _bytes(text: str) -> bytes:
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace")


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
        rc, out, err = _exec_raw(sock, system, [prog, *argv[1:]])
    except LabUnreachable:
        if prog.startswith("ha"):
            print("VCS ERROR V-16-1-10600 Cannot connect to VCS engine", file=sys.stderr)
        else:
            print(f"{prog}: the emulated lab is down ({sock})", file=sys.stderr)
        return 3 if not prog.startswith("ha") else 1
    sys.stdout.flush()
    sys.stdout.buffer.write(out)
    sys.stdout.buffer.flush()
    sys.stderr.buffer.write(err)
    sys.stderr.buffer.flush()
    return rc


if __name__ == "__main__":
    sys.exit(main())
