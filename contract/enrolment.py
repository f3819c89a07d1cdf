"""A tablet's enrolment with a portal, as the portal writes it and the kiosk reads it.

Two forms. The enrolment *file* (`portal device add --out FILE`; on the tablet
<data dir>/enrolment.json): the portal's URL and public key, the device id, unit and
counter, and the device secret. The enrolment *offer*, the text of an enrolment QR code
(`device add --qr-out`): the same without the secret, but a one-time code that claims it
and the code's expiry.

Both are read strictly (a key twice, a number too long, an unknown key, control
characters are refused), and every problem is a code and the key it concerns
(`EnrolmentInvalid`), which the kiosk puts into words (kiosk/enrolment.py).
"""

from __future__ import annotations

import base64
import dataclasses
import json
import os
import re
from dataclasses import dataclass, field
from pathlib import Path

FILE_NAME = "enrolment.json"  # in a kiosk's data dir
FILE_MODE = 0o640  # the sync daemon, in the kiosk's group, reads it; nobody else can
MAX_FILE_BYTES = 64 * 1024  # an enrolment is a few hundred bytes
MAX_OFFER_CHARS = 4096  # a QR code holds less
MAX_NUMBER_DIGITS = 30  # as in config.yaml: no enrolment has a number at all
OFFER_KIND = "khl-enrol/1"
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # CR/LF in an id would split an HTTP header
_URL = re.compile(r"^https?://[^\s/]+")


@dataclass(frozen=True)
class FieldProblem:
    """One thing wrong: the key it concerns ("" for the whole), a code, its parameters."""

    key: str
    code: str
    params: dict[str, object] = field(default_factory=dict)


class EnrolmentInvalid(ValueError):
    """An enrolment file or offer that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[FieldProblem]):
        super().__init__("; ".join(f"{p.key}: {p.code}" if p.key else p.code for p in problems))
        self.problems = problems


def _refused(code: str, key: str = "", **params: object) -> EnrolmentInvalid:
    return EnrolmentInvalid([FieldProblem(key, code, params)])


@dataclass(frozen=True)
class Enrolment:
    """Where a tablet sends, who it is there, and the key it seals personal data with."""

    portal_url: str
    device_id: str
    secret: str
    unit_code: str
    counter: str
    public_key: str = ""  # base64 X25519; empty when the portal has none

    @property
    def public_key_bytes(self) -> bytes | None:
        return base64.b64decode(self.public_key) if self.public_key else None

    def to_json(self) -> str:
        """The enrolment file's text (without a final newline)."""
        return json.dumps(dataclasses.asdict(self), indent=2)


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


def strict_json(text: str) -> object:
    """JSON without a key twice (json keeps the last silently) or a number beyond
    MAX_NUMBER_DIGITS; raises EnrolmentInvalid for those, ValueError for what is not JSON,
    RecursionError when nested deep."""

    def pairs(items: list[tuple[str, object]]) -> dict[str, object]:
        result: dict[str, object] = {}
        for key, value in items:
            if key in result:
                raise _refused("duplicate_key", key)
            result[key] = value
        return result

    def number(digits: str) -> int:
        if len(digits) > MAX_NUMBER_DIGITS:
            raise _refused("number_too_long", digits=MAX_NUMBER_DIGITS)
        return int(digits)

    return json.loads(text, object_pairs_hook=pairs, parse_int=number)


def is_public_key(text: str) -> bool:
    """A base64 X25519 public key (32 bytes)."""
    try:
        return len(base64.b64decode(text, validate=True)) == 32
    except ValueError:
        return False


# --- the enrolment file -----------------------------------------------------------------


def read_enrolment_file(path: Path) -> Enrolment:
    """Read and check an enrolment file (never past MAX_FILE_BYTES); raise EnrolmentInvalid."""
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_FILE_BYTES + 1)
    except FileNotFoundError:
        raise _refused("file_missing") from None
    except OSError as exc:
        raise _refused("file_unreadable", error=exc.strerror or type(exc).__name__) from None
    if len(raw) > MAX_FILE_BYTES:
        raise _refused("file_too_big", limit=f"{MAX_FILE_BYTES // 1024} KB")
    return parse_enrolment(raw)


