"""The kiosk's survey (kiosk.domain.flow.Survey), resumed on every page from the signed
state: the same form engine as on a tablet decides which questions apply, whether an
answer is accepted (each question type's answer rule), where Back goes, and what is kept
at the end. Nothing of a survey lives on the server between two pages.

The forms are the unit's (`portal unit U --web-form F --web-long-form L`; by default
decision 2223's quick form, then, for whoever agrees, the long SIPAS form), each at the
latest version the portal knows when the survey begins (portal/forms.py's find_form,
shipped or registered). The state names the versions it began with, so a version
registered meanwhile changes no survey under way.
"""

from __future__ import annotations

import time
import uuid as uuid_module
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from typing import Generic, TypeVar

from sqlalchemy import Engine

from kiosk.domain.flow import Survey
from kiosk.domain.forms import Form
from kiosk.domain.identification import IdentificationPolicy
from portal.forms import find_form
from portal.store.settings import unit_settings
from portal.web.state import LONG, BadState, Given, SurveyState

# The first page asks for the dossier code (portal/web/steps.py); the survey itself asks
# nothing more of who the citizen is.
NO_IDENTIFICATION = IdentificationPolicy(fields=(), required=(), one_of=())
# A long answer's UUID is made from the quick answer's: a page sent twice, or the offer
# taken up twice from the browser's history, gives one long answer, never two.
LONG_ANSWERS = uuid_module.UUID("6f1c3a52-6a0e-4d4b-9d83-2a7c25d0b6e1")

T = TypeVar("T")


@dataclass(frozen=True)
class UnitForms:
    """The forms a unit's web survey begins with: its quick form, and the long one offered
    after it (None: none)."""

    quick: Form
    long: Form | None


def unit_forms(engine: Engine, unit: str) -> UnitForms | None:
    """The unit's forms at their latest versions now; None when the portal knows one of
    them no more (a release without a shipped form the unit chose: its set-up to mend)."""
    settings = unit_settings(engine, unit)
    quick = find_form(engine, settings.web_form)
    long = find_form(engine, settings.web_long_form) if settings.web_long_form else None
    if quick is None or (settings.web_long_form and long is None):
        return None
    return UnitForms(quick, long)


def with_forms(state: SurveyState, forms: UnitForms) -> SurveyState:
    """The state of a survey that begins with these forms."""
    long = forms.long
    return replace(
        state,
        quick_form=forms.quick.id,
        quick_version=forms.quick.version,
        long_form=long.id if long else "",
        long_version=long.version if long else 0,
    )


def form_of(engine: Engine, state: SurveyState, long: bool | None = None) -> Form:
    """The form the state's survey began with for its stage (or, `long` given, its quick
    or long one); BadState (stale) when the portal knows that version no more."""
    form_id, version = state.form_key(state.stage == LONG if long is None else long)
    found = find_form(engine, form_id, version) if form_id else None
    if found is None:
        raise BadState(stale=True, state=state)
    return found


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


def resume(engine: Engine, state: SurveyState) -> Survey:
    """The survey as the state left it: its answers given again (each checked again by its
    question's rule) and the steps walked again. BadState (stale) when the form no longer
    takes them, or is no longer known."""
    started = datetime.fromtimestamp(state.started, timezone.utc)
    survey = Survey(
        form_of(engine, state),
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
