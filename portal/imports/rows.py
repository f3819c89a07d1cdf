"""Each row of a clerk's sheet checked against the form, by the form engine's own rules.

A cell holds the choice number(s) as printed on the paper form ("1;3;7" for several, in
any order: kept in the form's order; where a form's choice ids are words, as the quick
form's, the printed number or the id), a text question's text, nothing when the question
was not asked, or "-" when the respondent left an asked question blank on paper: that
answer is kept as incomplete, whereas an empty cell where an answer is due is an error
(far more often a cell the clerk skipped than a blank on the form).

Conditions are the form's (`when`): an answer to a question that was not to be asked is an
error, as is a required question left empty. Then the question type's answer rule (how
many choices, how long a text) decides, exactly as on the kiosk.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date, datetime

from kiosk.domain.flow import Answer
from kiosk.domain.forms import AnswerValue, Question, localized
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.base import nfc
from kiosk.locale import translate
from portal.imports.layout import Issue, Layout
from portal.imports.sheet import SheetRow

BLANK = "-"  # the respondent left this question blank on the paper form
MAX_FORM_NO = 64
_SEPARATORS = re.compile(r"[;,\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
EARLIEST = date(2000, 1, 1)  # no paper form of these surveys is older; a typo is likelier


@dataclass(frozen=True)
class Paper:
    """A row that passed: one paper form (or call), ready to become an answer."""

    row: int
    form_no: str
    day: date | None
    counter: str
    answers: dict[str, Answer]  # in the form's order
    complete: bool  # False: a required question asked was left blank ("-") on paper


@dataclass(frozen=True)
class Rules:
    """What a row is checked against: the form, where its columns are, the unit's
    counters, and today (no form is filled in tomorrow)."""

    layout: Layout
    header: list[str]
    questions: tuple[Question, ...]
    unit: str
    counters: frozenset[str]
    today: date


class RowChecker:
    """Checks rows one after another (a form number may appear once in a file)."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.seen: dict[str, int] = {}  # form number → the row it was first on

    def check(self, row: SheetRow) -> tuple[Paper | None, list[Issue]]:
        """The row as a Paper, or None and every problem found in it."""
        work = _Row(self.rules, row)
        form_no = work.form_no(self.seen)
        day = work.day()
        counter = work.counter()
        for question in self.rules.questions:
            work.question(question)
        work.stray_other_texts()
        if work.issues:
            return None, work.issues
        return Paper(row.number, form_no, day, counter, work.answers, work.complete), []


