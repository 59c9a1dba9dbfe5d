"""A randomized schedule of faults and heals (a Jepsen-style nemesis) over a long virtual run.

The schedule comes from the session's seed (printed in the header and in the report): the same seed
replays the same schedule exactly (harness/nemesis.py). Each step is a test of its own: after an
injection the oracle says where every guest must be and what AlternateIO must report, and the step is
recorded in results.json under the reference rows the faults in force put the guest in (e.g. "S2",
"S3+N2"); after a heal the lab is restored and the heal must not have moved any guest (after a step the
monitor failed, heals are played but reported as not judged until the lab is steady again). Steps run in
order on one lab; a step run alone (-k, --lf, a shard) first replays the steps before it, unjudged.
"""

import pytest


@pytest.mark.altio_row("nemesis")
def test_randomized_schedule(altio_nemesis_step, altio_nemesis, altio_report, altio_record, altio_save_timeline):
    step, nemesis = altio_nemesis_step, altio_nemesis
    t0 = nemesis.target.now()
    altio_report.attach("schedule", "\n".join(("-> " if s.index == step.index else "   ") + f"{s.index:02d} {s.action} {s.fault}: {s.plan}"
                                              for s in nemesis.steps)
                        + f"\n\nrerun with --seed {step.seed} to replay\n")
    result = nemesis.play(step, altio_report)
    if "not_judged" in result:
        pytest.skip(result["not_judged"])
    svg = nemesis.target.timeline.window(t0, nemesis.target.now()).to_svg(
        f"{step.id} ({result['row']})", milestones={"detected": result.get("detect_s"),
                                                    "failed over": result.get("failover_s")})
    altio_report.attach("timeline", svg, "svg")
    path = altio_save_timeline(step.id, svg)
    altio_record({**result, "description": f"{step.action} {step.fault}: {step.plan}", **({"timeline_svg": path} if path else {})})
    assert result["verdict"] == "pass", "; ".join(result["problems"])
