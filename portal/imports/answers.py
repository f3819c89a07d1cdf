"""A checked paper form (or call) as the answer the portal keeps: the contract's shape
(portal.schemas.AnswerIn), as a kiosk's, with channel "paper" or "phone".

Importing a file again must give the very same answers, so that the store sees duplicates
(nothing added) and a changed row as a conflict (never overwritten). So nothing in them
comes from the moment of the import:

- the uuid is derived (uuid5) from the form, the unit, the source and the form number;
- the time is noon, Vietnam's time, of the row's `date`; a row without one is dated the
  day it was first imported, and a later import finds that day in the stored answer;
- device_id is the source ("paper", "phone"): no tablet signed it; id_method "none";
- sequence is the form number (a positive whole number: 002 is 2), which exports show.

Before anything is stored, the answers already there are looked up by uuid with their
content's hash: a row that would be a conflict (imported before, changed since) is known
before the import starts, so that it can be set aside with the rows in error.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import date, datetime, time, timezone
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, select

from kiosk.domain.forms import Form
from kiosk.domain.questions.summary import quick_summary
from portal.imports.rows import Paper
from portal.intake import content_hash
from portal.schemas import AnswerIn
from portal.store.models import Answer

# Never to change: every imported answer's uuid derives from it.
NAMESPACE = uuid.UUID("3c5b0f4e-8a5e-4d0b-9a51-6b1f3f0a2d17")
# Vietnam keeps one time zone (the kiosk's integrity.timezone default).
ZONE = ZoneInfo("Asia/Ho_Chi_Minh")
NOON = time(12)
CHUNK = 500  # uuids in one IN (…) list


def paper_uuid(form_id: str, unit: str, source: str, form_no: int) -> str:
    """The answer's uuid: the same form number of the same form, unit and source, the same
    answer, however often it is imported (the number as digits: "002" and "2" are one)."""
    return str(uuid.uuid5(NAMESPACE, "\n".join((form_id, unit, source, str(form_no)))))


def noon_of(day: date) -> datetime:
    """A day without its hour: noon in Vietnam, which is that day in UTC too."""
    return datetime.combine(day, NOON, tzinfo=ZONE).astimezone(timezone.utc)


def dated_before(engine: Engine, uuids: Iterable[str]) -> dict[str, str]:
    """When each of these answers is dated, for those stored already."""
    payloads = _stored(engine, uuids, Answer.payload)
    return {
        answer_uuid: str(payload["finished_at"])
        for answer_uuid, payload in payloads.items()
        if isinstance(payload, dict) and payload.get("finished_at")
    }


def hashes_before(engine: Engine, uuids: Iterable[str]) -> dict[str, str]:
    """The content hash of each of these answers stored already."""
    return {
        uuid: str(digest) for uuid, digest in _stored(engine, uuids, Answer.content_hash).items()
    }


def _stored(engine: Engine, uuids: Iterable[str], column: Any) -> dict[str, Any]:
    """One column of each of these answers stored already, read CHUNK uuids at a time."""
    wanted = list(uuids)
    found: dict[str, Any] = {}
    with engine.connect() as connection:
        for start in range(0, len(wanted), CHUNK):
            chunk = wanted[start : start + CHUNK]
            query = select(Answer.uuid, column).where(Answer.uuid.in_(chunk))
            found.update({answer_uuid: value for answer_uuid, value in connection.execute(query)})
    return found


def changed_since(answer: AnswerIn, before: dict[str, str]) -> bool:
    """Whether the answer was stored before with other content (the intake's conflict)."""
    stored = before.get(answer.uuid)
    return stored is not None and stored != content_hash(answer.model_dump(mode="json"))


def answer_for(
    paper: Paper, form: Form, unit: str, source: str, moment: datetime | str
) -> AnswerIn:
    """The answer the portal keeps for a checked row; raises pydantic's ValidationError
    when the contract refuses it (a limit no form check knows of)."""
    summary = quick_summary(form, paper.answers)
    verdict = form.verdict
    given = paper.answers.get(verdict.id) if verdict else None
    body = {
        "uuid": paper_uuid(form.id, unit, source, paper.form_no),
        "sequence": paper.form_no,
        "form_id": form.id,
        "form_version": form.version,
        "unit_code": unit,
        "counter": paper.counter,
        "device_id": source,
        "started_at": moment,
        "finished_at": moment,
        "duration_ms": 0,  # a paper form's time is not known
        "id_method": "none",
        "status": "complete" if paper.complete else "incomplete",
        "verdict": given.value if given and isinstance(given.value, str) else None,
        "reasons": summary.reasons,
        "comment": summary.comment,
        "answers": {
            qid: {"value": a.value, "other_text": a.other_text} for qid, a in paper.answers.items()
        },
        "language": "vi",
        "channel": source,
    }
    return AnswerIn.model_validate(body)
