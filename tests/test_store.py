"""The SQLite store: pragmas, one transaction per answer, migrations, personal data."""

import csv
import io
import json
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import event, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from kiosk.domain.flow import Survey
from kiosk.domain.forms import load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.integrity import IntegrityPolicy
from kiosk.domain.shifts import Shift
from kiosk.store.answers import Context, count_answers, iter_answers, save_answer
from kiosk.store.engine import make_engine
from kiosk.store.export import write_export
from kiosk.store.migrate import SCHEMA_HEAD, current_revision, head_revision, upgrade
from kiosk.store.models import Base, OutboxEntry, Response
from kiosk.store.personal import DayKeys, PersonalData
from kiosk.store.shifts import summarize
from tests.conftest import ROOT

FORM = load_form(ROOT / "assets" / "forms" / "danang-2223.yaml")
CONTEXT = Context("DNG-HC", "Q1", "kiosk-test")
PERSON = {"phone": "0912345678", "citizen_id": "079199123456"}


@pytest.fixture
def personal(tmp_path):
    """Not enrolled: the ID number kept only as the day's hash."""
    return PersonalData(DayKeys(tmp_path / "keys", ZoneInfo("Asia/Ho_Chi_Minh")), None)


@pytest.fixture
def engine(tmp_path):
    engine = make_engine(tmp_path / "kiosk.db")
    upgrade(engine)
    yield engine
    engine.dispose()


def finished(verdict="not_satisfied"):
    moment = datetime(2026, 11, 23, tzinfo=timezone.utc)
    s = Survey(FORM, IdentificationPolicy(), now=lambda: moment)
    s.submit_identification(PERSON)
    s.advance()
    s.answer("verdict", verdict)
    s.advance()
    if verdict == "not_satisfied":
        s.answer("reasons", ["progress", "other"], "Phải chờ lâu")
    else:
        s.answer("comment", "Tốt")
    return s.finish()


def test_pragmas_are_wal_full_sync_and_foreign_keys(engine):
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA synchronous").scalar() == 2  # FULL
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1


def test_migrations_reach_head_and_match_the_models(engine):
    assert current_revision(engine) == head_revision() == SCHEMA_HEAD
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert diff == []


def test_answer_and_outbox_entry_are_written_together(engine, personal):
    sequence = save_answer(engine, finished(), FORM, CONTEXT, personal)
    with Session(engine) as session:
        row = session.get(Response, sequence)
        assert row.verdict == "not_satisfied"
        assert row.reasons == ["progress", "other"]
        assert row.comment == "Phải chờ lâu"
        assert (row.unit_code, row.counter, row.device_id) == ("DNG-HC", "Q1", "kiosk-test")
        assert row.outbox.state == "pending"


def test_a_failing_outbox_write_leaves_no_answer_behind(engine, personal):
    """If any part of the transaction fails, nothing of the answer is kept."""

    def refuse(_mapper, _connection, _target):
        raise OperationalError("INSERT INTO outbox", {}, Exception("disk I/O error"))

    event.listen(OutboxEntry, "before_insert", refuse)
    try:
        with pytest.raises(OperationalError):
            save_answer(engine, finished(), FORM, CONTEXT, personal)
    finally:
        event.remove(OutboxEntry, "before_insert", refuse)
    assert count_answers(engine) == 0


def test_same_uuid_cannot_be_stored_twice(engine, personal):
    answer = finished()
    save_answer(engine, answer, FORM, CONTEXT, personal)
    with pytest.raises(Exception, match="UNIQUE"):
        save_answer(engine, answer, FORM, CONTEXT, personal)
    assert count_answers(engine) == 1


def test_not_enrolled_kiosk_keeps_only_the_days_id_hash(engine, personal):
    answer = finished()
    sequence = save_answer(engine, answer, FORM, CONTEXT, personal)
    with Session(engine) as session:
        row = session.get(Response, sequence)
    assert row.personal_sealed is None
    assert row.phone_hash is None  # nothing on the tablet matches phones
    assert row.citizen_id_hash == personal.citizen_id_hash("079199123456", answer.finished_at)
    assert "079199123456" not in row.citizen_id_hash


def test_enrolled_kiosk_seals_personal_data_for_the_portal_only(engine, personal):
    portal_key = PrivateKey.generate()
    personal = personal.with_public_key(bytes(portal_key.public_key))
    sequence = save_answer(engine, finished(), FORM, CONTEXT, personal)
    with Session(engine) as session:
        sealed = session.scalars(select(Response.personal_sealed)).one()
    assert sequence == 1
    assert b"0912345678" not in sealed
    assert json.loads(SealedBox(portal_key).decrypt(sealed)) == PERSON


def test_the_days_hash_key_is_made_once_and_private(tmp_path):
    keys = DayKeys(tmp_path / "keys", ZoneInfo("Asia/Ho_Chi_Minh"))
    moment = datetime(2026, 11, 23, 3, tzinfo=timezone.utc)
    key = keys.key_for(moment)
    assert len(key) == 32
    again = DayKeys(tmp_path / "keys", ZoneInfo("Asia/Ho_Chi_Minh"))  # a restart
    assert again.key_for(moment) == key
    [path] = (tmp_path / "keys").iterdir()
    assert path.name == "day-2026-11-23.key"
    assert path.stat().st_mode & 0o077 == 0  # nothing for the group or others


