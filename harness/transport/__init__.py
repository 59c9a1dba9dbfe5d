"""pexpect sessions behind one `run(argv) -> (rc, out, err)`: local shell, ssh, ILOM and consoles.

- `LocalShellSession`, `SSHSession`: persistent shells (marker protocol, reconnect once on EOF);
- `ssh_once`: a fresh non-interactive ssh per command (the baseline the persistent session beats);
- `ConsoleSession`: an ILOM's `-> ` CLI and its host console (`console_login` gives a shell);
- `ShellSession.open_console`: a console client run inside a shell (vntsd via `telnet`);
- `Transcript`: what was sent and received, redacted when stored; `mark()` / `text(since=)`.
"""

from harness.transport.console import ConsoleMatch, ConsoleSession, ilom_rc
from harness.transport.credentials import Credentials
from harness.transport.errors import (
    AuthenticationFailed,
    CommandTimeout,
    CredentialsError,
    HostKeyError,
    TransportError,
    Unreachable,
)
from harness.transport.marker_shell import ConsoleShell, MarkerShell
from harness.transport.markers import quote_argv
from harness.transport.shell import LocalShellSession, ShellSession
from harness.transport.ssh import SSHSession, classify_ssh_failure, ssh_argv, ssh_once
from harness.transport.transcript import Transcript

__all__ = [
    "AuthenticationFailed",
    "CommandTimeout",
    "ConsoleMatch",
    "ConsoleSession",
    "ConsoleShell",
    "Credentials",
    "CredentialsError",
    "HostKeyError",
    "LocalShellSession",
    "MarkerShell",
    "SSHSession",
    "ShellSession",
    "Transcript",
    "TransportError",
    "Unreachable",
    "classify_ssh_failure",
    "ilom_rc",
    "quote_argv",
    "ssh_argv",
    "ssh_once",
]
