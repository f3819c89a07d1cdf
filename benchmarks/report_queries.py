"""A report's counts as GROUP BY queries, for the benchmark to time until
portal.reports.build_report exists: the same reads the report contract asks for
(/tmp/tasks14/contract.md) over the report columns intake keeps, so that the schema and
its indexes can be judged before the computation lands. Not the portal's code: once
build_report is there, the benchmark times that instead.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, Connection, case, distinct, func, select

from portal.store.models import Answer, AnswerChoice, AnswerText

GROUPS = {
    "unit": Answer.unit_code,
    "counter": Answer.counter,
    "officer": Answer.officer,
    "month": Answer.local_month,
    "day": Answer.local_day,
}


def _where(
    table: type[Answer] | type[AnswerChoice],
    form: str,
    units: tuple[str, ...],
    start: date,
    end: date,
) -> list[ColumnElement[bool]]:
    conditions = [table.form_id == form, table.local_day >= start, table.local_day <= end]
    if units:
        conditions.append(table.unit_code.in_(units))
    return conditions


def report_counts(
    connection: Connection, form: str, units: tuple[str, ...], start: date, end: date
) -> dict[str, list]:
    """Every count a quick-form report is made of, each one query."""
    where = _where(Answer, form, units, start, end)
    flagged = (Answer.flags != "").label("flagged")
    found: dict[str, list] = {}
    columns = (Answer.channel, Answer.status, Answer.verdict, flagged)
    found["answers"] = _all(
        connection, select(*columns, func.count()).where(*where).group_by(*columns)
    )
    found["flags"] = _all(
        connection,
        select(Answer.flags, func.count()).where(*where, Answer.flags != "").group_by(Answer.flags),
    )
    choice_where = _where(AnswerChoice, form, units, start, end)
    columns_c = (AnswerChoice.question_id, AnswerChoice.choice, AnswerChoice.flagged)
    found["choices"] = _all(
        connection, select(*columns_c, func.count()).where(*choice_where).group_by(*columns_c)
    )
    found["respondents"] = _all(
        connection,
        select(
            AnswerChoice.question_id,
            AnswerChoice.flagged,
            func.count(distinct(AnswerChoice.answer_id)),
        )
        .where(*choice_where, AnswerChoice.question_id == "reasons")
        .group_by(AnswerChoice.question_id, AnswerChoice.flagged),
    )
    pleased = func.sum(case((Answer.verdict == "satisfied", 1), else_=0))
    for name, key in GROUPS.items():
        if name == "day" and (end - start).days > 92:
            continue
        query = select(key, flagged, func.count(), func.count(Answer.verdict), pleased)
        found[f"group_{name}"] = _all(connection, query.where(*where).group_by(key, flagged))
    found["targets"] = _all(
        connection,
        select(Answer.unit_code, func.count())
        .where(*_where(Answer, form, units, date(end.year, 1, 1), date(end.year, 12, 31)))
        .where(Answer.flags == "")
        .group_by(Answer.unit_code),
    )
    texts = (
        select(func.count()).select_from(AnswerText).join(Answer, Answer.id == AnswerText.answer_id)
    )
    found["comment_count"] = _all(connection, texts.where(*where, Answer.flags == ""))
    newest = (
        select(
            Answer.finished_at,
            Answer.unit_code,
            Answer.channel,
            AnswerText.question_id,
            AnswerText.text,
        )
        .join(Answer, Answer.id == AnswerText.answer_id)
        .where(*where, Answer.flags == "")
        .order_by(Answer.finished_at.desc(), Answer.id.desc())
        .limit(200)
    )
    found["comments"] = _all(connection, newest)
    return found


def _all(connection: Connection, query) -> list:  # type: ignore[no-untyped-def]
    return [tuple(row) for row in connection.execute(query)]
