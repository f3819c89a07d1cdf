"""Driving the real kiosk window in tests: taps, keys, frames and screenshots.

A `Pilot` is to the Kivy app what Textual's pilot is to a Textual app: it works through
the real window (UnitTestTouch events dispatched by Kivy's event loop), never by calling
the screens' methods behind their backs.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

from kivy.base import EventLoop
from kivy.core.window import Window
from kivy.tests.common import UnitTestTouch
from kivy.uix.widget import Widget

from tests.manual_timers import ManualTimers

# A person reads a new screen before touching it: each tap comes this long after the
# last one on the tap guard's clock (kiosk.ui.tapguard), which the pilot drives.
PACE_S = 1.0


class Pilot:
    def __init__(self, app):
        self.app = app
        self.now = 1000.0  # the tap guard's clock, seconds
        self.touches = 0  # every touch made, as a count of a citizen's taps
        app.tap_guard.clock = lambda: self.now
        self.draw_for_long_form(False)  # the shipped config asks one in ten: not the tests'

    def draw_for_long_form(self, drawn: bool) -> None:
        """Whether the citizens of this test are drawn for the long form (config
        `long_form`): every one from now on, or none."""
        from tests.test_long_form_config import Draws

        if self.app.visit is not None:
            self.app.visit.rng = Draws(drawn)

    # --- time --------------------------------------------------------------------
    def frames(self, count: int = 4) -> None:
        for _ in range(count):
            EventLoop.idle()

    def wait(self, seconds: float) -> None:
        """Let a person's time pass (the tap guard's clock), without sleeping."""
        self.now += seconds

    def stop_the_clock(self) -> ManualTimers:
        """From now on the kiosk's own timers (idle, its warning, the thank-you, healing)
        wait for the test: `clock.advance(seconds)` runs what falls due, without sleeping."""
        clock = ManualTimers()
        self.app.visit.use_timers(clock)
        return clock

    # --- looking -------------------------------------------------------------------
    @property
    def screen(self):
        return self.app.sm.current_screen

    @property
    def screen_name(self) -> str:
        return self.app.sm.current

    def walk(self, root: Widget | None = None) -> Iterator[Widget]:
        roots = [root] if root is not None else list(Window.children)
        for top in roots:
            yield from top.walk(restrict=True)

    def find_all(self, text: str | None = None, kind: type | None = None, **attrs) -> list[Widget]:
        """Visible widgets on the window matching the text (substring), class and attributes."""
        found = []
        for widget in self.walk():
            if kind is not None and not isinstance(widget, kind):
                continue
            if text is not None and text not in str(getattr(widget, "text", "")):
                continue
            if any(getattr(widget, k, object()) != v for k, v in attrs.items()):
                continue
            if getattr(widget, "opacity", 1) == 0 or getattr(widget, "disabled", False):
                continue
            found.append(widget)
        return found

    def find(self, text: str | None = None, kind: type | None = None, **attrs) -> Widget:
        found = self.find_all(text, kind, **attrs)
        if not found:
            raise LookupError(f"nothing on {self.screen_name!r} with text={text!r} {attrs}")
        return found[0]

    def texts(self) -> str:
        """Every text on the window, one per line (what a person can read)."""
        return "\n".join(str(w.text) for w in self.walk() if getattr(w, "text", ""))

    # --- acting --------------------------------------------------------------------
    def tap(self, widget: Widget) -> None:
        """Touch the middle of a widget, scrolling to it first as a person would."""
        from kivy.uix.scrollview import ScrollView

        self.settle()
        parent = widget.parent
        while isinstance(parent, Widget) and not isinstance(parent, ScrollView):
            parent = parent.parent
        if isinstance(parent, ScrollView):
            parent.scroll_to(widget, padding=10, animate=False)
            self.frames(2)
        x, y = widget.to_window(*widget.center)
        self.touch_at(x, y, pause_s=PACE_S)

    def touch_at(self, x: float, y: float, pause_s: float = PACE_S, hold_s: float = 0.08) -> None:
        """One touch at window coordinates, `pause_s` after the last one ended."""
        self.wait(pause_s)
        self.touches += 1
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        self.frames(1)
        self.wait(hold_s)
        touch.touch_up()
        self.frames(2)

    def double_tap(self, widget: Widget, gap_s: float = 0.25) -> None:
        """Two quick taps on the same spot, as impatient or older hands do."""
        self.settle()
        x, y = widget.to_window(*widget.center)
        self.touch_at(x, y)
        self.touch_at(x, y, pause_s=gap_s)

    def tap_text(self, text: str, **attrs) -> None:
        self.tap(self.find(text, **attrs))

    def settle(self) -> None:
        """Let a screen change finish: the screen manager ignores touches until it has."""
        for _ in range(20):
            if not self.app.sm.transition.is_active:
                return
            self.frames(1)

    def tap_at(self, x: float, y: float) -> None:
        self.settle()
        self.touch_at(x, y)

    def keys(self, keys: str) -> None:
        """Tap the on-screen keys (keypad or keyboard) that type these characters."""
        from kiosk.ui.widgets import KeyButton

        for char in keys:
            self.tap(self.find(kind=KeyButton, key=char))

    def key(self, key: str) -> None:
        from kiosk.ui.widgets import KeyButton

        self.tap(self.find(kind=KeyButton, key=key))

    def press(self, keycode: int, text: str = "") -> None:
        """A key of a hardware keyboard (or a barcode scanner acting as one)."""
        Window.dispatch("on_key_down", keycode, 0, text, [])
        Window.dispatch("on_key_up", keycode, 0)
        self.frames(1)

    def scanner(self, text: str) -> None:
        """A USB barcode scanner: the whole text typed at once, then Enter."""
        for char in text:
            Window.dispatch("on_key_down", ord(char.lower()) if char.isascii() else 0, 0, char, [])
            Window.dispatch("on_key_up", ord(char.lower()) if char.isascii() else 0, 0)
        self.press(13)

    def staff_area(self, who: str = "it") -> None:
        """Five taps in the top-right corner, then who is signing in (an officer's code,
        or "it") when the unit has officers; the PIN is left to the caller."""
        for _ in range(5):
            self.tap_at(Window.width - 20, Window.height - 20)
        self.frames()
        if self.screen.mode == "who":
            self.frames(3)  # the tiles were just made: let the grid lay them out
            self.tap(self.screen.buttons["it" if who == "it" else f"officer:{who}"])

    def until(self, condition, seconds: float = 10.0) -> bool:
        """Run frames until condition() holds (work done on other threads lands meanwhile)."""
        import time

        deadline = time.monotonic() + seconds
        while not condition():
            if time.monotonic() > deadline:
                return False
            self.frames(1)
            time.sleep(0.005)
        return True

    def resize(self, width: int, height: int) -> None:
        Window.size = (width, height)
        Window.canvas.ask_update()
        self.frames(6)

    def screenshot(self, path: Path) -> Path:
        """Save what the window shows as a PNG at exactly `path`."""
        Window.canvas.ask_update()
        self.frames(3)
        path.parent.mkdir(parents=True, exist_ok=True)
        made = Window.screenshot(name=str(path.with_suffix("")) + "%(counter)s.png")
        os.replace(made, path)
        return path

    # --- whole steps, as a citizen does them ------------------------------------------
    def identify(self, phone: str, citizen_id: str) -> None:
        """From the welcome screen: type phone and ID number on the keypad, go on."""
        self.tap(self.screen.ids.start)
        self.keys(phone)
        self.keys(citizen_id)
        self.tap(self.screen.ids.next)

    def rate_satisfied(self) -> None:
        """From the verdict: "Hài lòng", no comment, "Hoàn thành"."""
        self.tap_text("Hài lòng")
        self.tap(self.screen.ids.next)

    def answer_long_form(
        self,
        given: dict[str, str | list[str]] | None = None,
        on_step: Callable[[str], None] | None = None,
    ) -> list[str]:
        """From the long form's first question to its end, as a citizen taps: each answer
        from `given` (else the question's first choice): one tap on a choice, or the rows of
        a multi choice ticked and "Tiếp tục". `on_step(question_id)` runs before each
        answer (a look, a screenshot). Returns the questions asked, in order."""
        from kiosk.ui.screens.multi_choice import CheckRow
        from kiosk.ui.screens.single_choice import ChoiceButton

        given = given or {}
        asked: list[str] = []
        while (survey := self.app.survey) is not None and survey.follows is not None:
            question = survey.current_question
            assert question is not None and question.id not in asked[-1:], "did not move on"
            asked.append(question.id)
            if on_step is not None:
                on_step(question.id)
            value = given.get(question.id) or question.choices[0].id
            if self.screen_name == "multi_choice":
                for choice_id in [value] if isinstance(value, str) else value:
                    self.tap(self.find(kind=CheckRow, choice_id=choice_id))
                self.tap(self.screen.ids.next)
            else:
                self.tap(self.find(kind=ChoiceButton, choice_id=value))
        return asked
