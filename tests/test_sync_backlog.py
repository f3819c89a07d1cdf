"""A tablet offline for 30 days at 200 answers a day: all 6,000 arrive, oldest first, and the
daemon's memory does not grow with the backlog."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

from tests.conftest import ROOT
from tests.portal_support import kiosk, start_portal

pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]  # 6,000 memory-hard hashes first


def _drain(data_dir) -> float:
    """Run `python -m sync --once`; return its peak RSS in MiB."""
    command = [sys.executable, "-m", "sync", "--once", "--data-dir", str(data_dir)]
    child = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    _, status, usage = os.wait4(child.pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    return usage.ru_maxrss / 1024


def _month_offline(data_dir) -> None:
    # 6,000 answers, nearly half with an ID number: ~2 min of scrypt here, more on a slow runner
    made = kiosk(
        "demo-data", "--answers", "6000", "--seed", "4", "--data-dir", str(data_dir), timeout=900
    )
    assert made.returncode == 0, made.stderr
    with sqlite3.connect(data_dir / "kiosk.db") as connection:  # 200 a day over 30 days
        connection.execute(
            "UPDATE responses SET finished_at = datetime('2026-10-01', (id / 200) || ' days',"
            " ((id % 200) * 150) || ' seconds')"
        )


def test_a_month_offline_arrives_in_order_with_flat_memory(tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}")
    try:
        small, large = tmp_path / "small", tmp_path / "large"
        portal.enrol(small)
        portal.enrol(large)
        made = kiosk("demo-data", "--answers", "200", "--seed", "4", "--data-dir", str(small))
        assert made.returncode == 0
        _month_offline(large)
        small_peak = _drain(small)
        large_peak = _drain(large)
    finally:
        portal.stop()
    with sqlite3.connect(tmp_path / "portal.db") as connection:
        arrived = [
            row[0]
            for row in connection.execute(
                "SELECT payload FROM answers WHERE received_from = ("
                "  SELECT id FROM devices ORDER BY created_at DESC LIMIT 1) ORDER BY id"
            )
        ]
    sequences = [json.loads(payload)["sequence"] for payload in arrived]
    assert len(sequences) == 6000
    assert sequences == sorted(sequences)  # oldest first
    print(f"daemon peak RSS: 200 answers {small_peak:.1f} MiB, 6,000 answers {large_peak:.1f} MiB")
    assert large_peak - small_peak < 8, (small_peak, large_peak)  # 30x the backlog
