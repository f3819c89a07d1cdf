"""The devices page over HTTP on the real portal, on SQLite and PostgreSQL: tablets enrolled
with `portal device add`, their heartbeats POSTed signed as a kiosk signs them, shown with
their values; a silent tablet standing out in words; who may open the page; revoking a
tablet through its confirmation page, audited, after which the tablet is refused.

The portal runs with opening hours 00:00–23:59 every day of the week, so that any moment
the suite runs is opening time; a silent tablet is made by moving its last heartbeat hours
back in the database. The hours themselves (a weekend, a Monday morning after a silent
weekend) are checked against `device_health` with a fixed clock, on a real SQLite file.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
import requests
from sqlalchemy import create_engine, text

from contract.signing import signed_headers
from portal.dashboard.config import DashboardConfig
from portal.dashboard.devices_health import device_health, shown_time
from portal.devices import add_device
from portal.store.engine import make_portal_engine
from tests.dashboard_support import PASSWORD, Dashboard, _run_with_stdin, csrf_of, start_dashboard

pytestmark = pytest.mark.slow

PAGE = "/quan-tri/thiet-bi"
CONFIG = (
    '  opening_hours: "00:00-23:59"\n'
    "  opening_days: [1, 2, 3, 4, 5, 6, 7]\n"
    "  device_silent_minutes: 30\n"
)
ERROR = "2025-03-11T03:00:00Z <script>alert('x')</script> không kết nối được cổng"


def enrol(dash: Dashboard, unit: str, counter: str = "Q1") -> dict:
    """A tablet enrolled as IT enrols one: `portal device add`, its enrolment file read."""
    out = dash.folder / f"enrol-{uuid.uuid4().hex[:8]}.json"
    made = dash.portal.portal(
        "device", "add", "--unit", unit, "--counter", counter, "--portal-url", dash.url,
        "--out", str(out),
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    return json.loads(out.read_text())


def signed_post(dash: Dashboard, device: dict, path: str, body: dict) -> requests.Response:
    """POST `body` as the kiosk does: JSON, signed with the device's secret."""
    data = json.dumps(body).encode()
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", path, int(time.time()), data
    )
    headers["Content-Type"] = "application/json"
    return requests.post(dash.url + path, data=data, headers=headers, timeout=30)


def beat(**values: object) -> dict:
    moment = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    return {"app_version": "1.0.0", "outbox_depth": 0, "device_time": moment} | values


def execute(dash: Dashboard, query: str, **params: object) -> list[tuple]:
    engine = create_engine(dash.portal.db)
    try:
        with engine.begin() as connection:
            result = connection.execute(text(query), params)
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def row_of(html: str, device_id: str) -> str:
    """The table row of one tablet, as HTML."""
    found = re.search(rf'<tr id="may-{re.escape(device_id)}"[^>]*>.*?</tr>', html, re.S)
    assert found, f"no row for {device_id}"
    return found.group(0)


