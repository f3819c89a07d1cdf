"""`python -m portal check-table FILE`: check a published table's arithmetic.

The file is a CSV (UTF-8, with or without a byte-order mark; "," or ";" between cells, as
Excel writes it) or an XLSX, read at its first sheet that has the columns (the report's
own workbook: its "Câu hỏi" sheet; the output names the sheet read). Columns: question,
choice, count, percent, base, and optionally `multiple` (yes/no: a several-choice
question, whose shares may add to more than 100%), under the headings clerks write
(portal/reports/table_columns.py: "Nội dung", "Số lượng", "Tỷ lệ (%)", "Tổng số phiếu", any
case, with or without marks); without a question column the file is one table. A
percentage is written as published: "30%", "01%", "72,21", "72.21 %"; its number of
decimals is the precision it is checked at; a table whose shares are all fractions of 1
that follow from their counts (0,10 for 10%, as Excel keeps a "%" cell) is read ×100, and
said. A "Tổng cộng" / "Tổng" / "Cộng" / "Tổng số" line is the table's total, checked
against its choices, not counted as one. A count may be written 1.234. It prints "Số liệu
khớp" (exit 0) or the list of what does not add up (exit 1); a file that cannot be read
gets its problems, each with its row and column, in Vietnamese (exit 2). `portal report
--format csv` writes the same columns (`write_table`), so a report can be checked by this
too.
"""

from __future__ import annotations

import argparse
import csv
import re
import sys
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field, replace
from decimal import Decimal
from pathlib import Path
from typing import TextIO, TypeVar

from kiosk.locale import translate
from portal.exports import inert
from portal.imports.layout import column_letter
from portal.imports.sheet import SheetRefused, SheetRow, read_sheet, sheet_headings
from portal.reports.checks import (
    CHECKS_OK,
    TableRow,
    TotalRow,
    check_rows,
    multiple_questions,
    notes,
    percent_problem,
    question_name,
    report_rows,
    tables,
    total_problems,
)
from portal.reports.numbers import DECIMALS
from portal.reports.table_columns import (
    MEANING,
    NO,
    REQUIRED,
    YES,
    accepted,
    find_columns,
    heading_problems,
    listed,
    plain,
)

COLUMNS = (*REQUIRED, "multiple")
_COUNT = re.compile(r"[+-]?\d+|\d{1,3}(?:[.,\s]\d{3})+")
_PERCENT = re.compile(r"([+-]?\d+)(?:[.,](\d+))?")
NOT_PRINTED = {"", "-", "–"}  # a percentage the table left out: nothing to check
MAX_DECIMALS = 9  # a machine's float (an XLSX's 0.10333333333333333) is checked at this
# A row whose choice is one of these is the table's printed total, not a choice.
Row = TypeVar("Row", TableRow, TotalRow)
TOTALS = {plain(w) for w in ("tổng cộng", "tổng", "cộng", "tổng số", "tổng số phiếu", "total")}


class TableUnreadable(Exception):
    """The file cannot be checked: the Vietnamese lines that say why."""

    def __init__(self, lines: list[str]):
        super().__init__("\n".join(lines))
        self.lines = lines


@dataclass(frozen=True)
class PublishedTable:
    rows: list[TableRow]
    multiple: frozenset[str]
    totals: list[TotalRow] = field(default_factory=list)  # the tables' "Tổng cộng" lines
    fractions: tuple[str, ...] = ()  # questions whose shares were written 0,10 for 10%
    sheet: str = ""  # a workbook's: the sheet read, and why ("trang 3 trong 9 …")


# --- reading --------------------------------------------------------------------------------
def read_table(path: Path) -> PublishedTable:
    """The rows of a published table; TableUnreadable with every problem found."""
    try:
        name, why = _choose_sheet(path)
        sheet = read_sheet(path, name)
    except SheetRefused as refused:
        raise TableUnreadable([_refusal(refused, path)]) from None
    where = f"Tệp {path}" + (f", trang tính “{name}”" if name else "")
    found = find_columns(sheet.header)
    problems = heading_problems(sheet.header, found)
    if problems:
        raise TableUnreadable([f"{where}: dòng tiêu đề chưa đúng:", *problems])
    rows, totals, multiple = [], [], set()
    for row in sheet.rows:
        read, is_multiple, row_problems = _row(row, found.at, sheet.header)
        problems += row_problems
        if isinstance(read, TotalRow):
            totals.append(read)
        elif read is not None:
            rows.append(read)
            if is_multiple:
                multiple.add(read.question)
    if problems:
        count = len(problems)
        raise TableUnreadable([f"{where} có {count} lỗi, chưa kiểm tra được:", *problems])
    rows, totals = _same_questions(rows, totals)
    rows, totals, fractions = _fractions(rows, totals)
    return PublishedTable(rows, frozenset(multiple), totals, fractions, why)


