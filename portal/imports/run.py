"""`portal import`: a clerk's file of paper forms (or of calls) checked whole, then stored.

The form must be one the portal knows (shipped or registered) and the unit one it knows
(it has a device or a counter): a mistyped unit code would otherwise start a unit of its
own in every report. Every row is checked before anything is stored; unless every row
passes, nothing is stored and every problem is listed at once, or, with --skip-invalid,
the rows that pass are stored and the others written beside the file with their errors.

A row imported before is a duplicate (nothing added); one changed since is a conflict,
never written over. Conflicts are found before anything is stored (by the stored
answers' content hashes), so that --skip-invalid sets them aside with the rows in error,
their reason beside them; without it they are told and the other rows stored.

Storing goes through the portal's intake (store_channel_answers), once per uuid, in
batches of the contract's size; if the database fails midway, what was stored stays and
running the same import again stores the rest.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from pydantic import ValidationError
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from contract.api import MAX_ANSWERS
from kiosk.domain.forms import Form
from kiosk.locale import Translator
from portal.forms import find_form
from portal.imports.answers import (
    ZONE,
    answer_for,
    changed_since,
    dated_before,
    hashes_before,
    noon_of,
    paper_uuid,
)
from portal.imports.layout import Issue, read_layout
from portal.imports.rejects import Translate, error_lines, rejects_names, write_rejects
from portal.imports.report import ImportReport, sheet_notes, summarize
from portal.imports.rows import Paper, RowChecker, Rules, repeated_numbers
from portal.imports.sheet import Sheet, SheetRefused, SheetRow, read_sheet
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn
from portal.store.devices import unit_counters

SOURCES = ("paper", "phone")  # contract.wire's PAPER and PHONE: the channels a clerk types

Bad = list[tuple[SheetRow, list[Issue]]]


@dataclass(frozen=True)
class ImportRequest:
    form_id: str
    version: int | None  # None: the latest the portal knows
    unit: str
    source: str  # "paper" or "phone"
    path: Path
    skip_invalid: bool = False


@dataclass(frozen=True)
class _Made:
    """A row that passed, as the answer to store."""

    row: SheetRow
    paper: Paper
    answer: AnswerIn


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
    report.notes += sheet_notes(sheet, request.path, tr)
    report.rows = len(sheet.rows)
    _check_and_store(engine, request, form, sheet, {c.casefold(): c for c in counters}, report, tr)
    return report


def _check_and_store(
    engine: Engine,
    request: ImportRequest,
    form: Form,
    sheet: Sheet,
    counters: dict[str, str],
    report: ImportReport,
    tr: Translate,
) -> None:
    layout, header_issues = read_layout(form, sheet)
    if layout is None:
        _refuse(report, request.path, header_issues, tr, "import.fix_header")
        return
    repeated = repeated_numbers(sheet.rows, layout.form_no)
    today = datetime.now(ZONE).date()
    rules = Rules(layout, sheet.header, form.questions, request.unit, counters, today, repeated)
    papers, bad = _check(sheet, rules)
    made = _answers(engine, papers, form, request, bad)
    fresh, changed = _split_changed(engine, made)
    conflicts: Bad = [(m.row, [_conflict(m.paper)]) for m in changed]
    if bad and not request.skip_invalid:
        issues = [i for _, issues in bad + conflicts for i in issues]
        _refuse(report, request.path, issues, tr, "import.fix_or_skip")
        return
    report.invalid, report.conflict = len(bad), len(changed)
    if request.skip_invalid and (bad or conflicts):
        if not _set_aside(report, request.path, sheet, bad + conflicts, tr):
            return
        report.notes += [tr(i.key, **i.params) for _, issues in conflicts for i in issues]
    else:
        report.err += [tr(i.key, **i.params) for _, issues in conflicts for i in issues]
    _store(engine, report, fresh, form, tr)
    summarize(report, tr, layout.date is not None)


def _check(sheet: Sheet, rules: Rules) -> tuple[list[tuple[SheetRow, Paper]], Bad]:
    checker = RowChecker(rules)
    papers, bad = [], []
    for row in sheet.rows:
        paper, issues = checker.check(row)
        if paper is not None:
            papers.append((row, paper))
        else:
            bad.append((row, issues))
    return papers, bad


def _answers(
    engine: Engine,
    papers: list[tuple[SheetRow, Paper]],
    form: Form,
    request: ImportRequest,
    bad: Bad,
) -> list[_Made]:
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
            answer = answer_for(paper, form, request.unit, request.source, moment)
        except ValidationError as exc:
            first = exc.errors()[0]
            reason = f"{'.'.join(str(p) for p in first['loc'])}: {first['msg']}"
            params = {"row": paper.row, "form_no": paper.form_no, "reason": reason}
            bad.append((row, [Issue(paper.row, None, "", "import.rejected", params)]))
            continue
        made.append(_Made(row, paper, answer))
    return made


def _split_changed(engine: Engine, made: list[_Made]) -> tuple[list[_Made], list[_Made]]:
    """The answers to store, and those stored before with other content (conflicts)."""
    before = hashes_before(engine, (m.answer.uuid for m in made))
    fresh: list[_Made] = []
    changed: list[_Made] = []
    for item in made:
        (changed if changed_since(item.answer, before) else fresh).append(item)
    return fresh, changed


def _conflict(paper: Paper) -> Issue:
    params: dict[str, object] = {"row": paper.row, "form_no": paper.form_no}
    return Issue(paper.row, None, "", "import.conflict", params)


def _refuse(
    report: ImportReport, path: Path, issues: list[Issue], tr: Translate, advice: str
) -> None:
    report.err.append(tr("import.errors", path=path, count=len(issues)))
    report.err += error_lines(issues, tr)
    report.err.append(tr(advice))


def _set_aside(report: ImportReport, path: Path, sheet: Sheet, bad: Bad, tr: Translate) -> bool:
    """Write the rows refused beside the file; False (nothing imported) if it cannot."""
    bad.sort(key=lambda item: item[0].number)
    try:
        report.written = write_rejects(path, sheet, bad, tr)
    except OSError as exc:
        error = exc.strerror or type(exc).__name__
        target = next(rejects_names(path, sheet))
        report.err.append(tr("import.write_failed", path=target, error=error))
        return False
    return True


def _store(
    engine: Engine, report: ImportReport, made: list[_Made], form: Form, tr: Translate
) -> None:
    """Store in batches of the contract's size, telling each conflict and refusal."""
    batch_id = str(uuid.uuid4())
    known = {(form.id, form.version)}
    for start in range(0, len(made), MAX_ANSWERS):
        chunk = made[start : start + MAX_ANSWERS]
        try:
            fates = store_channel_answers(engine, [m.answer for m in chunk], batch_id, known)
        except SQLAlchemyError as exc:
            report.err.append(tr("import.store_failed", error=type(exc).__name__))
            return
        for item, fate in zip(chunk, fates, strict=True):
            _count(report, item, fate.status, fate.reason or "", tr)


def _count(report: ImportReport, item: _Made, status: str, reason: str, tr: Translate) -> None:
    paper = item.paper
    if status == "stored":
        report.stored += 1
        if paper.day is None:
            report.undated += 1
            report.dated = item.answer.finished_at.astimezone(ZONE).date()
    elif status == "duplicate":
        report.duplicate += 1
    elif status == "conflict":  # stored by another import since this one looked
        report.conflict += 1
        report.err.append(tr("import.conflict", row=paper.row, form_no=paper.form_no))
    else:
        report.rejected += 1
        report.err.append(
            tr("import.rejected", row=paper.row, form_no=paper.form_no, reason=reason)
        )
