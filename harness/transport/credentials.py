"""Credentials by reference: a key file path, the ssh-agent, or the NAME of a password variable.

Inventories never hold secrets; they name where a secret lives. References are resolved before
anything is spawned, so a typo fails at once with a message naming the reference, not as an
authentication failure from the far end after a connect timeout.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from harness.transport.errors import CredentialsError


def password_from_env(password_env: str | None, target: str) -> str | None:
    """The password held by the environment variable named `password_env` (None: no password)."""
    if password_env is None:
        return None
    value = os.environ.get(password_env)
    if value is None:
        raise CredentialsError(f"{target}: environment variable {password_env} (password_env) is not set; "
                               "export it before the run")
    if not value:
        raise CredentialsError(f"{target}: environment variable {password_env} (password_env) is empty")
    return value


@dataclass(frozen=True)
class Credentials:
    """How to authenticate: any of a key file, the ssh-agent, a password variable."""

    key_file: str | None = None
    ssh_agent: bool = False
    password_env: str | None = None

    def describe(self) -> str:
        parts = []
        if self.key_file:
            parts.append(f"key_file {self.key_file}")
        if self.ssh_agent:
            parts.append("the ssh-agent keys")
        if self.password_env:
            parts.append(f"the password in ${self.password_env}")
        return " / ".join(parts) or "no credential"

    def check(self, target: str) -> None:
        """Raise CredentialsError when a reference does not resolve (nothing is read but the file's existence)."""
        if not (self.key_file or self.ssh_agent or self.password_env):
            raise CredentialsError(f"{target}: no credential named; give key_file, ssh_agent or password_env")
        if self.key_file and not os.path.isfile(os.path.expanduser(self.key_file)):
            raise CredentialsError(f"{target}: key_file {self.key_file} does not exist or is not a file")
        if self.ssh_agent and not os.environ.get("SSH_AUTH_SOCK"):
            raise CredentialsError(f"{target}: ssh_agent is set but SSH_AUTH_SOCK is not; start an agent "
                                   "(eval $(ssh-agent); ssh-add KEY) in the shell that runs the harness")
        password_from_env(self.password_env, target)

    def password(self, target: str) -> str | None:
        return password_from_env(self.password_env, target)
