"""The province's figures counted ahead (portal/dashboard/warm.py): from the portal's start,
with nobody asking, the overview of every unit and this year's public province report are
counted and kept, and they are the same figures a request would count; with
count_ahead_seconds 0 nothing is counted until asked.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from datetime import date

from portal.api.app import create_app
from portal.dashboard import public_data, results_data
from portal.dashboard.config import DashboardConfig
from portal.store.engine import make_portal_engine
from tests.dashboard_support import demo_answers
from tests.portal_support import run


@contextmanager
def running(app):
    """The app's startup and shutdown handlers, as uvicorn runs them around serving."""
    for handler in app.router.on_startup:
        handler()
    try:
        yield
    finally:
        for handler in app.router.on_shutdown:
            handler()


def _kept_overview(engine) -> results_data.Overview | None:
    found = results_data._kept.get((id(engine), None, results_data.local_today()))
    return found[1] if found else None


def test_the_province_figures_are_counted_from_the_start_without_a_request(tmp_path):
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    make_portal_engine(url).dispose()

    assert (
        run("-m", "portal", "--db", url, "keys", "--private-out", str(tmp_path / "k")).returncode
        == 0
    )
    demo_answers(url, date.today())
    engine = make_portal_engine(url)
    results_data.forget_overviews()
    public_data.CACHE.clear()
    app = create_app(engine, forms=None, dashboard=DashboardConfig(count_ahead_seconds=50))
    with running(app):
        deadline = time.monotonic() + 60
        while _kept_overview(engine) is None and time.monotonic() < deadline:
            time.sleep(0.1)
        kept = _kept_overview(engine)
        assert kept is not None, "the overview was not counted ahead"
        fresh = results_data.build_overview(engine, None, results_data.local_today())
        assert [(line.unit, line.counted, line.percent) for line in kept.lines] == [
            (line.unit, line.counted, line.percent) for line in fresh.lines
        ]
        assert sum(line.counted for line in kept.lines) > 0
        request = public_data._request(public_data.asked_period(None))
        while public_data.CACHE._kept.get((id(engine), "report", request)) is None:
            assert time.monotonic() < deadline, "the public province page was not counted"
            time.sleep(0.1)
    engine.dispose()


def test_nothing_is_counted_ahead_when_turned_off(tmp_path):
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    results_data.forget_overviews()
    app = create_app(engine, forms=None, dashboard=DashboardConfig(count_ahead_seconds=0))
    with running(app):
        time.sleep(1.0)
        assert _kept_overview(engine) is None
        assert app.state.warmer.thread is None
    engine.dispose()
