"""The web survey behind the counter posters: GET /khao-sat?don_vi=U&quay=Q (the path and
query of config.yaml's `qr.survey_url`, contract/api.py) shows its first page; every
later page is a POST of a small form to the same path, carrying the signed state
(portal/web/state.py); what each page does is portal/web/steps.py.

A link whose unit or counter the portal does not know (a unit is known by its devices and
counters, `portal counter add`) gets a kind page in Vietnamese, 404. A client that opens
pages too fast, a dossier tried too often: 429 (portal/web/limits.py). A body is read by
hand, application/x-www-form-urlencoded only and at most MAX_FORM_BYTES: the forms are a
few fields, so a larger body is refused by its Content-Length before any of it is read
(no multipart parser is needed, nor wanted: no page uploads a file). Every field's text
comes out plain (`plain_text`): nothing a citizen types needs a control character.
"""

from __future__ import annotations

import io
import logging
import re
from urllib.parse import parse_qs

from fastapi import APIRouter, FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from contract.api import SURVEY_COUNTER_PARAM, SURVEY_PATH, SURVEY_UNIT_PARAM
from portal.api.auth import receive
from portal.api.replies import PortalError
from portal.store.devices import known_counters
from portal.store.settings import web_secret
from portal.web import steps
from portal.web.expired import expired_page
from portal.web.limits import Guards, WebLimits, client_key
from portal.web.pages import STYLE_PATH, Page, message, render, start_url, stylesheet, with_headers
from portal.web.state import BadState, SurveyState, sign, verify
from portal.web.words import language_of

log = logging.getLogger("portal")

# The largest page sent: the state (~2 KB after the long form) and a comment of 1000
# letters, each up to 9 bytes percent-encoded; four times that is still small.
MAX_FORM_BYTES = 32 * 1024
FORM_DEADLINE_S = 20.0  # a form of a few KB that takes longer is a client holding a socket
MAX_FIELDS = 64
# What no one types into a survey, and what a terminal, a spreadsheet or a report showing
# an export would obey: C0 controls but the line break, DEL, C1 controls, and the bidi
# embeddings, overrides and isolates (a comment shown backwards, a code shown as another).
_UNSEEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")

router = APIRouter(include_in_schema=False)  # pages for people, not the kiosks' contract


def mount(app: FastAPI, limits: WebLimits | None = None) -> None:
    """Serve the web survey on `app`, with its own rate limits (in this process's memory)."""
    app.state.web_guards = Guards(limits or WebLimits())
    app.state.web_secret = b""  # read from the store on first use
    app.include_router(router)


class Refused(Exception):
    """A body the survey does not read: the page that says so."""

    def __init__(self, page: Page) -> None:
        super().__init__(page.template)
        self.page = page


def _client(request: Request) -> str:
    return client_key(request.client.host) if request.client else ""


def _turn(request: Request) -> steps.Turn:
    app = request.app
    return steps.Turn(app.state.engine, app.state.forms, app.state.web_guards, _client(request))


async def _secret(request: Request) -> bytes:
    state = request.app.state
    if not state.web_secret:
        state.web_secret = await run_in_threadpool(web_secret, state.engine)
    secret: bytes = state.web_secret
    return secret


def _known_link(engine: Engine, unit: str, counter: str) -> bool:
    if not (0 < len(unit) <= 64 and 0 < len(counter) <= 64):
        return False
    with engine.connect() as connection:
        return counter in known_counters(connection, unit)


async def _shown(request: Request, page: Page, state: SurveyState) -> HTMLResponse:
    """The page, carrying the state signed for the next one."""
    token = sign(state, await _secret(request))
    shown = Page(page.template, page.context | {"token": token}, page.status, page.headers)
    return render(shown, state.language)


@router.get(STYLE_PATH)
async def style() -> Response:
    return stylesheet()


@router.get(SURVEY_PATH)
async def start(request: Request) -> Response:
    query = request.query_params
    language = language_of(query.get("lang"))
    wait = request.app.state.web_guards.pages.hit(_client(request))
    if wait:
        return render(steps.too_many(wait), language)
    unit, counter = query.get(SURVEY_UNIT_PARAM, ""), query.get(SURVEY_COUNTER_PARAM, "")
    turn = _turn(request)
    try:
        if not await run_in_threadpool(_known_link, turn.engine, unit, counter):
            return render(_wrong_link(unit, counter, language), language)
        state = SurveyState(unit, counter, language)
        page = await run_in_threadpool(steps.ident_page, turn, state)
    except SQLAlchemyError:
        return render(message("web.busy_title", "web.busy_body", 503), language)
    return await _shown(request, page, state)


@router.post(SURVEY_PATH)
async def send(request: Request) -> Response:
    wait = request.app.state.web_guards.pages.hit(_client(request))
    if wait:
        return render(steps.too_many(wait), "vi")
    try:
        sent = await _read_form(request)
    except Refused as refused:
        return render(refused.page, "vi")
    try:
        state = verify(steps.first(sent, "state"), await _secret(request))
        page, state = await run_in_threadpool(steps.handle, _turn(request), state, sent)
    except BadState as bad:
        page = await run_in_threadpool(expired_page, request.app.state.engine, bad)
        return render(page, bad.state.language if bad.state else "vi")
    except SQLAlchemyError:
        log.exception("web survey: the store failed")
        return render(message("web.busy_title", "web.busy_body", 503), "vi")
    return await _shown(request, page, state)


def _wrong_link(unit: str, counter: str, language: str) -> Page:
    """A link the portal does not know: what to do, in Vietnamese (or English)."""
    switch = start_url(unit, counter, "en" if language == "vi" else "vi")
    return message("web.wrong_link_title", "web.wrong_link_body", 404, switch_url=switch)


async def _read_form(request: Request) -> dict[str, list[str]]:
    """The posted fields, read within MAX_FORM_BYTES; Refused with the page to show."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/x-www-form-urlencoded":
        raise Refused(message("web.bad_request_title", "web.bad_request_body", 415))
    sink = io.BytesIO()
    deadline = min(FORM_DEADLINE_S, request.app.state.body_deadline_s)
    try:
        await receive(request, MAX_FORM_BYTES, sink, deadline)
    except PortalError as exc:
        close = {"Connection": "close"} if exc.close else {}
        if exc.status == 413:
            page = message("web.too_large_title", "web.too_large_body", 413)
        else:
            page = message("web.bad_request_title", "web.bad_request_body", exc.status)
        raise Refused(with_headers(page, close)) from None
    try:
        text = sink.getvalue().decode("ascii")  # a browser percent-encodes every other byte
        sent = parse_qs(text, keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except (UnicodeDecodeError, ValueError):
        raise Refused(message("web.bad_request_title", "web.bad_request_body", 400)) from None
    if any("\x00" in value for values in sent.values() for value in values):
        raise Refused(message("web.bad_request_title", "web.bad_request_body", 400))
    return {name: [plain_text(value) for value in values] for name, values in sent.items()}


def plain_text(value: str) -> str:
    """A field's text as it is kept: line breaks as "\n", a tab as a space, and none of
    the characters in _UNSEEN (dropped, not refused: a pasted text may carry them)."""
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _UNSEEN.sub("", value)
