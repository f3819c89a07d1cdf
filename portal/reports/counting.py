"""A report's counts, each one GROUP BY in the database over the report columns intake
keeps (portal/store/answer_facts.py): no payload is read and no answer is loaded into
Python, whatever the number of answers. Plain tuples out; portal/reports/compute.py makes
the report of them.

Every count is split by `flagged` (the answer carries an integrity flag), so that flagged
answers are left out of the figures and still counted apart.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from datetime import date, datetime

from sqlalchemy import ColumnElement, Connection, case, func, select

from portal.reports.request import ReportRequest
from portal.store.models import (
    Answer,
    AnswerChoice,
    AnswerText,
    Counter,
    Device,
    Quota,
    Setting,
)
from portal.store.settings import UNIT_SETTINGS

GROUPS = ("unit", "counter", "officer", "month", "day")


def answer_filter(
    request: ReportRequest,
    table: type[Answer] | type[AnswerChoice] | type[AnswerText] = Answer,
) -> list[ColumnElement[bool]]:
    """The WHERE of a report's answers, on `answers` or on the columns answer_choices repeats."""
    conditions: list[ColumnElement[bool]] = [table.form_id == request.form_id]
    if request.start is not None:
        conditions.append(table.local_day >= request.start)
    if request.end is not None:
        conditions.append(table.local_day <= request.end)
    for column, wanted in (
        (table.unit_code, request.units),
        (table.counter, request.counters),
        (table.officer, request.officers),
        (table.channel, request.channels),
    ):
        if wanted:
            conditions.append(column.in_(wanted))
    return conditions


def _flagged() -> ColumnElement[bool]:
    return Answer.flags != ""


def answer_counts(
    connection: Connection, request: ReportRequest
) -> list[tuple[str, str, str | None, str, int, int]]:
    """(channel, status, verdict, flags, form version, answers): one pass over the index
    for the answers, the satisfaction, the flags and the versions."""
    columns = (Answer.channel, Answer.status, Answer.verdict, Answer.flags, Answer.form_version)
    query = select(*columns, func.count()).where(*answer_filter(request)).group_by(*columns)
    return [(c, s or "", v, f or "", ver, n) for c, s, v, f, ver, n in connection.execute(query)]


def choice_counts(
    connection: Connection, request: ReportRequest
) -> list[tuple[str, str, bool, int, int]]:
    """(question, choice, flagged, answers that gave it, of them those for which it was the
    first choice): summed per question, the last is who answered it."""
    columns = (AnswerChoice.question_id, AnswerChoice.choice, AnswerChoice.flagged)
    first = func.sum(case((AnswerChoice.first, 1), else_=0))
    query = (
        select(*columns, func.count(), first)
        .where(*answer_filter(request, AnswerChoice))
        .group_by(*columns)
    )
    return [(q, c, bool(f), n, int(r or 0)) for q, c, f, n, r in connection.execute(query)]


def group_counts(
    connection: Connection, request: ReportRequest, satisfied: tuple[str, ...], by_day: bool
) -> Iterator[tuple[str, str | None, str | None, object, bool, int, int, int]]:
    """(unit, counter, officer, month or day, flagged, answers, with a verdict, satisfied):
    one pass for every grouping of the report, streamed for the caller to fold as they
    come (a province's year is tens of thousands of these; none is kept)."""
    when = Answer.local_day if by_day else Answer.local_month
    flagged = _flagged().label("flagged")
    pleased = func.sum(case((Answer.verdict.in_(satisfied or ("",)), 1), else_=0))
    keys = (Answer.unit_code, Answer.counter, Answer.officer, when, flagged)
    query = (
        select(*keys, func.count(), func.count(Answer.verdict), pleased)
        .where(*answer_filter(request))
        .group_by(*keys)
    )
    # Not a server-side cursor (yield_per): PostgreSQL plans a cursor for its first rows,
    # serial, and the province's year took 4.2 s instead of 0.8. The driver holds the rows;
    # Python makes each one as it is folded.
    for u, c, o, w, f, n, v, s in connection.execute(query):
        yield u, c, o, w, bool(f), n, v, int(s or 0)


