"""The portal's reports, computed in one place: `build_report` (compute.py) makes a report
of the database's counts (counting.py: GROUP BY over the columns intake keeps, never a
payload read) and the form's questions, as a JSON-ready dict; text.py, checks.py's CSV,
xlsx.py and pdf.py print it, the API returns it, the dashboard will show it. None of them
computes a figure itself. request.py says what a report is asked for; targets.py counts
progress against the decision's minimums and a plan's quotas; checks.py checks the
arithmetic of a report, or of a table published elsewhere (`portal check-table`).

`portal stats` (collect) counts answers per unit, form and channel with their flags, and
the devices (queries.py, summary.py).
"""

from __future__ import annotations

from sqlalchemy import Engine

from portal.reports.compute import build_report
from portal.reports.queries import read_facts
from portal.reports.request import ReportError, ReportRequest
from portal.reports.summary import summarise

__all__ = ["ReportError", "ReportRequest", "build_report", "collect"]


def collect(engine: Engine) -> dict:
    """The `portal stats` report (`--json` prints it as it is)."""
    return summarise(read_facts(engine))
