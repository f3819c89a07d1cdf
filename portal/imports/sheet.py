"""A clerk's spreadsheet read as text: a CSV (UTF-8, with or without a byte-order mark; "," or
";" or tab between cells, as Excel writes it) or an XLSX workbook's first sheet (the names
of its other sheets are kept: the clerk is told they were not read).

Every cell comes out as the text the clerk sees; what cannot be trusted is refused in
words the clerk can act on: a file too large (never read past the limit), one that is no
UTF-8, a workbook that unpacks to more than it should, a formula instead of a value, a
huge cell, control characters. Rows are numbered as the spreadsheet shows them: the
heading is row 1.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

MAX_BYTES = 20 * 1024 * 1024  # a few thousand paper forms take a few hundred KB
MAX_UNPACKED = 200 * 1024 * 1024  # an XLSX is a zip: what it may unpack to (no zip bomb)
MAX_ROWS = 20_000  # forms in one file
MAX_COLUMNS = 200  # the long form has 31 questions
MAX_CELL = 5_000  # characters: the longest text the contract carries (its comment)
# What a cell may not hold: control characters other than tab and line breaks (a NUL, say,
# which PostgreSQL's text cannot keep).
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class SheetLimits:
    """How much of a file is read: a clerk's paper forms by default; the one-stop
    software's dossier exports are longer (portal/dossiers/importer.py)."""

    rows: int = MAX_ROWS
    bytes: int = MAX_BYTES


class SheetRefused(Exception):
    """A file that cannot be read as a sheet: a locale key and its parameters."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


@dataclass(frozen=True)
class CellIssue:
    """A cell that could not be read as a value (0-based column; a locale key)."""

    column: int
    key: str
    params: dict[str, object] = field(default_factory=dict)


@dataclass(frozen=True)
class SheetRow:
    number: int  # as the spreadsheet shows it: the heading is row 1
    cells: list[str]
    issues: list[CellIssue]


@dataclass(frozen=True)
class Sheet:
    header: list[str]
    rows: list[SheetRow]  # the rows with something in them
    kind: str  # "csv" or "xlsx"
    delimiter: str = ","  # a CSV's, so that its error file opens the same way
    sheet_name: str = ""  # a workbook's: the sheet read (its first)
    ignored_sheets: tuple[str, ...] = ()  # a workbook's other sheets, not read


def read_sheet(path: Path, sheet: str = "", limits: SheetLimits = SheetLimits()) -> Sheet:
    """The file's heading and rows (a workbook's sheet named `sheet`, else its first);
    SheetRefused when it cannot be used at all."""
    kind = _kind(path)
    header, rows = _read_xlsx(path, sheet, limits) if kind == "xlsx" else _read_csv(path, limits)
    titled = header is not None and any(cell.strip() for cell in header.cells)
    if header is not None and header.ignored and not sheet and not (titled and rows):
        others = ", ".join(f"“{name}”" for name in header.ignored)
        raise SheetRefused("import.first_sheet_empty", path=path, sheet=header.sheet, others=others)
    if header is None or not titled:
        raise SheetRefused("import.empty_file", path=path)
    if not rows:
        raise SheetRefused("import.header_only", path=path)
    width = max(len(header.cells), *(len(row.cells) for row in rows))
    padded = [SheetRow(r.number, _pad(r.cells, width), r.issues) for r in rows]
    heading = _pad([c.strip() for c in header.cells], width)
    return Sheet(heading, padded, kind, header.delimiter, header.sheet, header.ignored)


@dataclass(frozen=True)
class _Header:
    cells: list[str]
    delimiter: str = ","
    sheet: str = ""
    ignored: tuple[str, ...] = ()


def _pad(cells: list[str], width: int) -> list[str]:
    return cells + [""] * (width - len(cells))


def _kind(path: Path) -> str:
    """ "csv" or "xlsx", from the name, else from the first bytes."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".txt"):
        return "csv"
    if suffix == ".xlsx":
        return "xlsx"
    head = _read_bytes(path, 8)
    if suffix == ".xls" or head.startswith(b"\xd0\xcf\x11\xe0"):  # the old binary format
        raise SheetRefused("import.old_excel", path=path)
    if head.startswith(b"PK\x03\x04"):
        return "xlsx"
    raise SheetRefused("import.bad_format", path=path)


def _read_bytes(path: Path, limit: int) -> bytes:
    """At most `limit` bytes of the file, refused in words when it cannot be read."""
    try:
        with path.open("rb") as handle:
            return handle.read(limit)
    except FileNotFoundError:
        raise SheetRefused("import.file_missing", path=path) from None
    except OSError as exc:
        raise SheetRefused("import.file_unreadable", path=path, error=_why(exc)) from None


def _why(exc: BaseException) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__


