"""text: a free text ("Các ý kiến góp ý khác"), typed on the kiosk's own keyboard.

It is kept NFC and trimmed, so that the same words typed two ways are one text.
"""

from __future__ import annotations

import random

from kiosk.domain.questions.base import (
    DEMO_COMMENTS,
    Given,
    Question,
    QuestionType,
    TypeFields,
    nfc,
    refuse_min_max,
)
from kiosk.domain.yamlfile import Checker, YMap


def read(entry: YMap, check: Checker, path: str, _required: bool) -> TypeFields:
    if "choices" in entry:
        check.problem(entry, f"{path}.choices", "text_has_no_choices")
    refuse_min_max(entry, check, path)
    return TypeFields()


def problem(question: Question, value: Given, _other_text: str) -> str:
    if not isinstance(value, str):
        return "answer.not_text"
    if question.required and not nfc(value):
        return "answer.text_required"
    return "answer.too_long" if len(nfc(value)) > question.max_length else ""


def clean(value: Given) -> Given:
    return nfc(value) if isinstance(value, str) else value


def demo_answer(
    question: Question, rng: random.Random, _satisfied_share: float
) -> tuple[Given, str]:
    """Most citizens leave an optional text empty."""
    written = rng.random() < 0.3 or question.required
    return (rng.choice(DEMO_COMMENTS) if written else ""), ""


TYPE = QuestionType(
    keys=frozenset(),
    read=read,
    problem=problem,
    demo_answer=demo_answer,
    screen="text",
    words=(
        "answer.not_text",
        "answer.text_required",
        "answer.too_long",
        "comment.on_phone",
        "comment.phone_title",
        "comment.phone_hint",
        "comment.phone_close",
        "nav.back",
        "nav.next",
        "nav.done",
        "problem.text_has_no_choices",
        "problem.only_for_multi",
    ),
    clean=clean,
    summary_field="comment",
)
