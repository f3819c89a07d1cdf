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


def insert_ignoring_duplicates(engine: Engine, model, rows: list[dict]):
    """INSERT … ON CONFLICT DO NOTHING for the engine's dialect (SQLite or PostgreSQL)."""
    return _insert(engine)(model).values(rows).on_conflict_do_nothing()


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def store_batch(
    engine: Engine,
    device: Device,
    batch_id: str,
    raw_answers: list,
    known_forms: set[tuple[str, int]],
) -> list[ItemResult]:
    """Store what can be stored, in one transaction; return every answer's fate in order.

    One multi-row INSERT .. ON CONFLICT DO NOTHING RETURNING for the batch, one SELECT for
    the UUIDs that were there already: a batch costs the database two statements, not two
    per answer.
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    fates: list[ItemResult | None] = []
    events: list[dict] = []
    candidates: dict[str, tuple[int, AnswerIn, dict, str]] = {}
    repeats: list[tuple[int, AnswerIn, str]] = []

    def refuse(index: int, uuid: str, kind: str, reason: str, answer: AnswerIn | None) -> None:
        fates[index] = ItemResult(uuid=uuid[:64], status=kind, reason=reason or None)
        events.append({
            "device_id": device.id, "uuid": uuid[:64], "kind": kind, "reason": reason[:500],
            "unit_code": answer.unit_code if answer else device.unit_code,
            "form_id": answer.form_id if answer else "", "at": now,
        })  # fmt: skip

    for index, raw in enumerate(raw_answers):
        fates.append(None)
        uuid = str(raw.get("uuid", "")) if isinstance(raw, dict) else ""
        try:
            answer = AnswerIn.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            refuse(index, uuid, "rejected", f"schema: {where}: {first['msg']}", None)
            continue
        if (answer.form_id, answer.form_version) not in known_forms:
            reason = f"unknown_form_version: {answer.form_id}/{answer.form_version}"
            refuse(index, uuid, "rejected", reason, answer)
            continue
        payload = answer.model_dump(mode="json")
        digest = content_hash(payload)
        if answer.uuid in candidates:  # the same UUID twice in one batch
            repeats.append((index, answer, digest))
        else:
            candidates[answer.uuid] = (index, answer, payload, digest)

    with engine.begin() as connection:
        stored: set[str] = set()
        if candidates:
            rows = [
                {"uuid": a.uuid, "content_hash": digest, "received_from": device.id,
                 "unit_code": a.unit_code, "form_id": a.form_id, "form_version": a.form_version,
                 "finished_at": _naive(a.finished_at), "received_at": now,
                 "batch_id": batch_id, "payload": payload}
                for _, a, payload, digest in candidates.values()
            ]  # fmt: skip
            statement = (
                _insert(engine)(Answer)
                .values(rows)
                .on_conflict_do_nothing(index_elements=["uuid"])
                .returning(Answer.uuid)
            )
            stored = set(connection.execute(statement).scalars())
        earlier = [uuid for uuid in candidates if uuid not in stored]
        earlier += [answer.uuid for _, answer, _ in repeats]
        existing = dict(
            connection.execute(
                select(Answer.uuid, Answer.content_hash).where(Answer.uuid.in_(earlier))
            ).all()
        ) if earlier else {}  # fmt: skip
        for uuid, (index, answer, _, digest) in candidates.items():
            if uuid in stored:
                fates[index] = ItemResult(uuid=uuid, status="stored")
            else:
                _settle(refuse, index, answer, digest, existing.get(uuid))
        for index, answer, digest in repeats:
            _settle(refuse, index, answer, digest, existing.get(answer.uuid) or
                    candidates[answer.uuid][3])  # fmt: skip
        if events:
            connection.execute(IntakeEvent.__table__.insert(), events)
        connection.execute(
            Device.__table__.update().where(Device.id == device.id).values(last_seen_at=now)
        )
    return [fate for fate in fates if fate is not None]


def _settle(refuse, index: int, answer: AnswerIn, digest: str, stored_digest: str | None) -> None:
    if stored_digest == digest:
        refuse(index, answer.uuid, "duplicate", "", answer)
    else:
        refuse(index, answer.uuid, "conflict", "another answer has this uuid", answer)
