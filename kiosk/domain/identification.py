"""How a unit wants citizens identified before they rate (config.yaml `identification`)."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from kiosk.domain.validators import (
    DEFAULT_DOSSIER_PATTERN,
    Check,
    Status,
    check_citizen_id,
    check_dossier_code,
    check_phone,
)

FIELDS = ("phone", "citizen_id", "dossier_code")
PERSONAL_FIELDS = ("phone", "citizen_id")


@dataclass(frozen=True)
class IdentificationPolicy:
    """Which fields are shown, which must be filled, and which need at least one of them."""

    fields: tuple[str, ...] = FIELDS
    required: tuple[str, ...] = ("phone",)
    one_of: tuple[str, ...] = ("citizen_id", "dossier_code")
    allow_skip: bool = False
    dossier_pattern: str = DEFAULT_DOSSIER_PATTERN
    dossier_prefix: str = ""  # shown already typed in the field; the citizen types the rest

    @property
    def enabled(self) -> bool:
        return bool(self.fields)

    def check_field(self, name: str, text: str, current_year: int, final: bool = False) -> Check:
        """One field as typed so far; an empty optional field is valid on submit."""
        text = self.typed(name, text)
        if final and not text and name not in self.required:
            return Check(Status.VALID)
        if name == "phone":
            return check_phone(text, final)
        if name == "citizen_id":
            return check_citizen_id(text, current_year, final)
        return check_dossier_code(text, self.dossier_pattern, final, self.dossier_prefix)

    def typed(self, name: str, text: str) -> str:
        """What the citizen entered in a field: the prefix shown alone is nothing typed."""
        text = unicodedata.normalize("NFC", text).strip()
        if name == "dossier_code" and text.upper() == self.dossier_prefix.upper():
            return ""
        return text

    def initial(self, name: str) -> str:
        """What a field holds before the citizen types."""
        return self.dossier_prefix if name == "dossier_code" else ""

    def complete(self, values: dict[str, str], current_year: int) -> bool:
        """Whether what is entered can be submitted as it is."""
        return not self.check_all(values, current_year)

    def check_all(self, values: dict[str, str], current_year: int) -> dict[str, Check]:
        """Problems that stop a submit, by field name ('' for a missing one-of); empty if fine."""
        problems: dict[str, Check] = {}
        for name in self.fields:
            result = self.check_field(name, values.get(name, ""), current_year, final=True)
            if not result.ok:
                problems[name] = result
        needed = [name for name in self.one_of if name in self.fields]
        if needed and not any(self.typed(name, values.get(name, "")) for name in needed):
            problems[""] = Check(Status.INVALID, "identification.one_of_missing")
        return problems

    def normalized(self, values: dict[str, str], current_year: int) -> dict[str, str]:
        """The filled fields in their normal form (phone as 0xxxxxxxxx, code upper-cased)."""
        result = {}
        for name in self.fields:
            text = self.typed(name, values.get(name, ""))
            if text:
                result[name] = self.check_field(name, text, current_year, final=True).normalized
        return result
