"""The portal knows forms: `portal form add` checks a form with the kiosk's engine and keeps
every version, `form list` shows them, and intake accepts the answers of a registered
version (added while the portal runs) beside the shipped forms, refusing the others."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from contract.signing import signed_headers
from kiosk.domain.forms import load_form, localized
from tests.conftest import ROOT
from tests.portal_support import Portal, run, start_portal

pytestmark = pytest.mark.slow

SHIPPED = ROOT / "assets" / "forms" / "danang-2223.yaml"
SHIPPED_FORM = load_form(SHIPPED)
NOW = datetime.now(timezone.utc).isoformat(timespec="seconds")


def portal(db: str, *args: str):
    return run("-m", "portal", "--db", db, *args)


def version_of_shipped(tmp_path: Path, version: int, note: str = "") -> Path:
    """The shipped quick form as another version (with a comment added if `note`)."""
    source = SHIPPED.read_text(encoding="utf-8")
    assert "\nversion: 1\n" in source
    changed = source.replace("\nversion: 1\n", f"\nversion: {version}\n")
    if note:
        changed += f"# {note}\n"
    path = tmp_path / f"danang-2223-v{version}{'-edited' if note else ''}.yaml"
    path.write_text(changed, encoding="utf-8")
    return path


def listed(db: str, shipped: bool = False) -> list[dict]:
    """The registered versions `form list --json` shows (with the shipped ones if asked)."""
    result = portal(db, "form", "list", "--json")
    assert result.returncode == 0, result.stderr
    return [row for row in json.loads(result.stdout) if shipped or not row["shipped"]]


@pytest.fixture
def db(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'portal.db'}"


def test_forms_are_added_and_listed_through_the_cli(db, tmp_path):
    added = portal(db, "form", "add", str(version_of_shipped(tmp_path, 2)))
    assert added.returncode == 0, added.stderr
    assert "registered danang-2223 version 2" in added.stdout
    assert portal(db, "form", "add", str(version_of_shipped(tmp_path, 3))).returncode == 0
    again = portal(db, "form", "add", str(version_of_shipped(tmp_path, 2)))
    assert again.returncode == 0, again.stderr
    assert "nothing to do" in again.stdout

    rows = listed(db)
    assert [(row["form_id"], row["version"]) for row in rows] == [
        ("danang-2223", 2),
        ("danang-2223", 3),
    ]
    assert rows[0]["title"] == localized(SHIPPED_FORM.title, "vi")
    assert rows[0]["questions"] == len(SHIPPED_FORM.questions)
    assert rows[0]["added_at"].startswith(NOW[:10])
    assert len(rows[0]["sha256"]) == 64
    plain = portal(db, "form", "list")
    assert plain.returncode == 0, plain.stderr
    lines = [line for line in plain.stdout.splitlines() if " shipped " not in line]
    assert len(lines) == 2
    assert "danang-2223" in lines[0] and "v2" in lines[0]
    assert f"{len(SHIPPED_FORM.questions)} questions" in lines[0]
    assert localized(SHIPPED_FORM.title, "vi") in lines[0] and "added " + NOW[:10] in lines[0]


def test_an_invalid_form_is_refused_with_the_engines_problems_in_vietnamese(db, tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("id: hỏng\nversion: 1\nquestions: []\nfoo: 1\n", encoding="utf-8")
    refused = portal(db, "form", "add", str(bad))
    assert refused.returncode == 1
    assert refused.stderr.startswith("Mẫu phiếu có 3 lỗi:")  # a form, not the configuration
    assert "dòng 4" in refused.stderr and "“foo”" in refused.stderr
    assert "thiếu khóa “title”" in refused.stderr
    assert "“questions” không được để trống" in refused.stderr
    assert listed(db) == []


def test_a_version_the_store_cannot_keep_is_refused_in_words(db, tmp_path):
    refused = portal(db, "form", "add", str(version_of_shipped(tmp_path, 2**31)))
    assert refused.returncode == 1
    assert "version is 1…2147483647" in refused.stderr
    assert listed(db) == []


def test_a_version_added_again_with_another_text_is_refused(db, tmp_path):
    first = portal(db, "form", "add", str(version_of_shipped(tmp_path, 2)))
    assert first.returncode == 0, first.stderr
    kept = listed(db)
    other = version_of_shipped(tmp_path, 2, note="sửa lại sau khi đã gửi")
    refused = portal(db, "form", "add", str(other))
    assert refused.returncode == 1
    assert "another text" in refused.stderr and "new version" in refused.stderr
    assert listed(db) == kept  # the first text stays, untouched


def test_a_database_made_before_the_forms_table_gets_it_on_start(db, tmp_path):
    """A portal database of the previous schema (no `forms`): create_all adds the table."""
    assert portal(db, "init-db").returncode == 0
    engine = create_engine(db)
    with engine.begin() as connection:
        connection.execute(text("DROP TABLE forms"))
        tables = connection.execute(text("SELECT name FROM sqlite_master WHERE type='table'"))
        assert "forms" not in set(tables.scalars())
    engine.dispose()
    added = portal(db, "form", "add", str(version_of_shipped(tmp_path, 2)))
    assert added.returncode == 0, added.stderr
    assert [row["version"] for row in listed(db)] == [2]


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path) -> Iterator[Portal]:
    """The portal as a process on each store, with one enrolled device."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"forms_{uuid.uuid4().hex[:12]}")
    server = start_portal(url, log=tmp_path / "portal.log")
    made = server.portal("device", "add", "--unit", "DNG-HC", "--counter", "Q1")
    assert made.returncode == 0, made.stderr
    server.device = json.loads(made.stdout)  # type: ignore[attr-defined]
    yield server
    server.stop()


