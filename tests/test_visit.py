"""A citizen's visit without a screen: the real core and store, a view that records what it
is told to show, and a clock the test moves (no Kivy, no display, no sleeping)."""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.core import KioskCore
from kiosk.domain.flow import Answer, Progress, Survey
from kiosk.domain.forms import Question
from kiosk.domain.validators import Check
from kiosk.locale import translate
from kiosk.store.models import Response
from kiosk.visit import HEAL_CHECK_S, HOURS_CHECK_S, Visit
from tests.conftest import write_config
from tests.manual_timers import ManualTimers
from tests.test_long_form_config import Draws

PERSON = {"phone": "0912345678", "citizen_id": "079199123456"}
TUESDAY_9AM = datetime(2026, 11, 24, 2, 0, tzinfo=timezone.utc)  # in Đà Nẵng: open
SUNDAY_9AM = datetime(2026, 11, 29, 2, 0, tzinfo=timezone.utc)  # closed
# The shipped config.yaml's flow: 60 s idle, of which the last 15 ask; thanks for 8 s.
IDLE_S, WARNING_S, THANKS_S = 60, 15, 8


@dataclass
class RecordingView:
    """kiosk.visit.View for tests: what was shown, in order, and what is on screen now."""

    shown: list[str] = field(default_factory=list)  # screens, and question ids for steps
    language: str = ""
    closed: str = ""
    problems: dict[str, Check] = field(default_factory=dict)
    countdown: list[int] = field(default_factory=list)  # the idle warning's seconds, as shown
    warning_open: bool = False
    wipes: int = 0
    apology: tuple[str, str] = ("", "")
    draft: Answer | None = None
    progress: Progress | None = None  # of the question shown last ("Câu 5 / 27")

    @property
    def screen(self) -> str:
        return self.shown[-1] if self.shown else ""

    def show_welcome(self) -> None:
        self.shown.append("welcome")

    def show_closed(self, reason: str) -> None:
        self.closed = reason

    def show_language(self, language: str) -> None:
        self.language = language

    def show_identification(self, survey: Survey) -> None:
        self.shown.append("identification")

    def show_question(
        self,
        question: Question,
        draft: Answer | None,
        is_last_step: bool,
        progress: Progress | None = None,
    ) -> None:
        self.shown.append(question.id)
        self.draft = draft
        self.progress = progress

    def show_offer(self) -> None:
        self.shown.append("offer")

    def show_problems(self, problems: dict[str, Check]) -> None:
        self.problems = problems

    def show_already_rated(self) -> None:
        self.shown.append("already_rated")

    def show_thanks(self) -> None:
        self.shown.append("thanks")

    def show_out_of_service(self, message: str, details: str) -> None:
        self.shown.append("out_of_service")
        self.apology = (message, details)

    def show_idle_warning(self, seconds_left: int) -> None:
        self.countdown.append(seconds_left)
        self.warning_open = True

    def close_idle_warning(self) -> None:
        self.warning_open = False

    def wipe(self) -> None:
        self.wipes += 1


@dataclass
class Kiosk:
    visit: Visit
    view: RecordingView
    clock: ManualTimers
    now: list[datetime]  # the wall clock the visit reads, which the test may move

    @property
    def core(self) -> KioskCore:
        return self.visit.core

    def stored(self) -> list[tuple[str, str | None]]:
        """(status, verdict) of every answer in the store, oldest first."""
        with Session(self.core.engine) as session:
            rows = session.execute(select(Response.status, Response.verdict).order_by(Response.id))
            return [(status, verdict) for status, verdict in rows]

    def to_reasons(self) -> None:
        """A citizen identifies and is not satisfied: the reasons are asked."""
        self.visit.start()
        self.visit.submit_identification(PERSON)
        assert self.visit.answer("not_satisfied") == ""
        assert self.view.screen == "reasons"