def target_counts(
    connection: Connection, units: list[str], start: date, end: date
) -> dict[tuple[str, str | None], int]:
    """Targets' progress in one window, every unit at once: citizens surveyed between two
    local days (answers of every form and channel, without flags, leaving out the long form
    that follows a quick answer: the same citizen, asked more), per (unit, counter) and per
    (unit, None) for the whole unit."""
    query = (
        select(Answer.unit_code, Answer.counter, func.count())
        .where(
            Answer.unit_code.in_(units),
            Answer.local_day >= start,
            Answer.local_day <= end,
            Answer.flags == "",
            Answer.follows.is_(None),
        )
        .group_by(Answer.unit_code, Answer.counter)
    )
    counts: dict[tuple[str, str | None], int] = defaultdict(int)
    for unit, counter, n in connection.execute(query):
        if counter is not None:  # an answer naming no counter counts for its unit only
            counts[(unit, counter)] += n
        counts[(unit, None)] += n
    return counts


def known_units(connection: Connection) -> set[str]:
    """Every unit the portal knows: with devices, counters, answers, quotas or settings."""
    found: set[str] = set()
    for column in (Device.unit_code, Counter.unit_code, Answer.unit_code, Quota.unit_code):
        found |= set(connection.execute(select(column).distinct()).scalars())
    for key in connection.execute(select(Setting.key)).scalars():
        prefix = next((p for p in UNIT_SETTINGS if key.startswith(p)), None)
        if prefix:
            found.add(key.removeprefix(prefix))
    return found


def unknown_units(connection: Connection, units: tuple[str, ...]) -> bool:
    """Whether any of these units (as written) is unknown: one indexed lookup each, instead
    of every unit the portal knows (a DISTINCT over every answer: 0.1 s at a million)."""
    for unit in units:
        found = False
        for column in (Answer.unit_code, Device.unit_code, Counter.unit_code, Quota.unit_code):
            if connection.execute(select(column).where(column == unit).limit(1)).first():
                found = True
                break
        if not found:
            return True
    return False


def known_values(connection: Connection, column: str, units: tuple[str, ...]) -> set[str]:
    """The counters (or officers) the answers of these units name, and for counters those
    the portal knows besides (added, or a device's)."""
    named = getattr(Answer, column)
    query = select(named).distinct().where(named.is_not(None))
    if units:
        query = query.where(Answer.unit_code.in_(units))
    found = set(connection.execute(query).scalars())
    if column == "counter":
        for table in (Counter.unit_code, Device.unit_code):
            code = Counter.code if table is Counter.unit_code else Device.counter
            extra = select(code).distinct()
            if units:
                extra = extra.where(table.in_(units))
            found |= set(connection.execute(extra).scalars())
    return found


def comment_count(connection: Connection, request: ReportRequest) -> int:
    query = select(func.count()).where(
        *answer_filter(request, AnswerText), AnswerText.flagged.is_(False)
    )
    return int(connection.execute(query).scalar() or 0)


def comments(
    connection: Connection, request: ReportRequest, limit: int
) -> list[tuple[datetime, str, str, str, str]]:
    """The newest texts of counted answers: (finished, unit, channel, question, text)."""
    columns = (AnswerText.unit_code, AnswerText.channel, AnswerText.question_id, AnswerText.text)
    query = (
        select(AnswerText.finished_at, *columns)
        .where(*answer_filter(request, AnswerText), AnswerText.flagged.is_(False))
        .order_by(AnswerText.finished_at.desc(), AnswerText.answer_id.desc())
        .limit(limit)
    )
    return [tuple(row) for row in connection.execute(query)]  # type: ignore[misc]
