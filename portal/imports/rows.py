"""Each row of a clerk's sheet checked against the form, by the form engine's own rules.

A cell holds the choice number(s) as printed on the paper form ("1;3;7" for several, in
any order: kept in the form's order; where a form's choice ids are words, as the quick
form's, the printed number or the id), a text question's text, nothing when the question
was not asked, or "-" when the respondent left an asked question blank on paper: that
answer is kept as incomplete, whereas an empty cell where an answer is due is an error
(far more often a cell the clerk skipped than a blank on the form).

The form number keys the row: a positive whole number as printed (002 is form 2), on one
row only (on two, both rows are in error until the clerk says which paper form it is).

Conditions are the form's (`when`): an answer to a question that was not to be asked is an
error, as is a required question left empty. Then the question type's answer rule (how
many choices, how long a text) decides, exactly as on the kiosk.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from kiosk.domain.flow import Answer
from kiosk.domain.forms import AnswerValue, Question
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.base import nfc
from portal.imports.choices import choice_id, choices_text, condition_words, other_label
from portal.imports.layout import Issue, Layout
from portal.imports.sheet import SheetRow

BLANK = "-"  # the respondent left this question blank on the paper form
# A paper form's number as printed: a positive whole number (leading zeros are the
# printer's: 002 is form 2), at most nine digits (a longer one is a typo).
_FORM_NO = re.compile(r"0*([1-9]\d{0,8})(?:\.0+)?")
_SEPARATORS = re.compile(r"[;,\s]+")
_DATE_FORMATS = ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y")
EARLIEST = date(2000, 1, 1)  # no paper form of these surveys is older; a typo is likelier


@dataclass(frozen=True)
class Paper:
    """A row that passed: one paper form (or call), ready to become an answer."""

    row: int
    form_no: int
    day: date | None
    counter: str
    answers: dict[str, Answer]  # in the form's order
    complete: bool  # False: a required question asked was left blank ("-") on paper


@dataclass(frozen=True)
class Rules:
    """What a row is checked against: the form, where its columns are, the unit's
    counters (by their code casefolded, as the portal spells them), today (no form is
    filled in tomorrow), and the form numbers that are on more than one row."""

    layout: Layout
    header: list[str]
    questions: tuple[Question, ...]
    unit: str
    counters: Mapping[str, str]
    today: date
    repeated: Mapping[int, list[int]] = field(default_factory=dict)


def form_number(text: str) -> int | None:
    """A cell's form number, or None when it is not a positive whole number."""
    found = _FORM_NO.fullmatch(text.strip())
    return int(found.group(1)) if found else None


def repeated_numbers(rows: list[SheetRow], column: int) -> dict[int, list[int]]:
    """The form numbers on more than one row, each with its rows: the clerk decides which
    paper form is the one with that number, so none of them is imported meanwhile."""
    where: dict[int, list[int]] = {}
    for row in rows:
        number = form_number(row.cells[column])
        if number is not None:
            where.setdefault(number, []).append(row.number)
    return {number: found for number, found in where.items() if len(found) > 1}


class RowChecker:
    """Checks a sheet's rows one by one against the same rules."""

    def __init__(self, rules: Rules):
        self.rules = rules
        self.by_id = {q.id: q for q in rules.questions}

    def check(self, row: SheetRow) -> tuple[Paper | None, list[Issue]]:
        """The row as a Paper, or None and every problem found in it."""
        overflow = _overflow(self.rules, row)
        if overflow is not None:  # its cells are shifted: what they would say is noise
            return None, [overflow]
        work = _Row(self.rules, row, self.by_id)
        form_no = work.form_no()
        day = work.day()
        counter = work.counter()
        for question in self.rules.questions:
            work.question(question)
        work.stray_other_texts()
        if work.issues:
            return None, work.issues
        return Paper(row.number, form_no, day, counter, work.answers, work.complete), []


def _overflow(rules: Rules, row: SheetRow) -> Issue | None:
    """A row with cells beyond the last heading: most often a list of choices ("1;3;7") not
    in quotes in a file whose cells that separator divides."""
    width, errors = rules.layout.width, rules.layout.errors
    written = (i + 1 for i, cell in enumerate(row.cells) if cell.strip() and i not in errors)
    filled = max(written, default=0)
    if filled <= width:
        return None
    return Issue(row.number, None, "", "import.too_many_cells", {"count": filled, "width": width})


@dataclass
class _Row:
    rules: Rules
    row: SheetRow
    by_id: dict[str, Question]
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

    def form_no(self) -> int:
        column = self.rules.layout.form_no
        text = self.cell(column)
        if column in self.broken:
            return 0
        number = form_number(text)
        if not text:
            self.problem(column, "import.form_no_empty")
        elif number is None:
            self.problem(column, "import.form_no_not_number", value=text)
        elif number in self.rules.repeated:
            rows = ", ".join(str(r) for r in self.rules.repeated[number])
            self.problem(column, "import.form_no_twice", form_no=number, rows=rows)
        return number or 0

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
        """The counter as the portal knows it ("q1" is Q1): reports group by the code."""
        column = self.rules.layout.counter
        code = self.cell(column)
        if not code or column in self.broken:
            return code
        known = self.rules.counters.get(code.casefold())
        if known is None:
            self.problem(column, "import.unknown_counter", unit=self.rules.unit, value=code)
        return known or code

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
            condition = condition_words(question, self.by_id)
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
        ids = [choice_id(question, item) for item in items]
        unknown = [item for item, cid in zip(items, ids, strict=True) if cid is None]
        if unknown:
            self.unknown_choice(question, column, text, unknown)
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

    def unknown_choice(
        self, question: Question, column: int, text: str, unknown: list[str]
    ) -> None:
        """The whole cell quoted ("Trễ hẹn", a label typed for its number), or, when some
        of its choices are right, the cell and the wrong ones."""
        params = {"question": question.id, "choices": choices_text(question)}
        if len(unknown) == len([i for i in _SEPARATORS.split(text) if i]):
            self.problem(column, "import.unknown_choice", value=text, **params)
        else:
            wrong = ", ".join(f"“{item}”" for item in unknown)
            self.problem(column, "import.unknown_choice_in", value=text, wrong=wrong, **params)

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
            label = other_label(question)
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
                column, "import.other_required", label=other_label(question), column=heading
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
                    label = other_label(question)
                    self.problem(column, "import.other_unticked", question=qid, label=label)


def _parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text.split(" ", 1)[0], pattern).date()
        except ValueError:
            continue
    return None
