"""Exporting stored answers for staff and IT, without personal data (CSV or JSON lines).

Each question's answer is exported as itself. JSON lines are for programs: codes, UTC
times, and `answers` (question id → value and other text). The CSV is for people who open
it in Excel: UTF-8 with a byte-order mark (or Excel reads the Vietnamese as Latin-1),
Vietnamese column names, the unit's local time, and after the columns every answer has,
one column per question of the form ("id — its Vietnamese text") with the chosen choices'
Vietnamese labels (or the text written), plus one for the text of an "other" choice: the
columns kiosk.domain.answer_columns heads and fills, for the portal's export as well.

Where the export holds long answers (config `long_form`), the long form's columns follow
the quick form's, each answer filling its own form's; two columns before the questions
say whether a quick answer's citizen was drawn and which quick answer a long one follows.
JSON lines always carry both (`drawn`, `follows`).
"""

from __future__ import annotations

import csv
import errno
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import TextIO

from kiosk.domain.answer_columns import HEADERS, ID_METHODS, STATUSES, AnswerColumns, shown
from kiosk.domain.clock import local_text
from kiosk.domain.forms import Form
from kiosk.store.files import sync_folder
from kiosk.store.models import Response

# The columns every answer has, whatever its form; then come its answers.
COLUMNS = (
    "sequence",
    "uuid",
    "form_id",
    "form_version",
    "unit_code",
    "counter",
    "device_id",
    "officer",
    "started_at",
    "finished_at",
    "duration_ms",
    "id_method",
    "status",
    "verdict",
    "language",
    "dossier_code",
    "delivered",
)
# Before the answers, where long answers are exported: the draw and the link.
LONG_FORM_COLUMNS = ("drawn", "follows")

BOM = "\ufeff"


def _record(row: Response) -> dict[str, object]:
    def stamp(moment: datetime) -> str:
        return moment.isoformat(timespec="seconds") + "Z"

    return {
        "sequence": row.id,
        "uuid": row.uuid,
        "form_id": row.form_id,
        "form_version": row.form_version,
        "unit_code": row.unit_code,
        "counter": row.counter,
        "device_id": row.device_id,
        "officer": row.officer or "",
        "started_at": stamp(row.started_at),
        "finished_at": stamp(row.finished_at),
        "duration_ms": row.duration_ms,
        "id_method": row.id_method,
        "status": row.status,
        "verdict": row.verdict or "",
        "answers": row.answers,
        "language": row.language,
        "dossier_code": row.dossier_code or "",
        "delivered": bool(row.outbox and row.outbox.state == "delivered"),
        "drawn": row.drawn,
        "follows": row.follows,
    }


def _for_people(
    row: Response, columns: AnswerColumns, named: tuple[str, ...], zone: str
) -> list[object]:
    record = _record(row)
    verdict = columns.form_of(row.form_id).verdict
    record.update(
        started_at=local_text(row.started_at, zone, seconds=True),
        finished_at=local_text(row.finished_at, zone, seconds=True),
        id_method=ID_METHODS.get(row.id_method, row.id_method),
        status=STATUSES.get(row.status, row.status),
        verdict=shown(verdict, row.verdict) if verdict else row.verdict or "",
        delivered="Có" if record["delivered"] else "Chưa",
        drawn="" if row.drawn is None else "Có" if row.drawn else "Không",
        follows=row.follows or "",
    )
    return [record[c] for c in named] + columns.cells(row.answers or {}, row.form_id)


def write_export(
    rows: Iterable[Response],
    fmt: str,
    out: TextIO,
    form: Form,
    zone: str,
    long_form: Form | None = None,
) -> int:
    """Write the rows as 'csv' (for people: see above) or 'jsonl'; return how many.

    `form` gives the CSV its answer columns and labels, and `long_form` (where the rows
    hold long answers) its further ones; `zone` is the unit's time zone
    (integrity.timezone).
    """
    count = 0
    if fmt == "csv":
        out.write(BOM)
        writer = csv.writer(out)
        columns = AnswerColumns(form, *([long_form] if long_form else []))
        named = COLUMNS + (LONG_FORM_COLUMNS if long_form else ())
        writer.writerow([HEADERS[c] for c in named] + columns.headers)
        for row in rows:
            writer.writerow(_for_people(row, columns, named, zone))
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(_record(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def export_to_file(
    rows: Iterable[Response],
    fmt: str,
    path: Path,
    form: Form,
    zone: str,
    long_form: Form | None = None,
) -> int:
    """Write the export to `path` whole or not at all; return how many rows.

    It is written beside as PATH.part, synced, then renamed over `path`: a full disk or a
    crash leaves the earlier file (or none), never a cut-off one that looks complete.
    Raises OSError (the .part removed) when it cannot be written.
    """
    if path.is_dir():
        raise IsADirectoryError(errno.EISDIR, os.strerror(errno.EISDIR), str(path))
    part = path.with_name(path.name + ".part")
    try:
        with part.open("w", encoding="utf-8", newline="") as out:
            count = write_export(rows, fmt, out, form, zone, long_form)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
    return count
