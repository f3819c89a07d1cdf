"""Answers checked against the unit's dossiers: three integrity flags the portal decides
(contract.wire's DOSSIER_FLAGS), kept and explained as the others are, never counted.

Only a unit whose dossiers the portal keeps is checked, and a code is called unknown only
in an answer given on or after the day the unit's dossiers are complete from (its
`dossiers_from`, `portal unit U --dossiers-from DAY`; by default the day its first dossiers
were kept): a province that starts importing this month must not see last year's answers
struck out because last year's dossiers were never imported. For an answer naming a code:

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
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import Connection, and_, func, select

from contract.wire import DOSSIER_FLAGS, DOSSIER_NOT_RETURNED, DOSSIER_RATED_LATE, DOSSIER_UNKNOWN
from portal.store.answer_facts import local_day, set_many_flags, settle_dossiers
from portal.store.models import Answer, Dossier, Setting
from portal.store.settings import DOSSIERS_FROM

RATED_WITHIN_DAYS = 30  # a rating later than this after the return is not a fresh memory
_CHUNK = 500


@dataclass
class Rechecked:
    """What a check changed: answers newly flagged, and answers whose flag was taken off."""

    flagged: int = 0
    cleared: int = 0

    def __iadd__(self, other: Rechecked) -> Rechecked:
        self.flagged += other.flagged
        self.cleared += other.cleared
        return self


def check_stored(connection: Connection, answer_ids: Iterable[int]) -> None:
    """Check answers just stored (a batch, a web answer, an import)."""
    ids = sorted(set(answer_ids))
    for start in range(0, len(ids), _CHUNK):
        _recheck(connection, Answer.id.in_(ids[start : start + _CHUNK]))


def check_unit(connection: Connection, unit: str, codes: Iterable[str] | None = None) -> Rechecked:
    """Check a unit's answers again (those naming `codes`, or all with a code). A verdict
    whose flags changed may now count in place of another: one verdict per dossier is
    decided again for those codes."""
    if codes is None:
        return _recheck(connection, Answer.unit_code == unit)
    wanted, done = sorted(set(codes)), Rechecked()
    for start in range(0, len(wanted), _CHUNK):
        chunk = wanted[start : start + _CHUNK]
        done += _recheck(connection, and_(Answer.unit_code == unit, Answer.dossier_code.in_(chunk)))
    return done


def keeps_dossiers(connection: Connection, unit: str) -> bool:
    query = select(Dossier.code).where(Dossier.unit_code == unit).limit(1)
    return connection.execute(query).first() is not None


def checked_from(connection: Connection, unit: str) -> date | None:
    """The first day whose answers are checked for unknown codes; None: the unit's
    dossiers are not kept. A unit kept before the setting existed: its oldest dossier's."""
    if not keeps_dossiers(connection, unit):
        return None
    query = select(Setting.value).where(Setting.key == DOSSIERS_FROM + unit)
    kept = connection.execute(query).scalar()
    if kept:
        return date.fromisoformat(kept)
    oldest = connection.execute(
        select(func.min(Dossier.received_at)).where(Dossier.unit_code == unit)
    ).scalar()
    return oldest.date() if oldest else None


def _recheck(connection: Connection, condition: object) -> Rechecked:
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
    since: dict[str, date | None] = {}
    changed_codes: set[str] = set()
    new_flags: dict[int, str] = {}
    done = Rechecked()
    for row in rows:
        if row.unit_code not in since:
            since[row.unit_code] = checked_from(connection, row.unit_code)
        found = dossier_flags(since[row.unit_code], row.known, row.returned_at, row.finished_at)
        before = {name for name in (row.flags or "").split(",") if name}
        after = (before - set(DOSSIER_FLAGS)) | found
        if after != before:
            new_flags[row.id] = ",".join(sorted(after))
            changed_codes.add(row.dossier_code)
            had = bool(before & set(DOSSIER_FLAGS))
            done.flagged += bool(found) and not had
            done.cleared += had and not found
    set_many_flags(connection, new_flags)
    settle_dossiers(connection, changed_codes)
    return done


def dossier_flags(
    since: date | None, known: str | None, returned_at: datetime | None, finished_at: datetime
) -> set[str]:
    """The dossier flags of one answer (finished_at in UTC, returned_at in local time);
    `since`: the unit's first checked day (None: its dossiers are not kept)."""
    if since is None:
        return set()
    rated_on = local_day(finished_at)
    if known is None:
        return {DOSSIER_UNKNOWN} if rated_on >= since else set()
    if returned_at is None or rated_on < returned_at.date():
        return {DOSSIER_NOT_RETURNED}
    if rated_on > returned_at.date() + timedelta(days=RATED_WITHIN_DAYS):
        return {DOSSIER_RATED_LATE}
    return set()
