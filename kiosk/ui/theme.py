"""Colours and sizes of the kiosk, chosen for a counter: large targets, strong contrast.

Every text colour stands at least 7:1 against its background (WCAG AAA), checked by
tests/test_theme.py; meaning is never carried by colour alone (each verdict button has a
face and a word).
"""

from __future__ import annotations


def rgb(hex_colour: str, alpha: float = 1.0) -> tuple[float, float, float, float]:
    value = hex_colour.lstrip("#")
    r, g, b = (int(value[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b, alpha)


BACKGROUND = rgb("#F4F6FA")
SURFACE = rgb("#FFFFFF")
TEXT = rgb("#0B1F3A")
TEXT_MUTED = rgb("#33425A")
HEADER = rgb("#0A3D7A")
ON_HEADER = rgb("#FFFFFF")
PRIMARY = rgb("#0A4A94")
ON_PRIMARY = rgb("#FFFFFF")
SATISFIED = rgb("#1A5E20")
NOT_SATISFIED = rgb("#8A2A05")
ON_VERDICT = rgb("#FFFFFF")
NEUTRAL_BUTTON = rgb("#DDE3EC")
ON_NEUTRAL = rgb("#0B1F3A")
SELECTED = rgb("#0A4A94")
ERROR = rgb("#A1001B")
BORDER = rgb("#5A6B85")
FOCUS = rgb("#0A4A94")

# The pairs a person reads: (text, background).
READ_PAIRS = {
    "text": (TEXT, BACKGROUND),
    "muted": (TEXT_MUTED, BACKGROUND),
    "header": (ON_HEADER, HEADER),
    "primary": (ON_PRIMARY, PRIMARY),
    "satisfied": (ON_VERDICT, SATISFIED),
    "not_satisfied": (ON_VERDICT, NOT_SATISFIED),
    "neutral": (ON_NEUTRAL, NEUTRAL_BUTTON),
    "error": (ERROR, BACKGROUND),
    "error_on_surface": (ERROR, SURFACE),
    "text_on_surface": (TEXT, SURFACE),
}

# Sizes in dp/sp: a finger at a counter needs 64-96 dp.
TARGET_DP = 88
# Keys of a keypad or keyboard: never under the finger's floor, in either direction...
KEY_MIN_DP = 64
# ...and a button that ends or leaves a step never within this of a key: a tap that
# misses a key lands on nothing.
FINAL_GAP_DP = 40
FONT_TITLE_SP = 40
FONT_BODY_SP = 28
FONT_BUTTON_SP = 30
FONT_SMALL_SP = 22
ICON_FONT = "DejaVuSans"  # Kivy's bundled DejaVu has the symbols Roboto lacks (⌫ ☺ ☹ ✓)
