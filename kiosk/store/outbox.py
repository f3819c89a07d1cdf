"""The outbox as the sync daemon sees it: oldest pending first, results applied atomically.

An entry is `pending` until the portal names its answer stored or duplicate (then
`delivered`), or conflict or rejected (then `rejected`: *set aside*, kept with the
reason and never deleted; IT sees how many and why in `python -m sync status`, the IT
area and the heartbeat, and can send them again with `requeue`). `attempts` counts the
portal's refusals of that answer alone, never a network failure nor a batch refused
because of another answer in it.
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
    refused = {
        uuid: f"{status}: {reason or ''}"
        for uuid, (status, reason) in fates.items()
        if status in REFUSED
    }
    with Session(engine) as session, session.begin():
        if delivered:
            ids = select(Response.id).where(Response.uuid.in_(delivered)).scalar_subquery()
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.response_id.in_(ids))
                .values(state="delivered", delivered_at=_now(), last_error=None)
            )
        for uuid, reason in refused.items():
            one = select(Response.id).where(Response.uuid == uuid).scalar_subquery()
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.response_id == one)
                .values(state="rejected", last_error=reason, attempts=OutboxEntry.attempts + 1)
            )
    return counts


def charge_refusal(engine: Engine, uuid: str, error: str) -> int:
    """The portal refused this answer, sent alone: count it, keep why; the new count."""
    with Session(engine) as session, session.begin():
        one = select(Response.id).where(Response.uuid == uuid).scalar_subquery()
        entry = session.scalars(select(OutboxEntry).where(OutboxEntry.response_id == one)).one()
        entry.attempts += 1
        entry.last_error = error[:500]
        return entry.attempts


def set_aside(engine: Engine, uuid: str, reason: str) -> None:
    """Stop sending an answer the portal keeps refusing (IT may `requeue` it)."""
    with Session(engine) as session, session.begin():
        one = select(Response.id).where(Response.uuid == uuid).scalar_subquery()
        session.execute(
            update(OutboxEntry)
            .where(OutboxEntry.response_id == one)
            .values(state="rejected", last_error=f"rejected: {reason}"[:500])
        )


def requeue(engine: Engine, uuids: list[str] | None = None) -> list[str]:
    """Send answers set aside again (every one with None); the UUIDs put back in the queue.

    Their refusals are forgotten: the portal (or the network it was mistaken for) gets a
    fresh hearing.
    """
    query = (
        select(Response.uuid, OutboxEntry.id)
        .join(OutboxEntry, OutboxEntry.response_id == Response.id)
        .where(OutboxEntry.state == "rejected")
        .order_by(Response.id)
    )
    if uuids is not None:
        query = query.where(Response.uuid.in_(uuids))
    with Session(engine) as session, session.begin():
        found = session.execute(query).all()
        if found:
            session.execute(
                update(OutboxEntry)
                .where(OutboxEntry.id.in_([entry for _, entry in found]))
                .values(state="pending", attempts=0, last_error=None)
            )
    return [uuid for uuid, _ in found]


@dataclass(frozen=True)
class OutboxStatus:
    pending: int
    delivered: int
    rejected: int
    oldest_pending: datetime | None


def outbox_status(engine: Engine) -> OutboxStatus:
    by_state = select(OutboxEntry.state, func.count()).group_by(OutboxEntry.state)
    with Session(engine) as session:
        counts = dict(session.execute(by_state).all())
        oldest = session.scalar(
            select(func.min(Response.finished_at))
            .join(OutboxEntry, OutboxEntry.response_id == Response.id)
            .where(OutboxEntry.state == "pending")
        )
    return OutboxStatus(
        counts.get("pending", 0), counts.get("delivered", 0), counts.get("rejected", 0), oldest
    )


def reason_kind(last_error: str) -> str:
    """What a set-aside reason is, without its particulars: "rejected: too_large" of
    "rejected: too_large: set aside after 3 refusals: at most 4194304 bytes"."""
    return ": ".join(last_error.split(": ")[:2])[:120]


def set_aside_reasons(engine: Engine, limit: int = 20) -> dict[str, int]:
    """How many answers are set aside, by kind of reason (the most frequent `limit`)."""
    query = (
        select(OutboxEntry.last_error, func.count())
        .where(OutboxEntry.state == "rejected")
        .group_by(OutboxEntry.last_error)
    )
    kinds: dict[str, int] = {}
    with Session(engine) as session:
        for error, count in session.execute(query):
            kind = reason_kind(error or "")
            kinds[kind] = kinds.get(kind, 0) + count
    return dict(sorted(kinds.items(), key=lambda item: (-item[1], item[0]))[:limit])


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
