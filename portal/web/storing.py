"""A web survey's answer as the portal keeps it: the contract's answer (AnswerIn) filled as
a tablet fills it (kiosk/store/answers.py: every question's answer as itself, the quick
form's summary, the sealed box), with channel "web", stored by the maintainer's
`store_channel_answers` once per UUID.

What applies of a tablet's rules on a phone, and why:
- identification: a dossier code is required (the receipt's; the one thing that ties a
  web answer to a service given, and what makes "one verdict per dossier" work); a phone
  number is optional, for re-verification, sealed to the portal's public key at once and
  never kept or logged in clear; no ID number: a tablet asks it for two rules of its own
  counter (the same ID repeating in a day, the officer's own ID), neither of which a phone
  at home can help, and decree 13/2023 says to collect only what is needed.
- integrity flags (contract.wire.KIOSK_FLAGS): too_soon and burst apply per client (the
  kiosk's rules, with a client's recent answers as its history, portal/web/limits.py);
  after_hours does not (a poster's survey is answered from home, in the evening too);
  unidentified cannot happen (the dossier code is required); repeat_id and officer_self
  need the ID number the web does not ask.
- one verdict per dossier: a dossier already rated at the portal, by any channel, is
  refused before a survey begins and again as its verdict is stored, in the insert's own
  transaction (`one_verdict`): two phones finishing one dossier at once store one verdict.
  A tablet's answer is never refused for it (it was given at the counter; the portal
  flags duplicate_dossier at report time), so there is no unique index on the dossier.
"""

from __future__ import annotations

import base64
import hashlib
import json
from collections.abc import Callable
from datetime import datetime, timezone

from nacl.public import PublicKey, SealedBox
from sqlalchemy import BigInteger, Connection, Engine, cast, func, select

from contract.wire import WEB, sealed_text, stamp
from kiosk.domain.flow import FinishedAnswer
from kiosk.domain.forms import Form
from kiosk.domain.integrity import AnswerFacts, History, IntegrityPolicy, flags_for
from kiosk.domain.questions.summary import quick_summary
from portal import __version__
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn, ItemResult
from portal.store.models import Answer
from portal.web.state import SurveyState

WEB_DEVICE = "web"  # the device_id of every web answer: there is no tablet
RATED = "dossier_rated: another answer gave this dossier its verdict"
_LOCK_DOMAIN = b"kiosk-hai-long one verdict per dossier\n"


def seal_phone(public_key: str, phone: str) -> str | None:
    """The phone number in a sealed box to the portal's public key, as a tablet seals it
    (compact JSON, libsodium's sealed box; kiosk/store/personal.py), base64 as it travels;
    None when there is no number or no key (then none is asked)."""
    if not phone or not public_key:
        return None
    box = SealedBox(PublicKey(base64.b64decode(public_key)))
    plain = json.dumps({"phone": phone}, sort_keys=True, separators=(",", ":"))
    return sealed_text(box.encrypt(plain.encode()))


def already_rated(engine: Engine, dossier: str) -> bool:
    """Whether any answer at the portal, of any channel and unit, gave a verdict on it."""
    with engine.connect() as connection:
        return _rated(connection, dossier, besides="")


def _rated(connection: Connection, dossier: str, besides: str) -> bool:
    """Whether an answer other than `besides` (a UUID) gave a verdict on the dossier (its
    canonical code: the portal's dossier column holds that)."""
    query = select(Answer.id).where(Answer.dossier_code == dossier, Answer.verdict.is_not(None))
    query = query.where(Answer.uuid != besides) if besides else query
    return connection.execute(query.limit(1)).first() is not None


def one_verdict(dossier: str, uuid: str) -> Callable[[Connection], str]:
    """The check `store_channel_answers` runs in its insert's transaction for an answer
    with a verdict: RATED when another answer rated the dossier. Check and insert are one
    step: on PostgreSQL under an advisory lock on the dossier (held to the commit), on
    SQLite under the database's write lock, taken before the check (BEGIN IMMEDIATE; a
    plain BEGIN would let two requests read "not rated" and then both write)."""

    def check(connection: Connection) -> str:
        if connection.dialect.name == "postgresql":
            digest = hashlib.sha256(_LOCK_DOMAIN + dossier.encode()).digest()
            key = int.from_bytes(digest[:8], "big", signed=True)  # PostgreSQL's bigint
            connection.execute(select(func.pg_advisory_xact_lock(cast(key, BigInteger))))
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")
        return RATED if _rated(connection, dossier, besides=uuid) else ""

    return check


def is_stored(engine: Engine, uuid: str) -> bool:
    with engine.connect() as connection:
        return connection.execute(select(Answer.id).where(Answer.uuid == uuid)).first() is not None


def web_flags(finished_at: datetime, history: History, policy: IntegrityPolicy) -> list[str]:
    """The kiosk's integrity flags that apply to a web answer (see the module's text)."""
    facts = AnswerFacts(finished_at=finished_at, identified=True, has_citizen_id=False)
    return list(flags_for(facts, history, policy))


def _utc(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None)


def wire_answer(
    finished: FinishedAnswer, form: Form, state: SurveyState, flags: list[str]
) -> AnswerIn:
    """The answer as the contract carries it; a quick answer says its citizen was offered
    the long form (on the web everyone is, where the unit has one; no draw took place
    where it has none), a long one names the quick one it follows."""
    summary = quick_summary(form, finished.answers)
    quick = state.follows is None
    body = {
        "uuid": finished.uuid,
        # A tablet numbers its answers; the web has no such order but the clock's.
        "sequence": max(1, int(finished.finished_at.timestamp() * 1000)),
        "form_id": finished.form_id,
        "form_version": finished.form_version,
        "unit_code": state.unit,
        "counter": state.counter,
        "device_id": WEB_DEVICE,
        "officer": None,
        "started_at": stamp(_utc(finished.started_at)),
        "finished_at": stamp(_utc(finished.finished_at)),
        "duration_ms": max(0, finished.duration_ms),
        "id_method": "typed",
        "status": "complete" if finished.complete else "incomplete",
        "verdict": finished.verdict,
        "reasons": summary.reasons,
        "comment": summary.comment,
        "answers": {
            qid: {"value": a.value, "other_text": a.other_text}
            for qid, a in finished.answers.items()
        },
        "language": finished.language,
        "dossier_code": state.dossier or None,
        "phone_hash": None,  # nothing matches phones: the sealed box only, as on a tablet
        "citizen_id_hash": None,
        "personal_sealed": state.sealed if quick else None,  # kept once, with the verdict
        "app_version": __version__,
        "flags": flags,
        "channel": WEB,
        "drawn": (True if state.long_form else None) if quick else None,
        "follows": state.follows,
    }
    return AnswerIn.model_validate(body)


def store(engine: Engine, answer: AnswerIn, forms: set[tuple[str, int]]) -> ItemResult:
    """Store one web answer; its fate (stored, duplicate, conflict, rejected: RATED when
    its verdict would be the dossier's second). A long answer follows its quick one, which
    holds the verdict: nothing to check."""
    check = None
    if answer.follows is None and answer.verdict is not None and answer.dossier_code:
        check = one_verdict(answer.dossier_code, answer.uuid)
    [fate] = store_channel_answers(engine, [answer], answer.uuid, forms, check)
    return fate
