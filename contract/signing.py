"""Request signatures between a kiosk and the portal: HMAC-SHA256 over what was sent.

The signed text is the method, the request target (the path and, when there is one, the
query string: nothing of the URL can be changed in transit), a timestamp and the SHA-256
of the body as sent (gzip bytes), so a captured request cannot be altered, and cannot be
replayed after `WINDOW_S`. A request without a query string signs its path alone, as
kiosks always did. Tablets with a wrong clock learn the portal's time from its refusal
and sign with that offset, so a flat RTC battery does not lock a kiosk out.

The portal checks in two steps so that it reads no body it has not authenticated: the
headers first (`fresh`, a well-formed signature, an enrolled device), then the body as it
streams in, by its digest (`verify`).
"""

from __future__ import annotations

import hashlib
import hmac
import re

WINDOW_S = 300
HEADER_DEVICE = "X-Kiosk-Device"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_SIGNATURE = "X-Kiosk-Signature"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")


def request_target(path: str, query: str = "") -> str:
    """What is signed of a URL: its path, and its query string when there is one."""
    return f"{path}?{query}" if query else path


def _sign(secret: str, method: str, target: str, timestamp: int, body_sha256: str) -> str:
    text = f"{method.upper()}\n{target}\n{timestamp}\n{body_sha256}".encode()
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signature(secret: str, method: str, target: str, timestamp: int, body: bytes) -> str:
    return _sign(secret, method, target, timestamp, hashlib.sha256(body).hexdigest())


def signed_headers(
    device_id: str, secret: str, method: str, target: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The headers of a request to `target` (path, and "?query" when it has one)."""
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature(secret, method, target, timestamp, body),
    }


def fresh(timestamp: int, now: float) -> bool:
    return abs(now - timestamp) <= WINDOW_S


def well_formed(given: str) -> bool:
    return bool(_SIGNATURE.fullmatch(given or ""))


def verify(
    secret: str, method: str, target: str, timestamp: int, body_sha256: str, given: str, now: float
) -> str:
    """'' when the signature holds and is fresh; else 'bad_signature' or 'clock_skew'.

    `body_sha256` is the hex digest of the body as received, hashed while it streamed in.
    """
    expected = _sign(secret, method, target, timestamp, body_sha256)
    if not hmac.compare_digest(expected, given or ""):
        return "bad_signature"
    if not fresh(timestamp, now):
        return "clock_skew"
    return ""
