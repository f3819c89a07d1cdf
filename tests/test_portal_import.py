"""Channel 3: paper forms and phone surveys typed in by a clerk (`python -m portal import`).

A CSV or XLSX of paper forms goes in whole or not at all; every cell is checked against
the form with the kiosk's engine; the errors come as one list, each with its row (the
heading is row 1) and column, in Vietnamese; a re-import adds nothing; --skip-invalid
imports the valid rows and writes the others beside the file. Real SQLite files (and one
PostgreSQL pass), the command run as a clerk runs it.
"""

from __future__ import annotations

import csv
import io
import uuid
import zipfile
from datetime import date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from kiosk.domain.forms import load_form
from portal.cli import main
from portal.devices import add_counters
from portal.intake import content_hash
from portal.store.engine import make_portal_engine
from portal.store.models import Answer
from tests.conftest import ROOT
from tests.portal_support import run

SIPAS = load_form(ROOT / "assets" / "forms" / "sipas-dak-song-2023.yaml")
SAMPLE = ROOT / "tests" / "data" / "paper-sipas-dak-song.csv"
UNIT = "DAKSONG"
VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")
# A paper form answered in full, as a clerk types it: every question but the conditional
# ones (Q8 after Q7 = 3; Q14, Q15 after Q13 = 1), five levels 1 … 5, Q16 up to 4 choices.
VALID = {q.id: "2" for q in SIPAS.questions if q.type == "scale"} | {
    "Q1": "1",
    "Q2": "3",
    "Q3": "1",
    "Q4": "2",
    "Q5": "2",
    "Q6": "2",
    "Q7": "2",
    "Q8": "",
    "Q13": "2",
    "Q14": "",
    "Q15": "",
    "Q16": "1;3",
    "Q18": "1",
}
COLUMNS = ["form_no", "date", *[q.id for q in SIPAS.questions]]


@pytest.fixture
def db(tmp_path) -> str:
    """A portal database that knows the unit (it has counters Q1 and Q2)."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_portal_engine(url)
    add_counters(engine, UNIT, ["Q1", "Q2"])
    engine.dispose()
    return url


def write_csv(path: Path, rows: list[dict], columns: list[str] = COLUMNS, sep: str = ",") -> Path:
    """A clerk's CSV: the heading row, then each form (a column missing from a row: empty)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=sep)
    writer.writerow(columns)
    for row in rows:
        writer.writerow([row.get(column, "") for column in columns])
    path.write_text(out.getvalue(), encoding="utf-8")
    return path


def form(number: int | str, day: str = "12/10/2023", **cells: str) -> dict:
    """A valid paper form, with the cells given changed (Q9_1 for Q9.1)."""
    changes = {key.replace("_", "."): value for key, value in cells.items()}
    return {"form_no": str(number), "date": day} | VALID | changes


def clerk(db: str, path: Path, *extra: str, source: str = "paper"):
    """The command as a clerk runs it, in its own process."""
    argv = ["--db", db, "import", "--form", "sipas-dak-song-2023", "--unit", UNIT]
    return run("-m", "portal", *argv, "--source", source, "--file", str(path), *extra)


def import_here(db: str, path: Path, *extra: str, capsys) -> tuple[int, str, str]:
    """The same command in this process (quicker, for the many error cases)."""
    argv = ["--db", db, "import", "--form", "sipas-dak-song-2023", "--unit", UNIT]
    code = main([*argv, "--source", "paper", "--file", str(path), *extra])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def stored(db: str) -> list[Answer]:
    engine = make_portal_engine(db)
    try:
        with Session(engine) as session:
            return list(session.scalars(select(Answer).order_by(Answer.id)))
    finally:
        engine.dispose()


def expected_answers(row: dict) -> dict:
    """What a CSV row should become, worked out here from the form, not by the import."""
    answers = {}
    for question in SIPAS.questions:
        cell = row[question.id].strip()
        if not cell or cell == "-":
            continue
        if question.type == "multi_choice":
            value: object = sorted(cell.replace(",", ";").split(";"), key=int)
        else:
            value = cell
        answers[question.id] = {"value": value, "other_text": ""}
    return answers


