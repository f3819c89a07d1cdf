"""What every reply of the API shares: the portal's clock, refusals in the contract's error
body (contract/api.py), and what the OpenAPI document says of errors and bodies.

Every refusal, the portal's own and the framework's (a path not served, a body it cannot
parse, a failure), is `{"error": {"code", "message", "server_time"}}`.
"""

from __future__ import annotations

import logging
from datetime import datetime, timezone

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ValidationError
from sqlalchemy.exc import OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from starlette.exceptions import HTTPException as StarletteHTTPException

from contract.api import (
    BAD_REQUEST,
    BAD_SIGNATURE,
    BUSY,
    INTERNAL,
    METHOD_NOT_ALLOWED,
    NOT_FOUND,
    error_body,
)
from portal.schemas import ErrorResponse

log = logging.getLogger("portal")

RETRY_AFTER_S = 5
# One refusal for an unknown device, a revoked one and a wrong signature: the portal does
# not tell a prober which device ids exist.
UNAUTHORIZED = (BAD_SIGNATURE, "the request is not signed by an enrolled device")
# The error replies the OpenAPI document names for every endpoint.
ERRORS: dict[int | str, dict[str, object]] = {
    code: {"model": ErrorResponse} for code in (400, 401, 413, 415, 429, 503)
}
JSON_OR_GZIP = "JSON, gzip-compressed (Content-Encoding: gzip) or plain."


def now() -> datetime:
    """The portal's time, as every reply gives it (`server_time`)."""
    return datetime.now(timezone.utc)


class PortalError(Exception):
    """A refusal in the contract's error format; `close`: the body was not read to its end,
    so the connection is closed rather than read on."""

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        retry_after: int | None = None,
        close: bool = False,
    ) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message
        self.retry_after, self.close = retry_after, close


def error(
    status: int, code: str, message: str, retry_after: int | None = None, close: bool = False
) -> JSONResponse:
    headers = {"Retry-After": str(retry_after)} if retry_after else {}
    if close:
        headers["Connection"] = "close"
    return JSONResponse(error_body(code, message, now()), status_code=status, headers=headers)


def first_problem(exc: ValidationError | RequestValidationError) -> str:
    """The first thing wrong in a body, where it is ("answers.0.uuid: …")."""
    errors = exc.errors()
    first = errors[0] if errors else {"loc": (), "msg": "invalid"}
    where = ".".join(str(p) for p in first["loc"])
    return f"{where}: {first['msg']}" if where else str(first["msg"])


def json_body(model: type[BaseModel], description: str = JSON_OR_GZIP) -> dict[str, object]:
    """The request body of an endpoint that reads its raw bytes itself (after the headers)."""
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": model.model_json_schema()}},
            "description": description,
        }
    }


def install_handlers(app: FastAPI) -> None:
    """Every refusal and failure of `app` in the contract's error body."""

    @app.exception_handler(PortalError)
    async def _portal_error(_request: Request, exc: PortalError) -> JSONResponse:
        return error(exc.status, exc.code, exc.message, exc.retry_after, exc.close)

    @app.exception_handler(RequestValidationError)
    async def _invalid(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = exc.errors()
        first = errors[0] if errors else {"loc": (), "msg": "invalid request"}
        where = ".".join(str(p) for p in first["loc"])
        return error(400, BAD_REQUEST, f"{where}: {first['msg']}")

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        # Starlette's own refusals (a path or method not served, a body it cannot parse)
        # would answer {"detail": …}; every refusal is in the contract's error format.
        code = {404: NOT_FOUND, 405: METHOD_NOT_ALLOWED}.get(exc.status_code, BAD_REQUEST)
        response = error(exc.status_code, code, str(exc.detail))
        response.headers.update(exc.headers or {})  # the Allow of a 405
        return response

    @app.exception_handler(Exception)
    async def _internal(_request: Request, exc: Exception) -> JSONResponse:
        log.exception("request failed: %s", type(exc).__name__)
        return error(500, INTERNAL, "the portal failed on this request")

    @app.exception_handler(OperationalError)
    async def _busy(_request: Request, exc: OperationalError) -> JSONResponse:
        if not busy(exc):  # a missing column is the portal's failure, not a busy database
            log.exception("request failed: %s", type(exc).__name__)
            return error(500, INTERNAL, "the portal failed on this request")
        return error(503, BUSY, "the database is busy, try again", RETRY_AFTER_S)

    @app.exception_handler(PoolTimeout)
    async def _no_connection(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        return error(503, BUSY, "the database is busy, try again", RETRY_AFTER_S)


# What a database says when it is busy or out of reach for a while, not broken.
_BUSY_WORDS = ("locked", "busy", "timeout", "timed out", "could not connect", "connection")


def busy(exc: OperationalError) -> bool:
    """Whether a database error is one a retry may cure (a lock, a lost connection)."""
    text = str(exc.orig if exc.orig is not None else exc).lower()
    return exc.connection_invalidated or any(word in text for word in _BUSY_WORDS)
