"""The `sparc` target end to end, against the emulated stand-in of a real lab behind a real sshd.

Everything the harness does here goes over SSH (and the emulated ILOMs): `altio-hil run` certifies
the lab, catches the legacy monitor on exactly the S2/N2 rows, refuses bad input before sending
anything, plans without connecting, installs and verifies the agent, and a SIGKILLed run's faults
(and its timing change) are healed by the next run started from another directory and state
directory, on this machine as from any other: the lease and the ledger live on the lab.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
from pathlib import Path

import pytest
import yaml
from live_lab import ALTIO_HIL, REPO
from live_sparc import CONSOLE_PASSWORD, processes_mentioning, running_sparc_lab, sparc_inventory, wait_for

# slow: one live lab at a time on this machine (tests/conftest.py): their clocks run at 10x on 2 cores
pytestmark = [pytest.mark.slow, pytest.mark.xdist_group("sparc-sim")]


def _run(lab, *args: str, cwd: Path | None = None, state: Path | None = None, timeout: float = 900):
    env = dict(lab.cli.env)
    if state is not None:
        env["ALTIO_HIL_STATE"] = str(state)
    return subprocess.run([str(ALTIO_HIL), *args], env=env, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL, cwd=str(cwd or lab.cli.runtime))


def _results(report: Path) -> dict:
    return json.loads((report / "results.json").read_text())


def _ledger(lab) -> list[dict]:
    """The lab's own ledger, as its control domain primary1 keeps it (read over ssh)."""
    done = lab.ssh("primary1", "cat ~/var/tmp/altio-hil/ledger.json 2>/dev/null")
    return json.loads(done.stdout)["records"] if done.stdout.strip() else []


def _monitor_interval(lab) -> str:
    return lab.out("primary1", "hatype -value AlternateIO MonitorInterval").strip()


@pytest.fixture
def sparc_lab(tmp_path):
    with running_sparc_lab(tmp_path, name="sparc-run", ALTIO_HIL_CONSOLE_PASSWORD=CONSOLE_PASSWORD) as lab:
        yield lab


