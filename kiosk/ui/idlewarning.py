"""Before the idle wipe: "Ông/bà còn tiếp tục không?", a countdown and a large button.

A citizen who looked away for a moment keeps what they entered by touching the screen
anywhere; the visit (kiosk.visit.IdleWatch) counts the seconds down and wipes at zero.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class IdleWarning(ModalView):
    """Shows `left` seconds; any touch on it calls `on_continue`."""

    left = NumericProperty(0)

    def __init__(self, on_continue: Callable[[], None], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self._on_continue = on_continue

    def show(self, seconds_left: int) -> None:
        self.left = seconds_left
        self.open(animation=False)  # once: Kivy's ModalView ignores it while open

    def close(self) -> None:
        self.dismiss(animation=False)

    def on_touch_up(self, touch) -> bool:
        # Anywhere on it, not only the button: the citizen is back.
        if touch.grab_current is None:
            self._on_continue()
        return True