@pytest.fixture
def kiosk(tmp_path: Path) -> Iterator[Callable[..., Kiosk]]:
    """A visit on a real core (the shipped config.yaml with some keys changed); the long
    form's draw is `rng`'s (by default nobody is drawn: the quick flow as it always was)."""
    cores: list[KioskCore] = []

    def make(
        now: datetime = TUESDAY_9AM, rng: random.Random | None = None, **changes: object
    ) -> Kiosk:
        config = write_config(tmp_path / "config.yaml", **changes)
        core = KioskCore.open(config, tmp_path / "data")
        cores.append(core)
        view, clock, wall = RecordingView(), ManualTimers(), [now]
        draws = rng if rng is not None else Draws(False)
        visit = Visit(core, view, clock, now=lambda: wall[0], rng=draws)
        visit.check_hours()
        return Kiosk(visit, view, clock, wall)

    yield make
    for core in cores:
        core.engine.dispose()


def test_an_answer_is_stored_once_then_thanked_and_the_next_citizen_welcomed(kiosk):
    k = kiosk()
    k.visit.start()
    assert k.view.screen == "identification"
    k.visit.submit_identification({"phone": "0212345678"})
    assert k.view.problems["phone"].problem == "phone.not_mobile"
    assert k.view.screen == "identification"
    k.visit.submit_identification(PERSON)
    assert k.view.screen == "verdict"
    assert k.visit.answer("not_satisfied") == ""
    assert k.view.screen == "reasons"
    assert k.visit.answer([]) == "answer.choose_one"  # stays, says why
    assert k.view.screen == "reasons" and k.stored() == []
    assert k.visit.answer(["progress"]) == ""
    assert k.view.screen == "thanks"
    assert k.stored() == [("complete", "not_satisfied")]
    assert k.visit.survey is None and k.view.wipes >= 1
    k.clock.advance(THANKS_S - 0.5)
    assert k.view.screen == "thanks"
    k.clock.advance(0.5)
    assert k.view.screen == "welcome"
    k.clock.advance(IDLE_S * 2)
    assert k.stored() == [("complete", "not_satisfied")]  # once


def test_back_steps_back_and_from_the_first_step_returns_to_welcome(kiosk):
    k = kiosk()
    k.visit.start()
    k.visit.submit_identification(PERSON)
    k.visit.answer("satisfied")
    assert k.view.screen == "comment"
    k.visit.go_back()
    assert k.view.screen == "verdict"
    assert k.view.draft == Answer("satisfied")  # the citizen's answer, shown again
    k.visit.go_back()
    assert k.view.screen == "identification"
    k.visit.go_back()
    assert k.view.screen == "welcome"
    assert k.visit.survey is None and k.stored() == []


def test_walking_away_after_the_verdict_asks_then_keeps_it_incomplete(kiosk):
    k = kiosk()
    k.to_reasons()
    k.clock.advance(IDLE_S - WARNING_S - 0.5)
    assert not k.view.warning_open
    k.clock.advance(0.5)
    assert k.view.warning_open and k.view.countdown == [WARNING_S]
    k.clock.advance(WARNING_S - 1)
    assert k.view.warning_open and k.view.countdown == list(range(WARNING_S, 0, -1))
    assert k.view.screen == "reasons" and k.stored() == []
    k.clock.advance(1)
    assert not k.view.warning_open
    assert k.view.screen == "welcome"
    assert k.stored() == [("incomplete", "not_satisfied")]
    assert k.visit.survey is None


def test_walking_away_before_the_verdict_keeps_nothing(kiosk):
    k = kiosk()
    k.visit.start()
    k.visit.submit_identification(PERSON)
    assert k.view.screen == "verdict"
    k.clock.advance(IDLE_S)
    assert k.view.screen == "welcome" and k.visit.survey is None
    assert k.stored() == []


def test_a_unit_that_keeps_no_incomplete_answer_keeps_none(kiosk):
    k = kiosk(flow__keep_incomplete=False)
    k.to_reasons()
    k.clock.advance(IDLE_S)
    assert k.view.screen == "welcome" and k.stored() == []


