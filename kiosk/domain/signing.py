"""Request signatures between a kiosk and the portal: HMAC-SHA256 over what was sent.

The signed text is the method, the path, a timestamp and the SHA-256 of the body as sent
(gzip bytes), so a captured request cannot be altered, and cannot be replayed after
`WINDOW_S`. Tablets with a wrong clock learn the portal's time from its refusal and sign
with that offset, so a flat RTC battery does not lock a kiosk out.
"""

from __future__ import annotations

import hashlib
import hmac

WINDOW_S = 300
HEADER_DEVICE = "X-Kiosk-Device"
HEADER_TIMESTAMP = "X-Kiosk-Timestamp"
HEADER_SIGNATURE = "X-Kiosk-Signature"


def signature(secret: str, method: str, path: str, timestamp: int, body: bytes) -> str:
    digest = hashlib.sha256(body).hexdigest()
    text = f"{method.upper()}\n{path}\n{timestamp}\n{digest}".encode()
    return hmac.new(secret.encode(), text, hashlib.sha256).hexdigest()


def signed_headers(
    device_id: str, secret: str, method: str, path: str, timestamp: int, body: bytes
) -> dict[str, str]:
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: signature(secret, method, path, timestamp, body),
    }


def verify(
    secret: str, method: str, path: str, timestamp: int, body: bytes, given: str, now: float
) -> str:
    """'' when the signature holds and is fresh; else 'bad_signature' or 'clock_skew'."""
    expected = signature(secret, method, path, timestamp, body)
    if not hmac.compare_digest(expected, given or ""):
        return "bad_signature"
    if abs(now - timestamp) > WINDOW_S:
        return "clock_skew"
    return ""
