"""The portal's schema is brought forward, never rebuilt: a database made before migrations
(its DDL kept in tests/data) keeps every answer and gains the channel; a new one is made at
the newest revision; the models and the migrated tables are the same; and answers of the
other channels are stored once per UUID like a tablet's."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Engine, create_engine, select, text

from portal.api.app import known_forms
from portal.intake import store_channel_answers
from portal.reports import collect
from portal.schemas import AnswerIn
from portal.store.engine import make_portal_engine
from portal.store.models import Answer, Base
from portal.store.schema import SCHEMA_HEAD, current_revision, head_revision
from tests.test_contract_wire import in_digits

DATA = Path(__file__).parent / "data"
NOW = datetime(2026, 11, 2, 3, 4, 5, tzinfo=timezone.utc)
# Full-width digits: the column holds the code as canonical_dossier writes it.
PAYLOAD = json.dumps(
    {
        "dossier_code": "000.00.01.H17-" + in_digits(0xFF10, "261102") + "-0001",
        "verdict": "satisfied",
    }
)


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'portal.db'}"
    return request.getfixturevalue("postgres").new_database(f"schema_{uuid.uuid4().hex[:12]}")


def made_before_migrations(url: str) -> None:
    """The tables as create_all made them up to issue 12, and one tablet's answer in them."""
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    ddl = (DATA / f"portal-schema-0001-{dialect}.sql").read_text(encoding="utf-8")
    engine = create_engine(url)
    with engine.begin() as connection:
        for statement in ddl.split(";"):
            if statement.strip() and not statement.strip().startswith("--"):
                connection.execute(text(statement))
        connection.execute(
            text(
                "INSERT INTO devices (id, secret, unit_code, counter, created_at) "
                "VALUES ('kiosk-1', 's', 'DNG-HC', 'Q1', :now)"
            ),
            {"now": NOW.replace(tzinfo=None)},
        )
        connection.execute(
            text(
                "INSERT INTO answers (uuid, content_hash, received_from, unit_code, form_id, "
                "form_version, finished_at, received_at, batch_id, payload) VALUES "
                "('u-1', 'h', 'kiosk-1', 'DNG-HC', 'danang-2223', 1, :now, :now, 'b', :payload)"
            ),
            {"now": NOW.replace(tzinfo=None), "payload": PAYLOAD},
        )
    engine.dispose()


def schema_differences(engine: Engine) -> list:
    with engine.connect() as connection:
        return compare_metadata(MigrationContext.configure(connection), Base.metadata)


def test_the_head_constant_is_the_newest_migration():
    assert head_revision() == SCHEMA_HEAD


def test_a_database_made_before_migrations_keeps_its_answers_and_gains_channels(url):
    made_before_migrations(url)
    engine = make_portal_engine(url)
    assert current_revision(engine) == SCHEMA_HEAD
    columns = (Answer.uuid, Answer.channel, Answer.received_from, Answer.dossier_code)
    with engine.connect() as connection:
        rows = connection.execute(select(*columns, Answer.verdict)).all()
    dossier = "000.00.01.H17-261102-0001"  # filled from the payload by 0003, made canonical
    assert [tuple(row) for row in rows] == [("u-1", "kiosk", "kiosk-1", dossier, "satisfied")]
    assert schema_differences(engine) == []  # the migrated tables are the models'
    engine.dispose()
    again = make_portal_engine(url)  # a second start changes nothing
    assert current_revision(again) == SCHEMA_HEAD
    again.dispose()


def test_a_new_database_is_made_at_the_newest_revision(url):
    engine = make_portal_engine(url)
    assert current_revision(engine) == SCHEMA_HEAD
    assert schema_differences(engine) == []
    engine.dispose()


def web_answer(**changes: object) -> AnswerIn:
    body: dict[str, object] = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "device_id": "web",
        "started_at": NOW,
        "finished_at": NOW,
        "duration_ms": 30_000,
        "id_method": "none",
        "status": "complete",
        "verdict": "satisfied",
        "reasons": [],
        "comment": "",
        "answers": {"verdict": {"value": "satisfied", "other_text": ""}},
        "language": "vi",
        "channel": "web",
    }
    return AnswerIn.model_validate(body | changes)


def test_answers_of_other_channels_are_stored_once_per_uuid(url):
    engine = make_portal_engine(url)
    forms = known_forms()
    first, paper = web_answer(), web_answer(channel="paper", device_id="paper")
    changed = web_answer(uuid=first.uuid, comment="another comment")
    tablet, unknown = web_answer(channel="kiosk"), web_answer(form_version=99)
    sent = [first, paper, first, changed, tablet, unknown]
    fates = store_channel_answers(engine, sent, "b", forms)
    assert [fate.status for fate in fates] == [
        "stored",
        "stored",
        "duplicate",  # the same answer twice: an import run again
        "conflict",  # the same UUID, another content: never overwritten
        "rejected",  # a tablet's answer comes only signed, in a batch
        "rejected",
    ]
    assert "unknown_form_version" in (fates[5].reason or "")
    again = store_channel_answers(engine, [first, changed], "b2", forms)
    assert [fate.status for fate in again] == ["duplicate", "conflict"]
    with engine.connect() as connection:
        rows = connection.execute(
            select(Answer.uuid, Answer.channel, Answer.received_from, Answer.payload)
        ).all()
    stored = {row.uuid: row for row in rows}
    assert set(stored) == {first.uuid, paper.uuid}
    assert stored[first.uuid].channel == "web" and stored[first.uuid].received_from is None
    assert stored[first.uuid].payload["verdict"] == "satisfied"  # the first one stays
    assert stored[paper.uuid].channel == "paper"
    (row,) = collect(engine)["units"]
    assert (row["stored"], row["channels"]) == (2, {"paper": 1, "web": 1})
    engine.dispose()


def test_a_dossier_written_in_other_digits_or_under_another_unit_is_one_dossier(url):
    """One verdict per dossier holds whatever digits a code was written in and whichever
    unit or channel gave the verdict: the later ones are flagged duplicate_dossier."""
    engine = make_portal_engine(url)
    code = "000.00.12.H17-251023-0001"
    first = web_answer(dossier_code=code, finished_at=NOW)
    later = [
        web_answer(
            dossier_code="000.00.12.h17-" + in_digits(0xFF10, "251023-0001"),
            finished_at=NOW + timedelta(1),
        ),
        web_answer(
            dossier_code="000.00.12.H17-" + in_digits(0x0660, "251023") + "-0001",
            finished_at=NOW + timedelta(2),
        ),
        web_answer(dossier_code=code, unit_code="DNG-TK", finished_at=NOW + timedelta(3)),
    ]
    other = web_answer(dossier_code="000.00.12.H17-251023-0002")
    fates = store_channel_answers(engine, [first, *later, other], "b", known_forms())
    assert {fate.status for fate in fates} == {"stored"}
    with engine.connect() as connection:
        codes = set(connection.execute(select(Answer.dossier_code)).scalars())
    assert codes == {code, "000.00.12.H17-251023-0002"}
    units = {row["unit_code"]: row for row in collect(engine)["units"]}
    assert units["DNG-HC"]["flagged"] == {"duplicate_dossier": 2}
    assert units["DNG-HC"]["counted"] == 2  # the first verdict and the other dossier
    assert units["DNG-TK"]["flagged"] == {"duplicate_dossier": 1}
    engine.dispose()
