"""The portal reads nothing it has not authenticated, and a tablet speaks only for itself.

Real parts throughout: the portal as a process on loopback (its memory read from
/proc/<pid>/status), the kiosk's own commands and the sync daemon as processes.
"""

from __future__ import annotations

import gzip
import http.client
import json
import os
import sqlite3
import stat
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import requests

from contract.signing import signed_headers
from tests.portal_support import Portal, kiosk, run, start_portal, sync

pytestmark = pytest.mark.slow

GIB = 1024**3
MIB = 1024**2


@pytest.fixture
def portal(tmp_path):
    server = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    yield server
    server.stop()


def device_file(portal: Portal, folder: Path, unit: str = "DNG-HC", counter: str = "Q1") -> dict:
    out = folder / f"enrol-{uuid.uuid4().hex[:6]}.json"
    made = portal.portal(
        "device",
        "add",
        "--unit",
        unit,
        "--counter",
        counter,
        "--portal-url",
        portal.url,
        "--out",
        str(out),
    )
    assert made.returncode == 0, made.stderr
    return json.loads(out.read_text())


def beat() -> bytes:
    moment = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    return json.dumps({"app_version": "t", "outbox_depth": 0, "device_time": moment}).encode()


def signed_post(
    portal: Portal, device: dict, target: str, body: bytes, *, signed_as: str = "", secret: str = ""
) -> requests.Response:
    """POST `body` to `target`, signed as a kiosk signs it (over `signed_as` when given)."""
    headers = signed_headers(
        device["device_id"],
        secret or device["secret"],
        "POST",
        signed_as or target,
        int(time.time()),
        body,
    )
    headers["Content-Type"] = "application/json"
    if body.startswith(b"\x1f\x8b"):
        headers["Content-Encoding"] = "gzip"
    return requests.post(portal.url + target, data=body, headers=headers, timeout=30)


def error_of(reply: requests.Response) -> tuple[int, str, str]:
    error = reply.json()["error"]
    return reply.status_code, error["code"], error["message"]


def test_unknown_revoked_and_forged_requests_get_the_same_401(portal, tmp_path):
    device = device_file(portal, tmp_path)
    revoked = device_file(portal, tmp_path)
    assert portal.portal("device", "revoke", revoked["device_id"]).returncode == 0
    unknown = {"device_id": "kiosk-000000000000", "secret": device["secret"]}
    replies = [
        signed_post(portal, unknown, "/api/v1/heartbeat", beat()),
        signed_post(portal, revoked, "/api/v1/heartbeat", beat()),
        signed_post(portal, device, "/api/v1/heartbeat", beat(), secret="not-the-secret"),
        requests.post(portal.url + "/api/v1/heartbeat", data=beat(), timeout=30),  # unsigned
    ]
    refusals = {error_of(reply) for reply in replies}
    assert len(refusals) == 1, refusals  # nothing tells which devices exist
    assert refusals.pop()[0] == 401
    assert signed_post(portal, device, "/api/v1/heartbeat", beat()).status_code == 200


def test_the_query_string_is_signed(portal, tmp_path):
    device = device_file(portal, tmp_path)
    target = "/api/v1/heartbeat?unit=DNG-TK"
    altered = signed_post(portal, device, target, beat(), signed_as="/api/v1/heartbeat")
    assert error_of(altered)[:2] == (401, "bad_signature")
    assert signed_post(portal, device, target, beat()).status_code == 200


def head_only(portal: Portal, path: str, headers: dict[str, str]) -> tuple[int, dict, float]:
    """Send a request's headers (announcing a body) and no body: the reply, and how long."""
    address = urlsplit(portal.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=10)
    started = time.monotonic()
    try:
        connection.putrequest("POST", path)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.endheaders()
        reply = connection.getresponse()
        return reply.status, json.loads(reply.read()), time.monotonic() - started
    finally:
        connection.close()


