"""The terminal's matrix and failures block: 80 columns, one notation, one count, why it failed."""

from __future__ import annotations

import pytest

from harness.report import REFERENCE_TABLE, matrix, render_matrix_html, render_matrix_text
from harness.report.terminal import elide, render_failures


def sc(sid, row, node, group, verdict="pass", guest="ldomsg", problems=()) -> dict:
    return {"id": sid, "row": row, "node": node, "group": group, "guest": guest, "verdict": verdict,
            "problems": list(problems)}


def three_node_run(groups_per_node=2, alternates=2, verdict="pass") -> list[dict]:
    """A lab as wide as tri-altio: three nodes, two storage groups each, two alternates each."""
    out = []
    for n in "abc":
        node = f"sparc-{n}"
        for ref in REFERENCE_TABLE:
            if ref.family == "D":
                groups = [f"aio-{n}{i}" for i in range(1, alternates + 1)] if ref.id == "D2" else [""]
            elif ref.family == "S":
                groups = [f"{n}-{kind}-stor" for kind in ("db", "log", "tmp")[:groups_per_node]]
            else:
                groups = [f"{n}-pub-net"]
            out += [sc(f"{ref.id}[{node}/{g}]", ref.id, node, g, verdict) for g in groups]
    return out


def lines_of(text):
    assert text.endswith("\n")
    return text[:-1].split("\n")


@pytest.mark.parametrize("width", [80, 64, 40])
def test_no_line_is_wider_than_the_terminal_and_no_cell_is_lost(width):
    scenarios = three_node_run()
    m = matrix(scenarios)
    text = render_matrix_text(m, width=width)
    assert text.isascii()
    assert max(len(line) for line in lines_of(text)) <= width
    # every applicable cell is printed once, whatever the number of tables the columns were cut into
    table_rows = [line for line in lines_of(text) if line[:2] in {r.id[:2] for r in REFERENCE_TABLE}]
    assert sum(line.split().count("pass") for line in table_rows) == m.counts["cells"] == 51
    for n in "abc":
        assert f"sparc-{n}" in text


def test_the_old_layout_was_wider_than_80_columns_and_this_one_keeps_a_nodes_columns_together():
    text = render_matrix_text(matrix(three_node_run()))
    lines = lines_of(text)
    assert max(map(len, lines)) <= 80
    storage = lines.index("storage service groups (in AlternateIO's StorageSG)")
    tables = []  # (nodes line, targets line) of each table of the family
    i = storage + 1
    while i < len(lines) and lines[i] and not lines[i].startswith("network"):
        tables.append((lines[i].split(), lines[i + 1].split()[4:]))
        i += 6 + (1 if i + 6 < len(lines) and lines[i + 6] == "" else 0)
    assert len(tables) >= 2  # wrapped
    for nodes, targets in tables:
        for node in nodes:  # each node's two groups in the same table as the node
            n = node[-1]
            assert {f"{n}-db-stor", f"{n}-log-stor"} <= set(targets), (nodes, targets)


def test_rows_are_described_in_short_and_the_legend_says_how():
    text = render_matrix_text(matrix(three_node_run()))
    s2 = next(line for line in lines_of(text) if line.startswith("S2 "))
    assert s2.split()[:4] == ["S2", "OFF", "on", "no"] and "fo" in s2.split()
    d3 = next(line for line in lines_of(text) if line.startswith("D3 "))
    assert d3.split()[:4] == ["D3", "DOWN", "up", "failover"]
    assert "Offline/Faulted" not in s2 and "OFF (Offline/Faulted)" in " ".join(text.split())
    assert "fo: failover" in " ".join(text.split())


def test_long_names_are_elided_with_dots():
    long_group = "a-storage-service-group-with-a-name-far-too-long-for-a-column"
    long_node = "node-with-a-name-much-longer-than-sixteen"
    text = render_matrix_text(matrix([sc("x", "S1", long_node, long_group),
                                      sc("y", "S1", "node2", "stgsg")]))
    assert long_group not in text and long_node not in text
    assert long_group[:10] in text and "..." in text
    assert max(map(len, lines_of(text))) <= 80


def test_the_first_line_is_the_one_count_over_every_scenario():
    scenarios = three_node_run()[:10] + [
        sc("combo-1", "S2+N3", "sparc-a", "x", "fail"), sc("nem", "nemesis", "sparc-a", "", "error"),
        sc("contract[monitor]", "contract", "", "", "pass"), sc("heal[1]", "heal", "sparc-a", "", "pass")]
    first = lines_of(render_matrix_text(matrix(scenarios)))[0]
    assert first == "14 scenarios: 12 passed, 1 failed, 1 error"
    assert lines_of(render_matrix_text(matrix(scenarios[:1])))[0] == "1 scenario: 1 passed, 0 failed, 0 errors"
    only_contract = [sc(f"contract[{i}]", "contract", "", "", "pass") for i in range(3)]
    assert render_matrix_text(matrix(only_contract)).startswith("3 scenarios: 3 passed, 0 failed, 0 errors\n")


