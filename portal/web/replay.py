"""The kiosk's survey (kiosk.domain.flow.Survey), resumed on every page from the signed
state: the same form engine as on a tablet decides which questions apply, whether an
answer is accepted (each question type's answer rule), where Back goes, and what is kept
at the end. Nothing of a survey lives on the server between two pages.
"""

from __future__ import annotations

import time
import uuid as uuid_module
from collections.abc import Callable
from datetime import datetime, timezone
from functools import cache
from typing import Generic, TypeVar

from kiosk.domain.flow import Survey
from kiosk.domain.forms import Form, load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.resources import ASSETS
from portal.web.state import LONG, BadState, Given, SurveyState

# The forms of the web survey: decision 2223's quick form, then, for whoever agrees, the
# long SIPAS form (the same files the kiosk reads).
QUICK_FORM = "danang-2223"
LONG_FORM = "sipas-dak-song-2023"
# The first page asks for the dossier code (portal/web/steps.py); the survey itself asks
# nothing more of who the citizen is.
NO_IDENTIFICATION = IdentificationPolicy(fields=(), required=(), one_of=())
# A long answer's UUID is made from the quick answer's: a page sent twice, or the offer
# taken up twice from the browser's history, gives one long answer, never two.
LONG_ANSWERS = uuid_module.UUID("6f1c3a52-6a0e-4d4b-9d83-2a7c25d0b6e1")

T = TypeVar("T")


@cache
def form(form_id: str) -> Form:
    """A shipped form, read once per process by the kiosk's form engine."""
    return load_form(ASSETS / "forms" / f"{form_id}.yaml")


def form_of(state: SurveyState) -> Form:
    return form(LONG_FORM if state.stage == LONG else QUICK_FORM)


def long_uuid(quick_uuid: str) -> str:
    """The UUID of the long answer that follows a quick one."""
    return str(uuid_module.uuid5(LONG_ANSWERS, quick_uuid))


class _SinceEarlierPage(Generic[T]):
    """A Survey's clock when it is resumed on a later page: its first reading (the survey's
    start) is when the citizen began, every later one the time now."""

    def __init__(self, first: T, later: Callable[[], T]) -> None:
        self.first: T | None = first
        self.later = later

    def __call__(self) -> T:
        if self.first is None:
            return self.later()
        first, self.first = self.first, None
        return first


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


def resume(state: SurveyState) -> Survey:
    """The survey as the state left it: its answers given again (each checked again by its
    question's rule) and the steps walked again. BadState (stale) when the form no longer
    takes them: the state was made by another release of the forms."""
    started = datetime.fromtimestamp(state.started, timezone.utc)
    survey = Survey(
        form_of(state),
        NO_IDENTIFICATION,
        language=state.language,
        now=_SinceEarlierPage(started, _utc_now),
        clock=_SinceEarlierPage(state.started, time.time),
        uuid=state.uuid,
        follows=state.follows,
    )
    try:
        for question_id, (value, other) in state.answers.items():
            if survey.answer(question_id, value, other):  # type: ignore[arg-type]
                raise BadState(stale=True, state=state)
        for _ in range(state.position):
            survey.advance()
    except (StopIteration, ValueError, TypeError, IndexError):
        raise BadState(stale=True, state=state) from None
    return survey


def answers_of(survey: Survey) -> dict[str, Given]:
    """What the state keeps of a survey's answers, in the order they were given."""
    return {qid: [answer.value, answer.other_text] for qid, answer in survey.answers.items()}