LONG_FORM = """
id: long
version: 2
title: {vi: Phiếu dài, en: Long form}
questions:
  - id: q7
    type: single_choice
    text: {vi: Kết quả trả, en: Result}
    choices:
      - {id: on_time, label: {vi: Đúng hẹn, en: On time}}
      - {id: late, label: {vi: Trễ hẹn, en: Late}}
  - id: q9
    type: scale
    text: {vi: Tiếp cận dịch vụ, en: Access}
  - id: q15
    type: multi_choice
    text: {vi: Kênh thông tin, en: Channels}
    choices:
      - {id: web, label: {vi: Cổng dịch vụ công, en: Portal}}
      - {id: desk, label: {vi: Tại quầy, en: Desk}}
      - {id: else, label: {vi: Khác, en: Other}, other: {vi: Ghi rõ, en: Say which}}
  - id: q16
    type: multi_choice
    text: {vi: Ưu tiên cải cách, en: Priorities}
    choices:
      - {id: fees, label: {vi: Phí, en: Fees}}
      - {id: time, label: {vi: Thời gian, en: Time}}
  - id: q20
    type: text
    required: false
    text: {vi: Góp ý, en: Comments}
"""


def test_the_export_carries_each_questions_answer_as_itself(engine, personal, tmp_path):
    """No question is merged into another: a column each (CSV), `answers` whole (JSONL)."""
    path = tmp_path / "long.yaml"
    path.write_text(LONG_FORM, encoding="utf-8")
    form = load_form(path)
    s = Survey(form, IdentificationPolicy(fields=(), required=(), one_of=()))
    for qid, value, other in (
        ("q7", "late", ""),
        ("q9", "2", ""),  # the five levels run 1 (Rất hài lòng) … 5: "2" is Hài lòng
        ("q15", ["web", "else"], "Zalo"),
        ("q16", ["time"], ""),
        ("q20", "Chờ lâu", ""),
    ):
        assert s.answer(qid, value, other) == ""
        s.advance()
    save_answer(engine, s.finish(), form, CONTEXT, personal)

    out = io.StringIO()
    assert write_export(iter_answers(engine), "csv", out, form, "Asia/Ho_Chi_Minh") == 1
    [row] = csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff")))
    assert {k: v for k, v in row.items() if k.startswith("q")} == {
        "q7 — Kết quả trả": "Trễ hẹn",
        "q9 — Tiếp cận dịch vụ": "Hài lòng",
        "q15 — Kênh thông tin": "Cổng dịch vụ công; Khác",
        "q15 — Khác (ghi rõ)": "Zalo",
        "q16 — Ưu tiên cải cách": "Thời gian",
        "q20 — Góp ý": "Chờ lâu",
    }
    assert row["Đánh giá"] == ""  # this form has no verdict

    out = io.StringIO()
    write_export(iter_answers(engine), "jsonl", out, form, "Asia/Ho_Chi_Minh")
    record = json.loads(out.getvalue())
    assert record["answers"] == {
        "q7": {"value": "late", "other_text": ""},
        "q9": {"value": "2", "other_text": ""},
        "q15": {"value": ["web", "else"], "other_text": "Zalo"},
        "q16": {"value": ["time"], "other_text": ""},
        "q20": {"value": "Chờ lâu", "other_text": ""},
    }
    assert not {"reasons", "comment"} & set(record)
    with Session(engine) as session:  # the contract's quick-form summary, for receivers
        stored = session.scalars(select(Response)).one()
        assert (stored.reasons, stored.comment) == (["web", "else", "time"], "Chờ lâu\nZalo")


def test_answers_to_questions_the_current_form_dropped_stay_in_the_csv(engine, personal):
    """An answer kept under another version of the form, exported with this one: the
    questions this form no longer asks keep their answers in a column of their own."""
    save_answer(engine, finished("satisfied"), FORM, CONTEXT, personal)
    with Session(engine) as session:  # as an earlier version of the form had stored it
        stored = session.scalars(select(Response)).one()
        stored.answers = {
            "verdict": {"value": "satisfied", "other_text": ""},
            "q99": {"value": ["a", "b"], "other_text": "Zalo"},
        }
        session.commit()
    out = io.StringIO()
    write_export(iter_answers(engine), "csv", out, FORM, "Asia/Ho_Chi_Minh")
    [row] = csv.DictReader(io.StringIO(out.getvalue().removeprefix("\ufeff")))
    assert row["Câu hỏi ngoài mẫu phiếu hiện tại"] == "q99: a, b (Zalo)"
    assert row["Đánh giá"] == "Hài lòng"


def test_a_shift_counts_as_satisfied_the_verdicts_its_form_marks_so(engine, personal):
    on_duty = Context("DNG-HC", "Q1", "kiosk-test", officer="CB01")
    for verdict in ("satisfied", "not_satisfied", "satisfied"):
        save_answer(engine, finished(verdict), FORM, on_duty, personal)
    shift = Shift("CB01", "Q1", datetime(2026, 11, 22, tzinfo=timezone.utc))
    now = datetime(2026, 11, 23, 1, tzinfo=timezone.utc)
    assert FORM.satisfied_verdicts == ("satisfied",)  # `satisfied: true` in the form
    summary = summarize(engine, shift, now, IntegrityPolicy(), 0, FORM.satisfied_verdicts)
    assert (summary.answers, summary.satisfied) == (3, 2)
    # The ids come from the form, not from the store: a form that marked the other one
    # would count that one.
    other = summarize(engine, shift, now, IntegrityPolicy(), 0, ("not_satisfied",))
    assert (other.answers, other.satisfied) == (3, 1)
