"""The lab daemon's runtime files, made safe: a private runtime directory, a directory per lab (by
exact name), no writing through planted symlinks, one daemon per lab, a socket that answers every
request, `lab down` that signals only this lab's verified daemon, and a fault ledger that lives and
dies with its daemon. Every test drives real processes (the CLI, the daemon) and reads only what
they print, the files they leave and the process table."""

from __future__ import annotations

import json
import os
import signal
import socket
import stat
import subprocess
import time
from pathlib import Path

import yaml
from live_lab import (
    ALTIO_HIL,
    REPO,
    SEED_INVENTORY,
    LabCli,
    fast_inventory,
    kill_started_daemons,
    lab_dirs,
    process_gone,
    running_lab,
    wait_for,
)

from harness.inventory import load_inventory


def _in_process_env(monkeypatch, cli: LabCli) -> None:
    """Make this process see the CLI's runtime and state directories (for the harness API)."""
    for name in ("ALTIO_HIL_RUNTIME", "ALTIO_HIL_STATE"):
        monkeypatch.setenv(name, cli.env[name])


def _daemons_of(spec: str) -> list[int]:
    """Live lab daemons started on this spec file (from the process table, not from any pid file)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            args = open(f"/proc/{entry}/cmdline", "rb").read().split(b"\0")
        except OSError:
            continue
        if b"emulators.server" in args and spec.encode() in args and not process_gone(int(entry)):
            pids.append(int(entry))
    return pids


# -- the runtime directory --------------------------------------------------------------------------------

def test_runtime_dir_is_xdg_or_tmp_and_created_private_whatever_the_umask(tmp_path, monkeypatch):
    from harness.lab_daemon import runtime_dir

    monkeypatch.delenv("ALTIO_HIL_RUNTIME", raising=False)
    xdg = tmp_path / "xdg"
    xdg.mkdir()
    monkeypatch.setenv("XDG_RUNTIME_DIR", str(xdg))
    old = os.umask(0)
    try:
        path = runtime_dir()
    finally:
        os.umask(old)
    assert path == xdg / "altio-hil"
    st = os.lstat(path)
    assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700 and st.st_uid == os.geteuid()
    monkeypatch.delenv("XDG_RUNTIME_DIR")
    assert runtime_dir() == Path(f"/tmp/altio-hil-{os.getuid()}")


def _unsafe_runtime_dirs(base):
    """(name, make it, what the message must say) for runtime directories that must be refused."""
    def wide():
        path = base / "wide"
        path.mkdir()
        path.chmod(0o755)
        return path

    def link():
        target = base / "private"
        target.mkdir(mode=0o700)
        (base / "link").symlink_to(target)
        return base / "link"

    def plain_file():
        path = base / "file"
        path.write_text("not a directory\n")
        return path

    def strangers():
        path = base / "strangers"
        path.mkdir(mode=0o700)
        os.chown(path, 65534, 65534)
        return path

    cases = [("wide", wide, "mode 0755"), ("link", link, "symbolic link"), ("file", plain_file, "not a directory")]
    if os.geteuid() == 0:
        cases.append(("strangers", strangers, "owned by uid 65534"))
    return cases


def test_an_unsafe_runtime_dir_is_refused_with_exit_2_and_left_as_it_was(tmp_path):
    base = tmp_path / "runtimes"
    base.mkdir()
    inventory = fast_inventory(tmp_path)
    for name, make, says in _unsafe_runtime_dirs(base):
        path = make()
        before = (os.lstat(path), sorted(os.listdir(path)) if path.is_dir() else None)
        for command in (["lab", "up"], ["lab", "status"], ["lab", "down"]):
            env = {**os.environ, "ALTIO_HIL_RUNTIME": str(path), "ALTIO_HIL_STATE": str(tmp_path / "st")}
            done = subprocess.run([str(ALTIO_HIL), *command, "--lab", str(inventory)], env=env, capture_output=True,
                                  text=True, timeout=60, stdin=subprocess.DEVNULL)
            assert done.returncode == 2, (name, command, done.returncode, done.stdout, done.stderr)
            assert says in done.stderr and str(path) in done.stderr and "Traceback" not in done.stderr, \
                (name, done.stderr)
        after = (os.lstat(path), sorted(os.listdir(path)) if path.is_dir() else None)
        assert (after[0].st_mode, after[0].st_uid, after[1]) == (before[0].st_mode, before[0].st_uid, before[1]), name


def _named_inventory(directory, lab_name: str, file_name: str):
    data = yaml.safe_load(SEED_INVENTORY.read_text())
    data["lab"] = lab_name
    data["cluster"]["main_cf"] = str((SEED_INVENTORY.parent / data["cluster"]["main_cf"]).resolve())
    path = directory / file_name
    path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def test_each_lab_has_its_own_private_directory_by_its_exact_name(tmp_path, monkeypatch):
    from harness.lab_daemon import LabDaemon

    with lab_dirs() as (runtime, state):
        monkeypatch.setenv("ALTIO_HIL_RUNTIME", str(runtime))
        monkeypatch.setenv("ALTIO_HIL_STATE", str(state))
        a = LabDaemon(load_inventory(_named_inventory(tmp_path, "a_b", "one.yaml")))
        b = LabDaemon(load_inventory(_named_inventory(tmp_path, "a.b", "two.yaml")))
        assert a.socket != b.socket and a.socket.parent != b.socket.parent
        for daemon in (a, b):
            st = os.lstat(daemon.socket.parent)
            assert daemon.socket.parent.parent == runtime
            assert stat.S_ISDIR(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o700
            assert daemon.socket.parent.name.startswith(daemon.lab.name + "-")


# -- files never written through a symlink ----------------------------------------------------------------

def test_symlinks_planted_in_the_lab_directory_are_never_written_through(tmp_path, monkeypatch):
    from harness.lab_daemon import LabDaemon

    inventory = fast_inventory(tmp_path)
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state)
        _in_process_env(monkeypatch, cli)
        daemon = LabDaemon(load_inventory(inventory))
        victims = {}
        for planted in (daemon.specfile, daemon.logfile, daemon.ledger.path):
            victim = tmp_path / f"victim-{planted.name}"
            victim.write_text("precious\n")
            planted.symlink_to(victim)
            victims[planted] = victim
        try:
            up = cli.lab("up")
            assert up.returncode == 0, (up.stdout, up.stderr)
            assert "seed-fast is up" in up.stdout
            assert "ONLINE" in cli.out("primary1", "hagrp", "-state", "ldomsg", "-sys", "primary1")
            fault = cli.lab("fault", "nic_pull", "--where", "alternate1:nxge4")
            assert fault.returncode == 0, fault.stderr
            for planted, victim in victims.items():
                assert victim.read_text() == "precious\n", planted
                st = os.lstat(planted)
                assert stat.S_ISREG(st.st_mode) and stat.S_IMODE(st.st_mode) == 0o600, planted
        finally:
            cli.lab("down", timeout=30)
            kill_started_daemons(cli)


# -- one daemon per lab, and `lab down` signals only that one ----------------------------------------------

def test_two_concurrent_lab_up_start_one_daemon_and_a_second_daemon_refuses(tmp_path):
    inventory = fast_inventory(tmp_path)
    with lab_dirs() as (runtime, state):
        cli = LabCli(inventory, runtime, state)
        try:
            argv = [str(ALTIO_HIL), "lab", "up", "--lab", str(inventory)]
            ups = [subprocess.Popen(argv, env=cli.env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                    stdin=subprocess.DEVNULL) for _ in range(2)]
            outs = [p.communicate(timeout=120) for p in ups]
            assert [p.returncode for p in ups] == [0, 0], outs
            assert sorted("already up" in out for out, _ in outs) == [False, True], outs
            spec = str(cli.lab_dir() / "spec.json")
            (pid,) = _daemons_of(spec)
            assert cli.daemon_pids() == [pid]

            # the same daemon started by hand: it refuses, the running one goes on
            args = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")[:-1]
            second = subprocess.run([a.decode() for a in args], capture_output=True, text=True, timeout=60,
                                    cwd=str(REPO), stdin=subprocess.DEVNULL)
            assert second.returncode == 1 and "refusing to start" in second.stderr, (second.returncode, second.stderr)
            assert _daemons_of(spec) == [pid]
            assert cli.lab("status").returncode == 0
            assert "ONLINE" in cli.out("primary1", "hagrp", "-state", "ldomsg", "-sys", "primary1")
        finally:
            cli.lab("down", timeout=30)
            kill_started_daemons(cli)


def test_lab_down_signals_only_the_verified_daemon_of_the_lab(tmp_path, monkeypatch):
    """A hung daemon (SIGSTOP) is stopped by `lab down` after verification; a stranger whose pid was
    written where the daemon keeps its own is left alone."""
    from harness.lab_daemon import LabDaemon

    stranger = subprocess.Popen(["sleep", "300"])
    try:
        with running_lab(fast_inventory(tmp_path)) as cli:
            _in_process_env(monkeypatch, cli)
            (pid,) = cli.daemon_pids()
            lock = cli.lab_dir() / "daemon.lock"
            lock.write_text(f"{stranger.pid} forged\n")  # what a pid file could say after pid reuse
            os.kill(pid, signal.SIGSTOP)
            daemon = LabDaemon(load_inventory(cli.inventory))
            assert daemon.daemon_pid() == pid  # verified by the lock it holds and its command line
            t0 = time.monotonic()
            assert daemon.down(timeout=2).endswith("is down")
            assert time.monotonic() - t0 < 60
            assert wait_for(lambda: process_gone(pid), 10), "the hung daemon survived lab down"
            assert stranger.poll() is None, "lab down signalled a stranger"
            assert not daemon.socket.exists()
            assert daemon.down().endswith("is not up")
    finally:
        stranger.kill()
        stranger.wait()


# -- the socket answers every request ----------------------------------------------------------------------

def _raw(sock_path: str, payload: bytes, shut: bool = False) -> dict:
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.settimeout(60)
    try:
        s.connect(sock_path)
        s.sendall(payload)
        if shut:
            s.shutdown(socket.SHUT_WR)
        chunks = []
        while data := s.recv(65536):
            chunks.append(data)
    finally:
        s.close()
    assert chunks, f"the daemon closed the connection without an answer to {payload[:60]!r}"
    return json.loads(b"".join(chunks))


BAD_REQUESTS = [
    (b"x" * (100 * 1024) + b"\n", "too large"),
    (json.dumps({"op": "exec", "system": "primary1", "argv": ["x" * (70 * 1024)]}).encode() + b"\n", "too large"),
    (b"not json\n", "not JSON"),
    (b"\xff\xfe\xfd\n", "not JSON"),
    (b"[1, 2]\n", "JSON object"),
    (b"\"exec\"\n", "JSON object"),
    (b"null\n", "JSON object"),
    (b"{}\n", "unknown request op"),
    (b"{\"op\": 5}\n", "unknown request op"),
    (b"{\"op\": \"format-disks\"}\n", "unknown request op"),
    (b"{\"op\": \"exec\", \"system\": \"primary1\", \"argv\": null}\n", "'argv' must be a list"),
    (b"{\"op\": \"exec\", \"system\": 5, \"argv\": [\"hastatus\"]}\n", "'system' must be a str"),
    (b"{\"op\": \"exec\", \"system\": \"primary1\"}\n", "missing field 'argv'"),
    (b"{\"op\": \"exec\", \"system\": \"primary1\", \"argv\": []}\n", "non-empty list of strings"),
    (b"{\"op\": \"exec\", \"system\": \"primary1\", \"argv\": [\"ldm\", 1]}\n", "non-empty list of strings"),
    (b"{\"op\": \"fault\", \"kind\": 1, \"where\": null}\n", "'kind' must be a str"),
    (b"{\"op\": \"heal\"}\n", "give all: true, or kind and where"),
    (b"{\"op\": \"heal\", \"all\": \"yes\"}\n", "'all' must be a bool"),
    (b"{\"op\": \"power\", \"node\": \"node1\", \"state\": \"maybe\"}\n", "on or off"),
    (b"{\"op\": \"fault\", \"kind\": \"nic_pull\", \"where\": \"primary9:nxge3\"}\n", "unknown system"),
    (b"\n", "empty request"),
]


def test_the_daemon_answers_every_request_even_malformed_ones(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        sock = cli.socket()
        for payload, says in BAD_REQUESTS:
            reply = _raw(sock, payload)
            assert reply["rc"] == 2 and says in reply["err"], (payload[:80], reply)
        # a client that sends a request without its newline and shuts its side
        reply = _raw(sock, b"{\"op\": \"ping\"}", shut=True)
        assert reply["rc"] == 0 and reply["out"] == "seed-fast up\n"
        reply = _raw(sock, b"[", shut=True)
        assert reply["rc"] == 2 and "not JSON" in reply["err"]
        # and it is still well
        assert "no faults in force" in cli.lab("status").stdout
        assert "ONLINE" in cli.out("primary1", "hagrp", "-state", "ldomsg", "-sys", "primary1")


# -- the fault ledger lives and dies with its daemon -------------------------------------------------------

def test_the_fault_ledger_is_normalised_and_dies_with_its_daemon(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        def recorded() -> list[tuple[str, str]]:
            return [(e["kind"], e["where"]) for e in cli.daemon_ledger()]

        # recorded as the lab writes it (a node's power by its control domain), so that a heal by
        # either name drops it
        for fault_at, heal_at, control in (("node2", "primary2", "primary2"), ("primary1", "node1", "primary1")):
            fault = cli.lab("fault", "node_power_off", "--where", fault_at)
            assert fault.returncode == 0, fault.stderr
            assert recorded() == [("node_power_off", control)]
            heal = cli.lab("heal", "node_power_off", "--where", heal_at)
            assert heal.returncode == 0, heal.stderr
            assert recorded() == [], (fault_at, heal_at)
        assert "no faults in force" in cli.lab("status").stdout
        spaced = cli.lab("fault", "domain_kill", "--where", "alternate1 ")
        assert spaced.returncode == 2 and recorded() == []

        # a daemon killed with its fault in force: the next `lab up` starts a fresh lab, fresh ledger
        assert cli.lab("fault", "nic_pull", "--where", "alternate1:nxge4").returncode == 0
        assert recorded() == [("nic_pull", "alternate1:nxge4")]
        (pid,) = cli.daemon_pids()
        os.kill(pid, signal.SIGKILL)
        assert wait_for(lambda: process_gone(pid), 10)
        up = cli.lab("up")
        assert up.returncode == 0 and "already" not in up.stdout, (up.stdout, up.stderr)
        assert recorded() == []
        assert "no faults in force" in cli.lab("status").stdout
        heal = cli.run("heal", "--lab", str(cli.inventory))
        assert heal.returncode == 0 and "nothing to heal" in heal.stdout, (heal.stdout, heal.stderr)

        # a lab that went down: `altio-hil heal` says so and clears its ledger
        assert cli.lab("fault", "nic_pull", "--where", "primary1:nxge3").returncode == 0
        assert cli.lab("down").returncode == 0
        assert recorded() == [("nic_pull", "primary1:nxge3")]
        heal = cli.run("heal", "--lab", str(cli.inventory))
        assert heal.returncode == 0 and "is down" in heal.stdout, (heal.stdout, heal.stderr)
        assert recorded() == []


def test_sigterm_stops_a_daemon_cleanly(tmp_path):
    with running_lab(fast_inventory(tmp_path)) as cli:
        (pid,) = cli.daemon_pids()
        sock = cli.lab_dir() / "daemon.sock"
        assert sock.exists()
        os.kill(pid, signal.SIGTERM)
        assert wait_for(lambda: process_gone(pid), 20), "the daemon ignored SIGTERM"
        assert not sock.exists()
        assert cli.lab("status").returncode == 3
        assert cli.lab("down").stdout.strip().endswith("is not up")



# -- fuzzing the socket: mutated real requests ---------------------------------------------------------------

VALID_REQUESTS = [
    {"op": "ping"}, {"op": "ready"}, {"op": "status"}, {"op": "observe", "since": 0},
    {"op": "exec", "system": "primary1", "argv": ["hagrp", "-state", "ldomsg"]},
    {"op": "exec", "system": "alternate1", "argv": ["ldm", "list", "-p"]},
    {"op": "resolve", "kind": "nic_pull", "where": "alternate1:nxge4"},
    {"op": "fault", "kind": "nic_pull", "where": "alternate1:nxge4"},
    {"op": "heal", "kind": "nic_pull", "where": "alternate1:nxge4"},
    {"op": "heal", "all": True},
]
JUNK = [None, True, 0, -1, 2**70, 1.5, "", "x" * 300, [], [1, "a"], {}, {"op": "ping"}, "\udcff", "primary1 "]


def _mutations(rng):
    """Requests the way clients get them wrong: a field dropped, retyped or added, bytes cut,
    flipped or not UTF-8, a line twice, values of every JSON type."""
    while True:
        request = dict(rng.choice(VALID_REQUESTS))
        how = rng.randrange(8)
        if how == 0 and len(request) > 1:
            request.pop(rng.choice([k for k in request if k != "op"]))
        elif how == 1:
            request[rng.choice(list(request))] = rng.choice(JUNK)
        elif how == 2:
            request[rng.choice(["argv", "system", "kind", "where", "all", "since", "extra"])] = rng.choice(JUNK)
        line = json.dumps(request, ensure_ascii=rng.random() < 0.5).encode("utf-8", "surrogateescape")
        if how == 3:
            line = line[:rng.randrange(len(line))]
        elif how == 4:
            i = rng.randrange(len(line))
            line = line[:i] + bytes([rng.randrange(256)]) + line[i + 1:]
        elif how == 5:
            line = line + b"\n" + line
        elif how == 6:
            line = b"\xff\xfe" + line
        yield line + (b"\n" if rng.random() < 0.9 else b"")


def test_mutated_requests_always_get_an_answer_and_leave_the_daemon_well(tmp_path):
    import random

    rng = random.Random(20261126)
    with running_lab(fast_inventory(tmp_path)) as cli:
        sock = cli.socket()
        tried = 0
        for line in _mutations(rng):
            reply = _raw(sock, line, shut=not line.endswith(b"\n"))
            assert isinstance(reply, dict) and isinstance(reply.get("rc"), int), (line[:120], reply)
            assert isinstance(reply.get("out"), str) and isinstance(reply.get("err"), str), (line[:120], reply)
            assert "Traceback" not in reply["err"], (line[:120], reply["err"][-500:])
            tried += 1
            if tried >= 300:
                break
        assert _raw(sock, b'{"op": "heal", "all": true}\n')["rc"] == 0
        assert "no faults in force" in cli.lab("status").stdout
        assert "ONLINE" in cli.out("primary1", "hagrp", "-state", "ldomsg", "-sys", "primary1")
        log = (cli.lab_dir() / "daemon.log").read_text()
        assert "Traceback" not in log, log[-3000:]  # no request reached the daemon's last-resort handler
