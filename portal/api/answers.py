"""Answers arrive in batches (POST /api/v1/batches): each is stored at most once per UUID
(portal/intake.py), and the reply names every answer's fate. Success is 201 with that
body, so that a 200 from a Wi-Fi login page is never mistaken for it."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from contract.api import BAD_BATCH, BATCHES_PATH, MAX_ANSWERS, TOO_MANY
from portal.api.auth import Forms, Signed, Store
from portal.api.replies import ERRORS, PortalError, json_body, now
from portal.intake import store_batch
from portal.schemas import BatchIn, BatchResult

router = APIRouter()


@router.post(
    BATCHES_PATH,
    status_code=201,
    response_model=BatchResult,
    responses=ERRORS,
    openapi_extra=json_body(BatchIn),
    summary="Deliver a batch of answers; each is stored at most once per UUID",
)
async def intake(signed: Signed, engine: Store, forms: Forms) -> BatchResult:
    try:
        batch = BatchIn.model_validate_json(signed.body)
    except ValidationError as exc:
        if any(e["type"] == "too_long" for e in exc.errors()):
            raise PortalError(413, TOO_MANY, f"at most {MAX_ANSWERS} answers") from None
        raise PortalError(400, BAD_BATCH, str(exc.errors()[0]["msg"])) from None
    results = await run_in_threadpool(
        store_batch, engine, signed.device, batch.batch_id, batch.answers, forms
    )
    return BatchResult(batch_id=batch.batch_id, server_time=now(), results=results)