def test_a_touch_restarts_the_idle_time_and_answering_the_warning_keeps_everything(kiosk):
    k = kiosk()
    k.to_reasons()
    k.clock.advance(IDLE_S - WARNING_S - 1)
    k.visit.idle.touched()  # a tap on the screen: the idle time starts again
    k.clock.advance(IDLE_S - WARNING_S - 1)
    assert not k.view.warning_open
    k.clock.advance(1)
    assert k.view.warning_open
    k.clock.advance(WARNING_S - 1)
    k.visit.idle.touched()  # the finger comes down on the warning: it stays until answered
    assert k.view.warning_open
    k.visit.idle.still_here()  # and lifts: "Tiếp tục"
    assert not k.view.warning_open
    k.clock.advance(WARNING_S)  # the old countdown is over: it would have wiped by now
    assert k.view.screen == "reasons" and k.visit.survey is not None
    assert k.visit.survey.draft("verdict") == Answer("not_satisfied")
    assert k.stored() == []
    k.clock.advance(IDLE_S - 2 * WARNING_S)  # a whole idle time after the answer: asked again
    assert k.view.warning_open


def test_english_returns_to_the_units_language_when_nobody_goes_on(kiosk):
    k = kiosk()
    assert k.view.screen == "" and k.visit.language == "vi"
    k.visit.choose_language("en")
    assert k.view.language == "en"
    k.clock.advance(IDLE_S)  # nobody started: no question asked, straight back
    assert k.view.countdown == []
    assert k.view.language == "vi" and k.view.screen == "welcome"


def test_an_english_survey_is_kept_in_english_and_the_next_citizen_meets_vietnamese(kiosk):
    k = kiosk()
    k.visit.choose_language("en")
    k.visit.start()
    assert k.visit.survey is not None and k.visit.survey.language == "en"
    k.visit.submit_identification(PERSON)
    k.visit.answer("satisfied")
    k.visit.answer("")
    assert k.view.screen == "thanks" and k.view.language == "en"
    k.clock.advance(THANKS_S)
    assert k.view.screen == "welcome" and k.view.language == "vi"


def test_outside_opening_hours_no_survey_starts_and_the_welcome_screen_says_so(kiosk):
    k = kiosk(now=SUNDAY_9AM, integrity__closed_outside_hours=True)
    assert k.view.closed == "welcome.closed"
    k.visit.start()
    assert k.visit.survey is None and "identification" not in k.view.shown
    k.now[0] = TUESDAY_9AM  # Tuesday morning comes
    k.clock.advance(HOURS_CHECK_S)
    assert k.view.closed == ""
    k.visit.start()
    assert k.view.screen == "identification"


def test_a_unit_open_all_hours_is_never_closed(kiosk):
    k = kiosk(
        now=SUNDAY_9AM, integrity__closed_outside_hours=True, integrity__opening_hours="always"
    )
    assert k.view.closed == ""
    k.visit.start()
    assert k.view.screen == "identification"


def test_a_unit_that_needs_an_officer_waits_for_one(kiosk):
    k = kiosk(staff__without_officer="closed", staff__end_of_day="")
    assert k.view.closed == "welcome.waiting_officer"
    k.visit.start()
    assert k.visit.survey is None and k.view.shown == []
    k.core.staff.start_shift("CB01", "Q1")  # an officer signs in at the counter
    k.clock.advance(HOURS_CHECK_S)
    assert k.view.closed == ""
    k.visit.start()
    assert k.view.screen == "identification"


@pytest.fixture
def refusing_store(tmp_path: Path) -> Iterator[Callable[[KioskCore], Callable[[], None]]]:
    """Make the store refuse (a folder where its file was); the returned call mends it."""
    aside = tmp_path / "kiosk.db.aside"
    db: list[Path] = []

    def mend() -> None:
        if aside.exists():
            db[0].rmdir()
            aside.rename(db[0])

    def refuse(core: KioskCore) -> Callable[[], None]:
        core.engine.dispose()  # its connections closed: the next one opens the file again
        db.append(core.data_dir / "kiosk.db")
        shutil.move(db[0], aside)
        db[0].mkdir()
        return mend

    yield refuse
    mend()


