"""What every question is made of (texts, choices), and what a question type must give.

A `Question` is one entry of a form file, read by `kiosk.domain.forms`; a `QuestionType`
is what one kind of question (single_choice, scale, …) adds to that: the keys it reads,
its answer rule, its demo answerer, the screen that asks it and its words. The types are
registered in `kiosk.domain.questions`.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from kiosk.domain.yamlfile import Checker, YList, YMap

LANGUAGES = ("vi", "en")

Text = dict[str, str]
# Labels a report groups by, as data (a SIPAS dimension, the indicators a reason feeds):
# tag name → one value or several. The engine keeps them; it gives them no meaning.
Tags = dict[str, str | tuple[str, ...]]
AnswerValue = str | list[str] | None
# What a citizen gives for one question: a choice id, several ids, or text.
Given = str | list[str]

# Free texts the demo answerers write, as citizens do at a counter.
DEMO_COMMENTS = (
    "Cán bộ hướng dẫn nhiệt tình, chu đáo.",
    "Thủ tục nhanh gọn, đúng hẹn.",
    "Nên bố trí thêm ghế ngồi chờ.",
    "Phải chờ lâu, đề nghị bố trí thêm cán bộ tiếp nhận.",
    "Hướng dẫn trên trang dịch vụ công chưa rõ ràng.",
)


def nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


@dataclass(frozen=True)
class Choice:
    id: str
    label: Text
    # A choice that opens a text box ("Lý do khác"): the prompt shown above the box.
    other_prompt: Text | None = None
    satisfied: bool | None = None
    tags: Tags = field(default_factory=dict)


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
    tags: Tags = field(default_factory=dict)

    def choice(self, choice_id: str) -> Choice | None:
        return next((c for c in self.choices if c.id == choice_id), None)

    def applies(self, answers: Mapping[str, AnswerValue]) -> bool:
        """Whether the question is asked, given the answers so far."""
        for other, accepted in self.when.items():
            given = answers.get(other)
            picked = given if isinstance(given, list) else [given]
            if not any(value in accepted for value in picked):
                return False
        return True

    def opens_a_text_box(self, value: AnswerValue) -> bool:
        """Whether a choice given in `value` asks for a text ("Lý do khác"): only then is
        an answer's other text kept (kiosk.domain.flow.Survey.answer)."""
        picked = value if isinstance(value, list) else [value]
        return any(c.other_prompt for c in self.choices if c.id in picked)


@dataclass(frozen=True)
class TypeFields:
    """What a type reads from a question's entry, beyond what every question has."""

    choices: tuple[Choice, ...] = ()
    min_choices: int = 0
    max_choices: int | None = None


def _unchanged(value: Given) -> Given:
    return value


@dataclass(frozen=True)
class QuestionType:
    """One kind of question, whole: from the form file to the screen and the demo data."""

    # The keys it reads from a question's entry (beyond id, type, text, hint, required,
    # max_length, when, role, tags), and `read(entry, check, path, required)`, which reads and
    # checks them when the form is loaded.
    keys: frozenset[str]
    read: Callable[[YMap, Checker, str, bool], TypeFields]
    # The answer rule: `problem(question, value, other_text)` is a locale key, '' if accepted.
    problem: Callable[[Question, Given, str], str]
    # A citizen's plausible answer, (value, other_text), for demo data and benchmarks;
    # `satisfied_share` is how often a choice marked `satisfied: true` is picked.
    demo_answer: Callable[[Question, random.Random, float], tuple[Given, str]]
    # The screen that asks it: a name in kiosk.ui.screens.SCREENS (the UI builds it).
    screen: str
    # Its words: every locale key its checks, answer rule and screen use.
    words: tuple[str, ...]
    # How an accepted value is kept (text: NFC, trimmed).
    clean: Callable[[Given], Given] = _unchanged
    # Whether it may be the form's `role: verdict`.
    can_be_verdict: bool = False
    # Whether its choices stand side by side on a landscape screen (a scale's five levels
    # read across, as on paper); else they stand one under another, but for two.
    across: bool = False
    # Which field of the wire contract's quick-form summary its answers feed ("reasons":
    # the chosen ids, "comment": the text), or "" (see kiosk.domain.questions.summary).
    summary_field: str = ""


