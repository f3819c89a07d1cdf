"""What `portal stats` reads from the portal's store: counts grouped in the database (by
channel, by intake event, by the flags intake keeps, duplicate_dossier included), the
devices with their latest heartbeat. Plain values out (portal/reports/summary.py's), no
computation here, and no answer loaded one by one."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.reports.summary import DeviceState, Facts
from portal.store.models import Answer, Device, Heartbeat, IntakeEvent, SetAsideReport
from portal.store.settings import yearly_dossiers


def read_facts(engine: Engine) -> Facts:
    """Everything `portal stats` is computed from."""
    dossiers = yearly_dossiers(engine)
    with Session(engine) as session:
        return Facts(
            stored=stored_counts(session),
            events=event_counts(session),
            flagged=flag_counts(session),
            devices=device_states(session),
            yearly_dossiers=dossiers,
        )


def stored_counts(session: Session) -> list[tuple[str, str, str, int]]:
    """Answers stored, per unit, form and channel."""
    columns = (Answer.unit_code, Answer.form_id, Answer.channel)
    query = select(*columns, func.count()).group_by(*columns)
    return [(unit, form, channel, count) for unit, form, channel, count in session.execute(query)]


def event_counts(session: Session) -> list[tuple[str, str, str, int]]:
    """Answers not stored (duplicate, conflict, rejected), per unit, form and kind."""
    columns = (IntakeEvent.unit_code, IntakeEvent.form_id, IntakeEvent.kind)
    query = select(*columns, func.count()).group_by(*columns)
    return [(unit, form, kind, count) for unit, form, kind, count in session.execute(query)]


def flag_counts(session: Session) -> list[tuple[str, str, str, int]]:
    """Flagged answers per unit, form and flags (the comma-joined flags of one answer)."""
    columns = (Answer.unit_code, Answer.form_id, Answer.flags)
    query = select(*columns, func.count()).where(Answer.flags != "").group_by(*columns)
    return [(unit, form, flags, count) for unit, form, flags, count in session.execute(query)]


def device_states(session: Session) -> list[DeviceState]:
    """Every device, by id, with its latest heartbeat and what it keeps aside."""
    query = (
        select(Device, Heartbeat, SetAsideReport)
        .outerjoin(Heartbeat, Heartbeat.device_id == Device.id)
        .outerjoin(SetAsideReport, SetAsideReport.device_id == Device.id)
        .order_by(Device.id)
    )
    return [
        DeviceState(
            device_id=device.id,
            unit_code=device.unit_code,
            counter=device.counter,
            revoked=device.revoked_at is not None,
            last_seen=device.last_seen_at,
            outbox_depth=beat.outbox_depth if beat else None,
            clock_offset_s=beat.clock_offset_s if beat else None,
            last_error=beat.last_error if beat else None,
            set_aside=report.count if report else None,
            set_aside_reasons=report.reasons if report else {},
        )
        for device, beat, report in session.execute(query)
    ]
