"""The portal client: signed, gzip-compressed batches, and replies checked before trusted.

Only a 201 whose JSON body echoes the batch id and names the fate of every answer sent
counts as an acknowledgement; anything else (a Wi-Fi login page answering 200, a proxy's
error page, a truncated body) is a `DeliveryError` and the answers stay pending.

Only the portal's own error body (`{"error": {"code", "message", "server_time"}}`, the
contract's ErrorResponse) with a 4xx can refuse what was sent (`refused`). Whatever else
answers, whatever its status (a captive portal's 403 page, a proxy's 404, a balancer's
502, a gateway's JSON of another shape), is the network between tablet and portal: the
daemon retries it and never holds it against an answer.
"""

from __future__ import annotations

import gzip
import json
import time
import uuid
from dataclasses import dataclass
from datetime import datetime

import requests
from requests.adapters import HTTPAdapter

from contract.api import AUDIT_PATH, BATCHES_PATH, CLOCK_SKEW, HEARTBEAT_PATH, read_error
from contract.enrolment import Enrolment
from contract.signing import signed_headers
from sync.policy import CONNECT_TIMEOUT_S, READ_TIMEOUT_S, transport_retry

FATES = {"stored", "duplicate", "conflict", "rejected"}


class DeliveryError(Exception):
    """A batch that did not get an acknowledgement; `kind` says why, for status and logs.

    `code` is the portal's error code when the portal itself answered in its contract
    format; `refused` says that this was the portal refusing the content sent.
    """

    def __init__(
        self,
        kind: str,
        detail: str = "",
        retry_after_s: float | None = None,
        code: str = "",
        refused: bool = False,
    ):
        super().__init__(f"{kind}: {detail}" if detail else kind)
        self.kind, self.detail, self.retry_after_s = kind, detail, retry_after_s
        self.code, self.refused = code, refused


@dataclass(frozen=True)
class BatchReply:
    batch_id: str
    server_time: datetime
    fates: dict[str, tuple[str, str | None]]
    bytes_sent: int


