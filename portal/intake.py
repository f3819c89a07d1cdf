"""Storing a batch: each answer once per UUID, by a unique constraint and INSERT .. ON CONFLICT.

A resent answer with the same content is a duplicate (counts as delivered); the same UUID
with other content is a conflict and is never overwritten; an answer that fails the
schema or names an unknown form version is rejected with a reason. Nothing is
check-then-insert: two batches racing with one UUID still store it once.
"""

from __future__ import annotations

import hashlib
import json
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.models import Answer, Device, IntakeEvent
from portal.schemas import AnswerIn, ItemResult


def content_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


def _insert(engine: Engine):
    return (postgresql if engine.dialect.name == "postgresql" else sqlite).insert


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def store_batch(
    engine: Engine,
    device: Device,
    batch_id: str,
    raw_answers: list,
    known_forms: set[tuple[str, int]],
) -> list[ItemResult]:
    """Store what can be stored, in one transaction; return every answer's fate in order."""
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    insert = _insert(engine)
    results: list[ItemResult] = []
    with engine.begin() as connection:

        def event(uuid: str, kind: str, reason: str, answer: AnswerIn | None) -> None:
            connection.execute(
                IntakeEvent.__table__.insert().values(
                    device_id=device.id,
                    uuid=uuid[:64],
                    kind=kind,
                    reason=reason[:500],
                    unit_code=answer.unit_code if answer else device.unit_code,
                    form_id=answer.form_id if answer else "",
                    at=now,
                )
            )
            results.append(ItemResult(uuid=uuid[:64], status=kind, reason=reason or None))

        for raw in raw_answers:
            uuid = str(raw.get("uuid", "")) if isinstance(raw, dict) else ""
            try:
                answer = AnswerIn.model_validate(raw)
            except ValidationError as exc:
                first = exc.errors()[0]
                where = ".".join(str(p) for p in first["loc"])
                event(uuid, "rejected", f"schema: {where}: {first['msg']}", None)
                continue
            if (answer.form_id, answer.form_version) not in known_forms:
                reason = f"unknown_form_version: {answer.form_id}/{answer.form_version}"
                event(uuid, "rejected", reason, answer)
                continue
            payload = answer.model_dump(mode="json")
            digest = content_hash(payload)
            statement = (
                insert(Answer)
                .values(
                    uuid=answer.uuid,
                    content_hash=digest,
                    received_from=device.id,
                    unit_code=answer.unit_code,
                    form_id=answer.form_id,
                    form_version=answer.form_version,
                    finished_at=_naive(answer.finished_at),
                    received_at=now,
                    batch_id=batch_id,
                    payload=payload,
                )
                .on_conflict_do_nothing(index_elements=["uuid"])
                .returning(Answer.id)
            )
            if connection.execute(statement).first() is not None:  # a row came back: stored
                results.append(ItemResult(uuid=answer.uuid, status="stored"))
                continue
            query = select(Answer.content_hash).where(Answer.uuid == answer.uuid)
            stored = connection.scalar(query)
            if stored == digest:
                event(answer.uuid, "duplicate", "", answer)
            else:
                event(answer.uuid, "conflict", "another answer has this uuid", answer)
        connection.execute(
            Device.__table__.update().where(Device.id == device.id).values(last_seen_at=now)
        )
    return results
