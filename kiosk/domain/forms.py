"""The form engine: a survey form is data (assets/forms/*.yaml), read and checked here.

A form is a list of questions shown one step at a time. Each question has a type the
screens know how to draw (single_choice, multi_choice, text, scale), texts in every
language, and optionally a `when` condition on earlier answers. One question may carry
`role: verdict`: the main rating, kept even when a citizen walks away after giving it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from kiosk.domain.yamlfile import Checker, YList, YMap, load_yaml

QUESTION_TYPES = ("single_choice", "multi_choice", "text", "scale")
LANGUAGES = ("vi", "en")

# The five levels of the SIPAS-style questionnaires, best first.
FIVE_LEVELS: tuple[tuple[str, dict[str, str]], ...] = (
    ("5", {"vi": "Rất hài lòng", "en": "Very satisfied"}),
    ("4", {"vi": "Hài lòng", "en": "Satisfied"}),
    ("3", {"vi": "Bình thường", "en": "Neutral"}),
    ("2", {"vi": "Không hài lòng", "en": "Dissatisfied"}),
    ("1", {"vi": "Rất không hài lòng", "en": "Very dissatisfied"}),
)

Text = dict[str, str]
AnswerValue = str | list[str] | None


@dataclass(frozen=True)
class Choice:
    id: str
    label: Text
    # A choice that opens a text box ("Lý do khác"): the prompt shown above the box.
    other_prompt: Text | None = None
    satisfied: bool | None = None


@dataclass(frozen=True)
class Question:
    id: str
    type: str
    text: Text
    choices: tuple[Choice, ...] = ()
    required: bool = True
    min_choices: int = 0
    max_choices: int | None = None
    max_length: int = 1000
    when: dict[str, tuple[str, ...]] = field(default_factory=dict)
    role: str = ""
    hint: Text | None = None

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def applies(self, answers: dict[str, AnswerValue]) -> bool:
        """Whether the question is asked, given the answers so far."""
        for other, accepted in self.when.items():
            given = answers.get(other)
            picked = given if isinstance(given, list) else [given]
            if not any(value in accepted for value in picked):
                return False
        return True


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


def _read_text(check: Checker, mapping: YMap, key: str, path: str, required: bool = True):
    value = check.get(mapping, key, dict, path, required=required)
    if value is None:
        return None
    for lang in LANGUAGES:
        if not isinstance(value.get(lang), str) or not value.get(lang).strip():
            check.problem(value, f"{path}.{key}.{lang}", "missing_language", lang=lang)
    return {str(k): str(v) for k, v in value.items()}


def _read_form(data: YMap, check: Checker, source: str) -> Form:
    check.unknown_keys(data, {"id", "version", "title", "questions"})
    form_id = check.get(data, "id", str, default="")
    version = check.get(data, "version", int, default=0)
    title = _read_text(check, data, "title", "") or {}
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


_QUESTION_KEYS = {
    "id", "type", "text", "hint", "choices", "required", "min", "max", "max_length",
    "when", "role", "scale",
}  # fmt: skip


def _read_question(
    raw: YMap, check: Checker, path: str, earlier: list[Question]
) -> Question | None:
    check.unknown_keys(raw, _QUESTION_KEYS, path)
    qid = check.get(raw, "id", str, path, default="")
    if qid and any(q.id == qid for q in earlier):
        check.problem(raw, f"{path}.id", "duplicate_id", id=qid)
    qtype = check.get(raw, "type", str, path, default="")
    if qtype and qtype not in QUESTION_TYPES:
        check.problem(raw, f"{path}.type", "bad_choice", allowed=", ".join(QUESTION_TYPES))
        return None
    text = _read_text(check, raw, "text", path) or {}
    hint = _read_text(check, raw, "hint", path, required=False)
    required = check.get(raw, "required", bool, path, required=False, default=True)
    choices = _read_choices(raw, check, path, qtype)
    min_choices = check.get(raw, "min", int, path, required=False, default=0)
    max_choices = check.get(raw, "max", int, path, required=False)
    if qtype != "multi_choice" and ("min" in raw or "max" in raw):
        check.problem(raw, f"{path}.min", "only_for_multi")
    if max_choices is not None and not (max(1, min_choices) <= max_choices <= len(choices)):
        check.problem(raw, f"{path}.max", "bad_range", low=max(1, min_choices), high=len(choices))
    if qtype == "multi_choice" and required and min_choices == 0:
        min_choices = 1
    role = check.get(raw, "role", str, path, required=False, default="")
    if role not in ("", "verdict"):
        check.problem(raw, f"{path}.role", "bad_choice", allowed="verdict")
    if role == "verdict" and qtype != "single_choice":
        check.problem(raw, f"{path}.role", "verdict_single_choice")
    when = _read_when(raw, check, path, earlier)
    max_length = check.get(raw, "max_length", int, path, required=False, default=1000)
    return Question(
        id=qid, type=qtype, text=text, choices=choices, required=required,
        min_choices=min_choices, max_choices=max_choices, max_length=max_length,
        when=when, role=role, hint=hint,
    )  # fmt: skip


def _read_choices(raw: YMap, check: Checker, path: str, qtype: str) -> tuple[Choice, ...]:
    if qtype == "scale":
        scale = check.get(raw, "scale", str, path, required=False, default="five_level")
        if scale != "five_level":
            check.problem(raw, f"{path}.scale", "bad_choice", allowed="five_level")
        if "choices" in raw:
            check.problem(raw, f"{path}.choices", "scale_has_levels")
        return tuple(Choice(value, label) for value, label in FIVE_LEVELS)
    if qtype == "text":
        if "choices" in raw:
            check.problem(raw, f"{path}.choices", "text_has_no_choices")
        return ()
    raw_choices = check.get(raw, "choices", list, path, default=YList())
    choices: list[Choice] = []
    for index, item in enumerate(raw_choices):
        cpath = f"{path}.choices[{index}]"
        if not isinstance(item, YMap):
            check.problem(raw_choices, cpath, "not_a_mapping")
            continue
        check.unknown_keys(item, {"id", "label", "other", "satisfied"}, cpath)
        cid = check.get(item, "id", str, cpath, default="")
        if cid and any(c.id == cid for c in choices):
            check.problem(item, f"{cpath}.id", "duplicate_id", id=cid)
        label = _read_text(check, item, "label", cpath) or {}
        other = _read_text(check, item, "other", cpath, required=False)
        satisfied = check.get(item, "satisfied", bool, cpath, required=False)
        choices.append(Choice(cid, label, other, satisfied))
    if qtype in ("single_choice", "multi_choice") and len(choices) < 2 and raw_choices:
        check.problem(raw, f"{path}.choices", "too_few_choices")
    return tuple(choices)


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
