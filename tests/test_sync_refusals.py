"""Only the portal's own word sets an answer aside, and an answer set aside can be sent again.

The real daemon and the real portal, with the fault proxy between them answering for a
while as a captive portal, a proxy or a load balancer would: none of that is a refusal
of content, so every answer arrives and none is charged an attempt. A batch holding one
answer the portal refuses in its contract format costs the others nothing, and only
that one is set aside; `python -m sync requeue` (audited) sends such answers again.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.fault_proxy import MIDDLEBOX_FACES, FaultProxy
from tests.portal_support import kiosk, start_portal, sync

pytestmark = pytest.mark.slow

MIDDLEBOX_S = 15.0  # the field saw 20-60 s; every face is shown many times in this window


def outbox(data_dir: Path) -> list[tuple]:
    """(uuid, state, attempts, last_error) of every answer, oldest first."""
    with sqlite3.connect(data_dir / "kiosk.db", timeout=30) as connection:
        return connection.execute(
            "SELECT r.uuid, o.state, o.attempts, o.last_error FROM responses r"
            " JOIN outbox o ON o.response_id = r.id ORDER BY r.id"
        ).fetchall()


def pending(data_dir: Path) -> int:
    return sum(1 for _, state, _, _ in outbox(data_dir) if state == "pending")


def fill(data_dir: Path, count: int) -> None:
    made = kiosk("demo-data", "--answers", str(count), "--seed", "5", "--data-dir", str(data_dir))
    assert made.returncode == 0, made.stderr


def point_at(data_dir: Path, url: str) -> None:
    enrolment = json.loads((data_dir / "enrolment.json").read_text())
    enrolment["portal_url"] = url
    (data_dir / "enrolment.json").write_text(json.dumps(enrolment))


def run_daemon_until(data_dir: Path, done, seconds: float, *extra: str) -> None:
    """The real daemon, with back-off shrunk to a second, until `done()` or the deadline."""
    daemon = subprocess.Popen(
        [sys.executable, "-m", "sync", "--data-dir", str(data_dir), "--max-backoff", "1", *extra],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + seconds
        while not done() and time.monotonic() < deadline:
            time.sleep(0.25)
    finally:
        daemon.terminate()
        daemon.wait(timeout=30)


@pytest.fixture
def portal(tmp_path):
    server = start_portal(f"sqlite:///{tmp_path / 'portal.db'}")
    yield server
    server.stop()


def test_pages_of_a_captive_portal_proxy_or_balancer_set_nothing_aside(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 600)
    with FaultProxy(portal.url, fault_rate=0) as proxy:
        point_at(data, proxy.url)
        proxy.pose_as(list(MIDDLEBOX_FACES), MIDDLEBOX_S)
        started = time.monotonic()
        run_daemon_until(data, lambda: pending(data) == 0, MIDDLEBOX_S + 90, "--batch-size", "50")
        took = time.monotonic() - started
        faces = dict(proxy.fates)
    rows = outbox(data)
    assert all(faces.get(face, 0) >= 2 for face in MIDDLEBOX_FACES), faces
    assert [row for row in rows if row[1] != "delivered"] == []  # none set aside, none left
    assert {attempts for _, _, attempts, _ in rows} == {0}  # and none charged an attempt
    assert sorted(portal.uuids()) == sorted(row[0] for row in rows)
    assert took >= MIDDLEBOX_S
    print(
        f"600 answers through {MIDDLEBOX_S:.0f} s of middlebox pages: all arrived in "
        f"{took:.1f} s, {sum(faces.values())} requests answered by the middlebox"
    )


def make_too_large(data_dir: Path, response_id: int) -> str:
    """An answer the portal refuses for itself: over its 4 MiB limit once inflated (gzip
    makes it small on the wire, so nothing between tablet and portal minds it)."""
    with sqlite3.connect(data_dir / "kiosk.db") as connection:
        connection.execute(
            "UPDATE responses SET answers = json_object('filler', printf('%.5000000c', 'x'))"
            " WHERE id = ?",
            (response_id,),
        )
        return connection.execute(
            "SELECT uuid FROM responses WHERE id = ?", (response_id,)
        ).fetchone()[0]


def test_one_answer_the_portal_refuses_is_the_only_one_set_aside(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 120)
    bad = make_too_large(data, 37)

    def settled() -> bool:
        return pending(data) == 0

    run_daemon_until(data, settled, 90, "--batch-size", "50")
    rows = {uuid: (state, attempts, error) for uuid, state, attempts, error in outbox(data)}
    state, attempts, error = rows.pop(bad)
    assert state == "rejected" and "too_large" in error
    assert attempts == 3  # refused alone, three times, before it was set aside
    assert {(state, attempts) for state, attempts, _ in rows.values()} == {("delivered", 0)}
    assert sorted(portal.uuids()) == sorted(rows)
    status = json.loads(sync("status", "--json", "--data-dir", str(data)).stdout)
    assert status["set_aside"] == 1
    assert status["set_aside_reasons"] == {"rejected: too_large": 1}


def test_requeue_sends_set_aside_answers_again_and_is_audited(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 30)
    with sqlite3.connect(data / "kiosk.db") as connection:  # as the old daemon left them
        connection.execute(
            "UPDATE outbox SET state = 'rejected', attempts = 8,"
            " last_error = 'rejected: quarantined after http: 403' WHERE response_id % 3 = 0"
        )
    set_aside = [uuid for uuid, state, _, _ in outbox(data) if state == "rejected"]
    assert len(set_aside) == 10
    first = sync("--once", "--data-dir", str(data))
    assert first.returncode == 0, first.stderr
    assert len(portal.uuids()) == 20
    status = sync("status", "--data-dir", str(data))
    assert (
        "Bị giữ lại: 10 phiếu" in status.stdout
        and "rejected: quarantined after http" in status.stdout
    )
    [device] = portal.stats()["devices"]  # the heartbeat tells the portal: how many, why
    assert device["set_aside"] == 10
    assert device["set_aside_reasons"] == {"rejected: quarantined after http": 10}

    usage = sync("requeue", "--data-dir", str(data))
    assert usage.returncode == 2 and "--all" in usage.stderr  # nothing chosen, nothing done
    unknown = sync("requeue", "00000000-0000-4000-8000-000000000000", "--data-dir", str(data))
    assert unknown.returncode == 1 and "không bị giữ lại" in unknown.stderr
    one = sync("requeue", set_aside[0], "--data-dir", str(data))
    assert one.returncode == 0 and "Đã đưa 1 phiếu" in one.stdout, one.stderr
    rest = sync("requeue", "--all", "--data-dir", str(data))
    assert rest.returncode == 0 and "Đã đưa 9 phiếu" in rest.stdout, rest.stderr
    assert {(state, attempts) for _, state, attempts, _ in outbox(data)} >= {("pending", 0)}
    with sqlite3.connect(data / "kiosk.db") as connection:
        audit = connection.execute(
            "SELECT actor, action, detail FROM audit_log ORDER BY id"
        ).fetchall()
    assert audit == [("it", "requeue", f"cli 1: {set_aside[0]}"), ("it", "requeue", "cli 9: all")]

    again = sync("--once", "--data-dir", str(data))
    assert again.returncode == 0, again.stderr
    assert {state for _, state, _, _ in outbox(data)} == {"delivered"}
    assert sorted(portal.uuids()) == sorted(row[0] for row in outbox(data))
    [device] = portal.stats()["devices"]
    assert device["set_aside"] == 0
    with sqlite3.connect(data / "kiosk.db") as connection:  # the requeue reached the portal
        assert (
            connection.execute("SELECT count(*) FROM audit_log WHERE delivered = 0").fetchone()[0]
            == 0
        )


@pytest.mark.ui
def test_the_it_area_shows_answers_set_aside_and_sends_them_again(start_kiosk, portal, tmp_path):
    from kiosk.store.audit import entries
    from tests.conftest import write_config

    data = tmp_path / "data"
    portal.enrol(data)
    fill(data, 6)
    with sqlite3.connect(data / "kiosk.db") as connection:  # as the old daemon left them
        connection.execute(
            "UPDATE outbox SET state = 'rejected', attempts = 8,"
            " last_error = 'rejected: quarantined after http: 403' WHERE response_id <= 2"
        )
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"), data)
    pilot.staff_area("it")
    pilot.keys("2468")
    pilot.tap(pilot.screen.ids.ok)
    assert "Bị giữ lại 2 phiếu (cổng dữ liệu từ chối): rejected: quarantined after http (2)" in (
        pilot.screen.ids.it_area.status
    )
    pilot.frames(3)
    pilot.tap(pilot.screen.ids.requeue)
    assert "Đã đưa 2 phiếu bị giữ lại vào hàng chờ gửi lại" in pilot.screen.notice
    assert "Bị giữ lại" not in pilot.screen.ids.it_area.status
    assert "Chờ gửi: 6 phiếu" in pilot.screen.ids.it_area.status
    pilot.frames(3)
    pilot.tap(pilot.screen.ids.requeue)  # again: nothing left to send again, and it says so
    assert "Không có phiếu nào bị giữ lại" in pilot.screen.notice
    audit = [(e.actor, e.action, e.detail) for e in entries(pilot.app.core.engine)]
    assert audit == [("it", "sign_in", ""), ("it", "requeue", "it_area 2: all")]

    sent = sync("--once", "--data-dir", str(data))
    assert sent.returncode == 0, sent.stderr
    assert {state for _, state, _, _ in outbox(data)} == {"delivered"}
    assert sorted(portal.uuids()) == sorted(row[0] for row in outbox(data))
