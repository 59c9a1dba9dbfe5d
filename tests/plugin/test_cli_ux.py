"""`altio-hil` as a pytest user and a new user meet it: --help, --version, the errors of argparse,
`run --list`, `--dry-run`, `-x`, `--lf`, `--shard K/N`, ALTIO_HIL_LAB and `report merge`.

Every command is the console script in a subprocess with the test's own state directories; nothing
here needs a lab daemon. Whatever a command prints fits 80 columns.
"""

from __future__ import annotations

import json
import re
import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from altio_runs import LAB_3NODE, REPO, AltioEnv

ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"
AGENT_DIR = REPO / "agents" / "AlternateIO"
# the 4 scenarios of the matrix the primary-only monitor fails on the seed lab
LEGACY_FAILS = {"S2[node1/primary1-strsg]", "N2[node1/primary1-nwsg]", "S2[node2/primary2-strsg]",
                "N2[node2/primary2-nwsg]"}


def altio_hil(env: AltioEnv, cwd: Path, *args: str, extra: dict[str, str] | None = None,
              timeout: float = 300) -> subprocess.CompletedProcess:
    environ = {k: v for k, v in env.environ().items() if k != "ALTIO_HIL_LAB"}
    environ.update(COLUMNS="200", **(extra or {}))  # argparse must fit 80 columns on a wide terminal too
    return subprocess.run([str(ALTIO_HIL), *args], env=environ, cwd=cwd, capture_output=True, text=True,
                          timeout=timeout)


def wide_lines(done: subprocess.CompletedProcess, *allowed: Path) -> list[str]:
    """Lines over 80 columns, but for those naming a path of the test (tmp_path is long)."""
    return [line for line in (done.stdout + done.stderr).splitlines()
            if len(line) > 80 and not any(str(a) in line for a in allowed)]


def listed(done: subprocess.CompletedProcess) -> list[str]:
    """The scenario ids `run --list` printed (two-space indented lines under a suite's title)."""
    return [line[2:] for line in done.stdout.splitlines() if line.startswith("  ") and not line.startswith("   ")
            and not line.startswith("  seed") and "[" in line]


def results(report: Path) -> dict:
    return json.loads((report / "results.json").read_text())


# -- --help, --version, argparse's errors -------------------------------------------------------------

HELPS = [[], ["run"], ["report"], ["report", "merge"], ["mutants"], ["inventory"], ["inventory", "check"],
         ["heal"], ["agent"], ["agent", "install"], ["agent", "verify"], ["lab"], ["lab", "up"], ["lab", "down"],
         ["lab", "status"], ["lab", "reset"], ["lab", "ls"], ["lab", "shell"], ["lab", "exec"],
         ["lab", "console"], ["lab", "fault"], ["lab", "heal"]]


def test_every_help_fits_80_columns_and_names_what_a_new_user_asks(tmp_path, altio_env):
    helps = {}
    for words in HELPS:
        done = altio_hil(altio_env, tmp_path, *words, "--help")
        assert done.returncode == 0 and not done.stderr, (words, done.stderr)
        assert not wide_lines(done), (words, wide_lines(done))
        helps[" ".join(words)] = " ".join(done.stdout.split())  # argparse's wrapping aside
    run = helps["run"]
    # --monitor: the built-in names and what DIR is
    assert "--monitor NAME|DIR" in run and "alternateio (the AlternateIO agent)" in run
    assert "legacy-primary-only" in run and "sticky-online" in run
    assert "DIR: a directory holding a VCS script agent (executables monitor, online, offline, clean)" in run
    assert "(default: alternateio)" in run
    assert "--report DIR report directory (default: " in run and "reports/latest)" in run
    assert "--lab INVENTORY the lab's inventory (default: $ALTIO_HIL_LAB, else" in run
    for option in ("--suite", "--no-html", "--list", "--dry-run", "--shard K/N", "-x", "--lf",
                   "--allow-destructive", "-k EXPR"):
        assert option in run, option
    for code in ("0 passed", "1 failed", "2 bad input", "3 error", "130 interrupted (Ctrl-C)", "143 terminated"):
        assert code in run, code
    assert "--target {sim,kvm,sparc} the kind of lab the run drove" in helps["heal"]
    assert "--monitor NAME|DIR the monitor the lab's cluster runs" in helps["lab up"]
    assert "--system NAME a system of the lab" in helps["lab exec"] and "`altio-hil lab status` lists them" \
        in helps["lab exec"]
    heal = helps["lab heal"]
    assert "KIND the fault to heal, one of: nic_pull" in heal
    assert "--where SYSTEM[:OBJECT] where it was injected" in heal and "--all heal every fault in force" in heal
    assert "restore the cluster's steady state" in heal
    assert "ALTIO_HIL_LAB=INVENTORY is the default --lab of every command" in helps[""]
    for sub in ("ls", "reset"):
        assert re.search(rf"\b{sub}\b", helps["lab"]), sub
    assert "merge" in helps["report"]


