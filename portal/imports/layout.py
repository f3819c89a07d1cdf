"""Which column holds what: the heading row of a clerk's sheet matched to the form.

Headings are the form's question ids (Q1, Q9.2, …; any case; a heading of the kiosk's
export, "Q9.2 — its text", is read as Q9.2), `form_no` (the paper form's number, which
keys the row), and optionally `date` (the day the form was filled in), `counter` and
"<id>.other" (the text written beside a choice that asks for one, "Lý do khác"). Every
question of the form has its column, so that every cell's problem can name its column; a
column the form does not know is an error, not skipped: it is likely a typo. Two columns
are read by people only and skipped: a clerk's notes ("Ghi chú", "ghi_chu", any case) and
the error column of a file an import wrote ("Lỗi"), which comes back corrected.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from kiosk.domain.forms import Form, Question
from kiosk.locale import translate
from portal.imports.sheet import Sheet

FORM_NO, DATE, COUNTER = "form_no", "date", "counter"
OTHER = ".other"
# The error column of a file written by --skip-invalid: ignored when the file comes back.
ERROR_HEADINGS = {translate(lang, "import.error_column").casefold() for lang in ("vi", "en")}
NOTES_HEADINGS = {"ghi chú", "ghi chu"}  # "_" read as a space: ghi_chu


@dataclass(frozen=True)
class Issue:
    """One problem, where the clerk finds it: row (heading = 1), column (0-based, or None
    for the whole row), the column's heading, and what (a locale key and its values)."""

    row: int
    column: int | None
    heading: str
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class Layout:
    form_no: int
    date: int | None
    counter: int | None
    questions: dict[str, int]  # question id → column
    others: dict[str, int]  # question id → the column of its "other" text
    width: int  # columns up to the last heading: a row's cells beyond it are out of place
    errors: frozenset[int] = frozenset()  # a returning error file's error columns


def error_columns(header: list[str]) -> list[int]:
    """The error columns of a file an import wrote (one; two from an older version)."""
    return [index for index, heading in enumerate(header) if _name(heading) in ERROR_HEADINGS]


def column_letter(index: int) -> str:
    """A 0-based column as the spreadsheet names it: A … Z, AA, AB, …"""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _name(heading: str) -> str:
    return unicodedata.normalize("NFC", heading.split(" — ", 1)[0].strip().casefold())


def _skipped(name: str) -> bool:
    """A column for people: the error column, or the clerk's notes."""
    return name in ERROR_HEADINGS or name.replace("_", " ") in NOTES_HEADINGS


def read_layout(form: Form, sheet: Sheet) -> tuple[Layout | None, list[Issue]]:
    """The columns of the form's questions and of the extras; or None and the problems."""
    errors = error_columns(sheet.header)
    titled = (i for i, heading in enumerate(sheet.header) if heading.strip() and i not in errors)
    width = max(titled, default=-1) + 1
    found, issues = _headings(form, sheet, width)
    if FORM_NO not in found:
        issues.append(Issue(1, None, "", "import.no_form_no"))
    for question in form.questions:
        if question.id not in found:
            issues.append(Issue(1, None, "", "import.missing_column", {"question": question.id}))
    if issues:
        return None, issues
    layout = Layout(
        form_no=found[FORM_NO],
        date=found.get(DATE),
        counter=found.get(COUNTER),
        questions={q.id: found[q.id] for q in form.questions},
        others={q.id: found[q.id + OTHER] for q in form.questions if q.id + OTHER in found},
        width=width,
        errors=frozenset(errors),
    )
    return layout, []


def _headings(form: Form, sheet: Sheet, width: int) -> tuple[dict[str, int], list[Issue]]:
    """Each known heading's column, and the headings in error (unknown, twice, missing over
    a column that holds data)."""
    names = {q.id.casefold(): q.id for q in form.questions}
    names |= {f"{q.id}{OTHER}".casefold(): q.id + OTHER for q in form.questions if _asks(q)}
    names |= {extra: extra for extra in (FORM_NO, DATE, COUNTER)}
    found: dict[str, int] = {}
    issues: list[Issue] = []
    for index, heading in enumerate(sheet.header[:width]):
        name = _name(heading)
        if _skipped(name):
            continue
        if not name:
            if any(row.cells[index].strip() for row in sheet.rows):
                issues.append(Issue(1, index, "", "import.untitled_column"))
        elif name not in names:
            params: dict[str, object] = {"name": heading, "form": form.id}
            issues.append(Issue(1, index, heading, "import.unknown_column", params))
        elif names[name] in found:
            letter = column_letter(found[names[name]])
            params = {"name": names[name], "letter": letter}
            issues.append(Issue(1, index, heading, "import.duplicate_column", params))
        else:
            found[names[name]] = index
    return found, issues


def _asks(question: Question) -> bool:
    """Whether a question has a choice that asks for a text ("Lý do khác")."""
    return any(c.other_prompt for c in question.choices)
