"""What kiosks send, stored: answers (each once per UUID), heartbeats, staff audit entries.

A batch of answers is stored by a unique constraint and INSERT .. ON CONFLICT.

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
from collections.abc import Callable
from datetime import datetime, timezone

from pydantic import ValidationError
from sqlalchemy import Connection, Engine, insert, select, update
from sqlalchemy.orm import Session

from contract.wire import KIOSK, canonical_dossier
from kiosk.domain.forms import Form
from portal.answer_rules import answers_problem
from portal.forms import find_form
from portal.schemas import AnswerIn, AuditEntryIn, Fate, HeartbeatIn, ItemResult
from portal.store.answer_facts import add_facts, answer_facts, settle_dossiers
from portal.store.devices import known_counters
from portal.store.dossier_checks import check_stored
from portal.store.engine import dialect_insert, insert_ignoring_duplicates
from portal.store.forms import registered_forms
from portal.store.models import (
    Answer,
    AuditRecord,
    Device,
    Heartbeat,
    IntakeEvent,
    SetAsideReport,
)

log = logging.getLogger("portal")


def content_hash(payload: dict) -> str:
    canonical = json.dumps(payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()


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

    `known_forms` are the shipped forms; the registered ones (`portal form add`) are read
    here, per batch, so that a form added while the portal runs needs no restart.

    One multi-row INSERT .. ON CONFLICT DO NOTHING RETURNING for the batch, one SELECT for
    the UUIDs that were there already: a batch costs the database two statements, not two
    per answer.
    """
    batch = _Batch(device, batch_id, len(raw_answers))
    with engine.connect() as connection:
        counters = known_counters(connection, device.unit_code)
        forms = known_forms | registered_forms(connection)  # added while it runs, too
    for index, raw in enumerate(raw_answers):
        batch.sort(index, raw, counters, forms)
    batch.forms = forms_of(engine, [answer for _, answer, _, _ in batch.candidates.values()])
    batch.refuse_foreign_answers()
    with engine.begin() as connection:
        stored = batch.insert(engine, connection)
        existing = batch.stored_before(connection, stored)
        batch.settle(stored, existing)
        if batch.events:
            connection.execute(insert(IntakeEvent), batch.events)
        connection.execute(
            update(Device).where(Device.id == device.id).values(last_seen_at=batch.now)
        )
    return [fate for fate in batch.fates if fate is not None]


