"""What the fault-injection suites (suites/) share, on top of the altio-hil plugin's fixtures.

The plugin (harness/plugin.py) is the pytest face of the harness: options, hooks and the fixtures
that reach a lab (altio_target, altio_oracle, ...), usable by any project's suites. This file
composes them the way this project's suites play a certification: play a scenario and judge it,
and keep its evidence (timeline picture, main.cf, session transcripts) in the report.
"""

from __future__ import annotations

import pytest


@pytest.fixture
def altio_save_timeline(request: pytest.FixtureRequest):
    """save(scenario_id, svg) -> path of the picture beside results.json (None without a report dir)."""
    from harness.plugin import save_timeline_svg

    return lambda scenario_id, svg: save_timeline_svg(request.config, scenario_id, svg)


@pytest.fixture
def altio_play(altio_target, altio_oracle, altio_report, altio_record, altio_save_timeline):
    """Play a scenario on the target, attach its timeline, record it, and fail the test on a bad verdict."""
    from harness.report import redact_main_cf
    from harness.scenarios import play

    def run(scenario) -> dict:
        t0 = altio_target.now()
        result = play(altio_target, altio_oracle, scenario, altio_report)
        svg = altio_target.timeline.window(t0, altio_target.now()).to_svg(
            f"{scenario.id} — {scenario.description}",
            milestones={"detected": result["detect_s"], "failed over": result["failover_s"]})
        altio_report.attach("timeline", svg, "svg")
        altio_report.attach("main.cf (UserNames redacted)", redact_main_cf(altio_target.lab.main_cf.read_text()))
        svg_path = altio_save_timeline(scenario.id, svg)
        altio_record({**result, "description": scenario.description,
                      **({"timeline_svg": svg_path} if svg_path else {})})
        if result["verdict"] == "error":
            pytest.fail("infrastructure error: " + "; ".join(result["problems"]), pytrace=False)
        assert result["verdict"] == "pass", "; ".join(result["problems"])
        return result

    return run
