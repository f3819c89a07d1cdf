"""What the reports count, taken out of an answer's payload once, at intake.

An answer is stored with its payload (JSON, as it came) and, beside it, what a report
filters and groups by: the counter, officer, status, the finishing day and month in the
unit's local time, its integrity flags (columns of `answers`); each choice it gave (rows of
`answer_choices`) and each text it wrote (rows of `answer_texts`). The reports then count
with GROUP BY and never open a payload (portal/reports/counting.py).

One verdict per dossier: of the answers giving a verdict on one dossier (its canonical
code), the one finished first counts and the others carry duplicate_dossier, whichever
unit or channel they came by; a verdict the tablet flagged (an officer rating their own
dossier) gives way to a later unflagged one. A tablet that was offline may deliver the
earlier verdict last, so the flag can move: `settle_dossiers` decides it again for every
dossier a transaction touched, under a lock per dossier on PostgreSQL.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import Connection, func, insert, select, update

from contract.wire import DUPLICATE_DOSSIER
from kiosk.domain.forms import Form
from portal.store.models import Answer, AnswerChoice, AnswerText

# Vietnam keeps one time zone, without summer time: a unit's local day is this one's.
LOCAL_ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
_FLAG_CHUNK = 500  # answer ids in one UPDATE … WHERE id IN
CHOICE_TYPES = ("single_choice", "multi_choice", "scale")
_MAX_CODE = 64  # answer_choices.choice's length: a longer "choice" is no form's


@dataclass(frozen=True)
class AnswerFacts:
    """An answer's report columns and the rows it adds to answer_choices and answer_texts."""

    columns: dict[str, object]
    choices: tuple[tuple[str, str], ...]  # (question id, choice id)
    texts: tuple[tuple[str, str], ...]  # (question id, text)


def local_day(finished_at: datetime) -> date:
    """The day an answer finished, in the unit's local time (a naive time is UTC)."""
    moment = finished_at if finished_at.tzinfo else finished_at.replace(tzinfo=timezone.utc)
    return moment.astimezone(LOCAL_ZONE).date()


def answer_facts(
    payload: Mapping[str, object], finished_at: datetime, form: Form | None
) -> AnswerFacts:
    """The facts of one answer as the portal keeps it (`payload` as stored)."""
    day = local_day(finished_at)
    flags = sorted({str(flag) for flag in _list(payload.get("flags"))})
    columns: dict[str, object] = {
        "counter": _short(payload.get("counter")),
        "officer": _short(payload.get("officer")),
        "status": _short(payload.get("status")),
        "local_day": day,
        "local_month": day.strftime("%Y-%m"),
        "flags": ",".join(flags),
        "follows": _short(payload.get("follows")),
    }
    return AnswerFacts(columns, tuple(_choices(payload, form)), tuple(_texts(payload, form)))


def _choices(payload: Mapping[str, object], form: Form | None) -> Iterable[tuple[str, str]]:
    given = _given(payload)
    kinds = {q.id: q.type for q in form.questions} if form else {}
    seen: set[tuple[str, str]] = set()
    for qid, value in given.items():
        if kinds.get(qid, "single_choice" if form is None else "") not in CHOICE_TYPES:
            continue
        for choice in value if isinstance(value, list) else [value]:
            pair = (qid, str(choice))
            if choice not in (None, "") and len(pair[1]) <= _MAX_CODE and pair not in seen:
                seen.add(pair)
                yield pair


def _texts(payload: Mapping[str, object], form: Form | None) -> Iterable[tuple[str, str]]:
    kinds = {q.id: q.type for q in form.questions} if form else {}
    answers = payload.get("answers")
    for qid, entry in (answers if isinstance(answers, dict) else {}).items():
        value, other = _value(entry), entry.get("other_text", "") if isinstance(entry, dict) else ""
        text = value if kinds.get(qid) == "text" and isinstance(value, str) else other
        if isinstance(text, str) and text.strip():
            yield str(qid), text.strip()


def _given(payload: Mapping[str, object]) -> dict[str, object]:
    """Each question's value; a first-slice answer with no `answers` gives its verdict and
    reasons under the quick form's question ids."""
    answers = payload.get("answers")
    given = {str(q): _value(e) for q, e in answers.items()} if isinstance(answers, dict) else {}
    if not given and payload.get("verdict"):
        given = {"verdict": payload.get("verdict"), "reasons": _list(payload.get("reasons"))}
    return given


def _value(entry: object) -> object:
    return entry.get("value") if isinstance(entry, dict) else entry


def _list(value: object) -> list:
    return list(value) if isinstance(value, list | tuple) else []


