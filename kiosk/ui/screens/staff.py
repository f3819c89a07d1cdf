"""The staff area, behind the corner gesture and a PIN (each account with its own lockout).

Counter officers sign in with their name and PIN, choose the counter, and start or end
their shift (the summary shows counts only). IT's PIN opens the IT area: back to the
citizens' side, enrolment by QR code, leaving the app. Every action goes to the audit log.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.forms import localized
from kiosk.ui import theme
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.screens.itarea import ItArea  # noqa: F401 - staff.kv places it
from kiosk.ui.widgets import BigButton

CHOICE_MODES = ("who", "officer", "summary")  # the modes whose buttons are made in `_fill`
Choice = tuple[str, str, Callable[[], object]]  # (name, text, action) of a button in `_fill`


def _mark_selected(button: BigButton, selected: bool) -> None:
    """A chosen counter: light text on the dark selection colour, and a tick."""
    tick = f"[font={theme.ICON_FONT}]✓[/font] "  # Roboto has no tick
    button.color = theme.ON_PRIMARY if selected else theme.ON_NEUTRAL
    base = button.text.removeprefix(tick)
    button.text = tick + base if selected else base


def shift_summary_words(tr: Callable[..., str], summary: Any) -> str:
    """Counts only: staff never see an answer, a comment, a flag or a citizen."""
    if summary is None:
        return tr("staff.no_shift")
    share = summary.share_satisfied
    percent = f"{share:.0%}" if share is not None else "–"
    lines = [
        tr("staff.summary_answers", count=summary.answers),
        tr("staff.summary_share", percent=percent),
    ]
    lines += progress_words(tr, summary.progress)
    return "\n".join(lines)


def progress_words(tr: Callable[..., str], progress: Any) -> list[str]:
    """The year's and the month's answers against the minimum (none without a target)."""
    if not progress.target_year:
        return []
    return [
        tr("staff.summary_year", done=progress.done_year, target=progress.target_year),
        tr("staff.summary_month", done=progress.done_month, target=progress.target_month),
    ]


def counter_name(counters: Sequence[Any], code: str, lang: str) -> str:
    """The counter's name as config.yaml gives it ("Quầy số 2"); its code if not there."""
    counter = next((c for c in counters if c.code == code), None)
    return localized(counter.name, lang) if counter else code