class _Batch:
    """One batch on its way in: each answer's fate, the intake events, what to insert."""

    def __init__(self, device: Device, batch_id: str, size: int) -> None:
        self.device, self.batch_id = device, batch_id
        self.now = datetime.now(timezone.utc).replace(tzinfo=None)
        self.fates: list[ItemResult | None] = [None] * size
        self.events: list[dict[str, object]] = []
        self.candidates: dict[str, tuple[int, AnswerIn, dict, str]] = {}
        self.repeats: list[tuple[int, AnswerIn, str]] = []  # a UUID twice in one batch
        self.forms: dict[tuple[str, int], Form | None] = {}

    def refuse(
        self, index: int, uuid: str, kind: Fate, reason: str, answer: AnswerIn | None
    ) -> None:
        self.fates[index] = ItemResult(uuid=uuid[:64], status=kind, reason=reason or None)
        event: dict[str, object] = {"device_id": self.device.id, "uuid": uuid[:64], "kind": kind}
        event |= {
            "reason": reason[:500],
            "unit_code": self.device.unit_code,  # the enrolment's, whatever the payload said
            "form_id": answer.form_id if answer else "",
            "at": self.now,
        }
        self.events.append(event)

    def sort(
        self, index: int, raw: object, counters: set[str], forms: set[tuple[str, int]]
    ) -> None:
        """Refuse the answer, or keep it to insert (or to settle as a repeat)."""
        uuid = str(raw.get("uuid", "")) if isinstance(raw, dict) else ""
        try:
            answer = AnswerIn.model_validate(raw)
        except ValidationError as exc:
            first = exc.errors()[0]
            where = ".".join(str(p) for p in first["loc"])
            self.refuse(index, uuid, "rejected", f"schema: {where}: {first['msg']}", None)
            return
        foreign = not_its_own(answer, self.device, counters)
        if foreign:
            unit = self.device.unit_code
            message = "device %s (unit %s) sent answer %s refused: %s"
            log.warning(message, self.device.id, unit, answer.uuid, foreign)
            self.refuse(index, uuid, "rejected", foreign, answer)
            return
        if (answer.form_id, answer.form_version) not in forms:
            reason = f"unknown_form_version: {answer.form_id}/{answer.form_version}"
            self.refuse(index, uuid, "rejected", reason, answer)
            return
        payload = answer.model_dump(mode="json")
        digest = content_hash(payload)
        if answer.uuid in self.candidates:
            self.repeats.append((index, answer, digest))
        else:
            self.candidates[answer.uuid] = (index, answer, payload, digest)

    def refuse_foreign_answers(self) -> None:
        """Refuse an answer whose `answers` are not its form's (portal/answer_rules.py)."""
        for uuid, (index, answer, _, _) in list(self.candidates.items()):
            form = self.forms.get((answer.form_id, answer.form_version))
            problem = answers_problem(answer.answers, form, answer.verdict) if form else ""
            if problem:
                del self.candidates[uuid]
                self.refuse(index, uuid, "rejected", f"bad_answers: {problem}", answer)
        for repeat in list(self.repeats):
            index, answer, _ = repeat
            if answer.uuid not in self.candidates:  # its first copy was refused: so is it
                self.repeats.remove(repeat)
                self.refuse(index, answer.uuid, "rejected", "bad_answers", answer)

    def insert(self, engine: Engine, connection: Connection) -> set[str]:
        """Insert the candidates at once; the UUIDs stored now (the others were there)."""
        if not self.candidates:
            return set()
        rows = [
            self._row(answer, payload, digest)
            for _, answer, payload, digest in self.candidates.values()
        ]
        return insert_answers(engine, connection, rows)

    def _row(self, answer: AnswerIn, payload: dict, digest: str) -> dict[str, object]:
        form = self.forms.get((answer.form_id, answer.form_version))
        return with_facts(
            form,
            {
                "uuid": answer.uuid,
                "content_hash": digest,
                "received_from": self.device.id,
                "channel": answer.channel,
                "unit_code": answer.unit_code,
                "form_id": answer.form_id,
                "form_version": answer.form_version,
                "finished_at": _naive(answer.finished_at),
                "received_at": self.now,
                "batch_id": self.batch_id,
                "dossier_code": canonical_dossier(answer.dossier_code),
                "verdict": answer.verdict,
                "payload": payload,
            },
        )

    def stored_before(self, connection: Connection, stored: set[str]) -> dict[str, str]:
        """The content hash of every UUID of the batch that was stored before."""
        earlier = [uuid for uuid in self.candidates if uuid not in stored]
        earlier += [answer.uuid for _, answer, _ in self.repeats]
        if not earlier:
            return {}
        query = select(Answer.uuid, Answer.content_hash).where(Answer.uuid.in_(earlier))
        return {uuid: digest for uuid, digest in connection.execute(query)}

    def settle(self, stored: set[str], existing: dict[str, str]) -> None:
        """The fate of every answer not refused: stored, a duplicate or a conflict."""
        for uuid, (index, answer, _, digest) in self.candidates.items():
            if uuid in stored:
                self.fates[index] = ItemResult(uuid=uuid, status="stored")
            else:
                self._compare(index, answer, digest, existing.get(uuid))
        for index, answer, digest in self.repeats:
            earlier = existing.get(answer.uuid) or self.candidates[answer.uuid][3]
            self._compare(index, answer, digest, earlier)

    def _compare(self, index: int, answer: AnswerIn, digest: str, stored: str | None) -> None:
        if stored == digest:
            self.refuse(index, answer.uuid, "duplicate", "", answer)
        else:
            self.refuse(index, answer.uuid, "conflict", "another answer has this uuid", answer)


