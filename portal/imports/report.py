"""What an import did, and what it tells the clerk: problems (the import did not do all it
was asked: exit status 1), notes (worth knowing, not failures: the sheets of a workbook
not read, the rows set aside because they changed since their first import), and one
summary that adds up: imported N, already there M, refused K (of which C changed since
their first import), written to FILE; before it, once, the day given to forms without one.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from portal.imports.rejects import Translate
from portal.imports.sheet import Sheet


@dataclass
class ImportReport:
    """What an import did (counts of rows) and what to say: out, the summary (standard
    output); err, the problems; notes, on standard error too, but no failure."""

    out: list[str] = field(default_factory=list)
    err: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    rows: int = 0  # the rows of the file with something in them
    stored: int = 0
    duplicate: int = 0
    invalid: int = 0  # rows with an error in them (or that the contract refused)
    conflict: int = 0  # rows changed since their first import: never written over
    rejected: int = 0  # rows the portal's intake refused
    written: Path | None = None  # the file the refused rows were written to
    undated: int = 0  # forms stored now without a day of their own
    dated: date | None = None  # the day they were given

    @property
    def code(self) -> int:
        """The command's exit status: 0 when everything asked for was done."""
        return 1 if self.err else 0

    @property
    def refused(self) -> int:
        return self.invalid + self.conflict + self.rejected


def sheet_notes(sheet: Sheet, path: Path, tr: Translate) -> list[str]:
    """What the clerk should know about the file itself: a workbook's sheets not read."""
    if not sheet.ignored_sheets:
        return []
    others = ", ".join(f"“{name}”" for name in sheet.ignored_sheets)
    return [tr("import.other_sheets", path=path, sheet=sheet.sheet_name, others=others)]


def summarize(report: ImportReport, tr: Translate, has_date_column: bool) -> None:
    """The summary's lines, last on standard output."""
    if report.duplicate and report.duplicate == report.rows:
        report.out.append(tr("import.all_there"))
    if report.undated and report.dated is not None:
        day = report.dated.strftime("%d/%m/%Y")
        if has_date_column:
            report.out.append(tr("import.undated_rows", count=report.undated, day=day))
        else:
            report.out.append(tr("import.no_date_column", day=day))
    changed = tr("import.summary_changed", count=report.conflict) if report.conflict else ""
    written = ""
    if report.written is not None:
        column = tr("import.error_column")
        written = tr("import.summary_written", path=report.written, column=column)
    report.out.append(
        tr(
            "import.summary",
            stored=report.stored,
            duplicate=report.duplicate,
            refused=report.refused,
            changed=changed,
            written=written,
        )
    )
