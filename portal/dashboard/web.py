"""What every dashboard page shares: the templates, the signed-in viewer, CSRF, a posted
form read within limits, the headers, and the static files (the stylesheet, Chart.js).

A page's route asks for `viewer` (any signed-in person) or `allow(*roles)`; someone not
signed in is sent to the sign-in page with the address they wanted, someone signed in
whose role may not open the page gets 403. A unit's page then asks `viewer.sees(unit)`
itself (`unit_for`): 404 for a unit not given, the same as for one that does not exist, so
that a page does not tell which units exist.

Every POST carries the session's CSRF token (`csrf` field) and comes from the same origin;
anything else is 403 before the route runs. Pages may not be framed (the public pages,
portal/dashboard/public.py, set their own headers), cached or leak their address.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Annotated
from urllib.parse import parse_qs, quote

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.exceptions import HTTPException as StarletteHTTPException

from portal.api.auth import receive
from portal.dashboard.accounts import ROLE_NAMES, Viewer, viewer_of
from portal.dashboard.config import DashboardConfig
from portal.reports.numbers import vi_count, vi_days, vi_percent

HERE = Path(__file__).resolve().parent
PREFIX = "/quan-tri"
SIGN_IN_PATH = f"{PREFIX}/dang-nhap"
STATIC_PATH = f"{PREFIX}/static"
COOKIE = "khl_session"
MAX_FORM_BYTES = 16 * 1024
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "same-origin",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}
STATIC_FILES = {
    "dashboard.css": ("static/dashboard.css", "text/css; charset=utf-8"),
    "charts.js": ("static/charts.js", "text/javascript; charset=utf-8"),
    "tables.js": ("static/tables.js", "text/javascript; charset=utf-8"),
    "chart.umd.min.js": ("static/vendor/chart.umd.min.js", "text/javascript; charset=utf-8"),
}


class SignInNeeded(Exception):
    """Raised by `viewer` for a request without a live session: the handler redirects."""

    def __init__(self, wanted: str):
        self.wanted = wanted


def config_of(request: Request) -> DashboardConfig:
    return request.app.state.dashboard


def viewer(request: Request) -> Viewer:
    """The signed-in person; SignInNeeded (a redirect to sign in) otherwise."""
    token = request.cookies.get(COOKIE, "")
    found = viewer_of(request.app.state.engine, token, config_of(request))
    if found is None:
        wanted = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise SignInNeeded(wanted if request.method == "GET" else PREFIX + "/")
    return found


SignedIn = Annotated[Viewer, Depends(viewer)]


def allow(*roles: str) -> Callable[..., Viewer]:
    """A dependency: the viewer, if their role is one of `roles`; 403 otherwise."""

    def dependency(person: SignedIn) -> Viewer:
        if person.role not in roles:
            raise HTTPException(403)
        return person

    return dependency


def unit_for(person: Viewer, unit: str) -> str:
    """`unit` if the viewer may see it; 404 otherwise (as for a unit that does not exist)."""
    if not person.sees(unit):
        raise HTTPException(404)
    return unit


async def posted(request: Request) -> dict[str, str]:
    """A POSTed form's fields (urlencoded, at most MAX_FORM_BYTES, one value each), after
    the same-origin check; the CSRF token is checked by `checked`."""
    origin = request.headers.get("origin") or request.headers.get("referer") or ""
    own = f"{request.url.scheme}://{request.url.netloc}"
    if origin and origin != own and not origin.startswith(own + "/"):
        raise HTTPException(403)

    class Sink(bytearray):
        def write(self, chunk: bytes) -> None:
            self.extend(chunk)

    sink = Sink()
    await receive(request, MAX_FORM_BYTES, sink, deadline_s=20.0)  # type: ignore[arg-type]
    kind = request.headers.get("content-type", "")
    if sink and not kind.startswith("application/x-www-form-urlencoded"):
        raise HTTPException(415)  # an empty body is an empty form: its missing token is 403
    try:
        fields = parse_qs(sink.decode(), keep_blank_values=True, max_num_fields=64)
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400) from None
    return {key: values[-1] for key, values in fields.items()}


Posted = Annotated[dict[str, str], Depends(posted)]


def checked(person: Viewer, fields: dict[str, str]) -> None:
    """403 unless the form carries this session's CSRF token."""
    if not person.csrf or not hmac.compare_digest(fields.get("csrf", ""), person.csrf):
        raise HTTPException(403)


def address(request: Request) -> str:
    return request.client.host if request.client else ""


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals |= {
        "prefix": PREFIX,
        "static": static_url,
        "role_names": ROLE_NAMES,
        "percent": vi_percent,
        "quote": quote,
    }
    env.filters["number"] = vi_count
    env.filters["days"] = vi_days
    return env


def page(
    template: str,
    person: Viewer | None,
    context: dict[str, object] | None = None,
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page rendered for `person` (None: not signed in), with the dashboard's headers."""
    values = {"viewer": person, "csrf": person.csrf if person else ""} | (context or {})
    html = environment().get_template(template).render(values)
    return HTMLResponse(html, status_code=status, headers=HEADERS | (headers or {}))


@cache
def _static(name: str) -> tuple[bytes, str]:
    path, media = STATIC_FILES[name]
    return (HERE / path).read_bytes(), media


def static_url(name: str) -> str:
    data, _ = _static(name)
    return f"{STATIC_PATH}/{name}?v={hashlib.sha256(data).hexdigest()[:12]}"


def mount_static(app: FastAPI) -> None:
    """The static files (cached a year: a changed file has a new address) and the handlers
    that turn SignInNeeded into a redirect and 403/404 into a page in Vietnamese."""

    @app.get(STATIC_PATH + "/{name}", include_in_schema=False)
    def static_file(name: str) -> Response:
        if name not in STATIC_FILES:
            raise HTTPException(404)
        data, media = _static(name)
        headers = {"Cache-Control": "public, max-age=31536000, immutable"}
        return Response(
            data, media_type=media, headers=headers | {"X-Content-Type-Options": "nosniff"}
        )

    @app.exception_handler(SignInNeeded)
    def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return RedirectResponse(f"{SIGN_IN_PATH}?next={quote(exc.wanted, safe='')}", 303)

    previous = app.exception_handlers.get(StarletteHTTPException)

    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        if request.url.path.startswith(PREFIX) and exc.status_code in (400, 403, 404, 405, 415):
            return page("refused.html", None, {"status": exc.status_code}, exc.status_code)
        if previous is not None:
            return await previous(request, exc)  # type: ignore[misc]
        raise exc

    app.add_exception_handler(StarletteHTTPException, _http)  # type: ignore[arg-type]
