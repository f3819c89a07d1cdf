"""What the routes share before they look at a body: the store and the forms the app was
made with, the body read within its limits, and the signed request authenticated.

Nothing is read that is not authenticated: the signature's headers and the device are
checked before the body, a body announced too large is refused before any of it is read,
and one that streams past the limit is cut off there (the connection is closed on each
of these refusals). A body waits on disk, not in memory, past `SPOOL_BYTES`, until its
signature holds. An unknown device, a revoked one and a wrong signature get the same 401.
"""

from __future__ import annotations

import asyncio
import hashlib
import tempfile
import time
import zlib
from dataclasses import dataclass
from typing import IO, Annotated

from fastapi import Depends, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import Engine
from starlette.requests import ClientDisconnect

from contract.api import (
    BAD_GZIP,
    CLOCK_SKEW,
    INCOMPLETE,
    MAX_BODY_BYTES,
    TOO_LARGE,
    TOO_SLOW,
)
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
from portal.api.replies import UNAUTHORIZED, PortalError
from portal.store.devices import active_device, is_revoked
from portal.store.models import Device

MAX_SENT_BYTES = MAX_BODY_BYTES  # as sent (gzip or plain), before it is authenticated
SPOOL_BYTES = 64 * 1024  # a gzip batch of 500 answers is ~60 KiB: beyond, it waits on disk
# A body must arrive within this (4 MiB at 70 KB/s): a sender that trickles it holds a
# connection and a spool for nothing.
BODY_DEADLINE_S = 60.0


def _engine(request: Request) -> Engine:
    engine: Engine = request.app.state.engine
    return engine


def _forms(request: Request) -> set[tuple[str, int]]:
    forms: set[tuple[str, int]] = request.app.state.forms
    return forms


Store = Annotated[Engine, Depends(_engine)]  # the portal's database
# (form id, version) shipped; intake adds the registered ones (`portal form add`)
Forms = Annotated[set[tuple[str, int]], Depends(_forms)]


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
        raise PortalError(413, TOO_LARGE, f"at most {limit} bytes as sent", close=True)
    try:
        return await asyncio.wait_for(_stream(request, limit, sink), deadline_s)
    except asyncio.TimeoutError:
        message = f"the body did not come within {deadline_s:g} s"
        raise PortalError(408, TOO_SLOW, message, close=True) from None


async def _stream(request: Request, limit: int, sink: IO[bytes]) -> str:
    digest, size = hashlib.sha256(), 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise PortalError(413, TOO_LARGE, f"at most {limit} bytes as sent", close=True)
            digest.update(chunk)
            sink.write(chunk)
    except ClientDisconnect:
        raise PortalError(400, INCOMPLETE, "the body ended early", close=True) from None
    return digest.hexdigest()


def _target(request: Request) -> str:
    """The request target as sent (path and query string): what the kiosk signed."""
    raw = request.scope.get("raw_path")
    path = raw.decode("latin-1") if raw else request.url.path
    return request_target(path, request.scope.get("query_string", b"").decode("latin-1"))


def _check_headers(request: Request, engine: Engine) -> tuple[Device, int, str]:
    """The signature's headers and the device, before any of the body is read."""
    try:
        timestamp = int(request.headers.get(HEADER_TIMESTAMP, ""))
    except ValueError:
        raise PortalError(401, *UNAUTHORIZED, close=True) from None
    if not fresh(timestamp, time.time()):  # said before the device is looked up
        message = f"the request's time is more than {WINDOW_S} s from the portal's (server_time)"
        raise PortalError(401, CLOCK_SKEW, message, close=True)
    device_id = request.headers.get(HEADER_DEVICE, "")
    given = request.headers.get(HEADER_SIGNATURE, "")
    device = None
    if well_formed(given) and 0 < len(device_id) <= 64:
        device = active_device(engine, device_id)
    if device is None:
        raise PortalError(401, *UNAUTHORIZED, close=True)
    return device, timestamp, given


def _decode(request: Request, body: bytes) -> bytes:
    if request.headers.get("content-encoding", "").lower() == "gzip":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            body = inflater.decompress(body, MAX_BODY_BYTES + 1)
        except zlib.error:
            raise PortalError(400, BAD_GZIP, "the body is not valid gzip") from None
    if len(body) > MAX_BODY_BYTES:
        raise PortalError(413, TOO_LARGE, f"at most {MAX_BODY_BYTES} bytes uncompressed")
    return body


@dataclass(frozen=True)
class SignedBody:
    """The device that signed a request, and its body (decompressed) once the signature
    held."""

    device: Device
    body: bytes


async def _signed_body(request: Request, engine: Store) -> SignedBody:
    device, timestamp, given = await run_in_threadpool(_check_headers, request, engine)
    deadline_s: float = request.app.state.body_deadline_s
    with tempfile.SpooledTemporaryFile(SPOOL_BYTES) as spool:
        digest = await receive(request, MAX_SENT_BYTES, spool, deadline_s)
        target = _target(request)
        problem = verify(
            device.secret, request.method, target, timestamp, digest, given, time.time()
        )
        if problem == CLOCK_SKEW:  # the upload outlasted the window
            message = "the request's time is too far from the portal's (server_time)"
            raise PortalError(401, CLOCK_SKEW, message)
        if problem or await _revoked(engine, device.id):
            # Revoked while its body came: a request opened before `device revoke`
            # stores nothing after it.
            raise PortalError(401, *UNAUTHORIZED)
        spool.seek(0)
        return SignedBody(device, _decode(request, spool.read()))


async def _revoked(engine: Engine, device_id: str) -> bool:
    revoked: bool = await run_in_threadpool(is_revoked, engine, device_id)
    return revoked


Signed = Annotated[SignedBody, Depends(_signed_body)]  # a request of an enrolled device
