"""The portal keeps the units' dossiers: a clerk's export imported whole or not at all, a
one-stop system's push with its own token and rate, a tablet's signed lookup, answers
checked against the dossiers (a made-up code flagged), and a report split by field and by
on time or late — against the real portal on loopback."""

from __future__ import annotations

import json
import time
import uuid
from datetime import datetime

import openpyxl
import pytest
import requests
from sqlalchemy import create_engine, text

from contract.signing import signed_headers
from portal.reports.checks import check_report
from tests.portal_support import Portal, start_portal
from tests.test_report_documents import pdf_text

pytestmark = pytest.mark.slow  # the real portal, as a process

UNIT, OTHER = "DNG-HC", "DNG-KHAC"
HEADER = ",".join(
    [
        "Mã hồ sơ",
        "Mã đơn vị",
        "Tên thủ tục",
        "Lĩnh vực",
        "Ngày tiếp nhận",
        "Ngày hẹn trả",
        "Ngày trả kết quả",
        "Trạng thái",
    ]
)
RETURNED, PROCESSING = "Đã trả kết quả", "Đang giải quyết"


def row(code: str, unit: str, procedure: str, field: str, *dates_and_status: str) -> str:
    return ",".join([code, unit, procedure, field, *dates_and_status])


BUILDING, BIRTH = ("Cấp giấy phép xây dựng", "Xây dựng"), ("Đăng ký khai sinh", "Hộ tịch")
ROWS = [
    # returned on time (appointment 20/11, returned 19/11)
    row(
        "H17-0001", UNIT, *BUILDING, "10/11/2026 08:00", "20/11/2026", "19/11/2026 15:00", RETURNED
    ),
    # returned late, 3 days after its appointment
    row("H17-0002", UNIT, *BIRTH, "02/11/2026 09:00", "05/11/2026", "08/11/2026 10:00", RETURNED),
    # still processing
    row(
        "H17-0003",
        UNIT,
        "Chứng thực bản sao",
        "Chứng thực",
        "24/11/2026 09:00",
        "30/12/2026",
        "",
        PROCESSING,
    ),
    # ready at the counter
    row(
        "H17-0004",
        UNIT,
        "Đăng ký kết hôn",
        "Hộ tịch",
        "20/11/2026 09:00",
        "25/11/2026",
        "",
        "Đã có kết quả",
    ),
    # another unit's
    row(
        "K-0001",
        OTHER,
        "Đổi giấy phép lái xe",
        "Giao thông",
        "01/11/2026",
        "10/11/2026",
        "09/11/2026",
        "returned",
    ),
]


@pytest.fixture(params=["sqlite", "postgresql"])
def portal(request, tmp_path):
    config = tmp_path / "portal.yaml"
    config.write_text(
        "dossiers:\n  pushes_per_minute: 4\n  columns: {code: 'Số biên nhận'}\n"
        "  statuses: {'Chờ thẩm định': processing}\n"
    )
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"dos_{uuid.uuid4().hex[:12]}")
    server = start_portal(url, options=("--config", str(config)))
    server.config = config  # type: ignore[attr-defined]
    yield server
    server.stop()


def _csv(tmp_path, rows: list[str], name: str = "hoso.csv"):
    path = tmp_path / name
    path.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return path


def _answer(device: dict, code: str | None, finished: str, verdict: str, reasons=()) -> dict:
    answers: dict = {"verdict": {"value": verdict, "other_text": ""}}
    if reasons:
        answers["reasons"] = {"value": list(reasons), "other_text": ""}
    return {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": UNIT,
        "counter": "Q1",
        "device_id": device["device_id"],
        "officer": "cb01",
        "started_at": finished,
        "finished_at": finished,
        "duration_ms": 60000,
        "id_method": "typed" if code else "none",
        "status": "complete",
        "verdict": verdict,
        "reasons": list(reasons),
        "comment": "",
        "answers": answers,
        "language": "vi",
        "dossier_code": code,
        "phone_hash": None,
        "citizen_id_hash": None,
        "personal_sealed": None,
        "flags": [],
        "channel": "kiosk",
    }