def test_credentials_and_size_are_checked_before_the_body_is_read(portal, tmp_path):
    """Each request announces 1 GiB and sends none of it: the portal answers at once."""
    device = device_file(portal, tmp_path)
    huge = {"Content-Type": "application/json", "Content-Length": str(GIB)}
    fresh = signed_headers(
        device["device_id"], device["secret"], "POST", "/api/v1/batches", int(time.time()), b""
    )
    cases = [
        ("/api/v1/batches", huge, 401),  # no credentials
        ("/api/v1/heartbeat", huge, 401),
        ("/api/v1/audit", huge | {"X-Kiosk-Device": "kiosk-000000000000"}, 401),
        ("/api/v1/batches", huge | fresh, 413),  # a real device's headers: too large
        ("/api/v1/enrolments/claim", huge, 413),  # open to all: only its size is checked
    ]
    for path, headers, expected in cases:
        status, body, took = head_only(portal, path, headers)
        assert (path, status) == (path, expected), body
        assert body["error"]["code"] and took < 5


def part_way(portal: Portal, device: dict, body: bytes, sent: int) -> http.client.HTTPConnection:
    """A signed heartbeat whose headers and first `sent` bytes are on their way; the rest
    is the caller's to send."""
    address = urlsplit(portal.url)
    connection = http.client.HTTPConnection(address.hostname, address.port, timeout=20)
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", "/api/v1/heartbeat", int(time.time()), body
    )
    connection.putrequest("POST", "/api/v1/heartbeat")
    for name, value in (headers | {"Content-Length": str(len(body))}).items():
        connection.putheader(name, value)
    connection.endheaders()
    connection.send(body[:sent])
    return connection


