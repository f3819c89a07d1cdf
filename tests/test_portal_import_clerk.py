"""What a clerk's walk-through of `portal import` found (40 paper SIPAS forms typed in,
imported, corrected, imported again), each kept from coming back: error files never
written over nor named .loi.loi, changed rows set aside with their reason, one summary
that adds up, a repeated form number held back on both rows, the advice that helps, the
whole cell and the choices' labels in messages, a row wider than its heading told on that
row, form numbers as numbers, counters in any case, a notes column, a workbook's other
sheets named, and the day given to forms without one. Real files, the command as a clerk
runs it, a real SQLite portal.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import pytest
import yaml

from portal.devices import add_counters
from portal.store.engine import make_portal_engine
from tests.conftest import ROOT
from tests.portal_support import run
from tests.test_portal_import import (
    COLUMNS,
    UNIT,
    VIETNAM,
    clerk,
    form,
    import_here,
    stored,
    workbook,
    write_csv,
)


@pytest.fixture
def db(tmp_path) -> str:
    """A portal database that knows the unit (it has counters Q1 and Q2)."""
    url = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_portal_engine(url)
    add_counters(engine, UNIT, ["Q1", "Q2"])
    engine.dispose()
    return url


def read_back(path: Path, sep: str = ",") -> list[list[str]]:
    """A CSV the import wrote, as rows of cells (its byte-order mark checked and dropped)."""
    text = path.read_text(encoding="utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff")), delimiter=sep))


def write_rows(path: Path, rows: list[list[str]], sep: str = ",") -> None:
    """The clerk saves a corrected sheet (Excel writes the byte-order mark back)."""
    out = io.StringIO()
    csv.writer(out, delimiter=sep).writerows(rows)
    path.write_text("\ufeff" + out.getvalue(), encoding="utf-8")


# --- 1, 2: error files ------------------------------------------------------------------
def test_an_error_file_the_clerk_is_correcting_is_never_written_over(db, tmp_path):
    path = write_csv(tmp_path / "F.csv", [form(1), form(2, Q1="7")])
    assert clerk(db, path, "--skip-invalid").returncode == 0
    first = tmp_path / "F.loi.csv"
    corrected = read_back(first)
    corrected[1][2] = "2"  # the clerk's correction, not yet imported
    write_rows(first, corrected)
    before = first.read_bytes()

    again = clerk(db, path, "--skip-invalid")  # the same file run again, by mistake
    assert again.returncode == 0, again.stderr
    assert first.read_bytes() == before
    second = tmp_path / "F.loi-2.csv"
    assert f"đã ghi vào {second} " in again.stdout
    assert read_back(second)[1][2] == "7"
    assert sorted(p.name for p in tmp_path.iterdir() if ".loi" in p.name) == [
        "F.loi-2.csv",
        "F.loi.csv",
    ]


def test_a_corrected_error_file_imported_in_turn_keeps_one_error_column(db, tmp_path):
    path = write_csv(tmp_path / "F.csv", [form(1), form(2, Q1="7"), form(3, Q4="9")])
    assert clerk(db, path, "--skip-invalid").returncode == 0
    beside = tmp_path / "F.loi.csv"
    rows = read_back(beside)
    assert rows[0][-1] == "Lỗi"
    rows[1][2] = "2"  # form 2 corrected; form 3 still wrong, now in another way
    rows[2][5] = "8"
    write_rows(beside, rows)

    result = clerk(db, beside, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert not (tmp_path / "F.loi.loi.csv").exists()
    again = read_back(tmp_path / "F.loi-2.csv")
    assert again[0] == [*COLUMNS, "Lỗi"]  # one error column, where it was
    assert len(again) == 2 and again[1][0] == "3"
    assert again[1][-1].startswith("dòng 3, cột F (Q4): “8” không phải lựa chọn của câu Q4")
    assert sorted(a.payload["sequence"] for a in stored(db)) == [1, 2]


# --- 3, 5: conflicts, and one summary that adds up --------------------------------------
def test_a_row_changed_since_its_first_import_is_set_aside_with_its_reason(db, tmp_path):
    path = write_csv(tmp_path / "F.csv", [form(1), form(2), form(3)])
    assert clerk(db, path).returncode == 0
    first = {a.uuid: a.payload for a in stored(db)}

    write_csv(path, [form(1), form(2, Q1="2"), form(3), form(4, Q1="7"), form(5)])
    result = clerk(db, path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    beside = tmp_path / "F.loi.csv"
    assert result.stdout.strip().splitlines() == [
        "Đã nhập 1 phiếu, đã có sẵn 2, từ chối 2 (trong đó 1 phiếu đã nhập trước đây với nội "
        f"dung khác); các phiếu bị từ chối đã ghi vào {beside} (lý do ở cột “Lỗi”): sửa rồi "
        "nhập lại tệp đó."
    ]
    conflict = "dòng 3 (số phiếu 2): phiếu này đã nhập trước đây với nội dung khác, không ghi đè"
    assert conflict in result.stderr
    rows = read_back(beside)
    assert [(row[0], row[-1]) for row in rows[1:]] == [
        ("2", conflict),
        ("4", rows[2][-1]),
    ]
    assert rows[2][-1].startswith("dòng 5, cột C (Q1): “7” không phải lựa chọn")
    after = {a.uuid: a.payload for a in stored(db)}
    assert len(after) == 4 and all(after[key] == value for key, value in first.items())


def test_nothing_new_is_said_only_when_every_row_was_imported_before(db, tmp_path, capsys):
    path = write_csv(tmp_path / "F.csv", [form(1), form(2)])
    assert import_here(db, path, capsys=capsys)[0] == 0
    write_csv(path, [form(1), form(2), form(3, Q1="7")])
    code, out, _ = import_here(db, path, "--skip-invalid", capsys=capsys)
    assert code == 0
    assert "đã được nhập từ trước" not in out
    assert "Đã nhập 0 phiếu, đã có sẵn 2, từ chối 1;" in out

    write_csv(path, [form(1), form(2)])
    code, out, _ = import_here(db, path, capsys=capsys)
    assert code == 0
    assert out.splitlines()[0] == "Mọi phiếu trong tệp đã được nhập từ trước: không có gì mới."


# --- 4, 10: form numbers ----------------------------------------------------------------
def test_a_form_number_on_two_rows_holds_both_back_for_the_clerk_to_decide(db, tmp_path):
    path = write_csv(tmp_path / "F.csv", [form(7), form(8), form(7, Q1="2")])
    result = clerk(db, path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert [a.payload["sequence"] for a in stored(db)] == [8]
    rows = read_back(tmp_path / "F.loi.csv")
    assert [row[0] for row in rows[1:]] == ["7", "7"]
    assert {row[-1].split(": ", 1)[1] for row in rows[1:]} == {
        "số phiếu 7 có ở các dòng 2, 4: xem lại phiếu giấy để biết phiếu nào mang số này và "
        "sửa số của phiếu kia"
    }


def test_form_numbers_are_whole_numbers_as_printed_and_become_the_sequence(db, tmp_path, capsys):
    path = write_csv(tmp_path / "F.csv", [form("002"), form("2", Q1="2"), form("DT-003")])
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert "dòng 2, cột A (form_no): số phiếu 2 có ở các dòng 2, 3" in err
    assert "dòng 3, cột A (form_no): số phiếu 2 có ở các dòng 2, 3" in err
    assert (
        "dòng 4, cột A (form_no): số phiếu “DT-003” không hợp lệ: cần số nguyên dương in trên "
        "phiếu (1, 2, 3, …; tối đa 9 chữ số), không kèm chữ hay dấu"
    ) in err
    for wrong in ("0", "-4", "2.5", "1" * 10):
        write_csv(path, [form(wrong)])
        assert import_here(db, path, capsys=capsys)[0] == 1, wrong
    assert stored(db) == []

    write_csv(path, [form("007"), form("12.0")])
    assert import_here(db, path, capsys=capsys)[0] == 0
    assert [a.payload["sequence"] for a in stored(db)] == [7, 12]
    write_csv(path, [form("7")])  # the same paper form, typed without its zeros
    code, out, _ = import_here(db, path, capsys=capsys)
    assert code == 0 and "Đã nhập 0 phiếu, đã có sẵn 1, từ chối 0." in out
    assert len(stored(db)) == 2


# --- 6: advice that helps -----------------------------------------------------------------
def test_skip_invalid_is_suggested_only_where_it_helps(db, tmp_path, capsys):
    bad_heading = write_csv(tmp_path / "H.csv", [form(1)], [*COLUMNS, "Q99"])
    for extra in ((), ("--skip-invalid",)):
        code, _, err = import_here(db, bad_heading, *extra, capsys=capsys)
        assert code == 1
        assert "--skip-invalid" not in err
        assert err.splitlines()[-1] == (
            "Sửa dòng tiêu đề (dòng 1) trong tệp rồi nhập lại: chưa phiếu nào được đọc."
        )
    bad_row = write_csv(tmp_path / "R.csv", [form(1, Q1="7")])
    code, _, err = import_here(db, bad_row, capsys=capsys)
    assert code == 1 and "--skip-invalid" in err.splitlines()[-1]


# --- 7, 8: the clerk's own cell, the choices with their labels --------------------------
def test_a_cell_is_quoted_whole_and_the_choices_come_with_their_labels(db, tmp_path, capsys):
    rows = [form(1, Q7="Trễ hẹn"), form(2, Q16="1;19"), form(3, Q16="1;2;3;4;5")]
    path = write_csv(tmp_path / "F.csv", rows)
    code, _, err = import_here(db, path, capsys=capsys)
    assert code == 1
    assert (
        "dòng 2, cột I (Q7): “Trễ hẹn” không phải lựa chọn của câu Q7 (chọn trong: "
        "1 = Trước hẹn, 2 = Đúng hẹn, 3 = Trễ hẹn)"
    ) in err
    line = next(x for x in err.splitlines() if x.strip().startswith("dòng 3"))
    assert line.strip().startswith(
        "dòng 3, cột AD (Q16): ô ghi “1;19”: “19” không phải lựa chọn của câu Q16 (chọn trong: "
        "1 = Mở rộng các hình thức thông…, 2 = Cải thiện chất lượng cơ sở vật…,"
    )
    assert "13 = " in line and len(line) < 700
    assert "dòng 4, cột AD (Q16): câu Q16 chọn tối đa 4 nội dung, ô có 5 lựa chọn" in err


# --- 9: a row wider than its heading ----------------------------------------------------
def test_a_row_with_more_cells_than_headings_is_told_on_that_row(db, tmp_path):
    path = write_csv(tmp_path / "F.csv", [form(1), form(3)])
    with path.open("a", encoding="utf-8") as handle:  # typed by hand: 1,3,7 without quotes
        cells = [form(2)[c] for c in COLUMNS]
        cells[COLUMNS.index("Q16")] = "1,3,7"
        handle.write(",".join(cells) + "\n")
    result = clerk(db, path, "--skip-invalid")
    assert result.returncode == 0, result.stderr
    assert [a.payload["sequence"] for a in stored(db)] == [1, 3]
    [heading, row] = read_back(tmp_path / "F.loi.csv")
    assert row[-1] == (
        "dòng 4: dòng có 33 ô nhưng tiêu đề chỉ có 31 cột: ô có nhiều lựa chọn phải đặt trong "
        'dấu ngoặc kép ("1;3;7") hoặc ghi các lựa chọn cách nhau bằng dấu cách (1 3 7)'
    )
    assert heading[-1] == "Lỗi" and len(heading) == len(row)


# --- 11: counters in any case, a notes column -------------------------------------------
def test_counters_match_in_any_case_and_a_notes_column_is_ignored(db, tmp_path):
    for notes in ("ghi_chu", "Ghi chú", "GHI CHÚ"):
        path = write_csv(
            tmp_path / "F.csv",
            [form(1) | {"counter": "q2", notes: "phiếu mờ, đọc lại"}],
            ["counter", *COLUMNS, notes],
        )
        result = clerk(db, path)
        assert result.returncode == 0, (notes, result.stderr)
    [answer] = stored(db)
    assert answer.payload["counter"] == "Q2"  # as the portal knows it
    assert "phiếu mờ" not in str(answer.payload)


# --- 13: a workbook of several sheets -----------------------------------------------------
def test_a_workbook_of_several_sheets_reads_the_first_and_names_the_others(db, tmp_path):
    import openpyxl

    book = openpyxl.Workbook()
    first = book.active
    first.title = "Phiếu"
    first.append(COLUMNS)
    first.append([form(1)[c] for c in COLUMNS])
    book.create_sheet("Tổng hợp").append(["form_no"])
    book.create_sheet("Ghi chú")
    path = tmp_path / "F.xlsx"
    book.save(path)
    result = clerk(db, path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == (
        f"Tệp {path} có nhiều trang tính: chỉ đọc trang đầu tiên “Phiếu”, bỏ qua “Tổng hợp”, "
        "“Ghi chú”"
    )
    assert len(stored(db)) == 1

    empty_first = workbook(tmp_path / "E.xlsx", [])
    book = openpyxl.load_workbook(empty_first)
    data = book.create_sheet("Sheet2")
    data.append(COLUMNS)
    data.append([form(2)[c] for c in COLUMNS])
    book.save(empty_first)
    refused = clerk(db, empty_first)
    assert refused.returncode == 1
    assert "Trang tính đầu tiên “Sheet” của tệp" in refused.stderr
    assert "(“Sheet2” bị bỏ qua): hãy đưa bảng phiếu lên trang đầu tiên" in refused.stderr


def test_the_help_names_the_error_file_of_both_kinds():
    shown = run("-m", "portal", "import", "--help")
    assert shown.returncode == 0
    text = " ".join(shown.stdout.split())
    assert "F.loi.csv for F.csv, F.loi.xlsx for F.xlsx" in text
    assert "never written over" in text


# --- 14: the day given to forms without one ---------------------------------------------
def test_forms_without_a_date_column_are_dated_and_told_once(db, tmp_path):
    columns = [c for c in COLUMNS if c != "date"]
    path = write_csv(tmp_path / "F.csv", [form(1), form(2), form(3)], columns)
    result = clerk(db, path)
    assert result.returncode == 0, result.stderr
    today = datetime.now(VIETNAM).strftime("%d/%m/%Y")
    told = (
        f"Tệp không có cột ngày (date): các phiếu mới nhập được ghi ngày {today} (ngày nhập lần "
        "đầu)."
    )
    assert result.stdout.strip().splitlines() == [told, "Đã nhập 3 phiếu, đã có sẵn 0, từ chối 0."]
    again = clerk(db, path)  # nothing new stored: nothing new dated
    assert told not in again.stdout

    path = write_csv(tmp_path / "G.csv", [form(4, day=""), form(5)])
    result = clerk(db, path)
    assert result.returncode == 0, result.stderr
    assert f"1 phiếu không ghi ngày: được ghi ngày {today} (ngày nhập lần đầu)." in result.stdout


def test_every_word_the_import_and_export_ask_for_is_in_both_languages():
    """A key missing from the locale would show the clerk its name instead of words."""
    sources = [*(ROOT / "portal" / "imports").glob("*.py"), ROOT / "portal" / "exports.py"]
    sources.append(ROOT / "portal" / "cli.py")
    asked = set()
    for path in sources:
        asked |= set(re.findall(r'"((?:import|export)\.[a-z_]+)"', path.read_text("utf-8")))
    assert len(asked) > 40, "the pattern found too few keys to be looking right"
    for language in ("vi", "en"):
        path = ROOT / "assets" / "locale" / f"{language}.yaml"
        words = yaml.safe_load(path.read_text("utf-8"))
        assert sorted(asked - words.keys()) == [], language
