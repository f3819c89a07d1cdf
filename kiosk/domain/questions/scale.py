"""scale: the five levels of the SIPAS-style questionnaires, built in; asked as one tap.

The levels are numbered as the paper forms number them, best first: Rất hài lòng is "1",
Rất không hài lòng "5" (the number a clerk types from a paper form). `satisfied_levels`
says which of them count as a satisfied citizen (SIPAS: ["1", "2"]); they become the
levels' `satisfied` marks, as a single_choice's choices carry them.
"""

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
from kiosk.domain.yamlfile import Checker, YList, YMap

# The five levels, best first.
FIVE_LEVELS: tuple[tuple[str, dict[str, str]], ...] = (
    ("1", {"vi": "Rất hài lòng", "en": "Very satisfied"}),
    ("2", {"vi": "Hài lòng", "en": "Satisfied"}),
    ("3", {"vi": "Bình thường", "en": "Neutral"}),
    ("4", {"vi": "Không hài lòng", "en": "Dissatisfied"}),
    ("5", {"vi": "Rất không hài lòng", "en": "Very dissatisfied"}),
)


def read(entry: YMap, check: Checker, path: str, _required: bool) -> TypeFields:
    scale = check.get(entry, "scale", str, path, required=False, default="five_level")
    if scale != "five_level":
        check.problem(entry, f"{path}.scale", "bad_choice", allowed="five_level")
    if "choices" in entry:
        check.problem(entry, f"{path}.choices", "scale_has_levels")
    refuse_min_max(entry, check, path)
    satisfied = _satisfied_levels(entry, check, path)
    return TypeFields(
        tuple(
            Choice(value, label, satisfied=None if satisfied is None else value in satisfied)
            for value, label in FIVE_LEVELS
        )
    )


def _satisfied_levels(entry: YMap, check: Checker, path: str) -> set[str] | None:
    """The levels named in `satisfied_levels`, or None when the form does not say."""
    raw = check.get(entry, "satisfied_levels", list, path, required=False, default=None)
    if raw is None:
        return None
    key = f"{path}.satisfied_levels"
    if not raw:
        check.problem(entry, key, "empty")
    known = {value for value, _label in FIVE_LEVELS}
    levels = {str(level) for level in raw}
    for level in sorted(levels - known):
        check.problem(raw if isinstance(raw, YList) else entry, key, "unknown_choice", id=level)
    return levels & known


def demo_answer(
    question: Question, rng: random.Random, _satisfied_share: float
) -> tuple[Given, str]:
    return rng.choice([c.id for c in question.choices]), ""


TYPE = QuestionType(
    keys=frozenset({"scale", "satisfied_levels"}),
    read=read,
    problem=one_of_the_choices,
    demo_answer=demo_answer,
    screen="single_choice",
    words=(
        "answer.unknown_choice",
        "answer.too_long",
        "nav.back",
        "problem.bad_choice",
        "problem.scale_has_levels",
        "problem.only_for_multi",
        "problem.empty",
        "problem.unknown_choice",
    ),
    across=True,
)
