"""The portal's HTTP API (FastAPI): batch intake, heartbeat, health.

Every kiosk request is signed (kiosk.domain.signing); errors are JSON with a code, a
message and the server's time; success of an intake is 201 with a body naming each
answer's fate, so that a 200 from a Wi-Fi login page is never mistaken for it.

Nothing is read that is not authenticated: the signature's headers and the device are
checked before the body, a body announced too large is refused before any of it is read,
and one that streams past the limit is cut off there (the connection is closed on each
of these refusals). A body waits on disk, not in memory, past `SPOOL_BYTES`, until its
signature holds. An unknown device, a revoked one and a wrong signature get the same 401.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import tempfile
import time
import zlib
from datetime import datetime, timezone
from pathlib import Path
from typing import IO

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.requests import ClientDisconnect

from kiosk.domain.forms import load_form
from contract.signing import (
    HEADER_DEVICE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    WINDOW_S,
    fresh,
    request_target,
    verify,
    well_formed,
)
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
MAX_SENT_BYTES = MAX_BODY_BYTES  # as sent (gzip or plain), before it is authenticated
MAX_CLAIM_BYTES = 4096  # an enrolment claim: two short strings, from anyone
SPOOL_BYTES = 64 * 1024  # a gzip batch of 500 answers is ~60 KiB: beyond, it waits on disk
# A body must arrive within this (4 MiB at 70 KB/s): a sender that trickles it holds a
# connection and a spool for nothing.
BODY_DEADLINE_S = 60.0
RETRY_AFTER_S = 5
# One refusal for an unknown device, a revoked one and a wrong signature: the portal does
# not tell a prober which device ids exist.
UNAUTHORIZED = ("bad_signature", "the request is not signed by an enrolled device")


class PortalError(Exception):
    """A refusal in the contract's error format; `close`: the body was not read to its end,
    so the connection is closed rather than read on."""

    def __init__(self, status: int, code: str, message: str, retry_after: int | None = None,
                 close: bool = False):  # fmt: skip
        super().__init__(message)
        self.status, self.code, self.message, self.retry_after = status, code, message, retry_after
        self.close = close


def _now() -> datetime:
    return datetime.now(timezone.utc)


def _error(status: int, code: str, message: str, retry_after: int | None = None,
           close: bool = False) -> JSONResponse:  # fmt: skip
    body = {"error": {"code": code, "message": message, "server_time": _now().isoformat()}}
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if close:
        headers["Connection"] = "close"
    return JSONResponse(body, status_code=status, headers=headers)


def _target(request: Request) -> str:
    """The request target as sent (path and query string): what the kiosk signed."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    return request_target(path, request.scope.get("query_string", b"").decode("latin-1"))


async def receive(
    request: Request, limit: int, sink: IO[bytes], deadline_s: float = BODY_DEADLINE_S
) -> str:
    """Stream the body into `sink`, at most `limit` bytes; return its SHA-256 (hex).

    Refused by its Content-Length before anything is read; without one (chunked), cut off
    as soon as it passes the limit; cut off too when it has not all come within
    `deadline_s`.
    """
    announced = request.headers.get("content-length", "")
    if announced and (not announced.isdigit() or int(announced) > limit):
        raise PortalError(413, "too_large", f"at most {limit} bytes as sent", close=True)
    try:
        return await asyncio.wait_for(_stream(request, limit, sink), deadline_s)
    except asyncio.TimeoutError:
        raise PortalError(408, "too_slow", f"the body did not come within {deadline_s:g} s",
                          close=True) from None  # fmt: skip


async def _stream(request: Request, limit: int, sink: IO[bytes]) -> str:
    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PortalError(413, "too_large", f"at most {limit} bytes as sent", close=True)
            digest.update(chunk)
            sink.write(chunk)
    except ClientDisconnect:
        raise PortalError(400, "incomplete", "the body ended early", close=True) from None
    return digest.hexdigest()


def _first_problem(exc: ValidationError) -> str:
    first = exc.errors()[0] if exc.errors() else {"loc": (), "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def known_forms(forms_dir: Path = ASSETS / "forms") -> set[tuple[str, int]]:
    forms = (load_form(path) for path in sorted(forms_dir.glob("*.yaml")))
    return {(form.id, form.version) for form in forms}


_ERRORS = {code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 429, 503)}


