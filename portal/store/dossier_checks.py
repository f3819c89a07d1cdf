"""Answers checked against the unit's dossiers: three integrity flags the portal decides
(contract.wire's DOSSIER_FLAGS), kept and explained as the others are, never counted.

Only a unit whose dossiers the portal keeps (at least one imported or pushed) is checked:
before that, every code would be "unknown". For an answer naming a dossier code:

- dossier_unknown: the unit has no dossier with that code (a made-up or mistyped code);
- dossier_not_returned: rated before the day its result was returned, or it is not returned
  yet (the survey is about a result received; the day, not the minute, since the clerk may
  mark the return after the citizen has rated);
- dossier_rated_late: rated more than RATED_WITHIN_DAYS after the day of its return.

Decided at intake for the answers stored, and again for a unit's answers when its
dossiers arrive or change (a dossier imported a day after its rating unflags it).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, and_, select

from contract.wire import DOSSIER_FLAGS, DOSSIER_NOT_RETURNED, DOSSIER_RATED_LATE, DOSSIER_UNKNOWN
from portal.store.answer_facts import local_day, set_flags, settle_dossiers
from portal.store.models import Answer, Dossier

RATED_WITHIN_DAYS = 30  # a rating later than this after the return is not a fresh memory
_CHUNK = 500


def check_stored(connection: Connection, answer_ids: Iterable[int]) -> None:
    """Check answers just stored (a batch, a web answer, an import)."""
    ids = sorted(set(answer_ids))
    for start in range(0, len(ids), _CHUNK):
        _recheck(connection, Answer.id.in_(ids[start : start + _CHUNK]))


def check_unit(connection: Connection, unit: str, codes: Iterable[str] | None = None) -> int:
    """Check a unit's answers again (those naming `codes`, or all with a code); how many
    changed. A verdict whose flags changed may now count in place of another: one verdict
    per dossier is decided again for those codes."""
    if codes is None:
        return _recheck(connection, Answer.unit_code == unit)
    wanted, changed = sorted(set(codes)), 0
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        changed += _recheck(
            connection, and_(Answer.unit_code == unit, Answer.dossier_code.in_(chunk))
        )
    return changed


def keeps_dossiers(connection: Connection, unit: str) -> bool:
    query = select(Dossier.code).where(Dossier.unit_code == unit).limit(1)
    return connection.execute(query).first() is not None


def _recheck(connection: Connection, condition: object) -> int:
    query = (
        select(
            Answer.id,
            Answer.unit_code,
            Answer.dossier_code,
            Answer.flags,
            Answer.finished_at,
            Dossier.code.label("known"),
            Dossier.returned_at,
        )
        .outerjoin(
            Dossier,
            and_(Dossier.unit_code == Answer.unit_code, Dossier.code == Answer.dossier_code),
        )
        .where(condition, Answer.dossier_code.is_not(None))  # type: ignore[arg-type]
    )
    rows = connection.execute(query).all()
    kept: dict[str, bool] = {}
    changed_codes: set[str] = set()
    for row in rows:
        if row.unit_code not in kept:
            kept[row.unit_code] = keeps_dossiers(connection, row.unit_code)
        found = dossier_flags(kept[row.unit_code], row.known, row.returned_at, row.finished_at)
        others = [name for name in (row.flags or "").split(",") if name not in DOSSIER_FLAGS]
        new = ",".join(sorted({*filter(None, others), *found}))
        if new != (row.flags or ""):
            set_flags(connection, row.id, new)
            changed_codes.add(row.dossier_code)
    settle_dossiers(connection, changed_codes)
    return len(changed_codes)


def dossier_flags(
    unit_keeps: bool, known: str | None, returned_at: datetime | None, finished_at: datetime
) -> set[str]:
    """The dossier flags of one answer (finished_at in UTC, returned_at in local time)."""
    if not unit_keeps:
        return set()
    if known is None:
        return {DOSSIER_UNKNOWN}
    rated_on = local_day(finished_at)
    if returned_at is None or rated_on < returned_at.date():
        return {DOSSIER_NOT_RETURNED}
    if rated_on > returned_at.date() + timedelta(days=RATED_WITHIN_DAYS):
        return {DOSSIER_RATED_LATE}
    return set()