def words(html: str) -> str:
    """What a person reads of some HTML: tags dropped, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", html)).split())


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def dash(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"devices-{request.param}")
    db = ""
    if request.param == "postgresql":
        db = request.getfixturevalue("postgres").new_database(f"dev_{uuid.uuid4().hex[:12]}")
    server = start_dashboard(folder, db=db, config=CONFIG, answers=False)
    added = _run_with_stdin(
        server.portal.db,
        ["user", "add", "kythuat-tk", "--role", "it", "--unit", "DNG-TK"],
        PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    yield server
    server.stop()


@pytest.fixture(scope="module")
def tablets(dash):
    """Tablets in every state: busy with an error, silent for two hours, never heard from,
    one at another unit."""
    made = {
        "busy": enrol(dash, "DNG-HC", "Q1"),
        "silent": enrol(dash, "DNG-HC", "Q2"),
        "new": enrol(dash, "DNG-HC", "Q2"),
        "other": enrol(dash, "DNG-TK", "Q1"),
    }
    waiting = (datetime.now(timezone.utc) - timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M:%SZ")
    busy = beat(
        app_version="1.4.2",
        outbox_depth=1234,
        oldest_undelivered=waiting,
        free_disk_bytes=1_234_567_890,
        last_error=ERROR,
        set_aside=3,
        set_aside_reasons={"rejected: too_large": 2, "rejected: bad_answer": 1},
    )
    assert signed_post(dash, made["busy"], "/api/v1/heartbeat", busy).status_code == 200
    for name in ("silent", "other"):
        reply = signed_post(dash, made[name], "/api/v1/heartbeat", beat(app_version="1.3.0"))
        assert reply.status_code == 200, reply.text
    long_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=2, minutes=5)
    execute(
        dash,
        "UPDATE heartbeats SET received_at = :at WHERE device_id = :id",
        at=long_ago,
        id=made["silent"]["device_id"],
    )
    execute(
        dash,
        "UPDATE devices SET last_seen_at = :at WHERE id = :id",
        at=long_ago,
        id=made["silent"]["device_id"],
    )
    return made


def test_a_heartbeat_shows_with_its_values(dash, tablets):
    html = dash.signed_in("it").get(dash.url + PAGE, timeout=30).text
    busy = tablets["busy"]["device_id"]
    row = row_of(html, busy)
    (received,) = execute(
        dash, "SELECT received_at FROM heartbeats WHERE device_id = :id", id=busy
    )[0]
    said = words(row)
    if isinstance(received, str):  # SQLite gives its text
        received = datetime.fromisoformat(received)
    assert shown_time(received) in said  # Vietnam's time
    assert re.search(r"(vừa xong|\d+ phút trước)", said), said
    assert "1.4.2" in said and "1.234" in said and "1,2 GB" in said
    assert re.search(r"cũ nhất: \d\d:\d\d \d\d/\d\d/\d{4} \(2[01] phút trước\)", said), said
    assert "3 phiếu" in said
    assert re.search(r"rejected: too_large ?: 2 rejected: bad_answer ?: 1", said), said
    assert "<script>" not in row and "&lt;script&gt;" in row  # the tablet's words, escaped
    assert "không kết nối được cổng" in said
    assert "Đang hoạt động" in said and "stands-out" not in row
    assert "DNG-HC" in said and "Quầy Q1" in said


def test_a_silent_tablet_stands_out_in_words(dash, tablets):
    html = dash.signed_in("it").get(dash.url + PAGE, timeout=30).text
    silent = row_of(html, tablets["silent"]["device_id"])
    assert 'class="stands-out"' in silent
    assert re.search(r"Im lặng 2 giờ [56] phút", words(silent)), words(silent)
    new = row_of(html, tablets["new"]["device_id"])
    assert "Chưa gửi tín hiệu lần nào" in words(new) and "stands-out" not in new
    assert "1 máy im lặng trong giờ làm việc" in words(html)
    # the silent tablet comes first: what needs doing is read first
    assert html.index(tablets["silent"]["device_id"]) < html.index(tablets["busy"]["device_id"])
    assert "trong giờ làm việc" in words(html) and "00:00–23:59, Thứ Hai – Chủ nhật" in html


def test_the_page_filters_by_unit_and_shows_only_the_units_given(dash, tablets):
    it = dash.signed_in("it")
    only_tk = it.get(dash.url + PAGE, params={"unit": "DNG-TK"}, timeout=30).text
    assert tablets["other"]["device_id"] in only_tk
    assert tablets["busy"]["device_id"] not in only_tk
    none = it.get(dash.url + PAGE, params={"unit": "DNG-XX"}, timeout=30)
    assert none.status_code == 200
    assert "Đơn vị DNG-XX không có máy tính bảng nào đang dùng." in words(none.text)
    province = dash.signed_in("province").get(dash.url + PAGE, timeout=30)
    assert province.status_code == 200 and tablets["busy"]["device_id"] in province.text

    limited = requests.Session()
    signed = limited.post(
        dash.url + "/quan-tri/dang-nhap",
        data={"name": "kythuat-tk", "password": PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    assert signed.status_code == 303
    mine = limited.get(dash.url + PAGE, timeout=30).text
    assert tablets["other"]["device_id"] in mine and tablets["busy"]["device_id"] not in mine
    assert limited.get(dash.url + PAGE, params={"unit": "DNG-HC"}, timeout=30).status_code == 404
    elsewhere = f"{PAGE}/{tablets['busy']['device_id']}/thu-hoi"
    refused = limited.get(dash.url + elsewhere, timeout=30)
    assert refused.status_code == 404 and "Không tìm thấy thiết bị" in refused.text


def test_only_it_and_the_province_open_the_page(dash, tablets):
    confirm = f"{PAGE}/{tablets['busy']['device_id']}/thu-hoi"
    for role in ("unit_head", "verifier"):
        session = dash.signed_in(role)
        assert session.get(dash.url + PAGE, timeout=30).status_code == 403, role
        assert session.get(dash.url + confirm, timeout=30).status_code == 403, role
        page = session.get(dash.url + "/quan-tri/ket-qua", timeout=30).text
        token = csrf_of(page) if 'name="csrf"' in page else "x"
        posted = session.post(dash.url + confirm, data={"csrf": token}, timeout=30)
        assert posted.status_code == 403, role
    for path in (PAGE, confirm):
        reply = requests.get(dash.url + path, allow_redirects=False, timeout=30)
        assert reply.status_code == 303, path
        assert reply.headers["location"].startswith("/quan-tri/dang-nhap?next=")
    anonymous = requests.post(dash.url + confirm, data={"csrf": "x"}, allow_redirects=False)
    assert anonymous.status_code == 303
    assert execute(dash, "SELECT revoked_at FROM devices WHERE id = :id", id=tablets["busy"][
        "device_id"
    ]) == [(None,)]  # fmt: skip


def test_revoking_asks_first_is_audited_and_the_tablet_is_refused(dash):
    tablet = enrol(dash, "DNG-LC", "Q1")
    device_id = tablet["device_id"]
    assert signed_post(dash, tablet, "/api/v1/heartbeat", beat()).status_code == 200
    it = dash.signed_in("it")
    confirm = dash.url + f"{PAGE}/{device_id}/thu-hoi"

    asked = it.get(confirm, timeout=30)
    said = words(asked.text)
    assert asked.status_code == 200
    assert "không gửi được phiếu và tín hiệu về cổng nữa" in said and "đăng ký lại" in said
    without = it.post(confirm, data={}, timeout=30)
    wrong = it.post(confirm, data={"csrf": "not-the-token"}, timeout=30)
    assert (without.status_code, wrong.status_code) == (403, 403)
    assert signed_post(dash, tablet, "/api/v1/heartbeat", beat()).status_code == 200

    done = it.post(confirm, data={"csrf": csrf_of(asked.text)}, allow_redirects=False)
    assert done.status_code == 303 and done.headers["location"] == f"{PAGE}?revoked={device_id}"
    listed = it.get(dash.url + done.headers["location"], timeout=30).text
    assert f"Đã thu hồi thiết bị {device_id}" in words(listed)
    row = row_of(listed, device_id)
    assert 'class="revoked"' in row and "Đã thu hồi lúc" in words(row)
    assert listed.index("Máy đã thu hồi") < listed.index(f'id="may-{device_id}"')
    events = execute(
        dash,
        "SELECT user_name, unit_code, detail, address FROM dashboard_events "
        "WHERE action = 'device_revoked'",
    )
    assert ("kythuat", "DNG-LC", device_id, "127.0.0.1") in events

    heartbeat = signed_post(dash, tablet, "/api/v1/heartbeat", beat())
    batch = signed_post(dash, tablet, "/api/v1/batches", {"batch_id": "b", "answers": []})
    assert heartbeat.status_code == 401 and heartbeat.json()["error"]["code"] == "bad_signature"
    assert batch.status_code == 401

    again = it.post(confirm, data={"csrf": csrf_of(asked.text)}, timeout=30)
    assert again.status_code == 409 and "đã được thu hồi lúc" in words(again.text)
    assert it.get(confirm, timeout=30).status_code == 409
    unknown = it.post(
        dash.url + f"{PAGE}/kiosk-000000000000/thu-hoi", data={"csrf": csrf_of(asked.text)}
    )
    assert unknown.status_code == 404
    assert "Không có thiết bị kiosk-000000000000 trong các máy tính bảng bạn quản lý" in words(
        unknown.text
    )
    assert len(execute(dash, "SELECT id FROM dashboard_events WHERE action = 'device_revoked' "
                             "AND detail = :id", id=device_id)) == 1  # fmt: skip


# --- the hours, with a fixed clock ------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path):
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    yield engine
    engine.dispose()


def heard_at(engine, device_id: str, moment: datetime) -> None:
    with engine.begin() as connection:
        connection.execute(
            text("UPDATE devices SET last_seen_at = :at, created_at = :at WHERE id = :id"),
            {"at": moment, "id": device_id},
        )


def state_at(engine, config: DashboardConfig, now: datetime) -> tuple[str, bool]:
    (row,) = device_health(engine, config, now, lambda unit: True).active
    return row.state, row.stands_out


def test_a_tablet_silent_outside_opening_hours_raises_no_alarm(store):
    device = add_device(store, "DNG-HC", "Q1", "http://127.0.0.1").device_id
    office = DashboardConfig(device_silent_minutes=60)  # 07:30–17:00, Monday to Friday
    # Tuesday 11 March 2025, 10:00 in Vietnam is 03:00 UTC; silent since 07:55
    tuesday = datetime(2025, 3, 11, 3, 0)
    heard_at(store, device, tuesday - timedelta(hours=2, minutes=5))
    assert state_at(store, office, tuesday) == ("Im lặng 2 giờ 5 phút", True)
    # the same silence on a Saturday: shown, without alarm
    saturday = datetime(2025, 3, 15, 3, 0)
    heard_at(store, device, saturday - timedelta(hours=2, minutes=5))
    assert state_at(store, office, saturday) == ("Im lặng 2 giờ 5 phút – ngoài giờ làm việc", False)
    # Monday 07:40 after a tablet last heard on Friday at 17:00: ten minutes of opening time
    monday = datetime(2025, 3, 17, 0, 40)
    heard_at(store, device, datetime(2025, 3, 14, 10, 0))
    state, stands_out = state_at(store, office, monday)
    assert not stands_out and state.startswith("Im lặng 2 ngày 14 giờ")
    assert state_at(store, office, monday + timedelta(hours=1))[1]  # 08:40: it stands out
    # a unit open on Saturdays is watched on Saturdays
    six_days = DashboardConfig(device_silent_minutes=60, opening_days=(1, 2, 3, 4, 5, 6))
    heard_at(store, device, saturday - timedelta(hours=2, minutes=5))
    assert state_at(store, six_days, saturday) == ("Im lặng 2 giờ 5 phút", True)
    # evening of a working day: no alarm
    evening = datetime(2025, 3, 11, 12, 0)  # 19:00 in Vietnam
    heard_at(store, device, evening - timedelta(hours=3))
    assert state_at(store, office, evening) == ("Im lặng 3 giờ – ngoài giờ làm việc", False)


def test_a_tablet_never_heard_from_says_so(store):
    device = add_device(store, "DNG-HC", "Q1", "http://127.0.0.1").device_id
    office = DashboardConfig(device_silent_minutes=60)
    tuesday = datetime(2025, 3, 11, 3, 0)
    with store.begin() as connection:
        connection.execute(
            text("UPDATE devices SET created_at = :at WHERE id = :id"),
            {"at": tuesday - timedelta(minutes=10), "id": device},
        )
    assert state_at(store, office, tuesday) == ("Chưa gửi tín hiệu lần nào", False)
    later = tuesday + timedelta(hours=3)
    assert state_at(store, office, later) == (
        "Chưa gửi tín hiệu lần nào (đăng ký 3 giờ 10 phút trước)",
        True,
    )


def test_opening_days_are_read_and_a_wrong_list_is_refused_with_its_line(tmp_path):
    from portal.dashboard.config import ConfigError, load_config

    good = tmp_path / "good.yaml"
    good.write_text('dashboard:\n  opening_hours: "07:00-11:30"\n  opening_days: [6, 1, 2]\n')
    read = load_config(good)
    assert read.opening_days == (1, 2, 6) and f"{read.opening:%H:%M}" == "07:00"
    assert load_config(None).opening_days == (1, 2, 3, 4, 5)
    for wrong in ("[0, 1]", "[1, 1]", "[]", "thứ hai", "[true]"):
        bad = tmp_path / "bad.yaml"
        bad.write_text(f"dashboard:\n  device_silent_minutes: 30\n  opening_days: {wrong}\n")
        with pytest.raises(ConfigError, match=r"bad.yaml:3: opening_days phải là danh sách"):
            load_config(bad)