def _choose_sheet(path: Path) -> tuple[str, str]:
    """A workbook's first sheet with the columns, and the sentence that says so; ("", "")
    for a CSV. None such: every sheet with what it lacks."""
    sheets = sheet_headings(path)
    if sheets is None:
        return "", ""
    lacking = []
    for number, (name, header) in enumerate(sheets, start=1):
        found = find_columns(header)
        if found.usable:
            why = f"Đã đọc trang tính “{name}”"
            if len(sheets) > 1:
                why += (
                    f", trang {number} trong {len(sheets)} trang của tệp: trang đầu tiên có đủ "
                    f"các cột {', '.join(REQUIRED)}"
                )
            return name, why + "."
        lacking.append(
            f"trang “{name}”: thiếu cột {', '.join(found.missing)} (có: {listed(header)})"
        )
    head = f"Tệp {path}: không trang tính nào có đủ các cột {', '.join(REQUIRED)}:"
    raise TableUnreadable([head, *lacking, *accepted(list(REQUIRED))])


def _refusal(refused: SheetRefused, path: Path) -> str:
    if refused.key == "import.empty_file":
        return f"Tệp {path} trống: dòng 1 phải là tiêu đề cột ({', '.join(REQUIRED)})"
    if refused.key == "import.header_only":
        return f"Tệp {path} chỉ có dòng tiêu đề, không có số liệu nào để kiểm tra"
    return translate("vi", refused.key, **refused.params)


def _cell(row: int, index: int, heading: str) -> str:
    return f"dòng {row}, cột {column_letter(index)} ({heading})"


def _row(
    row: SheetRow, columns: dict[str, int], header: list[str]
) -> tuple[TableRow | TotalRow | None, bool, list[str]]:
    """One line of the table (a choice, or the table's total), or None and its problems
    (each with its row and column)."""
    problems = [
        f"{_cell(row.number, issue.column, header[issue.column])}: "
        + translate("vi", issue.key, **issue.params)
        for issue in row.issues
    ]
    cells = {name: row.cells[index].strip() for name, index in columns.items()}
    cells.setdefault("question", "")  # no such column: the file is one table

    def problem(column: str, what: str) -> None:
        problems.append(f"{_cell(row.number, columns[column], header[columns[column]])}: {what}")

    for column in ("question", "choice"):
        if column in columns and not cells[column]:
            problem(column, f"thiếu {MEANING[column]}")
    is_total = plain(cells["choice"]) in TOTALS
    count, base = _integer(cells["count"]), _integer(cells["base"])
    for column, value, example in (("count", count, 30), ("base", base, 100)):
        if not cells[column] and not (is_total and column == "base"):
            problem(column, f"thiếu {MEANING[column]}")
        elif cells[column] and value is None:
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
    flag = plain(cells.get("multiple", ""))
    if flag not in YES | NO:
        problem("multiple", f"“{cells['multiple']}” không hiểu: ghi yes (nhiều lựa chọn) hoặc no")
    if problems or count is None:
        return None, False, problems
    question, choice = cells["question"], cells["choice"]
    if is_total:
        return TotalRow(question, choice, count, share, base, decimals), False, []
    assert base is not None  # a missing base is a problem above
    return TableRow(question, choice, count, share, base, decimals), flag in YES, []


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
    return float(f"{whole}.{fraction or 0}"), min(len(fraction), MAX_DECIMALS)


def _same_questions(
    rows: list[TableRow], totals: list[TotalRow]
) -> tuple[list[TableRow], list[TotalRow]]:
    """One question written two ways ("Câu 5", "câu 5", "Q5") is one table, under the
    spelling it first had."""
    first: dict[str, str] = {}
    for question in [*(r.question for r in rows), *(t.question for t in totals)]:
        first.setdefault(question_name(question), question)

    def same(row: Row) -> Row:
        return replace(row, question=first[question_name(row.question)])

    return [same(r) for r in rows], [same(t) for t in totals]


