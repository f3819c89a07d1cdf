"""Vietnamese typing on the kiosk's own keyboard: Telex composition plus diacritic keys.

Letters typed go into the current word as raw Telex keys, and the word shown is their
composition by `bogo` (the engine of ibus-bogo): "tieengs" shows "tiếng". For citizens
who do not know Telex, the keyboard also has keys for the five tones (sắc, huyền, hỏi,
ngã, nặng), the circumflex (â ê ô), the horn and breve (ơ ư ă) and đ; each appends the
Telex key that does the same, so one engine places every mark.
"""

from __future__ import annotations

import logging
import unicodedata
from pathlib import Path

import bogo

TONE_KEYS = {"sac": "s", "huyen": "f", "hoi": "r", "nga": "x", "nang": "j"}
WORD_BREAKS = set(" \n.,;:!?()-\"'/")


class _NoKeystrokes(logging.Filter):
    """bogo writes every word it composes to the root logger at DEBUG; at that level a
    kiosk's log (Kivy's files, the journal) would keep what citizens typed, unconfirmed
    comments included. Records made by bogo's own code are dropped where they are made."""

    def __init__(self, package_dir: Path):
        super().__init__()
        self.package_dir = str(package_dir)

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.pathname.startswith(self.package_dir)


logging.getLogger().addFilter(_NoKeystrokes(Path(bogo.__file__).parent))


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


class TelexComposer:
    """The text being typed: committed text plus the word still being composed."""

    def __init__(self, text: str = "", telex: bool = True, max_length: int = 1000):
        self.committed = nfc(text)
        self.word_keys: list[str] = []
        self.telex = telex
        self.max_length = max_length

    @property
    def word(self) -> str:
        raw = "".join(self.word_keys)
        return nfc(bogo.process_sequence(raw)) if self.telex and raw else raw

    @property
    def text(self) -> str:
        return self.committed + self.word

    def _fits(self, extra: int = 1) -> bool:
        return len(self.text) + extra <= self.max_length

    def type(self, char: str) -> None:
        """A key with a letter, digit, space or punctuation."""
        if not char or not self._fits():
            return
        if char in WORD_BREAKS or not char.isalpha():
            self.commit()
            self.committed += char
        else:
            self.word_keys.append(char)

    def tone(self, name: str) -> None:
        """A tone key: sac, huyen, hoi, nga or nang."""
        if self.word_keys and name in TONE_KEYS:
            self.word_keys.append(TONE_KEYS[name])

    def circumflex(self) -> None:
        """â, ê, ô: Telex doubles the vowel."""
        vowel = next((k for k in reversed(self.word_keys) if k.lower() in "aeo"), None)
        if vowel:
            self.word_keys.append(vowel)

    def horn(self) -> None:
        """ă, ơ, ư: Telex adds a w."""
        if self.word_keys:
            self.word_keys.append("w")

    def stroke_d(self) -> None:
        """đ: Telex doubles the d (a lone key types "đ" outright)."""
        d = next((k for k in self.word_keys if k.lower() == "d"), None)
        if d:
            self.word_keys.append(d)
        elif self._fits():
            self.word_keys += ["d", "d"]

    def commit(self) -> None:
        self.committed += self.word
        self.word_keys = []

    def backspace(self) -> None:
        """Undo the last key of the word being composed, else delete the last character."""
        if self.word_keys:
            self.word_keys.pop()
        elif self.committed:
            self.committed = self.committed[:-1]

    def clear(self) -> None:
        self.committed, self.word_keys = "", []