class PortalClient:
    def __init__(self, enrolment: Enrolment, ca_file: str | None = None, clock_offset_s: float = 0):
        self.enrolment = enrolment
        self.clock_offset_s = clock_offset_s  # portal time minus ours, learnt from replies
        self.session = requests.Session()
        self.session.mount("https://", HTTPAdapter(max_retries=transport_retry()))
        self.session.mount("http://", HTTPAdapter(max_retries=transport_retry()))
        # Passed with every request: requests lets REQUESTS_CA_BUNDLE in the environment
        # override a session's `verify`, which would silently ignore a configured CA.
        self.verify: str | bool = ca_file or True
        self.session.headers["User-Agent"] = "kiosk-hai-long-sync"

    def _post(self, path: str, body: bytes, gzipped: bool) -> requests.Response:
        timestamp = int(time.time() + self.clock_offset_s)
        headers = signed_headers(
            self.enrolment.device_id, self.enrolment.secret, "POST", path, timestamp, body
        )
        headers["Content-Type"] = "application/json"
        if gzipped:
            headers["Content-Encoding"] = "gzip"
        url = self.enrolment.portal_url.rstrip("/") + path
        try:
            return self.session.post(
                url,
                data=body,
                headers=headers,
                allow_redirects=False,
                verify=self.verify,
                timeout=(CONNECT_TIMEOUT_S, READ_TIMEOUT_S),
            )
        except requests.exceptions.SSLError as exc:
            raise DeliveryError("tls", type(exc).__name__) from None
        except requests.RequestException as exc:
            raise DeliveryError("network", type(exc).__name__) from None

    def _signed_post(self, path: str, body: bytes, gzipped: bool) -> requests.Response:
        reply = self._post(path, body, gzipped)
        if reply.status_code == 401 and _contract_error(reply)[0] == CLOCK_SKEW:
            self._learn_clock(reply)  # a tablet with a wrong clock: sign in portal time
            reply = self._post(path, body, gzipped)
        return reply

    def _learn_clock(self, reply: requests.Response) -> None:
        try:
            server = datetime.fromisoformat(reply.json()["error"]["server_time"])
        except (ValueError, KeyError, TypeError):
            return
        self.clock_offset_s = server.timestamp() - time.time()

    def send_batch(self, answers: list[dict]) -> BatchReply:
        batch_id = str(uuid.uuid4())
        batch = {"batch_id": batch_id, "answers": answers}
        raw = json.dumps(batch, ensure_ascii=False, separators=(",", ":")).encode()
        body = gzip.compress(raw, compresslevel=6)
        reply = self._signed_post(BATCHES_PATH, body, gzipped=True)
        if reply.status_code != 201:
            raise _refusal(reply)
        return self._check(reply, batch_id, {a["uuid"] for a in answers}, len(body))

    def _check(self, reply: requests.Response, batch_id: str, sent: set[str], size: int):
        if not reply.headers.get("Content-Type", "").startswith("application/json"):
            raise DeliveryError("bad_reply", "201 without JSON")
        try:
            data = reply.json()
            results = data["results"]
            fates = {r["uuid"]: (r["status"], r.get("reason")) for r in results}
            server_time = datetime.fromisoformat(data["server_time"])
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("bad_reply", "not the portal's acknowledgement") from None
        if data.get("batch_id") != batch_id:
            raise DeliveryError("bad_reply", "another batch's acknowledgement")
        if set(fates) != sent or any(status not in FATES for status, _ in fates.values()):
            raise DeliveryError("bad_reply", "the reply does not name every answer sent")
        self.clock_offset_s = server_time.timestamp() - time.time()
        return BatchReply(batch_id, server_time, fates, size)

    def send_audit(self, entries: list[dict]) -> None:
        """Deliver staff audit entries; returns only when the portal has stored them all."""
        body = gzip.compress(json.dumps({"entries": entries}, default=str).encode())
        reply = self._signed_post(AUDIT_PATH, body, gzipped=True)
        if reply.status_code != 201:
            raise _refusal(reply)
        try:
            reply.json()["stored"]
        except (ValueError, KeyError, TypeError):
            raise DeliveryError("bad_reply", "not the portal's acknowledgement") from None

    def heartbeat(self, state: dict) -> None:
        body = json.dumps(state, default=str).encode()
        reply = self._signed_post(HEARTBEAT_PATH, body, gzipped=False)
        if reply.status_code != 200:
            raise _refusal(reply)


def _contract_error(reply: requests.Response) -> tuple[str, str]:
    """(code, message) when the body is the portal's own error (the contract's
    ErrorResponse, as JSON); ("", "") for anything else, however JSON-like."""
    if not reply.headers.get("Content-Type", "").startswith("application/json"):
        return "", ""
    try:
        body = reply.json()
    except ValueError:
        return "", ""
    return read_error(body)


def _retry_after(reply: requests.Response) -> float | None:
    try:
        return float(reply.headers.get("Retry-After") or "") or None
    except ValueError:
        return None


# Statuses that say "not now" rather than "not this", even from the portal itself.
_TRANSIENT = {401, 408, 425, 429}


def _refusal(reply: requests.Response) -> DeliveryError:
    status = reply.status_code
    code, message = _contract_error(reply)
    if status == 401 and code:
        return DeliveryError("unauthorized", code, code=code)
    if code and 400 <= status < 500 and status not in _TRANSIENT:
        detail = f"{status} {code}: {message}"[:300]
        return DeliveryError("refused", detail, code=code, refused=True)
    if 300 <= status < 400:
        return DeliveryError("redirected", str(status))
    if status == 200:
        return DeliveryError("bad_reply", "200 is not an acknowledgement (a login page?)")
    # Not the portal refusing the content: a middlebox, or the portal failing. Retried.
    detail = f"{status} {code}".strip() if code else f"{status}, not the portal's reply"
    return DeliveryError("http", detail, _retry_after(reply), code=code)
