"""single_choice: one tap on one of the form's choices (the verdict is one of these)."""

from __future__ import annotations

import random

from kiosk.domain.questions.base import (
    Given,
    Question,
    QuestionType,
    TypeFields,
    read_choices,
    refuse_min_max,
)
from kiosk.domain.yamlfile import Checker, YMap


def read(entry: YMap, check: Checker, path: str, _required: bool) -> TypeFields:
    choices = read_choices(entry, check, path)
    refuse_min_max(entry, check, path)
    return TypeFields(choices)


def one_of_the_choices(question: Question, value: Given, other_text: str) -> str:
    """The answer rule of a question answered by one tap: one of its choice ids (and the
    text its choice may ask for, within the question's length)."""
    if not (isinstance(value, str) and question.choice(value) is not None):
        return "answer.unknown_choice"
    return "answer.too_long" if len(other_text) > question.max_length else ""


def demo_answer(
    question: Question, rng: random.Random, satisfied_share: float
) -> tuple[Given, str]:
    """Any choice; where the choices say which are satisfied, that share of satisfied ones."""
    liked = [c.id for c in question.choices if c.satisfied]
    others = [c.id for c in question.choices if not c.satisfied]
    if any(c.satisfied is not None for c in question.choices) and liked and others:
        return rng.choice(liked if rng.random() < satisfied_share else others), ""
    return rng.choice([c.id for c in question.choices]), ""


TYPE = QuestionType(
    keys=frozenset({"choices"}),
    read=read,
    problem=one_of_the_choices,
    demo_answer=demo_answer,
    screen="single_choice",
    words=(
        "answer.unknown_choice",
        "answer.too_long",
        "nav.back",
        "problem.too_few_choices",
        "problem.only_for_multi",
    ),
    can_be_verdict=True,
)
