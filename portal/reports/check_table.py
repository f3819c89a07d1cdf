"""`python -m portal check-table FILE`: check a published table's arithmetic.

The file is a CSV (UTF-8, with or without a byte-order mark; "," or ";" between cells, as
Excel writes it; or an XLSX's first sheet: portal/imports/sheet.py reads it as the import
does) with the columns question, choice, count, percent, base, and optionally `multiple`
(yes/no: a several-choice question, whose shares may add to more than 100%). Headings may
be Vietnamese (câu hỏi, lựa chọn, số phiếu, tỷ lệ, cơ sở, nhiều lựa chọn). A percentage is
written as published: "30%", "01%", "72,21", "72.21 %"; its number of decimals is the
precision it is checked at. A count may be written 1.234. It prints "Số liệu khớp" (exit 0)
or the list of what does not add up (exit 1); a file that cannot be read gets its
problems, each with its row and column, in Vietnamese (exit 2). `portal report --format
csv` writes the same columns (`write_table`), so a report can be checked by this too.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
import unicodedata
from collections.abc import Collection
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from kiosk.locale import translate
from portal.imports.layout import column_letter
from portal.imports.sheet import Sheet, SheetRefused, SheetRow, read_sheet
from portal.reports.checks import (
    CHECKS_OK,
    TableRow,
    check_rows,
    multiple_questions,
    notes,
    report_rows,
    tables,
)
from portal.reports.numbers import DECIMALS

COLUMNS = ("question", "choice", "count", "percent", "base", "multiple")
REQUIRED = COLUMNS[:5]
# The headings a clerk may write instead, in Vietnamese (any case, with or without marks).
ALIASES = {
    "question": ("question", "câu", "câu hỏi"),
    "choice": ("choice", "lựa chọn", "phương án"),
    "count": ("count", "số phiếu", "số lượng"),
    "percent": ("percent", "tỷ lệ", "tỉ lệ", "%"),
    "base": ("base", "cơ sở", "tổng số"),
    "multiple": ("multiple", "nhiều lựa chọn"),
}
MEANING = {
    "question": "câu hỏi",
    "choice": "lựa chọn",
    "count": "số phiếu",
    "percent": "tỷ lệ",
    "base": "cơ sở: số phiếu trả lời câu",
    "multiple": "câu nhiều lựa chọn: yes/no",
}
YES = {"yes", "y", "có", "co", "x", "1", "true"}
NO = {"no", "n", "không", "khong", "", "0", "false"}
_COUNT = re.compile(r"[+-]?\d+|\d{1,3}(?:[.,\s]\d{3})+")
_PERCENT = re.compile(r"([+-]?\d+)(?:[.,](\d+))?")
NOT_PRINTED = {"", "-", "–"}  # a percentage the table left out: nothing to check


class TableUnreadable(Exception):
    """The file cannot be checked: the Vietnamese lines that say why."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class PublishedTable:
    rows: list[TableRow]
    multiple: frozenset[str]


# --- reading --------------------------------------------------------------------------------
def read_table(path: Path) -> PublishedTable:
    """The rows of a published table; TableUnreadable with every problem found."""
    try:
        sheet = read_sheet(path)
    except SheetRefused as refused:
        raise TableUnreadable([_refusal(refused, path)]) from None
    columns, problems = _columns(sheet)
    if problems:
        raise TableUnreadable([f"Tệp {path}: dòng tiêu đề chưa đúng:", *problems])
    rows, multiple = [], set()
    for row in sheet.rows:
        read, is_multiple, row_problems = _row(row, columns, sheet.header)
        problems += row_problems
        if read is not None:
            rows.append(read)
            if is_multiple:
                multiple.add(read.question)
    if problems:
        count = len(problems)
        raise TableUnreadable([f"Tệp {path} có {count} lỗi, chưa kiểm tra được:", *problems])
    return PublishedTable(rows, frozenset(multiple))


def _refusal(refused: SheetRefused, path: Path) -> str:
    if refused.key == "import.empty_file":
        return f"Tệp {path} trống: dòng 1 phải là tiêu đề cột ({', '.join(REQUIRED)})"
    if refused.key == "import.header_only":
        return f"Tệp {path} chỉ có dòng tiêu đề, không có số liệu nào để kiểm tra"
    return translate("vi", refused.key, **refused.params)


def _name(heading: str) -> str:
    return unicodedata.normalize("NFC", heading.strip().casefold()).replace("_", " ")


def _columns(sheet: Sheet) -> tuple[dict[str, int], list[str]]:
    known = {_name(alias): column for column, names in ALIASES.items() for alias in names}
    columns: dict[str, int] = {}
    problems = []
    for index, heading in enumerate(sheet.header):
        column = known.get(_name(heading))
        if column is None:
            continue  # a clerk's notes, the report's own wording: not ours to read
        if column in columns:
            where = _cell(1, index, heading)
            problems.append(f"{where}: cột {column} đã có ở cột {column_letter(columns[column])}")
        else:
            columns[column] = index
    for column in REQUIRED:
        if column not in columns:
            problems.append(f"dòng 1: thiếu cột {column} ({MEANING[column]})")
    return columns, problems


def _cell(row: int, index: int, heading: str) -> str:
    return f"dòng {row}, cột {column_letter(index)} ({heading})"


