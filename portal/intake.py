"""Storing a batch: each answer once per UUID, by a unique constraint and INSERT .. ON CONFLICT.

A resent answer with the same content is a duplicate (counts as delivered); the same UUID
with other content is a conflict and is never overwritten; an answer that fails the
schema or names an unknown form version is rejected with a reason. Nothing is
check-then-insert: two batches racing with one UUID still store it once.

An answer speaks only for the device that signed its batch: one naming another device or
unit, or a counter the portal does not know for the unit, is rejected and logged, so a
stolen or cloned tablet can skew nothing but its own unit's figures.
"""

from __future__ import annotations

import hashlib
import json
import logging
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import Engine, select
from sqlalchemy.dialects import postgresql, sqlite

from portal.devices import known_counters
from portal.models import Answer, Device, IntakeEvent
from portal.schemas import AnswerIn, ItemResult

log = logging.getLogger("portal")


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
            "unit_code": device.unit_code,  # the enrolment's, whatever the payload said
            "form_id": answer.form_id if answer else "", "at": now,
        })  # fmt: skip

    with engine.connect() as connection:
        counters = known_counters(connection, device.unit_code)
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
        foreign = not_its_own(answer, device, counters)
        if foreign:
            log.warning("device %s (unit %s) sent answer %s refused: %s", device.id,
                        device.unit_code, answer.uuid, foreign)  # fmt: skip
            refuse(index, uuid, "rejected", foreign, answer)
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


def not_its_own(answer: AnswerIn, device: Device, counters: set[str]) -> str:
    """Why an answer is not the signing device's to give ('' when it is): the unit and device
    come from the enrolment, and the counter must be one the portal knows for the unit."""
    if answer.unit_code != device.unit_code:
        return (f"unit_mismatch: the answer names unit {answer.unit_code}; device {device.id} "
                f"is enrolled for {device.unit_code}")  # fmt: skip
    if answer.device_id != device.id:
        return f"device_mismatch: the answer names device {answer.device_id}; {device.id} signed it"
    if answer.counter not in counters:
        return (f"unknown_counter: counter {answer.counter!r} is not known for unit "
                f"{device.unit_code} (portal counter add)")  # fmt: skip
    return ""


def _settle(refuse, index: int, answer: AnswerIn, digest: str, stored_digest: str | None) -> None:
    if stored_digest == digest:
        refuse(index, answer.uuid, "duplicate", "", answer)
    else:
        refuse(index, answer.uuid, "conflict", "another answer has this uuid", answer)