def test_version_is_the_package_version(tmp_path, altio_env):
    from importlib.metadata import version

    done = altio_hil(altio_env, tmp_path, "--version")
    assert (done.returncode, done.stdout) == (0, f"altio-hil {version('altio-hil')}\n"), done.stderr


def test_version_without_package_metadata_is_source(monkeypatch):
    import importlib.metadata

    from harness import cli

    def missing(name):
        raise importlib.metadata.PackageNotFoundError(name)

    monkeypatch.setattr(importlib.metadata, "version", missing)
    assert cli.altio_hil_version() == "source"


@pytest.mark.parametrize("words, says", [
    ([], "give a command: run, report, mutants, inventory, heal, agent, lab"),
    (["inventory"], "give a subcommand: check"),
    (["lab"], "give a subcommand: up, down, status, reset, ls, shell, exec, console, fault, heal"),
    (["agent"], "give a subcommand: install, verify"),
    (["report"], "give a subcommand: merge"),
])
def test_a_missing_subcommand_is_named_not_the_attribute_it_is_kept_in(tmp_path, altio_env, words, says):
    done = altio_hil(altio_env, tmp_path, *words)
    assert done.returncode == 2 and says in " ".join(done.stderr.split()), done.stderr
    assert not wide_lines(done)
    assert "_command" not in done.stderr and "required: command" not in done.stderr


# -- run --list / --dry-run / --shard / -k ---------------------------------------------------------------

def test_list_prints_the_scenarios_and_runs_nothing(tmp_path, altio_env):
    report = tmp_path / "report"
    done = altio_hil(altio_env, tmp_path, "run", "--list", "--suite", "combo", "--seed", "5", "--report", str(report))
    assert done.returncode == 0, done.stderr
    ids = listed(done)
    assert len(ids) == 6 and all(i.startswith(("S2+N3[", "N2+S3[", "S2+D2[")) for i in ids), done.stdout
    out = done.stdout.splitlines()
    assert out[0].startswith("altio-hil: lab seed-2node (") and "seed 5" in done.stdout
    assert "combo: 6 scenarios" in out
    assert re.search(r"^6 scenarios would run; nothing was run", done.stdout, re.M)
    assert not report.exists() and altio_env.ledger() == [], "--list wrote or injected something"
    assert not wide_lines(done)

    # -k and another lab (ALTIO_HIL_LAB as the default --lab)
    done = altio_hil(altio_env, tmp_path, "run", "--list", "--suite", "matrix", "-k", "D3",
                     extra={"ALTIO_HIL_LAB": str(LAB_3NODE)})
    assert done.returncode == 0, done.stderr
    assert "altio-hil: lab tri-altio (" in done.stdout
    assert listed(done) == ["D3[sparc-a]", "D3[sparc-b]", "D3[sparc-c]"]


def test_list_on_a_shared_lab_opens_nothing(tmp_path, altio_env):
    """A sparc lab that is not up (nothing answers its ports) is listed all the same: a listing
    connects to no host and takes no lease."""
    done = altio_hil(altio_env, tmp_path, "run", "--list", "--suite", "matrix", "-k", "D3",
                     "--lab", str(REPO / "inventories" / "sparc-sim-2node.yaml"))
    assert done.returncode == 0, done.stderr
    assert "target sparc" in done.stdout and listed(done) == ["D3[node1]", "D3[node2]"]


def test_dry_run_prints_each_scenario_with_its_faults_and_the_oracle_and_runs_nothing(tmp_path, altio_env):
    done = altio_hil(altio_env, tmp_path, "run", "--dry-run", "--suite", "matrix", "-k", "S2 or D4",
                     "--seed", "1", "--report", str(tmp_path / "report"))
    assert done.returncode == 0, done.stderr
    text = done.stdout
    block = text[text.index("S2[node1/primary1-strsg]"):text.index("S2[node2/primary2-strsg]")]
    assert "(matrix, row S2)" in block and "  inject: zpool_offline primary1:zfsprim" in block, block
    assert "  then:   " in block and "no failover" in block, block
    power = text[text.index("D4[node1/power]"):]
    assert "inject: node_power_off primary1" in power
    assert len(re.findall(r"^  inject: ", text, re.M)) == len(re.findall(r"^  then:   ", text, re.M)) == 6
    assert re.search(r"^6 scenarios would run; nothing was run", text, re.M)
    assert not (tmp_path / "report").exists() and altio_env.ledger() == []
    assert not wide_lines(done)


