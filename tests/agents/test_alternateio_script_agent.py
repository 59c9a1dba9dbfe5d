"""The script-agent executables run as the VCS framework runs them: argv, environment, exit codes,
with a fake `hagrp` first on PATH that answers from a JSON state file."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from altio_agent_fakes import UNREADABLE, Cluster, install_fake_hagrp, read_lab

from agents.alternateio import ArgListError, hagrp_command, local_system_name, parse_arglist_values

AGENT_DIR = Path(__file__).resolve().parents[2] / "agents" / "AlternateIO"
V50_ARGS = ["StorageSG", "2", "primary1-strsg", "1", "NetworkSG", "2", "primary1-nwsg", "0"]
V40_ARGS = ["2", "primary1-strsg", "1", "2", "primary1-nwsg", "0"]


def seed_node(storage=("ONLINE", "ONLINE"), network=("ONLINE", "ONLINE")) -> Cluster:
    cluster = Cluster()
    cluster.add("primary1-strsg", {"primary1": storage[0], "alternate1": storage[1]})
    cluster.add("primary1-nwsg", {"primary1": network[0], "alternate1": network[1]})
    return cluster


def framework_env(bin_dir: Path, state: Path, **extra: str) -> dict[str, str]:
    """A minimal environment, as the agent framework gives an entry point (no PYTHONPATH)."""
    return {"PATH": f"{bin_dir}:/usr/bin:/bin", "FAKE_HAGRP_STATE": str(state), "LANG": "C",
            "VCS_SYSTEM": "primary1", "ALTIO_POLL_INTERVAL": "0.05", **extra}


def run_entry(entry: str, args: list[str], env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([str(AGENT_DIR / entry), "altiores", *args], env=env, capture_output=True,
                          text=True, timeout=60, cwd="/")


def test_packaging_is_complete():
    for entry in ("online", "offline", "monitor", "clean"):
        path = AGENT_DIR / entry
        assert os.access(path, os.X_OK), entry
        assert path.read_text().startswith("#!/usr/bin/env python3\n")
    types_cf = (AGENT_DIR / "types.cf").read_text()
    assert "static str ArgList[] = { StorageSG, NetworkSG }" in types_cf
    readme = (AGENT_DIR / "README.md").read_text()
    assert "ln -s /opt/VRTSvcs/bin/ScriptAgent /opt/VRTSvcs/bin/AlternateIO/AlternateIOAgent" in readme


@pytest.mark.parametrize("args", [V50_ARGS, V40_ARGS], ids=["V50-tuples", "V40-positional"])
@pytest.mark.parametrize("storage,network,code", [
    (("ONLINE", "ONLINE"), ("ONLINE", "ONLINE"), 110),
    (("OFFLINE|FAULTED", "ONLINE"), ("ONLINE", "OFFLINE"), 110),  # S2 + N3
    (("OFFLINE|FAULTED", "OFFLINE|FAULTED"), ("ONLINE", "ONLINE"), 100),  # S4
    (("ONLINE|PARTIAL", "OFFLINE"), ("ONLINE", "ONLINE"), 100),
    ((UNREADABLE, UNREADABLE), ("ONLINE", "ONLINE"), 99),
])
def test_monitor_exit_codes(tmp_path, args, storage, network, code):
    state = install_fake_hagrp(tmp_path / "bin", seed_node(storage, network))
    done = run_entry("monitor", args, framework_env(tmp_path / "bin", state))
    assert done.returncode == code, done.stderr
    if code == 99:
        assert "primary1-strsg" in done.stderr and "ERROR" in done.stderr and "V-16-1-10600" in done.stderr
    calls = read_lab(state)["calls"]
    assert ["-state", "primary1-strsg", "-sys", "primary1"] in calls


def test_legacy_monitor_selected_by_environment(tmp_path):
    state = install_fake_hagrp(tmp_path / "bin", seed_node(storage=("OFFLINE|FAULTED", "ONLINE")))
    env = framework_env(tmp_path / "bin", state)
    assert run_entry("monitor", V50_ARGS, env).returncode == 110
    assert run_entry("monitor", V50_ARGS, {**env, "ALTIO_MONITOR": "legacy-primary-only"}).returncode == 100
    bad = run_entry("monitor", V50_ARGS, {**env, "ALTIO_MONITOR": "nonsense"})
    assert bad.returncode == 99 and "ALTIO_MONITOR" in bad.stderr


def test_monitor_names_a_group_that_does_not_exist(tmp_path):
    state = install_fake_hagrp(tmp_path / "bin", seed_node())
    done = run_entry("monitor", ["StorageSG", "2", "typo-strsg", "1", "NetworkSG", "0"],
                     framework_env(tmp_path / "bin", state))
    assert done.returncode == 99
    assert "typo-strsg" in done.stderr and "V-16-1-40131" in done.stderr


def test_online_then_offline_drive_the_groups(tmp_path):
    state = install_fake_hagrp(tmp_path / "bin", seed_node(storage=("OFFLINE", "OFFLINE")))
    env = framework_env(tmp_path / "bin", state)
    online = run_entry("online", V50_ARGS, env)
    assert online.returncode == 0, online.stderr
    lab = read_lab(state)
    assert lab["states"]["primary1-strsg@primary1"] == lab["states"]["primary1-strsg@alternate1"] == "ONLINE"
    assert not any(call[0] == "-online" and call[1] == "primary1-nwsg" for call in lab["calls"])
    assert run_entry("monitor", V50_ARGS, env).returncode == 110
    offline = run_entry("offline", V40_ARGS, env)
    assert offline.returncode == 0, offline.stderr
    lab = read_lab(state)
    assert lab["states"]["primary1-strsg@primary1"] == lab["states"]["primary1-strsg@alternate1"] == "OFFLINE"
    assert lab["states"]["primary1-nwsg@primary1"] == "ONLINE"  # value 0: left alone
    assert run_entry("monitor", V50_ARGS, env).returncode == 100


def test_online_gives_up_within_its_timeout_and_exits_0(tmp_path):
    state = install_fake_hagrp(tmp_path / "bin", seed_node(storage=("OFFLINE|FAULTED", "OFFLINE|FAULTED")))
    env = framework_env(tmp_path / "bin", state, ALTIO_ONLINE_TIMEOUT="0.3", ALTIO_POLL_INTERVAL="0.1")
    done = run_entry("online", V50_ARGS, env)
    assert done.returncode == 0
    assert "WARNING" in done.stderr and "V-16-1-10284" in done.stderr


def test_clean_takes_the_reason_first_and_is_forced(tmp_path):
    state = install_fake_hagrp(tmp_path / "bin", seed_node(storage=(UNREADABLE, "ONLINE")))
    env = framework_env(tmp_path / "bin", state)
    done = run_entry("clean", ["4", *V50_ARGS], env)
    assert done.returncode == 0, done.stderr
    lab = read_lab(state)
    assert lab["states"]["primary1-strsg@alternate1"] == "OFFLINE"
    assert ["-offline", "primary1-strsg", "-sys", "primary1"] in lab["calls"]
    assert run_entry("clean", V50_ARGS, env).returncode == 1  # "StorageSG" is not a clean reason


@pytest.mark.parametrize("entry,code", [("monitor", 99), ("online", 0), ("offline", 0), ("clean", 1)])
@pytest.mark.parametrize("args", [[], ["StorageSG", "3", "a", "1"], ["StorageSG", "two", "a", "1"]])
def test_bad_arguments_exit_with_a_message(tmp_path, entry, code, args):
    state = install_fake_hagrp(tmp_path / "bin", seed_node())
    env = framework_env(tmp_path / "bin", state)
    argv = [str(AGENT_DIR / entry), *(["altiores", *(["0"] if entry == "clean" else []), *args] if args else [])]
    done = subprocess.run(argv, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == code
    assert "ERROR" in done.stderr and "Traceback" not in done.stderr
    assert read_lab(state)["calls"] == []


def test_hagrp_from_vcs_home(tmp_path):
    vcs_home = tmp_path / "VRTSvcs"
    state = install_fake_hagrp(vcs_home / "bin", seed_node(storage=("OFFLINE", "OFFLINE")))
    env = {"PATH": "/usr/bin:/bin", "VCS_HOME": str(vcs_home), "FAKE_HAGRP_STATE": str(state)}
    assert run_entry("monitor", V50_ARGS, env).returncode == 100


# -- the pure parts of the shell ----------------------------------------------------------------

def test_parse_arglist_values_both_forms():
    want = {"StorageSG": {"primary1-strsg": "1"}, "NetworkSG": {"primary1-nwsg": "0"}}
    assert parse_arglist_values(V50_ARGS) == want
    assert parse_arglist_values(V40_ARGS) == want
    assert parse_arglist_values(["NetworkSG", "0", "StorageSG", "4", "a", "1", "b", "0"]) == \
        {"StorageSG": {"a": "1", "b": "0"}, "NetworkSG": {}}
    assert parse_arglist_values(["Other", "1", "x", "StorageSG", "2", "a", "1"])["StorageSG"] == {"a": "1"}
    assert parse_arglist_values([]) == {"StorageSG": {}, "NetworkSG": {}}


@pytest.mark.parametrize("args", [
    ["StorageSG"], ["StorageSG", "x"], ["StorageSG", "1", "a"], ["StorageSG", "4", "a", "1"],
    ["2", "a", "1"], ["2", "a", "1", "0", "extra"], ["StorageSG", "-2"],
])
def test_parse_arglist_values_rejects(args):
    with pytest.raises(ArgListError):
        parse_arglist_values(args)


def test_local_system_name(tmp_path):
    assert local_system_name({"VCS_SYSTEM": "primary2"}) == "primary2"
    (tmp_path / "conf").mkdir()
    (tmp_path / "conf" / "sysname").write_text("alternate1\n")
    assert local_system_name({"VCS_CONF": str(tmp_path)}) == "alternate1"
    assert local_system_name({"VCS_CONF": str(tmp_path / "none")})  # falls back to the host name


def test_hagrp_command(tmp_path):
    assert hagrp_command({"PATH": str(tmp_path)}) == "/opt/VRTSvcs/bin/hagrp"
    install_fake_hagrp(tmp_path, Cluster())
    assert hagrp_command({"PATH": str(tmp_path)}) == str(tmp_path / "hagrp")
    assert hagrp_command({"PATH": "", "VCS_HOME": str(tmp_path.parent), }) == "/opt/VRTSvcs/bin/hagrp"
