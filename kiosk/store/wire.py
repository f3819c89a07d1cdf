"""An answer as it travels to the portal: the kiosk's stored row mapped onto the contract's
`WireAnswer` (contract/wire.py holds its keys, time stamps and sealed-box encoding)."""

from __future__ import annotations

from contract.wire import WireAnswer
from kiosk.store.models import Response


def to_wire(row: Response) -> dict[str, object]:
    """The JSON object for one stored answer: no personal data but the sealed box."""
    return WireAnswer(
        uuid=row.uuid,
        sequence=row.id,
        form_id=row.form_id,
        form_version=row.form_version,
        unit_code=row.unit_code,
        counter=row.counter,
        device_id=row.device_id,
        officer=row.officer,
        started_at=row.started_at,
        finished_at=row.finished_at,
        duration_ms=row.duration_ms,
        id_method=row.id_method,
        status=row.status,
        verdict=row.verdict,
        reasons=list(row.reasons),
        comment=row.comment,
        answers=row.answers,
        language=row.language,
        dossier_code=row.dossier_code,
        phone_hash=row.phone_hash,
        citizen_id_hash=row.citizen_id_hash,
        app_version=row.app_version,
        flags=list(row.flags or []),
        personal_sealed=row.personal_sealed,
        drawn=row.drawn,
        follows=row.follows,
    ).to_json()
