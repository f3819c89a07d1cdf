"""What the portal reads of its devices: the enrolled ones, whether one may sign, and the
counters each unit's answers may name (the writes are portal/devices.py's)."""

from __future__ import annotations

from sqlalchemy import CompoundSelect, Connection, Engine, select, union
from sqlalchemy.orm import Session

from portal.store.models import Counter, Device


def list_devices(engine: Engine) -> list[Device]:
    with Session(engine) as session:
        return list(session.scalars(select(Device).order_by(Device.created_at)))


def active_device(engine: Engine, device_id: str) -> Device | None:
    """The device, detached from its session; None when unknown or revoked."""
    with Session(engine) as session:
        device = session.get(Device, device_id)
        if device is not None:
            session.expunge(device)
    return device if device is not None and device.revoked_at is None else None


def is_revoked(engine: Engine, device_id: str) -> bool:
    """True when the device is revoked, or is not (any more) known."""
    with Session(engine) as session:
        device = session.get(Device, device_id)
        return device is None or device.revoked_at is not None


def unit_counters(engine: Engine) -> dict[str, list[str]]:
    """Every unit's known counters: those added and those its devices were enrolled at."""
    with engine.connect() as connection:
        rows = connection.execute(_counters().order_by("unit_code", "code")).all()
    known: dict[str, list[str]] = {}
    for unit, code in rows:
        known.setdefault(unit, []).append(code)
    return known


def known_counters(connection: Connection, unit: str) -> set[str]:
    """The counters an answer of `unit` may name."""
    query = _counters().subquery()
    return set(connection.execute(select(query.c.code).where(query.c.unit_code == unit)).scalars())


def _counters() -> CompoundSelect:
    return union(
        select(Counter.unit_code, Counter.code),
        select(Device.unit_code, Device.counter.label("code")),
    )
