"""Kivy's clock at the kiosk's service: the visit's timers, and a resting frame rate."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from kivy.clock import Clock

# Kivy polls input once per frame even when nothing moves: at 60 frames a second that is
# 2-3% of a core all day on the welcome screen. After a few seconds without a touch the
# kiosk polls 12 times a second (a first tap waits at most ~85 ms) and goes back to the
# configured rate on the next touch.
RESTING_FPS = 12.0
REST_AFTER_S = 3.0


class KivyTimers:
    """kiosk.idle.Timers on Kivy's clock: one pending call per name."""

    def __init__(self) -> None:
        self._events: dict[str, Any] = {}  # name -> Kivy's ClockEvent

    def start(self, name: str, seconds: float, callback: Callable[[], None]) -> None:
        self.cancel(name)
        self._events[name] = Clock.schedule_once(lambda _dt: self._fire(name, callback), seconds)

    def cancel(self, name: str) -> None:
        event = self._events.pop(name, None)
        if event is not None:
            event.cancel()

    def _fire(self, name: str, callback: Callable[[], None]) -> None:
        self._events.pop(name, None)  # before the call: it may start this name again
        callback()


class RestingFrameRate:
    """The configured frame rate while people touch the screen, RESTING_FPS in between."""

    def __init__(self) -> None:
        self.active_fps = Clock._max_fps  # Kivy reads this attribute on every frame
        self._rest = Clock.create_trigger(self._slow_down, REST_AFTER_S)
        self._rest()

    def touched(self) -> None:
        Clock._max_fps = self.active_fps
        self._rest.cancel()
        self._rest()

    def stop(self) -> None:
        self._rest.cancel()
        Clock._max_fps = self.active_fps

    def _slow_down(self, _dt: float) -> None:
        if 0 < RESTING_FPS < self.active_fps:
            Clock._max_fps = RESTING_FPS
