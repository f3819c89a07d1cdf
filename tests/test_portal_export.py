"""The portal's answers for analysts (`python -m portal export`): CSV with a column per
question as the kiosk's export heads them, or JSON lines with each answer's structure;
answers of every channel (a tablet's, sent signed over HTTP to the real portal, and a
clerk's paper forms), never any personal data, read in chunks."""

from __future__ import annotations

import csv
import io
import json
import time
import tracemalloc
import uuid
from datetime import datetime, timezone
from pathlib import Path

import pytest
import requests
from sqlalchemy import select
from sqlalchemy.orm import Session

from contract.signing import signed_headers
from kiosk.domain.forms import Question, load_form, localized
from portal.exports import Selection, write_jsonl
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn
from portal.store.engine import make_portal_engine
from portal.store.models import Answer
from tests.conftest import ROOT
from tests.portal_support import Portal, run, start_portal

pytestmark = pytest.mark.slow

SIPAS = load_form(ROOT / "assets" / "forms" / "sipas-dak-song-2023.yaml")
QUICK = load_form(ROOT / "assets" / "forms" / "danang-2223.yaml")
SAMPLE = ROOT / "tests" / "data" / "paper-sipas-dak-song.csv"
UNIT = "DAKSONG"
SEALED = "c2VhbGVkIHBlcnNvbmFsIGRhdGEgb2YgYSBjaXRpemVu"  # stands for a sealed box
ID_HASH = "b" * 32
NOW = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def kiosk_answer(device: dict, form_id: str, answers: dict, **changes) -> dict:
    """An answer as a tablet sends it, with personal data sealed and hashed."""
    body = {
        "uuid": str(uuid.uuid4()),
        "sequence": 7,
        "form_id": form_id,
        "form_version": 1,
        "unit_code": UNIT,
        "counter": "Q1",
        "device_id": device["device_id"],
        "officer": "cb01",
        "started_at": NOW,
        "finished_at": NOW,
        "duration_ms": 150000,
        "id_method": "typed",
        "status": "complete",
        "verdict": None,
        "reasons": [],
        "comment": "",
        "answers": {qid: {"value": v, "other_text": ""} for qid, v in answers.items()},
        "language": "vi",
        "dossier_code": "000.00.12.H17-231012-0001",
        "phone_hash": None,
        "citizen_id_hash": ID_HASH,
        "personal_sealed": SEALED,
        "flags": [],
        "channel": "kiosk",
    }
    return body | changes


def deliver(server: Portal, device: dict, answers: list[dict]) -> None:
    """POST a batch signed with the device's secret, as the sync daemon does."""
    path = "/api/v1/batches"
    raw = json.dumps({"batch_id": str(uuid.uuid4()), "answers": answers}).encode()
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", path, int(time.time()), raw
    )
    headers["Content-Type"] = "application/json"
    reply = requests.post(server.url + path, data=raw, headers=headers, timeout=30)
    assert reply.status_code == 201, reply.text
    assert [r["status"] for r in reply.json()["results"]] == ["stored"] * len(answers)


@pytest.fixture(scope="module")
def filled(tmp_path_factory) -> str:
    """A portal that received, from a tablet, a quick answer whose citizen was drawn and the
    long answer that follows it (with a text Excel would run), then a clerk's paper forms."""
    folder = tmp_path_factory.mktemp("export")
    db = f"sqlite:///{folder / 'portal.db'}"
    server = start_portal(db, log=folder / "portal.log")
    try:
        made = server.portal("device", "add", "--unit", UNIT, "--counter", "Q1")
        assert made.returncode == 0, made.stderr
        device = json.loads(made.stdout)
        quick = kiosk_answer(
            device,
            "danang-2223",
            {"verdict": "satisfied", "comment": '=HYPERLINK("http://x.example","Bấm")'},
            verdict="satisfied",
            comment='=HYPERLINK("http://x.example","Bấm")',
            drawn=True,
            flags=["too_soon"],
        )
        long_values = {q.id: "2" for q in SIPAS.questions if q.type == "scale"}
        long_values |= {"Q1": "1", "Q7": "3", "Q8": "2", "Q13": "1", "Q16": ["2", "7"], "Q18": "4"}
        for qid in ("Q2", "Q3", "Q4", "Q5", "Q6"):
            long_values[qid] = "1"
        long = kiosk_answer(
            device, "sipas-dak-song-2023", long_values, follows=quick["uuid"], reasons=["2", "7"]
        )
        deliver(server, device, [quick, long])
    finally:
        server.stop()
    argv = ["import", "--form", "sipas-dak-song-2023", "--unit", UNIT, "--source", "paper"]
    imported = run("-m", "portal", "--db", db, *argv, "--file", str(SAMPLE))
    assert imported.returncode == 0, imported.stderr
    return db


def export(db: str, *args: str):
    return run("-m", "portal", "--db", db, "export", *args)


def payloads(db: str) -> list[dict]:
    engine = make_portal_engine(db)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Answer.payload).order_by(Answer.id)))
    finally:
        engine.dispose()


