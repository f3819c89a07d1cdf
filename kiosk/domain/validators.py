"""Checks of what a citizen types: mobile number, citizen ID number, dossier code.

Each check takes the text as typed so far and says whether it is valid, still incomplete,
or already wrong, with a problem code that the locale files turn into words. `final=True`
asks whether the text may be submitted as it is.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from enum import Enum

from contract.wire import canonical_dossier
from kiosk.domain.provinces import PROVINCE_CODES

MOBILE_PREFIXES = ("03", "05", "07", "08", "09")
DEFAULT_DOSSIER_PATTERN = r"[0-9A-Z]+(\.[0-9A-Z]+)*-\d{6}-\d{4}"


class Status(Enum):
    VALID = "valid"
    INCOMPLETE = "incomplete"
    INVALID = "invalid"


@dataclass(frozen=True)
class Check:
    """The verdict on one field: its status, a problem code for the locale files, params."""

    status: Status
    problem: str = ""
    params: dict[str, object] = field(default_factory=dict)
    normalized: str = ""

    @property
    def ok(self) -> bool:
        return self.status is Status.VALID


def _valid(normalized: str) -> Check:
    return Check(Status.VALID, normalized=normalized)


def normalize_phone(text: str) -> str:
    """Digits of a mobile number in its 10-digit national form (+84 / 84 become 0)."""
    digits = re.sub(r"[\s.\-()]", "", text)
    if digits.startswith("+84"):
        digits = "0" + digits[3:]
    elif digits.startswith("84") and len(digits) == 11:
        digits = "0" + digits[2:]
    return digits


def check_phone(text: str, final: bool = False) -> Check:
    """A Vietnamese mobile number: 10 digits starting with 03, 05, 07, 08 or 09."""
    digits = normalize_phone(text)
    if digits == "":
        return Check(Status.INVALID if final else Status.INCOMPLETE, "phone.empty")
    if not digits.isascii() or not digits.isdigit():
        return Check(Status.INVALID, "phone.not_digits")
    if digits[0] != "0":
        return Check(Status.INVALID, "phone.bad_start")
    if len(digits) >= 2 and digits[:2] not in MOBILE_PREFIXES:
        return Check(Status.INVALID, "phone.not_mobile", {"prefix": digits[:2]})
    if len(digits) > 10:
        return Check(Status.INVALID, "phone.too_long", {"count": len(digits)})
    if len(digits) < 10:
        status = Status.INVALID if final else Status.INCOMPLETE
        return Check(status, "phone.too_short", {"missing": 10 - len(digits)})
    return _valid(digits)


def _century_of(gender_digit: int) -> int:
    # 0/1: 1900s, 2/3: 2000s, 4/5: 2100s, ... (even: male, odd: female)
    return 1900 + (gender_digit // 2) * 100


def check_citizen_id(text: str, current_year: int, final: bool = False) -> Check:
    """A 12-digit personal identification number: province, century/sex, birth year, serial."""
    digits = re.sub(r"\s", "", text)
    if digits == "":
        return Check(Status.INVALID if final else Status.INCOMPLETE, "citizen_id.empty")
    if not digits.isascii() or not digits.isdigit():
        return Check(Status.INVALID, "citizen_id.not_digits")
    if len(digits) >= 3 and digits[:3] not in PROVINCE_CODES:
        return Check(Status.INVALID, "citizen_id.bad_province", {"code": digits[:3]})
    if len(digits) >= 6:
        birth_year = _century_of(int(digits[3])) + int(digits[4:6])
        if birth_year > current_year:
            return Check(Status.INVALID, "citizen_id.bad_birth_year", {"year": birth_year})
    if len(digits) > 12:
        return Check(Status.INVALID, "citizen_id.too_long", {"count": len(digits)})
    if len(digits) < 12:
        status = Status.INVALID if final else Status.INCOMPLETE
        return Check(status, "citizen_id.too_short", {"missing": 12 - len(digits)})
    return _valid(digits)


def check_dossier_code(text: str, pattern: str, final: bool = False, prefix: str = "") -> Check:
    """A dossier code matching the deployment's pattern (upper-cased, spaces removed).

    With the unit's usual `prefix` (the agency part, "000.00.12.H17-"), the date and serial
    may be typed without their dash: "2511260001" stands for "…-251126-0001".
    """
    # One spelling per receipt: a keyboard or scanner typing full-width or other scripts'
    # digits gives the code the portal keeps (contract.wire.canonical_dossier), matched
    # with ASCII rules, so `\d` in a unit's pattern means 0-9 only.
    code = re.sub(r"\s", "", canonical_dossier(text) or "")
    if code == "" or code == prefix.upper():
        return Check(Status.INVALID if final else Status.INCOMPLETE, "dossier_code.empty")
    if len(code) > 64:
        return Check(Status.INVALID, "dossier_code.too_long")
    for candidate in (code, _with_date_and_serial(code, prefix.upper())):
        if candidate and re.fullmatch(pattern, candidate, flags=re.ASCII):
            return _valid(candidate)
    status = Status.INVALID if final else Status.INCOMPLETE
    return Check(status, "dossier_code.bad_format")


def _with_date_and_serial(code: str, prefix: str) -> str:
    """The national one-stop system's codes end in -YYMMDD-NNNN: put the dashes back into
    ten digits typed after the prefix; '' when the code is not of that shape."""
    if not prefix or not code.startswith(prefix):
        return ""
    digits = code[len(prefix) :].replace("-", "").replace(".", "")
    if len(digits) != 10 or not (digits.isascii() and digits.isdigit()):
        return ""
    return f"{prefix.rstrip('-')}-{digits[:6]}-{digits[6:]}"


def mask(value: str, keep_start: int = 0, keep_end: int = 4) -> str:
    """Hide all but a few characters: what the screen shows once a field is entered."""
    if len(value) <= keep_start + keep_end:
        return "•" * len(value)
    hidden = len(value) - keep_start - keep_end
    return value[:keep_start] + "•" * hidden + value[len(value) - keep_end :]