def test_a_body_trickled_by_a_known_device_id_is_cut_off_at_the_deadline(tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", options=("--body-timeout", "2"))
    try:
        device = device_file(portal, tmp_path)
        started = time.monotonic()
        connection = part_way(portal, device, beat(), 1)  # one byte, then nothing
        reply = connection.getresponse()
        assert reply.status == 408 and json.loads(reply.read())["error"]["code"] == "too_slow"
        assert time.monotonic() - started < 10
        connection.close()
    finally:
        portal.stop()


def test_a_request_opened_before_the_device_is_revoked_stores_nothing(portal, tmp_path):
    device = device_file(portal, tmp_path)
    body = beat()
    connection = part_way(portal, device, body, 10)
    assert portal.portal("device", "revoke", device["device_id"]).returncode == 0
    connection.send(body[10:])
    reply = connection.getresponse()
    assert reply.status == 401 and json.loads(reply.read())["error"]["code"] == "bad_signature"
    connection.close()
    stats = json.loads(portal.portal("stats", "--json").stdout)
    assert not any(d.get("last_seen") for d in stats["devices"])  # no heartbeat was kept


@dataclass
class Upload:
    path: str
    headers: dict[str, str]
    outcome: str = ""


def gigabyte(stop: threading.Event, sent: list[int]) -> Iterator[bytes]:
    chunk = b"\0" * MIB
    for _ in range(GIB // MIB):
        if stop.is_set():
            return
        sent.append(len(chunk))
        yield chunk


def upload(portal: Portal, job: Upload, stop: threading.Event, sent: list[int]) -> None:
    try:
        reply = requests.post(
            portal.url + job.path, data=gigabyte(stop, sent), headers=job.headers, timeout=(5, 60)
        )
        job.outcome = str(reply.status_code)
    except requests.RequestException as exc:  # the portal closed the connection on us
        job.outcome = type(exc).__name__


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise AssertionError("no VmRSS")


def test_ten_unauthenticated_gigabyte_uploads_leave_memory_alone_and_kiosks_deliver(
    portal, tmp_path
):
    data = tmp_path / "kiosk"
    device = portal.enrol(data)
    made = kiosk("demo-data", "--answers", "300", "--seed", "3", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    assert signed_post(portal, device, "/api/v1/heartbeat", beat()).status_code == 200  # warm
    pid = portal.process.pid
    idle = rss_bytes(pid)
    stop, peak, sent = threading.Event(), [idle], []
    chunked = {"Content-Type": "application/json", "Content-Encoding": "gzip"}
    known = signed_headers(
        device["device_id"],
        device["secret"],
        "POST",
        "/api/v1/batches",
        int(time.time()),
        b"forged",
    )
    jobs = [Upload("/api/v1/batches", chunked) for _ in range(4)]
    jobs += [Upload("/api/v1/heartbeat", chunked), Upload("/api/v1/audit", chunked)]
    jobs += [Upload("/api/v1/enrolments/claim", chunked) for _ in range(2)]
    jobs += [Upload("/api/v1/batches", chunked | known) for _ in range(2)]  # a real device id

    def watch() -> None:  # stops the uploads early when the portal swells (today's code)
        while not stop.is_set():
            peak[0] = max(peak[0], rss_bytes(pid))
            if peak[0] - idle > 50 * MIB:
                stop.set()
            time.sleep(0.02)

    watcher = threading.Thread(target=watch)
    threads = [threading.Thread(target=upload, args=(portal, job, stop, sent)) for job in jobs]
    watcher.start()
    for thread in threads:
        thread.start()
    delivered = sync("--once", "--data-dir", str(data), "--batch-size", "50", timeout=120)
    for thread in threads:
        thread.join(timeout=90)
    stop.set()
    watcher.join()
    assert not any(thread.is_alive() for thread in threads)
    assert delivered.returncode == 0, delivered.stderr
    assert len(portal.uuids()) == 300  # the genuine kiosk delivered meanwhile
    grew = (peak[0] - idle) / MIB
    print(
        f"portal RSS idle {idle / MIB:.1f} MiB, peak {peak[0] / MIB:.1f} MiB (+{grew:.1f}); "
        f"uploaded {sum(sent) / MIB:.0f} MiB of {len(jobs)} GiB; "
        f"outcomes {sorted(job.outcome for job in jobs)}"
    )
    assert grew < 50
    assert sum(sent) < len(jobs) * 64 * MIB  # refused early, not read to the end


def test_the_api_documentation_is_off_unless_asked_for(portal, tmp_path):
    for path in ("/docs", "/redoc", "/openapi.json"):
        assert requests.get(portal.url + path, timeout=10).status_code == 404
    documented = start_portal(f"sqlite:///{tmp_path / 'docs.db'}", docs=True)
    try:
        for path in ("/docs", "/redoc", "/openapi.json"):
            assert requests.get(documented.url + path, timeout=10).status_code == 200
    finally:
        documented.stop()


def test_the_portal_database_is_created_private(tmp_path):
    path = tmp_path / "fresh" / "portal.db"
    before = os.umask(0o022)  # a usual shell's, for the processes started here
    try:
        assert run("-m", "portal", "--db", f"sqlite:///{path}", "init-db").returncode == 0
        server = start_portal(f"sqlite:///{path}")
        try:
            device_file(server, tmp_path)
        finally:
            server.stop()
    finally:
        os.umask(before)
    for made in path.parent.iterdir():
        assert stat.S_IMODE(made.stat().st_mode) == 0o600, made.name


def test_device_add_shows_no_secret_when_it_goes_to_a_file_or_a_code(portal, tmp_path):
    out = tmp_path / "enrol.json"
    made = portal.portal(
        "device",
        "add",
        "--unit",
        "DNG-HC",
        "--counter",
        "Q1",
        "--portal-url",
        portal.url,
        "--out",
        str(out),
    )
    secret = json.loads(out.read_text())["secret"]
    assert made.returncode == 0 and secret not in made.stdout + made.stderr
    assert json.loads(out.read_text())["device_id"] in made.stdout  # says what it made
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    code = tmp_path / "q.png"
    coded = portal.portal(
        "device",
        "add",
        "--unit",
        "DNG-HC",
        "--counter",
        "Q1",
        "--portal-url",
        portal.url,
        "--qr-out",
        str(code),
    )
    with sqlite3.connect(portal.db.removeprefix("sqlite:///")) as db:
        secrets = [row[0] for row in db.execute("SELECT secret FROM devices")]
    assert coded.returncode == 0 and not any(s in coded.stdout + coded.stderr for s in secrets)


def test_heartbeats_and_audit_entries_belong_to_the_device_that_signed_them(portal, tmp_path):
    mine = device_file(portal, tmp_path)
    other = device_file(portal, tmp_path, unit="DNG-TK")
    claimed = json.loads(beat()) | {"device_id": other["device_id"], "unit_code": "DNG-TK"}
    refused = signed_post(portal, mine, "/api/v1/heartbeat", json.dumps(claimed).encode())
    assert error_of(refused)[:2] == (400, "bad_heartbeat")
    assert "Extra inputs are not permitted" in error_of(refused)[2]
    entry = {"id": 1, "at": "2026-11-23T01:00:00Z", "actor": "it", "action": "export"}
    for extra in ({"device_id": other["device_id"]}, {"unit_code": "DNG-TK"}):
        body = gzip.compress(json.dumps({"entries": [entry | extra]}).encode())
        reply = signed_post(portal, mine, "/api/v1/audit", body)
        assert error_of(reply)[:2] == (400, "bad_audit")
        assert "Extra inputs are not permitted" in error_of(reply)[2]
    assert signed_post(portal, mine, "/api/v1/heartbeat", beat()).status_code == 200
    body = gzip.compress(json.dumps({"entries": [entry]}).encode())
    assert signed_post(portal, mine, "/api/v1/audit", body).status_code == 201
    with sqlite3.connect(portal.db.removeprefix("sqlite:///")) as db:
        assert db.execute("SELECT device_id FROM heartbeats").fetchall() == [(mine["device_id"],)]
        assert db.execute("SELECT device_id FROM audit_records").fetchall() == [
            (mine["device_id"],)
        ]


def test_a_counter_added_on_the_portal_is_accepted_from_its_units_tablets(portal, tmp_path):
    added = portal.portal("counter", "add", "--unit", "DNG-HC", "Q2", "Q3")
    assert added.returncode == 0, added.stderr
    listed = portal.portal("counter", "list")
    assert "DNG-HC" in listed.stdout and "Q2" in listed.stdout and "Q3" in listed.stdout
    device_file(portal, tmp_path, unit="DNG-TK", counter="Q9")  # a device's counter is known
    assert "DNG-TK" in portal.portal("counter", "list").stdout


def test_answers_taken_before_the_tablet_was_enrolled_are_delivered_as_its_own(portal, tmp_path):
    """Before enrolment a tablet labels its answers with an id it made itself; once enrolled
    they are the enrolled device's, sent and signed as such, never refused as another's."""
    data = tmp_path / "kiosk"
    before = kiosk("demo-data", "--answers", "3", "--seed", "1", "--data-dir", str(data))
    assert before.returncode == 0, before.stderr
    device = portal.enrol(data)
    after = kiosk("demo-data", "--answers", "2", "--seed", "2", "--data-dir", str(data))
    assert after.returncode == 0, after.stderr
    sent = sync("--once", "--data-dir", str(data))
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert len(portal.uuids()) == 5
    with sqlite3.connect(portal.db.removeprefix("sqlite:///")) as db:
        labels = db.execute(
            "SELECT DISTINCT received_from, json_extract(payload, '$.device_id') FROM answers"
        ).fetchall()
    assert labels == [(device["device_id"], device["device_id"])]


def test_a_heartbeat_alone_marks_the_tablet_as_seen(portal, tmp_path):
    device = device_file(portal, tmp_path)
    assert signed_post(portal, device, "/api/v1/heartbeat", beat()).status_code == 200
    [listed] = json.loads(portal.portal("stats", "--json").stdout)["devices"]
    assert listed["last_seen"], "an idle tablet that beats must not look dead to IT"
