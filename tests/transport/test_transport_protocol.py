"""The pure parts of the transport: quoting, the marker line, parsing noisy terminal output,
transcript redaction, the ssh command line, failure classification and ILOM error detection."""

from __future__ import annotations

import pytest

from harness.transport import (
    AuthenticationFailed,
    CommandTimeout,
    Credentials,
    HostKeyError,
    TransportError,
    Unreachable,
    classify_ssh_failure,
    ilom_rc,
    markers,
    quote_argv,
    ssh_argv,
)
from harness.transport.transcript import REDACTED, Transcript

TOK = "0a1b2c3d"


def terminal_output(out: str, err: str, rc: int, *, echo: bool = False, crlf: bool = True) -> str:
    """What a terminal shows for one marker command (before the end marker)."""
    text = ""
    if echo:
        text += markers.command_line("cmd", TOK, "/tmp/e") + "\n"
    text += f"__ALTIO_B{TOK}__\n{out}\n__ALTIO_M{TOK}__\n{err}\n"
    return text.replace("\n", "\r\n") if crlf else text


def test_list_arguments_are_quoted_and_a_leading_home_is_left_to_the_shell() -> None:
    assert quote_argv(["echo", "a b", "it's", "$HOME", ""]) == "echo 'a b' 'it'\"'\"'s' '$HOME' ''"
    assert quote_argv(["ls", "~/", "~/my dir", "~user"]) == "ls ~/ ~/'my dir' '~user'"
    assert quote_argv("ls | wc -l") == "ls | wc -l"
    with pytest.raises(ValueError):
        quote_argv([])


def test_the_command_line_never_contains_a_joined_marker() -> None:
    line = markers.command_line("echo hi", TOK, "/tmp/e")
    for kind in "BME":
        assert f"__ALTIO_{kind}{TOK}" not in line
    assert "echo -n" not in line and "$(" not in line
    assert "\n" not in line
    setup = markers.setup_line(TOK, "/tmp/e")
    assert f"__ALTIO_S{TOK}__" not in setup and markers.PS1 not in setup


def test_a_command_line_longer_than_a_terminal_line_is_refused() -> None:
    with pytest.raises(ValueError, match="longer than a terminal line"):
        markers.command_line("x" * 5000, TOK, "/tmp/e")


@pytest.mark.parametrize("echo", [False, True])
@pytest.mark.parametrize("out,err", [("hello\n", ""), ("no newline", "warn\n"), ("", ""), ("\n\n", "e")])
def test_parse_recovers_stdout_and_stderr_exactly(out: str, err: str, echo: bool) -> None:
    raw = terminal_output(out, err, 0, echo=echo)
    assert markers.parse(raw, TOK, strip_syslog=False)[:2] == (out, err)


def test_parse_strips_ansi_and_bracketed_paste_noise() -> None:
    raw = "\x1b[?2004l\r" + terminal_output("\x1b[01;31mred\x1b[0m\n", "", 0) + "\x1b[?2004h"
    assert markers.parse(raw, TOK, strip_syslog=False)[:2] == ("red\n", "")


def test_syslog_lines_are_stripped_only_when_asked() -> None:
    syslog = "Nov 26 11:02:03 primary1 genunix: [ID 408114 kern.notice] NOTICE: vnet0 link up"
    raw = terminal_output(f"{syslog}\nline\n{syslog}\n", f"{syslog}\nerr", 0)
    out, err, found = markers.parse(raw, TOK, strip_syslog=True)
    assert (out, err) == ("line\n", "err")
    assert found == [syslog, syslog, syslog]
    out, _, found = markers.parse(raw, TOK, strip_syslog=False)
    assert out.count("genunix") == 2 and not found


def test_output_that_looks_like_markers_is_kept() -> None:
    fake = "__ALTIO_Bffffffff__\n__ALTIO_M0000__\n__ALTIO_Eabc_0__\n__ALTIO_PS1__ \n"
    assert markers.parse(terminal_output(fake, "", 0), TOK, strip_syslog=False)[0] == fake


def test_missing_markers_are_a_protocol_error() -> None:
    with pytest.raises(markers.ProtocolError):
        markers.parse("garbage", TOK, strip_syslog=False)


# -- transcripts ---------------------------------------------------------------------------------
def test_transcript_redacts_before_storing_even_across_chunks() -> None:
    log = Transcript(clock=lambda: 0.0)
    log.redact("s3cr3t-pw")
    log.sent("a", "login with s3cr3t-pw")
    log.received("a", "your password is s3cr")
    log.mark()  # a read in the middle of the secret must not store its beginning
    log.received("a", "3t-pw\r\nnext line\r\n")
    text = log.text()
    assert "s3cr" not in text and "3t-pw" not in text
    assert f">>> login with {REDACTED}" in text
    assert "your password is" in text and text.count(REDACTED) == 2
    assert all("s3cr3t" not in repr(e) for e in log._entries)


