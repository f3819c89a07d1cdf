"""What an import tells the clerk about rows in error: one list, each line with its row (as
the spreadsheet shows it) and column (letter and heading), in words; and, with
--skip-invalid, the rows themselves written beside the file with an error column, to be
corrected and imported in turn.

The error file is the input's kind (F.loi.csv beside F.csv, with its separator; F.loi.xlsx
beside F.xlsx), every cell as text (a formula refused in the input stays text), the
columns where they were (the error column comes last, so letters still match), and it is
written whole or not at all.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

from portal.imports.layout import Issue, column_letter
from portal.imports.sheet import Sheet, SheetRow

Translate = Callable[..., str]
MAX_LISTED = 200  # lines of errors printed; the rest are counted (and all are in the file)


def describe(issue: Issue, tr: Translate) -> str:
    """One problem in words, with its row and column."""
    what = tr(issue.key, **issue.params)
    if issue.column is None and "row" in issue.params:  # a message that names its row
        return what
    if issue.column is None:
        return tr("import.error_row", row=issue.row, what=what)
    letter = column_letter(issue.column)
    heading = issue.heading or letter
    return tr("import.error_cell", row=issue.row, letter=letter, column=heading, what=what)


def error_lines(issues: list[Issue], tr: Translate) -> list[str]:
    """Every problem, by row then column, the first MAX_LISTED of them and a count of the rest."""
    ordered = sorted(issues, key=lambda i: (i.row, -1 if i.column is None else i.column))
    lines = ["  " + describe(issue, tr) for issue in ordered[:MAX_LISTED]]
    if len(ordered) > MAX_LISTED:
        lines.append("  " + tr("import.more_errors", count=len(ordered) - MAX_LISTED))
    return lines


def rejects_path(source: Path, sheet: Sheet) -> Path:
    """Beside the input: F.loi.csv for F.csv, F.loi.xlsx for F.xlsx."""
    suffix = ".xlsx" if sheet.kind == "xlsx" else ".csv"
    return source.with_name(f"{source.stem}.loi{suffix}")


def write_rejects(
    path: Path, sheet: Sheet, bad: list[tuple[SheetRow, list[Issue]]], tr: Translate
) -> None:
    """The rows in error with their problems, written whole or not at all (raises OSError)."""
    header = [*sheet.header, tr("import.error_column")]
    rows = [
        [*row.cells, "; ".join(describe(i, tr) for i in sorted(issues, key=_order))]
        for row, issues in bad
    ]
    part = path.with_name(path.name + ".part")
    try:
        if sheet.kind == "xlsx":
            _write_xlsx(part, [header, *rows])
        else:
            _write_csv(part, [header, *rows], sheet.delimiter)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise


def _order(issue: Issue) -> int:
    return -1 if issue.column is None else issue.column


def _write_csv(path: Path, rows: list[list[str]], delimiter: str) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as out:  # a BOM: Excel reads UTF-8
        csv.writer(out, delimiter=delimiter).writerows(rows)
        out.flush()
        os.fsync(out.fileno())


def _write_xlsx(path: Path, rows: list[list[str]]) -> None:
    import openpyxl  # ~0.3 s: only for a workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE

    book = openpyxl.Workbook(write_only=True)
    sheet = book.create_sheet()
    for row in rows:
        cells = []
        for value in row:
            # A control character (an error of its own) cannot be written to a workbook.
            cell = WriteOnlyCell(sheet, value=ILLEGAL_CHARACTERS_RE.sub("", value))
            cell.data_type = "s"  # text, even "=…": a formula is never written back
            cells.append(cell)
        sheet.append(cells)
    book.save(path)