def noon_utc(day: date) -> str:
    moment = datetime(day.year, day.month, day.day, 12, tzinfo=VIETNAM)
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- a file of paper forms, end to end --------------------------------------------------
@pytest.fixture(params=["sqlite", "postgresql"])
def any_db(request, tmp_path) -> str:
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"imp_{uuid.uuid4().hex[:12]}")
    engine = make_portal_engine(url)
    add_counters(engine, UNIT, ["Q1"])
    engine.dispose()
    return url


def test_a_csv_of_paper_forms_arrives_with_every_answer_intact_and_once(any_db):
    imported = clerk(any_db, SAMPLE)
    assert imported.returncode == 0, imported.stderr
    assert imported.stdout.strip().splitlines()[-1] == "Đã nhập 5 phiếu, đã có sẵn 0, từ chối 0."

    rows = list(csv.DictReader(SAMPLE.open(encoding="utf-8")))
    answers = stored(any_db)
    assert len(answers) == len(rows) == 5
    for row, answer in zip(rows, answers, strict=True):
        payload = answer.payload
        assert answer.channel == payload["channel"] == "paper"
        assert answer.received_from is None and payload["device_id"] == "paper"
        assert answer.unit_code == payload["unit_code"] == UNIT
        assert (payload["form_id"], payload["form_version"]) == ("sipas-dak-song-2023", 1)
        assert payload["answers"] == expected_answers(row)
        assert payload["id_method"] == "none" and payload["sequence"] == int(row["form_no"])
        day = datetime.strptime(row["date"], "%d/%m/%Y" if "/" in row["date"] else "%Y-%m-%d")
        assert payload["finished_at"] == noon_utc(day.date())
    # Form 5 left Q16 blank on paper ("-"): kept, as incomplete; the others are complete.
    assert [a.payload["status"] for a in answers] == ["complete"] * 4 + ["incomplete"]
    assert "Q16" not in answers[4].payload["answers"]
    # The conditional questions where their conditions hold (form 2: Q7 = 3, Q13 = 1).
    assert answers[1].payload["answers"]["Q8"]["value"] == "1"
    assert answers[1].payload["answers"]["Q15"]["value"] == "3"

    again = clerk(any_db, SAMPLE)
    assert again.returncode == 0, again.stderr
    assert "Mọi phiếu trong tệp đã được nhập từ trước: không có gì mới." in again.stdout
    assert again.stdout.strip().splitlines()[-1] == "Đã nhập 0 phiếu, đã có sẵn 5, từ chối 0."
    assert [a.uuid for a in stored(any_db)] == [a.uuid for a in answers]


def test_phone_surveys_come_by_the_same_import_as_answers_of_their_own(db):
    assert clerk(db, SAMPLE).returncode == 0
    by_phone = clerk(db, SAMPLE, source="phone")
    assert by_phone.returncode == 0, by_phone.stderr
    assert "Đã nhập 5 phiếu, đã có sẵn 0" in by_phone.stdout  # the same numbers, other calls
    answers = stored(db)
    assert [a.channel for a in answers] == ["paper"] * 5 + ["phone"] * 5
    assert {a.payload["device_id"] for a in answers[5:]} == {"phone"}
    assert [a.payload["answers"] for a in answers[5:]] == [
        a.payload["answers"] for a in answers[:5]
    ]
    assert len({a.uuid for a in answers}) == 10


def test_a_row_changed_and_imported_again_is_a_conflict_reported_and_never_overwritten(
    db, tmp_path
):
    path = write_csv(tmp_path / "paper.csv", [form(1), form(2), form(3)])
    assert clerk(db, path).returncode == 0
    first = {a.uuid: a.payload for a in stored(db)}

    write_csv(path, [form(1), form(2, Q1="2"), form(3), form(4)])
    again = clerk(db, path)
    assert again.returncode == 1
    assert (
        "dòng 3 (số phiếu 2): phiếu này đã nhập trước đây với nội dung khác, không ghi đè"
        in again.stderr
    )
    assert again.stdout.strip().splitlines()[-1] == (
        "Đã nhập 1 phiếu, đã có sẵn 2, từ chối 1 (trong đó 1 phiếu đã nhập trước đây với nội "
        "dung khác)."
    )
    after = {a.uuid: a.payload for a in stored(db)}
    assert len(after) == 4
    assert all(after[key] == payload for key, payload in first.items())  # untouched


