"""junit.xml written from a results.json document (not by pytest): one testcase per scenario.

CI systems (Jenkins, GitLab, GitHub test reporters) read JUnit XML: one `<testcase>` per scenario,
whatever produced it (matrix row, combination, nemesis step, contract test), each scenario's facts
as separate `<property>` elements, `<failure>` for a "fail" verdict (message: the first problem,
text: every problem, one per line), `<error>` for an "error" verdict; scenarios that did not run
(`not_run`) are `<skipped>` testcases and each harness error is an errored testcase of its own, so
that the counts a CI system shows are the run's counts.
"""

from __future__ import annotations

import os
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from harness.report.verdict_matrix import ROW_IDS

# XML 1.0 forbids these (every control character but tab, newline, carriage return; surrogates; FFFE/FFFF)
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_FAMILY_CLASS = {"S": "storage", "N": "network", "D": "domains"}


def _text(value: object) -> str:
    """Any value as text XML 1.0 can hold (None: "")."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("", str(value))


def _seconds(value: object) -> str:
    try:
        return f"{max(float(value), 0.0):.3f}"  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return "0.000"


def classname_of(scenario: Mapping[str, Any]) -> str:
    """`altio.<suite>` when the scenario names its suite, else `altio.<row family>`: storage, network,
    domains for the seed's rows S/N/D, combo for a combination ("S2+N3"), else the row itself
    (nemesis, contract, heal, ...)."""
    suite = str(scenario.get("suite") or "").strip()
    if suite:
        family = suite
    else:
        row = str(scenario.get("row") or "").strip()
        if row in ROW_IDS:
            family = _FAMILY_CLASS[row[0]]
        elif "+" in row and all(part in ROW_IDS for part in row.split("+")):
            family = "combo"
        else:
            family = row or "other"
    family = re.sub(r"[^A-Za-z0-9_-]+", "_", family).strip("_") or "other"
    return f"altio.{family}"


def _faults_text(faults: Iterable[Mapping[str, Any]] | None) -> str:
    return "; ".join(f"{f.get('kind', '?')} {f.get('where', '?')}" for f in faults or ())


def _scenario_properties(sc: Mapping[str, Any]) -> list[tuple[str, object]]:
    expected = sc.get("expected") or {}
    observed = sc.get("observed") or {}
    props: list[tuple[str, object]] = [
        ("row", sc.get("row")), ("node", sc.get("node")), ("guest", sc.get("guest")), ("group", sc.get("group")),
        ("faults", _faults_text(sc.get("faults"))),
        ("expected_failover", expected.get("failover")), ("expected_alternateio", expected.get("alternateio")),
        ("expected_ldom_system", expected.get("ldom_system")),
        ("expected_down_everywhere", expected.get("down_everywhere", False)),
        ("observed_failover", observed.get("failover")), ("observed_alternateio", observed.get("alternateio")),
        ("observed_ldom_system", observed.get("ldom_system")),
        ("detect_s", sc.get("detect_s")), ("failover_s", sc.get("failover_s")),
        ("clock", sc.get("clock")), ("clock_s", sc.get("clock_s")),
    ]
    if "run" in sc:  # a merged report of several runs: which run (0-based, the order of `runs`)
        props.append(("run", sc.get("run")))
    return props


def _add_properties(parent: ET.Element, props: Iterable[tuple[str, object]]) -> None:
    props = list(props)
    if not props:
        return
    el = ET.SubElement(parent, "properties")
    for name, value in props:
        ET.SubElement(el, "property", name=name, value=_text(value))


def _first_line(text: str) -> str:
    return next((line for line in text.splitlines() if line.strip()), text)


def junit_tree(results: Mapping[str, Any]) -> ET.ElementTree:
    """The JUnit document for a results.json document (a dict)."""
    lab, target, monitor = (_text(results.get(k, "?")) for k in ("lab", "target", "monitor"))
    scenarios = list(results.get("scenarios") or [])
    not_run = list(results.get("not_run") or [])
    harness_errors = list(results.get("harness_errors") or [])

    root = ET.Element("testsuites", name="altio-hil")
    suite = ET.SubElement(root, "testsuite", name=f"{lab} ({target}, {monitor})")
    suite_props: list[tuple[str, object]] = [
        ("lab", lab), ("target", target), ("monitor", monitor), ("seed", results.get("seed")),
        ("outcome", results.get("outcome")), ("altio_outcome", results.get("outcome")),
    ]
    suite_props += [("altio_harness_error", f"{e.get('test', '?')}: {e.get('error', '')}") for e in harness_errors]
    _add_properties(suite, [(k, "" if v is None else v) for k, v in suite_props])

    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    total_time = 0.0
    for sc in scenarios:
        seconds = _seconds(sc.get("wall_s"))
        total_time += float(seconds)
        case = ET.SubElement(suite, "testcase", classname=classname_of(sc), name=_text(sc.get("id", "?")),
                             time=seconds)
        _add_properties(case, _scenario_properties(sc))
        counts["tests"] += 1
        verdict = sc.get("verdict")
        problems = [_text(p) for p in sc.get("problems") or []]
        if verdict in ("fail", "error"):
            if not problems:
                problems = ["verdict " + _text(verdict) + " (no problem recorded)"]
            tag, key = ("failure", "failures") if verdict == "fail" else ("error", "errors")
            el = ET.SubElement(case, tag, message=_first_line(problems[0]), type=_text(verdict))
            el.text = "\n".join(problems)
            counts[key] += 1
    for entry in not_run:
        case = ET.SubElement(suite, "testcase", classname="altio.not_run", name=_text(entry.get("id", "?")),
                             time="0.000")
        reason = _text(entry.get("reason", "not run"))
        ET.SubElement(case, "skipped", message=_first_line(reason) if reason else "not run")
        counts["tests"] += 1
        counts["skipped"] += 1
    for entry in harness_errors:
        case = ET.SubElement(suite, "testcase", classname="altio.harness", name=_text(entry.get("test", "?")),
                             time="0.000")
        error = _text(entry.get("error", ""))
        el = ET.SubElement(case, "error", message=_first_line(error) or "harness error", type="harness_error")
        el.text = error
        counts["tests"] += 1
        counts["errors"] += 1

    attrs = {k: str(v) for k, v in counts.items()} | {"time": f"{total_time:.3f}"}
    for el in (root, suite):
        el.attrib.update(attrs)
    ET.indent(root)
    return ET.ElementTree(root)


def write_junit(path: Path, results: Mapping[str, Any]) -> Path:
    """Write junit.xml for a results.json document (atomically); returns the path written."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    junit_tree(results).write(tmp, encoding="utf-8", xml_declaration=True)
    os.replace(tmp, path)
    return path
