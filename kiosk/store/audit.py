"""The staff audit log: written on every staff action, sent to the portal with the answers."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import Engine, select, update
from sqlalchemy.orm import Session

from kiosk.store.models import AuditEntry


def record(engine: Engine, actor: str, action: str, detail: str = "") -> None:
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with Session(engine) as session, session.begin():
        session.add(AuditEntry(at=now, actor=actor[:64], action=action[:32], detail=detail[:200]))


def pending(engine: Engine, limit: int = 500) -> list[AuditEntry]:
    query = select(AuditEntry).where(AuditEntry.delivered.is_(False)).order_by(AuditEntry.id)
    with Session(engine) as session:
        return list(session.scalars(query.limit(limit)))


def mark_delivered(engine: Engine, ids: list[int]) -> None:
    if not ids:
        return
    with Session(engine) as session, session.begin():
        session.execute(update(AuditEntry).where(AuditEntry.id.in_(ids)).values(delivered=True))


def entries(engine: Engine) -> list[AuditEntry]:
    with Session(engine) as session:
        return list(session.scalars(select(AuditEntry).order_by(AuditEntry.id)))
