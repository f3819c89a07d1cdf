"""The portal's app (FastAPI): one router per resource, every refusal in the contract's
error body, every kiosk request signed (contract/signing.py).

The routers: answers (batches), heartbeat, audit, enrolments (the QR code's claim),
health, reports (read with a token, not a device's signature), dossiers (pushed with a
token, looked up by a tablet). What they share before a
body is looked at (the store, the accepted forms, the signed body within its limits) is
portal/api/auth.py; replies and errors are portal/api/replies.py. The web survey behind
the counter posters is portal/web/survey.py.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi
from sqlalchemy import Engine

from kiosk.domain.forms import load_form
from kiosk.resources import ASSETS
from portal import __version__
from portal.api import answers, audit, dossiers, enrolments, health, heartbeat, reports
from portal.api.auth import BODY_DEADLINE_S
from portal.api.replies import install_handlers
from portal.dashboard import mount as mount_dashboard
from portal.dashboard.config import DashboardConfig
from portal.store.engine import make_portal_engine
from portal.web import survey

ROUTERS = (
    answers.router,
    heartbeat.router,
    audit.router,
    enrolments.router,
    health.router,
    reports.router,
    dossiers.router,
)


def known_forms(forms_dir: Path = ASSETS / "forms") -> set[tuple[str, int]]:
    """(id, version) of every form the portal ships; intake accepts these and the versions
    registered with `portal form add`, and refuses the others."""
    forms = (load_form(path) for path in sorted(forms_dir.glob("*.yaml")))
    return {(form.id, form.version) for form in forms}


def create_app(
    engine: Engine,
    forms: set[tuple[str, int]] | None = None,
    docs: bool = False,
    body_deadline_s: float = BODY_DEADLINE_S,
    dashboard: DashboardConfig | None = None,
) -> FastAPI:
    """The portal's app; `docs` serves /docs, /redoc and /openapi.json (off by default: the
    contract is portal/openapi.json, and a public portal need not describe itself)."""
    app = FastAPI(
        title="Kiosk Hài Lòng portal",
        version=__version__,
        docs_url="/docs" if docs else None,
        redoc_url="/redoc" if docs else None,
        openapi_url="/openapi.json" if docs else None,
    )
    app.state.engine = engine
    app.state.forms = forms if forms is not None else known_forms()
    app.state.body_deadline_s = body_deadline_s
    install_handlers(app)
    for router in ROUTERS:
        app.include_router(router)
    survey.mount(app)  # the web survey's pages (not in the OpenAPI document: not the contract)
    mount_dashboard(app, dashboard or DashboardConfig())
    app.openapi = lambda: _without_422(app)  # type: ignore[method-assign]
    return app


def _without_422(app: FastAPI) -> dict:
    """The document without FastAPI's 422: every invalid request is answered 400 in the
    contract's error body (portal/api/replies.py), and the document says what is answered."""
    if app.openapi_schema is None:
        document = get_openapi(title=app.title, version=app.version, routes=app.routes)
        for operation in (op for path in document["paths"].values() for op in path.values()):
            operation.get("responses", {}).pop("422", None)
        schemas = document.get("components", {}).get("schemas", {})
        for name in ("HTTPValidationError", "ValidationError"):
            schemas.pop(name, None)
        app.openapi_schema = document
    return app.openapi_schema


def openapi_document() -> dict:
    """The OpenAPI document of the app (portal/openapi.json is it, committed)."""
    return create_app(make_portal_engine("sqlite://"), forms=set()).openapi()
