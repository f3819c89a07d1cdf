"""10,000 answers through a network that fails 30% of the time, with the daemon killed at
random: the portal ends with every UUID exactly once and the outbox empty."""

from __future__ import annotations

import json
import random
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from tests.conftest import ROOT
from tests.fault_proxy import FAULTS, FaultProxy
from tests.portal_support import kiosk, start_portal

pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]  # its own deadlines: 900 s twice

ANSWERS = 10_000


def pending(data_dir) -> int:
    with sqlite3.connect(data_dir / "kiosk.db", timeout=30) as connection:
        return connection.execute(
            "SELECT count(*) FROM outbox WHERE state != 'delivered'"
        ).fetchone()[0]


def test_ten_thousand_answers_arrive_exactly_once_through_faults_and_kills(tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}")
    data = tmp_path / "kiosk"
    try:
        portal.enrol(data)
        # Each answer with an ID number costs a memory-hard hash (~12-40 ms): minutes here.
        demo = ("demo-data", "--answers", str(ANSWERS), "--seed", "9", "--data-dir", str(data))
        made = kiosk(*demo, timeout=900)
        assert made.returncode == 0, made.stderr
        with FaultProxy(portal.url, fault_rate=0.3, seed=7, stall_s=10.0) as proxy:
            enrolment = json.loads((data / "enrolment.json").read_text())
            enrolment["portal_url"] = proxy.url
            (data / "enrolment.json").write_text(json.dumps(enrolment))
            rng = random.Random(11)
            kills = 0
            restarted = False
            deadline = time.monotonic() + 900
            while pending(data) and time.monotonic() < deadline:
                daemon = subprocess.Popen(
                    [sys.executable, "-m", "sync", "--data-dir", str(data), "--max-backoff", "2"],
                    cwd=ROOT,
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
                if kills < 6:  # killed at a random point of its work, as a power cut does
                    time.sleep(rng.uniform(0.5, 4.0))
                    if kills == 3:  # and once the portal restarts under it, mid-batch
                        port = int(portal.url.rsplit(":", 1)[1])
                        portal.process.kill()
                        portal.process.wait()
                        portal = start_portal(portal.db, port=port)
                        restarted = True
                    daemon.send_signal(signal.SIGKILL)
                    kills += 1
                else:
                    while pending(data) and time.monotonic() < deadline:
                        time.sleep(0.5)
                    daemon.terminate()
                daemon.wait(timeout=60)
            fates = dict(proxy.fates)
        uuids = [
            row[0]
            for row in sqlite3.connect(tmp_path / "portal.db").execute("SELECT uuid FROM answers")
        ]
        local = [
            row[0]
            for row in sqlite3.connect(data / "kiosk.db").execute("SELECT uuid FROM responses")
        ]
    finally:
        portal.stop()
    assert pending(data) == 0
    assert len(uuids) == len(set(uuids)) == ANSWERS
    assert set(uuids) == set(local)
    assert kills == 6 and restarted
    faulted = sum(count for fate, count in fates.items() if fate != "pass")
    assert faulted / sum(fates.values()) > 0.15
    assert {fate for fate in FAULTS if fates.get(fate)} >= {
        "reset_before",
        "error_500_after_commit",
        "drop_after_commit",
        "login_page_200",
    }
