"""Writing finished answers (with their outbox entry, in one transaction) and reading them back."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import TypeVar

from sqlalchemy import Engine, Select, func, select
from sqlalchemy.orm import Session

from kiosk import __version__
from kiosk.domain.flow import FinishedAnswer
from kiosk.domain.forms import Form
from kiosk.domain.identification import PERSONAL_FIELDS
from kiosk.domain.integrity import AnswerFacts, History, IntegrityPolicy, flags_for
from kiosk.domain.pin import verify_pin
from kiosk.domain.questions.summary import quick_summary
from kiosk.store.models import KioskState, OutboxEntry, Response
from kiosk.store.personal import PersonalData

_Row = TypeVar("_Row")


@dataclass(frozen=True)
class Context:
    """Where an answer was given: what the flow does not know but every answer records."""

    unit_code: str
    counter: str
    device_id: str
    officer: str | None = None


def _naive_utc(moment: datetime) -> datetime:
    # SQLite keeps no zone: every stored time is UTC without tzinfo.
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def to_row(
    answer: FinishedAnswer, form: Form, context: Context, personal: PersonalData
) -> Response:
    """The row for an answer to `form`: every question's answer as itself (`answers`)."""
    identity = answer.identity
    private = {k: v for k, v in identity.items() if k in PERSONAL_FIELDS}
    # The contract's quick-form summary (`reasons`, `comment`), kept for the receivers
    # that read them; worked out in one place from the answers and the form.
    summary = quick_summary(form, answer.answers)
    return Response(
        uuid=answer.uuid,
        form_id=answer.form_id,
        form_version=answer.form_version,
        unit_code=context.unit_code,
        counter=context.counter,
        device_id=context.device_id,
        officer=context.officer,
        started_at=_naive_utc(answer.started_at),
        finished_at=_naive_utc(answer.finished_at),
        duration_ms=answer.duration_ms,
        id_method=answer.id_method,
        status="complete" if answer.complete else "incomplete",
        verdict=answer.verdict,
        reasons=summary.reasons,
        comment=summary.comment,
        answers={
            qid: {"value": a.value, "other_text": a.other_text} for qid, a in answer.answers.items()
        },
        language=answer.language,
        dossier_code=identity.get("dossier_code"),
        phone_hash=None,  # nothing on the tablet matches phones: the sealed box only
        citizen_id_hash=(
            personal.citizen_id_hash(identity["citizen_id"], answer.finished_at)
            if "citizen_id" in identity
            else None
        ),
        personal_sealed=personal.seal(private),
        app_version=__version__,
        drawn=answer.drawn,
        follows=answer.follows,
    )


def save_answer(
    engine: Engine,
    answer: FinishedAnswer,
    form: Form,
    context: Context,
    personal: PersonalData,
    policy: IntegrityPolicy | None = None,
    officer_id_hash: str = "",
) -> int:
    """Write the answer to `form` and its outbox entry in one transaction; return its
    local sequence.

    With a policy, the answer's integrity flags are worked out in the same transaction
    (BEGIN IMMEDIATE: no other writer between the look at history and the write).
    Raises whatever the disk raises (full, read-only): the caller must not thank the
    citizen unless this returned.
    """
    row = to_row(answer, form, context, personal)
    with Session(engine) as session, session.begin():
        if policy is not None:
            row.flags = list(_flags(session, row, answer, policy, officer_id_hash))
        session.add(row)
        session.flush()
        sequence = row.id
        session.add(OutboxEntry(response_id=sequence, enqueued_at=_naive_utc(answer.finished_at)))
    return sequence


def _flags(
    session: Session,
    row: Response,
    answer: FinishedAnswer,
    policy: IntegrityPolicy,
    officer_id_hash: str,
) -> tuple[str, ...]:
    finished = answer.finished_at.astimezone(timezone.utc)
    complete = Response.status == "complete"
    previous = session.scalar(select(func.max(Response.finished_at)).where(complete))
    window_start = _naive_utc(finished - timedelta(seconds=policy.burst_window_s))
    in_window = (
        session.scalar(
            select(func.count(Response.id)).where(complete, Response.finished_at >= window_start)
        )
        or 0
    )
    same_id = 0
    if row.citizen_id_hash:
        start, end = policy.day_bounds(finished)
        same_id = (
            session.scalar(
                select(func.count(Response.id)).where(
                    complete,
                    Response.citizen_id_hash == row.citizen_id_hash,
                    Response.finished_at >= _naive_utc(start),
                    Response.finished_at < _naive_utc(end),
                )
            )
            or 0
        )
    history = History(
        previous_finished_at=previous.replace(tzinfo=timezone.utc) if previous else None,
        finished_within_burst_window=in_window,
        same_id_today=same_id,
    )
    typed_id = answer.identity.get("citizen_id", "")
    officer_self = bool(officer_id_hash and typed_id and verify_pin(typed_id, officer_id_hash))
    identified = bool(answer.identity)
    if answer.follows is not None:  # the long form asks nobody again: as its quick answer was
        method = select(Response.id_method).where(Response.uuid == answer.follows)
        identified = session.scalar(method) not in (None, "none")
    facts = AnswerFacts(
        finished_at=finished,
        identified=identified,
        has_citizen_id=bool(row.citizen_id_hash),
        officer_self=officer_self,
    )
    return flags_for(facts, history, policy)


def already_rated(engine: Engine, dossier_code: str) -> bool:
    """Whether this kiosk already holds a verdict on that dossier (one per dossier)."""
    query = select(Response.id).where(
        Response.dossier_code == dossier_code, Response.verdict.is_not(None)
    )
    with Session(engine) as session:
        return session.scalar(query.limit(1)) is not None


def count_answers(engine: Engine) -> int:
    with Session(engine) as session:
        return session.scalar(select(func.count(Response.id))) or 0


def iter_answers(engine: Engine, since: datetime | None = None) -> Iterator[Response]:
    """Stored answers in local order (oldest first), optionally finished since a moment."""
    query = _finished_since(select(Response).order_by(Response.id), since)
    with Session(engine) as session:
        yield from session.scalars(query.execution_options(yield_per=500))


def answer_form_ids(engine: Engine, since: datetime | None = None) -> set[str]:
    """The forms of the answers `iter_answers` gives (their ids), read before them."""
    query = _finished_since(select(Response.form_id).distinct(), since)
    with Session(engine) as session:
        return set(session.scalars(query))


def _finished_since(query: Select[_Row], since: datetime | None) -> Select[_Row]:
    return query if since is None else query.where(Response.finished_at >= _naive_utc(since))


def get_state(engine: Engine, key: str) -> str | None:
    with Session(engine) as session:
        row = session.get(KioskState, key)
        return row.value if row else None


def set_state(engine: Engine, key: str, value: str) -> None:
    with Session(engine) as session, session.begin():
        session.merge(KioskState(key=key, value=value))


def count_up(engine: Engine, key: str) -> int:
    """Add one to a count kept in the kiosk's state (a count alone: nothing of what was
    counted is kept); the new count."""
    with Session(engine) as session, session.begin():
        row = session.get(KioskState, key)
        count = (int(row.value) if row and row.value.isdigit() else 0) + 1
        session.merge(KioskState(key=key, value=str(count)))
        return count
