"""scale: the five levels of the SIPAS-style questionnaires, built in; asked as one tap."""

from __future__ import annotations

import random

from kiosk.domain.questions.base import (
    Choice,
    Given,
    Question,
    QuestionType,
    TypeFields,
    refuse_min_max,
)
from kiosk.domain.questions.single_choice import one_of_the_choices
from kiosk.domain.yamlfile import Checker, YMap

# The five levels, best first.
FIVE_LEVELS: tuple[tuple[str, dict[str, str]], ...] = (
    ("5", {"vi": "Rất hài lòng", "en": "Very satisfied"}),
    ("4", {"vi": "Hài lòng", "en": "Satisfied"}),
    ("3", {"vi": "Bình thường", "en": "Neutral"}),
    ("2", {"vi": "Không hài lòng", "en": "Dissatisfied"}),
    ("1", {"vi": "Rất không hài lòng", "en": "Very dissatisfied"}),
)


def read(entry: YMap, check: Checker, path: str, _required: bool) -> TypeFields:
    scale = check.get(entry, "scale", str, path, required=False, default="five_level")
    if scale != "five_level":
        check.problem(entry, f"{path}.scale", "bad_choice", allowed="five_level")
    if "choices" in entry:
        check.problem(entry, f"{path}.choices", "scale_has_levels")
    refuse_min_max(entry, check, path)
    return TypeFields(tuple(Choice(value, label) for value, label in FIVE_LEVELS))


def demo_answer(
    question: Question, rng: random.Random, _satisfied_share: float
) -> tuple[Given, str]:
    return rng.choice([c.id for c in question.choices]), ""


TYPE = QuestionType(
    keys=frozenset({"scale"}),
    read=read,
    problem=one_of_the_choices,
    demo_answer=demo_answer,
    screen="single_choice",
    words=(
        "answer.unknown_choice",
        "nav.back",
        "problem.bad_choice",
        "problem.scale_has_levels",
        "problem.only_for_multi",
    ),
)