def _signed(server: Portal, device: dict, path: str, body: dict) -> requests.Response:
    raw = json.dumps(body).encode()
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", path, int(time.time()), raw
    )
    headers["Content-Type"] = "application/json"
    return requests.post(server.url + path, data=raw, headers=headers, timeout=30)


def _deliver(server: Portal, device: dict, answers: list[dict]) -> None:
    reply = _signed(
        server, device, "/api/v1/batches", {"batch_id": str(uuid.uuid4()), "answers": answers}
    )
    assert reply.status_code == 201, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["stored"] * len(answers)


def _flags(server: Portal) -> dict[str | None, str]:
    engine = create_engine(server.db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT dossier_code, flags FROM answers"))
            return {code: flags for code, flags in rows}
    finally:
        engine.dispose()


def _dossier_rows(server: Portal) -> list[tuple]:
    engine = create_engine(server.db)
    try:
        with engine.connect() as connection:
            query = text("SELECT unit_code, code, status, returned_at FROM dossiers ORDER BY code")
            return [tuple(row) for row in connection.execute(query)]
    finally:
        engine.dispose()


# --- the import ------------------------------------------------------------------------
def test_an_export_is_imported_in_its_own_words_and_a_later_one_moves_dossiers_on(portal, tmp_path):
    made = portal.portal("dossiers", "import", str(_csv(tmp_path, ROWS)))
    assert made.returncode == 0, made.stderr
    assert "Đã nhập 5 hồ sơ" in made.stdout and "5 mới" in made.stdout
    assert "DNG-KHAC (1 hồ sơ) chưa có máy tính bảng" in made.stdout  # told, not refused
    stored = _dossier_rows(portal)
    assert [row[1] for row in stored] == ["H17-0001", "H17-0002", "H17-0003", "H17-0004", "K-0001"]
    assert stored[2][2] == "processing" and stored[2][3] is None
    # The next day's export: H17-0003 returned; the rest as they were.
    returned = ROWS[2].replace(",,Đang giải quyết", ",26/11/2026 10:00,Đã trả kết quả")
    later = [*ROWS[:2], returned, *ROWS[3:]]
    again = portal.portal("dossiers", "import", str(_csv(tmp_path, later, "hoso2.csv")))
    assert again.returncode == 0, again.stderr
    assert "1 cập nhật, 4 không đổi" in again.stdout
    status, returned = _dossier_rows(portal)[2][2:]
    assert (status, str(returned)[:16]) == ("returned", "2026-11-26 10:00")
    listed = portal.portal("dossiers", "list")
    assert "DNG-HC: 4 hồ sơ" in listed.stdout and "đã trả 3" in listed.stdout


def test_a_file_with_any_row_in_error_keeps_nothing_and_names_each_row_and_column(portal, tmp_path):
    bad = [
        ROWS[0],
        "H17-0009,DNG-HC,Đăng ký khai sinh,Hộ tịch,02/11/2026 09:00,32/11/2026,,Đang giải quyết",
        "H17-0010,DNG-HC,Đăng ký khai sinh,Hộ tịch,02/11/2026 09:00,05/11/2026,,Lưu tạm",
        ",DNG-HC,Đăng ký khai sinh,Hộ tịch,02/11/2026 09:00,05/11/2026,,",
        ROWS[0],  # the same dossier twice
    ]
    made = portal.portal("dossiers", "import", str(_csv(tmp_path, bad)))
    assert made.returncode == 2
    assert "Không nhập hồ sơ nào: 4 lỗi" in made.stderr
    assert "Dòng 3, cột F (Ngày hẹn trả): “32/11/2026” không phải ngày" in made.stderr
    assert "Dòng 4, cột H (Trạng thái): “Lưu tạm” không rõ" in made.stderr
    assert "Dòng 5, cột A (Mã hồ sơ): trống, cần có" in made.stderr
    assert "Dòng 6, cột A (Mã hồ sơ): hồ sơ H17-0001 đã có ở dòng 2" in made.stderr
    assert _dossier_rows(portal) == []


def test_a_file_without_a_needed_column_says_what_it_has(portal, tmp_path):
    path = tmp_path / "thieu.csv"
    path.write_text("Mã hồ sơ,Tên thủ tục\nH17-1,Đăng ký khai sinh\n", encoding="utf-8")
    made = portal.portal("dossiers", "import", str(path))
    assert made.returncode == 2
    assert "thiếu cột “Mã đơn vị” (unit)" in made.stderr
    assert "Dòng 1 có: “Mã hồ sơ”, “Tên thủ tục”" in made.stderr


def test_a_workbook_with_the_softwares_own_headings_mapped_in_portal_yaml(portal, tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        [
            "Số biên nhận",
            "Mã đơn vị",
            "Thủ tục",
            "Lĩnh vực",
            "Ngày tiếp nhận",
            "Ngày hẹn trả",
            "Ngày trả kết quả",
        ]
    )
    sheet.append(
        [
            "H17-0100",
            UNIT,
            "Cấp phép",
            "Xây dựng",
            datetime(2026, 11, 2, 8),
            datetime(2026, 11, 9),
            datetime(2026, 11, 9, 16),
        ]
    )
    sheet.append(
        [
            "H17-0101",
            UNIT,
            "Cấp phép",
            "Xây dựng",
            datetime(2026, 11, 2, 8),
            datetime(2026, 11, 9),
            None,
        ]
    )
    path = tmp_path / "hoso.xlsx"
    book.save(path)
    unmapped = portal.portal("dossiers", "import", str(path))
    assert unmapped.returncode == 2 and "thiếu cột “Mã hồ sơ” (code)" in unmapped.stderr
    made = portal.portal("dossiers", "import", str(path), "--config", str(portal.config))
    assert made.returncode == 0, made.stderr
    rows = _dossier_rows(portal)
    assert [(r[1], r[2]) for r in rows] == [("H17-0100", "returned"), ("H17-0101", "processing")]


def test_the_softwares_words_dates_and_invisible_characters_are_read(portal, tmp_path):
    rows = [
        row("H17-0201", UNIT, *BIRTH, "2026/11/02 08:00", "20.11.2026", "", "Chờ bổ sung"),
        row("H17-0202", UNIT, *BIRTH, "46328", "46346", "46340", "Da tra ket qua"),  # Excel days
        row("H17-0203", UNIT, *BIRTH, "02/11/2026", "20/11/2026", "", "Đã rút hồ sơ"),
        row("H17-0204", UNIT, *BIRTH, "02/11/2026", "20/11/2026", "", "Chờ thẩm định"),
        row("H17-0205\u200b", UNIT, *BIRTH, "2026-11-02T08:30", "20/11/2026", "", PROCESSING),
    ]
    path = _csv(tmp_path, rows)
    unmapped = portal.portal("dossiers", "import", str(path))
    assert unmapped.returncode == 2  # "Chờ thẩm định" is this province's own word
    assert "“Chờ thẩm định” không rõ" in unmapped.stderr and "dossiers.statuses" in unmapped.stderr
    made = portal.portal("dossiers", "import", str(path), "--config", str(portal.config))
    assert made.returncode == 0, made.stderr
    assert "Đã nhập 4 hồ sơ" in made.stdout
    assert "1 hồ sơ đã rút, bị từ chối hoặc bị hủy: không nhập" in made.stdout
    stored = {code: (status, str(back)[:10]) for _, code, status, back in _dossier_rows(portal)}
    assert stored == {
        "H17-0201": ("processing", "None"),
        "H17-0202": ("returned", "2026-11-14"),
        "H17-0204": ("processing", "None"),
        "H17-0205": ("processing", "None"),  # the zero-width space is not part of the code
    }


def test_an_empty_file_is_told_in_a_clerks_words(portal, tmp_path):
    empty = tmp_path / "trong.csv"
    empty.write_text("", encoding="utf-8")
    made = portal.portal("dossiers", "import", str(empty))
    assert made.returncode == 2 and "không có bảng hồ sơ" in made.stderr
    assert "form_no" not in made.stderr  # the paper forms' words are not for dossiers
    header_only = _csv(tmp_path, [], "chi-tieu-de.csv")
    made = portal.portal("dossiers", "import", str(header_only))
    assert made.returncode == 2 and "chỉ có dòng tiêu đề" in made.stderr


# --- the push ---------------------------------------------------------------------------
def _push(server: Portal, token: str | None, dossiers: list[dict]) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.post(
        server.url + "/api/v1/dossiers", json={"dossiers": dossiers}, headers=headers, timeout=30
    )


PUSHED = {
    "code": "H17-0500",
    "unit": UNIT,
    "procedure": "Đăng ký thường trú",
    "field": "Cư trú",
    "received": "2026-11-02 08:00",
    "appointment": "2026-11-09",
    "returned": "2026-11-09 10:00",
    "status": "returned",
}


def test_a_one_stop_system_pushes_with_its_own_token_within_its_rate(portal):
    reports = portal.portal("token", "add", "bao-cao")
    one_stop = portal.portal("token", "add", "mot-cua", "--for", "dossiers")
    assert reports.returncode == one_stop.returncode == 0
    reports_token, token = reports.stdout.strip(), one_stop.stdout.strip()
    assert _push(portal, None, [PUSHED]).status_code == 401
    as_text = requests.post(
        portal.url + "/api/v1/dossiers",
        data=json.dumps({"dossiers": [PUSHED]}),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "text/plain"},
        timeout=30,
    )
    assert as_text.status_code == 415 and as_text.json()["error"]["code"] == "not_json"
    refused = _push(portal, reports_token, [PUSHED])  # a reports token opens no dossiers
    assert refused.status_code == 401 and refused.json()["error"]["code"] == "bad_token"
    assert (
        requests.get(
            portal.url + "/api/v1/reports", headers={"Authorization": f"Bearer {token}"}, timeout=30
        ).status_code
        == 401
    )  # nor the other way round
    wrong = _push(portal, token, [PUSHED, PUSHED | {"code": "H17-0501", "appointment": "hôm qua"}])
    assert wrong.status_code == 400
    assert "dossiers.1.appointment" in wrong.json()["error"]["message"]
    assert _dossier_rows(portal) == []  # all or nothing
    kept = _push(portal, token, [PUSHED])
    assert kept.status_code == 200, kept.text
    assert kept.json()["added"] == 1
    again = _push(portal, token, [PUSHED])  # the same again: nothing changes
    assert (again.json()["added"], again.json()["unchanged"]) == (0, 1)
    limited = _push(portal, token, [PUSHED])  # a fifth push within the minute, limit 4
    assert limited.status_code == 429 and int(limited.headers["Retry-After"]) > 0
    assert limited.json()["error"]["code"] == "rate_limited"
    openapi = json.loads(portal.portal("openapi").stdout)
    assert {"/api/v1/dossiers", "/api/v1/dossiers/lookup"} <= set(openapi["paths"])


