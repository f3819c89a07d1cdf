"""A dossier as the portal tells a tablet about it (`POST /api/v1/dossiers/lookup`, signed
as sync signs), and the statuses both sides name.

The tablet sends `{"code": "..."}` and gets `{"found": false}`, `{"found": false, "kept":
false}` when its unit's dossiers are not kept at the portal (no code could be found: the
tablet must not say the citizen's dossier does not exist), or the dossier: its
procedure and field, when it was received and promised, when returned, its status, whether
it is late and by how many days, and the apology the unit recorded for a late dossier. No
applicant's name or number is ever in it: the portal keeps none.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

PROCESSING = "processing"  # đang giải quyết
READY = "ready"  # đã có kết quả, chờ trả tại quầy
RETURNED = "returned"  # đã trả kết quả
STATUSES = (PROCESSING, READY, RETURNED)


@dataclass(frozen=True)
class DossierView:
    """What a citizen may see of a dossier at the counter."""

    code: str
    procedure: str
    field: str
    received_at: datetime
    appointment_at: datetime
    returned_at: datetime | None
    status: str  # one of STATUSES
    late: bool  # returned after its appointment, or still processing past it
    delay_days: int  # days past the appointment (0 when on time)
    counter: str = ""  # where a ready result is collected, when the one-stop software says
    apology: str = ""  # the unit's words for a late dossier ("" when it recorded none)

    def to_json(self) -> dict[str, object]:
        body: dict[str, object] = {"found": True} | {
            name: getattr(self, name) for name in self.__dataclass_fields__
        }
        for name in ("received_at", "appointment_at", "returned_at"):
            moment = getattr(self, name)
            body[name] = moment.isoformat(timespec="minutes") if moment else None
        return body


class NotADossier(ValueError):
    """A reply that is not the portal's word on a dossier."""


def read_lookup(body: object) -> DossierView | None:
    """The dossier in a lookup's reply; None for `{"found": false}`. Anything else (a
    captive portal's JSON, a truncated body) is `NotADossier`: the tablet says it could not
    ask, never that the dossier does not exist."""
    if not isinstance(body, dict) or not isinstance(body.get("found"), bool):
        raise NotADossier("no 'found'")
    if not body["found"]:
        return None
    try:
        returned = body.get("returned_at")
        view = DossierView(
            code=_text(body, "code"),
            procedure=_text(body, "procedure"),
            field=_text(body, "field"),
            received_at=datetime.fromisoformat(_text(body, "received_at")),
            appointment_at=datetime.fromisoformat(_text(body, "appointment_at")),
            returned_at=datetime.fromisoformat(returned) if isinstance(returned, str) else None,
            status=_text(body, "status"),
            late=bool(body.get("late")),
            delay_days=int(body.get("delay_days") or 0),
            counter=str(body.get("counter") or ""),
            apology=str(body.get("apology") or ""),
        )
    except (TypeError, ValueError) as exc:
        raise NotADossier(str(exc)) from None
    if view.status not in STATUSES:
        raise NotADossier(f"status {view.status!r}")
    return view


def dossiers_kept(body: object) -> bool:
    """Whether a `{"found": false}` reply speaks for the unit's dossiers (False: the portal
    keeps none of this unit's, so "not found" says nothing of the code)."""
    return not (isinstance(body, dict) and body.get("kept") is False)


def _text(body: dict[str, object], key: str) -> str:
    value = body.get(key)
    if not isinstance(value, str):
        raise NotADossier(f"no {key!r}")
    return value


def delay(appointment_at: datetime, returned_at: datetime | None, now: datetime) -> int:
    """Days past the appointment, counted by calendar day as a citizen counts them (at least
    1 once it is late at all): returned late, or still out after it. 0 on time."""
    end = returned_at or now
    if end <= appointment_at:
        return 0
    return max(1, (end.date() - appointment_at.date()).days)
