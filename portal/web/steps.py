"""What each page of the web survey does with what the citizen sent, stage by stage: the
identification (dossier code, optional phone), each question of the quick form and of the
long one (one per page), the offer of the long form between them. The routes
(portal/web/survey.py) read the request and show the page these return.

The flow is the kiosk's: identification, the verdict, then the reasons (or a comment);
the quick answer is stored, then the long form is offered kindly; every citizen on the web
is offered it, where a tablet draws a few (see `offer_page`). The forms are the unit's,
fixed when the survey begins (portal/web/replay.py).
"""

from __future__ import annotations

import logging
import time
import uuid as uuid_module
from dataclasses import dataclass, replace
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import Engine

from contract.wire import canonical_dossier
from kiosk.domain.flow import Answer, Survey
from kiosk.domain.forms import Question, localized
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.questions import screen_name
from kiosk.domain.validators import DEFAULT_DOSSIER_PATTERN, Check
from portal.store.settings import public_key, unit_settings
from portal.web.limits import Guards, dossier_key
from portal.web.pages import Page, message, start_url, with_headers
from portal.web.replay import answers_of, form_of, long_uuid, resume, unit_forms, with_forms
from portal.web.state import DONE, IDENT, LONG, OFFER, QUICK, SurveyState
from portal.web.storing import (
    RATED,
    already_rated,
    is_stored,
    seal_phone,
    store,
    web_flags,
    wire_answer,
)
from portal.web.words import language_of, word

log = logging.getLogger("portal")

Sent = dict[str, list[str]]  # the form fields a page posted
# The national system's dossier codes are ASCII: \d of the shared pattern would take any
# script's digits, and one receipt could be rated once per way of writing its digits.
# The code is made canonical (contract.wire.canonical_dossier) before it is checked.
DOSSIER_PATTERN = f"(?a){DEFAULT_DOSSIER_PATTERN}"


@dataclass(frozen=True)
class Turn:
    """One page sent by one client: what a step may use."""

    engine: Engine
    forms: set[tuple[str, int]]
    guards: Guards
    client: str


def first(sent: Sent, name: str) -> str:
    return (sent.get(name) or [""])[0]


def identification_policy(with_phone: bool) -> IdentificationPolicy:
    """The dossier code of the receipt, required; the phone, optional, only when the portal
    can seal it. The national system's code pattern: a unit's own prefix is the tablet's
    (config.yaml), which the portal does not know."""
    return IdentificationPolicy(
        fields=("dossier_code", "phone") if with_phone else ("dossier_code",),
        required=("dossier_code",),
        one_of=(),
        dossier_pattern=DOSSIER_PATTERN,
    )


def handle(turn: Turn, state: SurveyState, sent: Sent) -> tuple[Page, SurveyState]:
    """The page that answers what was sent, and the state it hands on."""
    if "lang" in sent:  # the language switch: the same page, in the other language
        state = replace(state, language=language_of(first(sent, "lang")))
        return current_page(turn, state), state
    steps = {IDENT: identify, QUICK: step, LONG: step, OFFER: offer, DONE: thanked}
    return steps[state.stage](turn, state, sent)


def current_page(turn: Turn, state: SurveyState) -> Page:
    if state.stage == IDENT:
        return ident_page(turn, state)
    if state.stage == OFFER:
        return offer_page(turn, state)
    if state.stage == DONE:
        return Page("thanks.html")
    return question_page(resume(turn.engine, state), state)


def thanked(_turn: Turn, state: SurveyState, _sent: Sent) -> tuple[Page, SurveyState]:
    return Page("thanks.html"), state


