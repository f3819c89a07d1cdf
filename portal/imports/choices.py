"""How a clerk types a choice, and how the import's messages name one.

A cell holds the number printed beside a choice on the paper form: the choice's id where
the form numbers its choices ("3"; also "03" or "3.0", as a spreadsheet writes it), or,
where a form's ids are words (the quick form's "satisfied"), the id itself or its printed
position counted from 1. A message names a choice the way the clerk reads the paper: its
number and its Vietnamese label ("3 = Trễ hẹn" in a list, "3 (Trễ hẹn)" in a condition),
a long label cut short with "…" so that a list of thirteen still fits a line.
"""

from __future__ import annotations

import re

from kiosk.domain.forms import Question, localized
from kiosk.locale import translate

LABEL_CHARS = 32  # of a label in a message; the paper form has the rest
_NUMBER = re.compile(r"0*(\d+)(?:\.0+)?")


def choice_id(question: Question, item: str) -> str | None:
    """A typed choice as the form's id, or None when the question has no such choice."""
    if question.choice(item) is not None:
        return item
    number = _NUMBER.fullmatch(item)
    if number is None:
        return None
    if question.choice(number.group(1)) is not None:
        return number.group(1)
    position = int(number.group(1))
    if by_position(question) and 1 <= position <= len(question.choices):
        return question.choices[position - 1].id
    return None


def by_position(question: Question) -> bool:
    """Whether its choices are typed by printed number: their ids are not numbers."""
    return not any(c.id.isdigit() for c in question.choices)


def choices_text(question: Question) -> str:
    """Every choice a cell may hold, for an error: "1 = Trước hẹn, 2 = Đúng hẹn, …"."""
    return ", ".join(
        f"{_typed(question, c.id)} = {_label(question, c.id)}" for c in question.choices
    )


def condition_words(question: Question, others: dict[str, Question]) -> str:
    """The question's `when` with each accepted choice's number and label."""
    either = f" {translate('vi', 'import.or')} "
    parts = []
    for other_id, accepted in question.when.items():
        other = others[other_id]
        named = either.join(f"{_typed(other, v)} ({_label(other, v)})" for v in accepted)
        parts.append(translate("vi", "import.condition", question=other_id, choices=named))
    return "; ".join(parts)


def other_label(question: Question) -> str:
    """The label of the choice that asks for a text ("Lý do khác"), or ""."""
    return next((localized(c.label, "vi") for c in question.choices if c.other_prompt), "")


def _typed(question: Question, cid: str) -> str:
    """What a clerk types for that choice: its id, or its printed number."""
    if not by_position(question):
        return cid
    return str(next(n for n, c in enumerate(question.choices, start=1) if c.id == cid))


def _label(question: Question, cid: str) -> str:
    choice = question.choice(cid)
    label = " ".join(localized(choice.label, "vi").split()) if choice else cid
    if len(label) <= LABEL_CHARS:
        return label
    cut = label[: LABEL_CHARS - 1].rsplit(" ", 1)[0].rstrip(",;:.-–")
    return cut + "…"
