"""The kiosk's screens, one module and one .kv file each, on one base class.

Screens are imported and built on first use (the welcome screen first, the others just
after the first frame), so that the kiosk shows its welcome screen as early as it can.
"""

from __future__ import annotations

from importlib import import_module

# Screen name → "module:Class". A question type names the screen that asks it
# (kiosk.domain.questions); every question screen takes
# `load(question, previous_answer_or_None, is_last_step)`. This module imports no Kivy:
# the registry's test reads these names without a display.
SCREENS = {
    "welcome": "welcome:WelcomeScreen",
    "lookup": "lookup:LookupScreen",
    "identification": "identification:IdentificationScreen",
    "single_choice": "single_choice:SingleChoiceScreen",
    "multi_choice": "multi_choice:MultiChoiceScreen",
    "text": "text_question:TextQuestionScreen",
    "offer": "offer:OfferScreen",
    "thanks": "thanks:ThanksScreen",
    "out_of_service": "out_of_service:OutOfServiceScreen",
    "staff": "staff:StaffScreen",
}


def make_screen(name: str):
    module, class_name = SCREENS[name].split(":")
    return getattr(import_module(f"kiosk.ui.screens.{module}"), class_name)()