def test_a_refused_write_apologises_instead_of_thanking_and_heals_once_writable(
    kiosk, refusing_store
):
    k = kiosk()
    k.to_reasons()
    mend = refusing_store(k.core)
    k.visit.answer(["progress"])
    assert k.view.screen == "out_of_service" and "thanks" not in k.view.shown
    message, details = k.view.apology
    assert message == translate("vi", "oos.apology")
    assert str(k.core.data_dir / "kiosk.db") in details
    assert k.visit.out_of_service and k.visit.survey is None
    k.visit.start()
    assert k.view.screen == "out_of_service"  # no survey it could not keep
    k.clock.advance(HEAL_CHECK_S * 3)
    assert k.view.screen == "out_of_service"  # tried, still refused
    mend()  # IT frees space; nobody signs in
    k.clock.advance(HEAL_CHECK_S)
    assert k.view.screen == "welcome" and not k.visit.out_of_service
    k.visit.start()
    k.visit.submit_identification(PERSON)
    k.visit.answer("satisfied")
    k.visit.answer("")
    assert k.view.screen == "thanks"
    assert k.stored() == [("complete", "satisfied")]  # the refused one was never kept


def test_a_refused_write_while_walking_away_goes_out_of_service_too(kiosk, refusing_store):
    k = kiosk()
    k.to_reasons()
    refusing_store(k.core)
    k.clock.advance(IDLE_S)
    assert k.view.screen == "out_of_service"
    assert k.view.apology[0] == translate("vi", "oos.apology")


def test_staff_leaving_puts_a_mended_kiosk_back_in_service_at_once(kiosk, refusing_store):
    k = kiosk()
    k.to_reasons()
    mend = refusing_store(k.core)
    k.visit.answer(["progress"])
    k.visit.staff_in()
    mend()
    k.clock.advance(HEAL_CHECK_S)  # healed, but nothing is shown over the staff area
    assert not k.visit.out_of_service and k.view.shown[-1] == "out_of_service"
    k.visit.staff_left()
    assert k.view.screen == "welcome"


def test_a_store_that_never_opened_stays_out_of_service_for_it(kiosk):
    k = kiosk()
    details = "Không ghi được dữ liệu vào /data/kiosk.db: disk I/O error"
    k.visit.out_of_order(details)
    assert k.view.apology == (translate("vi", "oos.closed"), details)
    k.clock.advance(HEAL_CHECK_S * 3)
    k.visit.staff_left()
    assert k.view.screen == "out_of_service"
    k.visit.start()
    assert k.visit.survey is None


@pytest.mark.parametrize("language", ["vi", "en"])
def test_every_quick_step_asks_after_the_units_idle_time_as_before(kiosk, language):
    """The quick form's steps read in well under 45 s (the reasons, the longest: ~26 s),
    so none waits longer than the unit's idle time for its reader (kiosk.domain.reading)."""
    k = kiosk()
    k.visit.choose_language(language)
    k.visit.start()
    quiet = {"identification": k.clock.due_in("idle")}
    k.visit.submit_identification(PERSON)
    quiet["verdict"] = k.clock.due_in("idle")
    k.visit.answer("satisfied")
    quiet["comment"] = k.clock.due_in("idle")
    k.visit.go_back()
    k.visit.answer("not_satisfied")
    quiet["reasons"] = k.clock.due_in("idle")
    assert k.view.shown[-1] == "reasons"
    assert quiet == dict.fromkeys(("identification", "verdict", "comment", "reasons"), 45)
    k.clock.advance(IDLE_S - WARNING_S)
    assert k.view.warning_open and k.view.countdown == [WARNING_S]
    k.clock.advance(WARNING_S)
    assert k.view.screen == "welcome" and k.stored() == [("incomplete", "not_satisfied")]
