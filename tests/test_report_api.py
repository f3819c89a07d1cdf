"""`GET /api/v1/reports` on the real portal over HTTP, and `portal report`, `quota`, `token`
as the processes people run: the same report both ways, nothing without a live token,
and every wrong option answered in words, never a traceback."""

from __future__ import annotations

import json

import pytest
import requests

from tests.portal_support import run, start_portal

pytestmark = pytest.mark.slow
PAPER = "tests/data/dak-song-2023-forms.csv"


@pytest.fixture(scope="module")
def portal(tmp_path_factory):
    folder = tmp_path_factory.mktemp("report-api")
    server = start_portal(f"sqlite:///{folder / 'portal.db'}", log=folder / "portal.log")
    server.log = folder / "portal.log"  # type: ignore[attr-defined]
    assert server.portal("counter", "add", "--unit", "DS", "MOTCUA").returncode == 0
    source = ("--source", "paper", "--file", PAPER)
    imported = server.portal("import", "--form", "sipas-dak-song-2023", "--unit", "DS", *source)
    assert imported.returncode == 0, imported.stderr
    yield server
    server.stop()


def token(portal, name: str) -> str:
    made = portal.portal("token", "add", name)
    assert made.returncode == 0, made.stderr
    assert "shown this once" in made.stderr
    return made.stdout.strip()


def get(portal, key: str | None, **params: object) -> requests.Response:
    headers = {"Authorization": f"Bearer {key}"} if key else {}
    return requests.get(f"{portal.url}/api/v1/reports", params=params, headers=headers, timeout=30)


def without_time(report: dict) -> dict:
    return {key: value for key, value in report.items() if key != "generated_at"}


def test_the_api_gives_the_commands_report_to_a_token_holder(portal):
    key = token(portal, "dashboard")
    asked = {"form": "sipas-dak-song-2023", "unit": "DS", "period": "2023"}
    answer = get(portal, key, **asked)
    assert answer.status_code == 200, answer.text
    printed = portal.portal(
        "report",
        "--form",
        "sipas-dak-song-2023",
        "--unit",
        "DS",
        "--period",
        "2023",
        "--format",
        "json",
    )
    assert printed.returncode == 0, printed.stderr
    assert without_time(answer.json()) == without_time(json.loads(printed.stdout))
    body = answer.json()
    assert body["answers"]["counted"] == 100 and body["checks"]["ok"] is True
    q9 = next(q for q in body["questions"] if q["id"] == "Q9.1")
    assert [c["count"] for c in q9["choices"]] == [30, 54, 14, 1, 1]


def test_no_report_without_a_live_token(portal):
    for key in (None, "khl_not-a-token", "x" * 300):
        refused = get(portal, key)
        assert refused.status_code == 401
        assert refused.json()["error"]["code"] == "bad_token"
    key = token(portal, "to-revoke")
    assert get(portal, key).status_code == 200
    assert portal.portal("token", "revoke", "to-revoke").returncode == 0
    assert get(portal, key).status_code == 401
    listed = portal.portal("token", "list").stdout
    assert "to-revoke" in listed and "revoked" in listed and key not in listed
    again = portal.portal("token", "add", "dashboard-2")
    assert again.returncode == 0
    assert portal.portal("token", "add", "dashboard-2").returncode == 2  # one live token a name
    rotated = token(portal, "to-revoke")  # a revoked name takes a new token
    assert get(portal, rotated).status_code == 200 and get(portal, key).status_code == 401
    for name in (["  "], ["--", "-x"], ["a" * 65]):
        assert portal.portal("token", "add", *name).returncode == 2
    # Without a token nothing else is looked at: no hint of what the query may hold.
    assert get(portal, None, comments="5000").status_code == 401
    # A token in the URL is refused, and the access log keeps it hidden.
    leaked = requests.get(f"{portal.url}/api/v1/reports?token={rotated}", timeout=30)
    assert leaked.status_code == 401
    assert rotated not in portal.log.read_text(encoding="utf-8", errors="replace")


def test_a_wrong_question_is_answered_in_words(portal):
    key = token(portal, "wrong-questions")
    for params, words in (
        ({"period": "2026-13"}, "Không đọc được kỳ báo cáo"),
        ({"from": "31/02/2026"}, "không đọc được ngày"),
        ({"from": "2026-11-30", "to": "2026-11-01"}, "trước --from"),
        ({"form": "no-such-form"}, "không biết mẫu phiếu"),
        ({"channel": "fax"}, "Kênh không có"),
        ({"comments": "-1"}, "comments"),
        ({"period": "0000"}, "nằm ngoài 1900–2100"),
        ({"to": "0999-01-01"}, "nằm ngoài 1900–2100"),
        ({"period": "2023", "from": "2024-01-01"}, "không dùng cả hai"),
    ):
        refused = get(portal, key, **params)
        assert refused.status_code == 400, (params, refused.text)
        assert words in refused.json()["error"]["message"], refused.text


