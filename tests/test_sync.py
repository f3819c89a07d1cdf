"""The daemon and the reference portal as real processes on loopback."""

from __future__ import annotations

import http.server
import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path

import pytest

from tests.conftest import ROOT
from tests.portal_support import kiosk, start_portal, sync

pytestmark = pytest.mark.slow


@pytest.fixture(params=["sqlite", "postgresql"])
def portal(request, tmp_path):
    if request.param == "sqlite":
        db = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        db = request.getfixturevalue("postgres").new_database(f"portal_{uuid.uuid4().hex[:12]}")
    server = start_portal(db)
    yield server
    server.stop()


def outbox(data_dir: Path) -> list[tuple]:
    with sqlite3.connect(data_dir / "kiosk.db") as connection:
        return connection.execute(
            "SELECT r.uuid, o.state, o.last_error FROM responses r"
            " JOIN outbox o ON o.response_id = r.id ORDER BY r.id"
        ).fetchall()


def fill(data_dir: Path, count: int) -> None:
    made = kiosk("demo-data", "--answers", str(count), "--seed", "5", "--data-dir", str(data_dir))
    assert made.returncode == 0, made.stderr


def test_once_delivers_everything_oldest_first_exactly_once(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 450)
    result = sync("--once", "--data-dir", str(data), "--batch-size", "200")
    assert result.returncode == 0, result.stderr
    assert "Đã gửi 450 câu trả lời: 450 được lưu" in result.stdout
    assert result.stderr.count("batch ") == 3  # one log line per batch
    sent = [row[0] for row in outbox(data)]
    assert portal.uuids() == sent  # oldest first, each once
    assert {state for _, state, _ in outbox(data)} == {"delivered"}
    again = sync("--once", "--data-dir", str(data))
    assert again.returncode == 0 and "Đã gửi 0 câu trả lời" in again.stdout
    [device] = portal.stats()["devices"]  # the heartbeat: the latest state per device
    assert device["outbox_depth"] == 0 and device["last_seen"]
    assert abs(device["clock_offset_s"]) < 60


def test_a_resend_after_a_lost_reply_counts_as_delivered_not_twice(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 30)
    sync("--once", "--data-dir", str(data))
    with sqlite3.connect(data / "kiosk.db") as connection:  # as if the replies were lost
        connection.execute("UPDATE outbox SET state = 'pending' WHERE id % 2 = 0")
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 0
    assert "15 đã có từ trước" in result.stdout
    assert len(portal.uuids()) == 30
    assert portal.stats()["units"][0]["duplicate"] == 15


def test_same_uuid_with_other_content_is_refused_and_kept(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 5)
    sync("--once", "--data-dir", str(data))
    with sqlite3.connect(data / "kiosk.db") as connection:
        connection.execute("UPDATE responses SET comment = 'đổi nội dung' WHERE id = 2")
        connection.execute("UPDATE outbox SET state = 'pending' WHERE response_id = 2")
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 0
    [(uuid, state, reason)] = [row for row in outbox(data) if row[1] != "delivered"]
    assert state == "rejected" and reason.startswith("conflict")
    status = sync("status", "--json", "--data-dir", str(data))
    report = json.loads(status.stdout)
    assert report["rejected"] == 1
    assert report["rejected_answers"][0]["uuid"] == uuid
    assert portal.stats()["units"][0]["conflict"] == 1


def test_unknown_form_version_is_rejected_without_blocking_the_rest(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 10)
    with sqlite3.connect(data / "kiosk.db") as connection:
        connection.execute("UPDATE responses SET form_version = 99 WHERE id = 3")
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 0
    states = [state for _, state, _ in outbox(data)]
    assert states.count("delivered") == 9 and states[2] == "rejected"
    assert "unknown_form_version" in outbox(data)[2][2]
    assert len(portal.uuids()) == 9


def test_revoked_device_gets_401_and_nothing_is_stored(portal, tmp_path):
    data = tmp_path / "kiosk"
    enrolment = portal.enrol(data)
    fill(data, 5)
    assert portal.portal("device", "revoke", enrolment["device_id"]).returncode == 0
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 1
    assert "unauthorized" in result.stderr
    assert portal.uuids() == []
    assert {state for _, state, _ in outbox(data)} == {"pending"}
    status = json.loads(sync("status", "--json", "--data-dir", str(data)).stdout)
    assert "unauthorized" in status["last_error"]


def test_a_wrong_tablet_clock_is_corrected_from_the_portals_reply(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 3)
    with sqlite3.connect(data / "kiosk.db") as connection:  # signs two hours in the past
        connection.execute(
            "INSERT OR REPLACE INTO kiosk_state VALUES ('sync.clock_offset_s', '-7200')"
        )
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    assert len(portal.uuids()) == 3
    status = json.loads(sync("status", "--json", "--data-dir", str(data)).stdout)
    assert abs(status["clock_offset_s"]) < 60


