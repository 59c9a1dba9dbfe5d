"""A fake `ssh` client+server: what the OpenSSH client prints, decided by the host name.

    refused.test / noroute.test / nxdomain.test / timeout.test   network failures (exit 255)
    unknownkey.test / changedkey.test                              host key failures (exit 255)
    denied.test                                                    "Permission denied" (exit 255)
    silent.test                                                    connects, then prints nothing
    shell.test                                                     MOTD, then a real /bin/sh
    ilom.test                                                      an ILOM (see fake_ilom.py)

A password is asked (`(user@host) Password: `, no echo, typeahead flushed as ssh does) when
FAKE_SSH_PASSWORD is set; a wrong answer gets "Permission denied, please try again." and a new
prompt. Console noise for shell.test: FAKE_SYSLOG_EVERY=N (a syslog line after every N-th
newline), FAKE_ANSI=1. With a remote command (`host -- cmd`) it runs `/bin/sh -c cmd` without a
tty, taking the password from SSH_ASKPASS when SSH_ASKPASS_REQUIRE=force.
"""

from __future__ import annotations

import os
import subprocess
import sys
import termios
import time

from fakes import Terminal, main_guard, read_line, relay_shell

WITH_VALUE = set("bcDEeFIiJLlmOopQRSWw")


def parse(argv: list[str]) -> tuple[dict[str, str], str, list[str]]:
    opts: dict[str, str] = {}
    i = 0
    host = ""
    while i < len(argv):
        arg = argv[i]
        if arg == "--":
            i += 1
            if not host and i < len(argv):
                host = argv[i]
                i += 1
            break
        if arg.startswith("-") and len(arg) > 1:
            flag = arg[1]
            if flag in WITH_VALUE:
                value = arg[2:] or argv[i + 1]
                i += 1 if arg[2:] else 2
                if flag == "o":
                    key, _, val = value.partition("=")
                    opts[key] = val
                else:
                    opts[flag] = value
                continue
            opts[arg[1:]] = "yes"
            i += 1
            continue
        if host:
            break
        host = arg
        i += 1
    return opts, host, argv[i:]


def fail(text: str) -> int:
    sys.stderr.write(text + "\r\n")
    return 255


def network_failures(host: str, port: str) -> int | None:
    messages = {
        "refused.test": f"ssh: connect to host {host} port {port}: Connection refused",
        "noroute.test": f"ssh: connect to host {host} port {port}: No route to host",
        "nxdomain.test": f"ssh: Could not resolve hostname {host}: Name or service not known",
        "timeout.test": f"ssh: connect to host {host} port {port}: Connection timed out",
        "unknownkey.test": f"No ED25519 host key is known for [{host}]:{port} and you have requested strict "
                           "checking.\r\nHost key verification failed.",
        "changedkey.test": "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n"
                           "@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\n"
                           "@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@@\r\n"
                           "IT IS POSSIBLE THAT SOMEONE IS DOING SOMETHING NASTY!\r\n"
                           "Host key verification failed.",
    }
    if host in messages:
        return fail(messages[host])
    return None


def authenticate(term: Terminal, user: str, host: str) -> tuple[bool, bytes]:
    expected = os.environ.get("FAKE_SSH_PASSWORD")
    if expected is None:
        return True, b""
    for attempt in range(3):
        if attempt:
            term.write("Permission denied, please try again.\r\n")
        termios.tcflush(0, termios.TCIFLUSH)  # ssh discards typeahead when it turns echo off
        term.write(f"({user}@{host}) Password: ")
        line, rest = read_line(term, echo=False)
        if line is None:
            return False, b""
        if line == expected:
            return True, rest
    term.write(f"{user}@{host}: Permission denied (publickey,password).\r\n")
    return False, b""


def remote_command(opts: dict[str, str], command: list[str]) -> int:
    expected = os.environ.get("FAKE_SSH_PASSWORD")
    if expected is not None:
        askpass = os.environ.get("SSH_ASKPASS")
        if os.environ.get("SSH_ASKPASS_REQUIRE") != "force" or not askpass:
            return fail("Permission denied (publickey,password).")
        answer = subprocess.run([askpass, "Password: "], capture_output=True, text=True).stdout
        if answer.rstrip("\n") != expected:
            return fail("Permission denied (publickey,password).")
    return subprocess.run(["/bin/sh", "-c", " ".join(command)]).returncode


def main() -> int:
    opts, host, command = parse(sys.argv[1:])
    port = opts.get("p", "22")
    user = opts.get("l", os.environ.get("USER", "root"))
    failed = network_failures(host, port)
    if failed is not None:
        return failed
    if host == "denied.test":
        return fail(f"{user}@{host}: Permission denied (publickey).")
    if command:
        return remote_command(opts, command)
    term = Terminal()
    try:
        if host == "silent.test":
            time.sleep(60)
            return 255
        ok, pending = authenticate(term, user, host)
        if not ok:
            return 255
        if host == "ilom.test":
            from fake_ilom import Ilom

            return Ilom(term, pending).run()
        term.write("Last login: Wed Nov 26 10:58:12 2025 from 10.0.0.5\r\n"
                   "Oracle Corporation      SunOS 5.11      11.4    Aug 2025\r\n"
                   "NOTICE: authorised use only; change your password every 90 days\r\n")
        return relay_shell(term, host.split(".")[0], int(os.environ.get("FAKE_SYSLOG_EVERY", "0")),
                           os.environ.get("FAKE_ANSI") == "1", pending)
    finally:
        term.restore()


if __name__ == "__main__":
    main_guard(main)
