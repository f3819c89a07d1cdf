"""The form engine: a survey form is data (assets/forms/*.yaml), read and checked here.

A form is a list of questions shown one step at a time. Each question has a type (one
of kiosk.domain.questions, which reads and checks the type's own keys), texts in every
language, and optionally a `when` condition on earlier answers. One question may carry
`role: verdict`: the main rating, kept even when a citizen walks away after giving it.
Questions and choices may carry `tags` (name → text or list of texts): labels reports
group by, such as a SIPAS dimension; the engine checks and keeps them, nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.base import (
    LANGUAGES,
    AnswerValue,
    Choice,
    Question,
    Tags,
    Text,
    TypeFields,
    read_choices,
    read_tags,
    read_text,
)
from kiosk.domain.yamlfile import Checker, YList, YMap, load_yaml

# What the form engine hands on: the shapes of a question live with the question types.
__all__ = [
    "LANGUAGES",
    "AnswerValue",
    "Choice",
    "Form",
    "Question",
    "Tags",
    "Text",
    "load_form",
    "localized",
]


@dataclass(frozen=True)
class Form:
    id: str
    version: int
    title: Text
    questions: tuple[Question, ...]
    source: str = ""

    @property
    def verdict(self) -> Question | None:
        return next((q for q in self.questions if q.role == "verdict"), None)

    @property
    def satisfied_verdicts(self) -> tuple[str, ...]:
        """The verdict's choices marked `satisfied: true`: what counts as a satisfied citizen."""
        verdict = self.verdict
        return tuple(c.id for c in verdict.choices if c.satisfied) if verdict else ()

    def question(self, question_id: str) -> Question:
        return next(q for q in self.questions if q.id == question_id)


def load_form(path: Path) -> Form:
    """Read and check a form file; raise FileProblems naming file, line and problem."""
    data = load_yaml(path)
    check = Checker(str(path))
    if not isinstance(data, YMap):
        check.problem(data if isinstance(data, YList) else None, "", "not_a_mapping")
        check.raise_if_any()
    form = _read_form(data, check, str(path))
    check.raise_if_any()
    return form


def _read_form(data: YMap, check: Checker, source: str) -> Form:
    check.unknown_keys(data, {"id", "version", "title", "questions"})
    form_id = check.get(data, "id", str, default="")
    version = check.get(data, "version", int, default=0)
    title = read_text(check, data, "title", "") or {}
    raw_questions = check.get(data, "questions", list, default=YList())
    if not raw_questions and "questions" in data:
        check.problem(data, "questions", "empty")
    questions: list[Question] = []
    for index, raw in enumerate(raw_questions):
        path = f"questions[{index}]"
        if not isinstance(raw, YMap):
            check.problem(raw_questions, path, "not_a_mapping")
            continue
        question = _read_question(raw, check, path, questions)
        if question is not None:
            questions.append(question)
    if sum(q.role == "verdict" for q in questions) > 1:
        check.problem(data, "questions", "two_verdicts")
    return Form(form_id, version, title, tuple(questions), source)


# What every question has; each type adds its own keys (QuestionType.keys).
_COMMON_KEYS = {"id", "type", "text", "hint", "required", "max_length", "when", "role", "tags"}
_QUESTION_KEYS = _COMMON_KEYS.union(*(kind.keys for kind in QUESTION_TYPES.values()))


def _read_question(
    raw: YMap, check: Checker, path: str, earlier: list[Question]
) -> Question | None:
    check.unknown_keys(raw, _QUESTION_KEYS, path)
    qid = check.get(raw, "id", str, path, default="")
    if qid and any(q.id == qid for q in earlier):
        check.problem(raw, f"{path}.id", "duplicate_id", id=qid)
    qtype = check.get(raw, "type", str, path, default="")
    kind = QUESTION_TYPES.get(qtype)
    if qtype and kind is None:
        check.problem(raw, f"{path}.type", "bad_choice", allowed=", ".join(QUESTION_TYPES))
        return None
    text = read_text(check, raw, "text", path) or {}
    hint = read_text(check, raw, "hint", path, required=False)
    required = check.get(raw, "required", bool, path, required=False, default=True)
    if kind is not None:
        fields = kind.read(raw, check, path, required)
    else:  # no type (a problem already): its choices are still read for later conditions
        fields = TypeFields(read_choices(raw, check, path))
    role = check.get(raw, "role", str, path, required=False, default="")
    if role not in ("", "verdict"):
        check.problem(raw, f"{path}.role", "bad_choice", allowed="verdict")
    if role == "verdict" and not (kind and kind.can_be_verdict):
        check.problem(raw, f"{path}.role", "verdict_single_choice")
    when = _read_when(raw, check, path, earlier)
    max_length = check.get(raw, "max_length", int, path, required=False, default=1000)
    return Question(
        id=qid,
        type=qtype,
        text=text,
        choices=fields.choices,
        required=required,
        min_choices=fields.min_choices,
        max_choices=fields.max_choices,
        max_length=max_length,
        when=when,
        role=role,
        hint=hint,
        tags=read_tags(check, raw, path),
    )


def _read_when(
    raw: YMap, check: Checker, path: str, earlier: list[Question]
) -> dict[str, tuple[str, ...]]:
    when = check.get(raw, "when", dict, path, required=False, default={})
    result: dict[str, tuple[str, ...]] = {}
    for other, accepted in when.items():
        target = next((q for q in earlier if q.id == other), None)
        values = tuple(str(v) for v in accepted) if isinstance(accepted, list) else (str(accepted),)
        if target is None:
            check.problem(when, f"{path}.when.{other}", "unknown_question", id=other)
            continue
        known = {c.id for c in target.choices}
        for value in values:
            if value not in known:
                check.problem(when, f"{path}.when.{other}", "unknown_choice", id=value)
        result[str(other)] = values
    return result


def localized(text: Text | None, language: str) -> str:
    """The text in the given language, falling back to Vietnamese."""
    if not text:
        return ""
    return text.get(language) or text.get("vi") or next(iter(text.values()), "")
