"""`LocalShellSession`: the marker protocol against real shells (dash, bash with a coloured prompt
and bracketed paste, a shell whose `stty -echo` fails), timeouts, a dying peer, transcripts."""

from __future__ import annotations

import os
import re
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from harness.transport import CommandTimeout, LocalShellSession, Transcript, TransportError, Unreachable
from harness.transport.transcript import REDACTED


def wait_dead(session: LocalShellSession) -> None:
    """Let the killed child be reaped (bounded; not a timing assertion)."""
    deadline = time.monotonic() + 30
    while session.alive and time.monotonic() < deadline:
        time.sleep(0.01)
    assert not session.alive


@pytest.fixture
def sh() -> Iterator[LocalShellSession]:
    with LocalShellSession("/bin/sh", timeout=20) as session:
        yield session


@pytest.mark.parametrize("command,rc", [
    ("true", 0), ("false", 1), ("no_such_command_altio", 127), (["sh", "-c", "exit 255"], 255),
])
def test_exit_statuses(sh: LocalShellSession, command: str | list[str], rc: int) -> None:
    assert sh.run(command)[0] == rc


def test_stdout_and_stderr_are_separated(sh: LocalShellSession) -> None:
    assert sh.run("echo out1; echo err1 >&2; echo out2; echo err2 >&2; exit_status() { return 3; }; exit_status") \
        == (3, "out1\nout2\n", "err1\nerr2\n")
    rc, out, err = sh.run("no_such_command_altio")
    assert rc == 127 and out == "" and "not found" in err


@pytest.mark.parametrize("command,out", [
    ("printf 'no trailing newline'", "no trailing newline"),
    ("printf ''", ""),
    ("printf '\\n\\n'", "\n\n"),
    ("printf 'a\\r\\nb'", "a\nb"),
    ("printf '\\033[1;31mred\\033[0m\\n'", "red\n"),
])
def test_outputs_come_back_exactly(sh: LocalShellSession, command: str, out: str) -> None:
    assert sh.run(command) == (0, out, "")


def test_stderr_without_trailing_newline(sh: LocalShellSession) -> None:
    assert sh.run("printf oops >&2") == (0, "", "oops")


def test_output_that_contains_marker_like_text(sh: LocalShellSession) -> None:
    fake = "__ALTIO_B00000000__\n__ALTIO_M00000000__\n__ALTIO_E00000000_0__\n__ALTIO_S00000000__\n__ALTIO_PS1__ \n"
    assert sh.run(["printf", "%s", fake]) == (0, fake, "")
    assert sh.run(["sh", "-c", 'printf "%s" "$1" >&2', "-", fake]) == (0, "", fake)
    assert sh.run(["printf", "%s%s\\n", "__ALTIO", "_Bxx__"]) == (0, "__ALTIO_Bxx__\n", "")


def test_one_megabyte_of_output(sh: LocalShellSession) -> None:
    rc, out, err = sh.run("awk 'BEGIN { for (i = 0; i < 65536; i++) print \"0123456789abcdef\" }'")
    assert (rc, err) == (0, "")
    assert len(out) == 17 * 65536 and out == "0123456789abcdef\n" * 65536


def test_argv_quoting_and_home_expansion(sh: LocalShellSession) -> None:
    args = ["a b", "it's", "$HOME", "", ";ls", "*"]
    assert sh.run(["printf", "[%s]", *args])[1] == "[a b][it's][$HOME][][;ls][*]"
    home = sh.run("printf %s \"$HOME\"")[1]
    assert sh.run(["printf", "%s|", "~/", "~/my dir", "~"])[1] == f"{home}/|{home}/my dir|~|"


def test_the_shell_persists_between_commands(sh: LocalShellSession, tmp_path: Path) -> None:
    sh.run(["cd", str(tmp_path)])
    sh.run("ALTIO_X=42; export ALTIO_X")
    assert sh.run("pwd; echo $ALTIO_X") == (0, f"{tmp_path}\n42\n", "")


def test_commands_get_no_stdin(sh: LocalShellSession) -> None:
    assert sh.run("cat; echo done") == (0, "done\n", "")


def test_a_multi_line_command(sh: LocalShellSession) -> None:
    assert sh.run("for i in 1 2; do\n  echo $i\ndone") == (0, "1\n2\n", "")


def test_dash() -> None:
    with LocalShellSession("/usr/bin/dash") as dash:
        assert dash.run("echo ${0##*/}; printf x") == (0, "dash\nx", "")


def test_bash_with_a_coloured_prompt_and_bracketed_paste(tmp_path: Path) -> None:
    rc = tmp_path / "bashrc"
    rc.write_text("PS1='\\[\\e[01;32m\\]\\u@\\h\\[\\e[0m\\]:\\w\\$ '\n"
                  "PROMPT_COMMAND='printf \"\\033]0;title\\007\"'\n"
                  "bind 'set enable-bracketed-paste on'\n")
    env = {**os.environ, "TERM": "xterm-256color"}
    with LocalShellSession(["/bin/bash", "--noprofile", "--rcfile", str(rc), "-i"], env=env) as bash:
        assert bash.run("echo $BASH_VERSION >/dev/null; echo hi; echo err >&2") == (0, "hi\n", "err\n")
        assert bash.run(["ls", "--color=always", "-d", str(tmp_path)]) == (0, f"{tmp_path}\n", "")
        assert bash.run("echo 'history !expansion'")[1] == "history !expansion\n"


