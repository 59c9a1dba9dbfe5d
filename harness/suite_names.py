"""The suites a certification runs, by the name `altio-hil run --suite` takes (no pytest import: every
command's parser reads it)."""

# suite name -> its module under suites/
SUITES = {
    "matrix": "test_failover_matrix.py",
    "combo": "test_combined_faults.py",
    "nemesis": "test_nemesis.py",
    "contract": "test_entry_points.py",
}
SUITE_TITLES = {
    "matrix": "failover table", "combo": "combined faults", "nemesis": "randomized schedule",
    "contract": "entry-point contract",
}
