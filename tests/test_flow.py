"""The survey as a state machine: both verdicts, back, abandon, identification policies."""

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.flow import IDENTIFICATION, Answer, Survey
from kiosk.domain.forms import load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.questions.summary import QuickSummary, quick_summary
from tests.conftest import ROOT

FORM = load_form(ROOT / "assets" / "forms" / "danang-2223.yaml")
PERSON = {"phone": "0912345678", "citizen_id": "079199123456"}


def survey(policy: IdentificationPolicy | None = None) -> Survey:
    ticks = iter(range(0, 10_000, 7))
    return Survey(
        FORM,
        policy or IdentificationPolicy(),
        now=lambda: datetime(2026, 11, 23, 3, 0, tzinfo=timezone.utc),
        clock=lambda: float(next(ticks)),
    )


def past_verdict(verdict: str) -> Survey:
    """A survey whose citizen identified and gave the verdict, now one step further."""
    s = survey()
    s.submit_identification(PERSON)
    s.advance()
    s.answer("verdict", verdict)
    s.advance()
    return s


def test_satisfied_path_with_comment():
    s = survey()
    assert s.current == IDENTIFICATION
    assert s.submit_identification(PERSON) == {}
    assert s.advance() and s.current == "verdict"
    assert s.answer("verdict", "satisfied") == ""
    assert s.advance() and s.current == "comment"
    assert s.answer("comment", "Cán bộ nhiệt tình") == ""
    assert not s.advance()
    done = s.finish()
    assert done.complete and done.verdict == "satisfied"
    assert done.answers == {"verdict": Answer("satisfied"), "comment": Answer("Cán bộ nhiệt tình")}
    assert quick_summary(FORM, done.answers) == QuickSummary([], "Cán bộ nhiệt tình")
    assert done.id_method == "typed"
    assert done.identity == PERSON
    assert done.duration_ms > 0


def test_not_satisfied_needs_a_reason_and_keeps_other_text():
    s = past_verdict("not_satisfied")
    assert s.current == "reasons"
    assert s.answer("reasons", []) == "answer.choose_one"
    assert s.missing() == ["reasons"]
    with pytest.raises(ValueError):
        s.advance()
    with pytest.raises(ValueError):
        s.finish()
    assert s.answer("reasons", ["progress", "other"], "Chờ quá lâu") == ""
    done = s.finish()
    assert done.answers["reasons"] == Answer(["progress", "other"], "Chờ quá lâu")
    assert quick_summary(FORM, done.answers) == QuickSummary(["progress", "other"], "Chờ quá lâu")


def test_other_reason_ticked_needs_its_text():
    s = past_verdict("not_satisfied")
    assert s.answer("reasons", ["progress", "other"], "") == "answer.other_required"
    assert s.answer("reasons", ["progress", "other"], "   ") == "answer.other_required"
    assert s.draft("reasons") is None
    assert s.answer("reasons", ["progress", "other"], "chờ lâu") == ""
    assert s.answer("reasons", ["progress"], "") == ""


def test_changing_the_verdict_drops_answers_that_no_longer_apply():
    s = past_verdict("not_satisfied")
    s.answer("reasons", ["progress"])
    s.back()
    s.answer("verdict", "satisfied")
    s.advance()
    assert s.current == "comment"
    s.answer("comment", "")
    done = s.finish()
    assert done.verdict == "satisfied" and "reasons" not in done.answers
    assert quick_summary(FORM, done.answers).reasons == []


def test_back_from_the_first_step_means_the_welcome_screen():
    s = survey()
    assert not s.back()


def test_walking_away_after_the_verdict_keeps_it_without_reasons():
    s = past_verdict("not_satisfied")
    s.answer("reasons", ["progress"])  # ticked, but "Hoàn thành" never pressed
    left = s.abandon(keep_incomplete=True)
    assert left is not None and not left.complete
    assert left.verdict == "not_satisfied"
    assert left.answers == {"verdict": Answer("not_satisfied")}
    assert quick_summary(FORM, left.answers) == QuickSummary([], "")
    assert s.abandon(keep_incomplete=False) is None


def test_walking_away_before_the_verdict_leaves_nothing():
    s = survey()
    s.submit_identification(PERSON)
    s.advance()
    assert s.abandon() is None


def test_going_back_to_the_verdict_then_leaving_keeps_nothing():
    s = past_verdict("satisfied")
    s.back()
    assert s.abandon() is None


def test_policy_without_identification_starts_at_the_verdict():
    s = survey(IdentificationPolicy(fields=(), required=(), one_of=()))
    assert s.current == "verdict"
    s.answer("verdict", "satisfied")
    s.advance()
    s.answer("comment", "")
    assert s.finish().id_method == "none"


def test_skip_only_where_the_unit_allows_it():
    assert not survey().skip_identification()
    s = survey(IdentificationPolicy(allow_skip=True))
    assert s.skip_identification() and s.id_method == "none"


def test_text_is_stored_nfc():
    s = survey(IdentificationPolicy(fields=(), required=(), one_of=()))
    s.answer("verdict", "satisfied")
    s.advance()
    decomposed = "Ha\u0300i lo\u0300ng"  # "Hài lòng" with combining grave accents
    s.answer("comment", decomposed)
    assert s.finish().answers["comment"].value == "Hài lòng"


@given(
    st.lists(
        st.tuples(
            st.sampled_from(["answer", "advance", "back", "ident"]),
            st.one_of(
                st.text(max_size=5),
                st.lists(
                    st.sampled_from(["progress", "other", "x", "satisfied", "not_satisfied"]),
                    max_size=3,
                ),
            ),
        ),
        max_size=25,
    )
)
def test_no_sequence_of_taps_breaks_the_survey(actions):
    s = survey()
    for action, value in actions:
        if action == "answer" and s.current != IDENTIFICATION:
            s.answer(s.current, value)
        elif action == "advance":
            try:
                s.advance()
            except ValueError:
                assert s.current in s.missing()
        elif action == "back":
            s.back()
        elif action == "ident" and isinstance(value, str):
            s.submit_identification({"phone": value})
        assert s.current in s.steps()
    if not s.missing():
        done = s.finish()
        assert done.id_method == "typed"
        assert done.verdict in (None, "satisfied", "not_satisfied")
        reasons = quick_summary(FORM, done.answers).reasons
        assert all(r in {c.id for c in FORM.question("reasons").choices} for r in reasons)
