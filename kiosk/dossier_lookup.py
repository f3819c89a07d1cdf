"""The dossier lookup ("Tra cứu hồ sơ"): ask the portal about one dossier, briefly,
signed as sync signs.

The tablet POSTs `{"code": ...}` to the contract's DOSSIER_LOOKUP_PATH and believes only a
200 with JSON that `contract.dossiers.read_lookup` reads: the dossier, or `{"found":
false}` (unknown). Anything else — a Wi-Fi login page answering 200 or 403, a redirect, a
proxy's error, a timeout, a refused connection, the portal's own refusal (a revoked
tablet) — is "offline": the citizen is told the lookup cannot be done now, never that
their dossier does not exist.

One attempt with a short timeout, no retries: a citizen is waiting at the screen. A
tablet whose clock is off is told so by the portal (CLOCK_SKEW, with the portal's time)
and signs once more in the portal's time, as sync does.

Nothing of a lookup is kept or logged here: no code, no dossier.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Literal

from contract.api import CLOCK_SKEW, DOSSIER_LOOKUP_PATH, read_error
from contract.dossiers import DossierView, NotADossier, dossiers_kept, read_lookup
from contract.enrolment import Enrolment
from contract.signing import signed_headers
from contract.wire import canonical_dossier

if TYPE_CHECKING:
    import requests

log = logging.getLogger("kiosk.lookup")

TIMEOUT_S = 4.0  # each of connecting and reading: a citizen is waiting at the screen

Reason = Literal["", "unknown", "offline", "not_enrolled", "not_kept"]
FOUND: Reason = ""
UNKNOWN: Reason = "unknown"  # the portal answered: not a dossier of this unit
OFFLINE: Reason = "offline"  # the portal could not be asked, or did not answer as itself
NOT_ENROLLED: Reason = "not_enrolled"  # this tablet has no portal to ask
NOT_KEPT: Reason = "not_kept"  # the portal keeps none of the unit's dossiers yet


@dataclass(frozen=True)
class LookupResult:
    """The dossier found, or why there is none to show (`reason`)."""

    dossier: DossierView | None = None
    reason: Reason = FOUND
    clock_offset_s: float | None = None  # the portal's clock minus ours, when a reply said

    @property
    def outcome(self) -> str:
        """One word for counting: found, unknown, offline, not_enrolled, not_kept."""
        return self.reason or "found"


def lookup(
    enrolment: Enrolment | None,
    code: str,
    ca_file: str | None = None,
    timeout_s: float = TIMEOUT_S,
    clock_offset_s: float = 0.0,
) -> LookupResult:
    """Ask the enrolment's portal about the dossier `code` (see the module's docstring)."""
    if enrolment is None:
        return LookupResult(reason=NOT_ENROLLED)
    import requests  # lazy: ~80 ms of the kiosk's start (kiosk/enrolment.py measured it)

    body = json.dumps({"code": canonical_dossier(code) or ""}).encode()
    asking = _Asking(enrolment, body, ca_file, timeout_s)
    try:
        reply = asking.post(clock_offset_s)
        learnt = _skew(reply)
        if learnt is not None:  # a wrong clock on the tablet: once more, in portal time
            reply = asking.post(learnt)
    except requests.RequestException as exc:
        log.info("dossier lookup: portal not reached (%s)", type(exc).__name__)
        return LookupResult(reason=OFFLINE)
    result = _read(reply)
    return LookupResult(result.dossier, result.reason, learnt)


@dataclass(frozen=True)
class _Asking:
    enrolment: Enrolment
    body: bytes
    ca_file: str | None
    timeout_s: float

    def post(self, clock_offset_s: float) -> requests.Response:
        import requests

        enrolment = self.enrolment
        timestamp = int(time.time() + clock_offset_s)
        headers = signed_headers(
            enrolment.device_id, enrolment.secret, "POST", DOSSIER_LOOKUP_PATH, timestamp, self.body
        )
        headers["Content-Type"] = "application/json"
        headers["User-Agent"] = "kiosk-hai-long-lookup"
        return requests.post(
            enrolment.portal_url.rstrip("/") + DOSSIER_LOOKUP_PATH,
            data=self.body,
            headers=headers,
            allow_redirects=False,  # a login page elsewhere is not the portal
            # Passed always: REQUESTS_CA_BUNDLE in the environment would override a default.
            verify=self.ca_file or True,
            timeout=(self.timeout_s, self.timeout_s),
        )


def _json(reply: requests.Response) -> object:
    """The reply's JSON, or None when it is not JSON (a login page, a proxy's page)."""
    if not reply.headers.get("Content-Type", "").startswith("application/json"):
        return None
    try:
        return reply.json()
    except ValueError:
        return None


def _skew(reply: requests.Response) -> float | None:
    """The portal's clock minus ours, when the portal refused our clock; else None."""
    if reply.status_code != 401:
        return None
    body = _json(reply)
    if read_error(body)[0] != CLOCK_SKEW or not isinstance(body, dict):
        return None
    try:
        server = datetime.fromisoformat(body["error"]["server_time"])
    except (KeyError, TypeError, ValueError):
        return None
    return server.timestamp() - time.time()


def _read(reply: requests.Response) -> LookupResult:
    """The portal's word on the dossier; anything that is not it is "offline"."""
    body = _json(reply)
    if reply.status_code != 200 or body is None:
        code = read_error(body)[0] if body is not None else ""
        # The portal's own refusal (a revoked tablet) is for IT to read; a middlebox too.
        log.warning("dossier lookup: no answer (%s %s)", reply.status_code, code or "not JSON")
        return LookupResult(reason=OFFLINE)
    try:
        dossier = read_lookup(body)
    except NotADossier:
        log.warning("dossier lookup: a 200 that is not the portal's answer")
        return LookupResult(reason=OFFLINE)
    if dossier is None and not dossiers_kept(body):
        return LookupResult(reason=NOT_KEPT)
    return LookupResult(dossier, FOUND if dossier is not None else UNKNOWN)