@dataclass
class _Row:
    rules: Rules
    row: SheetRow
    issues: list[Issue] = field(default_factory=list)
    answers: dict[str, Answer] = field(default_factory=dict)
    values: dict[str, AnswerValue] = field(default_factory=dict)
    complete: bool = True
    unknown: set[str] = field(default_factory=set)  # questions whose answer is in error

    def __post_init__(self) -> None:
        for issue in self.row.issues:  # what the sheet could not read
            self.problem(issue.column, issue.key, **issue.params)
        self.broken = {issue.column for issue in self.row.issues}

    def problem(self, at: int | None, key: str, **params: object) -> None:
        """A problem at a column (None: the row's), the key and values of its words."""
        heading = self.rules.header[at] if at is not None else ""
        self.issues.append(Issue(self.row.number, at, heading, key, params))

    def cell(self, column: int | None) -> str:
        return "" if column is None else self.row.cells[column].strip()

    def form_no(self, seen: dict[str, int]) -> str:
        column = self.rules.layout.form_no
        number = self.cell(column)
        if column in self.broken:
            return number
        if not number:
            self.problem(column, "import.form_no_empty")
        elif len(number) > MAX_FORM_NO:
            self.problem(column, "import.form_no_too_long", limit=MAX_FORM_NO)
        elif number in seen:
            self.problem(column, "import.form_no_twice", form_no=number, first=seen[number])
        else:
            seen[number] = self.row.number
        return number

    def day(self) -> date | None:
        column = self.rules.layout.date
        text = self.cell(column)
        if not text or column in self.broken:
            return None
        found = _parse_date(text)
        if found is None or found < EARLIEST:
            self.problem(column, "import.bad_date", value=text)
        elif found > self.rules.today:
            self.problem(column, "import.future_date", value=text)
        return found

    def counter(self) -> str:
        column = self.rules.layout.counter
        code = self.cell(column)
        if code and column not in self.broken and code not in self.rules.counters:
            self.problem(column, "import.unknown_counter", unit=self.rules.unit, value=code)
        return code

    def question(self, question: Question) -> None:
        column = self.rules.layout.questions[question.id]
        text = self.row.cells[column].strip()
        if column in self.broken:
            self.unknown.add(question.id)
            return
        # A condition on an answer that is itself wrong is not judged: one mistake, one error.
        unsure = any(other in self.unknown for other in question.when)
        asked = question.applies(self.values)
        if not text:
            if question.required and asked and not unsure:
                self.problem(column, "import.required_empty", question=question.id)
        elif text == BLANK:
            self.complete = self.complete and not (question.required and asked)
        elif not asked and not unsure:
            condition = _condition(question)
            self.problem(
                column, "import.not_asked", question=question.id, condition=condition, value=text
            )
            self.unknown.add(question.id)
        else:
            value = self.value(question, column, text)
            if value is None or not self.given(question, column, value):
                self.unknown.add(question.id)

    def value(self, question: Question, column: int, text: str) -> str | list[str] | None:
        """The cell as the question's value (choice ids, or the text), or None if wrong."""
        if not question.choices:
            return text
        items = [item for item in _SEPARATORS.split(text.strip()) if item]
        ids = [_choice_id(question, item) for item in items]
        unknown = [item for item, cid in zip(items, ids, strict=True) if cid is None]
        if unknown:
            choices = _choices_text(question)
            self.problem(
                column,
                "import.unknown_choice",
                value=unknown[0],
                question=question.id,
                choices=choices,
            )
            return None
        picked = [cid for cid in ids if cid is not None]
        if question.type != "multi_choice":
            if len(picked) > 1:
                self.problem(column, "import.one_choice", question=question.id, value=text)
                return None
            return picked[0]
        twice = next((cid for index, cid in enumerate(picked) if cid in picked[:index]), None)
        if twice is not None:
            self.problem(column, "import.repeated_choice", value=twice)
            return None
        order = [c.id for c in question.choices]
        return sorted(picked, key=order.index)

    def given(self, question: Question, column: int, value: str | list[str]) -> bool:
        """The form engine's answer rule on the value (and its "other" text), as on a kiosk;
        whether it was accepted (and kept)."""
        kind = QUESTION_TYPES[question.type]
        other_column = self.rules.layout.others.get(question.id)
        other = self.row.cells[other_column] if other_column is not None else ""
        code = kind.problem(question, value, other)
        if code:
            self.refused(question, column, other_column, code, value)
            return False
        picked = value if isinstance(value, list) else [value]
        asking = [c for c in question.choices if c.other_prompt and c.id in picked]
        if other.strip() and not asking and other_column is not None:
            label = _other_label(question)
            self.problem(other_column, "import.other_unticked", question=question.id, label=label)
            return False
        self.values[question.id] = kind.clean(value)
        self.answers[question.id] = Answer(kind.clean(value), nfc(other))
        return True

    def refused(
        self,
        question: Question,
        column: int,
        other_column: int | None,
        code: str,
        value: str | list[str],
    ) -> None:
        """The answer rule's code in the clerk's words, at the cell it is about."""
        qid = question.id
        if code == "answer.too_many":
            self.problem(
                column, "import.too_many", question=qid, max=question.max_choices, count=len(value)
            )
        elif code == "answer.choose_one":
            self.problem(column, "import.too_few", question=qid, min=question.min_choices)
        elif code == "answer.too_long":
            # A text question's own cell, or the text of its "other" choice.
            where = column if not question.choices else other_column
            written = self.row.cells[where] if where is not None else ""
            self.problem(
                where,
                "import.too_long",
                question=qid,
                length=len(nfc(written)),
                limit=question.max_length,
            )
        elif code == "answer.other_required":
            heading = f"{qid}.other"
            self.problem(
                column, "import.other_required", label=_other_label(question), column=heading
            )
        elif code in ("answer.text_required", "answer.not_text"):
            self.problem(column, "import.required_empty", question=qid)
        else:  # a rule of a type added later: the kiosk's own words for it
            self.problem(column, code, max=question.max_choices)

    def stray_other_texts(self) -> None:
        """An "other" text beside a question left unanswered (or not asked)."""
        for qid, column in self.rules.layout.others.items():
            text = self.row.cells[column].strip()
            if text and qid not in self.answers and column not in self.broken:
                question = next(q for q in self.rules.questions if q.id == qid)
                known = any(i.column == column for i in self.issues)
                if not known:
                    label = _other_label(question)
                    self.problem(column, "import.other_unticked", question=qid, label=label)


def _choice_id(question: Question, item: str) -> str | None:
    """A typed choice as the form's id: "3", also "03" or "3.0" as a spreadsheet writes it;
    for a form whose ids are words (the quick form's "satisfied"), the id itself or the
    choice's printed number, counted from 1."""
    if question.choice(item) is not None:
        return item
    number = re.fullmatch(r"0*(\d+)(?:\.0+)?", item)
    if number is None:
        return None
    if question.choice(number.group(1)) is not None:
        return number.group(1)
    position = int(number.group(1))
    if _by_position(question) and 1 <= position <= len(question.choices):
        return question.choices[position - 1].id
    return None


def _by_position(question: Question) -> bool:
    """Whether its choices are typed by printed number: their ids are not numbers."""
    return not any(c.id.isdigit() for c in question.choices)


def _choices_text(question: Question) -> str:
    """The choices a cell may hold, for an error: "1, 2, 3" or "1 = satisfied, 2 = …"."""
    if _by_position(question):
        return ", ".join(f"{n} = {c.id}" for n, c in enumerate(question.choices, start=1))
    return ", ".join(c.id for c in question.choices)


def _other_label(question: Question) -> str:
    return next((localized(c.label, "vi") for c in question.choices if c.other_prompt), "")


def _condition(question: Question) -> str:
    """The question's `when`, in words: "câu Q7 chọn 3"."""
    either = f" {translate('vi', 'import.or')} "
    return "; ".join(
        translate("vi", "import.condition", question=other, choices=either.join(accepted))
        for other, accepted in question.when.items()
    )


def _parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text.split(" ", 1)[0], pattern).date()
        except ValueError:
            continue
    return None
