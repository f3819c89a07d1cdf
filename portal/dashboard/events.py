"""The dashboard's audit: who did what, when and from where.

Recorded: every sign-in (right, wrong or locked out), sign-out, and every sensitive
action (a sealed phone opened, a sample drawn, an outcome recorded, a device revoked, an
alert acknowledged, a rule changed, a report downloaded). Nothing personal is written in
`detail`: an answer's UUID, never its phone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.store.dashboard_tables import DashboardEvent

SIGNED_IN, SIGN_IN_REFUSED, LOCKED_OUT, SIGNED_OUT = (
    "sign_in",
    "sign_in_refused",
    "locked",
    "sign_out",
)


@dataclass(frozen=True)
class Event:
    at: datetime
    user: str
    action: str
    unit: str | None
    detail: str
    address: str


def record(
    engine: Engine,
    user: str,
    action: str,
    unit: str | None = None,
    detail: str = "",
    address: str = "",
) -> None:
    with Session(engine) as session, session.begin():
        session.add(
            DashboardEvent(
                at=datetime.now(timezone.utc).replace(tzinfo=None),
                user_name=user[:64],
                action=action,
                unit_code=unit,
                detail=detail[:500],
                address=address[:64],
            )
        )


def recent(engine: Engine, limit: int = 100, action: str | None = None) -> list[Event]:
    """The newest events first."""
    query = select(DashboardEvent).order_by(DashboardEvent.id.desc()).limit(limit)
    if action is not None:
        query = query.where(DashboardEvent.action == action)
    with Session(engine) as session:
        return [
            Event(e.at, e.user_name, e.action, e.unit_code, e.detail, e.address)
            for e in session.scalars(query)
        ]
