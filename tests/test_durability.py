"""No answer is thanked for unless it is on disk: a SIGKILL and a full disk, in real processes."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT

pytestmark = [pytest.mark.ui, pytest.mark.slow]


def _drive(mode: str, config, data_dir) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "tests.drive_kiosk", mode, str(config), str(data_dir)],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )


def _rows(db) -> list[tuple]:
    with sqlite3.connect(db) as connection:
        assert connection.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        query = (
            "SELECT r.uuid, r.status, o.state FROM responses r"
            " JOIN outbox o ON o.response_id = r.id"
        )
        return connection.execute(query).fetchall()


def test_answer_survives_sigkill_right_after_the_thank_you(config_file, data_dir):
    child = _drive("kill-after-thanks", config_file, data_dir)
    uuid = None
    try:
        for line in child.stdout:
            if line.startswith("UUID"):
                uuid = line.split()[1]
            if line.strip() == "THANKS":
                os.kill(child.pid, signal.SIGKILL)
                break
    finally:
        child.kill()
        child.wait(timeout=30)
    assert child.returncode == -signal.SIGKILL
    assert uuid is not None
    assert _rows(data_dir / "kiosk.db") == [(uuid, "complete", "pending")]


def test_full_disk_gets_an_apology_and_loses_no_earlier_answer(config_file, data_dir):
    child = _drive("disk-full", config_file, data_dir)
    out, _ = child.communicate(timeout=120)
    lines = dict(line.split(" ", 1) for line in out.splitlines() if " " in line)
    uuids = [line.split()[1] for line in out.splitlines() if line.startswith("UUID")]
    assert "STORED" in out.split()
    assert child.returncode == 0, out
    assert "thanks" not in lines["SCREENS"].split()
    assert lines["SCREENS"].split()[-1] == "out_of_service"
    assert "Xin lỗi ông/bà, ý kiến vừa rồi chưa được lưu" in lines["TEXTS"]
    assert "Cảm ơn" not in lines["TEXTS"]
    assert _rows(data_dir / "kiosk.db") == [(uuids[0], "complete", "pending")]
