"""The portal's reports: read once from the store (queries), computed by pure functions
(summary). The CLI, the JSON API, XLSX/PDF exports and the web pages all print the same
results; none of them computes a figure itself (the one exception today: `portal unit`
prints the decision's yearly minimum for the count it is given, kiosk.domain.targets).

Today: `portal stats` (answers per unit and form, counted and flagged; devices). The
reports of the next issues (tables, indices, targets, checks) go here, each a query
module's reads and a pure computation over them.
"""

from __future__ import annotations

from sqlalchemy import Engine

from portal.reports.queries import read_facts
from portal.reports.summary import summarise


def collect(engine: Engine) -> dict:
    """The `portal stats` report (`--json` prints it as it is)."""
    return summarise(read_facts(engine))
