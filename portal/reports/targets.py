"""How many answers a unit must gather, and how far it has come: decision 2223's yearly
minimum (Slovin's formula on the unit's yearly dossiers, kiosk/domain/targets.py), its
half-year rule for units whose only applicants are state bodies (one answer each per
half), and the quotas a survey plan sets (`portal quota add`).

Progress counts citizens surveyed: answers of every form and channel without flags, a
long form that follows a quick answer left out (the same citizen), in the target's own
window of local days (a year, a half-year, the quota's period) up to today, whatever the
report's form and period; the share expected by today is the share of the window's days
gone by. A report's targets are taken at today, or at its period's end when that is past.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.domain.shifts import yearly_target
from portal.reports.counting import known_units, known_values, target_counts
from portal.reports.numbers import percent
from portal.reports.request import ReportError, ReportRequest, half_year, known_codes
from portal.store.models import Quota
from portal.store.settings import HALF_YEAR, YEARLY_DOSSIERS, unit_values


@dataclass(frozen=True)
class Target:
    kind: str  # yearly | half_year | quota
    label: str
    unit: str
    counter: str | None
    start: date
    end: date
    target: int


def report_targets(engine: Engine, request: ReportRequest, today: date) -> list[dict[str, object]]:
    """Every target of the report's units (of every unit that has one when the report names
    none: a unit behind with no answer at all must show), with its progress."""
    reference = _clamp(today, request.start, request.end)
    units = list(request.units) or _units_with_targets(engine)
    targets = _yearly(engine, units, reference.year) + _half_year(engine, units, reference)
    targets += _quotas(engine, request, units, reference)
    windows: dict[tuple[date, date], list[Target]] = {}
    for target in targets:  # a year's or a half's targets share a window: one query for all
        windows.setdefault((target.start, min(target.end, today)), []).append(target)
    counted: dict[tuple[date, date, str, str | None], int] = {}
    with engine.connect() as connection:
        for (start, until), members in windows.items():
            if until < start:  # not begun by today: nothing counted yet
                continue
            found = target_counts(connection, sorted({t.unit for t in members}), start, until)
            counted |= {(start, until, *key): n for key, n in found.items()}
    return [
        _progress(
            target,
            counted.get((target.start, min(target.end, today), target.unit, target.counter), 0),
            today,
        )
        for target in targets
    ]


def _units_with_targets(engine: Engine) -> list[str]:
    with Session(engine) as session:
        planned = set(session.scalars(select(Quota.unit_code).distinct()))
    return sorted(
        set(unit_values(engine, YEARLY_DOSSIERS)) | set(unit_values(engine, HALF_YEAR)) | planned
    )


def _clamp(day: date, start: date | None, end: date | None) -> date:
    """The day a report's targets are taken at: today, within the report's period (a report
    of last year's second half shows that half's targets, as they ended)."""
    if end is not None and day > end:
        return end
    if start is not None and day < start:
        return start
    return day


def _yearly(engine: Engine, units: list[str], year: int) -> list[Target]:
    dossiers = unit_values(engine, YEARLY_DOSSIERS)
    start, end = date(year, 1, 1), date(year, 12, 31)
    return [
        Target(
            "yearly",
            f"Số phiếu tối thiểu năm {year} theo Quyết định 2223 ({int(dossiers[unit])} hồ sơ/năm)",
            unit,
            None,
            start,
            end,
            yearly_target(int(dossiers[unit])),
        )
        for unit in units
        if int(dossiers.get(unit) or 0) > 0
    ]


def _half_year(engine: Engine, units: list[str], reference: date) -> list[Target]:
    applicants = unit_values(engine, HALF_YEAR)
    half = half_year(reference)
    assert half.start is not None and half.end is not None  # a half-year has both ends
    return [
        Target(
            "half_year",
            f"Mỗi cơ quan nộp hồ sơ một phiếu, {half.label} ({int(applicants[unit])} cơ quan)",
            unit,
            None,
            half.start,
            half.end,
            int(applicants[unit]),
        )
        for unit in units
        if int(applicants.get(unit) or 0) > 0
    ]


def _quotas(
    engine: Engine, request: ReportRequest, units: list[str], reference: date
) -> list[Target]:
    """The quotas of these units whose window meets the report's period (or, open, today)."""
    first, last = request.start or reference, request.end or reference
    query = (
        select(Quota)
        .where(Quota.unit_code.in_(units), Quota.start <= last, Quota.end >= first)
        .order_by(Quota.unit_code, Quota.start, Quota.counter)
    )
    with Session(engine) as session:
        return [
            Target("quota", q.label, q.unit_code, q.counter, q.start, q.end, q.count)
            for q in session.scalars(query)
        ]


def _progress(target: Target, counted: int, today: date) -> dict[str, object]:
    """A target with what was counted in its window by today."""
    days = (target.end - target.start).days + 1
    gone = min(max((today - target.start).days + 1, 0), days)
    expected = (target.target * gone * 2 + days) // (days * 2)  # rounded half up
    return {
        "kind": target.kind,
        "label": target.label,
        "unit": target.unit,
        "counter": target.counter,
        "from": target.start.isoformat(),
        "to": target.end.isoformat(),
        "target": target.target,
        "counted": counted,
        "percent": percent(counted, target.target),
        "expected": expected,
        "expected_percent": percent(gone, days),
        "status": status(counted, target.target, expected, today, target),
    }


def status(counted: int, goal: int, expected: int, today: date, target: Target) -> str:
    """reached, not_started, ended_short, on_track or behind."""
    if counted >= goal:
        return "reached"
    if today < target.start:
        return "not_started"
    if today > target.end:
        return "ended_short"
    return "on_track" if counted >= expected else "behind"


def add_quota(
    engine: Engine, unit: str, counter: str | None, start: date, end: date, count: int, label: str
) -> Quota:
    """Keep a survey plan's quota (`portal quota add`): for a unit the portal knows, one of
    its counters (letter case aside), once for one window; ReportError otherwise."""
    with engine.connect() as connection:
        (found,) = known_codes("đơn vị", (unit,), known_units(connection))
        if counter is not None:
            counters = known_values(connection, "counter", (found,))
            (counter,) = known_codes("quầy", (counter,), counters)
    with Session(engine) as session, session.begin():
        same = select(Quota).where(
            Quota.unit_code == found,
            Quota.start == start,
            Quota.end == end,
            Quota.counter.is_(None) if counter is None else Quota.counter == counter,
        )
        if session.scalars(same).first() is not None:
            raise ReportError(
                "Chỉ tiêu này đã có cho đơn vị, quầy và kỳ đó (quota list; quota remove ID để sửa)."
            )
        quota = Quota(
            unit_code=found, counter=counter, start=start, end=end, count=count, label=label
        )
        quota.added_at = datetime.now(timezone.utc).replace(tzinfo=None)
        session.add(quota)
        session.flush()
        session.expunge(quota)
    return quota


def remove_quota(engine: Engine, quota_id: int) -> bool:
    """Remove a quota given by mistake; False when there is none with this id."""
    with Session(engine) as session, session.begin():
        quota = session.get(Quota, quota_id)
        if quota is None:
            return False
        session.delete(quota)
        return True


def list_quotas(engine: Engine) -> list[Quota]:
    with Session(engine) as session:
        return list(session.scalars(select(Quota).order_by(Quota.unit_code, Quota.start)))