def test_shards_split_the_scenarios_the_same_way_for_the_same_seed(tmp_path, altio_env):
    whole = listed(altio_hil(altio_env, tmp_path, "run", "--list", "--seed", "7"))
    shards = []
    for k in (1, 2, 3):
        done = altio_hil(altio_env, tmp_path, "run", "--list", "--seed", "7", "--shard", f"{k}/3")
        assert done.returncode == 0, done.stderr
        assert "shard " + f"{k}/3" in done.stdout.split("\n  ")[0] + done.stdout.splitlines()[1], done.stdout
        shards.append(listed(done))
    assert all(shards) and sorted(sum(shards, [])) == sorted(whole), (shards, whole)
    assert len(set(sum(shards, []))) == len(whole), "a scenario is in two shards"
    again = listed(altio_hil(altio_env, tmp_path, "run", "--list", "--seed", "7", "--shard", "2/3"))
    assert again == shards[1]


@pytest.mark.parametrize("shard", ["0/3", "4/3", "3", "x/2", "1/0", "-1/2", "1/2/3", ""])
def test_a_bad_shard_is_bad_input_and_starts_nothing(tmp_path, altio_env, shard):
    done = altio_hil(altio_env, tmp_path, "run", f"--shard={shard}", "--report", str(tmp_path / "report"))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "argument --shard: K/N, 1 <= K <= N (e.g. 2/4), not " in " ".join(done.stderr.split())
    assert "Traceback" not in done.stderr and not wide_lines(done)
    assert not (tmp_path / "report").exists() and not altio_env.ledgers.exists()


def test_a_bad_k_expression_is_bad_input_before_anything_starts(tmp_path, altio_env):
    done = altio_hil(altio_env, tmp_path, "run", "-k", "S2 and (", "--report", str(tmp_path / "report"))
    assert done.returncode == 2 and "is not a pytest -k expression" in done.stderr, done.stderr
    assert not (tmp_path / "report").exists()
    assert not wide_lines(done)


# -- run -x, --lf ------------------------------------------------------------------------------------------

def test_exitfirst_stops_after_the_first_failed_scenario(tmp_path, altio_env):
    report = tmp_path / "report"
    done = altio_hil(altio_env, tmp_path, "run", "-x", "--suite", "matrix", "--monitor", "legacy-primary-only",
                     "--no-html", "--seed", "1", "--report", str(report))
    assert done.returncode == 1, (done.stdout, done.stderr)
    scenarios = results(report)["scenarios"]
    assert [s["verdict"] for s in scenarios][-1] == "fail" and len(scenarios) < 26, scenarios
    assert [s["verdict"] for s in scenarios].count("fail") == 1
    assert f"{len(scenarios)} scenarios: {len(scenarios) - 1} passed, 1 failed, 0 errors" in done.stdout


def test_last_failed_reruns_exactly_the_failed_scenarios_with_the_same_seed(tmp_path, altio_env):
    report = tmp_path / "report"
    first = altio_hil(altio_env, tmp_path, "run", "--suite", "matrix", "--suite", "nemesis", "--no-html",
                      "--monitor", "legacy-primary-only", "--report", str(report))
    assert first.returncode == 1, first.stdout
    before = results(report)
    failed = {s["id"] for s in before["scenarios"] if s["verdict"] == "fail"}
    assert LEGACY_FAILS <= failed, failed

    planned = altio_hil(altio_env, tmp_path, "run", "--list", "--lf", "--suite", "matrix", "--suite", "nemesis",
                        "--monitor", "legacy-primary-only", "--report", str(report))
    assert planned.returncode == 0, planned.stderr
    assert set(listed(planned)) == failed and f"seed {before['seed']}" in planned.stdout
    assert "last failed only (--lf: " in planned.stdout

    again = altio_hil(altio_env, tmp_path, "run", "--lf", "--suite", "matrix", "--suite", "nemesis", "--no-html",
                      "--monitor", "legacy-primary-only", "--report", str(report))
    assert again.returncode == 1, again.stdout
    rerun = results(report)
    assert rerun["seed"] == before["seed"]  # the same schedule: the same ids
    assert {s["id"] for s in rerun["scenarios"]} == failed, rerun["scenarios"]

    # another report directory has no failures recorded: pytest's rule, all of them, and it says so
    fresh = altio_hil(altio_env, tmp_path, "run", "--list", "--lf", "--suite", "matrix",
                      "--report", str(tmp_path / "other"))
    assert fresh.returncode == 0 and len(listed(fresh)) == 26, fresh.stdout
    assert "--lf: no failure recorded in that report directory" in " ".join(fresh.stdout.split())