def test_a_huge_push_is_refused_before_it_is_read(portal):
    token = portal.portal("token", "add", "mot-cua", "--for", "dossiers").stdout.strip()
    nul = _push(portal, token, [PUSHED | {"procedure": "Đăng ký\x00thường trú"}])
    assert nul.status_code == 400 and "dossiers.0.procedure" in nul.json()["error"]["message"]
    many = [PUSHED | {"code": f"H17-{n}"} for n in range(1001)]
    assert _push(portal, token, many).status_code == 413
    huge = requests.post(
        portal.url + "/api/v1/dossiers",
        data=b"x" * (3 * 1024 * 1024),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    assert huge.status_code == 413
    assert _dossier_rows(portal) == []


# --- a tablet's lookup --------------------------------------------------------------------
def test_a_tablet_looks_up_its_units_dossiers_only_signed(portal, tmp_path):
    device = portal.enrol(tmp_path / "kiosk")
    before = _signed(portal, device, "/api/v1/dossiers/lookup", {"code": "H17-0001"}).json()
    assert before == {"found": False, "kept": False}  # no dossier of the unit kept yet
    assert portal.portal("dossiers", "import", str(_csv(tmp_path, ROWS))).returncode == 0
    apology = "Đơn vị thành thật xin lỗi ông/bà vì hồ sơ trả chậm."
    assert portal.portal("unit", UNIT, "--apology", apology).returncode == 0
    path = "/api/v1/dossiers/lookup"
    late = _signed(portal, device, path, {"code": "h17-0002"}).json()  # as typed, any case
    assert late["found"] and late["status"] == "returned" and late["late"]
    assert late["delay_days"] == 3 and late["apology"] == apology
    assert late["procedure"] == "Đăng ký khai sinh" and late["received_at"] == "2026-11-02T09:00"
    on_time = _signed(portal, device, path, {"code": "H17-0001"}).json()
    assert on_time["late"] is False and on_time["apology"] == ""
    assert _signed(portal, device, path, {"code": "K-0001"}).json() == {"found": False}
    assert _signed(portal, device, path, {"code": "H17-9999"}).json() == {"found": False}
    unsigned = requests.post(portal.url + path, json={"code": "H17-0001"}, timeout=30)
    assert unsigned.status_code == 401
    # A tablet listing its unit's dossiers is slowed down: 30 lookups a minute.
    replies = [_signed(portal, device, path, {"code": f"H17-{n:04d}"}) for n in range(30)]
    assert 429 in [reply.status_code for reply in replies]
    limited = next(reply for reply in replies if reply.status_code == 429)
    assert limited.json()["error"]["code"] == "rate_limited" and limited.headers["Retry-After"]


# --- answers checked against dossiers ------------------------------------------------------
def test_a_made_up_code_is_flagged_and_a_dossier_arriving_later_clears_it(portal, tmp_path):
    device = portal.enrol(tmp_path / "kiosk")
    before = [
        _answer(device, "H17-0001", "2026-11-19T09:00:00.000Z", "satisfied"),
        _answer(device, "BIA-0001", "2026-11-19T09:05:00.000Z", "satisfied"),
    ]
    _deliver(portal, device, before)
    assert set(_flags(portal).values()) == {""}  # no dossier kept yet: nothing to check
    made = portal.portal("dossiers", "import", str(_csv(tmp_path, ROWS)))
    assert made.returncode == 0, made.stderr
    # Given before the unit's dossiers were kept: its dossier may never have been imported,
    # so a code not found says nothing (last year's answers are not struck out).
    assert _flags(portal) == {"H17-0001": "", "BIA-0001": ""}
    assert "Đối chiếu" not in made.stdout
    # The province says the unit's dossiers are complete since 1 November: now it is checked.
    checked = portal.portal("unit", UNIT, "--dossiers-from", "2026-11-01")
    assert checked.returncode == 0, checked.stderr
    assert "dossiers kept from 2026-11-01" in checked.stdout
    assert _flags(portal) == {"H17-0001": "", "BIA-0001": "dossier_unknown"}
    _deliver(
        portal,
        device,
        [
            _answer(device, "H17-0003", "2026-11-25T02:00:00.000Z", "satisfied"),  # processing
            _answer(device, "H17-0002", "2027-01-20T02:00:00.000Z", "satisfied"),  # two months on
            _answer(device, None, "2026-11-25T02:10:00.000Z", "satisfied"),
        ],
    )
    flags = _flags(portal)
    assert flags["H17-0003"] == "dossier_not_returned"
    assert flags["H17-0002"] == "dossier_rated_late"
    assert flags[None] == ""
    # The dossier the citizen named turns up in the next export: the answer counts.
    late_row = row(
        "BIA-0001", UNIT, *BIRTH, "10/11/2026 08:00", "20/11/2026", "18/11/2026", RETURNED
    )
    made = portal.portal("dossiers", "import", str(_csv(tmp_path, [late_row], "h3.csv")))
    assert "0 phiếu bị gắn cờ" in made.stdout and "1 phiếu được gỡ cờ" in made.stdout
    assert _flags(portal)["BIA-0001"] == ""
    report = json.loads(
        portal.portal("report", "--unit", UNIT, "--period", "2026", "--format", "json").stdout
    )
    assert report["answers"]["flagged"] == 1  # H17-0003 (H17-0002's rating is in 2027)
    assert report["answers"]["flagged_by"]["dossier_not_returned"] == 1


def test_the_report_reads_answers_by_field_and_on_time_or_late(portal, tmp_path):
    device = portal.enrol(tmp_path / "kiosk")
    more = [
        *ROWS,
        row("H17-0005", UNIT, *BUILDING, "01/11/2026", "05/11/2026", "10/11/2026 08:00", RETURNED),
        row("H17-0006", UNIT, *BIRTH, "02/11/2026", "05/11/2026", "05/11/2026 10:00", RETURNED),
    ]
    assert portal.portal("dossiers", "import", str(_csv(tmp_path, more))).returncode == 0
    _deliver(
        portal,
        device,
        [
            _answer(device, "H17-0001", "2026-11-19T09:00:00.000Z", "satisfied"),  # on time
            _answer(device, "H17-0006", "2026-11-05T04:00:00.000Z", "satisfied"),  # on time
            _answer(device, "H17-0002", "2026-11-08T04:00:00.000Z", "not_satisfied", ["progress"]),
            _answer(
                device,
                "H17-0005",
                "2026-11-10T02:00:00.000Z",
                "not_satisfied",
                ["progress", "staff_attitude"],
            ),
            _answer(device, None, "2026-11-10T03:00:00.000Z", "satisfied"),
        ],
    )
    made = portal.portal("report", "--unit", UNIT, "--period", "2026-11", "--format", "json")
    assert made.returncode == 0, made.stderr
    report = json.loads(made.stdout)
    assert report["checks"] == {"ok": True, "problems": []}
    section = report["dossiers"]
    assert (section["matched"], section["unmatched"]) == (4, 1)
    fields = {row["field"]: row for row in section["by_field"]}
    assert (fields["Xây dựng"]["answers"], fields["Xây dựng"]["percent"]) == (2, 50.0)
    assert (fields["Hộ tịch"]["answers"], fields["Hộ tịch"]["percent"]) == (2, 50.0)
    on_time, late = section["timeliness"]
    assert (on_time["answers"], on_time["percent"]) == (2, 100.0)
    assert (late["answers"], late["satisfied"], late["percent"]) == (2, 0, 0.0)
    assert late["mean_delay_days"] == 4.0 and late["max_delay_days"] == 5.0  # 3 and 5 days
    reasons = {row["id"]: row for row in section["reasons_by_timeliness"]}
    assert (reasons["progress"]["on_time"], reasons["progress"]["late"]) == (0, 2)
    assert reasons["progress"]["percent_late"] == 100.0
    text_report = portal.portal("report", "--unit", UNIT, "--period", "2026-11")
    assert "Trễ hẹn: 2 phiếu, hài lòng 0 — MĐHL 0,00%, trễ trung bình 4 ngày" in text_report.stdout
    assert "Số liệu khớp." in text_report.stdout
    book = tmp_path / "bao-cao.xlsx"
    written = portal.portal(
        "report", "--unit", UNIT, "--period", "2026-11", "--format", "xlsx", "--out", str(book)
    )
    assert written.returncode == 0, written.stderr
    sheet = openpyxl.load_workbook(book)["Theo hồ sơ"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert ["Hạn trả", "Trễ hẹn", 2, 0, 2, 0.0, 4.0, 5.0] in rows
    assert ["Lĩnh vực", "Xây dựng", 2, 1, 1, 50.0, None, None] in rows
    pdf = tmp_path / "bao-cao.pdf"
    printed = portal.portal(
        "report", "--unit", UNIT, "--period", "2026-11", "--format", "pdf", "--out", str(pdf)
    )
    assert printed.returncode == 0, printed.stderr
    pdf_words = " ".join(pdf_text(pdf).split())
    assert "Theo hồ sơ: lĩnh vực, đúng hẹn và trễ hẹn" in pdf_words
    assert "Trễ hẹn 2 0 2 0,00% 4 ngày" in pdf_words
    # The section checks itself as the tables do: a field that does not add up is caught.
    section["by_field"][0]["answers"] += 1
    section["timeliness"][0]["percent"] = 90.0
    problems = check_report(report)
    assert any(p.startswith("Theo lĩnh vực: số phiếu cộng lại 5") for p in problems), problems
    assert any(
        "“Đúng hẹn”: 2 trên 2 phiếu là 100,00%, nhưng bảng ghi 90,00%" in p for p in problems
    )
