"""Before the idle wipe: "Ông/bà còn tiếp tục không?", a countdown and a large button.

A citizen who looked away for a moment keeps what they entered by touching the screen
anywhere; only if nobody answers before the count reaches zero is everything wiped.
"""

from __future__ import annotations

from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import NumericProperty
from kivy.uix.modalview import ModalView

Builder.load_file(str(Path(__file__).with_suffix(".kv")))


class IdleWarning(ModalView):
    """Counts down from `seconds`; any touch on it calls `on_continue`, zero calls `on_expire`."""

    left = NumericProperty(0)

    def __init__(self, on_continue, on_expire, **kwargs):
        super().__init__(**kwargs)
        self._on_continue = on_continue
        self._on_expire = on_expire
        self._tick = None

    def start(self, seconds: float) -> None:
        self.left = max(1, round(seconds))
        self._tick = Clock.schedule_interval(self._count, 1.0)
        self.open(animation=False)

    def close(self) -> None:
        if self._tick is not None:
            self._tick.cancel()
            self._tick = None
        self.dismiss(animation=False)

    def _count(self, _dt: float) -> None:
        self.left -= 1
        if self.left <= 0:
            self.close()
            self._on_expire()

    def on_touch_up(self, touch) -> bool:
        # Anywhere on it, not only the button: the citizen is back.
        if self._tick is not None and touch.grab_current is None:
            self.close()
            self._on_continue()
        return True
