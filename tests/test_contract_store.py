"""What the contract accepts, the store keeps: on PostgreSQL as on SQLite, through a real
portal process, every input is stored or refused with a contract error, never a 500.

PostgreSQL is stricter than SQLite (VARCHAR lengths, 32-bit INTEGER, no NUL in text), so
each case below once passed the schema and then failed in the database.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone

import pytest
import requests

from contract.signing import signed_headers
from portal.schemas import BIG, ErrorResponse
from tests.portal_support import Portal, start_portal

pytestmark = pytest.mark.slow

NOW = datetime.now(timezone.utc).isoformat(timespec="seconds")
INT32_MAX = 2**31 - 1  # PostgreSQL's INTEGER


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def served(request, tmp_path_factory) -> Portal:
    """The portal as a process on each store, with one enrolled device."""
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path_factory.mktemp('store') / 'portal.db'}"
    else:
        name = f"contract_{uuid.uuid4().hex[:12]}"
        db = request.getfixturevalue("postgres").new_database(name)
    server = start_portal(db, log=tmp_path_factory.mktemp("log") / "portal.log")
    made = server.portal("device", "add", "--unit", "DNG-HC", "--counter", "Q1")
    assert made.returncode == 0, made.stderr
    server.device = json.loads(made.stdout)
    yield server
    server.stop()


def post(server: Portal, path: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()  # a NUL travels as the JSON escape \u0000
    device = server.device
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", path, int(time.time()), raw
    )
    headers["Content-Type"] = "application/json"
    return requests.post(server.url + path, data=raw, headers=headers, timeout=30)


def answer(device_id: str, **changes) -> dict:
    base = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "device_id": device_id,
        "officer": None,
        "started_at": NOW,
        "finished_at": NOW,
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


def batch(device_id: str, batch_id: str | None = None, **changes) -> dict:
    return {"batch_id": batch_id or str(uuid.uuid4()), "answers": [answer(device_id, **changes)]}


def beat(**changes) -> dict:
    return {"app_version": "1.0", "outbox_depth": 0, "device_time": NOW} | changes


def audit(**changes) -> dict:
    entry = {"id": 1, "at": NOW, "actor": "it", "action": "export", "detail": ""}
    return {"entries": [entry | changes]}


Case = tuple[str, Callable[[str], dict]]

# Each of these reached the database and failed there (a 500) before the contract said no.
BEYOND_THE_STORE: dict[str, Case] = {
    "batch_id of 40 characters": ("/api/v1/batches", lambda d: batch(d, "b" * 40)),
    "batch_id of 64 characters": ("/api/v1/batches", lambda d: batch(d, "b" * 64)),
    "NUL in batch_id": ("/api/v1/batches", lambda d: batch(d, "b\x00")),
    "NUL in an answer's uuid": ("/api/v1/batches", lambda d: batch(d, uuid="ab\x00cd")),
    "NUL in an unknown key": ("/api/v1/batches", lambda d: batch(d, **{"k\x00": 1})),
    "NUL in a comment": ("/api/v1/batches", lambda d: batch(d, comment="a\x00b")),
    "NUL inside answers": ("/api/v1/batches", lambda d: batch(d, answers={"q": "\x00"})),
    "outbox_depth of 2^31": ("/api/v1/heartbeat", lambda d: beat(outbox_depth=2**31)),
    "NUL in last_error": ("/api/v1/heartbeat", lambda d: beat(last_error="disk\x00full")),
    "NUL in app_version": ("/api/v1/heartbeat", lambda d: beat(app_version="1\x00")),
    "a device time without zone": (
        "/api/v1/heartbeat",
        lambda d: beat(device_time="2026-11-23T01:00:00"),
    ),
    "NUL in audit detail": ("/api/v1/audit", lambda d: audit(detail="a\x00b")),
    "an audit time beyond UTC's range": (
        "/api/v1/audit",
        lambda d: audit(at="0001-01-01T00:00:00+01:00"),
    ),
    "NUL in a claimed device id": (
        "/api/v1/enrolments/claim",
        lambda d: {"device_id": "k\x00", "code": "x"},
    ),
}


@pytest.mark.parametrize("case", BEYOND_THE_STORE, ids=str)
def test_what_the_store_cannot_keep_is_refused_in_the_contracts_words(served, case):
    path, make = BEYOND_THE_STORE[case]
    response = post(served, path, make(served.device["device_id"]))
    assert response.status_code == 400, response.text
    assert response.headers["content-type"].startswith("application/json")
    error = ErrorResponse.model_validate(response.json()).error
    assert set(response.json()) == {"error"} and error.code.startswith("bad_")
    assert "\x00" not in error.message


def test_the_widest_input_the_contract_accepts_is_stored(served):
    device_id = served.device["device_id"]
    widest = answer(
        device_id,
        comment="Đ" * 5000,
        officer="C" * 64,
        dossier_code="0" * 64,
        reasons=["r" * 64] * 50,
    )
    sent = post(served, "/api/v1/batches", {"batch_id": str(uuid.uuid4()), "answers": [widest]})
    assert sent.status_code == 201, sent.text
    assert [r["status"] for r in sent.json()["results"]] == ["stored"]
    assert widest["uuid"] in served.uuids()

    beat_sent = post(
        served,
        "/api/v1/heartbeat",
        beat(
            app_version="v" * 32,
            outbox_depth=INT32_MAX,
            free_disk_bytes=BIG,
            last_error="ồ" * 2000,
            oldest_undelivered="1970-01-01T07:00:00+07:00",
        ),
    )
    assert beat_sent.status_code == 200, beat_sent.text

    audit_sent = post(
        served,
        "/api/v1/audit",
        audit(
            id=BIG,
            actor="a" * 64,
            action="b" * 32,
            detail="ệ" * 200,
        ),
    )
    assert audit_sent.status_code == 201, audit_sent.text
    assert audit_sent.json()["stored"] == 1  # PostgreSQL's driver has no rowcount here
    again = post(served, "/api/v1/audit", audit(id=BIG, actor="a" * 64, action="b" * 32))
    assert again.json()["stored"] == 0  # the same entry is stored once


def test_an_answer_the_store_cannot_keep_is_rejected_alone(served):
    device_id = served.device["device_id"]
    good = answer(device_id)
    beyond_utc = answer(device_id, finished_at="0001-01-01T00:00:00+01:00")
    without_zone = answer(device_id, started_at="2026-11-23T08:00:00")
    body = {"batch_id": str(uuid.uuid4()), "answers": [good, beyond_utc, without_zone]}
    sent = post(served, "/api/v1/batches", body)
    assert sent.status_code == 201, sent.text
    results = sent.json()["results"]
    assert [r["status"] for r in results] == ["stored", "rejected", "rejected"]
    assert results[1]["reason"].startswith("schema: finished_at")
    assert results[2]["reason"].startswith("schema: started_at")
