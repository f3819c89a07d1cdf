"""The portal's web dashboard, in Vietnamese, for the people who act on the answers.

config.py    portal.yaml's dashboard and alerts settings
accounts.py  users, roles, passwords (scrypt), lockout, sessions
events.py    the audit of sign-ins and sensitive actions
web.py       what every page shares: templates, the signed-in viewer, CSRF, headers
signin.py    sign-in, sign-out, the home page by role
results.py   the overview of units, a unit's page, downloads, integrity
devices_page.py  the tablets' health, revoking one
verification.py  re-verification (phúc tra)
alerts.py    alert rules, alerts, acknowledging them
public.py    published results (no sign-in), open data
warm.py      the province's figures counted ahead, on a thread

Every figure comes from the report computation (portal/reports/compute.py), never a second
one. A page's routes check the viewer's units before anything is read.
"""

from __future__ import annotations

from fastapi import FastAPI

from portal.dashboard.config import DashboardConfig


def mount(app: FastAPI, config: DashboardConfig) -> None:
    """Serve the dashboard's pages and static files on `app`."""
    from portal.dashboard import (
        alerts,
        devices_page,
        public,
        results,
        signin,
        verification,
        warm,
        web,
    )

    app.state.dashboard = config
    web.mount_static(app)
    modules = (signin, results, devices_page, verification, alerts, public)
    for router in (module.router for module in modules):
        app.include_router(router)
    alerts.install(app)  # the alert rules checked on a thread, every alert_check_seconds
    warm.install(app)  # the province's overview and public page counted ahead