def test_other_scenarios_use_the_same_notation_and_fit_80_columns():
    long_ids = [f"ldomsg1:N2+S3[node1/primary1-nwsg@primary1+ldg1-strsg1@alternate1 in step {i:02d}]" for i in range(30)]
    scenarios = ([sc(i, "N2+S3", "node1", "", "fail") for i in long_ids]
                 + [sc("c1", "contract", "", "", "pass"), sc("c2", "contract", "", "", "error"),
                    sc("c3", "contract", "", "", "fail"), sc("h1", "heal", "", "", "pass")])
    lines = lines_of(render_matrix_text(matrix(scenarios)))
    assert max(map(len, lines)) <= 80
    assert "  N2+S3     FAIL 30/30" in lines
    assert "  contract  FAIL 1/3  (pass 1, error 1)" in lines
    assert "  heal      pass" in lines
    listed = [line for line in lines if line.startswith("    ldomsg1:N2+S3")]
    assert len(listed) == 5 and all(line.endswith("...") for line in listed)
    assert "    ... and 25 more (see the failures above)" in lines


def test_the_summary_page_uses_the_terminals_notation():
    scenarios = [sc("a", "S2", "n1", "g"), sc("b", "S2", "n1", "g"), sc("c", "S3", "n1", "g", "fail"),
                 sc("d", "S3", "n1", "g")]
    m = matrix(scenarios)
    page = render_matrix_html(m, {"lab": "l", "target": "sim", "monitor": "m", "seed": 1}, scenarios)
    text = render_matrix_text(m)
    for mark in ("pass 2/2", "FAIL 1/2"):
        assert mark in text and f">{mark}<" in page
    assert "PASS" not in text and " x2" not in text


def test_elide():
    assert elide("abcdef", 6) == "abcdef" and elide("abcdefg", 6) == "abc..." and elide("abcdef", 2) == "ab"


# --- failures ----------------------------------------------------------------------------------------------


PROBLEM = "expected no failover, ldomsg moved to primary2; guest I/O stopped 1 time(s), first at 50.0s for 15.0s"


def test_failures_list_each_failed_scenario_with_its_problems_wrapped():
    scenarios = [
        sc("S1[node1/stgsg]", "S1", "node1", "stgsg"),
        sc("S2[node1/stgsg]", "S2", "node1", "stgsg", "fail", problems=[PROBLEM, "AlternateIO on primary1 is "
                                                                         "FAULTED, expected ONLINE"]),
        sc("D3[node2/domain]", "D3", "node2", "", "error", problems=[]),
        sc("N2[node1/nwsg]", "N2", "node1", "nwsg", "fail", problems=["ldomsg moved to primary2"]),
    ]
    text = render_failures(scenarios)
    lines = lines_of(text)
    assert lines[0] == "failures: 3 of 4 scenarios"
    assert max(map(len, lines)) <= 80
    heads = [line for line in lines if not line.startswith(" ")][1:]
    assert heads == ["FAIL S2[node1/stgsg]", "ERROR D3[node2/domain]", "FAIL N2[node1/nwsg]"]  # results order
    s2 = lines[lines.index("FAIL S2[node1/stgsg]") + 1:lines.index("ERROR D3[node2/domain]")]
    assert s2[0].startswith("  - expected no failover") and s2[1].startswith("    ")  # wrapped, indented
    assert " ".join(x.strip() for x in s2).replace("- ", "", 1) .startswith(PROBLEM)
    assert "  - AlternateIO on primary1 is FAULTED, expected ONLINE" in s2
    assert lines[lines.index("ERROR D3[node2/domain]") + 1] == "  - (no problem recorded)"
    assert "S1[node1/stgsg]" not in text
    narrow = lines_of(render_failures(scenarios, width=50))
    assert max(map(len, narrow)) <= 50 and len(narrow) > len(lines)


def test_failures_then_harness_errors_and_nothing_when_all_passed():
    errors = [{"test": "suites/test_nemesis.py::test_schedule", "error": "KeyError: 'ldg9'\nin step 3"}]
    text = render_failures([sc("a", "S1", "n", "g")], errors)
    lines = lines_of(text)
    assert lines[0] == "harness errors (not verdicts on the monitor): 1"
    assert lines[1:] == ["ERROR suites/test_nemesis.py::test_schedule", "  KeyError: 'ldg9'", "  in step 3"]
    both = lines_of(render_failures([sc("b", "S2", "n", "g", "fail", problems=["p"])], errors))
    assert both.index("harness errors (not verdicts on the monitor): 1") > both.index("  - p")
    assert render_failures([sc("a", "S1", "n", "g")]) == ""
    assert render_failures([]) == ""


def test_a_long_id_is_wrapped_not_cut():
    sid = "ldomsg1:N2+S3[node1/primary1-nwsg@primary1+ldg1-strsg1@alternate1+and-more-and-more-and-more]"
    lines = lines_of(render_failures([sc(sid, "N2+S3", "n", "g", "fail", problems=["p"])]))
    head = lines[1:lines.index("  - p")]
    assert max(map(len, head)) <= 80 and "".join(x.strip() for x in head) == "FAIL " + sid


def test_units_not_run_count_in_the_runs_one_count():
    from harness.report import matrix
    from harness.report.terminal import count_line

    scenarios = [{"id": "S1[n]", "row": "S1", "node": "n", "group": "g", "verdict": "pass"},
                 {"id": "S2[n]", "row": "S2", "node": "n", "group": "g", "verdict": "fail"}]
    skipped = [{"id": "nemesis-step04[seed=3: heal nic_pull a:n]", "reason": "not judged"}]
    assert count_line(matrix(scenarios, not_run=skipped).counts) == "3 scenarios: 1 passed, 1 failed, 0 errors, 1 not run"
    assert count_line(matrix(scenarios).counts) == "2 scenarios: 1 passed, 1 failed, 0 errors"
    assert render_failures(scenarios, not_run=skipped).startswith("failures: 1 of 3 scenarios")