def _json_body(model, description: str = "JSON, gzip-compressed (Content-Encoding: gzip) "
                 "or plain.") -> dict:  # fmt: skip
    """The request body of an endpoint that reads its raw bytes itself (after the headers)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
            "description": description,
        }
    }


_BATCH_BODY = _json_body(BatchIn)


def create_app(
    engine: Engine,
    forms: set[tuple[str, int]] | None = None,
    docs: bool = False,
    body_deadline_s: float = BODY_DEADLINE_S,
) -> FastAPI:
    """The portal's app; `docs` serves /docs, /redoc and /openapi.json (off by default: the
    contract is portal/openapi.json, and a public portal need not describe itself)."""
    app = FastAPI(title="Kiosk Hài Lòng portal", version=__version__,
                  docs_url="/docs" if docs else None, redoc_url="/redoc" if docs else None,
                  openapi_url="/openapi.json" if docs else None)  # fmt: skip
    accepted_forms = forms if forms is not None else known_forms()

    @app.exception_handler(PortalError)
    async def _portal_error(_request: Request, exc: PortalError) -> JSONResponse:
        return _error(exc.status, exc.code, exc.message, exc.retry_after, exc.close)

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

    def check_headers(request: Request) -> tuple[Device, int, str]:
        """The signature's headers and the device, before any of the body is read."""
        try:
            timestamp = int(request.headers.get(HEADER_TIMESTAMP, ""))
        except ValueError:
            raise PortalError(401, *UNAUTHORIZED, close=True) from None
        if not fresh(timestamp, time.time()):  # said before the device is looked up
            raise PortalError(401, "clock_skew", f"the request's time is more than {WINDOW_S} s "
                              "from the portal's (server_time)", close=True)  # fmt: skip
        device_id = request.headers.get(HEADER_DEVICE, "")
        given = request.headers.get(HEADER_SIGNATURE, "")
        device = None
        if well_formed(given) and 0 < len(device_id) <= 64:
            with Session(engine) as session:
                device = session.get(Device, device_id)
                if device is not None:
                    session.expunge(device)
        if device is None or device.revoked_at is not None:
            raise PortalError(401, *UNAUTHORIZED, close=True)
        return device, timestamp, given

    def revoked(device_id: str) -> bool:
        with Session(engine) as session:
            device = session.get(Device, device_id)
            return device is None or device.revoked_at is not None

    async def signed_body(request: Request) -> tuple[Device, bytes]:
        """The device that signed the request, and the body once its signature holds."""
        device, timestamp, given = await run_in_threadpool(check_headers, request)
        with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
            digest = await receive(request, MAX_SENT_BYTES, spool, body_deadline_s)
            problem = verify(device.secret, request.method, _target(request), timestamp, digest,
                             given, time.time())  # fmt: skip
            if problem == "clock_skew":  # the upload outlasted the window
                raise PortalError(401, "clock_skew", "the request's time is too far from the "
                                  "portal's (server_time)")  # fmt: skip
            if problem or await run_in_threadpool(revoked, device.id):
                # Revoked while its body came: a request opened before `device revoke`
                # stores nothing after it.
                raise PortalError(401, *UNAUTHORIZED)
            spool.seek(0)
            return device, spool.read()

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
        device, raw = await signed_body(request)
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
        openapi_extra=_json_body(HeartbeatIn),
        summary="Report the device's state; the portal keeps the latest per device",
    )
    async def heartbeat(request: Request) -> HeartbeatResult:
        device, raw = await signed_body(request)
        try:
            beat = HeartbeatIn.model_validate_json(decode(request, raw))
        except ValidationError as exc:
            raise PortalError(400, "bad_heartbeat", _first_problem(exc)) from None
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
                # A tablet that beats is alive, answers or not: IT sees it as seen.
                session.execute(
                    Device.__table__.update()
                    .where(Device.id == device.id)
                    .values(last_seen_at=now.replace(tzinfo=None))
                )

        await run_in_threadpool(save)
        return HeartbeatResult(server_time=now, clock_offset_s=offset)

    @app.post(
        "/api/v1/audit",
        status_code=201,
        response_model=AuditResult,
        responses=_ERRORS,
        openapi_extra=_json_body(AuditIn),
        summary="Deliver the kiosk's staff audit log; each entry is stored once",
    )
    async def audit(request: Request) -> AuditResult:
        device, raw = await signed_body(request)
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
            # Rows returned, not rowcount: PostgreSQL's driver reports -1 for this insert.
            statement = insert_ignoring_duplicates(engine, AuditRecord, rows).returning(
                AuditRecord.id
            )
            with engine.begin() as connection:
                return len(connection.execute(statement).all())

        stored = await run_in_threadpool(save)
        return AuditResult(stored=max(stored, 0), server_time=now)

    @app.post(
        "/api/v1/enrolments/claim",
        response_model=EnrolmentClaimOut,
        responses={**_ERRORS, 409: {"model": ErrorResponse}, 410: {"model": ErrorResponse}},
        openapi_extra=_json_body(EnrolmentClaimIn, f"JSON, at most {MAX_CLAIM_BYTES} bytes."),
        summary="Trade a one-time enrolment code (from a QR code) for the device secret",
    )
    async def claim(request: Request) -> EnrolmentClaimOut:
        with tempfile.SpooledTemporaryFile(MAX_CLAIM_BYTES) as sink:  # open to anyone: small
            await receive(request, MAX_CLAIM_BYTES, sink)
            sink.seek(0)
            try:
                body = EnrolmentClaimIn.model_validate_json(sink.read())
            except ValidationError as exc:
                raise PortalError(400, "bad_request", _first_problem(exc)) from None

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