def labels(question: Question, value: object) -> str:
    """How a person reads a stored value: the Vietnamese labels of the chosen choices."""
    values = value if isinstance(value, list) else [value]
    return "; ".join(localized(question.choice(v).label, "vi") for v in values)


def read_csv(text: str) -> list[dict]:
    assert text.startswith("\ufeff")
    return list(csv.DictReader(io.StringIO(text.removeprefix("\ufeff"))))


def test_the_csv_holds_kiosk_and_paper_answers_each_question_in_its_column(filled, tmp_path):
    out = tmp_path / "sipas.csv"
    done = export(filled, "--form", "sipas-dak-song-2023", "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == f"Đã xuất 6 câu trả lời vào {out}"
    rows = read_csv(out.read_text(encoding="utf-8"))
    stored = [p for p in payloads(filled) if p["form_id"] == "sipas-dak-song-2023"]
    assert len(rows) == len(stored) == 6

    for row, payload in zip(rows, stored, strict=True):
        assert row["Mã phiếu"] == payload["uuid"]
        for question in SIPAS.questions:
            heading = f"{question.id} — {localized(question.text, 'vi')}"
            given = payload["answers"].get(question.id)
            assert row[heading] == (labels(question, given["value"]) if given else ""), heading
        assert row["Câu hỏi ngoài mẫu phiếu hiện tại"] == ""

    kiosk, paper = rows[0], rows[1]
    assert (kiosk["Kênh"], kiosk["Mã máy"], kiosk["Quầy"]) == (
        "Máy tại quầy",
        stored[0]["device_id"],
        "Q1",
    )
    assert (kiosk["Cách định danh"], kiosk["Cán bộ trong ca"]) == ("Nhập trên máy", "cb01")
    assert kiosk["Q8 — " + localized(SIPAS.question("Q8").text, "vi")] == "Không"
    assert (paper["Kênh"], paper["Mã máy"], paper["Quầy"]) == ("Phiếu giấy", "paper", "")
    assert (paper["Số thứ tự"], paper["Mã đơn vị"], paper["Trạng thái"]) == (
        "1",
        UNIT,
        "Hoàn thành",
    )
    assert paper["Hoàn thành lúc"] == "12/10/2023 12:00:00"  # noon, Vietnam's time
    assert rows[-1]["Trạng thái"] == "Chưa hoàn thành"  # form 5 left Q16 blank on paper
    text = out.read_text(encoding="utf-8")
    assert SEALED not in text and ID_HASH not in text


def test_a_csv_for_an_excel_set_to_vietnamese_is_separated_by_semicolons(filled, tmp_path):
    """Vietnamese settings write decimals with a comma, so Excel's list separator is ';'
    there: it opens such a CSV by double-click into columns. The same cells either way."""
    commas = tmp_path / "commas.csv"
    semicolons = tmp_path / "semicolons.csv"
    form = ["--form", "sipas-dak-song-2023"]
    assert export(filled, *form, "--out", str(commas)).returncode == 0
    done = export(filled, *form, "--delimiter", ";", "--out", str(semicolons))
    assert done.returncode == 0, done.stderr
    text = semicolons.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    expected = list(
        csv.reader(io.StringIO(commas.read_text(encoding="utf-8").removeprefix("\ufeff")))
    )
    assert rows == expected and len(rows) > 1
    q16 = rows[0].index(next(h for h in rows[0] if h.startswith("Q16 — ")))
    several = next(row[q16] for row in rows[1:] if "; " in row[q16])  # labels joined by "; "
    assert f'"{several}"' in text  # a cell holding the separator is quoted
    # The paper forms' numbers are the answers' sequence: the analyst finds each form.
    paper = [row for row in rows[1:] if row[rows[0].index("Kênh")] == "Phiếu giấy"]
    assert [row[rows[0].index("Số thứ tự")] for row in paper] == ["1", "2", "3", "4", "5"]

    refused = export(filled, "--format", "jsonl", "--delimiter", ";")
    assert refused.returncode == 2 and refused.stdout == ""
    assert refused.stderr.strip() == (
        "--delimiter chỉ dùng cho tệp CSV (--format csv); tệp JSONL không có dấu phân cách cột"
    )


def test_the_jsonl_is_each_stored_answer_less_its_personal_data(filled):
    done = export(filled, "--format", "jsonl")
    assert done.returncode == 0, done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    stored = payloads(filled)
    assert len(lines) == len(stored) == 7
    for line, payload in zip(lines, stored, strict=True):
        assert line.pop("received_at").endswith("Z")
        private = {"personal_sealed", "phone_hash", "citizen_id_hash"}
        assert line == {k: v for k, v in payload.items() if k not in private}
    assert [line["channel"] for line in lines] == ["kiosk", "kiosk"] + ["paper"] * 5
    assert lines[1]["follows"] == lines[0]["uuid"] and lines[0]["drawn"] is True
    assert lines[1]["answers"]["Q16"] == {"value": ["2", "7"], "other_text": ""}
    assert SEALED not in done.stdout and ID_HASH not in done.stdout


def test_an_export_chooses_by_unit_form_and_channel(filled):
    def count(*args: str) -> int:
        done = export(filled, "--format", "jsonl", *args)
        assert done.returncode == 0, done.stderr
        return len(done.stdout.splitlines())

    assert count("--channel", "paper") == 5
    assert count("--channel", "kiosk", "--form", "sipas-dak-song-2023") == 1
    assert count("--form", "danang-2223") == 1
    assert count("--unit", UNIT) == 7
    assert count("--unit", "DNG-HC") == 0
    assert count("--channel", "web") == 0


def test_a_csv_holds_one_form_and_says_so_when_the_answers_have_several(filled):
    refused = export(filled)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        "Các câu trả lời thuộc nhiều mẫu phiếu (danang-2223, sipas-dak-song-2023): tệp CSV "
        "mỗi lần một mẫu, hãy chọn bằng --form (tệp JSONL chứa được tất cả)"
    )
    only_paper = export(filled, "--channel", "paper")  # one form among those: no need to say
    assert only_paper.returncode == 0, only_paper.stderr
    assert len(read_csv(only_paper.stdout)) == 5


