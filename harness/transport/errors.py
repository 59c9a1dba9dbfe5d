"""Transport failures, classified so that a caller can tell a dead lab from a bad credential.

Every message is one line that names the peer and what to do: a run report shows it as is, and
the harness maps any `TransportError` to "infrastructure error" (exit 3), never to a product verdict.
"""

from __future__ import annotations


def one_line(text: str) -> str:
    """Collapse whitespace and newlines: messages end up in one report cell."""
    return " ".join(text.split())


class TransportError(Exception):
    """A session could not do what was asked (base of every transport failure)."""

    def __init__(self, message: str) -> None:
        super().__init__(one_line(message))


class Unreachable(TransportError):
    """The peer cannot be reached, or the connection died and could not be re-established."""


class AuthenticationFailed(TransportError):
    """The peer answered but refused the credential (a wrong key, password or account)."""


class HostKeyError(TransportError):
    """The peer's host key is unknown or changed while strict host key checking is on."""


class CredentialsError(TransportError):
    """A credential reference cannot be resolved locally (missing key file, unset variable)."""


class CommandTimeout(TransportError):
    """A command did not complete in time; it was interrupted and the session resynchronised or closed."""
