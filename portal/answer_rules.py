"""Whether an answer's `answers` are its form's: each question one the form has, each value
one its type accepts (kiosk.domain.questions' own rule, the one the kiosk, the web survey
and a clerk's import apply), no text longer than the question allows, no control
character. The portal stores what a tablet sends and prints it in reports, spreadsheets and
PDFs: a stolen tablet must not store a 4 MB comment, a terminal escape or a choice the form
never had."""

from __future__ import annotations

import unicodedata

from kiosk.domain.forms import Form
from kiosk.domain.questions import QUESTION_TYPES

_ALLOWED_CONTROLS = {"\n", "\r", "\t"}


def answers_problem(answers: object, form: Form, verdict: str | None = None) -> str:
    """'' when every answer is one the form accepts, asked as its conditions say, and the
    answer's `verdict` is its verdict question's; else the first problem, for the intake
    event ("Q16: answer.too_many")."""
    if not isinstance(answers, dict):
        return "answers: not an object"
    return _each_answer(answers, form) or _asked(answers, form) or _verdict(answers, form, verdict)


def _each_answer(answers: dict, form: Form) -> str:
    for qid, entry in answers.items():
        question = next((q for q in form.questions if q.id == qid), None)
        if question is None:
            return f"{str(qid)[:64]}: not a question of {form.id}/{form.version}"
        value, other = _parts(entry)
        if not isinstance(other, str):
            return f"{qid}: other_text is not text"
        words = [value] if isinstance(value, str) else value if isinstance(value, list) else []
        if any(_has_control(text) for text in [*map(str, words), other]):
            return f"{qid}: a control character"
        kind = QUESTION_TYPES.get(question.type)
        unanswered = value in (None, "", []) and not question.required
        if kind is not None and not unanswered:
            if not isinstance(value, str | list):
                return f"{qid}: not a value"
            problem = kind.problem(question, value, other)
            if problem:
                return f"{qid}: {problem}"
        if len(other) > question.max_length:
            return f"{qid}: answer.too_long"
    return ""


def _asked(answers: dict, form: Form) -> str:
    """An answer to a question its conditions did not ask (reasons given with "Hài lòng"):
    it would swell that question's base, which counts only those it applied to."""
    values = {qid: _parts(entry)[0] for qid, entry in answers.items()}
    for question in form.questions:
        given = values.get(question.id)
        if given not in (None, "", []) and not question.applies(values):  # type: ignore[arg-type]
            return f"{question.id}: not asked (its condition is not met)"
    return ""


def _verdict(answers: dict, form: Form, verdict: str | None) -> str:
    """The answer's `verdict` (what the MĐHL counts) must be its verdict question's answer
    (what the verdict's table counts), one of the form's choices."""
    question = form.verdict
    if question is None:
        return "verdict: this form has no verdict" if verdict is not None else ""
    if verdict is not None and question.choice(verdict) is None:
        return f"verdict: {verdict[:64]!r} is not a choice of {question.id}"
    if question.id in answers and _parts(answers[question.id])[0] != verdict:
        return "verdict: differs from the answer to its question"
    return ""


def _parts(entry: object) -> tuple[object, object]:
    if isinstance(entry, dict):
        return entry.get("value"), entry.get("other_text", "") or ""
    return entry, ""


def _has_control(text: str) -> bool:
    return any(
        unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS for char in text
    )
