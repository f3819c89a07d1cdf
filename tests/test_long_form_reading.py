"""A slow reader is not rushed: a step's idle time is at least the time a first-time reader
takes to read it (kiosk.domain.reading, the model benchmarks/long_form.py uses too) and a
margin, so Q16 (13 choices, ~51 s) asks "còn tiếp tục không?" later than 45 s; the visit is
driven as in tests/test_long_form.py, on a real core and SQLite file and the manual clock."""

from __future__ import annotations

import subprocess
import sys

import pytest

from benchmarks.long_form import Klm, one_per_screen
from kiosk.domain.reading import FIRST_TIME_READER, ReadingRate, reading_s, step_texts, syllables
from kiosk.idle import READING_MARGIN_S
from tests import test_visit
from tests.conftest import ROOT
from tests.test_long_form import answer_long_until, rows, to_offer
from tests.test_long_form_config import Draws
from tests.test_visit import IDLE_S, WARNING_S

kiosk = test_visit.kiosk  # the same fixture: a visit on a real core and store

QUIET_S = IDLE_S - WARNING_S  # the shipped config's 45 s before the warning


# --- the model -------------------------------------------------------------------------
def test_a_step_is_read_a_syllable_at_a_time_at_300_a_minute(kiosk):
    verdict = kiosk().core.form.question("verdict")
    # "Ông/bà có hài lòng với việc giải quyết thủ tục hành chính?" (12), "Hài lòng" (2),
    # "Chưa hài lòng" (3), counted by hand.
    assert step_texts(verdict, "vi")[1:] == ["Hài lòng", "Chưa hài lòng"]
    assert sum(syllables(text) for text in step_texts(verdict, "vi")) == 17
    assert reading_s(verdict, "vi") == pytest.approx(17 * 0.2)
    assert reading_s(verdict, "vi", ReadingRate(170)) == pytest.approx(6.0)
    assert step_texts(verdict, "en")[1:] == ["Satisfied", "Not yet satisfied"]


def test_q16_takes_longer_to_read_than_the_quiet_time_and_the_benchmark_reads_alike(kiosk):
    form = kiosk(rng=Draws(True)).core.long_form
    q16 = form.question("Q16")
    texts = step_texts(q16, "vi")
    assert len(texts) == 2 + len(q16.choices) == 15  # the question, its hint, 13 choices
    assert 45 < reading_s(q16, "vi") < 60
    assert reading_s(q16, "en") < 45  # English says it in fewer words
    # The benchmark's first-time reader is the kiosk's: the same rate, the same words.
    assert Klm().reading == FIRST_TIME_READER
    [screen] = one_per_screen(form, ["Q16"])
    assert Klm().read(screen.syllables) == pytest.approx(reading_s(q16, "vi"))


def test_the_reading_model_waits_for_the_first_question_to_load():
    """kiosk.visit is imported before the first frame; the model only with a question."""
    code = "import sys, kiosk.visit\nprint('kiosk.domain.reading' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "False"


# --- the visit -------------------------------------------------------------------------
def to_q16(k) -> float:
    """A drawn citizen says yes and answers up to Q16; the seconds before its warning."""
    to_offer(k)
    k.visit.answer_offer(True)
    answer_long_until(k, "Q16")
    q16 = k.visit.survey.current_question
    return reading_s(q16, k.visit.survey.language) + READING_MARGIN_S


def test_q16_waits_for_its_reader_then_warns_and_still_wipes(kiosk):
    k = kiosk(rng=Draws(True))
    quiet = to_q16(k)
    assert quiet > QUIET_S + 10  # ~56 s
    assert k.clock.due_in("idle") == pytest.approx(quiet)
    k.clock.advance(QUIET_S)
    assert not k.view.warning_open and k.view.screen == "Q16"  # still reading
    k.clock.advance(quiet - QUIET_S - 0.5)
    assert not k.view.warning_open
    k.clock.advance(0.5)
    assert k.view.warning_open and k.view.countdown == [WARNING_S]  # the warning as long
    k.clock.advance(WARNING_S)
    assert k.view.screen == "welcome" and k.visit.survey is None
    quick, long = rows(k)
    assert (long.status, long.follows) == ("incomplete", quick.uuid)
    assert "Q16" not in long.answers and "Q13" in long.answers


def test_a_touch_or_an_answered_warning_on_q16_gives_its_whole_time_again(kiosk):
    k = kiosk(rng=Draws(True))
    quiet = to_q16(k)
    k.clock.advance(quiet - 1)
    k.visit.idle.touched()  # a finger on a choice, then lifted again
    k.clock.advance(quiet - 1)
    assert not k.view.warning_open
    k.clock.advance(1)
    assert k.view.warning_open
    k.visit.idle.still_here()
    assert k.clock.due_in("idle") == pytest.approx(quiet)
    k.clock.advance(quiet + WARNING_S - 1)
    assert k.view.screen == "Q16" and k.visit.survey is not None


def test_the_step_after_q16_has_the_units_time_again_and_english_q16_too(kiosk):
    k = kiosk(rng=Draws(True))
    to_q16(k)
    assert k.visit.answer(["1", "2"]) == ""
    assert k.view.screen == "Q18" and k.clock.due_in("idle") == QUIET_S
    k.visit.go_back()
    assert k.view.screen == "Q16" and k.clock.due_in("idle") > QUIET_S
    k.visit.to_welcome()
    k.visit.choose_language("en")
    assert to_q16(k) < QUIET_S and k.clock.due_in("idle") == QUIET_S
    k.clock.advance(QUIET_S)
    assert k.view.warning_open