# -- report merge ------------------------------------------------------------------------------------------

def test_report_merge_joins_shards_into_one_report(tmp_path, altio_env):
    shards = [tmp_path / "shard1", tmp_path / "shard2"]
    for k, report in enumerate(shards, 1):
        done = altio_hil(altio_env, tmp_path, "run", "--suite", "combo", "--seed", "5", "--no-html",
                         "--shard", f"{k}/2", "--report", str(report))
        assert done.returncode == 0, done.stdout
        assert f"shard {k}/2" in done.stdout
    parts = [{s["id"] for s in results(r)["scenarios"]} for r in shards]
    assert all(parts) and not parts[0] & parts[1]

    out = tmp_path / "merged"
    done = altio_hil(altio_env, tmp_path, "report", "merge", *map(str, shards), "--out", str(out), "--no-html")
    assert done.returncode == 0, (done.stdout, done.stderr)
    merged = results(out)
    assert {s["id"] for s in merged["scenarios"]} == parts[0] | parts[1] and len(merged["scenarios"]) == 6
    lines = done.stdout.splitlines()
    assert "6 scenarios: 6 passed, 0 failed, 0 errors" in lines and "outcome: passed" in lines
    assert lines[-3:] == [f"results: {out / 'results.json'}", f"junit:   {out / 'junit.xml'}",
                          f"summary: {out / 'summary.html'}"], lines
    assert len(ET.parse(out / "junit.xml").getroot().findall(".//testcase")) == 6
    assert not wide_lines(done, tmp_path)


def test_report_merge_exit_code_is_the_merged_outcome_and_bad_sources_write_nothing(tmp_path, altio_env):
    good, bad = tmp_path / "good", tmp_path / "bad"
    assert altio_hil(altio_env, tmp_path, "run", "--suite", "matrix", "-k", "S1", "--no-html", "--seed", "2",
                     "--report", str(good)).returncode == 0
    assert altio_hil(altio_env, tmp_path, "run", "--suite", "matrix", "-k", "S2", "--no-html", "--seed", "2",
                     "--monitor", "legacy-primary-only", "--report", str(bad)).returncode == 1
    out = tmp_path / "merged"
    done = altio_hil(altio_env, tmp_path, "report", "merge", str(good), str(bad), "--out", str(out), "--no-html")
    assert done.returncode == 1, (done.stdout, done.stderr)
    assert "failures: 2 of 4 scenarios" in done.stdout and "outcome: failed" in done.stdout.splitlines()

    nothing = tmp_path / "nothing"
    nothing.mkdir()
    again = tmp_path / "merged2"
    done = altio_hil(altio_env, tmp_path, "report", "merge", str(good), str(nothing), "--out", str(again))
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert str(nothing / "results.json") in " ".join(done.stderr.split()) and "Traceback" not in done.stderr
    assert not again.exists() or not any(again.iterdir())


def test_the_readme_puts_the_commands_on_path_as_it_says(tmp_path):
    """README's "Other commands" run bare `altio-hil` and `hacf`: the line it gives for PATH works."""
    readme = (REPO / "README.md").read_text()
    line = 'export PATH="$PWD/.venv/bin:$PATH"'
    assert line in readme and ". .venv/bin/activate" in readme
    for command in ("altio-hil --version", "hacf -h"):
        done = subprocess.run(["sh", "-c", f"{line}; {command}"], cwd=REPO, capture_output=True, text=True,
                              env={"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}, timeout=60)
        assert done.returncode in (0, 2) and "not found" not in done.stderr, (command, done.stderr)
    # the synopsis names every option of `run`, the exit codes, and what the run writes
    for word in ("--suite", "--no-html", "--list", "--dry-run", "--shard K/N", "-x", "--lf", "--allow-destructive",
                 "130", "ALTIO_HIL_LAB", "lab ls", "lab reset", "report merge", "junit.xml", "summary.html"):
        assert word in readme, word
