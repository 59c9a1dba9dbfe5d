"""`altio-hil report merge DIR... --out DIR`: several report directories joined into one report.

The sources are either the shards of one run (`altio-hil run --shard K/N`: the same lab, target,
monitor and seed, and no scenario in two of them), merged back into that run, or runs of their own
(other labs, monitors, seeds, or the same scenarios again), whose scenarios each keep the index of
their run (`"run"`) and whose origins are listed under `"runs"`. The Allure results are copied side
by side (Allure merges result directories natively: results, containers and attachments have uuid
names), the timeline pictures too (renamed on a clash, the scenarios' links rewritten).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import re
import shutil
from collections.abc import Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any

from harness.report.allure import write_allure_environment
from harness.report.directory import REPORT_MARK, REPORT_OUTPUTS
from harness.report.errors import ReportError, ResultsError
from harness.report.results import validate_results

RUN_KEYS = ("lab", "target", "monitor", "seed")
# the worst outcome of the runs is the merged report's; see worst_outcome
OUTCOME_RANK = {"passed": 0, "interrupted": 1, "failed": 2, "error": 3}
ENVIRONMENT = "environment.properties"
_UUID_NAME = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}-", re.IGNORECASE)


def worst_outcome(outcomes: Sequence[str]) -> str:
    """The outcome of a report made of runs with these outcomes: error > failed > interrupted > passed.

    - "error" first: a run broke for a reason of the harness or the lab, so some of its verdicts are
      missing or cannot be trusted; nothing the other runs say makes the whole a verdict on the monitor;
    - "failed" before "interrupted": a failed scenario is a finding about the monitor that stands
      whatever did not run, and it must not hide behind a run stopped early;
    - "interrupted" before "passed": part of the campaign did not run, so the whole has not passed;
    - "passed" only when every run passed.
    """
    return max(outcomes, key=lambda o: OUTCOME_RANK.get(o, OUTCOME_RANK["error"]), default="passed")


def _read_source(directory: Path) -> dict[str, Any]:
    path = directory / "results.json"
    if not directory.is_dir():
        raise ReportError(f"{directory}: not a directory (give report directories written by altio-hil run)")
    if not path.is_file():
        raise ReportError(f"{path}: missing; {directory} is not a report of altio-hil run")
    try:
        doc = json.loads(path.read_text(encoding="utf-8"))
    except UnicodeDecodeError as exc:
        raise ReportError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except json.JSONDecodeError as exc:
        raise ReportError(f"{path}: not JSON ({exc.msg} at line {exc.lineno} column {exc.colno})") from None
    except OSError as exc:
        raise ReportError(f"{path}: cannot be read ({exc.strerror})") from None
    try:
        validate_results(doc)
    except ResultsError as exc:
        raise ReportError(f"{path}: {exc}") from None
    return doc


def _check_out(out: Path, sources: Sequence[Path]) -> None:
    """The rule of `altio-hil run --report` (harness/cli/report_dir.py claim_report_dir): a directory is ours when it
    holds `.altio-hil-report` or results.json; one that is not and holds a name we would replace is
    refused."""
    if any(out == s for s in sources):
        raise ReportError(f"--out {out} is one of the sources; give another directory")
    if out.exists() and not out.is_dir():
        raise ReportError(f"--out {out} exists and is not a directory")
    for name in ("results.json", "junit.xml", REPORT_MARK):
        if (out / name).exists() and not (out / name).is_file():
            raise ReportError(f"--out {out}: {name} there is not a file; give another directory")
    ours = (out / REPORT_MARK).is_file() or (out / "results.json").is_file()
    clashes = [n for n in REPORT_OUTPUTS if (out / n).exists()]
    if clashes and not ours:
        raise ReportError(f"--out {out} holds {', '.join(clashes)} that no altio-hil run wrote; "
                          "give an empty or new directory")


def _are_shards(docs: Sequence[Mapping[str, Any]]) -> bool:
    """Shards of one run: the same lab, target, monitor and seed, and no scenario in two of them."""
    if len({tuple(d[k] for k in RUN_KEYS) for d in docs}) != 1:
        return False
    seen: set[str] = set()
    for d in docs:
        ids = {s["id"] for s in d["scenarios"]}
        if ids & seen:
            return False
        seen |= ids
    return True


def _joined(values: Sequence[Any]) -> str:
    return ", ".join(str(v) for v in dict.fromkeys(values))


def _unique_name(name: str, taken: set[str]) -> str:
    if name not in taken:
        return name
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    i = 1
    while f"{stem}-{i}{dot}{ext}" in taken:
        i += 1
    return f"{stem}-{i}{dot}{ext}"


def _parse_properties(text: str) -> dict[str, str]:
    """Java properties as write_allure_environment writes them (key=value, backslash escapes)."""
    out: dict[str, str] = {}
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        key, value, i, in_key = [], [], 0, True
        while i < len(line):
            ch = line[i]
            if ch == "\\" and i + 1 < len(line):
                nxt = line[i + 1]
                if nxt == "u" and re.fullmatch(r"[0-9a-fA-F]{4}", line[i + 2:i + 6]):
                    ch, i = chr(int(line[i + 2:i + 6], 16)), i + 6
                else:
                    ch, i = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}.get(nxt, nxt), i + 2
                (key if in_key else value).append(ch)
                continue
            if in_key and ch in "=:":
                in_key = False
            else:
                (key if in_key else value).append(ch)
            i += 1
        out["".join(key).strip()] = "".join(value).strip()
    return out


@contextlib.contextmanager
def _locked(out: Path) -> Iterator[None]:
    fd = os.open(out / REPORT_MARK, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            raise ReportError(f"--out {out} is being written by another run; give another directory") from None
        yield
    finally:
        os.close(fd)


def merge_documents(docs: Sequence[Mapping[str, Any]], dirs: Sequence[str] | None = None) -> dict[str, Any]:
    """The merged results.json document of these (valid) documents, in source order; `dirs`: where each
    came from (recorded in `runs` when they are several runs)."""
    if not docs:
        raise ReportError("nothing to merge: give at least one report directory")
    dirs = list(dirs) if dirs is not None else [str(i) for i in range(len(docs))]
    first = docs[0]
    outcome = worst_outcome([d["outcome"] for d in docs])
    errors: list[dict[str, Any]] = []
    if _are_shards(docs):
        scenarios = sorted((dict(s) for d in docs for s in d["scenarios"]), key=lambda s: s["id"])
        for d in docs:
            errors += [dict(e) for e in d.get("harness_errors", []) if dict(e) not in errors]
        ran = {s["id"] for s in scenarios}
        not_run: dict[str, dict[str, Any]] = {}
        for d in docs:  # a scenario another shard ran is not "not run"
            for entry in d.get("not_run", []):
                if entry["id"] not in ran:
                    not_run.setdefault(entry["id"], dict(entry))
        doc = {k: v for k, v in first.items() if k not in ("scenarios", "harness_errors", "not_run", "shard")}
        doc.update(outcome=outcome, harness_errors=errors)
        if not_run:
            doc["not_run"] = sorted(not_run.values(), key=lambda e: e["id"])
        doc["scenarios"] = scenarios
        return doc
    runs = [{"dir": dirs[i], **{k: d[k] for k in RUN_KEYS}, "outcome": d["outcome"]} for i, d in enumerate(docs)]
    doc = {k: _joined([d[k] for d in docs]) for k in ("lab", "target", "monitor")}
    doc.update(seed=first["seed"], outcome=outcome, runs=runs)
    not_run_list: list[dict[str, Any]] = []
    scenarios = []
    for i, d in enumerate(docs):
        errors += [{**e, "run": i} for e in d.get("harness_errors", [])]
        not_run_list += [{**e, "run": i} for e in d.get("not_run", [])]
        scenarios += [{**s, "run": i} for s in d["scenarios"]]
    doc["harness_errors"] = errors
    if not_run_list:
        doc["not_run"] = not_run_list
    doc["scenarios"] = scenarios
    return doc


def _plan_allure(sources: Sequence[Path]) -> tuple[dict[str, Path], dict[str, str]]:
    """What to copy into out/allure-results (name -> source file) and the merged environment."""
    copies: dict[str, Path] = {}
    environment: dict[str, list[str]] = {}
    for src in sources:
        allure = src / "allure-results"
        if not allure.is_dir():
            continue
        for path in sorted(allure.rglob("*")):
            if not path.is_file():
                continue
            rel = path.relative_to(allure).as_posix()
            if rel == ENVIRONMENT:
                props = _parse_properties(path.read_text(encoding="utf-8", errors="replace"))
                for key, value in props.items():
                    values = environment.setdefault(key, [])
                    if value not in values:
                        values.append(value)
                continue
            held = copies.get(rel)
            if held is None:
                copies[rel] = path
            elif held.read_bytes() != path.read_bytes() and _UUID_NAME.match(path.name):
                raise ReportError(f"{path} and {held} have the same name and different contents; "
                                  "Allure results cannot be merged when their uuids clash")
            # same content, or a file of no uuid (categories.json, executor.json): the first source's
    return copies, {k: ", ".join(v) for k, v in environment.items()}


def _plan_timelines(sources: Sequence[Path], docs: Sequence[dict[str, Any]]) -> dict[str, Path]:
    """Every source's timelines/*.svg (and any other picture a scenario links to) under a unique name in
    out/timelines; the scenarios' `timeline_svg` rewritten to it (relative to out/html)."""
    copies: dict[str, Path] = {}
    for src, doc in zip(sources, docs, strict=True):
        renamed: dict[Path, str] = {}

        def place(path: Path, src: Path = src, renamed: dict[Path, str] = renamed) -> str:
            path = path.resolve()
            if path not in renamed:
                name = path.name
                held = copies.get(name)
                if held is not None and held.read_bytes() != path.read_bytes():
                    name = _unique_name(name, set(copies))
                copies[name] = path
                renamed[path] = name
            return renamed[path]

        timelines = src / "timelines"
        if timelines.is_dir():
            for path in sorted(timelines.glob("*.svg")):
                if path.is_file():
                    place(path)
        for sc in doc["scenarios"]:
            given = sc.get("timeline_svg")
            if not given:
                continue
            # relative to the source's html/ (which --no-html does not create): resolved by name
            path = Path(given) if Path(given).is_absolute() else Path(os.path.normpath(src / "html" / given))
            if path.is_file():
                sc["timeline_svg"] = f"../timelines/{place(path)}"
            elif not Path(given).is_absolute():
                del sc["timeline_svg"]  # a picture the source no longer has: no link into another's
    return copies