def test_the_command_refuses_in_vietnamese_and_writes_documents(portal, tmp_path):
    for argv, words in (
        (["--period", "2026-Q5"], "Không đọc được kỳ báo cáo"),
        (["--period", "2026", "--from", "2026-01-01"], "không dùng cả hai"),
        (["--form", "nope"], "không biết mẫu phiếu"),
        (["--format", "pdf"], "cần --out"),
    ):
        refused = portal.portal("report", *argv)
        assert refused.returncode == 2, refused.stdout
        assert words in refused.stderr and "Traceback" not in refused.stderr
    out = tmp_path / "ds.xlsx"
    made = portal.portal(
        "report", "--form", "sipas-dak-song-2023", "--format", "xlsx", "--out", str(out)
    )
    assert made.returncode == 0, made.stderr
    assert out.read_bytes()[:2] == b"PK"  # a zip: the workbook
    text = portal.portal("report", "--form", "sipas-dak-song-2023", "--period", "2023")
    assert "Số phiếu hợp lệ: 100" in text.stdout and text.stdout.rstrip().endswith("Số liệu khớp.")


def test_a_plans_quota_is_kept_and_reported(portal):
    added = portal.portal(
        "quota",
        "add",
        "--unit",
        "DS",
        "--period",
        "2023-H2",
        "--count",
        "120",
        "--label",
        "Kế hoạch 238/KH-UBND",
    )
    assert added.returncode == 0, added.stderr
    assert "6 tháng cuối năm 2023" in added.stdout
    assert "120 phiếu" in portal.portal("quota", "list").stdout
    bad = portal.portal("quota", "add", "--unit", "DS", "--count", "40")
    assert bad.returncode == 2 and "cần một kỳ" in bad.stderr
    printed = portal.portal(
        "report",
        "--form",
        "sipas-dak-song-2023",
        "--unit",
        "DS",
        "--period",
        "2023",
        "--format",
        "json",
        "--today",
        "2024-01-15",  # after the plan ended
    )
    (quota,) = [t for t in json.loads(printed.stdout)["targets"] if t["kind"] == "quota"]
    assert (quota["target"], quota["label"], quota["status"]) == (
        120,
        "Kế hoạch 238/KH-UBND",
        "ended_short",
    )
    assert quota["counted"] < 100  # only the forms of July to November
    flagged = run("-m", "portal", "check-table", "tests/data/dak-song-2023-published.csv")
    assert flagged.returncode == 1


def test_a_quota_given_wrong_is_refused_or_removed(portal):
    period = ("--period", "2023-Q4", "--count", "40")
    typo = portal.portal("quota", "add", "--unit", "DSX", *period)
    assert typo.returncode == 2 and "Cổng không biết đơn vị 'DSX'" in typo.stderr
    counter = portal.portal("quota", "add", "--unit", "DS", "--counter", "Q7", *period)
    assert counter.returncode == 2 and "không biết quầy 'Q7'" in counter.stderr
    added = portal.portal("quota", "add", "--unit", "ds", "--counter", "motcua", *period)
    assert added.returncode == 0, added.stderr
    assert "DS quầy MOTCUA" in added.stdout  # as the portal writes them
    twice = portal.portal("quota", "add", "--unit", "DS", "--counter", "MOTCUA", *period)
    assert twice.returncode == 2 and "đã có" in twice.stderr
    number = added.stdout.split("chỉ tiêu số ")[1].split(":")[0]
    assert portal.portal("quota", "remove", number).returncode == 0
    assert "MOTCUA" not in portal.portal("quota", "list").stdout
    assert portal.portal("quota", "remove", number).returncode == 2
    unknown = portal.portal("report", "--unit", "DSX")
    assert unknown.returncode == 2 and "các đơn vị đã biết: DS" in unknown.stderr


def test_more_reports_than_the_portal_makes_at_once_are_told_to_come_back():
    """Reports share the database with the tablets' batches: beyond REPORTS_AT_ONCE, 503."""
    import asyncio
    import threading

    from portal.api.replies import PortalError
    from portal.api.reports import REPORTS_AT_ONCE, _one_of_few

    release = threading.Event()

    def slow() -> dict:
        release.wait(10)
        return {"made": True}

    async def crowd() -> list[object]:
        running = [asyncio.create_task(_one_of_few(slow)) for _ in range(REPORTS_AT_ONCE)]
        await asyncio.sleep(0.2)  # they hold their places
        try:
            await _one_of_few(slow)
            refused: object = None
        except PortalError as busy:
            refused = (busy.status, busy.code, busy.retry_after)
        release.set()
        return [refused, *(await asyncio.gather(*running))]

    refused, *made = asyncio.run(crowd())
    assert refused == (503, "busy", 5)
    assert made == [{"made": True}] * REPORTS_AT_ONCE


def test_only_a_busy_database_is_called_busy():
    from sqlalchemy.exc import OperationalError

    from portal.api.replies import busy

    def error(message: str) -> OperationalError:
        return OperationalError("SELECT 1", {}, Exception(message))

    assert busy(error("database is locked"))
    assert busy(error("could not connect to server: Connection refused"))
    assert not busy(error("no such column: answers.follows"))
