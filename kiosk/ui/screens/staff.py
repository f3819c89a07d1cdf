"""The staff area behind the PIN: leave the app, or go back to the citizens' side."""

from __future__ import annotations

import time

from kivy.properties import BooleanProperty, StringProperty

from kiosk.ui.screens.base import KioskScreen, load_kv


class StaffScreen(KioskScreen):
    pin_dots = StringProperty("")
    problem = StringProperty("")
    unlocked = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pin = ""

    def open(self) -> None:
        self._pin, self.pin_dots, self.unlocked = "", "", False
        self.problem = self._lock_message() or ""
        if not self.app.core or not self.app.core.config.staff_pin_hash:
            self.problem = self.app.tr("staff.no_pin")

    def _lock_message(self) -> str:
        guard = self.app.pin_guard
        left = guard.locked_for(time.time()) if guard else 0
        if left > 0:
            return self.app.tr("staff.locked", minutes=max(1, round(left / 60)))
        return ""

    def on_key(self, key: str) -> None:
        if key == "backspace":
            self._pin = self._pin[:-1]
        elif key == "clear":
            self._pin = ""
        elif len(self._pin) < 12:
            self._pin += key
        self.pin_dots = "●" * len(self._pin)

    def submit(self) -> None:
        pin, self._pin, self.pin_dots = self._pin, "", ""
        guard = self.app.pin_guard
        if guard is None:
            return
        if guard.attempt(pin, time.time()):
            self.unlocked, self.problem = True, ""
        else:
            left = guard.max_attempts - guard.failures
            self.problem = self._lock_message() or self.app.tr("staff.pin_wrong", left=left)
        self.app.remember_pin_guard()

    def reset(self) -> None:
        self._pin, self.pin_dots, self.problem, self.unlocked = "", "", "", False

    def on_physical_key(self, text: str, keycode: int) -> bool:
        if text and text.isdigit():
            self.on_key(text)
        elif keycode == 8:
            self.on_key("backspace")
        elif keycode in (13, 271):
            self.submit()
        else:
            return False
        return True


load_kv(__file__)
