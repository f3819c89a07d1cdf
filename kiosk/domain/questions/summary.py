"""The wire contract's quick-form summary of an answer: its `reasons` and `comment` fields.

Every question's answer is kept as itself (`answers`, question id → value and other text).
The contract (portal/openapi.json) also carries two summary fields from the days of the
quick form only, and receivers read them: `reasons`, every chosen id of the multi-choice
questions, and `comment`, every free text (text questions, then "other" boxes), joined by
new lines. They are worked out here and nowhere else, from the answers and the form.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kiosk.domain.flow import Answer
from kiosk.domain.forms import Form
from kiosk.domain.questions import QUESTION_TYPES


@dataclass(frozen=True)
class QuickSummary:
    reasons: list[str]
    comment: str


def quick_summary(form: Form, answers: Mapping[str, Answer]) -> QuickSummary:
    """The contract's `reasons` and `comment` for these answers (in the order given)."""
    fields = {q.id: QUESTION_TYPES[q.type].summary_field for q in form.questions}
    reasons: list[str] = []
    texts: list[str] = []
    for qid, answer in answers.items():
        field, value = fields.get(qid, ""), answer.value
        if field == "reasons" and isinstance(value, list):
            reasons += value
        elif field == "comment" and isinstance(value, str) and value:
            texts.append(value)
    texts += [a.other_text for a in answers.values() if a.other_text]
    return QuickSummary(reasons, "\n".join(texts))