def test_a_form_without_a_date_keeps_the_day_of_its_first_import(db, tmp_path):
    columns = [c for c in COLUMNS if c != "date"]
    path = write_csv(tmp_path / "paper.csv", [form(1), form(2)], columns)
    assert clerk(db, path).returncode == 0
    today = datetime.now(VIETNAM).date()
    assert {a.payload["finished_at"] for a in stored(db)} == {noon_utc(today)}

    # As if the first import had been made a week ago: a re-import today is a duplicate.
    engine = make_portal_engine(db)
    earlier = noon_utc(today - timedelta(days=7))
    with Session(engine) as session, session.begin():
        for answer in session.scalars(select(Answer)):
            payload = answer.payload | {"started_at": earlier, "finished_at": earlier}
            session.execute(
                update(Answer)
                .where(Answer.id == answer.id)
                .values(payload=payload, content_hash=content_hash(payload))
            )
    engine.dispose()
    again = clerk(db, path)
    assert again.returncode == 0, again.stderr
    assert "đã có sẵn 2" in again.stdout
    assert {a.payload["finished_at"] for a in stored(db)} == {earlier}


# --- every error, in one list, with its row and column ----------------------------------
def test_every_error_is_listed_at_once_with_its_row_and_column_and_nothing_is_imported(
    db, tmp_path
):
    rows = [
        form(1),  # row 2: valid, but its form number is on row 9 too
        form(2, Q1="7"),  # row 3: no such choice
        form(3, Q16="1;2;3;4;5"),  # row 4: Q16 takes at most 4
        form(4, Q8="1"),  # row 5: Q8 only after Q7 = 3
        form(5, Q14="2", Q15="2"),  # row 6: Q14, Q15 only after Q13 = 1
        form(6, Q5=""),  # row 7: a required question left empty
        form(7, Q7="3"),  # row 8: Q7 = 3, and Q8 (now asked) left empty
        form(1),  # row 9: the form number of row 2 again: both rows in error
        form(9, day="31/02/2023"),  # row 10: no such day
        form(10, day="01/01/2999"),  # row 11: a day to come
        form(11, Q18="1;2"),  # row 12: one choice only
        form(12, Q16="3;3"),  # row 13: a choice twice
        form("", Q2="9"),  # row 14: no form number, and a wrong choice
        form(14, Q9_2="6"),  # row 15: a scale runs 1 … 5
    ]
    path = write_csv(tmp_path / "paper.csv", rows)
    result = clerk(db, path)
    assert result.returncode == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0] == f"Tệp {path} có 16 lỗi, chưa nhập phiếu nào:"
    twice = (
        "số phiếu 1 có ở các dòng 2, 9: xem lại phiếu giấy để biết phiếu nào mang số này và "
        "sửa số của phiếu kia"
    )
    levels = "1 = Rất hài lòng, 2 = Hài lòng, 3 = Bình thường, 4 = Không hài lòng, " + (
        "5 = Rất không hài lòng"
    )
    assert [line.strip() for line in lines[1:-1]] == [
        f"dòng 2, cột A (form_no): {twice}",
        "dòng 3, cột C (Q1): “7” không phải lựa chọn của câu Q1 (chọn trong: "
        "1 = Bộ phận Một cửa cấp huyện, 2 = Bộ phận Một cửa cấp xã)",
        "dòng 4, cột AD (Q16): câu Q16 chọn tối đa 4 nội dung, ô có 5 lựa chọn",
        "dòng 5, cột J (Q8): câu Q8 chỉ trả lời khi câu Q7 chọn 3 (Trễ hẹn); phiếu này không "
        "như vậy nhưng ô ghi “1”",
        "dòng 6, cột AB (Q14): câu Q14 chỉ trả lời khi câu Q13 chọn 1 (Có); phiếu này không "
        "như vậy nhưng ô ghi “2”",
        "dòng 6, cột AC (Q15): câu Q15 chỉ trả lời khi câu Q13 chọn 1 (Có); phiếu này không "
        "như vậy nhưng ô ghi “2”",
        "dòng 7, cột G (Q5): câu Q5 bắt buộc nhưng ô để trống (nếu người trả lời bỏ trống "
        "trên phiếu, ghi “-”)",
        "dòng 8, cột J (Q8): câu Q8 bắt buộc nhưng ô để trống (nếu người trả lời bỏ trống "
        "trên phiếu, ghi “-”)",
        f"dòng 9, cột A (form_no): {twice}",
        "dòng 10, cột B (date): ngày “31/02/2023” không hợp lệ: cần dạng NGÀY/THÁNG/NĂM "
        "(31/10/2023) hoặc NĂM-THÁNG-NGÀY (2023-10-31)",
        "dòng 11, cột B (date): ngày 01/01/2999 chưa tới",
        "dòng 12, cột AE (Q18): câu Q18 chỉ chọn một nội dung, ô ghi “1;2”",
        "dòng 13, cột AD (Q16): lựa chọn 3 ghi hai lần",
        "dòng 14, cột A (form_no): thiếu số phiếu",
        "dòng 14, cột D (Q2): “9” không phải lựa chọn của câu Q2 (chọn trong: 1 = Thông qua "
        "chính quyền các cấp, 2 = Thông qua người thân, bạn bè, 3 = Thông qua phương tiện "
        "thông…)",  # a long label cut short: the paper form has the rest
        f"dòng 15, cột L (Q9.2): “6” không phải lựa chọn của câu Q9.2 (chọn trong: {levels})",
    ]
    assert "--skip-invalid" in lines[-1]
    assert result.stdout == ""
    assert stored(db) == []  # nothing: all or nothing


