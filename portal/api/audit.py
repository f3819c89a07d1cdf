"""A kiosk delivers its staff audit log (POST /api/v1/audit): who did what, when; each
entry is stored once, so resending is harmless."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from contract.api import AUDIT_PATH, BAD_AUDIT
from portal.api.auth import Signed, Store
from portal.api.replies import ERRORS, PortalError, json_body, now
from portal.intake import store_audit
from portal.schemas import AuditIn, AuditResult

router = APIRouter()


@router.post(
    AUDIT_PATH,
    status_code=201,
    response_model=AuditResult,
    responses=ERRORS,
    openapi_extra=json_body(AuditIn),
    summary="Deliver the kiosk's staff audit log; each entry is stored once",
)
async def audit(signed: Signed, engine: Store) -> AuditResult:
    try:
        body = AuditIn.model_validate_json(signed.body)
    except ValidationError as exc:
        raise PortalError(400, BAD_AUDIT, str(exc.errors()[0]["msg"])) from None
    moment = now()
    stored = await run_in_threadpool(store_audit, engine, signed.device.id, body.entries, moment)
    return AuditResult(stored=max(stored, 0), server_time=moment)