def _too_big(path: Path, size: int, limit: int) -> SheetRefused:
    mb = f"{size / 1024 / 1024:.1f}"
    return SheetRefused("import.file_too_big", path=path, size=mb, limit=limit // 1024 // 1024)


# --- CSV -------------------------------------------------------------------------------
def _read_csv(path: Path, limits: SheetLimits) -> tuple[_Header | None, list[SheetRow]]:
    data = _read_bytes(path, limits.bytes + 1)
    if len(data) > limits.bytes:
        raise _too_big(path, path.stat().st_size, limits.bytes)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        byte = f"0x{data[exc.start]:02x}"
        raise SheetRefused("import.not_utf8", path=path, row=line, byte=byte) from None
    if not text.strip():
        return None, []
    delimiter = _delimiter(text.split("\n", 1)[0])
    csv.field_size_limit(max(csv.field_size_limit(), limits.bytes))  # a huge cell: said per cell
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    header: _Header | None = None
    rows: list[SheetRow] = []
    try:
        for number, cells in enumerate(reader, start=1):
            if header is None:
                header = _Header(cells, delimiter)
            else:
                _keep(path, rows, number, cells, {}, limits.rows)
    except csv.Error as exc:
        raise SheetRefused("import.bad_csv", path=path, row=reader.line_num, error=exc) from None
    return header, rows


def _delimiter(first_line: str) -> str:
    """The heading's separator: question ids hold none of them, so the commonest one."""
    counts = {sep: first_line.count(sep) for sep in (",", ";", "\t")}
    best = max(counts, key=lambda sep: counts[sep])
    return best if counts[best] else ","


def _keep(
    path: Path,
    rows: list[SheetRow],
    number: int,
    cells: list[str],
    issues: dict[int, CellIssue],
    max_rows: int = MAX_ROWS,
) -> None:
    """Keep a row with something in it, its cells checked; refuse a file past the limits."""
    while cells and not cells[-1].strip() and len(cells) - 1 not in issues:
        cells = cells[:-1]
    if not cells:
        return
    if len(cells) > MAX_COLUMNS:
        raise SheetRefused("import.too_many_columns", path=path, limit=MAX_COLUMNS)
    if len(rows) >= max_rows:
        raise SheetRefused("import.too_many_rows", path=path, limit=max_rows)
    for column, cell in enumerate(cells):
        if column not in issues:
            problem = _cell_problem(column, cell)
            if problem is not None:
                issues[column] = problem
    rows.append(SheetRow(number, cells, [issues[c] for c in sorted(issues)]))


def _cell_problem(column: int, cell: str) -> CellIssue | None:
    if len(cell) > MAX_CELL:
        return CellIssue(column, "import.cell_too_long", {"length": len(cell), "limit": MAX_CELL})
    if _CONTROL.search(cell):
        return CellIssue(column, "import.control_char")
    return None


# --- XLSX ------------------------------------------------------------------------------
def sheet_headings(path: Path) -> list[tuple[str, list[str]]] | None:
    """Each sheet of a workbook with its first row (for a reader choosing the sheet that
    holds its columns); None for a CSV."""
    if _kind(path) != "xlsx":
        return None
    with _workbook(path) as book:
        return [
            (
                sheet.title,
                [_text(v) for v in next(sheet.iter_rows(max_row=1, values_only=True), ())],
            )
            for sheet in book.worksheets
        ]


def _read_xlsx(
    path: Path, name: str = "", limits: SheetLimits = SheetLimits()
) -> tuple[_Header | None, list[SheetRow]]:
    with _workbook(path, limits.bytes) as book:
        first = book[name] if name else book.worksheets[0]
        others = tuple(title for title in book.sheetnames if title != first.title)
        return _xlsx_rows(path, first, others, limits.rows)


@contextmanager
def _workbook(path: Path, max_bytes: int = MAX_BYTES) -> Iterator[Any]:
    """The workbook, read only, its failures refused in words."""
    size = _unpacked_size(path, max_bytes)
    if size > MAX_UNPACKED:
        raise _too_big(path, size, MAX_UNPACKED)
    import openpyxl  # ~0.3 s: only for a workbook

    try:
        with warnings.catch_warnings():  # its notes on styles and validations are not ours
            warnings.simplefilter("ignore")
            book = openpyxl.load_workbook(path, read_only=True, data_only=False)
            try:
                yield book
            finally:
                book.close()
    except SheetRefused:
        raise
    except Exception as exc:  # a damaged or hostile workbook fails in many ways; say so
        raise SheetRefused("import.bad_xlsx", path=path, error=_why(exc)) from None


def _unpacked_size(path: Path, max_bytes: int) -> int:
    on_disk = len(_read_bytes(path, max_bytes + 1))
    if on_disk > max_bytes:
        raise _too_big(path, path.stat().st_size, max_bytes)
    try:
        with zipfile.ZipFile(path) as archive:
            return sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise SheetRefused("import.bad_xlsx", path=path, error=_why(exc)) from None


def _xlsx_rows(
    path: Path, sheet: Any, others: tuple[str, ...], max_rows: int = MAX_ROWS
) -> tuple[_Header | None, list[SheetRow]]:
    header: _Header | None = None
    rows: list[SheetRow] = []
    for number, cells in enumerate(sheet.iter_rows(), start=1):
        if len(cells) > MAX_COLUMNS * 10:  # an empty row is cheap; a row this wide is not
            raise SheetRefused("import.too_many_columns", path=path, limit=MAX_COLUMNS)
        texts, issues = [], {}
        for column, cell in enumerate(cells):
            if cell.data_type == "f":
                formula = str(cell.value)[:60]
                issues[column] = CellIssue(column, "import.formula", {"formula": formula})
            texts.append(_text(cell.value))
        if header is None:
            header = _Header(texts, sheet=sheet.title, ignored=others)
        else:
            _keep(path, rows, number, texts, issues, max_rows)
    return header or _Header([], sheet=sheet.title, ignored=others), rows


def _text(value: object) -> str:
    """A cell's value as the clerk reads it: 3 (not 3.0), a date as 2023-10-31."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time(0) else value.isoformat(" ")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)
