"""Answers checked against their form at the portal's intake (portal/answer_rules.py): what
a stolen tablet or a hand-made request could otherwise store and every report would print."""

from __future__ import annotations

import pytest

from portal.answer_rules import answers_problem
from portal.api.app import known_forms
from portal.forms import find_form
from portal.intake import store_batch, store_channel_answers
from portal.store.engine import make_portal_engine
from tests.test_reports import quick

FORM = find_form(make_portal_engine("sqlite://"), "danang-2223", 1)


def given(**entries: object) -> dict:
    return {qid: {"value": value, "other_text": ""} for qid, value in entries.items()}


def test_the_kiosks_own_answers_pass():
    assert FORM is not None
    assert answers_problem(given(verdict="satisfied", comment=""), FORM, "satisfied") == ""
    answers = given(verdict="not_satisfied", reasons=["progress", "other"])
    answers["reasons"]["other_text"] = "Phải chờ lâu"
    assert answers_problem(answers, FORM, "not_satisfied") == ""
    # A citizen who left after the verdict: the verdict alone.
    assert answers_problem(given(verdict="not_satisfied"), FORM, "not_satisfied") == ""


@pytest.mark.parametrize(
    ("answers", "verdict", "problem"),
    [
        # What the MĐHL counts and what the verdict's table counts must be one answer.
        (given(verdict="not_satisfied"), "satisfied", "verdict: differs from the answer"),
        ({}, "xyz", "verdict: 'xyz' is not a choice of verdict"),
        # Reasons given with "Hài lòng": asked of nobody, they would swell the reasons' base.
        (given(verdict="satisfied", reasons=["progress"]), "satisfied", "reasons: not asked"),
    ],
)
def test_a_verdict_or_a_question_the_form_did_not_ask_is_refused(answers, verdict, problem):
    assert FORM is not None
    assert answers_problem(answers, FORM, verdict).startswith(problem)


@pytest.mark.parametrize(
    ("answers", "problem"),
    [
        (given(verdict="maybe"), "verdict: answer."),
        (given(nonsense="x"), "nonsense: not a question of danang-2223/1"),
        (given(verdict="satisfied", comment="x" * 1001), "comment: answer.too_long"),
        (given(verdict="satisfied", comment="\x1b]0;pwned\x07"), "comment: a control character"),
        (given(reasons=["progress", "=HYPERLINK(1)"]), "reasons: answer.unknown_choice"),
        (given(verdict=["satisfied"]), "verdict: answer."),
        ({"verdict": {"value": "satisfied", "other_text": "y" * 5000}}, "verdict: "),
        ([], "answers: not an object"),
    ],
)
def test_what_the_form_never_asked_is_refused(answers, problem):
    assert FORM is not None
    assert answers_problem(answers, FORM, "satisfied").startswith(problem)


def test_intake_refuses_them_and_stores_the_rest(tmp_path):
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'p.db'}")
    long_comment = quick(answers=given(verdict="satisfied", comment="x" * 4_000_000))
    good = quick()
    fates = store_channel_answers(engine, [long_comment, good], "b", known_forms())
    assert [fate.status for fate in fates] == ["rejected", "stored"]
    assert fates[0].reason == "bad_answers: comment: answer.too_long"


def test_a_tablets_batch_is_checked_the_same_way(tmp_path):
    from tests.test_portal_intake import FORMS, answer, fates, setup

    engine, device = setup(tmp_path)
    bad = answer(answers=given(verdict="satisfied", comment="\x1b[2J"))
    twice = answer(answers=given(verdict="not_satisfied", reasons=["no-such-reason"]))
    good = answer()
    results = store_batch(engine, device, "b", [bad, twice, twice, good], FORMS)
    assert [status for _, status in fates(results)] == [
        "rejected",
        "rejected",
        "rejected",
        "stored",
    ]
    assert results[0].reason == "bad_answers: comment: a control character"
    assert results[1].reason == "bad_answers: reasons: answer.unknown_choice"
