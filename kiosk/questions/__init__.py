"""Question types: each type's validation, screen, demo answerer and words in one place.

A type is registered here by name. Nothing in this package imports Kivy: a type names its
screen as a screen name of `kiosk.ui.screens.SCREENS`, built only by the UI.
"""

from __future__ import annotations

# The screen that shows each type of question. Every question screen takes
# `load(question, previous_answer_or_None, is_last_step)`.
_SCREEN_OF_TYPE = {
    "single_choice": "single_choice",
    "scale": "single_choice",
    "multi_choice": "multi_choice",
    "text": "text",
}


def screen_name(question_type: str) -> str:
    """The name of the screen (in `kiosk.ui.screens.SCREENS`) that asks this type."""
    return _SCREEN_OF_TYPE[question_type]
