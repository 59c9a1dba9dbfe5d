"""`SSHSession` and `ssh_once` against a real OpenSSH server started for the tests (bash as the
login shell, a MOTD and "Last login" before the prompt): commands, authentication and host key
failures, an unreachable port, a killed connection reconnected, `~.` passed through to a console."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from transport_peers import CONSOLE_PASSWORD
from transport_sshd import Sshd, free_port

from harness.transport import (
    AuthenticationFailed,
    HostKeyError,
    SSHSession,
    Unreachable,
    ssh_once,
)


def connect(sshd: Sshd, **kwargs: object) -> SSHSession:
    options: dict[str, object] = {"key_file": sshd.client_key, "known_hosts": sshd.known_hosts,
                                  "timeout": 30, "login_timeout": 30}
    options.update(kwargs)
    return SSHSession(sshd.host, sshd.port, sshd.user, **options)  # type: ignore[arg-type]


@pytest.fixture
def session(sshd: Sshd) -> Iterator[SSHSession]:
    with connect(sshd) as s:
        yield s


def test_commands_run_with_exit_status_stdout_and_stderr(session: SSHSession, tmp_path: Path) -> None:
    assert session.run(["echo", "hello world"]) == (0, "hello world\n", "")
    assert session.run("echo out; echo err >&2; exit_status() { return 7; }; exit_status") == (7, "out\n", "err\n")
    assert session.run("no_such_command_altio")[0] == 127
    assert session.run(["sh", "-c", "exit 255"])[0] == 255
    assert session.run("printf 'no newline'") == (0, "no newline", "")
    home = session.run("printf %s \"$HOME\"")[1]
    assert session.run(["printf", "%s", "~/x y"])[1] == f"{home}/x y"
    session.run(["cd", str(tmp_path)])
    assert session.run("pwd")[1] == f"{tmp_path}\n"
    assert session.connections == 1
    assert "Last login" in session.transcript() or "Debian" in session.transcript()


def test_a_large_output(session: SSHSession) -> None:
    rc, out, _ = session.run("awk 'BEGIN { for (i = 0; i < 65536; i++) print \"0123456789abcdef\" }'")
    assert rc == 0 and out == "0123456789abcdef\n" * 65536


def test_a_wrong_key_is_an_authentication_failure(sshd: Sshd) -> None:
    with pytest.raises(AuthenticationFailed, match=f"{sshd.user}@{sshd.host}:{sshd.port}: .*Permission denied"):
        connect(sshd, key_file=sshd.wrong_key).connect()


def test_an_unknown_host_key_with_strict_checking(sshd: Sshd) -> None:
    with pytest.raises(HostKeyError, match="not trusted"):
        connect(sshd, known_hosts=sshd.empty_known_hosts).connect()
    with connect(sshd, known_hosts=sshd.known_hosts) as trusted:
        assert trusted.run("true")[0] == 0
    with connect(sshd, known_hosts=None, strict_host_key=False) as unchecked:
        assert unchecked.run("true")[0] == 0


def test_nothing_listening_is_unreachable(sshd: Sshd) -> None:
    port = free_port()
    with pytest.raises(Unreachable, match=f"port {port}.*Connection refused"):
        SSHSession(sshd.host, port, sshd.user, key_file=sshd.client_key, known_hosts=sshd.known_hosts,
                   connect_timeout=5).connect()


def test_a_killed_connection_is_reconnected(sshd: Sshd, session: SSHSession) -> None:
    first = session.run("echo $$")[1]
    assert sshd.kill_connections()
    deadline = time.monotonic() + 30
    while session.alive and time.monotonic() < deadline:  # the ssh client notices and exits
        time.sleep(0.02)
    assert session.run("echo $$")[1] not in ("", first)
    assert session.connections == 2
    assert "reconnecting" in session.transcript()


def test_ssh_once(sshd: Sshd) -> None:
    options = {"key_file": sshd.client_key, "known_hosts": sshd.known_hosts}
    assert ssh_once(sshd.host, sshd.port, sshd.user, ["sh", "-c", "echo out; echo err >&2; exit 3"], **options) \
        == (3, "out\n", "err\n")
    assert ssh_once(sshd.host, sshd.port, sshd.user, ["printf", "%s", "a b"], **options) == (0, "a b", "")
    with pytest.raises(AuthenticationFailed):
        ssh_once(sshd.host, sshd.port, sshd.user, ["true"], key_file=sshd.wrong_key, known_hosts=sshd.known_hosts)
    with pytest.raises(HostKeyError):
        ssh_once(sshd.host, sshd.port, sshd.user, ["true"], key_file=sshd.client_key,
                 known_hosts=sshd.empty_known_hosts)


def test_a_vntsd_console_through_ssh_gets_its_escape(sshd: Sshd, session: SSHSession, fakebin: Path,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """`~.` typed through the session reaches the console (ssh runs with `-e none`)."""
    monkeypatch.setenv("GUEST_PW", CONSOLE_PASSWORD)
    outer = session.run("echo $$")[1]
    console = session.open_console(f"{fakebin / 'telnet'} localhost 5000", "root", "GUEST_PW")
    assert console.run("echo $$")[1] != outer
    console.close()
    assert session.run("echo $$") == (0, outer, "")
    assert session.connections == 1
    assert CONSOLE_PASSWORD not in session.transcript()