def _fractions(
    rows: list[TableRow], totals: list[TotalRow]
) -> tuple[list[TableRow], list[TotalRow], tuple[str, ...]]:
    """Shares written as fractions of 1 (0,10 for 10%: what Excel keeps in a "%" cell) read
    as percentages, table by table: where every share is at most 1 and, multiplied by 100,
    more of them follow from their counts than as written."""
    chosen = tuple(q for q, table in tables(rows).items() if _written_as_fractions(table))
    if not chosen:
        return rows, totals, ()
    rows = [_times_100(r) if r.question in chosen else r for r in rows]
    totals = [
        _times_100(t) if t.question in chosen and (t.percent or 0) <= 1 else t for t in totals
    ]
    return rows, totals, chosen


def _written_as_fractions(table: list[TableRow]) -> bool:
    printed = [row for row in table if row.percent is not None]
    if not printed or any(not 0 <= (row.percent or 0) <= 1 for row in printed):
        return False
    return _wrong_shares(map(_times_100, printed)) < _wrong_shares(printed)


def _wrong_shares(rows: Iterable[TableRow]) -> int:
    return sum(
        percent_problem("", row.count, row.base, row.percent, row.decimals) is not None
        for row in rows
    )


def _times_100(row: Row) -> Row:
    if row.percent is None:
        return row
    shifted = float(Decimal(repr(row.percent)).scaleb(2))
    return replace(row, percent=shifted, decimals=max(row.decimals - 2, 0))


# --- writing (what `portal report --format csv` prints) ------------------------------------
def write_table(report: dict, out: TextIO, delimiter: str = ",") -> None:
    """The report's question tables in the columns this command reads."""
    multiple = multiple_questions(report)
    writer = csv.writer(out, delimiter=delimiter, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in report_rows(report):
        shown = "" if row.percent is None else f"{row.percent:.{row.decimals}f}"
        flag = "yes" if row.question in multiple else "no"
        cells = [row.question, row.choice, row.count, shown, row.base, flag]
        writer.writerow([inert(cell) for cell in cells])  # no label runs as a formula


# --- the command ----------------------------------------------------------------------------
def check_lines(
    table: PublishedTable, extra_multiple: Collection[str] = ()
) -> tuple[int, list[str]]:
    """The exit code and the lines to print for a table read."""
    multiple = table.multiple | frozenset(extra_multiple)
    problems = check_rows(table.rows, multiple) + total_problems(table.totals, table.rows, multiple)
    count = len(tables(table.rows))
    said = [table.sheet] if table.sheet else []
    said += [f"Ghi chú: {note}" for note in _reading_notes(table)]
    said += [f"Ghi chú: {note}" for note in notes(table.rows, multiple)]
    if not problems:
        lines = len(table.rows) + len(table.totals)
        return 0, [CHECKS_OK, f"Đã kiểm tra {count} bảng, {lines} dòng.", *said]
    head = f"Số liệu không khớp: {len(problems)} chỗ, trong {count} bảng:"
    return 1, [head, *(f"  - {problem}" for problem in problems), *said]


def _reading_notes(table: PublishedTable) -> list[str]:
    """How the file was read where a clerk might not expect it: total lines, fractions."""
    said = []
    if any(not row.question for row in table.rows):
        said.append("Tệp không có cột câu hỏi (question): cả tệp được đọc là một bảng.")
    if table.totals:
        labels = ", ".join(f"“{label}”" for label in dict.fromkeys(t.label for t in table.totals))
        said.append(
            f"{len(table.totals)} dòng {labels} được đọc là dòng tổng của bảng: không tính là "
            "một lựa chọn, mà đối chiếu với tổng các lựa chọn."
        )
    if table.fractions:
        names = [question_name(q) for q in table.fractions]
        where = ", ".join(names) if len(names) <= 5 else f"{len(names)} bảng"
        said.append(
            "Các tỷ lệ có vẻ ghi dưới dạng phân số (0,10 = 10%), như Excel lưu ô định dạng %: "
            f"đã đọc chúng nhân 100 ở {where}."
        )
    return said


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
    named = {question_name(q) for q in args.multiple.split(",") if q.strip()}
    extra = {row.question for row in table.rows if question_name(row.question) in named}
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