def test_run_certifies_the_lab_over_ssh_and_puts_its_timing_back(sparc_lab, tmp_path):
    lab = sparc_lab
    assert _monitor_interval(lab) == "60"  # the lab boots with VCS's defaults
    report = tmp_path / "report"
    done = _run(lab, "run", "--lab", str(lab.inventory), "--suite", "matrix", "--suite", "contract",
                "--report", str(report), "--no-html", "--seed", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = _results(report)
    assert results["target"] == "sparc"
    assert results["agent"]["monitor"] == "alternateio"  # identified on the lab by checksums
    assert set(results["agent"]["files"]) == {"primary1", "primary2"}
    assert all(len(h) == 64 for files in results["agent"]["files"].values() for h in files.values())
    matrix = [s for s in results["scenarios"] if s["suite"] == "matrix"]
    assert len(matrix) == 26 and all(s["verdict"] == "pass" for s in results["scenarios"])
    assert len([s for s in results["scenarios"] if s["suite"] == "contract"]) == 3
    by_row = {s["row"]: s for s in matrix}
    assert by_row["D3"]["failover_s"] is not None and by_row["S4"]["failover_s"] is not None
    assert all(s["windows"]["quiet_s"] == 30.0 for s in matrix)  # from MonitorInterval 10
    assert _monitor_interval(lab) == "60" and _ledger(lab) == []  # timing put back, nothing left in force
    # the report carries the sessions' transcripts; the console password never appears anywhere
    attachments = list((report / "allure-results").glob("*-attachment*"))
    texts = [p.read_text(errors="replace") for p in attachments]
    assert any("hastatus -sum" in t and "=====" in t for t in texts)
    assert not any(CONSOLE_PASSWORD in p.read_text(errors="replace") for p in report.rglob("*") if p.is_file())
    # steps of the randomized schedule over SSH, out of order: step 02 first replays 00 and 01 (unjudged)
    steps = tmp_path / "steps"
    done = _run(lab, "run", "--lab", str(lab.inventory), "--suite", "nemesis", "-k", "step02 or step03",
                "--report", str(steps), "--no-html", "--seed", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    ids = [s["id"] for s in _results(steps)["scenarios"]]
    assert [i.split("[")[0] for i in ids] == ["nemesis-step02", "nemesis-step03"], ids
    assert _ledger(lab) == []


def test_the_legacy_monitor_fails_exactly_the_s2_and_n2_rows(tmp_path):
    with running_sparc_lab(tmp_path, name="sparc-legacy") as lab:
        up = lab.cli.lab("down")
        assert up.returncode == 0
        up = lab.cli.lab("up", "--monitor", "legacy-primary-only", timeout=180)
        assert up.returncode == 0, up.stderr
        refused = _run(lab, "run", "--lab", str(lab.inventory), "--suite", "matrix", "--no-html",
                       "--report", str(tmp_path / "r0"))
        assert refused.returncode == 2, refused.stdout + refused.stderr
        assert "runs the build 'legacy-primary-only' of the AlternateIO agent, not 'alternateio'" in refused.stdout + refused.stderr
        done = _run(lab, "run", "--lab", str(lab.inventory), "--suite", "matrix", "--no-html",
                    "--monitor", "legacy-primary-only", "--report", str(tmp_path / "r1"), "--seed", "3")
        assert done.returncode == 1, done.stdout[-3000:] + done.stderr[-3000:]
        failed = sorted(s["id"] for s in _results(tmp_path / "r1")["scenarios"] if s["verdict"] != "pass")
        sim = _run(lab, "run", "--suite", "matrix", "--no-html", "--monitor", "legacy-primary-only",
                   "--report", str(tmp_path / "sim"), "--seed", "3")
        assert sim.returncode == 1
        assert failed == sorted(s["id"] for s in _results(tmp_path / "sim")["scenarios"] if s["verdict"] != "pass")
        assert {f.split("[")[0] for f in failed} == {"S2", "N2"}


def test_a_killed_run_is_healed_by_the_next_run_from_elsewhere(sparc_lab, tmp_path):
    lab = sparc_lab
    first, second = tmp_path / "first", tmp_path / "second"
    for d in (first, second):
        (d / "state").mkdir(parents=True)
    env = dict(lab.cli.env, ALTIO_HIL_STATE=str(first / "state"))
    proc = subprocess.Popen([str(ALTIO_HIL), "run", "--lab", str(lab.inventory), "--suite", "matrix", "--no-html",
                             "--report", str(first / "report")], env=env, cwd=str(first), start_new_session=True,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL)
    try:
        in_force = wait_for(lambda: [r for r in _ledger(lab) if r["kind"] != "timing" and r["state"] == "in force"],
                            300, interval=0.2)
        assert in_force, "the run never had a fault in force"
    finally:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
    assert _monitor_interval(lab) == "10"  # the killed run's timing is still on the cluster
    faults = lab.cli.lab("status").stdout
    assert "no faults in force" not in faults, faults
    done = _run(lab, "run", "--lab", str(lab.inventory), "--suite", "contract", "--no-html",
                "--report", str(second / "report"), cwd=second, state=second / "state")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    assert "healed" in done.stdout + done.stderr and "left by an earlier run" in done.stdout + done.stderr
    assert "no faults in force" in lab.cli.lab("status").stdout
    assert _ledger(lab) == [] and _monitor_interval(lab) == "60"
    assert not processes_mentioning(str(first / "report"))  # nothing of the killed run is left


def test_lab_fault_heal_and_the_where_that_names_nothing(sparc_lab):
    lab = sparc_lab
    bad = _run(lab, "lab", "fault", "nic_pull", "--where", "primary1:nosuch", "--lab", str(lab.inventory))
    assert bad.returncode == 2 and "primary1 has no NIC 'nosuch'" in bad.stderr, bad.stderr
    bad = _run(lab, "lab", "fault", "domain_kill", "--where", "nosuch", "--lab", str(lab.inventory))
    assert bad.returncode == 2 and "no system 'nosuch'" in bad.stderr, bad.stderr
    assert _ledger(lab) == []
    ok = _run(lab, "lab", "fault", "nic_pull", "--where", "alternate1:nxge4", "--lab", str(lab.inventory))
    assert ok.returncode == 0, ok.stderr
    assert [(r["kind"], r["where"]) for r in _ledger(lab)] == [("nic_pull", "alternate1:nxge4")]
    assert "down" in lab.out("alternate1", "dladm show-phys nxge4")
    healed = _run(lab, "lab", "heal", "--all", "--lab", str(lab.inventory))
    assert healed.returncode == 0 and "healed nic_pull alternate1:nxge4" in healed.stdout, healed.stderr
    assert _ledger(lab) == [] and "up" in lab.out("alternate1", "dladm show-phys nxge4")


def test_agent_install_and_verify(sparc_lab):
    lab = sparc_lab
    inv = str(lab.inventory)
    assert _run(lab, "agent", "verify", "--lab", inv).returncode == 0
    other = _run(lab, "agent", "verify", "--lab", inv, "--monitor", "legacy-primary-only")
    assert other.returncode == 1 and "variant differs" in other.stdout, other.stdout
    assert _run(lab, "agent", "install", "--lab", inv, "--monitor", "legacy-primary-only").returncode == 0
    assert "legacy-primary-only" in lab.out("primary2", "cat ~/opt/VRTSvcs/bin/AlternateIO/variant")
    assert _run(lab, "agent", "verify", "--lab", inv, "--monitor", "legacy-primary-only").returncode == 0
    assert _run(lab, "agent", "install", "--lab", inv).returncode == 0
    assert _run(lab, "agent", "verify", "--lab", inv).returncode == 0


def test_a_directory_build_is_installed_identified_and_is_what_runs(sparc_lab, tmp_path):
    """`agent install --monitor DIR` puts a build on the lab; `run --monitor DIR` certifies what is
    installed (its checksums in results.json), and the lab's cluster runs those very entry points:
    the build's own log line reaches the lab's engine log."""
    import hashlib
    import shutil

    lab = sparc_lab
    inv = str(lab.inventory)
    build = tmp_path / "vendor-build"
    shutil.copytree(REPO / "agents" / "AlternateIO", build, symlinks=False)
    (build / "monitor").rename(build / "monitor.py")
    (build / "monitor").write_text('#!/bin/sh\necho "vendor-build-7 monitor on $VCS_SYSTEM" >&2\n'
                                   'exec "$(dirname "$0")/monitor.py" "$@"\n')
    (build / "monitor").chmod(0o755)
    assert _run(lab, "agent", "install", "--lab", inv, "--monitor", str(build)).returncode == 0
    assert _run(lab, "agent", "verify", "--lab", inv, "--monitor", str(build)).returncode == 0
    refused = _run(lab, "run", "--lab", inv, "--no-html", "--report", str(tmp_path / "r0"))
    assert refused.returncode == 2 and "runs a build that is none of the built-in monitors" in refused.stderr
    report = tmp_path / "report"
    done = _run(lab, "run", "--lab", inv, "--monitor", str(build), "--suite", "matrix", "-k", "S2 and node1",
                "--report", str(report), "--no-html", "--seed", "3")
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = _results(report)
    assert results["agent"]["monitor"] == str(build)
    want = {str(p.relative_to(build)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in build.rglob("*") if p.is_file() and "__pycache__" not in p.parts}
    for system in ("primary1", "primary2"):
        assert {n: results["agent"]["files"][system].get(n) for n in want} == want
    log = lab.out("primary1", "grep -c 'vendor-build-7 monitor on primary' ~/var/VRTSvcs/log/engine_A.log")
    assert int(log.strip() or 0) > 0, "the installed build's monitor never ran on the lab"
    assert _run(lab, "agent", "install", "--lab", inv).returncode == 0


class _Listener:
    """Sockets on the inventory's ports that count every connection (a plan must make none)."""

    def __init__(self, ports: list[int]) -> None:
        self.connections = 0
        self.socks = []
        for port in ports:
            s = socket.socket()
            s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(("127.0.0.1", port))
            s.listen()
            s.settimeout(0.2)
            self.socks.append(s)
        self._stop = False
        self.thread = threading.Thread(target=self._accept, daemon=True)
        self.thread.start()

    def _accept(self) -> None:
        while not self._stop:
            for s in self.socks:
                try:
                    conn, _ = s.accept()
                except OSError:
                    continue
                self.connections += 1
                conn.close()

    def close(self) -> None:
        self._stop = True
        self.thread.join()
        for s in self.socks:
            s.close()


def _ports(inventory: Path) -> list[int]:
    data = yaml.safe_load(inventory.read_text())["sparc"]
    return [h["port"] for section in ("systems", "guests", "ilom") for h in data[section].values()]


def _cli(*args: str, env: dict | None = None, cwd: Path | None = None):
    return subprocess.run([str(ALTIO_HIL), *args], capture_output=True, text=True, timeout=300, cwd=str(cwd or REPO),
                          env=env or dict(os.environ), stdin=subprocess.DEVNULL)


def test_plan_prints_every_command_and_sends_none(tmp_path):
    inventory = sparc_inventory(tmp_path, "sparc-plan")
    listener = _Listener(_ports(inventory))
    try:
        done = _cli("run", "--plan", "--lab", str(inventory), "--suite", "matrix")
    finally:
        listener.close()
    assert done.returncode == 0, done.stderr
    assert listener.connections == 0
    port = yaml.safe_load(inventory.read_text())["sparc"]["systems"]["primary1"]["port"]
    assert f"127.0.0.1:{port}): ifconfig nxge3 down" in done.stdout
    assert "set /HOST send_break_action=dumpcore" in done.stdout and "stop -script -force /SYS" in done.stdout
    assert "hatype -modify TYPE MonitorInterval 10" in done.stdout
    assert done.stdout.count("\n  ") >= 26


def test_bad_input_is_refused_before_anything_is_sent(tmp_path):
    inventory = sparc_inventory(tmp_path, "sparc-nobody")  # nothing listens on its ports
    data = yaml.safe_load(inventory.read_text())
    env = dict(os.environ, ALTIO_HIL_RUNTIME=str(tmp_path / "rt"))
    (tmp_path / "rt").mkdir(mode=0o700)
    not_up = _cli("run", "--lab", str(inventory), "--no-html", "--report", str(tmp_path / "r"), env=env)
    assert not_up.returncode == 3, not_up.stdout + not_up.stderr
    assert "emulated lab sparc-nobody is not up" in not_up.stdout + not_up.stderr

    key = tmp_path / "a-key"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    data["sparc"]["emulated"] = False
    hosts = [h for section in ("systems", "guests", "ilom") for h in data["sparc"][section].values()]
    for host in hosts:
        host["key_file"] = str(key)
    nobody = tmp_path / "nobody.yaml"
    nobody.write_text(yaml.safe_dump(data))
    unreachable = _cli("run", "--lab", str(nobody), "--no-html", "--report", str(tmp_path / "r1"), env=env)
    assert unreachable.returncode == 3, unreachable.stdout + unreachable.stderr
    assert "primary1 (root@127.0.0.1:" in unreachable.stdout and "cannot be reached" in unreachable.stdout

    for host in hosts:
        host["key_file"] = str(tmp_path / "no-such-key")
    missing = tmp_path / "missing-key.yaml"
    missing.write_text(yaml.safe_dump(data))
    done = _cli("run", "--lab", str(missing), "--no-html", "--report", str(tmp_path / "r2"), env=env)
    assert done.returncode == 2 and "no-such-key" in done.stdout + done.stderr, done.stdout + done.stderr

    data["sparc"]["faults"] = {"nic_pull": {"inject": [{"run": "ifconfig {nic} down"}],
                                            "heal": [{"run": "ifconfig {object} up"}]}}
    placeholder = tmp_path / "placeholder.yaml"
    placeholder.write_text(yaml.safe_dump(data))
    done = _cli("run", "--lab", str(placeholder), "--no-html", "--report", str(tmp_path / "r3"), env=env)
    assert done.returncode == 2 and "unknown placeholder {nic}" in done.stderr, done.stderr


def test_wrong_credentials_are_bad_input(sparc_lab, tmp_path):
    lab = sparc_lab
    key = tmp_path / "stranger"
    subprocess.run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", str(key)], check=True)
    data = yaml.safe_load(lab.inventory.read_text())
    for host in [h for section in ("systems", "guests", "ilom") for h in data["sparc"][section].values()]:
        host["key_file"] = str(key)
    wrong = tmp_path / "wrong-key.yaml"
    wrong.write_text(yaml.safe_dump(data))
    done = _run(lab, "run", "--lab", str(wrong), "--no-html", "--report", str(tmp_path / "r"))
    assert done.returncode == 2, done.stdout + done.stderr
    assert "Permission denied" in done.stdout + done.stderr or "authentication" in (done.stdout + done.stderr).lower()
    assert _ledger(lab) == []
