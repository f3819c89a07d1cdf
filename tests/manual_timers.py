"""The kiosk's timers (kiosk.idle.Timers) on a clock the test moves: nothing sleeps.

`advance(seconds)` runs, in order, every call that falls due within those seconds,
including calls that those calls start (the idle warning's countdown).
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import count


class ManualTimers:
    def __init__(self) -> None:
        self.now = 0.0
        self._due: dict[str, tuple[float, int, Callable[[], None]]] = {}
        self._order = count()  # two calls due at once run in the order they were started

    def start(self, name: str, seconds: float, callback: Callable[[], None]) -> None:
        self._due[name] = (self.now + seconds, next(self._order), callback)

    def cancel(self, name: str) -> None:
        self._due.pop(name, None)

    def due_in(self, name: str) -> float | None:
        """Seconds until that timer's call; None when none is pending."""
        return self._due[name][0] - self.now if name in self._due else None

    def advance(self, seconds: float) -> None:
        until = self.now + seconds
        while True:
            ready = [(at, order, name) for name, (at, order, _) in self._due.items() if at <= until]
            if not ready:
                break
            at, _, name = min(ready)
            callback = self._due.pop(name)[2]
            self.now = at
            callback()
        self.now = until