def merge_reports(sources: list[Path], out: Path) -> dict[str, Any]:
    """Merge the report directories `sources` into `out`: out/results.json (validated, written
    atomically), out/allure-results/ (every source's results; environment.properties with the keys of
    all, differing values joined) and out/timelines/. Returns the merged results document.

    ReportError, with nothing written in `out`: no source, a source given twice, a source whose
    results.json is missing or invalid (the message names the file and the problem), `out` one of the
    sources or a directory of files no altio-hil run wrote, clashing Allure uuids."""
    if not sources:
        raise ReportError("nothing to merge: give at least one report directory")
    srcs = [Path(s).expanduser().resolve() for s in sources]
    out = Path(out).expanduser().resolve()
    twice = [str(s) for s in dict.fromkeys(s for s in srcs if srcs.count(s) > 1)]
    if twice:
        raise ReportError(f"{', '.join(twice)} given more than once")
    _check_out(out, srcs)
    docs = [_read_source(s) for s in srcs]
    docs = [json.loads(json.dumps(d)) for d in docs]  # copies: scenarios are rewritten below
    timeline_copies = _plan_timelines(srcs, docs)
    allure_copies, environment = _plan_allure(srcs)
    merged = merge_documents(docs, [str(s) for s in srcs])
    try:
        text = json.dumps(merged, indent=2, allow_nan=False)
    except (TypeError, ValueError) as exc:
        raise ReportError(f"the merged results cannot be written as JSON: {exc}") from None
    try:
        validate_results(json.loads(text))
    except ResultsError as exc:
        raise ReportError(f"the merged results do not follow the contract: {exc}") from None

    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(f"--out {out}: cannot write there ({exc.strerror})") from None
    with _locked(out):
        for stale in ("allure-results", "html", "timelines"):
            shutil.rmtree(out / stale, ignore_errors=True)
        for stale in ("junit.xml", "summary.html"):
            with contextlib.suppress(FileNotFoundError):
                (out / stale).unlink()
        for rel, path in allure_copies.items():
            dest = out / "allure-results" / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest)
        if environment:
            write_allure_environment(out / "allure-results", environment)
        for name, path in timeline_copies.items():
            (out / "timelines").mkdir(exist_ok=True)
            shutil.copyfile(path, out / "timelines" / name)
        tmp = out / "results.json.tmp"
        tmp.write_text(text + "\n", encoding="utf-8")
        os.replace(tmp, out / "results.json")
    return merged