def _row(
    row: SheetRow, columns: dict[str, int], header: list[str]
) -> tuple[TableRow | None, bool, list[str]]:
    """One line of the table, or None and its problems (each with its row and column)."""
    problems = [
        f"{_cell(row.number, issue.column, header[issue.column])}: "
        + translate("vi", issue.key, **issue.params)
        for issue in row.issues
    ]
    cells = {name: row.cells[index].strip() for name, index in columns.items()}

    def problem(column: str, what: str) -> None:
        problems.append(f"{_cell(row.number, columns[column], header[columns[column]])}: {what}")

    for column in ("question", "choice"):
        if not cells[column]:
            problem(column, f"thiếu {MEANING[column]}")
    count, base = _integer(cells["count"]), _integer(cells["base"])
    for column, value, example in (("count", count, 30), ("base", base, 100)):
        if not cells[column]:
            problem(column, f"thiếu {MEANING[column]}")
        elif value is None:
            what = f"cần một số nguyên, ví dụ {example}"
            problem(column, f"“{cells[column]}” không phải số phiếu: {what}")
    width = max((i for i, heading in enumerate(header) if heading.strip()), default=-1) + 1
    if any(cell.strip() for cell in row.cells[width:]):
        problems.append(
            f"dòng {row.number}: có ô nằm ngoài các cột có tiêu đề: một tỷ lệ viết với dấu phẩy "
            '(72,21) phải đặt trong dấu ngoặc kép ("72,21"), hoặc dùng dấu chấm phẩy (;) giữa '
            "các ô"
        )
    share, decimals = _percent(cells["percent"])
    if decimals < 0:
        problem("percent", f"“{cells['percent']}” không phải tỷ lệ: ví dụ 30%, 01%, 72,21")
    flag = _name(cells.get("multiple", ""))
    if flag not in YES | NO:
        problem("multiple", f"“{cells['multiple']}” không hiểu: ghi yes (nhiều lựa chọn) hoặc no")
    if problems or count is None or base is None:
        return None, False, problems
    table_row = TableRow(cells["question"], cells["choice"], count, share, base, decimals)
    return table_row, flag in YES, []


def _integer(text: str) -> int | None:
    if not _COUNT.fullmatch(text):
        return None
    return int(re.sub(r"[.,\s]", "", text))


def _percent(text: str) -> tuple[float | None, int]:
    """ "72,21" → (72.21, 2); "01%" → (1.0, 0); not printed → (None, 2); bad → (None, -1)."""
    bare = text.replace("\u00a0", " ").strip().removesuffix("%").strip()
    if bare in NOT_PRINTED:
        return None, DECIMALS
    match = _PERCENT.fullmatch(bare)
    if not match:
        return None, -1
    whole, fraction = match.group(1), match.group(2) or ""
    return float(f"{whole}.{fraction or 0}"), len(fraction)


# --- writing (what `portal report --format csv` prints) ------------------------------------
def write_table(report: dict, out: TextIO, delimiter: str = ",") -> None:
    """The report's question tables in the columns this command reads."""
    multiple = multiple_questions(report)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report_rows(report):
        shown = "" if row.percent is None else f"{row.percent:.{row.decimals}f}"
        flag = "yes" if row.question in multiple else "no"
        writer.writerow([row.question, row.choice, row.count, shown, row.base, flag])


# --- the command ----------------------------------------------------------------------------
def check_lines(
    table: PublishedTable, extra_multiple: Collection[str] = ()
) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a table read."""
    multiple = table.multiple | frozenset(extra_multiple)
    problems = check_rows(table.rows, multiple)
    count = len(tables(table.rows))
    said = [f"Ghi chú: {note}" for note in notes(table.rows, multiple)]
    if not problems:
        return 0, [CHECKS_OK, f"Đã kiểm tra {count} bảng, {len(table.rows)} dòng.", *said]
    head = f"Số liệu không khớp: {len(problems)} chỗ, trong {count} bảng:"
    return 1, [head, *(f"  - {problem}" for problem in problems), *said]


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    """The `check-table` subcommand, for the portal's CLI (dispatch it to `run`)."""
    parser = subparsers.add_parser(
        "check-table",
        help="check a published table: counts against the base, each percentage (CSV/XLSX)",
        description=(
            "Reads a CSV (UTF-8, ',' or ';') or XLSX with the columns question, choice, count, "
            "percent, base and optionally multiple (yes: a several-choice question). Prints "
            "'Số liệu khớp' (exit 0) or what does not add up (exit 1); a file it cannot read: "
            "exit 2, each problem with its row and column."
        ),
    )
    parser.add_argument("file", type=Path, metavar="FILE")
    parser.add_argument(
        "--multiple",
        default="",
        metavar="Q16,…",
        help="several-choice questions, when the file has no 'multiple' column",
    )
    return parser


def run(args: argparse.Namespace) -> int:
    """Check the file; 0: it adds up, 1: it does not, 2: it cannot be read."""
    if hasattr(sys.stdout, "reconfigure"):  # a console that is not UTF-8 (Windows)
        sys.stdout.reconfigure(encoding="utf-8")
    try:
        table = read_table(args.file)
    except TableUnreadable as unreadable:
        for line in unreadable.lines:
            print(line, file=sys.stderr)
        return 2
    extra = [q.strip() for q in args.multiple.split(",") if q.strip()]
    code, lines = check_lines(table, extra)
    for line in lines:
        print(line)
    return code


def main(argv: list[str] | None = None) -> int:
    """`python -m portal.reports.check_table FILE` (the same as `portal check-table`)."""
    parser = argparse.ArgumentParser(prog="python -m portal")
    add_parser(parser.add_subparsers(dest="command", required=True))
    return run(parser.parse_args(["check-table", *(sys.argv[1:] if argv is None else argv)]))


if __name__ == "__main__":
    sys.exit(main())
