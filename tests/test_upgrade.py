"""Upgrading a tablet: a store made by the previous release (kiosk 0.1.0, schema 0001,
tests/data/kiosk-0.1.0.db: 120 answers, 70 delivered, 49 pending, 1 refused) is migrated
on start, checked, and on failure put back exactly as it was.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kiosk import __version__
from kiosk.core import KioskCore
from kiosk.demo import fill_survey
from kiosk.store.migrate import SCHEMA_HEAD, UpgradeFailed
from kiosk.store.outbox import pending_batch
from tests.conftest import ROOT

PREVIOUS = ROOT / "tests" / "data" / "kiosk-0.1.0.db"
COLUMNS = (
    "uuid, form_id, form_version, unit_code, counter, device_id, started_at, finished_at,"
    " duration_ms, id_method, status, verdict, reasons, comment, answers, language,"
    " dossier_code, phone_hash, citizen_id_hash, personal_sealed"
)


def old_store(tmp_path: Path) -> Path:
    data = tmp_path / "data"
    data.mkdir()
    shutil.copyfile(PREVIOUS, data / "kiosk.db")
    return data


def rows(path: Path, query: str) -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(query).fetchall()


def half_upgraded(path: Path) -> None:
    """An earlier attempt that died half-way: 0002's column is there, the revision is not."""
    with sqlite3.connect(path) as broken:
        broken.execute("ALTER TABLE responses ADD COLUMN app_version VARCHAR(32)")


def digest(path: Path) -> str:
    """Of everything the file holds: schema and rows (not the journal mode in its header)."""
    with sqlite3.connect(path) as db:
        return hashlib.sha256("\n".join(db.iterdump()).encode()).hexdigest()


def test_every_answer_survives_and_the_undelivered_stay_queued(tmp_path):
    data = old_store(tmp_path)
    answers_before = rows(data / "kiosk.db", f"SELECT {COLUMNS} FROM responses ORDER BY id")
    outbox_before = rows(
        data / "kiosk.db",
        "SELECT response_id, state, attempts, last_error, delivered_at FROM outbox ORDER BY id",
    )
    assert rows(data / "kiosk.db", "SELECT version_num FROM alembic_version") == [("0001",)]

    core = KioskCore.open(None, data)
    db = data / "kiosk.db"
    assert rows(db, "SELECT version_num FROM alembic_version") == [(SCHEMA_HEAD,)]
    assert rows(db, f"SELECT {COLUMNS} FROM responses ORDER BY id") == answers_before
    assert (
        rows(
            db,
            "SELECT response_id, state, attempts, last_error, delivered_at FROM outbox ORDER BY id",
        )
        == outbox_before
    )
    assert rows(db, "SELECT DISTINCT app_version FROM responses") == [(None,)]  # not known
    queued = pending_batch(core.engine, 500)
    assert len(queued) == 49
    assert [row.id for row in queued] == list(range(72, 121))  # oldest first

    [backup] = data.glob("kiosk.db.backup-0001-*")
    assert rows(backup, "PRAGMA journal_mode") == [("delete",)]  # one file, no -wal beside
    assert rows(backup, "SELECT version_num FROM alembic_version") == [("0001",)]
    assert rows(backup, f"SELECT {COLUMNS} FROM responses ORDER BY id") == answers_before

    survey = core.new_survey()
    fill_survey(survey, random.Random(1))
    core.save(survey.finish())
    assert rows(db, "SELECT app_version FROM responses ORDER BY id DESC LIMIT 1") == [
        (__version__,)
    ]
    core.engine.dispose()
    again = KioskCore.open(None, data)  # the next start: nothing to do, no new copy
    assert len(list(data.glob("kiosk.db.backup-*"))) == 1
    again.engine.dispose()


def test_a_failed_upgrade_puts_the_old_file_back(tmp_path):
    data = old_store(tmp_path)
    db = data / "kiosk.db"
    half_upgraded(db)
    before = digest(db)
    with pytest.raises(UpgradeFailed) as failed:
        KioskCore.open(None, data)
    assert "duplicate column" in failed.value.error
    assert failed.value.backup is not None and failed.value.backup.exists()
    assert not Path(f"{db}-wal").exists()  # the failed attempt's log went with it
    assert digest(db) == before
    assert rows(db, "SELECT count(*) FROM outbox WHERE state = 'pending'") == [(49,)]


@pytest.mark.ui
def test_the_kiosk_shows_it_to_it_and_the_commands_say_it(tmp_path, start_kiosk):
    data = old_store(tmp_path)
    half_upgraded(data / "kiosk.db")
    pilot = start_kiosk(data_dir=data, open_store=False)
    assert pilot.until(lambda: pilot.screen_name == "out_of_service", seconds=30)
    assert "Không nâng cấp được dữ liệu cho phiên bản mới" in pilot.texts()
    assert "Dữ liệu cũ vẫn nguyên vẹn (bản sao:" in pilot.texts()
    status = subprocess.run(
        [sys.executable, "-m", "sync", "status", "--data-dir", str(data)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert status.returncode == 2
    assert "Không nâng cấp được dữ liệu cho phiên bản mới" in status.stderr


def test_both_programs_report_their_version():
    for module in ("kiosk", "sync"):
        result = subprocess.run(
            [sys.executable, "-m", module, "--version"],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert result.returncode == 0
        assert result.stdout.strip().endswith(__version__)
