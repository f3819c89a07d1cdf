"""`python -m portal stats`: per unit and form, answers stored, duplicates, conflicts, rejected."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from portal.models import Answer, Device, Heartbeat, IntakeEvent


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
            })  # fmt: skip
    units = [
        {"unit_code": unit, "form_id": form,
         **{k: counts.get(k, 0) for k in ("stored", "duplicate", "conflict", "rejected")}}
        for (unit, form), counts in sorted(rows.items())
    ]  # fmt: skip
    return {"units": units, "devices": devices}
