"""The outbox as the sync daemon sees it: oldest pending first, results applied atomically.

An entry is `pending` until the portal names its answer stored or duplicate (then
`delivered`), or conflict or rejected (then `rejected`, kept with the reason, never
retried and never deleted: IT sees them in `python -m sync status`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timezone

from sqlalchemy import Engine, func, select, update
from sqlalchemy.orm import Session

from kiosk.store.models import OutboxEntry, Response

DELIVERED = ("stored", "duplicate")
REFUSED = ("conflict", "rejected")


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def pending_batch(engine: Engine, limit: int) -> list[Response]:
    """Up to `limit` undelivered answers, oldest (lowest local sequence) first."""
    query = (
        select(Response)
        .join(OutboxEntry, OutboxEntry.response_id == Response.id)
        .where(OutboxEntry.state == "pending")
        .order_by(Response.id)
        .limit(limit)
    )
    with Session(engine, expire_on_commit=False) as session:
        return list(session.scalars(query))


def apply_results(engine: Engine, fates: dict[str, tuple[str, str | None]]) -> dict[str, int]:
    """Mark each answer by its fate from the portal, all in one transaction; count them."""
    counts = {"stored": 0, "duplicate": 0, "conflict": 0, "rejected": 0}
    for status, _ in fates.values():
        counts[status] += 1
    delivered = [uuid for uuid, (status, _) in fates.items() if status in DELIVERED]
    refused = {uuid: f"{status}: {reason or ''}" for uuid, (status, reason) in fates.items()
               if status in REFUSED}  # fmt: skip
    with Session(engine) as session, session.begin():
        if delivered:
            ids = select(Response.id).where(Response.uuid.in_(delivered)).scalar_subquery()
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.response_id.in_(ids))
                .values(
                    state="delivered",
                    delivered_at=_now(),
                    last_error=None,
                    attempts=OutboxEntry.attempts + 1,
                )
            )
        for uuid, reason in refused.items():
            one = select(Response.id).where(Response.uuid == uuid).scalar_subquery()
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.response_id == one)
                .values(state="rejected", last_error=reason, attempts=OutboxEntry.attempts + 1)
            )
    return counts


def note_attempt(engine: Engine, uuids: list[str], error: str) -> None:
    """A batch that did not get through: count the attempt, keep the error, stay pending."""
    with Session(engine) as session, session.begin():
        ids = select(Response.id).where(Response.uuid.in_(uuids)).scalar_subquery()
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.response_id.in_(ids))
            .values(attempts=OutboxEntry.attempts + 1, last_error=error[:500])
        )


def attempts_of(engine: Engine, response_id: int) -> int:
    """How many times the answer's batch was sent without an acknowledgement for it."""
    with Session(engine) as session:
        query = select(OutboxEntry.attempts).where(OutboxEntry.response_id == response_id)
        return session.scalar(query) or 0


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    delivered: int
    rejected: int
    oldest_pending: datetime | None


def outbox_status(engine: Engine) -> OutboxStatus:
    with Session(engine) as session:
        counts = dict(session.execute(
            select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)).all())  # fmt: skip
        oldest = session.scalar(
            select(func.min(Response.finished_at))
            .join(OutboxEntry, OutboxEntry.response_id == Response.id)
            .where(OutboxEntry.state == "pending")
        )
    return OutboxStatus(counts.get("pending", 0), counts.get("delivered", 0),
                        counts.get("rejected", 0), oldest)  # fmt: skip


def rejected_entries(engine: Engine, limit: int = 20) -> list[tuple[str, str]]:
    query = (
        select(Response.uuid, OutboxEntry.last_error)
        .join(OutboxEntry, OutboxEntry.response_id == Response.id)
        .where(OutboxEntry.state == "rejected")
        .order_by(Response.id)
        .limit(limit)
    )
    with Session(engine) as session:
        return [(uuid, error or "") for uuid, error in session.execute(query)]
