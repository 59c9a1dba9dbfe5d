"""Why a report cannot be written or read."""

from __future__ import annotations


class ReportError(Exception):
    """A report cannot be written or rendered; the message says why and what to do."""


class ResultsError(ReportError, ValueError):
    """results.json content that does not follow the DESIGN.md contract."""
