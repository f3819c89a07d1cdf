"""`portal import`: a clerk's file of paper forms (or of calls) checked whole, then stored.

The form must be one the portal knows (shipped or registered) and the unit one it knows
(it has a device or a counter): a mistyped unit code would otherwise start a unit of its
own in every report. Every row is checked before anything is stored; unless every row
passes, nothing is stored and every problem is listed at once, or, with --skip-invalid,
the rows that pass are stored and the others written beside the file with their errors.

Storing goes through the portal's intake (store_channel_answers): once per uuid, a row
imported before is a duplicate (nothing added), a changed one a conflict (reported, never
overwritten). It stores in batches of the contract's size; if the database fails midway,
what was stored stays and running the same import again stores the rest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from contract.api import MAX_ANSWERS
from kiosk.domain.forms import Form
from kiosk.locale import Translator
from portal.imports.answers import ZONE, answer_for, dated_before, noon_of, paper_uuid
from portal.imports.forms import find_form
from portal.imports.layout import Issue, read_layout
from portal.imports.rejects import Translate, error_lines, rejects_path, write_rejects
from portal.imports.rows import Paper, RowChecker, Rules
from portal.imports.sheet import Sheet, SheetRefused, SheetRow, read_sheet
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn
from portal.store.devices import unit_counters

SOURCES = ("paper", "phone")  # contract.wire's PAPER and PHONE: the channels a clerk types


@dataclass(frozen=True)
class ImportRequest:
    form_id: str
    version: int | None  # None: the latest the portal knows
    unit: str
    source: str  # "paper" or "phone"
    path: Path
    skip_invalid: bool = False


@dataclass
class ImportReport:
    """What an import did, and what to tell the clerk (out: the summary; err: problems)."""

    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    stored: int = 0
    duplicate: int = 0
    conflict: int = 0
    rejected: int = 0
    skipped: int = 0

    @property
    def code(self) -> int:
        """The command's exit status: 0 when everything asked for was done."""
        return 1 if self.err else 0


def run_import(engine: Engine, request: ImportRequest, tr: Translate | None = None) -> ImportReport:
    """Check the file whole, then store it (or its valid rows); what to tell the clerk, in
    `tr`'s language (Vietnamese unless told)."""
    tr = tr or Translator("vi")
    report = ImportReport()
    form = find_form(engine, request.form_id, request.version)
    if form is None:
        key = "import.unknown_form" if request.version is None else "import.unknown_version"
        report.err.append(tr(key, form=request.form_id, version=request.version))
        return report
    counters = unit_counters(engine).get(request.unit)
    if counters is None:
        report.err.append(tr("import.unknown_unit", unit=request.unit))
        return report
    try:
        sheet = read_sheet(request.path)
    except SheetRefused as refused:
        report.err.append(tr(refused.key, **refused.params))
        return report
    checked = _check(sheet, form, request, frozenset(counters))
    if checked.header:
        _refuse(report, request.path, checked.header, tr)
        return report
    bad = checked.bad
    answers = _answers(engine, checked.papers, form, request, bad)
    if bad and not request.skip_invalid:
        _refuse(report, request.path, [i for _, issues in bad for i in issues], tr)
        return report
    if bad and not _set_aside(report, request.path, sheet, bad, tr):
        return report
    _store(engine, report, answers, form, tr)
    _summarize(report, tr)
    return report


@dataclass
class _Checked:
    header: list[Issue]
    papers: list[tuple[SheetRow, Paper]]
    bad: list[tuple[SheetRow, list[Issue]]]


def _check(sheet: Sheet, form: Form, request: ImportRequest, counters: frozenset) -> _Checked:
    layout, header_issues = read_layout(form, sheet)
    if layout is None:
        return _Checked(header_issues, [], [])
    today = datetime.now(ZONE).date()
    rules = Rules(layout, sheet.header, form.questions, request.unit, counters, today)
    checker = RowChecker(rules)
    papers, bad = [], []
    for row in sheet.rows:
        paper, issues = checker.check(row)
        if paper is not None:
            papers.append((row, paper))
        else:
            bad.append((row, issues))
    return _Checked([], papers, bad)