def _short(value: object) -> str | None:
    return str(value)[:64] if value not in (None, "") else None


def add_facts(connection: Connection, stored: Mapping[int, dict[str, object]]) -> None:
    """Write the answer_choices and answer_texts rows of answers just stored (by id; each
    row as inserted, its AnswerFacts under "_facts")."""
    choices: list[dict[str, object]] = []
    texts: list[dict[str, object]] = []
    for answer_id, row in stored.items():
        more_choices, more_texts = fact_rows(answer_id, row, row["_facts"])  # type: ignore[arg-type]
        choices += more_choices
        texts += more_texts
    if choices:
        connection.execute(insert(AnswerChoice), choices)
    if texts:
        connection.execute(insert(AnswerText), texts)


def fact_rows(
    answer_id: int, row: Mapping[str, object], facts: AnswerFacts
) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """The answer_choices and answer_texts rows of one stored answer (its row as inserted):
    the answer's filter columns repeated beside each choice and text."""
    keys = ("form_id", "unit_code", "channel", "counter", "officer", "local_day")
    shared = {key: row.get(key) for key in keys}
    shared |= {"flagged": bool(row.get("flags")), "answer_id": answer_id}
    asked: set[str] = set()
    choices = []
    for question, choice in facts.choices:
        choices.append(
            shared | {"question_id": question, "choice": choice, "first": question not in asked}
        )
        asked.add(question)
    with_time = shared | {"finished_at": row["finished_at"]}
    texts = [with_time | {"question_id": q, "text": text} for q, text in facts.texts]
    return choices, texts


def settle_dossiers(connection: Connection, codes: Iterable[str | None]) -> None:
    """Decide again, for each dossier code, which verdict counts (the first finished) and
    flag the others duplicate_dossier; a change reaches answer_choices too."""
    wanted = sorted({code for code in codes if code})
    for start in range(0, len(wanted), _FLAG_CHUNK):  # within every database's IN limit
        _settle(connection, wanted[start : start + _FLAG_CHUNK])


def _settle(connection: Connection, wanted: list[str]) -> None:
    if connection.dialect.name == "postgresql":  # two batches with one dossier: one at a time
        for code in wanted:
            connection.execute(select(func.pg_advisory_xact_lock(func.hashtext(code))))
    query = select(
        Answer.id, Answer.dossier_code, Answer.flags, Answer.finished_at, Answer.uuid
    ).where(Answer.dossier_code.in_(wanted), Answer.verdict.is_not(None))
    rows = list(connection.execute(query).all())
    # The verdict that counts is the first finished among those the tablet did not flag (a
    # verdict an officer gave on their own dossier must not push out the citizen's own);
    # the first of all when every one is flagged.
    rows.sort(
        key=lambda row: (row.dossier_code, bool(_others(row.flags)), row.finished_at, row.uuid)
    )
    first_seen: set[str | None] = set()
    new_flags: dict[int, str] = {}
    for row in rows:
        duplicate = row.dossier_code in first_seen
        first_seen.add(row.dossier_code)
        new = _with_flag(row.flags or "", DUPLICATE_DOSSIER, duplicate)
        if new != (row.flags or ""):
            new_flags[row.id] = new
    set_many_flags(connection, new_flags)


def _others(flags: str | None) -> set[str]:
    """An answer's flags other than duplicate_dossier (the tablet's own)."""
    return {name for name in (flags or "").split(",") if name and name != DUPLICATE_DOSSIER}


def _with_flag(flags: str, flag: str, present: bool) -> str:
    names = {name for name in flags.split(",") if name}
    names = names | {flag} if present else names - {flag}
    return ",".join(sorted(names))


def set_flags(connection: Connection, answer_id: int, flags: str) -> None:
    """An answer's flags, in `answers` and in its answer_choices and answer_texts rows."""
    set_many_flags(connection, {answer_id: flags})


def set_many_flags(connection: Connection, new_flags: Mapping[int, str]) -> None:
    """Answers' flags ({answer id: flags}), a few statements per distinct value rather than
    three per answer: a unit's dossiers arriving can change thousands at once."""
    by_value: dict[str, list[int]] = defaultdict(list)
    for answer_id, flags in new_flags.items():
        by_value[flags].append(answer_id)
    for flags, ids in by_value.items():
        for start in range(0, len(ids), _FLAG_CHUNK):
            chunk = ids[start : start + _FLAG_CHUNK]
            connection.execute(update(Answer).where(Answer.id.in_(chunk)).values(flags=flags))
            for table in (AnswerChoice, AnswerText):
                flagged = update(table).where(table.answer_id.in_(chunk))
                connection.execute(flagged.values(flagged=bool(flags)))
