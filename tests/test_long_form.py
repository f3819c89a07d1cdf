"""The long form offered to a random few, visit by visit, without a screen: a real core and
SQLite file, the recording view and the manual clock of tests/test_visit.py, and draws the
test decides (tests/test_long_form_config.py's Draws)."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.flow import Progress
from kiosk.store.models import Response
from kiosk.store.wire import to_wire
from tests import test_visit
from tests.test_long_form_config import Draws
from tests.test_visit import IDLE_S, PERSON, THANKS_S, WARNING_S, Kiosk

kiosk = test_visit.kiosk  # the same fixture: a visit on a real core and store

# Q8 only after "Trễ hẹn" (Q7 = 3), Q14 and Q15 only after "Có" (Q13 = 1).
ALL_QUESTIONS = 29
WITHOUT_CONDITIONS = 26


def rows(k: Kiosk) -> list[Response]:
    with Session(k.core.engine) as session:
        found = list(session.scalars(select(Response).order_by(Response.id)))
        session.expunge_all()
        return found


def columns(row: Response) -> dict[str, Any]:
    return {c.name: getattr(row, c.name) for c in Response.__table__.columns}


def to_offer(k: Kiosk, verdict: str = "satisfied") -> None:
    """A citizen gives the quick answer, is drawn, and is asked."""
    k.visit.start()
    k.visit.submit_identification(PERSON)
    assert k.visit.answer(verdict) == ""
    assert k.visit.answer("" if verdict == "satisfied" else ["progress"]) == ""
    assert k.view.screen == "offer"


def answer_long_form(k: Kiosk, given: dict[str, str | list[str]] | None = None) -> list[str]:
    """Answer each question shown (its first choice unless `given` says otherwise) until
    the long form ends; the questions shown, in order."""
    given = given or {}
    asked = []
    while k.visit.survey is not None and k.visit.survey.follows is not None:
        question = k.visit.survey.current_question
        assert question is not None
        asked.append(question.id)
        value = given.get(question.id)
        if value is None:
            first = question.choices[0].id
            value = [first] if question.type == "multi_choice" else first
        assert k.visit.answer(value) == "", question.id
    return asked


def test_nobody_drawn_is_thanked_as_always_and_the_draw_is_recorded(kiosk):
    k = kiosk()  # the shipped config.yaml (share 0.1); this citizen is not drawn
    k.visit.start()
    k.visit.submit_identification(PERSON)
    k.visit.answer("satisfied")
    k.visit.answer("")
    assert k.view.screen == "thanks" and "offer" not in k.view.shown
    [quick] = rows(k)
    assert (quick.status, quick.verdict, quick.drawn, quick.follows) == (
        "complete",
        "satisfied",
        False,
        None,
    )
    assert to_wire(quick)["drawn"] is False and to_wire(quick)["channel"] == "kiosk"


def test_without_a_long_form_nothing_is_drawn_nor_loaded(kiosk):
    k = kiosk(rng=Draws(True), long_form=None)
    k.visit.start()
    k.visit.submit_identification(PERSON)
    k.visit.answer("not_satisfied")
    k.visit.answer(["progress"])
    assert k.view.screen == "thanks"
    [quick] = rows(k)
    assert quick.drawn is None and to_wire(quick)["drawn"] is None
    assert "long_form" not in vars(k.core)  # never read


def test_drawn_no_thanks_and_keeps_the_quick_answer_alone(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k, "not_satisfied")
    [quick] = rows(k)  # on disk before the offer, with its draw
    assert (quick.status, quick.verdict, quick.drawn) == ("complete", "not_satisfied", True)
    assert k.visit.survey is None and k.view.wipes >= 1  # nothing of it left on screen
    assert "long_form" not in vars(k.core)  # asked, not yet loaded
    k.visit.answer_offer(False)
    assert k.view.screen == "thanks"
    k.clock.advance(THANKS_S)
    assert k.view.screen == "welcome"
    assert [columns(r) for r in rows(k)] == [columns(quick)]


def test_yes_the_long_answer_follows_the_quick_one_whose_verdict_is_untouched(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    [quick] = rows(k)
    before = columns(quick)
    k.visit.answer_offer(True)
    assert k.view.screen == "Q1" and k.view.progress == Progress(1, WITHOUT_CONDITIONS)
    given = {"Q7": "3", "Q8": "2", "Q13": "1", "Q14": "4", "Q16": ["2", "6", "7", "13"]}
    asked = answer_long_form(k, given)
    assert len(asked) == ALL_QUESTIONS and asked[7] == "Q8" and "Q15" in asked
    assert k.view.screen == "thanks"
    stored = rows(k)
    assert [columns(stored[0])] == [before]  # the quick answer, as it was written
    long = stored[1]
    assert (long.form_id, long.form_version) == ("sipas-dak-song-2023", 1)
    assert (long.status, long.follows, long.drawn, long.verdict) == (
        "complete",
        quick.uuid,
        None,
        None,
    )
    assert long.uuid != quick.uuid
    assert long.dossier_code is None and long.personal_sealed is None  # asked nothing again
    assert set(long.answers) == set(asked)
    assert long.answers["Q8"] == {"value": "2", "other_text": ""}
    assert long.answers["Q16"] == {"value": ["2", "6", "7", "13"], "other_text": ""}
    assert long.answers["Q9.1"] == {"value": "1", "other_text": ""}
    wire = to_wire(long)
    assert (wire["follows"], wire["drawn"], wire["channel"]) == (quick.uuid, None, "kiosk")


def test_progress_counts_the_questions_that_apply_as_answers_change_them(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(True)
    for value in ("1", "1", "1", "1", "2", "2"):  # Q1 … Q6
        k.visit.answer(value)
    assert k.view.screen == "Q7" and k.view.progress == Progress(7, 26)
    k.visit.answer("3")  # "Trễ hẹn": Q8 is asked now
    assert k.view.screen == "Q8" and k.view.progress == Progress(8, 27)
    k.visit.go_back()
    assert k.view.screen == "Q7" and k.view.progress == Progress(7, 27)
    k.visit.answer("2")  # on time after all: no Q8
    assert k.view.screen == "Q9.1" and k.view.progress == Progress(8, 26)
    for _ in range(16):  # the four grids, item by item
        k.visit.answer("2")
    assert k.view.screen == "Q13" and k.view.progress == Progress(24, 26)
    k.visit.answer("1")  # "Có": Q14 and Q15 follow
    assert k.view.screen == "Q14" and k.view.progress == Progress(25, 28)
    k.visit.answer("1")
    k.visit.answer("1")
    assert k.view.screen == "Q16" and k.view.progress == Progress(27, 28)
    k.visit.answer(["1"])
    assert k.view.screen == "Q18" and k.view.progress == Progress(28, 28)
    k.visit.answer("5")
    long = rows(k)[1]
    assert "Q8" not in long.answers  # answered once, then no longer asked: not kept
    assert long.answers["Q7"]["value"] == "2" and long.answers["Q14"]["value"] == "1"


def test_back_shows_the_answer_given_and_from_the_first_question_the_offer(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(True)
    k.visit.answer("2")
    k.visit.answer("3")
    assert k.view.screen == "Q3"
    k.visit.go_back()
    assert k.view.screen == "Q2" and k.view.draft is not None and k.view.draft.value == "3"
    k.visit.go_back()
    assert k.view.screen == "Q1" and k.view.draft is not None and k.view.draft.value == "2"
    k.visit.go_back()
    assert k.view.screen == "offer" and k.visit.survey is None
    k.visit.answer_offer(False)
    assert k.view.screen == "thanks" and len(rows(k)) == 1


def test_at_most_four_in_q16(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(True)
    answer_long_until(k, "Q16")
    assert k.visit.answer(["1", "2", "3", "4", "5"]) == "answer.too_many"
    assert k.view.screen == "Q16"
    assert k.visit.answer([]) == "answer.choose_one"
    assert k.visit.answer(["1", "2", "3", "4"]) == ""
    assert k.view.screen == "Q18"


def answer_long_until(k: Kiosk, question_id: str) -> None:
    while k.view.screen != question_id:
        question = k.visit.survey.current_question
        k.visit.answer(question.choices[0].id)


def test_walking_away_mid_way_keeps_what_was_confirmed_as_incomplete(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    quick = columns(rows(k)[0])
    k.visit.answer_offer(True)
    for value in ("1", "2", "3", "4", "1"):  # Q1 … Q5 confirmed
        k.visit.answer(value)
    assert k.view.screen == "Q6"
    k.clock.advance(IDLE_S - WARNING_S)
    assert k.view.warning_open and k.view.countdown == [WARNING_S]
    assert len(rows(k)) == 1
    k.clock.advance(WARNING_S)
    assert k.view.screen == "welcome" and k.visit.survey is None
    stored = rows(k)
    assert columns(stored[0]) == quick  # the verdict as it was
    long = stored[1]
    assert (long.status, long.follows) == ("incomplete", quick["uuid"])
    assert {q: a["value"] for q, a in long.answers.items()} == {
        "Q1": "1",
        "Q2": "2",
        "Q3": "3",
        "Q4": "4",
        "Q5": "1",
    }


def test_a_touch_on_the_warning_keeps_the_long_form_going(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(True)
    k.visit.answer("1")
    k.clock.advance(IDLE_S - 1)
    assert k.view.warning_open
    k.visit.idle.still_here()
    k.clock.advance(IDLE_S - WARNING_S - 1)
    assert k.view.screen == "Q2" and k.visit.survey is not None and len(rows(k)) == 1


def test_walking_away_on_the_first_question_or_the_offer_leaves_the_quick_answer_only(kiosk):
    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.clock.advance(IDLE_S - WARNING_S)  # the offer asks "còn tiếp tục không?" too
    assert k.view.warning_open
    k.clock.advance(WARNING_S)
    assert k.view.screen == "welcome" and k.visit.offer_for is None
    to_offer(k)
    k.visit.answer_offer(True)
    k.clock.advance(IDLE_S)
    assert k.view.screen == "welcome"
    assert [(r.status, r.form_id, r.drawn) for r in rows(k)] == [
        ("complete", "danang-2223", True),
        ("complete", "danang-2223", True),
    ]


def test_a_unit_that_keeps_no_incomplete_answer_keeps_no_long_one_either(kiosk):
    k = kiosk(rng=Draws(True), flow__keep_incomplete=False)
    to_offer(k)
    k.visit.answer_offer(True)
    k.visit.answer("1")
    k.visit.answer("1")
    k.clock.advance(IDLE_S)
    assert k.view.screen == "welcome" and len(rows(k)) == 1


def test_the_long_form_is_asked_in_the_citizens_language(kiosk):
    k = kiosk(rng=Draws(True))
    k.visit.choose_language("en")
    to_offer(k)
    k.visit.answer_offer(True)
    answer_long_form(k)
    assert [r.language for r in rows(k)] == ["en", "en"]
    k.clock.advance(THANKS_S)
    assert k.view.language == "vi"


def test_a_long_answer_is_as_identified_as_the_quick_one_it_follows(kiosk):
    k = kiosk(
        rng=Draws(True),
        integrity__require_identification=True,
        identification__allow_skip=True,
    )
    to_offer(k)  # identified
    k.visit.answer_offer(True)
    answer_long_form(k)
    k.visit.to_welcome()
    k.visit.start()
    assert k.visit.skip_identification() is None and k.view.screen == "verdict"
    k.visit.answer("satisfied")
    k.visit.answer("")
    k.visit.answer_offer(True)
    answer_long_form(k)
    unidentified = [("unidentified" in r.flags, r.follows is not None) for r in rows(k)]
    assert unidentified == [(False, False), (False, True), (True, False), (True, True)]


def test_the_share_of_citizens_asked_is_the_draws(kiosk):
    k = kiosk(rng=random.Random(13), integrity__opening_hours="always")
    twin = random.Random(13)
    expected = [twin.random() < 0.1 for _ in range(60)]
    for _ in range(60):
        k.visit.start()
        k.visit.submit_identification(PERSON)
        k.visit.answer("satisfied")
        k.visit.answer("")
        if k.view.screen == "offer":
            k.visit.answer_offer(False)
        k.visit.to_welcome()
    drawn = [r.drawn for r in rows(k)]
    assert drawn == expected and 0 < sum(drawn) < 60
    assert k.view.shown.count("offer") == sum(expected)


def test_migration_0005_adds_the_draw_and_the_link_and_takes_them_back(kiosk, tmp_path):
    import sqlite3

    from kiosk.store.migrate import SCHEMA_HEAD, downgrade, upgrade

    k = kiosk(rng=Draws(True))
    to_offer(k)
    k.visit.answer_offer(True)
    answer_long_form(k)
    db = k.core.data_dir / "kiosk.db"

    def table() -> tuple[list[str], list[tuple]]:
        with sqlite3.connect(db) as connection:
            names = [row[1] for row in connection.execute("PRAGMA table_info(responses)")]
            kept = connection.execute("SELECT uuid, status FROM responses ORDER BY id").fetchall()
        return names, kept

    names, kept = table()
    assert SCHEMA_HEAD == "0005" and {"drawn", "follows"} <= set(names) and len(kept) == 2
    downgrade(k.core.engine, "0004")
    names_before, kept_before = table()
    assert not {"drawn", "follows"} & set(names_before) and kept_before == kept
    upgrade(k.core.engine)
    assert [(r.drawn, r.follows) for r in rows(k)] == [(None, None), (None, None)]  # unknown
