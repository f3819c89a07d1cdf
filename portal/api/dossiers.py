"""Dossiers over the API: a one-stop system pushes them (`POST /api/v1/dossiers`, a token
made with `portal token add NAME --for dossiers`), a tablet asks about one of its unit's
(`POST /api/v1/dossiers/lookup`, signed as its batches are).

A push is kept whole or not at all, as the file import is; a system that pushes more often
than `dossiers.pushes_per_minute` (portal.yaml) is answered 429 with Retry-After, as is a
tablet asking more than LOOKUPS_PER_MINUTE (its own unit's dossiers hold no personal data,
but a tablet should not list them). The token is checked before the body is read, and the
body is read within its limit; a body that says it is not JSON is refused 415.
"""

from __future__ import annotations

import io
import time
from collections import defaultdict, deque
from datetime import datetime, timedelta, timezone
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import ValidationError

from contract.api import (
    BAD_DOSSIERS,
    BAD_REQUEST,
    BAD_TOKEN,
    DOSSIER_LOOKUP_PATH,
    DOSSIERS_PATH,
    MAX_DOSSIERS,
    NOT_JSON,
    RATE_LIMITED,
    TOO_MANY,
)
from contract.wire import canonical_dossier
from portal.api.auth import Signed, Store, receive
from portal.api.dossier_models import DossiersIn, DossiersResult, LookupIn, LookupResult
from portal.api.replies import ERRORS, PortalError, first_problem, json_body, now
from portal.dossiers.rows import read_row
from portal.store.dossiers import find_dossier, save_dossiers, unit_keeps_dossiers
from portal.store.tokens import DOSSIERS, token_owner

router = APIRouter()
MAX_PUSH_BYTES = 2 * 1024 * 1024  # 1,000 dossiers of the longest procedure names fit
LOCAL = timezone(timedelta(hours=7))  # Vietnam keeps one offset all year
_bearer = HTTPBearer(auto_error=False, description="a token from `portal token add --for dossiers`")
_recent: dict[str, deque[float]] = defaultdict(deque)  # per token or tablet: this minute's
# A citizen looks up one dossier, maybe two; a tablet asking more than this a minute is
# listing the unit's dossiers, not serving a queue.
LOOKUPS_PER_MINUTE = 30


async def one_stop_system(
    request: Request,
    engine: Store,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> str:
    """The pushing system's token name, within its rate; 401 or 429 before the body."""
    token = credentials.credentials.strip() if credentials else ""
    owner = None
    if token and len(token) <= 200:
        owner = await run_in_threadpool(token_owner, engine, token, DOSSIERS)
    if owner is None:
        message = "Cần mã truy cập của hệ thống một cửa (portal token add TÊN --for dossiers)."
        raise PortalError(401, BAD_TOKEN, message, close=True)
    _within_rate("token:" + owner, request.app.state.dashboard.dossier_pushes_per_minute)
    return owner


def _within_rate(key: str, per_minute: int) -> None:
    """Within `per_minute` requests in the last minute (this worker's count), or 429."""
    moment, recent = time.monotonic(), _recent[key]
    while recent and moment - recent[0] >= 60:
        recent.popleft()
    if len(recent) >= per_minute:
        wait = int(60 - (moment - recent[0])) + 1
        message = f"Quá {per_minute} lần mỗi phút; thử lại sau {wait} giây."
        raise PortalError(429, RATE_LIMITED, message, retry_after=wait, close=True)
    recent.append(moment)


@router.post(
    DOSSIERS_PATH,
    response_model=DossiersResult,
    responses=ERRORS,
    openapi_extra=json_body(DossiersIn, "JSON; kept whole or not at all"),
    summary="A one-stop system's dossiers: added or updated, all or none",
)
async def push(
    request: Request, engine: Store, _owner: Annotated[str, Depends(one_stop_system)]
) -> DossiersResult:
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if kind != "application/json":
        message = f"Cần Content-Type: application/json (nhận được {kind[:60] or 'không có'})."
        raise PortalError(415, NOT_JSON, message, close=True)
    sink = io.BytesIO()
    await receive(request, MAX_PUSH_BYTES, sink)
    try:
        body = DossiersIn.model_validate_json(sink.getvalue())
    except ValidationError as exc:
        if any(e["type"] == "too_long" and e["loc"] == ("dossiers",) for e in exc.errors()):
            raise PortalError(413, TOO_MANY, f"at most {MAX_DOSSIERS} dossiers") from None
        raise PortalError(400, BAD_DOSSIERS, first_problem(exc)) from None
    rows, problems = [], []
    statuses = request.app.state.dashboard.dossier_statuses
    for index, dossier in enumerate(body.dossiers):
        row, wrong = read_row(dossier.model_dump(), statuses)
        problems += [f"dossiers.{index}.{p.column}: {p.why}" for p in wrong]
        if row is not None:
            rows.append(row)
    if problems:
        more = f" (và {len(problems) - 1} lỗi khác)" if len(problems) > 1 else ""
        raise PortalError(400, BAD_DOSSIERS, f"Không hồ sơ nào được lưu: {problems[0]}{more}")
    saved = await run_in_threadpool(save_dossiers, engine, rows)
    return DossiersResult(
        added=saved.added,
        updated=saved.updated,
        unchanged=saved.unchanged,
        answers_flagged=saved.answers_flagged,
        answers_cleared=saved.answers_cleared,
        server_time=now(),
    )


@router.post(
    DOSSIER_LOOKUP_PATH,
    response_model=LookupResult,
    responses=ERRORS,
    openapi_extra=json_body(LookupIn, "JSON"),
    summary="A tablet asks about one of its unit's dossiers (signed)",
)
async def lookup(signed: Signed, engine: Store) -> JSONResponse:
    _within_rate("device:" + signed.device.id, LOOKUPS_PER_MINUTE)
    try:
        asked = LookupIn.model_validate_json(signed.body)
    except ValidationError as exc:
        raise PortalError(400, BAD_REQUEST, first_problem(exc)) from None
    code = canonical_dossier(asked.code)
    if code and not code.isprintable():  # no receipt holds one; PostgreSQL refuses a NUL
        code = None
    local_now = datetime.now(LOCAL).replace(tzinfo=None)
    unit = signed.device.unit_code
    found = None
    if code:
        found = await run_in_threadpool(find_dossier, engine, unit, code, local_now)
    if found is not None:
        return JSONResponse(found.to_json())
    if not await run_in_threadpool(unit_keeps_dossiers, engine, unit):
        return JSONResponse({"found": False, "kept": False})
    return JSONResponse({"found": False})