class _LoginPage(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # a captive portal answering everything with its login page
        body = b"<html><body>Wi-Fi login</body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def test_a_200_login_page_is_never_taken_for_an_acknowledgement(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 4)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _LoginPage)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    enrolment = json.loads((data / "enrolment.json").read_text())
    enrolment["portal_url"] = f"http://127.0.0.1:{server.server_address[1]}"
    (data / "enrolment.json").write_text(json.dumps(enrolment))
    try:
        result = sync("--once", "--data-dir", str(data))
    finally:
        server.shutdown()
    assert result.returncode == 1
    assert {state for _, state, _ in outbox(data)} == {"pending"}
    assert (
        "bad_reply"
        in json.loads(sync("status", "--json", "--data-dir", str(data)).stdout)["last_error"]
    )


def test_a_second_daemon_on_the_same_data_refuses_to_start(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    first = subprocess.Popen(
        [sys.executable, "-m", "sync", "--data-dir", str(data)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while not (data / "sync.lock").exists() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
        second = sync("--once", "--data-dir", str(data))
        assert second.returncode == 3
        assert "Một tiến trình đồng bộ khác đang chạy" in second.stderr
    finally:
        first.terminate()
        first.wait(timeout=30)
    assert first.returncode == 0  # SIGTERM ends the loop cleanly


def test_not_enrolled_kiosk_says_so(tmp_path):
    result = sync("--once", "--data-dir", str(tmp_path / "kiosk"))
    assert result.returncode == 2
    assert "Máy chưa đăng ký với cổng dữ liệu" in result.stderr


def test_the_committed_openapi_document_is_the_portals_own():
    from portal.api import openapi_document

    committed = json.loads((ROOT / "portal" / "openapi.json").read_text(encoding="utf-8"))
    assert committed == openapi_document()
    assert "/api/v1/batches" in committed["paths"]
    assert "201" in committed["paths"]["/api/v1/batches"]["post"]["responses"]


def _post(portal, device: dict, body: bytes, secret: str | None = None, skew: int = 0):
    import gzip

    import requests

    from contract.signing import signed_headers

    packed = gzip.compress(body)
    headers = signed_headers(
        device["device_id"],
        secret or device["secret"],
        "POST",
        "/api/v1/batches",
        int(time.time()) + skew,
        packed,
    )
    headers |= {"Content-Encoding": "gzip", "Content-Type": "application/json"}
    return requests.post(portal.url + "/api/v1/batches", data=packed, headers=headers, timeout=30)


def test_wrong_signature_and_oversized_batches_are_refused_in_json(portal, tmp_path):
    device = portal.enrol(tmp_path / "kiosk")
    body = json.dumps({"batch_id": "b", "answers": [{"uuid": "x"}]}).encode()
    forged = _post(portal, device, body, secret="not-the-secret")
    assert forged.status_code == 401
    assert forged.json()["error"]["code"] == "bad_signature"
    stale = _post(portal, device, body, skew=-3600)
    assert stale.status_code == 401 and stale.json()["error"]["code"] == "clock_skew"
    assert stale.json()["error"]["server_time"]
    too_many = json.dumps({"batch_id": "b", "answers": [{}] * 501}).encode()
    refused = _post(portal, device, too_many)
    assert refused.status_code == 413 and refused.json()["error"]["code"] == "too_many"
    accepted = _post(portal, device, body)
    assert accepted.status_code == 201
    assert accepted.json()["results"][0]["status"] == "rejected"
    assert portal.uuids() == []


class _RefusesEverything(http.server.BaseHTTPRequestHandler):
    def do_POST(self):  # a portal that refuses each batch outright, whatever it holds
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{"error":{"code":"bad_batch","message":"no","server_time":"2026-01-01T00:00:00"}}'
        self.send_response(400)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args):
        pass


def test_an_answer_refused_again_and_again_is_set_aside_not_resent_forever(tmp_path):
    data = tmp_path / "kiosk"
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _RefusesEverything)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    enrolment = {
        "portal_url": f"http://127.0.0.1:{server.server_address[1]}",
        "device_id": "kiosk-x",
        "secret": "s",
        "unit_code": "DNG-HC",
        "counter": "Q1",
    }
    (tmp_path / "enrol.json").write_text(json.dumps(enrolment))
    try:
        assert kiosk("enrol", str(tmp_path / "enrol.json"), "--data-dir", str(data)).returncode == 0
        fill(data, 2)
        runs = [sync("--once", "--data-dir", str(data), "--batch-size", "1") for _ in range(3)]
    finally:
        server.shutdown()
    assert runs[0].returncode == 1
    first = outbox(data)[0]
    assert first[1] == "rejected" and "set aside after 3 refusals" in first[2]
    assert outbox(data)[1][1] == "pending"  # the next answer gets its own chances


def test_a_last_error_quoting_a_proxys_page_still_lets_the_heartbeat_through(portal, tmp_path):
    data = tmp_path / "kiosk"
    portal.enrol(data)
    fill(data, 3)
    page = "2026-11-26T08:00:00Z http 403: <html>\x00\x1b[31m" + "Truy cập bị chặn " * 400
    with sqlite3.connect(data / "kiosk.db") as connection:  # as the last round left it
        connection.execute(
            "INSERT OR REPLACE INTO kiosk_state (key, value) VALUES ('sync.last_error', ?)",
            (page,),
        )
    result = sync("--once", "--data-dir", str(data))
    assert result.returncode == 0, result.stderr
    [device] = portal.stats()["devices"]
    assert device["last_seen"], "the heartbeat was refused"
    assert "\x00" not in (device["last_error"] or "") and len(device["last_error"]) <= 1000