def test_transcript_slices_since_a_mark_and_by_source() -> None:
    log = Transcript(clock=lambda: 3600.5)
    log.sent("primary1", "ldm list")
    log.received("primary1", "NAME STATE\r\n")
    mark = log.mark()
    log.sent("alternate1", "zpool list")
    log.note("primary1>console", "console logged in")
    since = log.text(since=mark)
    assert "ldm list" not in since and ">>> zpool list" in since
    assert log.text(source="primary1").count("\n") == 3  # its console is part of it
    assert log.text().splitlines()[0].endswith("primary1 >>> ldm list")
    assert ".500 primary1" in log.text()


# -- ssh command line and failures ---------------------------------------------------------------
def test_ssh_argv_with_a_key_is_strict_batch_and_ignores_the_user_config() -> None:
    argv = ssh_argv("primary1", 2222, "admin", credentials=Credentials(key_file="/k"), known_hosts="/kh",
                    strict_host_key=True, connect_timeout=7, tty=True)
    text = " ".join(argv)
    for option in ("-F /dev/null", "-tt", "-e none", "-p 2222", "-l admin", "ConnectTimeout=7",
                   "ServerAliveInterval=15", "ServerAliveCountMax=3", "BatchMode=yes", "IdentitiesOnly=yes",
                   "-i /k", "StrictHostKeyChecking=yes", "UserKnownHostsFile=/kh", "LogLevel=ERROR",
                   "IdentityAgent=none"):
        assert option in text
    assert argv[-1] == "primary1"


def test_ssh_argv_with_a_password_and_no_host_key_checking() -> None:
    argv = " ".join(ssh_argv("h", 22, "root", credentials=Credentials(password_env="PW"), known_hosts=None,
                             strict_host_key=False, connect_timeout=10, tty=False))
    assert "BatchMode" not in argv and "-T" in argv
    assert "StrictHostKeyChecking=no" in argv and "UserKnownHostsFile=/dev/null" in argv
    assert "PubkeyAuthentication=no" in argv and "-i" not in argv.split()
    agent = " ".join(ssh_argv("h", 22, "root", credentials=Credentials(ssh_agent=True), known_hosts=None,
                              strict_host_key=True, connect_timeout=10, tty=True))
    assert "IdentityAgent=none" not in agent and "UserKnownHostsFile" not in agent


@pytest.mark.parametrize("printed,kind", [
    ("ssh: connect to host h port 22: Connection refused", Unreachable),
    ("ssh: connect to host h port 22: Connection timed out", Unreachable),
    ("ssh: connect to host h port 22: No route to host", Unreachable),
    ("ssh: Could not resolve hostname h: Name or service not known", Unreachable),
    ("root@h: Permission denied (publickey).", AuthenticationFailed),
    ("No ED25519 host key is known for [h]:22 and you have requested strict checking.\r\n"
     "Host key verification failed.", HostKeyError),
    ("@    WARNING: REMOTE HOST IDENTIFICATION HAS CHANGED!     @\r\nHost key verification failed.", HostKeyError),
])
def test_ssh_failures_are_classified_with_a_one_line_message(printed: str, kind: type) -> None:
    error = classify_ssh_failure(printed, host="h", port=22, user="root", credentials=Credentials(key_file="/k"),
                                 known_hosts="/kh")
    assert type(error) is kind
    assert isinstance(error, TransportError)
    assert str(error).startswith("root@h:22: ") and "\n" not in str(error)
    assert classify_ssh_failure("Welcome to primary1", host="h", port=22, user="root",
                                credentials=Credentials(key_file="/k"), known_hosts=None) is None


def test_every_transport_error_is_one_line() -> None:
    assert str(CommandTimeout("a\n  b\r\nc")) == "a b c"


@pytest.mark.parametrize("line,out,rc", [
    ("show /SYS", " /SYS\n    Targets:\n", 0),
    ("stop /SYS", "Are you sure you want to stop /SYS (y/n)? y\nstop: Target already stopped\n", 1),
    ("stop /SYS", "Are you sure you want to stop /SYS (y/n)? y\nStopping /SYS\n", 0),
    ("frobnicate", "Invalid command 'frobnicate' - type help for a list of commands.\n", 1),
    ("show /nope", "\nInvalid target /nope\n", 1),
    ("set /SP/x=1", "set: Invalid property x\n", 1),
    ("show /SP/logs", "show: this line mentions another verb\n", 1),
    ("show /SP/logs", "start: not the verb of this command\n", 0),
])
def test_ilom_errors_on_the_first_line_give_rc_1(line: str, out: str, rc: int) -> None:
    assert ilom_rc(line, out) == rc
