"""The units' dossiers kept: saved whole or not at all, found for a tablet's lookup, and the
answers checked again when they change (portal/store/dossier_checks.py)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, func, select, tuple_
from sqlalchemy.orm import Session

from contract.dossiers import PROCESSING, READY, DossierView, delay
from portal.dossiers.rows import DossierRow
from portal.store.dossier_checks import Rechecked, check_unit, keeps_dossiers
from portal.store.engine import dialect_insert, insert_ignoring_duplicates
from portal.store.models import Dossier, Setting
from portal.store.settings import DOSSIERS_FROM, unit_settings

_KEYS = ("procedure", "field", "received_at", "appointment_at", "returned_at", "status", "counter")
_COLUMNS = (
    Dossier.procedure,
    Dossier.field,
    Dossier.received_at,
    Dossier.appointment_at,
    Dossier.returned_at,
    Dossier.status,
    Dossier.counter,
)
_CHUNK = 400  # (unit, code) pairs in one IN: well within every database's parameter limit
LOCAL_OFFSET = timedelta(hours=7)  # Vietnam keeps one offset all year


@dataclass(frozen=True)
class Saved:
    added: int
    updated: int
    unchanged: int
    answers_flagged: int  # answers newly flagged against these dossiers
    answers_cleared: int  # answers whose dossier flag was taken off


def save_dossiers(engine: Engine, rows: Sequence[DossierRow], now: datetime | None = None) -> Saved:
    """Add or update the dossiers, then check the units' answers again, in one transaction:
    a failure keeps none of it."""
    now = now or datetime.now(timezone.utc).replace(tzinfo=None)
    latest = {(row.unit, row.code): row for row in rows}  # a code twice: its last row
    with engine.begin() as connection:
        before = _stored(connection, list(latest))
        units = {unit for unit, _ in latest}
        new_units = {unit for unit in units if not keeps_dossiers(connection, unit)}
        _first_kept(engine, connection, new_units, now)
        changed = [row for key, row in latest.items() if before.get(key) != _values(row)]
        if changed:
            _upsert(engine, connection, changed, now)
        codes: dict[str, set[str]] = defaultdict(set)
        for row in changed:
            codes[row.unit].add(row.code)
        done = Rechecked()
        for unit, unit_codes in codes.items():
            done += check_unit(connection, unit, None if unit in new_units else unit_codes)
    added = sum(1 for key in latest if key not in before)
    unchanged = len(latest) - len(changed)
    return Saved(added, len(changed) - added, unchanged, done.flagged, done.cleared)


def _first_kept(engine: Engine, connection: Connection, units: set[str], now: datetime) -> None:
    """A unit kept for the first time is checked from today (local), unless a day was set
    before (`portal unit U --dossiers-from DAY`)."""
    today = (now + LOCAL_OFFSET).date().isoformat()
    rows = [{"key": DOSSIERS_FROM + unit, "value": today} for unit in sorted(units)]
    if rows:
        connection.execute(insert_ignoring_duplicates(engine, Setting, rows))


def _values(row: DossierRow) -> dict[str, object]:
    """A dossier's columns beside its key (not dataclasses.asdict: it deep-copies each
    value, and took a third of a large import)."""
    return {key: getattr(row, key) for key in _KEYS}


def _stored(connection, keys: list[tuple[str, str]]) -> dict[tuple[str, str], dict[str, object]]:
    found: dict[tuple[str, str], dict[str, object]] = {}
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        query = select(Dossier.unit_code, Dossier.code, *_COLUMNS).where(
            tuple_(Dossier.unit_code, Dossier.code).in_(chunk)
        )
        for unit, code, *values in connection.execute(query):
            found[(unit, code)] = dict(zip(_KEYS, values, strict=True))
    return found


def _upsert(engine: Engine, connection: Connection, rows: list[DossierRow], now: datetime) -> None:
    """INSERT … ON CONFLICT DO UPDATE, executed many times over one compiled statement (a
    statement of 400 VALUES rows, compiled anew per chunk, took most of a large import)."""
    values = [
        {"unit_code": row.unit, "code": row.code, **_values(row), "updated_at": now} for row in rows
    ]
    statement = dialect_insert(engine)(Dossier)
    updated = {name: statement.excluded[name] for name in (*_KEYS, "updated_at")}
    upsert = statement.on_conflict_do_update(index_elements=["unit_code", "code"], set_=updated)
    connection.execute(upsert, values)


def find_dossier(engine: Engine, unit: str, code: str, now: datetime) -> DossierView | None:
    """A unit's dossier as a tablet shows it (`now` in local time, for a late one); None
    when the unit has no such dossier."""
    with Session(engine) as session:
        found = session.get(Dossier, (unit, code))
    if found is None:
        return None
    days = 0 if found.status == READY else delay(found.appointment_at, found.returned_at, now)
    late = days > 0
    apology = unit_settings(engine, unit).apology if late else ""
    return DossierView(
        code=found.code,
        procedure=found.procedure,
        field=found.field,
        received_at=found.received_at,
        appointment_at=found.appointment_at,
        returned_at=found.returned_at,
        status=found.status,
        late=late,
        delay_days=days,
        counter=found.counter,
        apology=apology,
    )


def unit_keeps_dossiers(engine: Engine, unit: str) -> bool:
    with engine.connect() as connection:
        return keeps_dossiers(connection, unit)


def dossier_counts(engine: Engine) -> dict[str, dict[str, int]]:
    """Per unit: its dossiers by status (for `portal dossiers list`)."""
    query = select(Dossier.unit_code, Dossier.status, func.count()).group_by(
        Dossier.unit_code, Dossier.status
    )
    counts: dict[str, dict[str, int]] = defaultdict(lambda: dict.fromkeys((PROCESSING,), 0))
    with engine.connect() as connection:
        for unit, status, count in connection.execute(query):
            counts[unit][status] = count
    return dict(counts)
