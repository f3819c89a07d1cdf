"""One citizen's visit to the kiosk, from the welcome screen to the thank-you, without Kivy.

The visit decides what the kiosk shows and when: a survey starts only while the office is
open (and an officer is on duty where the unit needs one); each step is shown with what
the citizen gave before; the answer is stored, and thanked for only once it is on disk;
after the idle time (never before a step's text is read: kiosk.idle) everything is wiped,
keeping by policy what a citizen who walked away after the verdict left; a store that
refused a write takes the kiosk out of service until it takes one again.

Where a long form is configured, a finished quick answer is drawn (config
`long_form.share`, from an injected random source) and saved with the draw. A citizen
drawn is asked whether they can give a few more minutes; yes starts the long form as an
answer of its own that follows the quick one, with "Câu 5 / 27" on every step; no, or
the long form's end, thanks them. The quick answer is on disk before the offer and is
never touched again.

It shows through a `View` (the Kivy app's screens, or a test's recorder), waits through
`Timers` (kiosk.idle: Kivy's clock, or a clock a test moves) and reaches the store only
through the `KioskCore`.
"""

from __future__ import annotations

import dataclasses
import logging
import random
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Literal, Protocol

from kiosk.core import KioskCore
from kiosk.domain.flow import IDENTIFICATION, Answer, FinishedAnswer, Progress, Survey
from kiosk.domain.forms import Question
from kiosk.domain.validators import Check
from kiosk.idle import IdleWatch, Timers, WarningView
from kiosk.locale import Translator

log = logging.getLogger("kiosk.visit")

# The opening hours and the officer on duty are looked at again this often (and before
# every survey): the welcome screen says "closed" within half a minute of closing time.
HOURS_CHECK_S = 30.0
# A store that refused a write (a full disk) is tried again this often while the kiosk is
# out of service: the first write that succeeds greets the next citizen again.
HEAL_CHECK_S = 20.0

Showing = Literal["welcome", "lookup", "step", "offer", "thanks", "out_of_service", "staff"]


def utc_now() -> datetime:
    return datetime.now(timezone.utc)


class View(WarningView, Protocol):
    """What a visit shows. The Kivy app switches screens; a test records the calls."""

    def show_welcome(self) -> None:
        """The welcome screen, for the next citizen."""

    def show_closed(self, reason: str) -> None:
        """Why no survey starts now, as a locale key (after hours, waiting for an
        officer); '' when one does."""

    def show_language(self, language: str) -> None:
        """Every word from now on in this language."""

    def show_lookup(self) -> None:
        """The lookup ("Tra cứu hồ sơ"): a dossier code to type or scan, the portal's word."""

    def show_identification(self, survey: Survey) -> None:
        """The identification step, with what this citizen typed before."""

    def show_question(
        self,
        question: Question,
        draft: Answer | None,
        is_last_step: bool,
        progress: Progress | None = None,
    ) -> None:
        """A question, with the answer this citizen gave it before (if any), and where it
        stands among the questions that apply ("Câu 5 / 27"; None: not shown)."""

    def show_problems(self, problems: dict[str, Check]) -> None:
        """What is wrong with the identification given."""

    def show_already_rated(self) -> None:
        """This dossier has been rated before."""

    def show_offer(self) -> None:
        """The quick answer is on disk; may we ask the long form? (yes / no)"""

    def show_thanks(self) -> None:
        """The thank-you: the answer is on disk."""

    def show_out_of_service(self, message: str, details: str) -> None:
        """No survey until this is mended: `message` for citizens, `details` for IT."""

    def wipe(self) -> None:
        """Forget everything the last citizen entered, on every screen."""