def answer(device_id: str, version: int) -> dict:
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": version,
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


def deliver(server: Portal, answers: list[dict]) -> list[dict]:
    """POST a batch signed with the device's secret, as the sync daemon does; the fates."""
    path = "/api/v1/batches"
    raw = json.dumps({"batch_id": str(uuid.uuid4()), "answers": answers}).encode()
    device = server.device  # type: ignore[attr-defined]
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", path, int(time.time()), raw
    )
    headers["Content-Type"] = "application/json"
    reply = requests.post(server.url + path, data=raw, headers=headers, timeout=30)
    assert reply.status_code == 201, reply.text
    return reply.json()["results"]


def test_a_form_added_while_the_portal_runs_is_accepted_and_others_refused(served, tmp_path):
    device_id = served.device["device_id"]  # type: ignore[attr-defined]
    before = answer(device_id, 2)
    assert [r["status"] for r in deliver(served, [before])] == ["rejected"]

    added = served.portal("form", "add", str(version_of_shipped(tmp_path, 2)))
    assert added.returncode == 0, added.stderr
    shipped, registered, unknown = (answer(device_id, v) for v in (1, 2, 3))
    results = deliver(served, [shipped, registered, unknown])

    assert [r["status"] for r in results] == ["stored", "stored", "rejected"]
    assert results[2]["reason"] == "unknown_form_version: danang-2223/3"
    assert served.uuids() == [shipped["uuid"], registered["uuid"]]


def test_the_shipped_forms_are_listed_and_adding_one_again_changes_nothing(db, tmp_path):
    shipped = listed(db, shipped=True)
    assert {(row["form_id"], row["version"]) for row in shipped} >= {
        ("danang-2223", 1),
        ("sipas-dak-song-2023", 1),
    }
    assert all(row["shipped"] and row["added_by"] is None for row in shipped)
    plain = portal(db, "form", "list").stdout
    assert "danang-2223" in plain and " shipped " in plain
    again = portal(db, "form", "add", str(SHIPPED))
    assert again.returncode == 0, again.stderr
    assert "shipped with the portal" in again.stdout and "accepted already" in again.stdout
    edited = version_of_shipped(tmp_path, 1, note="một bản sửa khác")  # version 1, other text
    refused = portal(db, "form", "add", str(edited))
    assert refused.returncode == 1 and "another text" in refused.stderr
    assert listed(db) == []  # neither was registered
