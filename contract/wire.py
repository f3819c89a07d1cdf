"""An answer as it travels from a tablet to the portal (the `Answer` schema of
portal/openapi.json): its keys, how its times and its sealed box are written, its flags.

The kiosk fills a `WireAnswer` from its stored row (kiosk/store/wire.py); the portal
checks what arrives against the same keys (portal/schemas.py's AnswerIn).
"""

from __future__ import annotations

import base64
import unicodedata
from dataclasses import dataclass, fields
from datetime import datetime

# The integrity flags an answer carries in `flags`: the tablet's rules decide them
# (kiosk/domain/integrity.py); they are kept and reported, never dropped.
TOO_SOON = "too_soon"  # finished less than min_interval_s after the one before
BURST = "burst"  # one of more than burst_count answers within burst_window_s
AFTER_HOURS = "after_hours"  # finished outside the unit's opening hours
UNIDENTIFIED = "unidentified"  # nothing to identify the citizen where the unit requires it
REPEAT_ID = "repeat_id"  # the same ID number answering more than repeat_id_per_day today
OFFICER_SELF = "officer_self"  # the ID number typed is the officer on duty's own
KIOSK_FLAGS = (TOO_SOON, BURST, AFTER_HOURS, UNIDENTIFIED, REPEAT_ID, OFFICER_SELF)
# A later verdict on a dossier already rated: only the portal, which sees every tablet's
# answers, can tell; it never travels.
DUPLICATE_DOSSIER = "duplicate_dossier"
# The portal's checks against the unit's dossiers (portal/store/dossier_checks.py), for a
# unit whose dossiers it keeps: a code the unit never received, a dossier whose result was
# not yet returned when rated, or rated long after its return.
DOSSIER_UNKNOWN = "dossier_unknown"
DOSSIER_NOT_RETURNED = "dossier_not_returned"
DOSSIER_RATED_LATE = "dossier_rated_late"
DOSSIER_FLAGS = (DOSSIER_UNKNOWN, DOSSIER_NOT_RETURNED, DOSSIER_RATED_LATE)

# How an answer reached the portal (decision 2223 counts all of them): a tablet at the
# counter, the online survey behind the posters, a paper form or a call typed in by a clerk.
# A tablet sends only "kiosk"; the others are the portal's own (web survey, `portal import`).
KIOSK, WEB, PAPER, PHONE = "kiosk", "web", "paper", "phone"
CHANNELS = (KIOSK, WEB, PAPER, PHONE)


def canonical_dossier(code: str | None) -> str | None:
    """A dossier code as one receipt has one: the same code written with other digits
    (full-width, Arabic-Indic, mathematical bold…), other letter case, stray spaces or
    invisible characters is the same dossier, so one verdict per dossier cannot be dodged by
    how it is written. None for no code."""
    if not code:
        return None
    folded = unicodedata.normalize("NFKC", code).strip().upper()
    # An invisible character (a zero-width space, a direction mark: Unicode's "format"
    # characters) pasted from a spreadsheet or a chat is not part of any code.
    seen = (char for char in folded if unicodedata.category(char) != "Cf")
    return "".join(_ascii_digit(char) for char in seen).strip() or None


def _ascii_digit(char: str) -> str:
    digit = unicodedata.digit(char, None) if not char.isascii() else None
    return str(digit) if digit is not None and unicodedata.category(char) == "Nd" else char


def stamp(moment: datetime) -> str:
    """A time on the wire: a naive UTC time to the millisecond, marked "Z"."""
    return moment.isoformat(timespec="milliseconds") + "Z"


def sealed_text(sealed: bytes | None) -> str | None:
    """The sealed box of personal data as it travels (base64); None when there is none."""
    return base64.b64encode(sealed).decode() if sealed else None


@dataclass(frozen=True)
class WireAnswer:
    """One answer, every key the portal expects: no personal data but the sealed box.

    Times are the tablet's, in UTC without a zone (stored so); `sequence` is the tablet's
    own order, never its clock's.
    """

    uuid: str
    sequence: int
    form_id: str
    form_version: int
    unit_code: str
    counter: str
    device_id: str
    officer: str | None
    started_at: datetime
    finished_at: datetime
    duration_ms: int
    id_method: str
    status: str
    verdict: str | None
    reasons: list[str]
    comment: str
    answers: dict[str, object]
    language: str
    dossier_code: str | None
    phone_hash: str | None
    citizen_id_hash: str | None
    app_version: str | None
    flags: list[str]
    personal_sealed: bytes | None
    # Last, with defaults: an answer of the long form offered after a quick one names the
    # quick answer it follows; a quick answer says whether its citizen was drawn for the
    # long form (None: no long form configured). Older tablets send neither.
    channel: str = KIOSK
    drawn: bool | None = None
    follows: str | None = None

    def to_json(self) -> dict[str, object]:
        """The JSON object, keys in the order above."""
        body = {name: getattr(self, name) for name in ANSWER_KEYS}
        body["started_at"] = stamp(self.started_at)
        body["finished_at"] = stamp(self.finished_at)
        body["reasons"] = list(self.reasons)
        body["flags"] = list(self.flags)
        body["personal_sealed"] = sealed_text(self.personal_sealed)
        return body


ANSWER_KEYS = tuple(field.name for field in fields(WireAnswer))
