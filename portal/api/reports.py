"""`GET /api/v1/reports`: a report (portal/reports) for programs, the JSON `portal report
--format json` prints, read with a token from `portal token add` (Authorization: Bearer).
The same filters as the command, as query parameters; a unit, counter, officer or channel
may be repeated."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from contract.api import BAD_REQUEST, BAD_TOKEN, REPORTS_PATH
from contract.wire import CHANNELS
from portal.api.auth import Store
from portal.api.replies import ERRORS, PortalError
from portal.api.report_models import Report
from portal.reports import ReportError, ReportRequest, build_report
from portal.reports.request import (
    DEFAULT_FORM,
    Period,
    PeriodError,
    parse_day,
    parse_period,
    span,
)
from portal.store.tokens import token_owner

router = APIRouter()
MAX_COMMENTS = 1000


@router.get(
    REPORTS_PATH,
    summary="A report: satisfaction, tables per question, indices, targets, checks",
    response_model=Report,
    responses=ERRORS,
)
async def report(
    request: Request,
    engine: Store,
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
    await _authorise(request, engine)
    unknown = sorted(set(channel or ()) - set(CHANNELS))
    if unknown:
        raise PortalError(
            400, BAD_REQUEST, f"Kênh không có: {unknown[0]!r}; các kênh: {', '.join(CHANNELS)}."
        )
    try:
        chosen = parse_period(period) if period else _span(from_, to)
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
        body = await run_in_threadpool(build_report, engine, asked)
    except (PeriodError, ReportError) as refused:
        raise PortalError(400, BAD_REQUEST, str(refused)) from None
    return JSONResponse(body)


def _span(start: str | None, end: str | None) -> Period:
    return span(parse_day(start, "from") if start else None, parse_day(end, "to") if end else None)


async def _authorise(request: Request, engine: Store) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or len(token) > 200:
        raise PortalError(
            401, BAD_TOKEN, "Cần mã truy cập: Authorization: Bearer MÃ (portal token add)."
        )
    if await run_in_threadpool(token_owner, engine, token.strip()) is None:
        raise PortalError(401, BAD_TOKEN, "Mã truy cập không đúng hoặc đã bị thu hồi.")