# --- identification ------------------------------------------------------------------------
def ident_page(
    turn: Turn,
    state: SurveyState,
    problems: dict[str, Check] | None = None,
    typed: dict[str, str] | None = None,
) -> Page:
    """The first page: where (the unit's name, else its code, and the counter), the dossier
    code (as typed before, if any) and the phone number; what was wrong with them, in the
    citizen's language."""
    language, typed = state.language, typed or {}
    messages = {
        name: word(language, check.problem, **check.params)
        for name, check in (problems or {}).items()
    }
    return Page(
        "start.html",
        {
            "unit": state.unit,
            "unit_name": unit_settings(turn.engine, state.unit).name,
            "counter": state.counter,
            "with_phone": bool(public_key(turn.engine)),
            "dossier": typed.get("dossier_code", state.dossier),
            "phone": typed.get("phone", ""),  # back to its owner only, with a problem shown
            "problems": messages,
            "switch_url": start_url(state.unit, state.counter, "en" if language == "vi" else "vi"),
        },
        status=200 if not problems else 422,
    )


def identify(turn: Turn, state: SurveyState, sent: Sent) -> tuple[Page, SurveyState]:
    if first(sent, "go") != "start":  # "correct what I typed" from the rated page
        return ident_page(turn, state), state
    key = public_key(turn.engine)
    policy = identification_policy(bool(key))
    typed = {name: first(sent, name) for name in policy.fields}
    canonical = typed | {"dossier_code": canonical_dossier(typed["dossier_code"]) or ""}
    year = datetime.now(timezone.utc).year
    problems = policy.check_all(canonical, year)
    if problems:
        return ident_page(turn, state, problems, typed), state
    given = policy.normalized(canonical, year)
    dossier = given["dossier_code"]
    # The client's tries first, then its tries of this code: a try refused is counted
    # against this client alone, never against the dossier's owner (limits.py).
    guards = turn.guards
    wait = guards.surveys.hit(turn.client) or guards.dossiers.hit(dossier_key(turn.client, dossier))
    if wait:
        return too_many(wait), state
    state = replace(state, dossier=dossier)
    if already_rated(turn.engine, dossier):
        return Page("rated.html", status=409), state
    forms = unit_forms(turn.engine, state.unit)
    if forms is None:
        log.error("web survey of unit %s: a form it names is unknown (portal unit)", state.unit)
        return message("web.busy_title", "web.busy_body", 503), state
    state = replace(
        with_forms(state, forms),
        stage=QUICK,
        uuid=str(uuid_module.uuid4()),
        started=time.time(),
        sealed=seal_phone(key, given.get("phone", "")),
        answers={},
        position=0,
    )
    return question_page(resume(turn.engine, state), state), state


def too_many(wait_s: int) -> Page:
    minutes = max(1, round(wait_s / 60))
    page = message("web.too_many_title", "web.too_many_body", 429, {"minutes": minutes})
    return with_headers(page, {"Retry-After": str(wait_s)})


# --- a question ----------------------------------------------------------------------------
def question_page(
    survey: Survey, state: SurveyState, problem: str = "", tried: Answer | None = None
) -> Page:
    question = survey.current_question
    assert question is not None  # the survey asks no identification (replay.py)
    language = state.language
    draft = tried or survey.draft(question.id)
    progress = survey.progress() if state.stage == LONG else None
    return Page(
        f"step_{screen_name(question.type)}.html",
        {
            "question": question,
            "text": localized(question.text, language),
            "hint": localized(question.hint, language),
            "chosen": _chosen(draft),
            "other": draft.other_text if draft else "",
            "written": draft.value if draft and isinstance(draft.value, str) else "",
            "progress": progress,
            "last": survey.is_last_step,
            "problem": word(language, problem, max=question.max_choices) if problem else "",
        },
        status=422 if problem else 200,
    )


def _chosen(draft: Answer | None) -> list[str]:
    if draft is None:
        return []
    return list(draft.value) if isinstance(draft.value, list) else [draft.value]


def _given(question: Question, sent: Sent) -> str | list[str]:
    """The answer a question's page posted: several ids, or one id or text."""
    values = [v for v in sent.get("value", []) if v]
    if screen_name(question.type) == "multi_choice":
        return values
    return first(sent, "value")


