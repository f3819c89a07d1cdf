"""The words people see, from assets/locale/<lang>.yaml: one flat table of keys per language.

A missing key falls back to Vietnamese, then to the key itself, so a gap shows as a key
on screen (and a test catches it) rather than crashing a citizen's survey.
"""

from __future__ import annotations

import unicodedata
from functools import cache

import yaml

from kiosk.resources import ASSETS

LOCALE_DIR = ASSETS / "locale"


@cache
def table(language: str) -> dict[str, str]:
    path = LOCALE_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    with path.open(encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    return {str(k): unicodedata.normalize("NFC", str(v)) for k, v in data.items()}


def translate(language: str, key: str, /, **params: object) -> str:
    text = table(language).get(key) or table("vi").get(key) or key
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


class Translator:
    """`tr(key, **params)` bound to one language, switchable (the welcome screen does)."""

    def __init__(self, language: str = "vi"):
        self.language = language

    def __call__(self, key: str, /, **params: object) -> str:
        return translate(self.language, key, **params)
