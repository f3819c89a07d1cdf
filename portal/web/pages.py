"""The web survey's pages: Jinja2 templates (portal/web/templates/) rendered to HTML with
the headers every page carries, and the one stylesheet.

No page needs JavaScript, and none may run any (the Content-Security-Policy says so); no
page may be framed by another site, cached, or leak its address to another: a page holds
a survey's state.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from urllib.parse import urlencode

from fastapi.responses import HTMLResponse, Response
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from contract.api import SURVEY_COUNTER_PARAM, SURVEY_PATH, SURVEY_UNIT_PARAM
from kiosk.domain.forms import localized
from portal.web.words import LANGUAGES, word

HERE = Path(__file__).resolve().parent
# A busy page's Retry-After, as the API's replies say it (portal/api/replies.py): its own
# here, as the API mounts these pages and importing the API from them was a cycle.
RETRY_AFTER_S = 5
STYLE_FILE = HERE / "static" / "survey.css"
STYLE_PATH = f"{SURVEY_PATH}/survey.css"
HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


@dataclass(frozen=True)
class Page:
    """A page to show: its template, what it prints, its HTTP status and extra headers."""

    template: str
    context: dict[str, object] = field(default_factory=dict)
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)


def message(
    title: str, body: str, status: int, params: dict[str, object] | None = None, **extra: object
) -> Page:
    """A page that only says something (words' keys): a wrong link, a stale page, a refusal."""
    context: dict[str, object] = {"title": title, "body": body, "params": params or {}}
    headers = {"Retry-After": str(RETRY_AFTER_S)} if status == 503 else {}
    return Page("message.html", context | extra, status=status, headers=headers)


def with_headers(page: Page, headers: dict[str, str]) -> Page:
    return Page(page.template, page.context, page.status, page.headers | headers)


@cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals |= {"localized": localized, "survey_path": SURVEY_PATH}
    return env


@cache
def style() -> tuple[bytes, str]:
    """The stylesheet and its address with a digest of it (cached for a year: a new
    stylesheet has a new address)."""
    data = STYLE_FILE.read_bytes()
    return data, f"{STYLE_PATH}?v={hashlib.sha256(data).hexdigest()[:12]}"


def start_url(unit: str, counter: str, language: str = "vi") -> str:
    """The survey's first page for a unit and counter (as a poster's QR code opens it)."""
    query = {SURVEY_UNIT_PARAM: unit, SURVEY_COUNTER_PARAM: counter}
    if language != "vi":
        query["lang"] = language
    return f"{SURVEY_PATH}?{urlencode(query)}"


def render(page: Page, language: str) -> HTMLResponse:
    """The page in `language`, with the headers every survey page carries."""

    def t(key: str, /, **params: object) -> str:
        return word(language, key, **params)

    context = {
        "lang": language,
        "other_lang": next(other for other in LANGUAGES if other != language),
        "t": t,
        "style_url": style()[1],
        "token": "",
        "switch_url": "",
    }
    html = environment().get_template(page.template).render(context | page.context)
    return HTMLResponse(html, status_code=page.status, headers=HEADERS | page.headers)


def stylesheet() -> Response:
    data, _ = style()
    headers = {"Cache-Control": "public, max-age=31536000, immutable"}
    headers["X-Content-Type-Options"] = "nosniff"
    return Response(data, media_type="text/css; charset=utf-8", headers=headers)
