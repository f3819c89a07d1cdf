"""Exporting stored answers for staff and IT, without personal data (CSV or JSON lines).

JSON lines are for programs: codes, UTC times. The CSV is for people who open it in Excel:
UTF-8 with a byte-order mark (or Excel reads the Vietnamese as Latin-1), Vietnamese column
names, the form's Vietnamese labels for the verdict and reasons, and the unit's local time.
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

from kiosk.domain.clock import local_text
from kiosk.domain.forms import Form, localized
from kiosk.store.files import sync_folder
from kiosk.store.models import Response

COLUMNS = (
    "sequence", "uuid", "form_id", "form_version", "unit_code", "counter", "device_id",
    "officer", "started_at", "finished_at", "duration_ms", "id_method", "status", "verdict",
    "reasons", "comment", "language", "dossier_code", "delivered",
)  # fmt: skip

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
    "reasons": "Nội dung chưa hài lòng",
    "comment": "Các ý kiến góp ý khác",
    "language": "Ngôn ngữ",
    "dossier_code": "Mã hồ sơ",
    "delivered": "Đã gửi về cổng",
}
ID_METHODS = {"typed": "Nhập trên máy", "qr": "Quét mã QR", "none": "Không định danh"}
STATUSES = {"complete": "Hoàn thành", "incomplete": "Chưa hoàn thành"}
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
        "reasons": list(row.reasons),
        "comment": row.comment,
        "language": row.language,
        "dossier_code": row.dossier_code or "",
        "delivered": bool(row.outbox and row.outbox.state == "delivered"),
    }


def _labels(form: Form) -> dict[str, str]:
    """Every choice's Vietnamese label by its id (verdicts and reasons)."""
    return {c.id: localized(c.label, "vi") for q in form.questions for c in q.choices}


def _for_people(row: Response, labels: dict[str, str], zone: str) -> dict[str, object]:
    record = _record(row)
    record.update(
        started_at=local_text(row.started_at, zone, seconds=True),
        finished_at=local_text(row.finished_at, zone, seconds=True),
        id_method=ID_METHODS.get(row.id_method, row.id_method),
        status=STATUSES.get(row.status, row.status),
        verdict=labels.get(row.verdict or "", row.verdict or ""),
        reasons="; ".join(labels.get(r, r) for r in row.reasons),
        delivered="Có" if record["delivered"] else "Chưa",
    )
    return {HEADERS[k]: v for k, v in record.items()}


def write_export(rows: Iterable[Response], fmt: str, out: TextIO, form: Form, zone: str) -> int:
    """Write the rows as 'csv' (for people: see above) or 'jsonl'; return how many.

    `form` gives the CSV its labels; `zone` is the unit's time zone (integrity.timezone).
    """
    count = 0
    if fmt == "csv":
        out.write(BOM)
        writer = csv.DictWriter(out, fieldnames=[HEADERS[c] for c in COLUMNS])
        writer.writeheader()
        labels = _labels(form)
        for row in rows:
            writer.writerow(_for_people(row, labels, zone))
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
