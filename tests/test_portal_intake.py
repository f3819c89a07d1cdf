"""The portal's intake rules, in process: once per UUID, duplicates, conflicts, rejections."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.db import make_portal_engine
from portal.devices import add_device
from portal.intake import store_batch
from portal.models import Answer, Device

FORMS = {("danang-2223", 1)}


def answer(**changes) -> dict:
    base = {
        "uuid": str(uuid_module.uuid4()), "sequence": 1, "form_id": "danang-2223",
        "form_version": 1, "unit_code": "DNG-HC", "counter": "Q1", "device_id": "kiosk-a",
        "officer": None, "started_at": "2026-11-23T01:00:00.000Z",
        "finished_at": "2026-11-23T01:00:40.000Z", "duration_ms": 40000, "id_method": "typed",
        "status": "complete", "verdict": "satisfied", "reasons": [], "comment": "Tốt",
        "answers": {"verdict": {"value": "satisfied", "other_text": ""}}, "language": "vi",
        "dossier_code": None, "phone_hash": "a" * 32, "citizen_id_hash": None,
        "personal_sealed": None,
    }  # fmt: skip
    return base | changes


def setup(tmp_path):
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'p.db'}")
    enrolment = add_device(engine, "DNG-HC", "Q1", "http://x")
    with Session(engine) as session:
        device = session.get(Device, enrolment.device_id)
        session.expunge(device)
    return engine, device


def fates(results) -> list[tuple[str, str]]:
    return [(r.uuid, r.status) for r in results]


def test_each_fate_in_the_order_sent(tmp_path):
    engine, device = setup(tmp_path)
    first = answer()
    store_batch(engine, device, "b1", [first], FORMS)
    changed = first | {"comment": "khác"}
    same_twice = answer()
    batch = [first, changed, answer(form_version=9), {"uuid": "x"}, same_twice, same_twice]
    results = store_batch(engine, device, "b2", batch, FORMS)
    assert [r.status for r in results] == [
        "duplicate", "conflict", "rejected", "rejected", "stored", "duplicate",
    ]  # fmt: skip
    assert results[2].reason.startswith("unknown_form_version")
    assert results[3].reason.startswith("schema")
    with Session(engine) as session:
        assert session.scalar(select(func.count(Answer.id))) == 2
        stored = session.scalar(select(Answer.payload).where(Answer.uuid == first["uuid"]))
    assert stored["comment"] == "Tốt"  # never overwritten


def test_times_are_kept_in_utc(tmp_path):
    engine, device = setup(tmp_path)
    late = answer(finished_at="2026-11-23T08:00:00+07:00")
    store_batch(engine, device, "b", [late], FORMS)
    with Session(engine) as session:
        finished = session.scalar(select(Answer.finished_at))
    assert finished == datetime(2026, 11, 23, 1, 0, tzinfo=timezone.utc).replace(tzinfo=None)