def step(turn: Turn, state: SurveyState, sent: Sent) -> tuple[Page, SurveyState]:
    survey = resume(turn.engine, state)
    if first(sent, "go") == "back":
        return _back(turn, survey, state)
    question = survey.current_question
    assert question is not None
    value, other = _given(question, sent), first(sent, "other")
    problem = survey.answer(question.id, value, other)
    if problem:
        return question_page(survey, state, problem, Answer(value, other)), state
    state = replace(state, answers=answers_of(survey))
    if survey.advance():
        state = replace(state, position=state.position + 1)
        return question_page(survey, state), state
    return finish(turn, survey, state)


def _back(turn: Turn, survey: Survey, state: SurveyState) -> tuple[Page, SurveyState]:
    """One step back; before the first question, the page before the form: the dossier
    code for the quick form, the offer for the long one (the quick answer is stored), as
    on the kiosk."""
    if survey.back():
        state = replace(state, position=state.position - 1)
        return question_page(survey, state), state
    if state.stage == QUICK:
        state = replace(state, stage=IDENT, uuid="", answers={}, sealed=None)
        return ident_page(turn, state), state
    return offer_page(turn, state), replace(state, stage=OFFER, uuid="", answers={}, position=0)


# --- the end of a form ---------------------------------------------------------------------
def finish(turn: Turn, survey: Survey, state: SurveyState) -> tuple[Page, SurveyState]:
    """Store the answer (once: a page sent again finds it stored), then offer the long
    form after a quick answer, or thank."""
    if not is_stored(turn.engine, state.uuid):
        finished = survey.finish()
        history = turn.guards.finishes.history(turn.client, finished.finished_at)
        flags = web_flags(finished.finished_at, history, turn.guards.limits.integrity)
        try:
            answer = wire_answer(finished, form_of(turn.engine, state), state, flags)
        except ValidationError as error:  # the form engine let through what the contract
            return _not_built(state, error), state  # refuses: a kind page, never a 500
        fate = store(turn.engine, answer, turn.forms)
        if fate.reason == RATED:  # rated elsewhere meanwhile
            state = replace(state, stage=IDENT, uuid="", answers={}, position=0, sealed=None)
            return Page("rated.html", status=409), state
        if fate.status == "rejected":  # a form version the portal refuses: its set-up
            log.error("web survey answer %s not stored: %s", answer.uuid, fate.reason)
            return message("web.busy_title", "web.busy_body", 503), state
        turn.guards.finishes.record(turn.client, finished.finished_at)
    if state.stage == QUICK:
        state = replace(state, follows=state.uuid, answers={}, position=0)
        if not state.long_form:  # the unit offers none on the web
            return Page("thanks.html"), replace(state, stage=DONE)
        return offer_page(turn, state), replace(state, stage=OFFER)
    return Page("thanks.html"), replace(state, stage=DONE, answers={}, position=0)


def _not_built(state: SurveyState, error: ValidationError) -> Page:
    """Nothing is stored from an answer the contract refuses; the log says which fields,
    never what was written in them."""
    fields = sorted({".".join(str(part) for part in e["loc"]) for e in error.errors()})
    log.error("web survey answer %s not built: %s", state.uuid, ", ".join(fields))
    restart = start_url(state.unit, state.counter, state.language)
    return message("web.not_saved_title", "web.not_saved_body", 422, restart_url=restart)


# --- the offer of the long form ------------------------------------------------------------
def offer_page(turn: Turn, state: SurveyState) -> Page:
    """Everyone on the web is asked: a tablet draws one citizen in ten so that the queue
    at the counter is not held up, but a phone holds up no one, and the answer it would
    cost is one tap ("No, thank you"). The quick answer is stored already."""
    long_form = form_of(turn.engine, state, long=True)
    count = sum(1 for q in long_form.questions if not q.when)
    return Page("offer.html", {"count": count})


def offer(turn: Turn, state: SurveyState, sent: Sent) -> tuple[Page, SurveyState]:
    if first(sent, "go") != "yes":
        return Page("thanks.html"), replace(state, stage=DONE)
    assert state.follows is not None  # set when the quick answer was stored
    state = replace(
        state,
        stage=LONG,
        uuid=long_uuid(state.follows),
        started=time.time(),
        answers={},
        position=0,
    )
    return question_page(resume(turn.engine, state), state), state
