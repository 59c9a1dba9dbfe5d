"""What may appear of a lab's configuration in a report."""

from __future__ import annotations

from emulators.vcs.config import secret_spans


def redact_main_cf(text: str) -> str:
    """main.cf as it may appear in a report: the values of its secret attributes (the cluster's
    UserNames: password hashes) replaced by ``<redacted>``, wherever the configuration language
    puts them (`secret_spans`: over several lines, among comments, quoted or not).

    Everything else is kept verbatim (comments and layout included), so an engineer reads the
    configuration the lab really runs.
    """
    lines = text.split("\n")
    for line, col, end in sorted(set(secret_spans(text)), reverse=True):
        src = lines[line - 1]
        lines[line - 1] = src[: col - 1] + "<redacted>" + src[end - 1 :]
    return "\n".join(lines)
