"""What `altio-hil run` leaves in a report directory, for the commands that claim or write one.

`REPORT_MARK` is the file `run` (and `report merge`) leaves in a directory it writes: a directory that
holds it (or a results.json) is a report directory, whose stale outputs a new run may replace.
`REPORT_OUTPUTS` are the names a run writes there; a directory that holds one of them and is not a
report directory is someone else's, and is refused. harness/cli/report_dir.py claims the directory of
`run` and `mutants`, harness/report/merge.py the one of `report merge`.
"""

REPORT_MARK = ".altio-hil-report"  # a directory `run` wrote: its stale outputs may be replaced
REPORT_OUTPUTS = ("allure-results", "html", "timelines", "results.json", "junit.xml", "summary.html")
