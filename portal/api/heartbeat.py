"""A device reports its state (POST /api/v1/heartbeat); the portal keeps the latest per
device and answers with its own time, so the tablet learns its clock's offset."""

from __future__ import annotations

from fastapi import APIRouter
from fastapi.concurrency import run_in_threadpool
from pydantic import ValidationError

from contract.api import BAD_HEARTBEAT, HEARTBEAT_PATH
from portal.api.auth import Signed, Store
from portal.api.replies import ERRORS, PortalError, first_problem, json_body, now
from portal.intake import store_heartbeat
from portal.schemas import HeartbeatIn, HeartbeatResult

router = APIRouter()


@router.post(
    HEARTBEAT_PATH,
    response_model=HeartbeatResult,
    responses=ERRORS,
    openapi_extra=json_body(HeartbeatIn),
    summary="Report the device's state; the portal keeps the latest per device",
)
async def heartbeat(signed: Signed, engine: Store) -> HeartbeatResult:
    try:
        beat = HeartbeatIn.model_validate_json(signed.body)
    except ValidationError as exc:
        raise PortalError(400, BAD_HEARTBEAT, first_problem(exc)) from None
    moment = now()
    offset = (beat.device_time - moment).total_seconds()
    await run_in_threadpool(store_heartbeat, engine, signed.device.id, beat, moment, offset)
    return HeartbeatResult(server_time=moment, clock_offset_s=offset)
