"""A tap means what the citizen meant: the second tap of a double tap stays where it began.

Elderly citizens often double-tap. The first tap of the pair changes what is shown (a new
screen, the next question, a panel over the screen) and the second lands on whatever is
now under the finger: a reason ticked, a digit typed, a letter in the comment. A person
needs well over half a second to read a new screen before acting on it, so a touch that
starts within `settle_s` of the touch that changed the view is dropped, and so is every
touch of the same burst. Taps that change nothing (typing on a keypad, ticking reasons)
are never delayed.

The guard sits on the window, ahead of every widget: it covers buttons, keys, tiles,
rows and panels alike without any of them knowing.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Hashable

log = logging.getLogger("kiosk.ui")

# Double taps of older hands come 150-400 ms apart; reading a new screen takes longer.
SETTLE_S = 0.5


class TapGuard:
    """Drops touches that begin too soon after the touch that changed the view.

    `view` returns something that changes whenever what the citizen sees changes (the
    screen, the step shown on it, the panels open over it); `clock` is monotonic seconds.
    Bind `on_touch_down`, `on_touch_move` and `on_touch_up` to the window *before* any
    other window handler that should still see dropped touches (Kivy calls the last
    bound first).
    """

    def __init__(
        self, view: Callable[[], Hashable], clock: Callable[[], float], settle_s: float = SETTLE_S
    ):
        self.view = view
        self.clock = clock
        self.settle_s = settle_s
        self._seen: Hashable = None  # the view when the last kept touch ended
        self._last_up = float("-inf")  # when the last touch, kept or dropped, ended
        self._dropped: set[int] = set()
        self.dropped_count = 0

    def on_touch_down(self, _window, touch) -> bool:
        changed = self._seen is not None and self.view() != self._seen
        if changed and self.clock() - self._last_up < self.settle_s:
            self._dropped.add(touch.uid)
            self.dropped_count += 1
            log.debug("a touch right after the view changed was not taken")
            return True
        return False

    def on_touch_move(self, _window, touch) -> bool:
        return touch.uid in self._dropped

    def on_touch_up(self, _window, touch) -> bool:
        # Runs before the widgets see the touch end, so the view is still the one the
        # touch was aimed at.
        self._last_up = self.clock()
        if touch.uid in self._dropped:
            self._dropped.discard(touch.uid)
            return True
        self._seen = self.view()
        return False
