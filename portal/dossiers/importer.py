"""`portal dossiers import FILE`: the one-stop software's export (CSV or XLSX), checked whole,
then kept whole (portal/store/dossiers.py): a file with any row in error keeps nothing and
says every problem with its row and column; one that passes adds the new dossiers and
updates the changed ones (a re-import of a later export moves dossiers on), and the
units' answers are checked against them again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError

from kiosk.locale import Translator
from portal.dossiers.rows import FIELDS, REQUIRED, DossierRow, column_names, fold, read_row
from portal.imports.layout import column_letter
from portal.imports.sheet import Sheet, SheetLimits, SheetRefused, read_sheet
from portal.store.devices import unit_counters
from portal.store.dossiers import save_dossiers

# A province's year in a few files: 200,000 rows of an export are ~25 MB as CSV.
LIMITS = SheetLimits(rows=200_000, bytes=64 * 1024 * 1024)
MAX_DOSSIERS = LIMITS.rows
SHOWN_PROBLEMS = 50  # problems listed; the rest counted
EMPTY = (
    "trang tính đầu tiên không có bảng hồ sơ: dòng 1 phải là tiêu đề cột (Mã hồ sơ, Mã đơn "
    "vị, Tên thủ tục, Ngày tiếp nhận, Ngày hẹn trả, …), các dòng sau là hồ sơ."
)

HEADING_WORDS = {
    "code": "Mã hồ sơ",
    "unit": "Mã đơn vị",
    "procedure": "Tên thủ tục",
    "field": "Lĩnh vực",
    "received": "Ngày tiếp nhận",
    "appointment": "Ngày hẹn trả",
    "returned": "Ngày trả kết quả",
    "status": "Trạng thái",
    "counter": "Quầy trả kết quả",
}


@dataclass
class Outcome:
    code: int = 0  # the command's exit status
    lines: list[str] = field(default_factory=list)  # what it prints (problems on stderr)
    problems: list[str] = field(default_factory=list)
    skipped: int = 0  # dossiers withdrawn, refused or cancelled: not kept


def import_dossiers(
    engine: Engine,
    path: Path,
    mapped: Mapping[str, str],
    statuses: Mapping[str, str] | None = None,
) -> Outcome:
    """Read, check and keep the file (headings and statuses in the software's words as
    portal.yaml maps them); what to tell the clerk."""
    outcome = Outcome()
    try:
        sheet = read_sheet(path, limits=LIMITS)
    except SheetRefused as refused:
        if refused.key in ("import.empty_file", "import.first_sheet_empty"):  # said for forms
            return _refused(outcome, f"Tệp {path}: {EMPTY}")
        return _refused(outcome, Translator("vi")(refused.key, **refused.params))
    if not sheet.rows:
        return _refused(outcome, f"Tệp {path} chỉ có dòng tiêu đề, không có hồ sơ nào.")
    columns, missing = _columns(sheet, mapped)
    if missing:
        wanted = ", ".join(f"“{HEADING_WORDS[name]}” ({name})" for name in missing)
        found = ", ".join(f"“{h}”" for h in sheet.header if h.strip())
        return _refused(
            outcome,
            f"Tệp {path} thiếu cột {wanted}. Dòng 1 có: {found}. Nếu phần mềm một cửa đặt tên "
            "khác, hãy khai báo trong portal.yaml (dossiers.columns).",
        )
    rows = _rows(sheet, columns, outcome, statuses)
    if outcome.problems:
        more = len(outcome.problems) - SHOWN_PROBLEMS
        shown = outcome.problems[:SHOWN_PROBLEMS] + ([f"… và {more} lỗi khác"] if more > 0 else [])
        return _refused(outcome, f"Không nhập hồ sơ nào: {len(outcome.problems)} lỗi.", *shown)
    try:
        saved = save_dossiers(engine, rows)
    except SQLAlchemyError as exc:
        return _refused(
            outcome, f"Không lưu được (không hồ sơ nào được nhập): {exc.__class__.__name__}"
        )
    outcome.lines.append(
        f"Đã nhập {len(rows)} hồ sơ từ {path}: {saved.added} mới, {saved.updated} cập nhật, "
        f"{saved.unchanged} không đổi."
    )
    if outcome.skipped:
        outcome.lines.append(
            f"{outcome.skipped} hồ sơ đã rút, bị từ chối hoặc bị hủy: không nhập (không có kết "
            "quả để đánh giá)."
        )
    if saved.answers_flagged or saved.answers_cleared:
        outcome.lines.append(
            f"Đối chiếu phiếu với hồ sơ: {saved.answers_flagged} phiếu bị gắn cờ (mã hồ sơ "
            "không có, hồ sơ chưa trả hoặc đánh giá quá muộn; không được tính), "
            f"{saved.answers_cleared} phiếu được gỡ cờ."
        )
    outcome.lines += _unknown_units(engine, rows)
    return outcome


def _refused(outcome: Outcome, *lines: str) -> Outcome:
    outcome.code = 2
    outcome.lines = list(lines)
    return outcome


def _columns(sheet: Sheet, mapped: Mapping[str, str]) -> tuple[dict[str, int], list[str]]:
    names = column_names(mapped)
    columns: dict[str, int] = {}
    for index, heading in enumerate(sheet.header):
        name = names.get(fold(heading))
        if name is not None and name not in columns:
            columns[name] = index
    return columns, [name for name in REQUIRED if name not in columns]


def _rows(
    sheet: Sheet, columns: dict[str, int], outcome: Outcome, statuses: Mapping[str, str] | None
) -> list[DossierRow]:
    rows: list[DossierRow] = []
    seen: dict[tuple[str, str], int] = {}
    for sheet_row in sheet.rows:
        cells = {
            name: sheet_row.cells[index] if index < len(sheet_row.cells) else ""
            for name, index in columns.items()
        }
        for issue in sheet_row.issues:
            where = _where(
                sheet_row.number,
                issue.column,
                sheet.header[issue.column] if issue.column < len(sheet.header) else "",
            )
            outcome.problems.append(f"{where}: {Translator('vi')(issue.key, **issue.params)}")
        row, problems = read_row(cells, statuses)
        if row is None and not problems and not sheet_row.issues:
            outcome.skipped += 1  # withdrawn, refused or cancelled: nothing to rate
            continue
        unreadable = {issue.column for issue in sheet_row.issues}  # said once, above
        for problem in problems:
            index = columns.get(problem.column, -1)
            if index in unreadable:
                continue
            where = _where(sheet_row.number, index, HEADING_WORDS[problem.column])
            outcome.problems.append(f"{where}: {problem.why}")
        if row is None or sheet_row.issues:
            continue
        key = (row.unit, row.code)
        if key in seen:
            where = _where(sheet_row.number, columns["code"], HEADING_WORDS["code"])
            outcome.problems.append(f"{where}: hồ sơ {row.code} đã có ở dòng {seen[key]}")
            continue
        seen[key] = sheet_row.number
        rows.append(row)
    return rows


def _where(number: int, column: int, heading: str) -> str:
    if column < 0:
        return f"Dòng {number}, cột “{heading}” (không có trong tệp)"
    return f"Dòng {number}, cột {column_letter(column)} ({heading})"


def _unknown_units(engine: Engine, rows: list[DossierRow]) -> list[str]:
    """Units the portal knows no tablet or counter of: told, not refused (their dossiers
    still serve the web survey and the reports), since a typo would show here."""
    known = unit_counters(engine)
    strangers = Counter(row.unit for row in rows if row.unit not in known)
    return [
        f"Lưu ý: đơn vị {unit} ({count} hồ sơ) chưa có máy tính bảng hay quầy nào trên cổng."
        for unit, count in sorted(strangers.items())
    ]


__all__ = ["FIELDS", "Outcome", "import_dossiers"]
