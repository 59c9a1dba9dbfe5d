"""`SSHSession` and `ssh_once` against a fake ssh (peers/fake_ssh.py): a MOTD before the prompt,
passwords answered from an environment variable and never transcribed, console noise, failures
classified, and credential references checked before anything is spawned."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from transport_peers import FAKE_SSH

from harness.transport import (
    AuthenticationFailed,
    CredentialsError,
    HostKeyError,
    SSHSession,
    Unreachable,
    ssh_once,
)
from harness.transport import shell as shell_module

PASSWORD = "pa55-W0rd!"


@pytest.fixture
def password(monkeypatch: pytest.MonkeyPatch) -> str:
    """The fake server expects PASSWORD; the harness finds it in $ALTIO_TEST_PW."""
    monkeypatch.setenv("FAKE_SSH_PASSWORD", PASSWORD)
    monkeypatch.setenv("ALTIO_TEST_PW", PASSWORD)
    return PASSWORD


@pytest.fixture
def no_spawn(monkeypatch: pytest.MonkeyPatch) -> None:
    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("nothing may be spawned")

    monkeypatch.setattr(shell_module.pexpect, "spawn", refuse)


def session(host: str, **kwargs: object) -> SSHSession:
    options: dict[str, object] = {"strict_host_key": False, "login_timeout": 20, "ssh_command": FAKE_SSH,
                                  "password_env": "ALTIO_TEST_PW"}
    options.update(kwargs)
    return SSHSession(host, 2200, "root", **options)  # type: ignore[arg-type]


@pytest.fixture
def shell_session(password: str) -> Iterator[SSHSession]:
    with session("shell.test") as s:
        yield s


def test_a_password_is_answered_from_the_environment_and_never_transcribed(shell_session: SSHSession) -> None:
    assert shell_session.run(["echo", "logged", "in"]) == (0, "logged in\n", "")
    assert shell_session.run(f"echo {PASSWORD} >&2") == (0, "", f"{PASSWORD}\n")
    text = shell_session.transcript()
    assert PASSWORD not in text
    assert ">>> ******** (password)" in text
    assert "(root@shell.test) Password:" in text


def test_the_motd_before_the_prompt_does_not_leak_into_output(shell_session: SSHSession) -> None:
    assert "Last login" in shell_session.transcript()
    assert shell_session.run("printf x") == (0, "x", "")


def test_a_wrong_password_is_an_authentication_failure(password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ALTIO_TEST_PW", "wrong")
    s = session("shell.test")
    with pytest.raises(AuthenticationFailed, match=r"root@shell.test:2200: password refused"):
        s.connect()
    assert "wrong" not in s.transcript()


def test_an_unset_password_variable_fails_before_any_spawn(no_spawn: None, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ALTIO_TEST_PW", raising=False)
    with pytest.raises(CredentialsError, match="ALTIO_TEST_PW.*not set"):
        session("shell.test")


def test_a_password_variable_unset_later_fails_before_the_reconnect(password: str, no_spawn: None,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    s = session("shell.test")
    monkeypatch.delenv("ALTIO_TEST_PW")
    with pytest.raises(CredentialsError):
        s.run("true")


def test_missing_key_file_agent_or_credential_fail_before_any_spawn(no_spawn: None, monkeypatch: pytest.MonkeyPatch,
                                                                    tmp_path: object) -> None:
    with pytest.raises(CredentialsError, match="key_file /nonexistent/id_ed25519 does not exist"):
        SSHSession("h", key_file="/nonexistent/id_ed25519")
    monkeypatch.delenv("SSH_AUTH_SOCK", raising=False)
    with pytest.raises(CredentialsError, match="SSH_AUTH_SOCK"):
        SSHSession("h", ssh_agent=True)
    with pytest.raises(CredentialsError, match="no credential"):
        SSHSession("h")
    with pytest.raises(CredentialsError):
        ssh_once("h", 22, "root", ["true"], key_file="/nonexistent/id_ed25519")


@pytest.mark.parametrize("host,kind,advice", [
    ("refused.test", Unreachable, "Connection refused; nothing listens on port 2200"),
    ("noroute.test", Unreachable, "No route to host"),
    ("nxdomain.test", Unreachable, "does not resolve"),
    ("timeout.test", Unreachable, "timed out"),
    ("unknownkey.test", HostKeyError, "not trusted"),
    ("changedkey.test", HostKeyError, "CHANGED"),
    ("denied.test", AuthenticationFailed, "authentication refused"),
])
def test_failures_are_classified(host: str, kind: type, advice: str, password: str) -> None:
    with pytest.raises(kind) as caught:
        session(host).connect()
    assert advice in str(caught.value)
    assert str(caught.value).startswith(f"root@{host}:2200: ")


def test_a_peer_that_never_shows_a_prompt_is_unreachable(password: str) -> None:
    with pytest.raises(Unreachable, match="not logged in within 1s"):
        session("silent.test", password_env=None, key_file=__file__, login_timeout=1).connect()


def test_console_noise_over_ssh(password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FAKE_SYSLOG_EVERY", "1")
    monkeypatch.setenv("FAKE_ANSI", "1")
    with session("shell.test", strip_syslog=True) as console_like:
        assert console_like.run("echo a; echo b; printf c; echo d >&2") == (0, "a\nb\nc", "d\n")
        assert console_like.syslog
    with session("shell.test") as ssh_default:
        rc, out, _ = ssh_default.run("echo a; echo b")
        assert rc == 0 and "genunix" in out and "\x1b" not in out  # SSH output is not filtered
        assert [line for line in out.splitlines() if line and "genunix" not in line] == ["a", "b"]


def test_ssh_once_answers_the_password_through_askpass(password: str, monkeypatch: pytest.MonkeyPatch) -> None:
    assert ssh_once("shell.test", 2200, "root", ["sh", "-c", "echo out; echo err >&2; exit 4"],
                    password_env="ALTIO_TEST_PW", strict_host_key=False, ssh_command=FAKE_SSH) \
        == (4, "out\n", "err\n")
    monkeypatch.setenv("ALTIO_TEST_PW", "wrong")
    with pytest.raises(AuthenticationFailed):
        ssh_once("shell.test", 2200, "root", ["true"], password_env="ALTIO_TEST_PW", ssh_command=FAKE_SSH)
    with pytest.raises(Unreachable, match="Connection refused"):
        ssh_once("refused.test", 2200, "root", ["true"], password_env="ALTIO_TEST_PW", ssh_command=FAKE_SSH)
