"""The shift on duty (kept in kiosk_state, so it survives a restart) and its summary."""

from __future__ import annotations

import json
from collections.abc import Collection
from datetime import datetime, time, timezone

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from kiosk.domain.integrity import IntegrityPolicy
from kiosk.domain.shifts import Progress, Shift, ShiftSummary
from kiosk.store.answers import get_state, set_state
from kiosk.store.models import Response

KEY = "shift"
COMPLETE = Response.status == "complete"


def current_shift(engine: Engine) -> Shift | None:
    text = get_state(engine, KEY)
    if not text:
        return None
    data = json.loads(text)
    return Shift(data["officer"], data["counter"], datetime.fromisoformat(data["started_at"]))


def start_shift(engine: Engine, shift: Shift) -> None:
    data = {
        "officer": shift.officer,
        "counter": shift.counter,
        "started_at": shift.started_at.isoformat(),
    }
    set_state(engine, KEY, json.dumps(data))


def end_shift(engine: Engine) -> None:
    set_state(engine, KEY, "")


def summarize(
    engine: Engine,
    shift: Shift,
    now: datetime,
    policy: IntegrityPolicy,
    target_year: int,
    satisfied_verdicts: Collection[str],
) -> ShiftSummary:
    """Counts only: the shift's complete answers and satisfied ones, and the tablet's
    progress this year and month (the unit's local calendar) towards the target.

    `satisfied_verdicts` are the verdicts that count as satisfied: the form's
    (`Form.satisfied_verdicts`, its verdict's choices marked `satisfied: true`)."""
    since = _naive(shift.started_at)
    mine = select(func.count(Response.id)).where(
        COMPLETE, Response.officer == shift.officer, Response.finished_at >= since
    )
    with Session(engine) as session:
        answers = session.scalar(mine) or 0
        liked = mine.where(Response.verdict.in_(list(satisfied_verdicts)))
        satisfied = session.scalar(liked) or 0
    return ShiftSummary(shift, answers, satisfied, progress(engine, now, policy, target_year))


def progress(engine: Engine, now: datetime, policy: IntegrityPolicy, target_year: int) -> Progress:
    """Complete answers on this tablet this year and this month (the unit's calendar)."""
    local = policy.local(now).date()
    year_start = datetime.combine(local.replace(month=1, day=1), time(0), policy.zone)
    month_start = datetime.combine(local.replace(day=1), time(0), policy.zone)
    done = select(func.count(Response.id)).where(COMPLETE)
    with Session(engine) as session:
        year = session.scalar(done.where(Response.finished_at >= _naive(year_start))) or 0
        month = session.scalar(done.where(Response.finished_at >= _naive(month_start))) or 0
    return Progress(target_year, year, month)


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)
