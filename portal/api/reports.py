"""`GET /api/v1/reports`: a report (portal/reports) for programs, the JSON `portal report
--format json` prints, read with a token from `portal token add` (Authorization: Bearer).
The same filters as the command, as query parameters; a unit, counter, officer or channel
may be repeated.

The token is checked before any parameter is looked at. Reports take database time the
tablets' batches need too: at most REPORTS_AT_ONCE are made at a time per worker, and one
more is answered 503 with Retry-After rather than queued behind them.
"""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from contract.api import BAD_REQUEST, BAD_TOKEN, BUSY, REPORTS_PATH
from contract.wire import CHANNELS
from portal.api.auth import Store
from portal.api.replies import RETRY_AFTER_S, PortalError
from portal.api.report_models import Report
from portal.reports import ReportError, ReportRequest, build_report
from portal.reports.request import DEFAULT_FORM, period_of
from portal.schemas import ErrorResponse
from portal.store.tokens import token_owner

router = APIRouter()
MAX_COMMENTS = 1000
REPORTS_AT_ONCE = 2
_bearer = HTTPBearer(auto_error=False, description="a token from `portal token add`")
_running: dict[int, asyncio.Semaphore] = {}  # per event loop: one per worker
ERRORS: dict[int | str, dict[str, object]] = {
    400: {"model": ErrorResponse, "description": "a filter or period it cannot read"},
    401: {"model": ErrorResponse, "description": "no live token (bad_token)"},
    503: {"model": ErrorResponse, "description": "busy: try again after Retry-After"},
}


async def authorised(
    engine: Store,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The token's name; 401 for anything else. A dependency: it runs before the query's
    parameters are read, so nobody learns what they may ask without a token."""
    token = credentials.credentials.strip() if credentials else ""
    if not token or len(token) > 200:
        raise PortalError(
            401, BAD_TOKEN, "Cần mã truy cập: Authorization: Bearer MÃ (portal token add)."
        )
    owner = await run_in_threadpool(token_owner, engine, token)
    if owner is None:
        raise PortalError(401, BAD_TOKEN, "Mã truy cập không đúng hoặc đã bị thu hồi.")
    return owner


@router.get(
    REPORTS_PATH,
    summary="A report: satisfaction, tables per question, indices, targets, checks",
    response_model=Report,
    responses=ERRORS,
)
async def report(
    request: Request,
    engine: Store,
    _owner: Annotated[str, Depends(authorised)],
    form: str = DEFAULT_FORM,
    unit: Annotated[list[str] | None, Query(max_length=500)] = None,
    counter: Annotated[list[str] | None, Query(max_length=500)] = None,
    officer: Annotated[list[str] | None, Query(max_length=500)] = None,
    channel: Annotated[list[str] | None, Query(max_length=4)] = None,
    period: Annotated[str | None, Query(description="2026, 2026-H1, 2026-Q3, 2026-11")] = None,
    from_: Annotated[str | None, Query(alias="from", description="first local day")] = None,
    to: Annotated[str | None, Query(description="last local day, included")] = None,
    include_flagged: bool = False,
    comments: Annotated[int, Query(ge=0, le=MAX_COMMENTS)] = 200,
) -> JSONResponse:
    unknown = sorted(set(channel or ()) - set(CHANNELS))
    if unknown:
        message = f"Kênh không có: {unknown[0]!r}; các kênh: {', '.join(CHANNELS)}."
        raise PortalError(400, BAD_REQUEST, message)
    try:
        chosen = period_of(period, from_, to)
        asked = ReportRequest(
            form_id=form,
            units=tuple(unit or ()),
            counters=tuple(counter or ()),
            officers=tuple(officer or ()),
            channels=tuple(dict.fromkeys(channel or ())),
            start=chosen.start,
            end=chosen.end,
            period_label=chosen.label,
            include_flagged=include_flagged,
            comments_limit=comments,
        )
        body = await _one_of_few(build_report, engine, asked)
    except ReportError as refused:
        raise PortalError(400, BAD_REQUEST, str(refused)) from None
    return JSONResponse(body)


async def _one_of_few(make: object, *args: object) -> dict:
    """Run a report in the thread pool if fewer than REPORTS_AT_ONCE are running; else 503."""
    loop = id(asyncio.get_running_loop())
    running = _running.setdefault(loop, asyncio.Semaphore(REPORTS_AT_ONCE))
    if running.locked():
        message = "Cổng đang làm các báo cáo khác; thử lại sau ít giây."
        raise PortalError(503, BUSY, message, retry_after=RETRY_AFTER_S)
    async with running:
        return await run_in_threadpool(make, *args)  # type: ignore[arg-type]