class StaffScreen(KioskScreen):
    """who (officers and IT) → pin → it (the IT area) or officer (the shift menu)."""

    mode = StringProperty("pin")
    title = StringProperty("")
    pin_dots = StringProperty("")
    problem = StringProperty("")
    notice = StringProperty("")
    unlocked = BooleanProperty(False)  # the IT area is open (exit, enrolment)

    @property
    def panel(self) -> Any:
        """The IT area's scan panel while it is open: the app closes it when it stops, so
        that no camera or scan worker outlives it (KioskApp.on_stop)."""
        return self.ids.it_area.panel

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self._pin = ""
        self.person: Any = None  # the Officer signing in; None: IT
        self.counter = ""
        self.buttons: dict[str, BigButton] = {}

    def open(self) -> None:
        self._pin, self.pin_dots, self.unlocked, self.notice = "", "", False, ""
        self.problem = ""
        core = self.app.core
        if not core or not core.staff.it_pin_set:
            self.problem = self.app.tr("staff.no_pin")
        if core and core.staff.officers:
            self._show_who()
        else:
            self._ask_pin(None)

    def say(self, problem: str = "", notice: str = "") -> None:
        """What went wrong, or what was done, under the title."""
        self.problem, self.notice = problem, notice

    # --- who is there, and their PIN -------------------------------------------------
    def _show_who(self) -> None:
        self.mode, self.title = "who", self.app.tr("staff.who")
        items: list[Choice] = [
            (f"officer:{o.code}", f"{o.code} — {o.name}", partial(self._ask_pin, o))
            for o in self.app.core.staff.officers
        ]
        items.append(("it", self.app.tr("staff.it"), lambda: self._ask_pin(None)))
        self._fill(items)

    def on_mode(self, *_args: object) -> None:
        # Hidden tiles would still catch touches (a disabled widget swallows them).
        if self.mode not in CHOICE_MODES:
            self._fill([])

    def _ask_pin(self, person: Any) -> None:
        self.person = person
        self.mode = "pin"
        self._pin = self.pin_dots = ""
        name = person.name if person else self.app.tr("staff.it")
        self.title = self.app.tr("staff.pin_for", name=name)
        if self.app.core is not None and self._locked_for() > 0:
            self.problem = self._lock_message()

    @property
    def account(self) -> str:
        """Whose PIN is asked for: an officer's code, or "it"."""
        return self.person.code if self.person else "it"

    def _locked_for(self) -> float:
        return self.app.core.staff.locked_for(self.account, time.time())

    def _lock_message(self) -> str:
        minutes = max(1, math.ceil(self._locked_for() / 60))
        return self.app.tr("staff.locked", minutes=minutes)

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
        core = self.app.core
        if core is None or self.mode != "pin":
            return
        outcome = core.staff.try_pin(self.account, pin, time.time())
        if outcome == "ok":
            self.problem = ""
            if self.person is None:
                self.unlocked, self.mode = True, "it"
                self.title = self.app.tr("staff.menu_title")
                self.ids.it_area.refresh_status()
            else:
                self._show_officer()
        elif outcome == "locked" or self._locked_for() > 0:
            self.problem = self._lock_message()
        else:
            left = core.staff.attempts_left(self.account)
            self.problem = self.app.tr("staff.pin_wrong", left=left)

    # --- an officer's shift -------------------------------------------------------------
    def _show_officer(self) -> None:
        staff, tr, lang = self.app.core.staff, self.app.tr, self.app.lang
        shift = staff.shift
        self.counter = staff.counter_now()
        self.mode = "officer"
        on_duty = shift is not None and shift.officer == self.person.code
        self.title = tr("staff.shift_title", name=self.person.name)
        items: list[Choice] = [
            (f"counter:{c.code}", localized(c.name, lang), partial(self._choose_counter, c.code))
            for c in staff.counters
        ]
        items.append(("start", tr("staff.start_shift"), self._start_shift))
        if shift is not None:
            items.append(("end", tr("staff.end_shift"), self._end_shift))
        self._fill(items)
        self._choose_counter(self.counter)
        lines = []
        if on_duty:
            name = counter_name(staff.counters, shift.counter, lang)
            lines.append(tr("staff.on_duty", counter=name))
        self.notice = "\n".join(lines + progress_words(tr, staff.progress()))

    def _choose_counter(self, code: str) -> None:
        self.counter = code
        for name, button in self.buttons.items():
            if name.startswith("counter:"):
                button.selected = name == f"counter:{code}"

    def _start_shift(self) -> None:
        self.app.core.staff.start_shift(self.person.code, self.counter)
        self.app.leave_staff()

    def _end_shift(self) -> None:
        summary = self.app.core.staff.end_shift(by=self.person.code)
        tr = self.app.tr
        self.mode = "summary"
        self.title = tr("staff.summary_title")
        self.notice = shift_summary_words(tr, summary)
        # The shift is over: start another (another counter, say), or close the area.
        new_shift = ("new_shift", tr("staff.new_shift"), self._show_officer)
        self._fill([new_shift, ("close", tr("staff.close"), self.app.leave_staff)])

    def _fill(self, items: list[Choice]) -> None:
        container = self.ids.choices
        container.clear_widgets()
        self.buttons = {}
        for name, text, action in items:
            primary = name in ("start", "new_shift")
            button = BigButton(text=text, role="primary" if primary else "neutral")
            button.bind(on_release=lambda _b, action=action: action(), selected=_mark_selected)
            self.buttons[name] = button
            container.add_widget(button)

    def reset(self) -> None:
        self.ids.it_area.close_panel()
        self._pin, self.pin_dots, self.problem, self.unlocked = "", "", "", False
        self.notice, self.person, self.mode = "", None, "pin"

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
