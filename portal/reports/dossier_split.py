"""A report's answers read against their dossiers (portal/store/dossiers.py): the MĐHL by
the procedure's field, on time against late, the delay, and the reasons of the not
satisfied on time and late — taken from the dossier, not asked of the citizen (the Đắk
Song report's Q7 and Q18 asked what the dossier knows).

Counted answers only (no flag: a dossier unknown, not yet returned or rated long after is
flagged and left out). A dossier is late when it was returned after its appointment. Each
figure is one GROUP BY over answers joined to dossiers on (unit, code); a report over
units without dossiers has no such section.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Date, and_, case, cast, func, select
from sqlalchemy.sql.elements import ColumnElement

from kiosk.domain.forms import Form, localized
from portal.reports.counting import answer_filter
from portal.reports.numbers import percent
from portal.reports.request import ReportRequest
from portal.store.models import Answer, AnswerChoice, Dossier

ON_TIME, LATE = "Đúng hẹn", "Trễ hẹn"


def dossier_section(
    connection: Connection, request: ReportRequest, form: Form, reason_ids: set[str]
) -> dict | None:
    """The section, or None when none of the report's units keeps dossiers."""
    if not _any_dossier(connection, request):
        return None
    satisfied = form.satisfied_verdicts or ("",)
    late = case((Dossier.returned_at > Dossier.appointment_at, 1), else_=0).label("late")
    pleased = func.sum(case((Answer.verdict.in_(satisfied), 1), else_=0))
    over = _days(connection, Dossier.returned_at, Dossier.appointment_at)
    delay = func.sum(case((Dossier.returned_at > Dossier.appointment_at, over), else_=0))
    longest = func.max(case((Dossier.returned_at > Dossier.appointment_at, over), else_=0))
    query = (
        select(
            Dossier.field, late, func.count(), func.count(Answer.verdict), pleased, delay, longest
        )
        .select_from(Answer)
        .join(Dossier, _joined())
        .where(*answer_filter(request), Answer.flags == "")
        .group_by(Dossier.field, late)
    )
    rows = list(connection.execute(query))
    matched = sum(row[2] for row in rows)
    counted = _counted(connection, request)
    return {
        "matched": matched,
        "unmatched": counted - matched,
        "by_field": _by_field(rows),
        "timeliness": _timeliness(rows),
        "reasons_by_timeliness": _reasons(connection, request, form, reason_ids),
    }


def _any_dossier(connection: Connection, request: ReportRequest) -> bool:
    query = select(Dossier.code).limit(1)
    if request.units:
        query = query.where(Dossier.unit_code.in_(request.units))
    return connection.execute(query).first() is not None


def _joined() -> ColumnElement[bool]:
    return and_(Dossier.unit_code == Answer.unit_code, Dossier.code == Answer.dossier_code)


def _days(connection: Connection, later: Any, earlier: Any) -> ColumnElement:
    """Calendar days from one timestamp's day to the other's, at least 1 (a dossier late by
    hours is a day late), as contract.dossiers.delay counts them for the tablet."""
    if connection.dialect.name == "postgresql":
        days = cast(later, Date) - cast(earlier, Date)
    else:
        days = func.julianday(func.date(later)) - func.julianday(func.date(earlier))
    return case((days < 1, 1), else_=days)


def _counted(connection: Connection, request: ReportRequest) -> int:
    query = select(func.count()).where(*answer_filter(request), Answer.flags == "")
    return int(connection.execute(query).scalar() or 0)


def _by_field(rows: list) -> list[dict]:
    fields: dict[str, list[int]] = {}
    for field, _late, answers, verdicts, pleased, *_ in rows:
        slot = fields.setdefault(field, [0, 0, 0])
        slot[0] += answers
        slot[1] += verdicts
        slot[2] += int(pleased or 0)
    return [
        {
            "field": field,
            "answers": answers,
            "satisfied": pleased,
            "not_satisfied": verdicts - pleased,
            "percent": percent(pleased, verdicts),
        }
        for field, (answers, verdicts, pleased) in sorted(fields.items(), key=lambda i: -i[1][0])
    ]


def _timeliness(rows: list) -> list[dict]:
    slots = {0: [0, 0, 0, 0.0, 0.0], 1: [0, 0, 0, 0.0, 0.0]}
    for _field, late, answers, verdicts, pleased, delay, longest in rows:
        slot = slots[int(late)]
        slot[0] += answers
        slot[1] += verdicts
        slot[2] += int(pleased or 0)
        slot[3] += float(delay or 0)
        slot[4] = max(slot[4], float(longest or 0))
    result = []
    for late, (answers, verdicts, pleased, delay, longest) in slots.items():
        result.append(
            {
                "late": bool(late),
                "label": LATE if late else ON_TIME,
                "answers": int(answers),
                "satisfied": int(pleased),
                "not_satisfied": int(verdicts - pleased),
                "percent": percent(int(pleased), int(verdicts)),
                "mean_delay_days": round(delay / answers, 1) if late and answers else 0.0,
                "max_delay_days": round(longest, 1) if late else 0.0,
            }
        )
    return result


def _reasons(
    connection: Connection, request: ReportRequest, form: Form, reason_ids: set[str]
) -> list[dict]:
    """Each reason of the not satisfied, counted on time and late, with its share of the not
    satisfied in each."""
    if not reason_ids or form.verdict is None:
        return []
    late = case((Dossier.returned_at > Dossier.appointment_at, 1), else_=0).label("late")
    query = (
        select(AnswerChoice.question_id, AnswerChoice.choice, late, func.count())
        .select_from(AnswerChoice)
        .join(Answer, Answer.id == AnswerChoice.answer_id)
        .join(Dossier, _joined())
        .where(
            *answer_filter(request, AnswerChoice),
            AnswerChoice.flagged.is_(False),
            AnswerChoice.question_id.in_(sorted(reason_ids)),
        )
        .group_by(AnswerChoice.question_id, AnswerChoice.choice, late)
    )
    counts: dict[tuple[str, str], list[int]] = {}
    for question, choice, is_late, count in connection.execute(query):
        counts.setdefault((question, choice), [0, 0])[int(is_late)] += count
    unhappy = _not_satisfied(connection, request, form)
    labels = {
        (q.id, c.id): c.label for q in form.questions if q.id in reason_ids for c in q.choices
    }
    return [
        {
            "question": question,
            "id": choice,
            "label": localized(labels[(question, choice)], "vi")
            if (question, choice) in labels
            else choice,
            "on_time": on_time,
            "late": late_count,
            "percent_on_time": percent(on_time, unhappy[0]),
            "percent_late": percent(late_count, unhappy[1]),
        }
        for (question, choice), (on_time, late_count) in sorted(counts.items())
    ]


def _not_satisfied(connection: Connection, request: ReportRequest, form: Form) -> list[int]:
    """Not satisfied answers whose dossier was on time, and late."""
    late = case((Dossier.returned_at > Dossier.appointment_at, 1), else_=0).label("late")
    query = (
        select(late, func.count())
        .select_from(Answer)
        .join(Dossier, _joined())
        .where(
            *answer_filter(request),
            Answer.flags == "",
            Answer.verdict.is_not(None),
            Answer.verdict.not_in(form.satisfied_verdicts or ("",)),
        )
        .group_by(late)
    )
    found = [0, 0]
    for is_late, count in connection.execute(query):
        found[int(is_late)] += count
    return found