def test_a_heading_the_form_does_not_know_or_lacks_stops_the_whole_file(db, tmp_path, capsys):
    columns = [
        "Form_No",
        "Q1",
        "Q2",
        "Q2",
        "Q17",
        "",
        *COLUMNS[5:],
    ]  # no Q3  # no date: optional
    rows = [form(1) | {"Q17": "x"}, form(2)]
    path = write_csv(tmp_path / "paper.csv", rows, columns)
    with path.open("a", encoding="utf-8") as handle:  # a cell under the column with no heading
        handle.write("3" + ",1" * 4 + ",lạc" + ",2" * (len(columns) - 6) + "\n")
    code, out, err = import_here(db, path, "--skip-invalid", capsys=capsys)
    assert code == 1 and out == ""
    assert [line.strip() for line in err.splitlines()[1:-1]] == [
        "dòng 1: thiếu cột của câu Q3",
        "dòng 1, cột D (Q2): cột Q2 đã có ở cột C",
        "dòng 1, cột E (Q17): cột “Q17” không có trong mẫu phiếu sipas-dak-song-2023",
        "dòng 1, cột F (F): cột có dữ liệu nhưng không có tiêu đề",
    ]
    assert stored(db) == []
    assert not (tmp_path / "paper.loi.csv").exists()  # not a row's problem: nothing set aside


def test_a_file_without_form_numbers_is_refused(db, tmp_path, capsys):
    path = write_csv(tmp_path / "paper.csv", [form(1)], COLUMNS[1:])
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert "dòng 1: thiếu cột form_no (số phiếu): mỗi phiếu cần một số phiếu riêng" in err


