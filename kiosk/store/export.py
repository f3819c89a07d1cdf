"""Exporting stored answers for staff and IT, without personal data (CSV or JSON lines).

Each question's answer is exported as itself. JSON lines are for programs: codes, UTC
times, and `answers` (question id → value and other text). The CSV is for people who open
it in Excel: UTF-8 with a byte-order mark (or Excel reads the Vietnamese as Latin-1),
Vietnamese column names, the unit's local time, and after the columns every answer has,
one column per question of the form ("id — its Vietnamese text") with the chosen choices'
Vietnamese labels (or the text written), plus one for the text of an "other" choice.
"""

from __future__ import annotations

import csv
import errno
import json
import os
from collections.abc import Iterable
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from kiosk.domain.clock import local_text
from kiosk.domain.forms import Form, Question, localized
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

# The CSV's header, column by column.
HEADERS = {
    "sequence": "Số thứ tự",
    "uuid": "Mã phiếu",
    "form_id": "Mẫu phiếu",
    "form_version": "Phiên bản mẫu phiếu",
    "unit_code": "Mã đơn vị",
    "counter": "Quầy",
    "device_id": "Mã máy",
    "officer": "Cán bộ trong ca",
    "started_at": "Bắt đầu",
    "finished_at": "Hoàn thành lúc",
    "duration_ms": "Thời gian làm phiếu (ms)",
    "id_method": "Cách định danh",
    "status": "Trạng thái",
    "verdict": "Đánh giá",
    "language": "Ngôn ngữ",
    "dossier_code": "Mã hồ sơ",
    "delivered": "Đã gửi về cổng",
}
ID_METHODS = {"typed": "Nhập trên máy", "qr": "Quét mã QR", "none": "Không định danh"}
STATUSES = {"complete": "Hoàn thành", "incomplete": "Chưa hoàn thành"}
# After the label of a choice that asks for a text ("Lý do khác"): the column of that text.
WRITTEN = "(ghi rõ)"
# Answers to questions the current form does not ask (an earlier version's, another form's):
# kept, as "id: value", so that a form changed on the tablet never drops what was answered.
ELSEWHERE = "Câu hỏi ngoài mẫu phiếu hiện tại"
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
    }


class _AnswerColumns:
    """The CSV's columns for the form's questions: headers, and each row's cells."""

    def __init__(self, form: Form):
        # Each question but the verdict (its own column, "Đánh giá"), with the label of its
        # choice that asks for a text (or None).
        self.known = {q.id for q in form.questions}
        self.questions = [(q, _other(q)) for q in form.questions if q is not form.verdict]
        self.headers: list[str] = []
        for question, other in self.questions:
            self.headers.append(_header(question, localized(question.text, "vi")))
            if other is not None:
                self.headers.append(_header(question, f"{other} {WRITTEN}"))
        self.headers.append(ELSEWHERE)

    def cells(self, answers: dict[str, Any]) -> list[str]:
        cells: list[str] = []
        for question, other in self.questions:
            given = answers.get(question.id) or {}
            cells.append(_shown(question, given.get("value")))
            if other is not None:
                cells.append(given.get("other_text") or "")
        elsewhere = [(qid, a) for qid, a in answers.items() if qid not in self.known]
        cells.append("; ".join(f"{qid}: {_plain(a)}" for qid, a in elsewhere))
        return cells


def _header(question: Question, words: str) -> str:
    # The id first: it tells apart questions of like wording, and matches the form file.
    return f"{question.id} — {words}"


def _other(question: Question) -> str | None:
    """The Vietnamese label of the question's choice that asks for a text, if it has one."""
    return next((localized(c.label, "vi") for c in question.choices if c.other_prompt), None)


def _shown(question: Question, value: object) -> str:
    """An answer as a clerk reads it: the chosen choices' labels, or the text written."""
    given = value if isinstance(value, list) else [] if value is None else [value]
    shown = []
    for item in given:
        choice = question.choice(str(item))
        shown.append(localized(choice.label, "vi") if choice else str(item))
    return "; ".join(shown)


def _plain(given: Any) -> str:
    """An answer of a question the form does not know: its value (and text) as stored."""
    value = given.get("value") if isinstance(given, dict) else given
    shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value or "")
    other = given.get("other_text") if isinstance(given, dict) else ""
    return f"{shown} ({other})" if other else shown


def _for_people(row: Response, form: Form, columns: _AnswerColumns, zone: str) -> list[object]:
    record = _record(row)
    verdict = form.verdict
    record.update(
        started_at=local_text(row.started_at, zone, seconds=True),
        finished_at=local_text(row.finished_at, zone, seconds=True),
        id_method=ID_METHODS.get(row.id_method, row.id_method),
        status=STATUSES.get(row.status, row.status),
        verdict=_shown(verdict, row.verdict) if verdict else row.verdict or "",
        delivered="Có" if record["delivered"] else "Chưa",
    )
    return [record[c] for c in COLUMNS] + columns.cells(row.answers or {})


def write_export(rows: Iterable[Response], fmt: str, out: TextIO, form: Form, zone: str) -> int:
    """Write the rows as 'csv' (for people: see above) or 'jsonl'; return how many.

    `form` gives the CSV its answer columns and labels; `zone` is the unit's time zone
    (integrity.timezone).
    """
    count = 0
    if fmt == "csv":
        out.write(BOM)
        writer = csv.writer(out)
        columns = _AnswerColumns(form)
        writer.writerow([HEADERS[c] for c in COLUMNS] + columns.headers)
        for row in rows:
            writer.writerow(_for_people(row, form, columns, zone))
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(_record(row), ensure_ascii=False) + "\n")
            count += 1
    return count


def export_to_file(rows: Iterable[Response], fmt: str, path: Path, form: Form, zone: str) -> int:
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
            count = write_export(rows, fmt, out, form, zone)
            out.flush()
            os.fsync(out.fileno())
        os.replace(part, path)
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    sync_folder(path.parent)
    return count
