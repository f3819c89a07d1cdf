"""The kiosk's commands: demo data through the real flow, export without personal data."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys

from tests.conftest import ROOT


def kiosk(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )


def test_demo_data_then_export_jsonl_and_csv(tmp_path):
    data = str(tmp_path / "data")
    made = kiosk("demo-data", "--answers", "40", "--seed", "7", "--data-dir", data)
    assert made.returncode == 0, made.stderr
    assert "Đã tạo 40 câu trả lời mẫu" in made.stdout

    jsonl = kiosk("export", "--format", "jsonl", "--data-dir", data)
    records = [json.loads(line) for line in jsonl.stdout.splitlines()]
    assert len(records) == 40
    assert [r["sequence"] for r in records] == list(range(1, 41))
    assert {r["verdict"] for r in records} == {"satisfied", "not_satisfied"}
    for record in records:
        assert not {"phone", "citizen_id", "phone_hash", "citizen_id_hash"} & set(record)
        if record["verdict"] == "not_satisfied":
            assert record["answers"]["reasons"]["value"]

    out = tmp_path / "answers.csv"
    kiosk("export", "--format", "csv", "--data-dir", data, "--out", str(out))
    rows = list(csv.DictReader(io.StringIO(out.read_text(encoding="utf-8-sig"))))
    assert [r["Mã phiếu"] for r in rows] == [r["uuid"] for r in records]


def test_export_since_a_date_and_a_bad_date(tmp_path):
    data = str(tmp_path / "data")
    kiosk("demo-data", "--answers", "3", "--data-dir", data)
    later = kiosk("export", "--format", "jsonl", "--since", "2999-01-01", "--data-dir", data)
    assert later.returncode == 0 and later.stdout == ""
    bad = kiosk("export", "--since", "31/12/2025", "--data-dir", data)
    assert bad.returncode == 2
    assert "Ngày không hợp lệ: 31/12/2025" in bad.stderr


def test_commands_refuse_a_broken_config_with_its_problems(tmp_path):
    config = tmp_path / "config.yaml"
    config.write_text("unit: {code: X}\n", encoding="utf-8")
    result = kiosk("export", "--config", str(config), "--data-dir", str(tmp_path / "d"))
    assert result.returncode == 1
    assert f"{config}, dòng 1" in result.stderr


def test_unwritable_data_dir_is_a_message_not_a_traceback(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = kiosk("demo-data", "--answers", "1", "--data-dir", str(blocker / "data"))
    assert result.returncode == 1
    assert "Không mở được dữ liệu" in result.stderr
    assert "Traceback" not in result.stderr


def test_the_csv_export_is_for_excel_in_vietnamese_and_local_time(tmp_path):
    from datetime import datetime, timezone

    from kiosk.core import KioskCore

    data = tmp_path / "data"
    core = KioskCore.open(ROOT / "config.yaml", data)
    moment = datetime(2026, 11, 26, 6, 30, 5, tzinfo=timezone.utc)  # 13:30:05 in Đà Nẵng
    survey = core.new_survey("vi")
    survey.now = lambda: moment
    survey.submit_identification({"phone": "0912345678", "citizen_id": "079199123456"})
    survey.advance()
    survey.answer("verdict", "not_satisfied")
    survey.advance()
    survey.answer("reasons", ["progress", "other"], "Phải chờ lâu")
    survey.advance()
    core.save(survey.finish())
    core.engine.dispose()

    out = tmp_path / "answers.csv"
    done = kiosk("export", "--format", "csv", "--data-dir", str(data), "--out", str(out))
    assert done.returncode == 0, done.stderr
    raw = out.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"  # Excel reads UTF-8 only with its byte-order mark
    [row] = list(csv.DictReader(io.StringIO(raw[3:].decode("utf-8"))))
    assert list(row)[:3] == ["Số thứ tự", "Mã phiếu", "Mẫu phiếu"]
    assert row["Đánh giá"] == "Chưa hài lòng"
    assert not any(header.startswith("verdict —") for header in row)  # once, as "Đánh giá"
    reasons = "reasons — Vui lòng lựa chọn nội dung ông bà “Chưa Hài lòng”"
    assert row[reasons] == "Về tiến độ, kết quả giải quyết TTHC; Lý do khác"
    assert row["reasons — Lý do khác (ghi rõ)"] == "Phải chờ lâu"
    assert row["comment — Các ý kiến góp ý khác"] == ""  # not asked after "Chưa hài lòng"
    assert row["Hoàn thành lúc"] == "26/11/2026 13:30:05"  # the unit's time, not UTC
    assert row["Trạng thái"] == "Hoàn thành"
    text = raw.decode("utf-8")
    for secret in ("0912345678", "912345678", "079199123456", "199123456"):
        assert secret not in text
    jsonl = kiosk("export", "--format", "jsonl", "--data-dir", str(data))
    [record] = [json.loads(line) for line in jsonl.stdout.splitlines()]  # codes stay in JSONL
    assert record["answers"] == {
        "verdict": {"value": "not_satisfied", "other_text": ""},
        "reasons": {"value": ["progress", "other"], "other_text": "Phải chờ lâu"},
    }
    assert record["finished_at"] == "2026-11-26T06:30:05Z"
