"""The kiosk's time: named timers (injected, so that tests move a clock instead of
sleeping), and a visit's idle time with its warning before the wipe.

The idle time is the unit's (config `flow.idle_timeout_s`), but a step that takes longer
to read than its quiet part (kiosk.domain.reading: Q16 of the long form, 13 choices, ~51 s
for a first-time reader) waits until it is read, and READING_MARGIN_S more, before it
asks "còn tiếp tục không?": a slow reader is not interrupted. The warning keeps its
length."""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

# After a step is read, the time to decide and tap (2.65 s by the Keystroke-Level Model of
# benchmarks/long_form.py: M 1.35 + P 1.1 + tap 0.2), rounded up for a slower reader.
READING_MARGIN_S = 5.0


def split_idle(idle_s: float, warning_s: float) -> tuple[float, float]:
    """The unit's idle time as (quiet, warning) seconds: the warning takes the last part
    of it, at most half."""
    warning = min(warning_s, idle_s / 2)
    return idle_s - warning, warning


def quiet_for(base_quiet_s: float, reading_s: float) -> float:
    """The seconds before a screen's warning: the unit's, or longer for a screen that
    takes longer to read (then read, and READING_MARGIN_S more)."""
    return max(base_quiet_s, reading_s + READING_MARGIN_S) if reading_s > 0 else base_quiet_s


class Timers(Protocol):
    """Named one-shot timers: starting a name again replaces its pending call."""

    def start(self, name: str, seconds: float, callback: Callable[[], None]) -> None:
        """Call `callback` once, `seconds` from now, unless cancelled or started again."""

    def cancel(self, name: str) -> None:
        """Forget the pending call of that name, if there is one."""


class WarningView(Protocol):
    """Where the idle warning shows (kiosk.visit.View has it too)."""

    def show_idle_warning(self, seconds_left: int) -> None:
        """Ask whether the citizen is still there, `seconds_left` before the wipe."""

    def close_idle_warning(self) -> None:
        """The question is answered, or moot (the wipe, the thank-you)."""


class IdleWatch:
    """The idle time: every touch starts it again. When it runs out in the middle of a
    survey, its last seconds ask "Ông/bà còn tiếp tục không?" and count down to the wipe."""

    def __init__(
        self,
        view: WarningView,
        timers: Timers,
        idle_s: float,
        warning_s: float,
        on_idle: Callable[[], None],
        in_survey: Callable[[], bool],
    ) -> None:
        self.view, self.timers = view, timers
        self.base_quiet_s, self.warning_s = split_idle(idle_s, warning_s)
        self.quiet_s = self.base_quiet_s  # of what is on screen now (see `arm`)
        self._on_idle, self._in_survey = on_idle, in_survey
        self.armed = False
        self.seconds_left = 0  # of the warning on screen; 0 when none is

    @property
    def warning_open(self) -> bool:
        return self.seconds_left > 0

    def arm(self, reading_s: float = 0.0) -> None:
        """Count the idle time from now, for a screen just shown (a step, the offer, the
        staff area...) that a first-time reader takes `reading_s` to read: its warning
        comes no sooner than that and READING_MARGIN_S more. A screen with nothing of the
        form to read (0) has the unit's idle time."""
        self.quiet_s = quiet_for(self.base_quiet_s, reading_s)
        self.armed = True
        self.timers.start("idle", self.quiet_s, self.run_out)

    def disarm(self) -> None:
        self.armed = False
        self.timers.cancel("idle")
        self._close_warning()

    def touched(self) -> None:
        """A touch or a key: the idle time starts again. An open warning stays until it
        is answered itself (`still_here`), so that the touch lands on it, not below it."""
        if self.armed:
            self.timers.start("idle", self.quiet_s, self.run_out)

    def still_here(self) -> None:
        """The warning answered (a touch on it, a key): everything stays as it was."""
        if self.warning_open:
            self._close_warning()
            self.touched()  # the same screen: its idle time again

    def use_timers(self, timers: Timers) -> None:
        """Go on with other timers; what was pending starts again from its beginning."""
        for name in ("idle", "idle_warning"):
            self.timers.cancel(name)
        self.timers = timers
        if self.armed:
            self.timers.start("idle", self.quiet_s, self.run_out)
        if self.warning_open:
            self.timers.start("idle_warning", 1.0, self._count_down)

    def run_out(self) -> None:
        """The idle time is over: the warning in a survey, else straight to the wipe."""
        if not self._in_survey() or self.warning_s <= 0:
            self._on_idle()
            return
        self.seconds_left = max(1, round(self.warning_s))
        self.view.show_idle_warning(self.seconds_left)
        self.timers.start("idle_warning", 1.0, self._count_down)

    def _count_down(self) -> None:
        self.seconds_left -= 1
        if self.seconds_left > 0:
            self.view.show_idle_warning(self.seconds_left)
            self.timers.start("idle_warning", 1.0, self._count_down)
        else:
            self.view.close_idle_warning()
            self._on_idle()

    def _close_warning(self) -> None:
        self.timers.cancel("idle_warning")
        if self.warning_open:
            self.seconds_left = 0
            self.view.close_idle_warning()
