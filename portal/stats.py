"""`python -m portal stats`: per unit and form, answers stored, duplicates, conflicts, rejected,
and how many *count*: stored answers without integrity flags. A dossier rated on two
tablets (both maybe offline at the time) counts once, by the verdict finished first; the
later ones are flagged duplicate_dossier here. Flagged answers are kept and listed by flag,
never deleted (kiosk/domain/integrity.py).
"""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from contract.wire import DUPLICATE_DOSSIER
from kiosk.domain.shifts import yearly_target
from portal.models import Answer, Device, Heartbeat, IntakeEvent, SetAsideReport, Setting

YEARLY_DOSSIERS = "yearly_dossiers:"


def set_yearly_dossiers(engine: Engine, unit: str, dossiers: int) -> int:
    """Keep a unit's yearly dossier count; return its minimum number of answers."""
    with Session(engine) as session, session.begin():
        session.merge(Setting(key=f"{YEARLY_DOSSIERS}{unit}", value=str(dossiers)))
    return yearly_target(dossiers)


def unit_targets(engine: Engine) -> dict[str, dict[str, int]]:
    """Per unit with a dossier count: decision 2223's minimum for the year."""
    with Session(engine) as session:
        settings = session.scalars(select(Setting).where(Setting.key.startswith(YEARLY_DOSSIERS)))
        return {s.key.removeprefix(YEARLY_DOSSIERS): {
            "yearly_dossiers": int(s.value), "target": yearly_target(int(s.value))}
            for s in settings}  # fmt: skip


def flags_by_unit(engine: Engine) -> dict[tuple[str, str], dict[str, int]]:
    """Per (unit, form): answers per flag, and under "" those with any flag at all."""
    first: dict[tuple[str, str], tuple] = {}  # (unit, dossier) → (finished_at, uuid) counted
    seen: list[tuple[tuple[str, str], str, tuple, list[str], str | None]] = []
    query = select(Answer.unit_code, Answer.form_id, Answer.uuid, Answer.finished_at,
                   Answer.payload).execution_options(yield_per=1000)  # fmt: skip
    with Session(engine) as session:
        for unit, form, uuid, finished, payload in session.execute(query):
            dossier = payload.get("dossier_code") if payload.get("verdict") else None
            order = (finished, uuid)
            if dossier and ((unit, dossier) not in first or order < first[(unit, dossier)]):
                first[(unit, dossier)] = order
            seen.append(((unit, form), uuid, order, list(payload.get("flags") or []), dossier))
    result: dict[tuple[str, str], dict[str, int]] = {}
    for key, _uuid, order, flags, dossier in seen:
        if dossier and first[(key[0], dossier)] != order:
            flags.append(DUPLICATE_DOSSIER)
        counts = result.setdefault(key, {})
        for flag in flags:
            counts[flag] = counts.get(flag, 0) + 1
        if flags:
            counts[""] = counts.get("", 0) + 1
    return result


def collect(engine: Engine) -> dict:
    with Session(engine) as session:
        rows: dict[tuple[str, str], dict[str, int]] = {}
        stored = session.execute(
            select(Answer.unit_code, Answer.form_id, func.count()).group_by(
                Answer.unit_code, Answer.form_id
            )
        )
        for unit, form, count in stored:
            rows.setdefault((unit, form), {})["stored"] = count
        events = session.execute(
            select(IntakeEvent.unit_code, IntakeEvent.form_id, IntakeEvent.kind, func.count())
            .group_by(IntakeEvent.unit_code, IntakeEvent.form_id, IntakeEvent.kind)
        )  # fmt: skip
        for unit, form, kind, count in events:
            rows.setdefault((unit, form), {})[kind] = count
        devices = []
        for device in session.scalars(select(Device).order_by(Device.id)):
            beat = session.get(Heartbeat, device.id)
            devices.append({
                "device_id": device.id, "unit_code": device.unit_code, "counter": device.counter,
                "revoked": device.revoked_at is not None,
                "last_seen": device.last_seen_at.isoformat() + "Z" if device.last_seen_at else None,
                "outbox_depth": beat.outbox_depth if beat else None,
                "clock_offset_s": beat.clock_offset_s if beat else None,
                "last_error": beat.last_error if beat else None,
                **_set_aside(session.get(SetAsideReport, device.id)),
            })  # fmt: skip
    flagged = flags_by_unit(engine)
    targets = unit_targets(engine)
    units = [
        {"unit_code": unit, "form_id": form,
         **{k: counts.get(k, 0) for k in ("stored", "duplicate", "conflict", "rejected")},
         "counted": counts.get("stored", 0) - flagged.get((unit, form), {}).get("", 0),
         "not_counted": flagged.get((unit, form), {}).get("", 0),
         "flagged": {k: v for k, v in sorted(flagged.get((unit, form), {}).items()) if k},
         **targets.get(unit, {})}
        for (unit, form), counts in sorted(rows.items())
    ]  # fmt: skip
    return {"units": units, "devices": devices}


def _set_aside(report: SetAsideReport | None) -> dict:
    """What the device keeps aside, as its latest heartbeat said (None: not reported)."""
    return {
        "set_aside": report.count if report else None,
        "set_aside_reasons": report.reasons if report else {},
    }