class Visit:
    """The kiosk as citizens meet it, one survey at a time (see the module's docstring)."""

    def __init__(
        self,
        core: KioskCore,
        view: View,
        timers: Timers,
        now: Callable[[], datetime] = utc_now,
        rng: random.Random | None = None,
    ) -> None:
        config = core.config
        self.core, self.view, self.timers, self.now = core, view, timers, now
        self.rng = rng or random.Random()  # the long form's draw (tests inject their own)
        self.language = config.language
        self.survey: Survey | None = None
        self.offer_for: str | None = None  # the quick answer whose citizen is asked now
        self.closed_reason = ""  # a locale key while no survey starts (see check_hours)
        self.out_of_service = False
        self.needs_it = False  # out of service for what only IT mends (a store that won't open)
        self.heal_check_s = HEAL_CHECK_S
        self.showing: Showing = "welcome"
        self._apology = ("", "")  # what the out-of-service screen says
        self._healing = False
        self.idle = IdleWatch(
            view,
            timers,
            config.idle_timeout_s,
            config.idle_warning_s,
            on_idle=self._walked_away,
            in_survey=self._someone_is_here,
        )

    def _someone_is_here(self) -> bool:
        """Whether the idle time asks "còn tiếp tục không?" before the wipe: in a survey,
        at the offer, at a dossier's lookup (a citizen may be reading the result)."""
        return self.survey is not None or self.offer_for is not None or self.showing == "lookup"

    # --- opening hours ---------------------------------------------------------------
    def check_hours(self) -> None:
        """Outside opening hours, or with no officer where the unit needs one: no survey.
        Looked at again HOURS_CHECK_S later."""
        core = self.core
        core.forget_past_days()  # yesterday's hash key goes even if nobody answers
        self._end_overdue_shift()
        if core.config.integrity.closed_now(self.now()):
            self.closed_reason = "welcome.closed"
        elif not core.takes_answers:
            self.closed_reason = "welcome.waiting_officer"
        else:
            self.closed_reason = ""
        self.view.show_closed(self.closed_reason)
        self.timers.start("hours", HOURS_CHECK_S, self.check_hours)

    def _end_overdue_shift(self) -> None:
        core = self.core
        if not core.store_ready or core.shift is None:
            return
        try:
            core.staff.end_shift_if_day_is_over()  # audited there
        except Exception:  # the disk: the shift simply stays open
            return

    # --- the citizen's steps ---------------------------------------------------------
    def choose_language(self, language: str) -> None:
        self.language = language
        self.view.show_language(language)
        if language != self.core.config.language:
            self.idle.arm()  # the next citizen finds the unit's language again

    def start(self) -> None:
        """The first step, unless the kiosk takes no survey now."""
        self.check_hours()
        if self.out_of_service or self.closed_reason:
            return
        self.survey = self.core.new_survey(self.language)
        self._show_step(self.survey)

    def submit_identification(self, values: dict[str, str], method: str = "typed") -> None:
        survey = self.survey
        if survey is None:
            return
        problems = survey.submit_identification(values, method)
        if problems:
            self.view.show_problems(problems)
        elif not self._rated_before(survey):
            self._advance(survey)

    def submit_receipt(self, dossier_code: str, method: str = "qr") -> None:
        """A receipt's code from the camera or a barcode scanner (already checked), or a
        dossier the portal found at the lookup (typed or scanned there: `method`)."""
        survey = self.survey
        if survey is not None and survey.current == IDENTIFICATION:
            survey.identify_by_receipt(dossier_code, method)
            if not self._rated_before(survey):
                self._advance(survey)

    # --- "Tra cứu hồ sơ" ---------------------------------------------------------------
    def open_lookup(self) -> None:
        """The lookup screen, from the welcome screen: only for an enrolled tablet (there
        is a portal to ask) that is in service. The idle time wipes it like a survey."""
        if self.out_of_service or not self.core.can_look_up or self.showing != "welcome":
            return
        self.showing = "lookup"
        self.idle.arm()
        self.view.show_lookup()

    def rate_dossier(self, dossier_code: str, method: str) -> None:
        """The citizen's "Đánh giá" on a dossier returned: the survey starts with the dossier
        known, as a scanned receipt starts it (nothing of the lookup stays on its screen)."""
        if self.showing != "lookup":
            return
        self.view.wipe()
        self.start()
        if self.survey is None:  # closed meanwhile: the welcome screen says why
            self.to_welcome()
            return
        self.submit_receipt(dossier_code, method)

    def skip_identification(self) -> None:
        if self.survey is not None and self.survey.skip_identification():
            self._advance(self.survey)

    def answer(self, value: str | list[str], other_text: str = "") -> str:
        """Give the current question's answer; a problem code ('' when it moved on)."""
        survey = self.survey
        if survey is None:
            return ""
        problem = survey.answer(survey.current, value, other_text)
        if not problem:
            self._advance(survey)
        return problem

    def go_back(self) -> None:
        """One step back; from the first step, back to the welcome screen (from the long
        form's first question, back to the offer)."""
        survey = self.survey
        if survey is not None and survey.back():
            self._show_step(survey)
        elif survey is not None and survey.follows is not None:
            self._offer(survey.follows)
        else:
            self.to_welcome()

    # --- the long form, offered to a few ---------------------------------------------
    def answer_offer(self, yes: bool) -> None:
        """The citizen's word on the offer: yes starts the long form, as an answer that
        follows the quick one; no thanks them, as if nobody had asked."""
        quick = self.offer_for
        if quick is None:
            return
        if not yes:
            self._thank()
            return
        try:
            survey = self.core.new_long_survey(quick, self.language)
        except Exception as exc:  # its file went bad since check-config: thank, not crash
            log.error("long form unavailable: %s", type(exc).__name__)
            self._thank()
            return
        self.offer_for = None
        self.survey = survey
        self._show_step(survey)

    def _offer(self, quick_uuid: str) -> None:
        self.survey = None
        self.offer_for = quick_uuid
        self.idle.arm()
        self.view.wipe()  # the quick answer is kept: nothing of it stays on any screen
        self.showing = "offer"
        self.view.show_offer()

    def to_welcome(self) -> None:
        """Back to the start, with nothing of the last citizen left on any screen."""
        self.survey = None
        self.offer_for = None
        self.idle.disarm()
        self.timers.cancel("thanks")
        self.view.wipe()
        self.language = self.core.config.language
        self.view.show_language(self.language)
        self.check_hours()
        if self.out_of_service:
            self.showing = "out_of_service"
            self.view.show_out_of_service(*self._apology)
        else:
            self.showing = "welcome"
            self.view.show_welcome()

    def _show_step(self, survey: Survey) -> None:
        """The current step, with its idle time counted from now (at least its reading)."""
        self.showing = "step"
        question = survey.current_question
        if question is None:
            self.idle.arm()
            self.view.show_identification(survey)
        else:
            # Loaded with the first question, after the first frame; microseconds a step.
            from kiosk.domain.reading import reading_s

            self.idle.arm(reading_s(question, survey.language))
            # The long form counts its questions; the quick form's two steps need no count.
            progress = survey.progress() if survey.follows is not None else None
            draft = survey.draft(question.id)
            self.view.show_question(question, draft, survey.is_last_step, progress)

    def _rated_before(self, survey: Survey) -> bool:
        """One verdict per dossier: a second attempt on this tablet is told so, politely."""
        code = survey.identity.get("dossier_code")
        if not code or not self.core.already_rated(code):
            return False
        self.view.show_already_rated()
        return True

    def _advance(self, survey: Survey) -> None:
        if survey.advance():
            self._show_step(survey)
            return
        answer = survey.finish()
        long_form = self.core.config.long_form
        if long_form is not None and survey.follows is None:
            # A quick answer is drawn now and saved with the draw: once on disk (and
            # perhaps sent) it never changes.
            answer = dataclasses.replace(answer, drawn=long_form.draw(self.rng))
        if not self._save(answer):
            return
        if answer.drawn:
            self._offer(answer.uuid)
        else:
            self._thank()

    def _thank(self) -> None:
        self.survey = None
        self.offer_for = None
        self.idle.disarm()
        self.view.wipe()
        self.showing = "thanks"
        self.view.show_thanks()
        self.timers.start("thanks", self.core.config.thanks_s, self.to_welcome)

    def _walked_away(self) -> None:
        """Nobody touched the screen for a while: keep what policy keeps, wipe the rest."""
        if self.survey is not None:
            left = self.survey.abandon(self.core.config.keep_incomplete)
            if left is not None and not self._save(left):
                return
        self.to_welcome()

    # --- out of service --------------------------------------------------------------
    def _save(self, answer: FinishedAnswer) -> bool:
        """Write the answer; on a disk error apologise and go out of service."""
        try:
            self.core.save(answer)
            return True
        except Exception as exc:  # disk full, read-only, I/O error: never thank for it
            log.error("answer %s NOT stored: %s", answer.uuid, type(exc).__name__)
            tr = Translator(self.language)
            self._out_of_service(tr("oos.apology"), self.core.store_error_words(tr, exc))
            if not self._healing:
                self._healing = True
                self.timers.start("heal", self.heal_check_s, self._try_heal)
            return False

    def _try_heal(self) -> None:
        """Back in service once the store takes a write again (space freed on the disk)."""
        if self.out_of_service and not self.needs_it and not self.core.store_writable():
            self.timers.start("heal", self.heal_check_s, self._try_heal)  # still refused
            return
        self._healing = False
        if self.out_of_service and not self.needs_it:
            log.info("the store takes writes again: back in service")
            self.out_of_service = False
            if self.showing == "out_of_service":  # not while staff are signed in
                self.to_welcome()

    def out_of_order(self, details: str) -> None:
        """What only IT can mend (a store that cannot open): out of service until restarted."""
        self.needs_it = True
        self._out_of_service(Translator(self.language)("oos.closed"), details)

    def _out_of_service(self, message: str, details: str) -> None:
        self.out_of_service = True
        self.survey = None
        self.offer_for = None
        self.idle.disarm()
        self.view.wipe()
        self._apology = (message, details)
        self.showing = "out_of_service"
        self.view.show_out_of_service(message, details)

    # --- staff and the app's life ------------------------------------------------------
    def staff_in(self) -> None:
        """The staff area is open: it closes by itself after the idle time, too."""
        self.showing = "staff"
        self.idle.arm()

    def staff_left(self) -> None:
        """Back from the staff area: a store that takes writes again puts the kiosk back
        in service (IT freed space and looked)."""
        if self.out_of_service and not self.needs_it and self.core.store_writable():
            self.out_of_service = False
        self.to_welcome()

    def stop(self) -> None:
        """Nothing more is due (the app stops)."""
        for name in ("hours", "thanks", "heal", "idle", "idle_warning"):
            self.timers.cancel(name)

    def use_timers(self, timers: Timers) -> None:
        """Go on with other timers (a test's, which it moves itself); what was pending
        starts again from its beginning on them."""
        self.stop()
        self.timers = timers
        self.idle.use_timers(timers)
        self.timers.start("hours", HOURS_CHECK_S, self.check_hours)
        if self.showing == "thanks":
            self.timers.start("thanks", self.core.config.thanks_s, self.to_welcome)
        if self._healing:
            self.timers.start("heal", self.heal_check_s, self._try_heal)