def test_skip_invalid_imports_the_valid_rows_and_writes_the_others_beside_the_file(db, tmp_path):
    rows = [form(1), form(2, Q1="7"), form(3), form(4, Q8="1", Q4="")]
    path = write_csv(tmp_path / "paper.csv", rows, sep=";")
    result = clerk(db, path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    beside = tmp_path / "paper.loi.csv"
    out = result.stdout.strip().splitlines()
    assert out == [
        f"Đã nhập 2 phiếu, đã có sẵn 0, từ chối 2; các phiếu bị từ chối đã ghi vào {beside} "
        "(lý do ở cột “Lỗi”): sửa rồi nhập lại tệp đó."
    ]
    assert sorted(a.payload["sequence"] for a in stored(db)) == [1, 3]

    text = beside.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")  # Excel reads it as UTF-8
    written = list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=";"))
    assert written[0] == [*COLUMNS, "Lỗi"]
    assert [row[:-1] for row in written[1:]] == [
        [rows[1][c] for c in COLUMNS],
        [rows[3][c] for c in COLUMNS],
    ]
    assert written[1][-1] == (
        "dòng 3, cột C (Q1): “7” không phải lựa chọn của câu Q1 (chọn trong: "
        "1 = Bộ phận Một cửa cấp huyện, 2 = Bộ phận Một cửa cấp xã)"
    )
    assert written[2][-1].startswith("dòng 5, cột F (Q4): câu Q4 bắt buộc")
    assert "dòng 5, cột J (Q8): câu Q8 chỉ trả lời khi" in written[2][-1]

    # The clerk corrects the file set aside and imports it: its error column is ignored.
    written[1][2] = "2"
    written[2][5], written[2][9] = "1", ""
    fixed = io.StringIO()
    csv.writer(fixed, delimiter=";").writerows(written)
    beside.write_text("\ufeff" + fixed.getvalue(), encoding="utf-8")
    second = clerk(db, beside)
    assert second.returncode == 0, second.stderr
    assert "Đã nhập 2 phiếu, đã có sẵn 0, từ chối 0." in second.stdout
    assert sorted(a.payload["sequence"] for a in stored(db)) == [1, 2, 3, 4]


# --- XLSX -------------------------------------------------------------------------------
def workbook(path: Path, rows: list[list[object]]) -> Path:
    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    book.save(path)
    return path


def test_an_xlsx_workbook_is_read_as_the_clerk_sees_it(db, tmp_path):
    """Numbers as numbers, a date as a date, several choices as text."""
    cells = [int(VALID[q.id]) if VALID[q.id].isdigit() else VALID[q.id] for q in SIPAS.questions]
    cells = [None if cell == "" else cell for cell in cells]
    path = workbook(
        tmp_path / "paper.xlsx",
        [
            COLUMNS,
            [1, date(2023, 10, 12), *cells],
            [2.0, "13/10/2023", *cells[:-2], "1;3;7", 2],
        ],
    )
    result = clerk(db, path)
    assert result.returncode == 0, result.stderr
    answers = stored(db)
    assert [a.payload["finished_at"] for a in answers] == [
        noon_utc(date(2023, 10, 12)),
        noon_utc(date(2023, 10, 13)),
    ]
    assert answers[0].payload["answers"] == expected_answers({"form_no": "1"} | VALID)
    assert answers[1].payload["answers"]["Q16"]["value"] == ["1", "3", "7"]
    assert answers[1].payload["answers"]["Q18"]["value"] == "2"


def test_a_formula_in_a_workbook_is_refused_at_its_cell(db, tmp_path):
    row = [VALID[q.id] or None for q in SIPAS.questions]
    q4 = COLUMNS.index("Q4")
    with_formula = [3, "12/10/2023", *row]
    with_formula[q4] = "=1+1"
    path = workbook(tmp_path / "paper.xlsx", [COLUMNS, [1, "12/10/2023", *row], with_formula])
    refused = clerk(db, path)
    assert refused.returncode == 1
    assert (
        "dòng 3, cột F (Q4): ô chứa công thức =1+1: hãy sao chép rồi dán giá trị (Paste Values) "
        "thay cho công thức"
    ) in refused.stderr
    assert stored(db) == []

    skipped = clerk(db, path, "--skip-invalid")
    assert skipped.returncode == 0, skipped.stderr
    assert "Đã nhập 1 phiếu, đã có sẵn 0, từ chối 1;" in skipped.stdout
    import openpyxl

    book = openpyxl.load_workbook(tmp_path / "paper.loi.xlsx")
    [heading, kept] = list(book.active.iter_rows())
    assert heading[-1].value == "Lỗi"
    assert (kept[q4].value, kept[q4].data_type) == ("=1+1", "s")  # text now, not a formula