def not_its_own(answer: AnswerIn, device: Device, counters: set[str]) -> str:
    """Why an answer is not the signing device's to give ('' when it is): the unit and device
    come from the enrolment, and the counter must be one the portal knows for the unit."""
    if answer.unit_code != device.unit_code:
        return (
            f"unit_mismatch: the answer names unit {answer.unit_code}; device {device.id} "
            f"is enrolled for {device.unit_code}"
        )
    if answer.device_id != device.id:
        return f"device_mismatch: the answer names device {answer.device_id}; {device.id} signed it"
    if answer.channel != KIOSK:
        return f"channel_mismatch: a tablet's answers come by the kiosk, not {answer.channel!r}"
    if answer.counter not in counters:
        return (
            f"unknown_counter: counter {answer.counter!r} is not known for unit "
            f"{device.unit_code} (portal counter add)"
        )
    return ""


def store_heartbeat(
    engine: Engine, device_id: str, beat: HeartbeatIn, now: datetime, offset_s: float
) -> None:
    """Keep a device's latest state, and what it keeps aside; a tablet that beats is alive,
    answers or not: IT sees it as seen."""
    received = now.astimezone(timezone.utc).replace(tzinfo=None)
    oldest = beat.oldest_undelivered.isoformat() if beat.oldest_undelivered else None
    with Session(engine) as session, session.begin():
        session.merge(
            Heartbeat(
                device_id=device_id,
                received_at=received,
                app_version=beat.app_version,
                outbox_depth=beat.outbox_depth,
                oldest_undelivered=oldest,
                free_disk_bytes=beat.free_disk_bytes,
                last_error=beat.last_error,
                clock_offset_s=offset_s,
            )
        )
        session.merge(
            SetAsideReport(
                device_id=device_id, count=beat.set_aside, reasons=beat.set_aside_reasons
            )
        )
        session.execute(update(Device).where(Device.id == device_id).values(last_seen_at=received))


def store_audit(engine: Engine, device_id: str, entries: list[AuditEntryIn], now: datetime) -> int:
    """Store staff audit entries once per device and local id; return how many are new."""
    if not entries:
        return 0
    received = now.astimezone(timezone.utc).replace(tzinfo=None)
    rows = [
        {
            "device_id": device_id,
            "local_id": entry.id,
            "at": _naive(entry.at),
            "actor": entry.actor,
            "action": entry.action,
            "detail": entry.detail,
            "received_at": received,
        }
        for entry in entries
    ]
    # Rows returned, not rowcount: PostgreSQL's driver reports -1 for this insert.
    statement = insert_ignoring_duplicates(engine, AuditRecord, rows).returning(AuditRecord.id)
    with engine.begin() as connection:
        return len(connection.execute(statement).all())


def store_channel_answers(
    engine: Engine,
    answers: list[AnswerIn],
    batch_id: str,
    known_forms: set[tuple[str, int]],
    check: Callable[[Connection], str] | None = None,
) -> list[ItemResult]:
    """Store answers that came by another channel than a tablet: the web survey's, a clerk's
    import of paper forms or calls. Their fates, in order, as for a tablet's batch: stored;
    a duplicate (this UUID with this very content is there: an import run twice); a
    conflict (this UUID with other content: never overwritten); rejected (a tablet's
    channel, or a form version the portal does not know).

    The caller has checked the unit and counter; the answers are already AnswerIn, so
    nothing here is a schema error. No intake events: there is no device to log them for,
    and the caller tells its user each fate.

    `check`, when given, runs first in the insert's transaction, so that what it checks
    and the insert are one step (a lock it takes is held to the commit): a reason it
    returns rejects every answer not refused already, '' lets them in (the web survey's
    one verdict per dossier, portal/web/storing.py).
    """
    now = datetime.now(timezone.utc).replace(tzinfo=None)
    with engine.connect() as connection:
        forms = known_forms | registered_forms(connection)
    fates: list[ItemResult | None] = [None] * len(answers)
    rows: dict[str, tuple[int, dict[str, object]]] = {}
    found = forms_of(engine, answers)
    for index, answer in enumerate(answers):
        form = found.get((answer.form_id, answer.form_version))
        refusal = _refusal(answer, forms, form)
        if refusal:
            fates[index] = ItemResult(uuid=answer.uuid, status="rejected", reason=refusal)
        elif answer.uuid not in rows:
            rows[answer.uuid] = (index, with_facts(form, _channel_row(answer, batch_id, now)))
    with engine.begin() as connection:
        barred = check(connection) if check is not None else ""
        if barred:
            return [
                fate or ItemResult(uuid=answer.uuid, status="rejected", reason=barred)
                for fate, answer in zip(fates, answers, strict=True)
            ]
        stored = insert_answers(engine, connection, [row for _, row in rows.values()])
        earlier = [uuid for uuid in rows if uuid not in stored]
        query = select(Answer.uuid, Answer.content_hash).where(Answer.uuid.in_(earlier))
        existing = dict(connection.execute(query).all()) if earlier else {}
    for index, answer in enumerate(answers):
        if fates[index] is None:
            first_index, first_row = rows[answer.uuid]
            if first_index == index and answer.uuid in stored:
                fates[index] = ItemResult(uuid=answer.uuid, status="stored")
                continue
            digest = content_hash(answer.model_dump(mode="json"))
            before = existing.get(answer.uuid, first_row["content_hash"])
            fates[index] = _same_or_conflict(answer.uuid, digest == before)
    return [fate for fate in fates if fate is not None]


