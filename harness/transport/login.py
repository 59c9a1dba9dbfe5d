"""Logging in over a terminal: answer login and password prompts, then hand over to the caller.

One loop serves ssh (password prompts only), serial-style consoles (`console login:`, then
`Password:`) and the ILOM (ssh, then a `-> ` prompt). We do not know the peer's shell prompt, so
a shell is declared ready by *kicking* it: sending the setup line, whose sync marker comes back
only once a shell has read it. A kick typed while the peer still reads a password is discarded
by the peer (ssh flushes typeahead when it turns echo off), so a password prompt seen after a
kick is answered and the kick repeated. Passwords are registered for redaction before they are
sent and recorded as ********.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import pexpect

from harness.transport.errors import AuthenticationFailed, CredentialsError, TransportError, Unreachable
from harness.transport.markers import clean
from harness.transport.transcript import REDACTED, Transcript

LOGIN_PROMPT = r"(?<!Last )login: ?\Z"
PASSWORD_PROMPT = r"[Pp]assword(?: for [^\n:]*)?: ?\Z"
PASSPHRASE_PROMPT = r"Enter passphrase for [^\n]*: ?\Z"
SHELL_PROMPT = r"[#$%>] ?\Z"
LOGIN_INCORRECT = r"Login incorrect|Authentication failed"
NEVER = r"\A(?!)"  # keeps pattern indexes fixed (pexpect allows EOF and TIMEOUT only once)


def last_line(text: str) -> str:
    lines = [line.strip() for line in clean(text, False).text.splitlines()
             if line.strip() and "__ALTIO" not in line]
    return lines[-1] if lines else "(nothing)"


def log_in(child: pexpect.spawn, log: Transcript, source: str, *, target: str,
           classify: Callable[[str], TransportError], timeout: float,
           password: str | None = None, user: str | None = None,
           kick: Callable[[], str] | None = None, ready: str | None = None,
           nudge: str | None = None, gone: str | None = None, at_login_prompt: bool = False,
           settle: float = 2.0, newline: str = "\n") -> str:
    """Drive `child` until it is logged in; return what it printed on the way (cleaned).

    `kick` sends a line that makes a ready shell print a marker and returns that marker's pattern;
    `ready` is a pattern meaning "logged in" for peers that are not shells (the ILOM's `-> `);
    `nudge` is sent whenever the peer stays quiet for `settle` seconds before a login prompt (a CR
    wakes a console; a prompt that a nudge produces late is ignored); `gone` is a pattern meaning
    the attempt ended without a connection (the console client exited); `at_login_prompt` says the
    caller already consumed a login prompt. Failures: EOF and `gone` go through
    `classify(text seen)`; refused credentials raise AuthenticationFailed.
    """
    deadline = time.monotonic() + timeout
    seen: list[str] = []
    kicked_pattern: str | None = None
    users = passwords = 0
    nudged = 0
    owed = 0  # login prompts that nudges may still produce

    def do_kick() -> None:
        nonlocal kicked_pattern
        assert kick is not None
        kicked_pattern = kick()

    def answer_user() -> None:
        nonlocal users
        assert user is not None
        users += 1
        log.sent(source, user)
        child.send(user + newline)

    if at_login_prompt and user is not None:
        answer_user()
    elif kick is not None and password is None and user is None:
        do_kick()

    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise Unreachable(f"{target}: not logged in within {timeout:g}s (last output: "
                              f"{last_line(''.join(seen))}); check that the peer is up and answers")
        patterns: list[object] = [pexpect.EOF, pexpect.TIMEOUT, PASSWORD_PROMPT, PASSPHRASE_PROMPT,
                                  LOGIN_INCORRECT]
        goal = kicked_pattern or ready
        patterns.append(goal or NEVER)
        patterns.append(LOGIN_PROMPT if user is not None else NEVER)
        patterns.append(gone or NEVER)
        waiting_for_shell = kick is not None and kicked_pattern is None and (passwords or users or nudged)
        patterns.append(SHELL_PROMPT if waiting_for_shell else NEVER)
        may_nudge = nudge is not None and nudged < 10 and not users and not passwords
        # never kick a console before its login prompt was answered: the line would become a user name
        may_kick = kick is not None and kicked_pattern is None and (user is None or users > 0)
        wait = min(settle, remaining) if (may_nudge or may_kick) else remaining
        i = child.expect(patterns, timeout=wait)
        if isinstance(child.after, str):
            seen.append(child.before + child.after)
        elif isinstance(child.before, str):
            seen.append(child.before)
        text = "".join(seen)
        if i == 0:
            raise classify(text)
        if i == 1:
            if may_nudge:
                nudged += 1
                owed += 1
                log.sent(source, repr(nudge))
                child.send(nudge or "")
            elif may_kick:
                do_kick()
            continue
        if i == 2:
            if password is None:
                raise AuthenticationFailed(f"{target}: asks for a password but no password_env is "
                                           "configured; name one or use a key")
            if passwords:
                raise AuthenticationFailed(f"{target}: password refused ({last_line(text)}); check "
                                           "the password's environment variable and the account")
            passwords += 1
            log.redact(password)
            log.sent(source, f"{REDACTED} (password)")
            child.send(password + newline)
            kicked_pattern = None
            continue
        if i == 3:
            raise CredentialsError(f"{target}: the key file is protected by a passphrase; load it "
                                   "into ssh-agent and use ssh_agent instead")
        if i == 4:
            raise AuthenticationFailed(f"{target}: login refused ({last_line(text)}); check the user "
                                       "and the password's environment variable")
        if i == 5:
            return clean(text, True).text
        if i == 6:
            if not users:
                owed = max(0, owed - 1)
                answer_user()
                kicked_pattern = None
            elif not passwords and owed:
                owed -= 1  # a prompt that a nudge asked for before our user name arrived: stale
            elif passwords:
                raise AuthenticationFailed(f"{target}: login refused (login prompt came back); check "
                                           "the user and the password's environment variable")
            else:
                raise AuthenticationFailed(f"{target}: login prompt came back after the user name")
            continue
        if i == 7:
            raise classify(text)
        if i == 8:
            do_kick()
            continue