# --- what a clerk may hand it by mistake --------------------------------------------------
def test_hostile_or_broken_files_are_refused_in_words_and_nothing_is_imported(db, tmp_path, capsys):
    good = write_csv(tmp_path / "good.csv", [form(1)]).read_bytes()
    cases = {
        "empty.csv": (b"", "trống: dòng 1 phải là tiêu đề cột (form_no, Q1, Q2, …)"),
        "blank.csv": (b"\xef\xbb\xbf\r\n  \r\n", "trống: dòng 1 phải là tiêu đề cột"),
        "heading.csv": (good.split(b"\n")[0] + b"\n", "chỉ có dòng tiêu đề, không có phiếu nào"),
        "latin.csv": (
            good + "9,12/10/2023,Hà Nam".encode("cp1258") + b"\n",
            "không phải văn bản UTF-8 (dòng 3, byte 0xe0): trong Excel, chọn Lưu thành "
            "“CSV UTF-8 (Comma delimited)”",
        ),
        "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 500, "Excel đời cũ (.xls)"),
        "broken.xlsx": (b"PK\x03\x04 not really a workbook", "Không mở được tệp Excel"),
        "notes.pdf": (b"%PDF-1.4", "cần tệp CSV (.csv) hoặc Excel (.xlsx)"),
    }
    for name, (content, words) in cases.items():
        path = tmp_path / name
        path.write_bytes(content)
        code, out, err = import_here(db, path, "--skip-invalid", capsys=capsys)
        assert code == 1 and out == "", name
        assert words in err, (name, err)
    code, _, err = import_here(db, tmp_path / "missing.csv", capsys=capsys)
    assert code == 1 and "Không tìm thấy tệp" in err
    assert stored(db) == []


def test_a_huge_file_is_refused_without_being_read_whole(db, tmp_path, capsys):
    path = tmp_path / "huge.csv"
    with path.open("wb") as handle:
        handle.write(",".join(COLUMNS).encode() + b"\n")
        handle.truncate(21 * 1024 * 1024)  # 21 MB (of NUL bytes): past the 20 MB limit
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert "quá lớn (21.0 MB, tối đa 20 MB): hãy chia thành nhiều tệp nhỏ hơn" in err


def test_a_workbook_that_unpacks_to_too_much_is_refused(db, tmp_path, capsys):
    path = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        block = b"\0" * (1 << 20)
        for _ in range(210):  # 210 MB of zeros, a few hundred KB packed
            member.write(block)
    assert path.stat().st_size < 2 * 1024 * 1024
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1 and "quá lớn (210.0 MB, tối đa 200 MB)" in err


def test_a_huge_cell_and_control_characters_are_errors_at_their_cells(db, tmp_path, capsys):
    path = write_csv(tmp_path / "paper.csv", [form(1, Q2="1" * 6000), form(2, Q3="1\x00"), form(3)])
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert "dòng 2, cột D (Q2): ô dài 6000 ký tự (tối đa 5000)" in err
    assert "dòng 3, cột E (Q3): ô có ký tự điều khiển không đọc được" in err
    assert stored(db) == []


def test_a_bom_and_excels_semicolons_are_read_and_choices_typed_loosely(db, tmp_path):
    path = write_csv(tmp_path / "paper.csv", [form(1, Q16="7, 3 ,1", Q1="01"), form(2)], sep=";")
    path.write_text("\ufeff" + path.read_text(encoding="utf-8"), encoding="utf-8")
    result = clerk(db, path)
    assert result.returncode == 0, result.stderr
    first = stored(db)[0].payload["answers"]
    assert first["Q16"]["value"] == ["1", "3", "7"]  # the form's order, whatever the typing
    assert first["Q1"]["value"] == "1"


def test_the_unit_and_the_form_must_be_known_to_the_portal(db, tmp_path, capsys):
    path = write_csv(tmp_path / "paper.csv", [form(1)])
    for argv, words in (
        (
            ["--form", "sipas-dak-song-2023", "--unit", "DAK-SONG"],
            "Cổng chưa biết đơn vị DAK-SONG (chưa có máy hay quầy nào)",
        ),
        (["--form", "sipas", "--unit", UNIT], "Cổng chưa biết mẫu phiếu sipas"),
        (
            ["--form", "sipas-dak-song-2023", "--version", "2", "--unit", UNIT],
            "Cổng chưa biết phiên bản 2 của mẫu phiếu sipas-dak-song-2023",
        ),
    ):
        code = main(["--db", db, "import", *argv, "--source", "paper", "--file", str(path)])
        assert code == 1
        assert words in capsys.readouterr().err
    assert stored(db) == []


