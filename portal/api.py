"""The portal's HTTP API (FastAPI): batch intake, heartbeat, health.

Every kiosk request is signed (kiosk.domain.signing); errors are JSON with a code, a
message and the server's time; success of an intake is 201 with a body naming each
answer's fate, so that a 200 from a Wi-Fi login page is never mistaken for it.
"""

from __future__ import annotations

import logging
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException

from kiosk.domain.forms import load_form
from kiosk.domain.signing import HEADER_DEVICE, HEADER_SIGNATURE, HEADER_TIMESTAMP, verify
from kiosk.resources import ASSETS
from portal import __version__
from portal.devices import ClaimRefused, claim_enrolment, public_key
from portal.intake import insert_ignoring_duplicates, store_batch
from portal.models import AuditRecord, Device, Heartbeat, SetAsideReport
from portal.schemas import (
    MAX_ANSWERS,
    AuditIn,
    AuditResult,
    BatchIn,
    BatchResult,
    EnrolmentClaimIn,
    EnrolmentClaimOut,
    ErrorResponse,
    HeartbeatIn,
    HeartbeatResult,
)

log = logging.getLogger("portal")

MAX_BODY_BYTES = 4 * 1024 * 1024  # decompressed; a batch of 500 answers is ~400 KiB
RETRY_AFTER_S = 5


class PortalError(Exception):
    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None):
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _error(status: int, code: str, message: str, retry_after: int | None = None) -> JSONResponse:
    body = {"error": {"code": code, "message": message, "server_time": _now().isoformat()}}
    headers = {"Retry-After": str(retry_after)} if retry_after else None
    return JSONResponse(body, status_code=status, headers=headers)


def known_forms(forms_dir: Path = ASSETS / "forms") -> set[tuple[str, int]]:
    forms = (load_form(path) for path in sorted(forms_dir.glob("*.yaml")))
    return {(form.id, form.version) for form in forms}


_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 429, 503)}


