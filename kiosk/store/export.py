"""Exporting stored answers for staff and IT, without personal data (CSV or JSON lines)."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from kiosk.store.models import Response

COLUMNS = (
    "sequence", "uuid", "form_id", "form_version", "unit_code", "counter", "device_id",
    "officer", "started_at", "finished_at", "duration_ms", "id_method", "status", "verdict",
    "reasons", "comment", "language", "dossier_code", "delivered",
)  # fmt: skip


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


def write_export(rows: Iterable[Response], fmt: str, out: TextIO) -> int:
    """Write the rows as 'csv' or 'jsonl'; return how many were written."""
    count = 0
    if fmt == "csv":
        writer = csv.DictWriter(out, fieldnames=COLUMNS)
        writer.writeheader()
        for row in rows:
            record = _record(row)
            record["reasons"] = ";".join(record["reasons"])  # type: ignore[arg-type]
            writer.writerow(record)
            count += 1
    else:
        for row in rows:
            out.write(json.dumps(_record(row), ensure_ascii=False) + "\n")
            count += 1
    return count