def test_a_counter_column_names_a_counter_of_the_unit(db, tmp_path, capsys):
    path = write_csv(
        tmp_path / "paper.csv",
        [form(1) | {"counter": "Q2"}, form(2) | {"counter": "Q9"}, form(3)],
        ["counter", *COLUMNS],
    )
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert "dòng 3, cột A (counter): đơn vị DAKSONG không có quầy “Q9”" in err
    path = write_csv(path, [form(1) | {"counter": "Q2"}, form(3)], ["counter", *COLUMNS])
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 0, err
    assert [a.payload["counter"] for a in stored(db)] == ["Q2", ""]


def test_the_quick_form_on_paper_takes_printed_numbers_and_the_other_text(db, tmp_path, capsys):
    """A form whose choices are words: the clerk types the printed number (1, 2, …)."""
    columns = ["form_no", "verdict", "comment", "reasons", "reasons.other"]
    rows = [
        {"form_no": "1", "verdict": "1", "comment": "Cán bộ nhiệt tình"},
        {"form_no": "2", "verdict": "2", "reasons": "1;9", "reasons.other": "Chờ lâu"},
        {"form_no": "3", "verdict": "not_satisfied", "reasons": "9"},  # "other" says nothing
        {"form_no": "4", "verdict": "1", "comment": "x", "reasons.other": "lạc chỗ"},
    ]
    path = write_csv(tmp_path / "quick.csv", rows, columns)
    argv = ["--db", db, "import", "--form", "danang-2223", "--unit", UNIT, "--source", "paper"]
    code = main([*argv, "--file", str(path)])
    err = capsys.readouterr().err
    assert code == 1
    assert (
        "dòng 4, cột D (reasons): đã chọn “Lý do khác” nhưng cột reasons.other chưa ghi rõ nội dung"
    ) in err
    assert "dòng 5, cột E (reasons.other): có nội dung nhưng câu reasons không chọn" in err

    write_csv(path, rows[:2], columns)
    assert main([*argv, "--file", str(path)]) == 0, capsys.readouterr().err
    first, second = (a.payload for a in stored(db))
    assert (first["verdict"], first["comment"], first["reasons"]) == (
        "satisfied",
        "Cán bộ nhiệt tình",
        [],
    )
    assert second["verdict"] == "not_satisfied"
    assert second["answers"]["reasons"] == {
        "value": ["information", "other"],
        "other_text": "Chờ lâu",
    }
    assert (second["reasons"], second["comment"]) == (["information", "other"], "Chờ lâu")


def test_a_registered_version_is_checked_by_its_own_text_and_is_the_default(db, tmp_path):
    """`portal form add` keeps a version's text; the import reads it with the engine."""
    source = (ROOT / "assets" / "forms" / "sipas-dak-song-2023.yaml").read_text("utf-8")
    assert "\nversion: 1\n" in source
    # Version 2 lets Q16 take at most 2 choices: the registered text decides, not the shipped.
    changed = source.replace("\nversion: 1\n", "\nversion: 2\n").replace("max: 4", "max: 2")
    v2 = tmp_path / "sipas-v2.yaml"
    v2.write_text(changed, encoding="utf-8")
    added = run("-m", "portal", "--db", db, "form", "add", str(v2))
    assert added.returncode == 0, added.stderr

    path = write_csv(tmp_path / "paper.csv", [form(1, Q16="1;2;3")])
    refused = clerk(db, path)
    assert refused.returncode == 1
    assert "dòng 2, cột AD (Q16): câu Q16 chọn tối đa 2 nội dung, ô có 3 lựa chọn" in refused.stderr
    assert clerk(db, path, "--version", "1").returncode == 0
    write_csv(path, [form(2, Q16="1;2")])
    assert clerk(db, path).returncode == 0
    assert [a.form_version for a in stored(db)] == [1, 2]
