"""What an import tells the clerk about rows in error: one list, each line with its row (as
the spreadsheet shows it) and column (letter and heading), in words; and, with
--skip-invalid, the rows themselves written beside the file with an error column, to be
corrected and imported in turn.

The error file is the input's kind (F.loi.csv beside F.csv, with its separator; F.loi.xlsx
beside F.xlsx), every cell as text (a formula refused in the input stays text), the
columns where they were (the error column comes last, so letters still match), and it is
written whole or not at all. A row changed since its first import is refused too, with
that reason. It never replaces a file: the clerk may be correcting the
last one; the next free name is taken (F.loi-2.csv, F.loi-3.csv, …). A corrected error
file imported in turn (F.loi.csv) keeps its name's root (its errors go to F.loi-2.csv, not
F.loi.loi.csv) and its error column, which gets the new errors in place of the old.
"""

from __future__ import annotations

import csv
import os
import re
from collections.abc import Callable, Iterator
from pathlib import Path

from portal.imports.layout import Issue, column_letter, error_columns
from portal.imports.sheet import Sheet, SheetRow

Translate = Callable[..., str]
MAX_LISTED = 200  # lines of errors printed; the rest are counted (and all are in the file)
MAX_TRIES = 1000  # error files beside one input: past that, something else is wrong
_ERROR_FILE = re.compile(r"(?P<root>.+)\.loi(?:-\d+)?", re.IGNORECASE)


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


def rejects_names(source: Path, sheet: Sheet) -> Iterator[Path]:
    """The error file's names in the order tried, beside the input: F.loi.csv for F.csv
    (F.loi.xlsx for F.xlsx), then F.loi-2.csv, F.loi-3.csv, …; for F.loi.csv itself or
    F.loi-2.csv, the same names from F's, the input's own skipped."""
    suffix = ".xlsx" if sheet.kind == "xlsx" else ".csv"
    found = _ERROR_FILE.fullmatch(source.stem)
    root = found.group("root") if found else source.stem
    for attempt in range(1, MAX_TRIES + 1):
        name = f"{root}.loi{suffix}" if attempt == 1 else f"{root}.loi-{attempt}{suffix}"
        if name != source.name:
            yield source.with_name(name)


def write_rejects(
    source: Path, sheet: Sheet, bad: list[tuple[SheetRow, list[Issue]]], tr: Translate
) -> Path:
    """The rows in error with their problems, in a new file beside the input, written whole
    or not at all; its path (raises OSError, FileExistsError when no name is free)."""
    table = _table(sheet, bad, tr)
    path = _claim(rejects_names(source, sheet))
    part = path.with_name(path.name + ".part")
    try:
        if sheet.kind == "xlsx":
            _write_xlsx(part, table)
        else:
            _write_csv(part, table, sheet.delimiter)
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        path.unlink(missing_ok=True)  # the empty file that held the name
        raise
    return path


def _claim(names: Iterator[Path]) -> Path:
    """The first name no file has, taken by creating it empty: another import at the same
    moment, or a file the clerk is correcting, is never written over (O_EXCL, which every
    file system a clerk's USB stick may have honours, unlike hard links)."""
    for path in names:
        try:
            with path.open("x"):
                return path
        except FileExistsError:
            continue
    raise FileExistsError(f"{MAX_TRIES} error files")


def _table(sheet: Sheet, bad: list[tuple[SheetRow, list[Issue]]], tr: Translate) -> list[list[str]]:
    """The heading and the rows in error, the errors in the input's error column (the first,
    others dropped) or, when it has none, in a column of their own at the end."""
    olds = error_columns(sheet.header)
    at = olds[0] if olds else len(sheet.header)
    dropped = set(olds[1:])

    def placed(cells: list[str], text: str) -> list[str]:
        kept = [cell for index, cell in enumerate(cells) if index not in dropped]
        return [*kept[:at], text, *kept[at + 1 :]] if olds else [*kept, text]

    header = placed(sheet.header, tr("import.error_column"))
    rows = [
        placed(row.cells, "; ".join(describe(i, tr) for i in sorted(issues, key=_order)))
        for row, issues in bad
    ]
    return [header, *rows]


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
