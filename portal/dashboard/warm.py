"""Figures counted before anyone asks: the province's overview and its public page (and
the forms read once).

Both count a province's year of answers (about a second at a million answers on
PostgreSQL, three such reports for the overview). Counted on a thread of the portal's
process at startup and every `count_ahead_seconds` after (portal.yaml; 50, under the
overview's minute, so its figures are never stale; 0: off), their pages answer from memory:
the overview keeps its figures a minute, the public pages five (results_data.py,
public_data.py). A unit head's overview (a few units) and a unit's pages are counted when
asked; they are small.
"""

from __future__ import annotations

import logging
import threading

from fastapi import FastAPI
from sqlalchemy import Engine

from portal.dashboard.public_data import warm_province
from portal.dashboard.results_data import warm_overview
from portal.forms import find_form, known_form_ids

log = logging.getLogger("portal")


def warm_forms(engine: Engine) -> None:
    """Read every form the portal knows once (a unit's page lists them; the long SIPAS form
    alone takes a fifth of a second to read), so no visitor waits for it."""
    for form_id in known_form_ids(engine):
        find_form(engine, form_id)


class Warmer:
    def __init__(self, app: FastAPI):
        self.app = app
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        if self.app.state.dashboard.count_ahead_seconds > 0 and self.thread is None:
            self.stopping.clear()
            self.thread = threading.Thread(target=self._run, name="dashboard-warm", daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while True:
            engine = self.app.state.engine
            for warm in (warm_forms, warm_overview, warm_province):
                if self.stopping.is_set():
                    return
                try:
                    warm(engine)
                except Exception:  # a failed count is counted again next time; pages still work
                    log.exception("counting the dashboard's figures ahead failed")
            if self.stopping.wait(self.app.state.dashboard.count_ahead_seconds):
                return

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
            self.thread = None


def install(app: FastAPI) -> None:
    """Count ahead while `app` runs: a thread from its startup to its shutdown. Once per app."""
    if getattr(app.state, "warmer", None) is not None:
        return
    warmer = Warmer(app)
    app.state.warmer = warmer
    app.router.on_startup.append(warmer.start)
    app.router.on_shutdown.append(warmer.stop)