def _refusal(answer: AnswerIn, forms: set[tuple[str, int]], form: Form | None) -> str:
    if answer.channel == KIOSK:
        return "channel_mismatch: a tablet's answer comes only in a signed batch"
    if (answer.form_id, answer.form_version) not in forms:
        return f"unknown_form_version: {answer.form_id}/{answer.form_version}"
    problem = answers_problem(answer.answers, form, answer.verdict) if form else ""
    return f"bad_answers: {problem}" if problem else ""


def _channel_row(answer: AnswerIn, batch_id: str, now: datetime) -> dict[str, object]:
    payload = answer.model_dump(mode="json")
    return {
        "uuid": answer.uuid,
        "content_hash": content_hash(payload),
        "received_from": None,
        "channel": answer.channel,
        "unit_code": answer.unit_code,
        "form_id": answer.form_id,
        "form_version": answer.form_version,
        "finished_at": _naive(answer.finished_at),
        "received_at": now,
        "batch_id": batch_id,
        "dossier_code": canonical_dossier(answer.dossier_code),
        "verdict": answer.verdict,
        "payload": payload,
    }


def insert_answers(
    engine: Engine, connection: Connection, rows: list[dict[str, object]]
) -> set[str]:
    """Insert answer rows (`with_facts`'s), skipping UUIDs already stored, with the report
    rows of those stored now and one verdict per dossier decided again; the UUIDs stored now."""
    if not rows:
        return set()
    columns = [{key: value for key, value in row.items() if key != "_facts"} for row in rows]
    statement = (
        dialect_insert(engine)(Answer)
        .values(columns)
        .on_conflict_do_nothing(index_elements=["uuid"])
        .returning(Answer.id, Answer.uuid)
    )
    by_uuid = {str(row["uuid"]): row for row in rows}
    stored = {answer_id: by_uuid[uuid] for answer_id, uuid in connection.execute(statement)}
    add_facts(connection, stored)
    check_stored(connection, stored)  # before one verdict per dossier: its flags count there
    settle_dossiers(
        connection, [str(row["dossier_code"]) for row in stored.values() if row["verdict"]]
    )
    return {str(row["uuid"]) for row in stored.values()}


def with_facts(form: Form | None, row: dict[str, object]) -> dict[str, object]:
    """An answer row with its report columns, and its facts under "_facts" for
    insert_answers (portal/store/answer_facts.py)."""
    facts = answer_facts(row["payload"], row["finished_at"], form)  # type: ignore[arg-type]
    return row | facts.columns | {"_facts": facts}


def forms_of(engine: Engine, answers: list[AnswerIn]) -> dict[tuple[str, int], Form | None]:
    """The forms of these answers, found before the insert's transaction opens (finding one
    reads the registered forms)."""
    keys = {(answer.form_id, answer.form_version) for answer in answers}
    return {key: find_form(engine, *key) for key in keys}


def _same_or_conflict(uuid: str, same: bool) -> ItemResult:
    if same:
        return ItemResult(uuid=uuid, status="duplicate")
    return ItemResult(uuid=uuid, status="conflict", reason="another answer has this uuid")
