"""What each collected test of the suites is, as a scenario: one unit everywhere.

A matrix or combination test plays one `Scenario`, a randomized-schedule test one `NemesisStep`,
an entry-point contract test one check of the agent's contract. `describe_item` says which, under
one id (the results.json id, the Allure title, the progress line, the JUnit test case), with what a
reader of the report needs: the row and its meaning, where, the faults, how much it matters, and
where it sits in Allure's behaviours tree (epic: the suite, feature: the row family, story: the row).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pytest

from harness.scenarios import ROWS, Scenario
from harness.suite_names import SUITE_TITLES, SUITES

FAMILY_TITLES = {"S": "storage service groups", "N": "network service groups", "D": "domains"}
# what a wrong answer costs: the guest left without I/O (a failover that must happen), a needless
# failover where the patent's method keeps the guest (S2, N2: what it exists for), the rest
FAILOVER_ROWS = {"S4", "N4", "D3", "D4"}
PATENT_ROWS = {"S2", "N2"}


def suite_of(item: pytest.Item) -> str:
    name = item.path.name if hasattr(item, "path") else ""
    return next((s for s, module in SUITES.items() if module == name), name.removesuffix(".py"))


def severity(row: str, suite: str) -> str:
    parts = set(row.split("+"))
    if suite == "contract" or parts & FAILOVER_ROWS:
        return "blocker" if parts & FAILOVER_ROWS else "critical"
    if parts & PATENT_ROWS:
        return "critical"
    return "normal"


@dataclass
class ItemInfo:
    id: str
    suite: str
    row: str
    description: str
    faults: tuple = ()
    params: dict[str, str] = field(default_factory=dict)
    plan: str = ""

    @property
    def feature(self) -> str:
        if self.suite == "matrix":
            return FAMILY_TITLES.get(self.row[:1], self.row)
        if self.suite == "combo":
            return "+".join(FAMILY_TITLES.get(p[:1], p).split()[0] for p in self.row.split("+")) + " combined"
        return SUITE_TITLES.get(self.suite, self.suite)

    @property
    def story(self) -> str:
        return f"{self.row}: {self.description}" if self.row in ROWS else self.description

    def mark(self, item: pytest.Item) -> None:
        """Allure labels as markers (read by allure-pytest at the end of the test, whatever happened)."""
        item._altio_info = self  # type: ignore[attr-defined]
        # -k selects by what the reports call it: its suite ("-k contract") and its scenario id
        item.extra_keyword_matches.update({self.suite, self.id})
        labels = {"epic": SUITE_TITLES.get(self.suite, self.suite), "feature": self.feature,
                  "severity": severity(self.row, self.suite), "scenario": self.id}
        if self.suite != "nemesis":  # a step's rows are known once it has run
            labels["story"] = self.story
        for kind, value in labels.items():
            item.add_marker(pytest.mark.allure_label(value, label_type=kind))
        tags = ["destructive"] if any(f.destructive for f in self.faults) else []
        if self.row in ROWS:
            tags.append("failover expected" if self.row in FAILOVER_ROWS else "no failover expected")
        for tag in tags:
            item.add_marker(pytest.mark.allure_label(tag, label_type="tag"))

    def apply_allure(self) -> None:
        """Title, description and parameters of the running test (allure-pytest resets the title after
        set-up, so this runs at the start of the call)."""
        import allure

        allure.dynamic.title(self.id)
        allure.dynamic.description(self.plan or self.description)
        for name, value in self.params.items():
            allure.dynamic.parameter(name, value)

    def listing(self, item: pytest.Item) -> dict:
        """What `altio-hil run --list/--dry-run` prints of it: the faults it injects (a step of the
        randomized schedule: the one it injects or heals, `action`) and what it then expects."""
        step = getattr(getattr(item, "callspec", None), "params", {}).get("altio_nemesis_step")
        faults = [step.fault] if step is not None else list(self.faults)
        return {"id": self.id, "test": item.nodeid, "suite": self.suite, "row": self.row,
                "action": step.action if step is not None else "inject",
                "faults": [f.to_json() for f in faults], "plan": self.plan or self.description}


def _faults_text(faults) -> str:
    return ", ".join(map(str, faults)) or "none"


def describe_item(item: pytest.Item, topo) -> ItemInfo:
    """The scenario a collected test plays (`topo`: the lab's Topology, for what the oracle says)."""
    cached = getattr(item, "_altio_info", None)
    if cached is not None:
        return cached
    suite = suite_of(item)
    params = getattr(getattr(item, "callspec", None), "params", {})
    scenario: Scenario | None = params.get("altio_scenario")
    if scenario is not None:
        where = {"node": scenario.node, "guest": scenario.guest or topo.ldom_group,
                 "group": scenario.group or "domain", "faults": _faults_text(scenario.faults)}
        plan = f"{scenario.description} (guest {where['guest']} starting on {scenario.active})"
        return ItemInfo(scenario.id, suite, scenario.row, scenario.description, scenario.faults, where, plan)
    step = params.get("altio_nemesis_step")
    if step is not None:
        return ItemInfo(step.id, suite, "nemesis", f"randomized schedule, seed {step.seed}, step {step.index}",
                        step.after, {"seed": str(step.seed), "step": str(step.index),
                                     "action": f"{step.action} {step.fault}",
                                     "faults in force": _faults_text(step.after)}, step.plan)
    name = getattr(item, "originalname", item.name).removeprefix("test_").replace("_", " ")
    doc = (getattr(getattr(item, "obj", None), "__doc__", None) or "").strip()
    return ItemInfo(f"{suite}[{name}]", suite, suite, name, (), {"guest": topo.ldom_group},
                    " ".join(doc.split()) if doc else name)


def contract_result(info: ItemInfo, item: pytest.Item, report: pytest.TestReport) -> dict:
    """The results.json scenario of a test that judges the agent without playing a scenario (an
    entry-point contract test): its verdict is the test's, its problems the assertion's message,
    what it observed the lab's state at its end."""
    observed = {"failover": False, "alternateio": "", "ldom_system": ""}
    target = getattr(item, "funcargs", {}).get("altio_target")
    topo = getattr(item, "funcargs", {}).get("altio_topology")
    if target is not None and topo is not None:
        try:
            from harness.scenarios import ldom_location

            snap = target.snapshot()
            at = ldom_location(snap, topo) or ""
            observed.update(ldom_system=at, alternateio=(snap.resource(topo.alternateio_resource, at) or "") if at else "")
        except Exception as exc:  # noqa: BLE001 - the lab may be what broke the test
            observed["alternateio"] = f"unknown ({type(exc).__name__})"
    problems: list[str] = []
    if report.failed:
        text = report.longreprtext.strip()
        lines = [ln[2:].strip() for ln in text.splitlines() if ln.startswith("E ")]
        said = " ".join(lines) if lines else text.splitlines()[-1] if text else "failed"
        problems = [said.removeprefix("AssertionError: ")]
    verdict = "pass" if report.passed else "fail"
    return {"id": info.id, "suite": info.suite, "row": info.row, "node": "", "guest": info.params.get("guest", ""),
            "group": "", "faults": [], "description": info.plan,
            "expected": {"failover": False, "alternateio": "ONLINE"}, "observed": observed,
            "verdict": verdict, "problems": problems, "detect_s": None, "failover_s": None,
            "clock": getattr(target, "clock_kind", "virtual"), "clock_s": 0.0,
            "wall_s": round(report.duration, 4)}


def as_property(result: dict) -> tuple[str, str]:
    return ("altio_result", json.dumps(result))
