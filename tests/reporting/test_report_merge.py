"""`altio-hil report merge`: several report directories (runs, or the shards of one run) into one."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from harness.report import ReportError, validate_results
from harness.report.merge import merge_reports, worst_outcome

REPO = Path(__file__).resolve().parents[2]
ALTIO_HIL = REPO / ".venv" / "bin" / "altio-hil"
UUID = "0123abcd-0000-4000-8000-{:012d}"


def scenario(sid, row="S2", verdict="pass", timeline=None) -> dict:
    sc = {"id": sid, "row": row, "node": "node1", "group": "stgsg", "guest": "ldomsg",
          "faults": [{"kind": "zpool_offline", "where": "primary1:zfsprim"}],
          "expected": {"failover": False, "alternateio": "ONLINE"},
          "observed": {"failover": False, "alternateio": "ONLINE", "ldom_system": "primary1"},
          "verdict": verdict, "problems": [] if verdict == "pass" else ["why"], "detect_s": 1.0, "failover_s": None,
          "clock": "virtual", "clock_s": 10.0, "wall_s": 0.1}
    if timeline:
        sc["timeline_svg"] = f"../timelines/{timeline}"
    return sc


def make_report(path: Path, scenarios, *, lab="seed-2node", seed=5, outcome="passed", monitor="alternateio",
                env=None, allure=(), svgs=None, **extra) -> Path:
    """A report directory as `altio-hil run` leaves it (results.json, allure-results, timelines)."""
    path.mkdir(parents=True)
    (path / ".altio-hil-report").touch()
    doc = {"lab": lab, "target": "sim", "monitor": monitor, "seed": seed, "outcome": outcome,
           "harness_errors": [], **extra, "scenarios": list(scenarios)}
    (path / "results.json").write_text(json.dumps(doc))
    (path / "allure-results").mkdir()
    for name, text in allure:
        (path / "allure-results" / name).write_text(text)
    env = {"lab": lab, "seed": str(seed), "monitor": monitor} if env is None else env
    (path / "allure-results" / "environment.properties").write_text("".join(f"{k}={v}\n" for k, v in env.items()))
    (path / "timelines").mkdir()
    for name, text in (svgs or {}).items():
        (path / "timelines" / name).write_text(text)
    return path


def tree(path: Path) -> dict[str, bytes]:
    return {p.relative_to(path).as_posix(): p.read_bytes() for p in sorted(path.rglob("*")) if p.is_file()}


# --- real runs -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def shards(tmp_path_factory):
    """Two halves of one run: `altio-hil run --suite matrix -k node1` and `-k node2`, the same seed."""
    base = tmp_path_factory.mktemp("shards")
    out = []
    for node in ("node1", "node2"):
        report = base / node
        proc = subprocess.run([str(ALTIO_HIL), "run", "--suite", "matrix", "--report", str(report), "-k", node,
                               "--seed", "5", "--no-html"], capture_output=True, text=True, timeout=600, cwd=base)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
        out.append(report)
    return out


def _svg_targets(out: Path, doc: dict) -> list[Path]:
    return [Path(os.path.normpath(out / "html" / s["timeline_svg"])) for s in doc["scenarios"] if s.get("timeline_svg")]


def test_the_shards_of_one_run_merge_into_that_run(shards, tmp_path):
    out = tmp_path / "merged"
    docs = [json.loads((s / "results.json").read_text()) for s in shards]
    merged = merge_reports(shards, out)
    assert json.loads((out / "results.json").read_text()) == merged
    validate_results(merged)
    n = sum(len(d["scenarios"]) for d in docs)
    assert n > 20 and len(merged["scenarios"]) == n
    assert [s["id"] for s in merged["scenarios"]] == sorted(s["id"] for d in docs for s in d["scenarios"])
    assert {k: merged[k] for k in ("lab", "target", "monitor", "seed", "outcome")} == {
        "lab": "seed-2node", "target": "sim", "monitor": "alternateio", "seed": 5, "outcome": "passed"}
    assert "runs" not in merged and not any("run" in s for s in merged["scenarios"])
    # every source's Allure files side by side; one environment.properties
    names = {p.name for s in shards for p in (s / "allure-results").iterdir()}
    assert {p.name for p in (out / "allure-results").iterdir()} == names
    assert sum(1 for p in (out / "allure-results").iterdir() if p.name.endswith("-result.json")) == n
    env = (out / "allure-results" / "environment.properties").read_text()
    assert "seed=5\n" in env and "lab=seed-2node\n" in env
    # every scenario's timeline resolves from out/html into out/timelines
    svgs = _svg_targets(out, merged)
    assert len(svgs) == n and all(p.is_file() and p.parent == out / "timelines" for p in svgs)
    assert not list(out.glob("*.tmp"))


def test_separate_runs_keep_their_run_index_and_the_worst_outcome(shards, tmp_path):
    again = tmp_path / "again"
    shutil.copytree(shards[0], again)
    doc = json.loads((again / "results.json").read_text())
    doc["seed"], doc["outcome"] = 6, "failed"
    doc["scenarios"][0]["verdict"] = "fail"
    (again / "results.json").write_text(json.dumps(doc))
    first = json.loads((shards[0] / "results.json").read_text())
    clash = first["scenarios"][0]["timeline_svg"].split("/")[-1]
    (again / "timelines" / clash).write_text("<svg>another picture</svg>")  # same name, other content
    out = tmp_path / "merged"
    merged = merge_reports([shards[0], again], out)
    assert [r["dir"] for r in merged["runs"]] == [str(shards[0].resolve()), str(again.resolve())]
    assert [(r["seed"], r["outcome"]) for r in merged["runs"]] == [(5, "passed"), (6, "failed")]
    assert merged["seed"] == 5 and merged["outcome"] == "failed" and merged["lab"] == "seed-2node"
    k = len(first["scenarios"])
    assert [s["run"] for s in merged["scenarios"]] == [0] * k + [1] * k
    assert [s["id"] for s in merged["scenarios"]] == [s["id"] for s in first["scenarios"]] * 2
    # the clashing picture was renamed and the second run's scenario points at its own
    a, b = merged["scenarios"][0]["timeline_svg"], merged["scenarios"][k]["timeline_svg"]
    assert a == f"../timelines/{clash}" and b != a and b.startswith("../timelines/")
    assert Path(os.path.normpath(out / "html" / b)).read_text() == "<svg>another picture</svg>"
    assert Path(os.path.normpath(out / "html" / a)).read_bytes() == (shards[0] / "timelines" / clash).read_bytes()
    # identical pictures are not copied twice
    assert len(list((out / "timelines").iterdir())) == len(list((shards[0] / "timelines").iterdir())) + 1
    validate_results(json.loads((out / "results.json").read_text()))


# --- synthetic -------------------------------------------------------------------------------------------


def test_shards_merge_not_run_and_harness_errors(tmp_path):
    a = make_report(tmp_path / "a", [scenario("S2[b]"), scenario("S1[a]")],
                    not_run=[{"id": "S3[x]", "reason": "deselected"}, {"id": "S9[c]", "reason": "other shard"}],
                    harness_errors=[{"test": "t1", "error": "boom"}], outcome="error")
    b = make_report(tmp_path / "b", [scenario("S9[c]", verdict="fail")], outcome="failed", shard="2/2",
                    not_run=[{"id": "S3[x]", "reason": "deselected"}])
    merged = merge_reports([a, b], tmp_path / "out")
    assert [s["id"] for s in merged["scenarios"]] == ["S1[a]", "S2[b]", "S9[c]"]
    assert merged["not_run"] == [{"id": "S3[x]", "reason": "deselected"}]  # S9[c] ran in the other shard
    assert merged["harness_errors"] == [{"test": "t1", "error": "boom"}]
    assert merged["outcome"] == "error" and "shard" not in merged and "runs" not in merged


def test_runs_of_other_labs_are_joined_and_numbered(tmp_path):
    a = make_report(tmp_path / "a", [scenario("S1[a]")], lab="lab-a", monitor="alternateio",
                    not_run=[{"id": "S3", "reason": "r"}])
    b = make_report(tmp_path / "b", [scenario("S1[a]", verdict="fail")], lab="lab-b", monitor="legacy-primary-only",
                    outcome="interrupted", seed=9, harness_errors=[{"test": "t", "error": "e"}])
    merged = merge_reports([a, b], tmp_path / "out")
    assert merged["lab"] == "lab-a, lab-b" and merged["monitor"] == "alternateio, legacy-primary-only"
    assert merged["target"] == "sim" and merged["seed"] == 5 and merged["outcome"] == "interrupted"
    assert merged["not_run"] == [{"id": "S3", "reason": "r", "run": 0}]
    assert merged["harness_errors"] == [{"test": "t", "error": "e", "run": 1}]
    assert merged["runs"][1] == {"dir": str(b), "lab": "lab-b", "target": "sim", "monitor": "legacy-primary-only",
                                 "seed": 9, "outcome": "interrupted"}


@pytest.mark.parametrize("outcomes, worst", [
    (["passed", "passed"], "passed"), (["passed", "interrupted"], "interrupted"),
    (["interrupted", "failed"], "failed"), (["failed", "error", "passed"], "error"), (["passed"], "passed"),
])
def test_the_merged_outcome_is_the_worst(outcomes, worst):
    assert worst_outcome(outcomes) == worst


def test_environment_properties_keep_every_key(tmp_path):
    a = make_report(tmp_path / "a", [scenario("a")], env={"lab": "seed-2node", "seed": "5", "only a": "x"},
                    allure=[(UUID.format(1) + "-result.json", "{}")])
    b = make_report(tmp_path / "b", [scenario("b")], seed=6, env={"lab": "seed-2node", "seed": "6", "only b": "y"},
                    allure=[(UUID.format(2) + "-result.json", "{}"), ("categories.json", "[]")])
    out = tmp_path / "out"
    merge_reports([a, b], out)
    lines = (out / "allure-results" / "environment.properties").read_text().splitlines()
    assert lines == ["lab=seed-2node", "seed=5, 6", "only\\ a=x", "only\\ b=y"]
    assert sorted(p.name for p in (out / "allure-results").iterdir()) == sorted(
        ["environment.properties", "categories.json", UUID.format(1) + "-result.json", UUID.format(2) + "-result.json"])


def test_a_missing_or_invalid_source_is_named_and_nothing_is_written(tmp_path):
    good = make_report(tmp_path / "good", [scenario("a")])
    out = tmp_path / "out"
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match=r"empty/results.json: missing"):
        merge_reports([good, tmp_path / "empty"], out)
    broken = make_report(tmp_path / "broken", [scenario("a")])
    (broken / "results.json").write_text('{"lab": ')
    with pytest.raises(ReportError, match=r"broken/results.json: not JSON"):
        merge_reports([good, broken], out)
    bad = make_report(tmp_path / "bad", [scenario("a", verdict="maybe")])
    with pytest.raises(ReportError, match=r"(?s)bad/results.json: .*scenarios\[0\]\.verdict"):
        merge_reports([good, bad], out)
    with pytest.raises(ReportError, match="not a directory"):
        merge_reports([good, tmp_path / "nowhere"], out)
    with pytest.raises(ReportError, match="nothing to merge"):
        merge_reports([], out)
    with pytest.raises(ReportError, match="more than once"):
        merge_reports([good, good], out)
    assert not out.exists()
    # an earlier merge in out is left as it was
    merge_reports([good], out)
    before = tree(out)
    with pytest.raises(ReportError, match="bad/results.json"):
        merge_reports([good, bad], out)
    assert tree(out) == before


def test_out_must_not_be_a_source_nor_someone_elses_directory(tmp_path):
    a = make_report(tmp_path / "a", [scenario("a")])
    b = make_report(tmp_path / "b", [scenario("b")])
    with pytest.raises(ReportError, match="is one of the sources"):
        merge_reports([a, b], tmp_path / "b" / ".." / "b")
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "junit.xml").write_text("<mine/>")
    with pytest.raises(ReportError, match="no altio-hil run wrote"):
        merge_reports([a, b], theirs)
    assert (theirs / "junit.xml").read_text() == "<mine/>" and len(list(theirs.iterdir())) == 1
    (theirs / "notes.txt").unlink(missing_ok=True)
    other = tmp_path / "other"
    other.mkdir()
    (other / "notes.txt").write_text("kept")  # no name a report would replace: usable, the file kept
    merge_reports([a, b], other)
    assert (other / "notes.txt").read_text() == "kept" and (other / "results.json").is_file()


def test_an_earlier_reports_outputs_in_out_are_replaced(tmp_path):
    a = make_report(tmp_path / "a", [scenario("a", timeline="a.svg")], svgs={"a.svg": "<svg>a</svg>"},
                    allure=[(UUID.format(1) + "-result.json", "{}")])
    out = make_report(tmp_path / "out", [scenario("old", timeline="old.svg")], svgs={"old.svg": "<svg/>"},
                      allure=[(UUID.format(9) + "-result.json", "{}")])
    (out / "html").mkdir()
    (out / "html" / "index.html").write_text("old")
    (out / "junit.xml").write_text("<old/>")
    merged = merge_reports([a], out)
    assert [s["id"] for s in merged["scenarios"]] == ["a"]
    assert sorted(p.name for p in (out / "timelines").iterdir()) == ["a.svg"]
    assert UUID.format(9) + "-result.json" not in {p.name for p in (out / "allure-results").iterdir()}
    assert not (out / "html").exists() and not (out / "junit.xml").exists()


def test_clashing_allure_uuids_are_refused(tmp_path):
    a = make_report(tmp_path / "a", [scenario("a")], allure=[(UUID.format(1) + "-result.json", '{"a": 1}')])
    b = make_report(tmp_path / "b", [scenario("b")], allure=[(UUID.format(1) + "-result.json", '{"b": 2}')])
    with pytest.raises(ReportError, match="uuids clash"):
        merge_reports([a, b], tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_timelines_are_renamed_on_a_clash_and_dangling_links_dropped(tmp_path):
    a = make_report(tmp_path / "a", [scenario("a", timeline="S2.svg"), scenario("gone", timeline="gone.svg")],
                    svgs={"S2.svg": "<svg>a</svg>", "extra.svg": "<svg>x</svg>"})
    b = make_report(tmp_path / "b", [scenario("b", timeline="S2.svg")], svgs={"S2.svg": "<svg>b</svg>"})
    out = tmp_path / "out"
    merged = merge_reports([a, b], out)
    by_id = {s["id"]: s for s in merged["scenarios"]}
    assert by_id["a"]["timeline_svg"] == "../timelines/S2.svg"
    assert by_id["b"]["timeline_svg"] == "../timelines/S2-1.svg"
    assert (out / "timelines" / "S2-1.svg").read_text() == "<svg>b</svg>"
    assert (out / "timelines" / "extra.svg").is_file()  # copied though no scenario links to it
    assert "timeline_svg" not in by_id["gone"]
    # the sources are untouched
    assert json.loads((b / "results.json").read_text())["scenarios"][0]["timeline_svg"] == "../timelines/S2.svg"


def test_an_out_directory_another_run_is_writing_is_refused(tmp_path):
    import fcntl

    a = make_report(tmp_path / "a", [scenario("a")])
    out = make_report(tmp_path / "out", [scenario("old")])
    with open(out / ".altio-hil-report", "w") as held:  # what a run going on holds
        fcntl.flock(held, fcntl.LOCK_EX)
        with pytest.raises(ReportError, match="being written by another run"):
            merge_reports([a], out)
    assert json.loads((out / "results.json").read_text())["scenarios"][0]["id"] == "old"