def parse_enrolment(raw: bytes | str) -> Enrolment:
    """An enrolment from the file's content; raise EnrolmentInvalid naming every problem."""
    try:
        data = strict_json(raw.decode("utf-8") if isinstance(raw, bytes) else raw)
    except EnrolmentInvalid:
        raise
    except RecursionError:
        raise _refused("too_deep", depth="~1000") from None
    except ValueError as exc:  # UnicodeDecodeError too
        raise _refused("file_unreadable", error=str(exc)) from None
    if not isinstance(data, dict):
        raise _refused("not_a_mapping")
    values, problems = _enrolment_values(data)
    if problems:
        raise EnrolmentInvalid(problems)
    return Enrolment(**values)


def _enrolment_values(data: dict[str, object]) -> tuple[dict[str, str], list[FieldProblem]]:
    """Every field as text ("" when absent or not text) and the problems, in the order: keys
    unknown, fields missing or not text, their content, then the URL and the key."""
    names = [f.name for f in dataclasses.fields(Enrolment)]
    allowed = ", ".join(sorted(names))
    problems = [FieldProblem(key, "unknown_key", {"allowed": allowed}) for key in data]
    problems = [p for p in problems if p.key not in names]
    values: dict[str, str] = {}
    for name in names:
        value = data.get(name)
        if value is None and name != "public_key":
            problems.append(FieldProblem(name, "missing"))
        elif value is not None and not isinstance(value, str):
            problems.append(FieldProblem(name, "wrong_type", {"expected": "str"}))
        values[name] = value if isinstance(value, str) else ""
    for name, value in values.items():
        if _CONTROL.search(value):
            problems.append(FieldProblem(name, "control_chars"))
        elif not value.strip() and name != "public_key" and name in data:
            problems.append(FieldProblem(name, "empty"))
    if values["portal_url"] and not _URL.match(values["portal_url"]):
        problems.append(FieldProblem("portal_url", "bad_url"))
    if values["public_key"] and not is_public_key(values["public_key"]):
        problems.append(FieldProblem("public_key", "bad_public_key"))
    return values, problems


def find_enrolment(data_dir: Path) -> Enrolment | None:
    """The enrolment in a kiosk's data dir; None when it has none (EnrolmentInvalid: broken)."""
    path = data_dir / FILE_NAME
    return read_enrolment_file(path) if path.is_file() else None


def write_enrolment(enrolment: Enrolment, data_dir: Path) -> Path:
    """Keep an enrolment in a kiosk's data dir: whole or not at all, mode FILE_MODE from its
    first byte (it holds the device secret)."""
    data_dir.mkdir(parents=True, exist_ok=True)
    path = data_dir / FILE_NAME
    temporary = path.with_suffix(".tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(enrolment.to_json())
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(temporary, path)
    return path


# --- the enrolment offer (QR code) ------------------------------------------------------


def parse_offer(payload: bytes | str) -> EnrolmentOffer:
    """A scanned enrolment code; EnrolmentInvalid ("not_an_offer", or "bad_offer" with the
    key at fault) when it is not one."""
    try:
        text = payload.decode("utf-8") if isinstance(payload, bytes) else payload
        data = strict_json(text) if len(text) < MAX_OFFER_CHARS else None
    except (ValueError, RecursionError):  # UnicodeDecodeError and EnrolmentInvalid too
        data = None
    if not isinstance(data, dict) or data.get("kind") != OFFER_KIND:
        raise _refused("not_an_offer")
    names = [f.name for f in dataclasses.fields(EnrolmentOffer)]
    if any(not isinstance(data.get(name), str) for name in names):
        raise _refused("not_an_offer")
    offer = EnrolmentOffer(**{name: data[name] for name in names})
    if not _URL.match(offer.portal_url):
        raise _refused("bad_offer", "portal_url")
    if not (offer.device_id and offer.code and offer.unit_code and offer.counter):
        raise _refused("bad_offer", "device_id/code/unit_code/counter")
    for name in names:
        if _CONTROL.search(data[name]):
            raise _refused("bad_offer", name)
    if offer.public_key and not is_public_key(offer.public_key):
        raise _refused("bad_offer", "public_key")
    return offer