def read_text(
    check: Checker, mapping: YMap, key: str, path: str, required: bool = True
) -> Text | None:
    """A text in every language (`{vi: …, en: …}`), or None when absent and optional."""
    value = check.get(mapping, key, dict, path, required=required)
    if value is None:
        return None
    for lang in LANGUAGES:
        text = value.get(lang)
        if not isinstance(text, str) or not text.strip():
            check.problem(value, f"{path}.{key}.{lang}", "missing_language", lang=lang)
    return {str(k): str(v) for k, v in value.items()}


def read_choices(entry: YMap, check: Checker, path: str) -> tuple[Choice, ...]:
    """The `choices` list of a question: ids, labels, an `other` prompt, `satisfied` marks."""
    raw_choices = check.get(entry, "choices", list, path, default=YList())
    choices: list[Choice] = []
    for index, item in enumerate(raw_choices):
        cpath = f"{path}.choices[{index}]"
        if not isinstance(item, YMap):
            check.problem(raw_choices, cpath, "not_a_mapping")
            continue
        check.unknown_keys(item, {"id", "label", "other", "satisfied", "tags"}, cpath)
        cid = check.get(item, "id", str, cpath, default="")
        if cid and any(c.id == cid for c in choices):
            check.problem(item, f"{cpath}.id", "duplicate_id", id=cid)
        label = read_text(check, item, "label", cpath) or {}
        other = read_text(check, item, "other", cpath, required=False)
        satisfied = check.get(item, "satisfied", bool, cpath, required=False)
        choices.append(Choice(cid, label, other, satisfied, read_tags(check, item, cpath)))
    if len(choices) < 2 and raw_choices:
        check.problem(entry, f"{path}.choices", "too_few_choices")
    return tuple(choices)


# Tags are labels, not documents: a few short names per question or choice.
MAX_TAGS = 16
MAX_TAG_VALUES = 32
MAX_TAG_LENGTH = 100


def read_tags(check: Checker, mapping: YMap, path: str) -> Tags:
    """The `tags` mapping of a question or choice: short strings, or lists of them."""
    raw = check.get(mapping, "tags", dict, path, required=False, default={})
    tpath = f"{path}.tags"
    if len(raw) > MAX_TAGS:
        check.problem(mapping, tpath, "bad_range", low=0, high=MAX_TAGS)
        return {}
    tags: Tags = {}
    for raw_name, value in raw.items():
        name = str(raw_name)  # YAML reads `1:` as a number; a tag's name is its text
        key = f"{tpath}.{name}"
        if not _short_text(name, check, raw, key):
            continue
        values = value if isinstance(value, list) else None
        if values is None and not isinstance(value, str):
            check.problem(raw, key, "wrong_type", expected="str_or_list_of_str")
        elif values is None:
            if _short_text(value, check, raw, key):
                tags[name] = value
        elif len(values) > MAX_TAG_VALUES:
            check.problem(raw, key, "bad_range", low=0, high=MAX_TAG_VALUES)
        elif not all(isinstance(v, str) for v in values):
            check.problem(raw, key, "wrong_type", expected="str_or_list_of_str")
        elif all(_short_text(v, check, raw, key) for v in values):
            tags[name] = tuple(values)
    return tags


def _short_text(value: str, check: Checker, where: YMap, key: str) -> bool:
    if not value.strip():
        check.problem(where, key, "empty")
        return False
    if len(value) > MAX_TAG_LENGTH:
        check.problem(where, key, "too_long", limit=MAX_TAG_LENGTH)
        return False
    return True


def refuse_min_max(entry: YMap, check: Checker, path: str) -> None:
    """`min` and `max` (how many choices may be ticked) belong to multi_choice only."""
    if "min" in entry or "max" in entry:
        check.problem(entry, f"{path}.min", "only_for_multi")
