"""The web survey's words: the kiosk's (kiosk/locale.py, assets/locale/*.yaml), so that
the same survey reads the same on a tablet and on a phone, and the few only the web shows
(portal/web/words/<lang>.yaml, keys `web.*`), looked up first."""

from __future__ import annotations

import unicodedata
from functools import cache
from pathlib import Path

import yaml

from kiosk.locale import translate

WORDS_DIR = Path(__file__).resolve().parent / "words"
LANGUAGES = ("vi", "en")


@cache
def web_table(language: str) -> dict[str, str]:
    path = WORDS_DIR / f"{language}.yaml"
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k): unicodedata.normalize("NFC", str(v)) for k, v in data.items()}


def word(language: str, key: str, /, **params: object) -> str:
    """A web word (falling back to Vietnamese), else the kiosk's word for `key`."""
    text = web_table(language).get(key) or web_table("vi").get(key)
    if text is None:
        return translate(language, key, **params)
    try:
        return text.format(**params)
    except (KeyError, IndexError, ValueError):
        return text


def language_of(value: str | None) -> str:
    """A language the survey speaks: the one asked for, else Vietnamese."""
    return value if value in LANGUAGES else "vi"
