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
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from kiosk.domain.yamlfile import (
    MAX_NUMBER_DIGITS,
    Checker,
    FileProblems,
    Problem,
    YMap,
    read_capped,
)

FILE_NAME = "enrolment.json"
MAX_FILE_BYTES = 64 * 1024  # an enrolment is a few hundred bytes
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # CR/LF in an id would split an HTTP header


@dataclass(frozen=True)
class Enrolment:
    portal_url: str
    device_id: str
    secret: str
    unit_code: str
    counter: str
    public_key: str = ""  # base64 X25519; empty when the portal has none

    @property
    def public_key_bytes(self) -> bytes | None:
        return base64.b64decode(self.public_key) if self.public_key else None


class _Refused(ValueError):
    """JSON that parses but is refused: a key twice, a number too long."""

    def __init__(self, code: str, key: str = "", **params: object):
        super().__init__(code)
        self.code, self.key, self.params = code, key, params


def strict_json(text: str) -> object:
    """JSON without a key twice (json keeps the last silently) or a number beyond
    MAX_NUMBER_DIGITS; raises ValueError (or _Refused) and RecursionError when nested deep."""

    def pairs(items: list[tuple[str, object]]) -> dict:
        result: dict = {}
        for key, value in items:
            if key in result:
                raise _Refused("duplicate_key", key)
            result[key] = value
        return result

    def number(digits: str) -> int:
        if len(digits) > MAX_NUMBER_DIGITS:
            raise _Refused("number_too_long", digits=MAX_NUMBER_DIGITS)
        return int(digits)

    return json.loads(text, object_pairs_hook=pairs, parse_int=number)


def _read_json(path: Path) -> object:
    name = str(path)
    raw = read_capped(path, MAX_FILE_BYTES)
    try:
        return strict_json(raw.decode("utf-8"))
    except _Refused as exc:
        raise FileProblems([Problem(name, 0, exc.key, exc.code, exc.params)]) from None
    except RecursionError:
        raise FileProblems([Problem(name, 0, "", "too_deep", {"depth": "~1000"})]) from None
    except (UnicodeDecodeError, ValueError) as exc:
        raise FileProblems([Problem(name, 0, "", "file_unreadable", {"error": str(exc)})]) from None


def read_enrolment(path: Path) -> Enrolment:
    """Read and check an enrolment file; raise FileProblems naming what is wrong."""
    name = str(path)
    data = _read_json(path)
    check = Checker(name)
    if not isinstance(data, dict):
        check.problems.append(Problem(name, 0, "", "not_a_mapping"))
        check.raise_if_any()
    mapping = YMap(data)
    mapping.line, mapping.key_lines = 0, {}
    fields = {f.name for f in dataclasses.fields(Enrolment)}
    check.unknown_keys(mapping, fields)
    values = {f: check.get(mapping, f, str, required=f != "public_key", default="") for f in fields}
    for field, value in values.items():
        if _CONTROL.search(value):
            check.problem(mapping, field, "control_chars")
        elif not value.strip() and field != "public_key" and field in mapping:
            check.problem(mapping, field, "empty")
    if values["portal_url"] and not re.match(r"^https?://[^\s/]+", values["portal_url"]):
        check.problem(mapping, "portal_url", "bad_url")
    if values["public_key"]:
        try:
            ok = len(base64.b64decode(values["public_key"], validate=True)) == 32
        except ValueError:
            ok = False
        if not ok:
            check.problem(mapping, "public_key", "bad_public_key")
    check.raise_if_any()
    return Enrolment(**values)


def save_enrolment(enrolment: Enrolment, data_dir: Path) -> Path:
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        json.dump(dataclasses.asdict(enrolment), handle, indent=2)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


def load_enrolment(data_dir: Path) -> Enrolment | None:
    path = data_dir / FILE_NAME
    return read_enrolment(path) if path.is_file() else None


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

    def words(self, tr) -> str:
        sends = tr("enrolment.sends", url=self.portal_url) if self.enrolled else tr(
            "enrolment.none")  # fmt: skip
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
OFFER_KIND = "khl-enrol/1"
CLAIM_PATH = "/api/v1/enrolments/claim"
CLAIM_TIMEOUT_S = 20


@dataclass(frozen=True)
class EnrolmentOffer:
    """What an enrolment QR code holds; the secret itself is claimed with `code`."""

    portal_url: str
    device_id: str
    code: str
    unit_code: str
    counter: str
    public_key: str
    expires_at: str  # ISO 8601, UTC

    @property
    def public_key_bytes(self) -> bytes | None:
        return base64.b64decode(self.public_key) if self.public_key else None

    def payload(self) -> str:
        """The QR code's text: compact JSON with a kind marker."""
        fields = dataclasses.asdict(self)
        return json.dumps({"kind": OFFER_KIND, **fields}, separators=(",", ":"))


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
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        data = strict_json(text) if len(text) < 4096 else None
    except (UnicodeDecodeError, ValueError, RecursionError):
        data = None
    if not isinstance(data, dict) or data.get("kind") != OFFER_KIND:
        raise EnrolmentRefused("enrol.not_an_offer")
    names = [f.name for f in dataclasses.fields(EnrolmentOffer)]
    if any(not isinstance(data.get(name), str) for name in names):
        raise EnrolmentRefused("enrol.not_an_offer")
    offer = EnrolmentOffer(**{name: data[name] for name in names})
    if not re.match(r"^https?://[^\s/]+", offer.portal_url):
        raise EnrolmentRefused("enrol.bad_offer", what="portal_url")
    if not (offer.device_id and offer.code and offer.unit_code and offer.counter):
        raise EnrolmentRefused("enrol.bad_offer", what="device_id/code/unit_code/counter")
    for name in names:
        if _CONTROL.search(data[name]):
            raise EnrolmentRefused("enrol.bad_offer", what=name)
    if offer.public_key and not _is_public_key(offer.public_key):
        raise EnrolmentRefused("enrol.bad_offer", what="public_key")
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
    import requests

    url = offer.portal_url.rstrip("/") + CLAIM_PATH
    try:
        response = requests.post(url, json={"device_id": offer.device_id, "code": offer.code},
                                 timeout=CLAIM_TIMEOUT_S, verify=ca_file or True,
                                 allow_redirects=False)  # fmt: skip
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
        known = {"enrolment_used", "enrolment_expired", "enrolment_unknown"}
        if code in known:
            raise EnrolmentRefused(f"enrol.{code}")
        raise EnrolmentRefused("enrol.portal_error", status=response.status_code)
    secret = body.get("secret")
    if body.get("device_id") != offer.device_id or not isinstance(secret, str) or not secret:
        raise EnrolmentRefused("enrol.portal_error", status=response.status_code)
    return Enrolment(offer.portal_url, offer.device_id, secret, offer.unit_code, offer.counter,
                     offer.public_key)  # fmt: skip


def _is_public_key(text: str) -> bool:
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except ValueError:
        return False


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urlsplit(url)
    try:
        port = parts.port
    except ValueError:
        port = None
    default = {"http": 80, "https": 443}.get(parts.scheme.lower())
    return parts.scheme.lower(), (parts.hostname or "").lower(), port or default
