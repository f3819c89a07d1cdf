"""An answer as it travels to the portal (the `Answer` schema of portal/openapi.yaml)."""

from __future__ import annotations

import base64
from datetime import datetime

from kiosk.store.models import Response


def _stamp(moment: datetime) -> str:
    return moment.isoformat(timespec="milliseconds") + "Z"


def to_wire(row: Response) -> dict[str, object]:
    """The JSON object for one stored answer: no personal data but the sealed box."""
    return {
        "uuid": row.uuid,
        "sequence": row.id,
        "form_id": row.form_id,
        "form_version": row.form_version,
        "unit_code": row.unit_code,
        "counter": row.counter,
        "device_id": row.device_id,
        "officer": row.officer,
        "started_at": _stamp(row.started_at),
        "finished_at": _stamp(row.finished_at),
        "duration_ms": row.duration_ms,
        "id_method": row.id_method,
        "status": row.status,
        "verdict": row.verdict,
        "reasons": list(row.reasons),
        "comment": row.comment,
        "answers": row.answers,
        "language": row.language,
        "dossier_code": row.dossier_code,
        "phone_hash": row.phone_hash,
        "citizen_id_hash": row.citizen_id_hash,
        "app_version": row.app_version,
        "flags": list(row.flags or []),
        "personal_sealed": (
            base64.b64encode(row.personal_sealed).decode() if row.personal_sealed else None
        ),
    }
