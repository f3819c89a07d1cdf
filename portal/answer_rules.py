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


def answers_problem(answers: object, form: Form) -> str:
    """'' when every answer is one the form accepts; else the first problem, for the
    intake event ("Q16: answer.too_many")."""
    if not isinstance(answers, dict):
        return "answers: not an object"
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


def _parts(entry: object) -> tuple[object, object]:
    if isinstance(entry, dict):
        return entry.get("value"), entry.get("other_text", "") or ""
    return entry, ""


def _has_control(text: str) -> bool:
    return any(
        unicodedata.category(char) == "Cc" and char not in _ALLOWED_CONTROLS for char in text
    )
