"""A USB barcode scanner is a keyboard: it types a whole code in a few milliseconds and
ends it with Enter. Nobody types that fast by hand, so keys closer together than
SCANNER_KEY_GAP_S form one burst, and Enter after a long enough burst is a scan.

Shared by the screens that take a receipt's code (identification, the dossier lookup);
no Kivy here, the screens feed it their keys.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from kiosk.domain.receipts import ReceiptRules, ReceiptScan, read_receipt

SCANNER_KEY_GAP_S = 0.08
SCANNER_MIN_LENGTH = 6
TYPABLE = set(".-")  # besides letters and digits, what a dossier code has


class ScannerBurst:
    """The keys of the burst being typed, and whether Enter ends a scan."""

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._text = ""
        self._at = 0.0

    def typed(self, text: str) -> bool:
        """A key with its text ('' for a key that types none); True when it starts a new
        burst, so that the screen keeps what its field held before the scanner typed."""
        now = self.clock()
        starts = bool(text) and now - self._at > SCANNER_KEY_GAP_S
        if starts:
            self._text = ""
        if text:
            self._text += text
            self._at = now
        return starts

    def enter(self) -> str:
        """Enter: what a scanner typed, or '' when a person did (too short, too slow)."""
        burst, self._text = self._text, ""
        if len(burst) < SCANNER_MIN_LENGTH or self.clock() - self._at > SCANNER_KEY_GAP_S:
            return ""
        return burst

    def clear(self) -> None:
        self._text = ""


def typable(text: str) -> bool:
    """A character a dossier code field takes from a keyboard."""
    return text.isalnum() or text in TYPABLE


def read_burst(burst: str, rules: ReceiptRules) -> ReceiptScan | None:
    """A scanner's burst as a receipt; None for a code typed fast into a field by hand
    (not a receipt, but only characters a field takes: the field's own checks apply)."""
    scan = read_receipt(burst, rules)
    if not scan.ok and all(typable(c) for c in burst):
        return None
    return scan