def test_echo_left_on_when_stty_fails(fakebin: Path) -> None:
    env = {**os.environ, "PATH": f"{fakebin}:{os.environ['PATH']}"}
    with LocalShellSession("/bin/sh", env=env) as session:
        assert session.run("echo hello") == (0, "hello\n", "")
        assert session.run(["printf", "%s", "x y"]) == (0, "x y", "")
        flags = session.run("/bin/stty -a </dev/tty")[1]
        assert re.search(r"(?<!-)\becho\b", flags), "the terminal should still echo"


def test_a_hanging_command_times_out_and_the_session_resynchronises(sh: LocalShellSession) -> None:
    with pytest.raises(CommandTimeout, match="did not complete within 2s.*resynchronised"):
        sh.run("sleep 30", timeout=2)
    assert sh.run("echo after") == (0, "after\n", "")
    assert sh.connections == 1


def test_a_command_deaf_to_ctrl_c_closes_the_session_then_it_reconnects() -> None:
    with LocalShellSession("/bin/sh", resync_timeout=1) as session:
        with pytest.raises(CommandTimeout, match="closed"):
            session.run(["sh", "-c", "trap '' INT; sleep 30"], timeout=0.5)
        assert not session.alive
        assert session.run("echo back") == (0, "back\n", "")
        assert session.connections == 2


def test_a_dead_peer_is_reconnected_once_on_the_next_run(sh: LocalShellSession) -> None:
    first = sh.run("echo $$")[1]
    assert sh.pid is not None
    os.kill(sh.pid, signal.SIGKILL)
    wait_dead(sh)
    assert sh.run("echo $$")[1] != first
    assert sh.connections == 2
    assert "connection lost" in sh.transcript() and "reconnecting" in sh.transcript()


def test_a_peer_dying_during_a_command_raises_then_reconnects(sh: LocalShellSession) -> None:
    with pytest.raises(Unreachable, match="closed while running"):
        sh.run("kill -9 $$")
    assert sh.run("echo ok") == (0, "ok\n", "")


def test_a_failing_reconnect_raises_unreachable(sh: LocalShellSession) -> None:
    assert sh.pid is not None
    os.kill(sh.pid, signal.SIGKILL)
    wait_dead(sh)
    sh.argv = ["/nonexistent/altio-shell"]
    with pytest.raises(Unreachable, match="cannot start"):
        sh.run("true")


def test_a_shell_that_exits_at_once_is_unreachable() -> None:
    with pytest.raises(Unreachable, match="exited before a prompt"):
        LocalShellSession(["/bin/sh", "-c", "echo bye; exit 3"], login_timeout=10).connect()


def test_close_is_idempotent_and_final(sh: LocalShellSession) -> None:
    sh.run("true")
    sh.close()
    sh.close()
    assert not sh.alive
    with pytest.raises(TransportError, match="closed"):
        sh.run("true")


def test_close_after_the_child_died() -> None:
    session = LocalShellSession()
    session.connect()
    assert session.pid is not None
    os.kill(session.pid, signal.SIGKILL)
    wait_dead(session)
    session.close()


def test_transcript_records_commands_output_and_redacts(sh: LocalShellSession) -> None:
    sh.redact("hunter2")
    mark = sh.mark()
    sh.run("echo the password is hunter2; echo warn >&2")
    text = sh.transcript(since=mark)
    assert "hunter2" not in text
    lines = text.splitlines()
    assert re.match(r"\d\d:\d\d:\d\d\.\d{3} local >>> echo the password is \*{8}; echo warn >&2$", lines[0])
    assert any(line.endswith(f"the password is {REDACTED}") for line in lines)
    assert any(line.endswith("2>  warn") for line in lines)
    assert lines[-1].endswith("--- rc 0")
    assert "echo the password" not in sh.transcript(since=sh.mark())


def test_one_transcript_collects_several_sessions_and_slices_by_mark() -> None:
    log = Transcript()
    with LocalShellSession(name="primary1", transcript=log) as primary, \
            LocalShellSession(name="alternate1", transcript=log) as alternate:
        primary.run("echo one")
        mark = log.mark()
        alternate.run("echo two")
        primary.run("echo three")
    scenario = log.text(since=mark)
    assert "echo one" not in scenario
    assert "alternate1 >>> echo two" in scenario and "primary1 >>> echo three" in scenario
    assert "two" not in primary.transcript() and "echo one" in primary.transcript()


def test_syslog_lines_are_kept_unless_asked() -> None:
    line = "Nov 26 11:02:03 primary1 genunix: [ID 408114 kern.notice] NOTICE: x"
    with LocalShellSession() as plain:
        assert plain.run(["printf", "%s\\nok\\n", line])[1] == f"{line}\nok\n"
    with LocalShellSession(strip_syslog=True) as console_like:
        assert console_like.run(["printf", "%s\\nok\\n", line])[1] == "ok\n"
        assert console_like.syslog == [line]



def test_ctrl_c_stops_a_hanging_command_even_when_the_harness_ignores_sigint() -> None:
    """The session's shell gets Ctrl-C back: a harness started in the background of a shell without
    job control (a CI step) has SIGINT ignored, and its children would inherit that. The hanging-command
    test above, in a process started so."""
    import subprocess
    import sys

    test = f"{__file__}::test_a_hanging_command_times_out_and_the_session_resynchronises"
    done = subprocess.run(["bash", "-c", f"trap '' INT; exec {sys.executable} -m pytest -q -p no:cacheprovider "
                           f"-p no:xdist {test}"], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stdout[-2000:]