def test_a_text_excel_would_run_stays_text_and_the_flags_are_shown(filled):
    done = export(filled, "--form", "danang-2223")
    assert done.returncode == 0, done.stderr
    [row] = read_csv(done.stdout)
    comment = "comment — " + localized(QUICK.question("comment").text, "vi")
    assert row[comment] == '\'=HYPERLINK("http://x.example","Bấm")'
    assert (row["Đánh giá"], row["Dấu hiệu cần xem lại"]) == ("Hài lòng", "too_soon")


def test_an_export_that_cannot_be_written_leaves_no_file(filled, tmp_path):
    folder = tmp_path / "exports"
    folder.mkdir()
    failed = export(filled, "--format", "jsonl", "--out", str(folder))
    assert failed.returncode == 1
    assert failed.stderr.strip() == (
        f"Không ghi được tệp xuất {folder}: Is a directory (không để lại tệp ghi dở nào)"
    )
    assert list(tmp_path.iterdir()) == [folder] and list(folder.iterdir()) == []


def paper_answers(count: int) -> list[AnswerIn]:
    """`count` answers of the long form from a clerk, each as a real import makes them."""
    values = {q.id: {"value": "1", "other_text": ""} for q in SIPAS.questions if not q.when}
    values["Q16"] = {"value": ["1", "2", "3", "4"], "other_text": ""}
    return [
        AnswerIn.model_validate(
            {
                "uuid": str(uuid.uuid4()),
                "sequence": n + 1,
                "form_id": "sipas-dak-song-2023",
                "form_version": 1,
                "unit_code": UNIT,
                "counter": "",
                "device_id": "paper",
                "started_at": "2023-10-12T05:00:00Z",
                "finished_at": "2023-10-12T05:00:00Z",
                "duration_ms": 0,
                "id_method": "none",
                "status": "complete",
                "reasons": ["1", "2", "3", "4"],
                "comment": "Ý kiến " + "rất dài " * 600,
                "answers": values,
                "language": "vi",
                "channel": "paper",
            }
        )
        for n in range(count)
    ]


def peak_while_exporting(engine, path: Path) -> tuple[int, int]:
    """Answers written and the most memory Python held meanwhile (bytes)."""
    tracemalloc.start()
    try:
        with path.open("w", encoding="utf-8") as out:
            count = write_jsonl(engine, Selection(), out)
        return count, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_a_large_export_streams_instead_of_loading_every_answer(tmp_path):
    """Eight times the answers cost about the same memory: they are read in chunks."""
    engine = make_portal_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    answers = paper_answers(4000)
    for start in range(0, len(answers), 500):
        store_channel_answers(
            engine, answers[start : start + 500], "batch", {("sipas-dak-song-2023", 1)}
        )
    small_engine = make_portal_engine(f"sqlite:///{tmp_path / 'small.db'}")
    store_channel_answers(small_engine, answers[:500], "batch", {("sipas-dak-song-2023", 1)})

    small = peak_while_exporting(small_engine, tmp_path / "small.jsonl")
    large = peak_while_exporting(engine, tmp_path / "large.jsonl")
    assert (small[0], large[0]) == (500, 4000)
    size = (tmp_path / "large.jsonl").stat().st_size
    assert size > 20_000_000  # what loading them all at once would hold, and more
    assert large[1] < 2 * small[1] and large[1] < size / 2, (small[1], large[1], size)


def test_the_export_reads_postgresql_in_chunks_too(postgres, tmp_path):
    """PostgreSQL streams through a server-side cursor: every answer, in order, once."""
    engine = make_portal_engine(postgres.new_database(f"exp_{uuid.uuid4().hex[:12]}"))
    answers = paper_answers(450)  # more than two chunks
    store_channel_answers(engine, answers, "batch", {("sipas-dak-song-2023", 1)})
    out = io.StringIO()
    assert write_jsonl(engine, Selection(channel="paper"), out) == 450
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert [line["uuid"] for line in lines] == [a.uuid for a in answers]
    assert lines[0]["answers"]["Q16"] == {"value": ["1", "2", "3", "4"], "other_text": ""}
    engine.dispose()