def _answers(
    engine: Engine,
    papers: list[tuple[SheetRow, Paper]],
    form: Form,
    request: ImportRequest,
    bad: list[tuple[SheetRow, list[Issue]]],
) -> list[tuple[Paper, AnswerIn]]:
    """The answers for the rows that passed; one the contract refuses joins the bad rows."""
    undated = {
        paper_uuid(form.id, request.unit, request.source, p.form_no): p
        for _, p in papers
        if p.day is None
    }
    before = dated_before(engine, undated)
    today = noon_of(datetime.now(ZONE).date())
    made = []
    for row, paper in papers:
        key = paper_uuid(form.id, request.unit, request.source, paper.form_no)
        moment = noon_of(paper.day) if paper.day else before.get(key, today)
        try:
            made.append((paper, answer_for(paper, form, request.unit, request.source, moment)))
        except ValidationError as exc:
            first = exc.errors()[0]
            reason = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
            params = {"row": paper.row, "form_no": paper.form_no, "reason": reason}
            bad.append((row, [Issue(paper.row, None, "", "import.rejected", params)]))
    return made


def _refuse(report: ImportReport, path: Path, issues: list[Issue], tr: Translate) -> None:
    report.err.append(tr("import.errors", path=path, count=len(issues)))
    report.err += error_lines(issues, tr)
    report.err.append(tr("import.fix_or_skip"))


def _set_aside(
    report: ImportReport,
    path: Path,
    sheet: Sheet,
    bad: list[tuple[SheetRow, list[Issue]]],
    tr: Translate,
) -> bool:
    """Write the rows in error beside the file; False (nothing imported) if it cannot."""
    target = rejects_path(path, sheet)
    bad.sort(key=lambda item: item[0].number)
    try:
        write_rejects(target, sheet, bad, tr)
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        report.err.append(tr("import.write_failed", path=target, error=error))
        return False
    report.skipped = len(bad)
    column = tr("import.error_column")
    report.out.append(tr("import.skipped_file", count=len(bad), path=target, column=column))
    return True


def _store(
    engine: Engine,
    report: ImportReport,
    answers: list[tuple[Paper, AnswerIn]],
    form: Form,
    tr: Translate,
) -> None:
    """Store in batches of the contract's size, telling each conflict and refusal."""
    batch_id = str(uuid.uuid4())
    known = {(form.id, form.version)}
    for start in range(0, len(answers), MAX_ANSWERS):
        chunk = answers[start : start + MAX_ANSWERS]
        try:
            fates = store_channel_answers(engine, [a for _, a in chunk], batch_id, known)
        except SQLAlchemyError as exc:
            report.err.append(tr("import.store_failed", error=type(exc).__name__))
            return
        for (paper, _), fate in zip(chunk, fates, strict=True):
            _count(report, paper, fate.status, fate.reason or "", tr)


def _count(report: ImportReport, paper: Paper, status: str, reason: str, tr: Translate) -> None:
    if status == "stored":
        report.stored += 1
    elif status == "duplicate":
        report.duplicate += 1
    elif status == "conflict":
        report.conflict += 1
        report.err.append(tr("import.conflict", row=paper.row, form_no=paper.form_no))
    else:
        report.rejected += 1
        report.err.append(
            tr("import.rejected", row=paper.row, form_no=paper.form_no, reason=reason)
        )


def _summarize(report: ImportReport, tr: Translate) -> None:
    if report.duplicate and not (report.stored or report.conflict or report.rejected):
        report.out.append(tr("import.all_there"))
    skipped = report.skipped + report.conflict + report.rejected
    report.out.append(
        tr("import.summary", stored=report.stored, duplicate=report.duplicate, skipped=skipped)
    )