def _signed_body(model) -> dict:
    """The request body of a signed endpoint, which reads its raw bytes itself."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
            "description": "JSON, gzip-compressed (Content-Encoding: gzip) or plain.",
        }
    }


_BATCH_BODY = _signed_body(BatchIn)


def create_app(engine: Engine, forms: set[tuple[str, int]] | None = None) -> FastAPI:
    app = FastAPI(title="Kiosk Hài Lòng portal", version=__version__)
    accepted_forms = forms if forms is not None else known_forms()

    @app.exception_handler(PortalError)
    async def _portal_error(_request: Request, exc: PortalError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.retry_after)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return _error(400, "bad_request", f"{where}: {first['msg']}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (a path or method not served, a body it cannot parse)
        # would answer {"detail": …}; every refusal is in the contract's error format.
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "bad_request")
        response = _error(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})  # the Allow of a 405
        return response

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed: %s", type(exc).__name__)
        return _error(500, "internal", "the portal failed on this request")

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, _exc: OperationalError) -> JSONResponse:
        return _error(503, "busy", "the database is busy, try again", RETRY_AFTER_S)

    def authenticate(request: Request, body: bytes) -> Device:
        device_id = request.headers.get(HEADER_DEVICE, "")
        with Session(engine) as session:
            device = session.get(Device, device_id) if device_id else None
            if device is None or device.revoked_at is not None:
                raise PortalError(401, "unknown_device", "unknown or revoked device")
            session.expunge(device)
        try:
            timestamp = int(request.headers.get(HEADER_TIMESTAMP, ""))
        except ValueError:
            raise PortalError(401, "bad_signature", "missing or malformed timestamp") from None
        given = request.headers.get(HEADER_SIGNATURE, "")
        problem = verify(device.secret, request.method, request.url.path, timestamp, body,
                         given, time.time())  # fmt: skip
        if problem:
            raise PortalError(401, problem, "signature refused: " + problem.replace("_", " "))
        return device

    def decode(request: Request, body: bytes) -> bytes:
        if request.headers.get("content-encoding", "").lower() == "gzip":
            inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
            try:
                body = inflater.decompress(body, MAX_BODY_BYTES + 1)
            except zlib.error:
                raise PortalError(400, "bad_gzip", "the body is not valid gzip") from None
        if len(body) > MAX_BODY_BYTES:
            raise PortalError(413, "too_large", f"at most {MAX_BODY_BYTES} bytes uncompressed")
        return body

    @app.post(
        "/api/v1/batches",
        status_code=201,
        response_model=BatchResult,
        responses=_ERRORS,
        openapi_extra=_BATCH_BODY,
        summary="Deliver a batch of answers; each is stored at most once per UUID",
    )
    async def intake(request: Request) -> BatchResult:
        raw = await request.body()
        device = await run_in_threadpool(authenticate, request, raw)
        try:
            batch = BatchIn.model_validate_json(decode(request, raw))
        except ValidationError as exc:
            if any(e["type"] == "too_long" for e in exc.errors()):
                raise PortalError(413, "too_many", f"at most {MAX_ANSWERS} answers") from None
            raise PortalError(400, "bad_batch", str(exc.errors()[0]["msg"])) from None
        results = await run_in_threadpool(
            store_batch, engine, device, batch.batch_id, batch.answers, accepted_forms
        )
        return BatchResult(batch_id=batch.batch_id, server_time=_now(), results=results)

    @app.post(
        "/api/v1/heartbeat",
        response_model=HeartbeatResult,
        responses=_ERRORS,
        summary="Report the device's state; the portal keeps the latest per device",
    )
    async def heartbeat(request: Request, beat: HeartbeatIn) -> HeartbeatResult:
        raw = await request.body()
        device = await run_in_threadpool(authenticate, request, raw)
        now = _now()
        offset = (beat.device_time - now).total_seconds()

        def save() -> None:
            with Session(engine) as session, session.begin():
                session.merge(
                    Heartbeat(
                        device_id=device.id, received_at=now.replace(tzinfo=None),
                        app_version=beat.app_version, outbox_depth=beat.outbox_depth,
                        oldest_undelivered=(
                            beat.oldest_undelivered.isoformat() if beat.oldest_undelivered else None
                        ),
                        free_disk_bytes=beat.free_disk_bytes, last_error=beat.last_error,
                        clock_offset_s=offset,
                    )
                )  # fmt: skip
                session.merge(SetAsideReport(device_id=device.id, count=beat.set_aside,
                                             reasons=beat.set_aside_reasons))  # fmt: skip

        await run_in_threadpool(save)
        return HeartbeatResult(server_time=now, clock_offset_s=offset)

    @app.post(
        "/api/v1/audit",
        status_code=201,
        response_model=AuditResult,
        responses=_ERRORS,
        openapi_extra=_signed_body(AuditIn),
        summary="Deliver the kiosk's staff audit log; each entry is stored once",
    )
    async def audit(request: Request) -> AuditResult:
        raw = await request.body()
        device = await run_in_threadpool(authenticate, request, raw)
        try:
            body = AuditIn.model_validate_json(decode(request, raw))
        except ValidationError as exc:
            raise PortalError(400, "bad_audit", str(exc.errors()[0]["msg"])) from None
        now = _now()

        def save() -> int:
            if not body.entries:
                return 0
            rows = [{"device_id": device.id, "local_id": e.id,
                     "at": e.at.astimezone(timezone.utc).replace(tzinfo=None), "actor": e.actor,
                     "action": e.action, "detail": e.detail,
                     "received_at": now.replace(tzinfo=None)} for e in body.entries]  # fmt: skip
            statement = insert_ignoring_duplicates(engine, AuditRecord, rows)
            with engine.begin() as connection:
                return connection.execute(statement).rowcount or 0

        stored = await run_in_threadpool(save)
        return AuditResult(stored=max(stored, 0), server_time=now)

    @app.post(
        "/api/v1/enrolments/claim",
        response_model=EnrolmentClaimOut,
        responses={**_ERRORS, 409: {"model": ErrorResponse}, 410: {"model": ErrorResponse}},
        summary="Trade a one-time enrolment code (from a QR code) for the device secret",
    )
    async def claim(body: EnrolmentClaimIn) -> EnrolmentClaimOut:
        def use() -> EnrolmentClaimOut:
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

        return await run_in_threadpool(use)

    @app.get("/api/v1/health", summary="Whether the portal is up (no authentication)")
    async def health() -> dict:
        def ping() -> None:
            with Session(engine) as session:
                session.execute(select(1))

        await run_in_threadpool(ping)
        return {"status": "ok", "version": __version__, "server_time": _now().isoformat()}

    return app
