"""A fake `telnet localhost PORT` to Oracle's virtual console concentrator (vntsd).

Prints what telnet and vntsd print, then a guest domain's console: `alternate1 console login: `
(right away, or only after a CR when FAKE_VNTSD_QUIET=1, as a console that printed its prompt
before we connected), `Password:` (FAKE_HOST_PASSWORD), then a real /bin/sh with a syslog line
after every FAKE_CONSOLE_SYSLOG_EVERY-th newline (default 2). `~.` at the start of a line
disconnects. Port 5999 refuses the connection.
"""

from __future__ import annotations

import os
import sys

from fakes import HostConsole, Terminal, main_guard, serve_console


def main() -> int:
    port = sys.argv[2] if len(sys.argv) > 2 else "23"
    host = sys.argv[1] if len(sys.argv) > 1 else "localhost"
    print("Trying 127.0.0.1...", flush=True)
    if port == "5999":
        print(f"telnet: Unable to connect to remote host: Connection refused ({host})", flush=True)
        return 1
    term = Terminal()
    console = None
    try:
        term.write(f"Connected to {host}.\r\nEscape character is '^]'.\r\n\r\n"
                   'Connecting to console "alternate1" in group "alternate1" ....\r\n'
                   "Press ~? for control options ..\r\n")
        console = HostConsole(term, "alternate1", os.environ.get("FAKE_HOST_PASSWORD", ""), obp=False,
                              syslog_every=int(os.environ.get("FAKE_CONSOLE_SYSLOG_EVERY", "2")),
                              login_prompt=os.environ.get("FAKE_VNTSD_QUIET") != "1")
        serve_console(term, console, b"~.")
        term.write("\r\nConnection to localhost closed by foreign host.\r\n")
        return 0
    finally:
        if console is not None:
            console.stop()
        term.restore()


if __name__ == "__main__":
    main_guard(main)
