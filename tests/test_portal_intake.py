"""The portal's intake rules, in process: once per UUID, duplicates, conflicts, rejections,
and every answer bound to the device that signed its batch."""

from __future__ import annotations

import uuid as uuid_module
from datetime import datetime, timezone

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from portal.devices import add_counters
from portal.intake import store_batch
from portal.reports import collect
from portal.store.engine import make_portal_engine
from portal.store.models import Answer, Device, IntakeEvent

FORMS = {("danang-2223", 1)}


def answer(**changes) -> dict:
    base = {
        "uuid": str(uuid_module.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "device_id": "kiosk-a",
        "officer": None,
        "started_at": "2026-11-23T01:00:00.000Z",
        "finished_at": "2026-11-23T01:00:40.000Z",
        "duration_ms": 40000,
        "id_method": "typed",
        "status": "complete",
        "verdict": "satisfied",
        "reasons": [],
        "comment": "Tốt",
        "answers": {"verdict": {"value": "satisfied", "other_text": ""}},
        "language": "vi",
        "dossier_code": None,
        "phone_hash": "a" * 32,
        "citizen_id_hash": None,
        "personal_sealed": None,
    }
    return base | changes


def enrolled(engine, device_id: str, unit: str, counter: str = "Q1") -> Device:
    """A device as `portal device add` makes it, with a known id (the answers name it)."""
    with Session(engine) as session, session.begin():
        session.add(
            Device(
                id=device_id,
                secret="s" * 43,
                unit_code=unit,
                counter=counter,
                created_at=datetime(2026, 1, 1),
            )
        )
    with Session(engine) as session:
        device = session.get(Device, device_id)
        session.expunge(device)
    return device


def setup(tmp_path):
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'p.db'}")
    return engine, enrolled(engine, "kiosk-a", "DNG-HC")


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
        "duplicate",
        "conflict",
        "rejected",
        "rejected",
        "stored",
        "duplicate",
    ]
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


def test_an_answer_is_bound_to_the_unit_and_device_that_signed_it(tmp_path):
    engine, device = setup(tmp_path)
    batch = [
        answer(unit_code="DNG-TK"),
        answer(device_id="kiosk-b"),
        answer(counter="Q9"),
        answer(counter=""),
        answer(channel="web"),  # a tablet cannot pass its answers off as the web survey's
        answer(),
    ]
    results = store_batch(engine, device, "b", batch, FORMS)
    assert [r.status for r in results] == ["rejected"] * 5 + ["stored"]
    assert [r.reason.split(":")[0] for r in results[:5]] == [
        "unit_mismatch",
        "device_mismatch",
        "unknown_counter",
        "unknown_counter",
        "channel_mismatch",
    ]
    assert "DNG-TK" in results[0].reason and "DNG-HC" in results[0].reason
    with Session(engine) as session:
        logged = session.execute(select(IntakeEvent.kind, IntakeEvent.unit_code)).all()
        assert session.scalar(select(func.count(Answer.id))) == 1
    # Logged under the unit the device is enrolled for, not the one the payload claimed.
    assert logged == [("rejected", "DNG-HC")] * 5


def test_a_counter_the_portal_knows_for_the_unit_is_accepted(tmp_path):
    engine, device = setup(tmp_path)
    enrolled(engine, "kiosk-c", "DNG-HC", counter="Q3")  # another tablet's counter
    add_counters(engine, "DNG-HC", ["Q2"])  # `portal counter add --unit DNG-HC Q2`
    add_counters(engine, "DNG-TK", ["Q7"])  # another unit's counter
    batch = [answer(counter="Q2"), answer(counter="Q3"), answer(counter="Q7")]
    results = store_batch(engine, device, "b", batch, FORMS)
    assert [r.status for r in results] == ["stored", "stored", "rejected"]


def test_a_tablet_of_another_ward_cannot_push_a_genuine_verdict_out_of_the_count(tmp_path):
    """The probe's case: a tablet of ward TK sent an answer labelled as ward HC's, on a real
    dossier of HC with an earlier finish; HC's genuine verdict must stay counted."""
    engine, genuine = setup(tmp_path)
    intruder = enrolled(engine, "kiosk-tk", "DNG-TK")
    dossier = "000.00.12.H17-251126-0001"
    forged = answer(
        unit_code="DNG-HC",
        device_id="kiosk-a",
        dossier_code=dossier,
        finished_at="2026-11-23T00:59:00.000Z",
    )
    [refused] = store_batch(engine, intruder, "b1", [forged], FORMS)
    assert (refused.status, refused.reason.split(":")[0]) == ("rejected", "unit_mismatch")
    real = answer(dossier_code=dossier)
    assert store_batch(engine, genuine, "b2", [real], FORMS)[0].status == "stored"
    [unit] = [row for row in collect(engine)["units"] if row["unit_code"] == "DNG-HC"]
    assert (unit["stored"], unit["counted"], unit["flagged"]) == (1, 1, {})
