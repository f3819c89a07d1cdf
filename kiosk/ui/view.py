"""What the visit shows (kiosk.visit.View), on the kiosk's Kivy screens.

One screen per step, each built on first use, and the idle warning over whatever is
shown. The words follow the app's `lang`; the welcome screen reads `closed_reason`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from kivy.core.window import Window
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.domain.flow import Answer, Progress, Survey
from kiosk.domain.forms import Question
from kiosk.domain.questions import screen_name
from kiosk.domain.validators import Check
from kiosk.ui.idlewarning import IdleWarning
from kiosk.ui.screens import make_screen

if TYPE_CHECKING:
    from kiosk.ui.kioskapp import KioskApp


class ScreenView:
    """The visit's view: one Kivy screen per step, switched without a transition."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self.sm = ScreenManager(transition=NoTransition())
        self.step_serial = 0  # counts the steps shown, so the tap guard sees a new question
        self.idle_warning: IdleWarning | None = None  # made the first time it is needed
        self.on_still_here: Callable[[], None] = lambda: None  # a touch on the idle warning

    def screen(self, name: str) -> Any:
        """The screen of that name, built on first use."""
        if not self.sm.has_screen(name):
            self.sm.add_widget(make_screen(name))
        return self.sm.get_screen(name)

    def seen(self) -> tuple[str, int, tuple[int, ...]]:
        """What the citizen sees, as far as a tap is concerned: the screen, the step on
        it, and the panels open over it."""
        return self.sm.current, self.step_serial, tuple(map(id, Window.children))

    # --- kiosk.visit.View --------------------------------------------------------------
    def show_welcome(self) -> None:
        core = self.app.core
        self.app.can_look_up = core is not None and core.can_look_up  # enrolled since?
        self.sm.current = "welcome"

    def show_lookup(self) -> None:
        self.step_serial += 1
        self.screen("lookup").load()
        self.sm.current = "lookup"

    def show_closed(self, reason: str) -> None:
        self.app.closed_reason = reason
        self.app.closed = bool(reason)

    def show_language(self, language: str) -> None:
        self.app.lang = language

    def show_identification(self, survey: Survey) -> None:
        self.step_serial += 1
        self.screen("identification").load(survey)
        self.sm.current = "identification"

    def show_question(
        self,
        question: Question,
        draft: Answer | None,
        is_last_step: bool,
        progress: Progress | None = None,
    ) -> None:
        self.step_serial += 1
        name = screen_name(question.type)
        screen = self.screen(name)
        screen.load(question, draft, is_last_step)
        screen.progress = (
            self.app.tr("long.progress", number=progress.number, total=progress.total)
            if progress is not None
            else ""
        )
        self.sm.current = name

    def show_offer(self) -> None:
        self.step_serial += 1
        self.screen("offer")
        self.sm.current = "offer"

    def show_problems(self, problems: dict[str, Check]) -> None:
        self.screen("identification").show_problems(problems)

    def show_already_rated(self) -> None:
        self.screen("identification").show_already_rated()

    def show_thanks(self) -> None:
        self.sm.current = "thanks"

    def show_out_of_service(self, message: str, details: str) -> None:
        screen = self.screen("out_of_service")
        screen.message, screen.details = message, details
        self.sm.current = "out_of_service"

    def show_idle_warning(self, seconds_left: int) -> None:
        if self.idle_warning is None:
            self.idle_warning = IdleWarning(on_continue=lambda: self.on_still_here())
        self.idle_warning.show(seconds_left)

    def close_idle_warning(self) -> None:
        if self.idle_warning is not None:
            self.idle_warning.close()

    def wipe(self) -> None:
        for screen in self.sm.screens:
            screen.reset()
