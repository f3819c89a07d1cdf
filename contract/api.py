"""The HTTP API's fixed points: its paths, its body limits, and the error body with its codes.

Every refusal of the portal is `{"error": {"code", "message", "server_time"}}` (the
OpenAPI document's ErrorResponse). A kiosk believes a refusal only in that shape
(`read_error`): a captive portal's page or a proxy's JSON of another shape is the network,
never the portal's word on what was sent.
"""

from __future__ import annotations

from datetime import datetime

BATCHES_PATH = "/api/v1/batches"  # answers, in batches
HEARTBEAT_PATH = "/api/v1/heartbeat"
AUDIT_PATH = "/api/v1/audit"
CLAIM_PATH = "/api/v1/enrolments/claim"
HEALTH_PATH = "/api/v1/health"
REPORTS_PATH = "/api/v1/reports"  # a report (portal/reports), read with a token
# A one-stop system pushes its dossiers (a token made for it: `portal token add --for
# dossiers`); a tablet asks about one, signed as sync signs (contract/dossiers.py).
DOSSIERS_PATH = "/api/v1/dossiers"
DOSSIER_LOOKUP_PATH = "/api/v1/dossiers/lookup"
MAX_DOSSIERS = 1000  # dossiers in one push
# The web survey behind the counter posters: the path and query of config.yaml's
# `qr.survey_url` (…/khao-sat?don_vi={unit}&quay={counter}), served by the portal.
SURVEY_PATH = "/khao-sat"
SURVEY_UNIT_PARAM = "don_vi"
SURVEY_COUNTER_PARAM = "quay"

MAX_BODY_BYTES = 4 * 1024 * 1024  # decompressed; a batch of 500 answers is ~400 KiB
MAX_ANSWERS = 500  # answers in a batch, entries in an audit delivery
MAX_CLAIM_BYTES = 4096  # an enrolment claim: two short strings, from anyone

# The codes of the error body. An unknown device, a revoked one and a wrong signature are
# all BAD_SIGNATURE: the portal does not tell a prober which device ids exist.
BAD_SIGNATURE = "bad_signature"
CLOCK_SKEW = "clock_skew"  # signed too far from the portal's time: sign again in its time
TOO_LARGE = "too_large"
TOO_SLOW = "too_slow"
INCOMPLETE = "incomplete"
BAD_GZIP = "bad_gzip"
TOO_MANY = "too_many"
BAD_BATCH = "bad_batch"
BAD_HEARTBEAT = "bad_heartbeat"
BAD_AUDIT = "bad_audit"
BAD_REQUEST = "bad_request"
BAD_TOKEN = "bad_token"  # a report asked for without a live token (portal token add)
BAD_DOSSIERS = "bad_dossiers"  # a push of dossiers with a row it cannot keep: none is kept
NOT_JSON = "not_json"  # a body sent as something else than application/json
RATE_LIMITED = "rate_limited"  # too many pushes in a minute: again after Retry-After
NOT_FOUND = "not_found"
METHOD_NOT_ALLOWED = "method_not_allowed"
INTERNAL = "internal"
BUSY = "busy"
ENROLMENT_UNKNOWN = "enrolment_unknown"
ENROLMENT_USED = "enrolment_used"
ENROLMENT_EXPIRED = "enrolment_expired"
ENROLMENT_CODES = (ENROLMENT_UNKNOWN, ENROLMENT_USED, ENROLMENT_EXPIRED)


def error_body(code: str, message: str, server_time: datetime) -> dict[str, dict[str, str]]:
    """The body of every refusal; `server_time` lets a tablet with a wrong clock sign anew."""
    return {"error": {"code": code, "message": message, "server_time": server_time.isoformat()}}


def read_error(body: object) -> tuple[str, str]:
    """(code, message) when `body` (parsed JSON) is the portal's own error body; ("", "")
    for anything else, however JSON-like."""
    error = body.get("error") if isinstance(body, dict) else None
    if not isinstance(error, dict):
        return "", ""
    code, message, stamp = error.get("code"), error.get("message"), error.get("server_time")
    if not (isinstance(code, str) and code and isinstance(message, str)):
        return "", ""
    try:
        datetime.fromisoformat(stamp if isinstance(stamp, str) else "")
    except ValueError:
        return "", ""
    return code, message
