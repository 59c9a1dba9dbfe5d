"""Fixtures of the transport tests: fake peers (scripts under peers/), a fake `telnet` to vntsd, a
failing `stty`, and a private OpenSSH server (see transport_sshd.py)."""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from transport_peers import CONSOLE_PASSWORD, PEERS
from transport_sshd import SSHD, Sshd

from harness.transport import MarkerShell


@pytest.fixture(scope="session", autouse=True)
def remove_stderr_files() -> Iterator[None]:
    """Sessions killed on purpose leave their stderr file (/tmp/.altio-*.err) behind: remove the
    ones this test process created, once all its sessions are gone."""
    created: list[str] = []
    original = MarkerShell.__init__

    def recording(self: MarkerShell, *args: object, **kwargs: object) -> None:
        original(self, *args, **kwargs)  # type: ignore[arg-type]
        created.append(self.err_file)

    MarkerShell.__init__ = recording  # type: ignore[method-assign]
    try:
        yield
    finally:
        MarkerShell.__init__ = original  # type: ignore[method-assign]
        for path in created:
            if os.path.exists(path):
                os.unlink(path)


@pytest.fixture(scope="session")
def fakebin(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory with `telnet` (the fake vntsd; its console password is CONSOLE_PASSWORD unless
    FAKE_HOST_PASSWORD says otherwise) and an `stty` that always fails."""
    bin_dir = tmp_path_factory.mktemp("fakebin")
    telnet = bin_dir / "telnet"
    telnet.write_text("#!/bin/sh\n"
                      f': "${{FAKE_HOST_PASSWORD:={CONSOLE_PASSWORD}}}"\n'
                      "export FAKE_HOST_PASSWORD\n"
                      f'exec "{sys.executable}" "{PEERS / "fake_vntsd.py"}" "$@"\n')
    stty = bin_dir / "stty"
    stty.write_text("#!/bin/sh\necho 'stty: standard input: Inappropriate ioctl for device' >&2\nexit 1\n")
    for path in (telnet, stty):
        path.chmod(0o755)
    return bin_dir


@pytest.fixture
def telnet_path(fakebin: Path) -> dict[str, str]:
    """An environment for a LocalShellSession whose PATH finds the fake telnet (and the real stty)."""
    bin_dir = fakebin.parent / "telnet-only"
    bin_dir.mkdir(exist_ok=True)
    if not (bin_dir / "telnet").exists():
        (bin_dir / "telnet").symlink_to(fakebin / "telnet")
    return {**os.environ, "PATH": f"{bin_dir}:{os.environ['PATH']}"}


@pytest.fixture(scope="module")
def sshd(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sshd]:
    """sshd -D on 127.0.0.1:<free port> with its own host key and one authorized client key."""
    if not (os.path.exists(SSHD) and shutil.which("ssh") and shutil.which("ssh-keygen")):
        reason = f"OpenSSH is not installed ({SSHD} and ssh/ssh-keygen are needed)"
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; CI must install openssh-server (make bootstrap)")
        pytest.skip(reason)
    server = Sshd(tmp_path_factory.mktemp("sshd"))
    server.prepare()
    server.start()
    try:
        yield server
    finally:
        server.stop()
