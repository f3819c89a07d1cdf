"""A tablet that scanned an enrolment QR code claims its device secret
(POST /api/v1/enrolments/claim): open to anyone, so only a small body is read, and the
one-time code decides (portal/devices.py)."""

from __future__ import annotations

import logging
import tempfile

from fastapi import APIRouter, Request
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError
from sqlalchemy import Engine

from contract.api import BAD_REQUEST, CLAIM_PATH, MAX_CLAIM_BYTES
from portal.api.auth import Store, receive
from portal.api.replies import ERRORS, PortalError, first_problem, json_body
from portal.devices import ClaimRefused, claim_enrolment
from portal.schemas import EnrolmentClaimIn, EnrolmentClaimOut, ErrorResponse
from portal.store.settings import public_key

log = logging.getLogger("portal")
router = APIRouter()


@router.post(
    CLAIM_PATH,
    response_model=EnrolmentClaimOut,
    responses={**ERRORS, 409: {"model": ErrorResponse}, 410: {"model": ErrorResponse}},
    openapi_extra=json_body(EnrolmentClaimIn, f"JSON, at most {MAX_CLAIM_BYTES} bytes."),
    summary="Trade a one-time enrolment code (from a QR code) for the device secret",
)
async def claim(request: Request, engine: Store) -> EnrolmentClaimOut:
    with tempfile.SpooledTemporaryFile(MAX_CLAIM_BYTES) as sink:  # open to anyone: small
        await receive(request, MAX_CLAIM_BYTES, sink)
        sink.seek(0)
        try:
            body = EnrolmentClaimIn.model_validate_json(sink.read())
        except ValidationError as exc:
            raise PortalError(400, BAD_REQUEST, first_problem(exc)) from None
    return await run_in_threadpool(_use, engine, body)


def _use(engine: Engine, body: EnrolmentClaimIn) -> EnrolmentClaimOut:
    try:
        device, secret = claim_enrolment(engine, body.device_id, body.code)
    except ClaimRefused as exc:
        raise PortalError(exc.status, exc.code, exc.message) from None
    log.info("device %s enrolled by QR code", device.id)
    return EnrolmentClaimOut(
        device_id=device.id,
        secret=secret,
        unit_code=device.unit_code,
        counter=device.counter,
        public_key=public_key(engine),
    )
