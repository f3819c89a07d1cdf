"""multi_choice: several of the form's choices ticked (the reasons for "Chưa hài lòng").

`min` and `max` say how many may be ticked (a required one needs at least one). A choice
with an `other` prompt ("Lý do khác") asks for a text when it is ticked.
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
    read_choices,
)
from kiosk.domain.yamlfile import Checker, YMap


def read(entry: YMap, check: Checker, path: str, required: bool) -> TypeFields:
    choices = read_choices(entry, check, path)
    low = check.get(entry, "min", int, path, required=False, default=0)
    high = check.get(entry, "max", int, path, required=False)
    if high is not None and not (max(1, low) <= high <= len(choices)):
        check.problem(entry, f"{path}.max", "bad_range", low=max(1, low), high=len(choices))
    return TypeFields(choices, 1 if required and low == 0 else low, high)


def problem(question: Question, value: Given, other_text: str) -> str:
    if not isinstance(value, list) or any(question.choice(v) is None for v in value):
        return "answer.unknown_choice"
    if len(set(value)) != len(value):
        return "answer.unknown_choice"
    if len(value) < question.min_choices:
        return "answer.choose_one"
    if question.max_choices is not None and len(value) > question.max_choices:
        return "answer.too_many"
    if len(other_text) > question.max_length:
        return "answer.too_long"
    if question.opens_a_text_box(value) and not nfc(other_text):
        return "answer.other_required"  # "Lý do khác" ticked with nothing written
    return ""


def demo_answer(
    question: Question, rng: random.Random, _satisfied_share: float
) -> tuple[Given, str]:
    ids = [c.id for c in question.choices]
    high = question.max_choices or max(min(3, len(ids)), question.min_choices)
    picked = rng.sample(ids, rng.randint(max(1, question.min_choices), high))
    return picked, rng.choice(DEMO_COMMENTS) if question.opens_a_text_box(picked) else ""


TYPE = QuestionType(
    keys=frozenset({"choices", "min", "max"}),
    read=read,
    problem=problem,
    demo_answer=demo_answer,
    screen="multi_choice",
    words=(
        "answer.unknown_choice",
        "answer.choose_one",
        "answer.too_many",
        "answer.too_long",
        "answer.other_required",
        "multi.other_tap",
        "keyboard.done",
        "nav.back",
        "nav.next",
        "nav.done",
        "problem.too_few_choices",
        "problem.bad_range",
    ),
    summary_field="reasons",
)
