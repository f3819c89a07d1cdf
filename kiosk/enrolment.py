"""A tablet's enrolment with a portal: where to send, who it is, and the key to seal with.

Two ways in. The portal's `device add --out FILE` writes an enrolment file, which
`python -m kiosk enrol FILE` checks and keeps. Or `device add --qr-out FILE.png` makes an
enrolment QR code (an *offer*: the portal's URL and key, the device id, unit, counter and
a one-time code that expires); the staff area scans it and *claims* the device secret
from the portal over HTTPS, so that no secret is ever printed and nobody types one. The
portal refuses a code used before or expired, and says which.

Either way the result is <data dir>/enrolment.json (mode 0640: the sync daemon, in the
kiosk's group, reads it; nobody else can), which takes precedence
over config.yaml for the portal URL and public key, the device id, unit and counter.

The file's and the offer's format is the contract's (contract/enrolment.py); here is the
kiosk's side: its problems in the kiosk's words, which offers it takes, the claim over
HTTP, and the state every screen and tool shows.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from contract.api import CLAIM_PATH, ENROLMENT_CODES
from contract.enrolment import (
    FILE_NAME,
    Enrolment,
    EnrolmentInvalid,
    EnrolmentOffer,
    find_enrolment,
    parse_offer,
    read_enrolment_file,
    write_enrolment,
)
from kiosk.domain.yamlfile import FileProblems, Problem

__all__ = [
    "FILE_NAME",
    "Enrolment",
    "EnrolmentOffer",
    "EnrolmentRefused",
    "EnrolmentState",
    "claim",
    "enrolment_state",
    "load_enrolment",
    "read_enrolment",
    "read_offer",
    "replaces_another",
    "save_enrolment",
]

CLAIM_TIMEOUT_S = 20


def _problems(path: Path, invalid: EnrolmentInvalid) -> FileProblems:
    name = str(path)
    return FileProblems([Problem(name, 0, p.key, p.code, dict(p.params)) for p in invalid.problems])


def read_enrolment(path: Path) -> Enrolment:
    """Read and check an enrolment file; raise FileProblems naming what is wrong."""
    try:
        return read_enrolment_file(path)
    except EnrolmentInvalid as exc:
        raise _problems(path, exc) from None


def save_enrolment(enrolment: Enrolment, data_dir: Path) -> Path:
    """Keep this tablet's enrolment in its data dir, as the contract writes it (the local
    portal's set-up writes it so too)."""
    return write_enrolment(enrolment, data_dir)


def load_enrolment(data_dir: Path) -> Enrolment | None:
    """This tablet's enrolment (None: not enrolled); FileProblems when its file is broken."""
    try:
        return find_enrolment(data_dir)
    except EnrolmentInvalid as exc:
        raise _problems(data_dir / FILE_NAME, exc) from None


@dataclass(frozen=True)
class EnrolmentState:
    """The one answer to "is this tablet enrolled?", for every tool and screen.

    Enrolled: it has an enrolment (enrolment.json), so the sync daemon sends its answers
    to `portal_url`. Sealed: personal data is kept, sealed with the portal's public key
    (the enrolment's, else config.yaml's); otherwise only the day's ID hashes are kept.
    """

    portal_url: str  # "" when not enrolled
    sealed: bool

    @property
    def enrolled(self) -> bool:
        return bool(self.portal_url)

    def words(self, tr: Callable[..., str]) -> str:
        sends = (
            tr("enrolment.sends", url=self.portal_url) if self.enrolled else tr("enrolment.none")
        )
        return f"{sends}; {tr('enrolment.sealed' if self.sealed else 'enrolment.hashes_only')}"


def enrolment_state(data_dir: Path, config) -> EnrolmentState:
    """Decide from <data dir>/enrolment.json and config.yaml (a broken enrolment file is
    none: the sync daemon could not use it either)."""
    try:
        enrolment = load_enrolment(data_dir)
    except FileProblems:
        enrolment = None
    if enrolment is None:
        return EnrolmentState("", config.portal_public_key is not None)
    return EnrolmentState(enrolment.portal_url, bool(enrolment.public_key))


# --- enrolment by QR code ---------------------------------------------------------


class EnrolmentRefused(Exception):
    """Why a scanned code or a claim did not enrol the tablet (a locale key + parameters)."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def read_offer(
    payload: bytes | str, current_portal: str = "", current_key: bytes | None = None
) -> EnrolmentOffer:
    """A scanned enrolment code, checked like config.yaml; EnrolmentRefused if it is not one.

    A tablet that already sends to a portal, or seals personal data with a public key,
    only takes codes of that portal and that key.
    """
    try:
        offer = parse_offer(payload)
    except EnrolmentInvalid as exc:
        problem = exc.problems[0]
        if problem.code == "not_an_offer":
            raise EnrolmentRefused("enrol.not_an_offer") from None
        raise EnrolmentRefused("enrol.bad_offer", what=problem.key) from None
    if current_portal and _origin(current_portal) != _origin(offer.portal_url):
        raise EnrolmentRefused("enrol.other_portal", url=offer.portal_url, ours=current_portal)
    if current_key is not None and offer.public_key_bytes != current_key:
        raise EnrolmentRefused("enrol.other_key")
    return offer


def replaces_another(new: Enrolment, current_url: str, current_key: bytes | None) -> bool:
    """Whether an enrolment would move this tablet to another portal or another public key
    (answers kept so far were sealed for the current one): IT must say so (`--replace`)."""
    if current_url and _origin(current_url) != _origin(new.portal_url):
        return True
    return current_key is not None and new.public_key_bytes != current_key


def claim(offer: EnrolmentOffer, ca_file: str | None = None) -> Enrolment:
    """Fetch the device secret for an offer from its portal (one request, no retries: the
    person at the tablet sees the answer and can scan again).
    """
    import requests  # lazy: ~80 ms of the kiosk's start (measured), and only a claim needs it

    url = offer.portal_url.rstrip("/") + CLAIM_PATH
    try:
        response = requests.post(
            url,
            json={"device_id": offer.device_id, "code": offer.code},
            timeout=CLAIM_TIMEOUT_S,
            verify=ca_file or True,
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise EnrolmentRefused(
            "enrol.unreachable", url=offer.portal_url, error=type(exc).__name__
        ) from None
    try:
        body = response.json()
    except ValueError:
        body = None
    if response.status_code != 200 or not isinstance(body, dict):
        error = body.get("error", {}) if isinstance(body, dict) else {}
        code = error.get("code") if isinstance(error, dict) else None
        if code in ENROLMENT_CODES:
            raise EnrolmentRefused(f"enrol.{code}")
        raise EnrolmentRefused("enrol.portal_error", status=response.status_code)
    secret = body.get("secret")
    if body.get("device_id") != offer.device_id or not isinstance(secret, str) or not secret:
        raise EnrolmentRefused("enrol.portal_error", status=response.status_code)
    return Enrolment(
        offer.portal_url, offer.device_id, secret, offer.unit_code, offer.counter, offer.public_key
    )


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default
