"""Consoles: an ILOM (fake, over the fake ssh) with its `-> ` CLI, confirmations, errors and the
host console dialogue (`{0} ok `, boot, `console login:`, a shell with syslog noise, `#.`); and a
guest console reached with `telnet localhost 5000` to a fake vntsd from inside a shell session."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from transport_peers import CONSOLE_PASSWORD, FAKE_SSH

from harness.transport import (
    AuthenticationFailed,
    CommandTimeout,
    ConsoleSession,
    CredentialsError,
    LocalShellSession,
    TransportError,
    Unreachable,
)

SP_PASSWORD = "sp-Secret-1"
HOST_PASSWORD = "host-Secret-2"


@pytest.fixture
def ilom(monkeypatch: pytest.MonkeyPatch) -> Iterator[ConsoleSession]:
    monkeypatch.setenv("FAKE_SSH_PASSWORD", SP_PASSWORD)
    monkeypatch.setenv("FAKE_HOST_PASSWORD", HOST_PASSWORD)
    monkeypatch.setenv("ILOM_PW", SP_PASSWORD)
    monkeypatch.setenv("HOST_PW", HOST_PASSWORD)
    with ConsoleSession("ilom.test", password_env="ILOM_PW", strict_host_key=False, ssh_command=FAKE_SSH,
                        timeout=20, login_timeout=20) as session:
        yield session


def boot_to_login(ilom: ConsoleSession) -> None:
    assert ilom.run("start /SYS")[0] == 0
    assert "Serial console started" in ilom.attach_console()
    assert ilom.expect_console([r"\{\d+\} ok ?$"]).index == 0
    ilom.send_console("boot")
    assert ilom.expect_console([r"console login: ?$", r"\{\d+\} ok ?$"]).index == 0


def test_ilom_cli_answers_confirmations_and_reports_errors(ilom: ConsoleSession) -> None:
    rc, out, err = ilom.run("show /SYS")
    assert (rc, err) == (0, "") and "power_state = Off" in out and not out.startswith("show")
    rc, out, _ = ilom.run("stop /SYS")
    assert rc == 1 and out.splitlines()[-1] == "stop: Target already stopped"
    assert ilom.run("start /SYS")[:2] == (0, "Are you sure you want to start /SYS (y/n)? y\nStarting /SYS\n")
    assert ilom.run("show /SYS")[1].count("power_state = On") == 1
    assert ilom.run("frobnicate")[:2] == (1, "Invalid command 'frobnicate' - type help for a list of commands.\n")
    assert ilom.run("show /nope")[:2] == (1, "show: Invalid target /nope\n")
    assert SP_PASSWORD not in ilom.transcript()


def test_ilom_host_console_boot_login_shell_and_detach(ilom: ConsoleSession) -> None:
    boot_to_login(ilom)
    with pytest.raises(TransportError, match="detach_console"):
        ilom.run("show /SYS")
    host = ilom.console_login("root", "HOST_PW")
    for i in range(3):
        assert host.run(["echo", "boot", str(i)]) == (0, f"boot {i}\n", "")
    assert host.run("echo out; echo err >&2; printf tail; exit_status() { return 5; }; exit_status") \
        == (5, "out\ntail", "err\n")
    assert host.syslog and all("genunix" in line for line in host.syslog)
    ilom.detach_console()
    assert not ilom.attached
    assert ilom.run("show /SYS")[0] == 0
    text = ilom.transcript()
    assert HOST_PASSWORD not in text and SP_PASSWORD not in text
    assert ">>> #." in text and ">>> boot" in text


def test_ilom_reattach_finds_the_login_prompt_again(ilom: ConsoleSession) -> None:
    boot_to_login(ilom)
    ilom.console_login("root", "HOST_PW").close()
    ilom.detach_console()
    ilom.attach_console()
    host = ilom.console_login("root", "HOST_PW", settle=0.5)  # nothing pending: a CR wakes the prompt
    assert host.run("echo again") == (0, "again\n", "")
    ilom.detach_console()


def test_ilom_host_console_wrong_password(ilom: ConsoleSession, monkeypatch: pytest.MonkeyPatch) -> None:
    boot_to_login(ilom)
    monkeypatch.setenv("HOST_PW", "wrong")
    with pytest.raises(AuthenticationFailed, match="Login incorrect"):
        ilom.console_login("root", "HOST_PW")
    ilom.detach_console()
    assert ilom.run("show /SYS")[0] == 0


def test_ilom_console_command_timeout_then_the_shell_still_works(ilom: ConsoleSession) -> None:
    boot_to_login(ilom)
    host = ilom.console_login("root", "HOST_PW")
    with pytest.raises(CommandTimeout, match="resynchronised"):
        host.run("sleep 30", timeout=2)
    assert host.run("echo alive") == (0, "alive\n", "")


def test_ilom_credentials_are_checked_before_connecting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ILOM_PW", raising=False)
    with pytest.raises(CredentialsError, match="ILOM_PW"):
        ConsoleSession("ilom.test", password_env="ILOM_PW", ssh_command=FAKE_SSH)


def test_ilom_unreachable(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ILOM_PW", SP_PASSWORD)
    with pytest.raises(Unreachable, match="root@refused.test:22"):
        ConsoleSession("refused.test", password_env="ILOM_PW", ssh_command=FAKE_SSH).connect()


# -- vntsd: telnet localhost 5000 from a control domain's shell ---------------------------------------
@pytest.fixture
def control_domain(telnet_path: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalShellSession]:
    monkeypatch.setenv("GUEST_PW", CONSOLE_PASSWORD)
    with LocalShellSession(env=telnet_path, name="primary1", timeout=20, login_timeout=20) as shell:
        yield shell


def test_vntsd_console_login_run_and_leave(control_domain: LocalShellSession) -> None:
    outer_pid = control_domain.run("echo $$")[1]
    console = control_domain.open_console("telnet localhost 5000", "root", "GUEST_PW", name="alternate1")
    with pytest.raises(TransportError, match="console is open"):
        control_domain.run("true")
    guest_pid = console.run("echo $$")[1]
    assert guest_pid != outer_pid
    for i in range(3):
        assert console.run(["printf", "%s\\n", f"line {i}"]) == (0, f"line {i}\n", "")
    assert console.run("ls /nonexistent-altio")[0] != 0
    assert console.syslog
    console.close()
    console.close()
    assert control_domain.run("echo $$") == (0, outer_pid, "")
    assert control_domain.connections == 1
    text = control_domain.transcript()
    assert CONSOLE_PASSWORD not in text and "primary1>alternate1 >>> ~." in text


def test_vntsd_quiet_console_is_woken_with_a_cr(telnet_path: dict[str, str],
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUEST_PW", CONSOLE_PASSWORD)
    with LocalShellSession(env={**telnet_path, "FAKE_VNTSD_QUIET": "1"}, name="primary1") as shell:
        with shell.open_console("telnet localhost 5000", "root", "GUEST_PW", settle=0.5) as console:
            assert console.run("echo woken") == (0, "woken\n", "")
        assert shell.run("echo back") == (0, "back\n", "")
        assert ">>> '\\r'" in shell.transcript()


def test_vntsd_refused_port_leaves_the_shell_usable(control_domain: LocalShellSession) -> None:
    with pytest.raises(Unreachable, match="Connection refused"):
        control_domain.open_console("telnet localhost 5999", "root", "GUEST_PW")
    assert control_domain.run("echo still here") == (0, "still here\n", "")
    assert control_domain.connections == 1


def test_vntsd_wrong_password_leaves_the_shell_usable(control_domain: LocalShellSession,
                                                      monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GUEST_PW", "wrong")
    with pytest.raises(AuthenticationFailed):
        control_domain.open_console("telnet localhost 5000", "root", "GUEST_PW")
    assert control_domain.run("echo still here") == (0, "still here\n", "")
    assert control_domain.connections == 1


def test_vntsd_unset_password_variable_sends_nothing(control_domain: LocalShellSession,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("GUEST_PW")
    mark = control_domain.mark()
    with pytest.raises(CredentialsError, match="GUEST_PW"):
        control_domain.open_console("telnet localhost 5000", "root", "GUEST_PW")
    assert "telnet" not in control_domain.transcript(since=mark)


def test_a_console_command_timeout(control_domain: LocalShellSession) -> None:
    console = control_domain.open_console("telnet localhost 5000", "root", "GUEST_PW")
    with pytest.raises(CommandTimeout):
        console.run("sleep 30", timeout=2)
    assert console.run("echo ok") == (0, "ok\n", "")
    console.close()
    assert control_domain.run("echo outer") == (0, "outer\n", "")
