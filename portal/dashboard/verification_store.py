"""Re-verification (phúc tra) without the web: drawing a sample, reading it, recording
what each call found, and the confirmation rate the reports print.

The population of a sample is a unit's counted answers (no integrity flag) finished in the
period that carry a sealed phone: only a citizen who left a phone can be called back. The
draw is `random.Random(seed).sample(population, size)` over the answers' UUIDs sorted, the
seed recorded with the sample, so anyone holding the database can draw it again and find
the same answers (as long as the population is the same: an answer flagged or arriving
later changes it). A unit and period has one sample, kept: asking again gives it back.

A citizen who gives another verdict than the one recorded disowns the answer: it carries
the flag "disowned" (portal/store/answer_facts.py set_flags), so the reports leave it out
and count it among the flagged. Recording another outcome later takes the flag off again.

Confirmation rate = confirmed ÷ reached, where reached = the calls in which the citizen
answered the question (confirmed + said otherwise); not reachable, wrong number and
declined are called but not reached.
"""

from __future__ import annotations

import math
import random
import re
import secrets
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timezone

from sqlalchemy import Connection, Engine, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.domain.forms import Form, localized
from portal.forms import find_form
from portal.reports.numbers import percent
from portal.reports.request import Period, parse_period
from portal.store.answer_facts import LOCAL_ZONE, set_flags, settle_dossiers
from portal.store.dashboard_tables import VerificationItem, VerificationSample
from portal.store.models import Answer

DISOWNED = "disowned"
CONFIRMED, DISPUTED = "confirmed", "disputed"
OUTCOMES = {
    CONFIRMED: "Xác nhận đúng",
    DISPUTED: "Công dân nói khác",
    "unreachable": "Không liên lạc được",
    "wrong_number": "Sai số điện thoại",
    "declined": "Từ chối trả lời",
}
REACHED = (CONFIRMED, DISPUTED)
RATE_FORMULA = (
    "Tỷ lệ xác nhận = số phiếu người dân xác nhận đúng ÷ số phiếu liên lạc được "
    "(xác nhận đúng + công dân nói khác); không liên lạc được, sai số điện thoại và từ chối "
    "trả lời không tính vào mẫu số."
)
# A quick form's verdicts: what a citizen may say when the answer's form has none.
QUICK_VERDICTS = {"satisfied": "Hài lòng", "not_satisfied": "Chưa hài lòng"}
_SIZE = re.compile(r"^\s*(\d{1,3}(?:[.,]\d{1,2})?)\s*%\s*$|^\s*(\d{1,6})\s*$")


class VerificationError(ValueError):
    """A sample or outcome that cannot be made as asked; the message is Vietnamese."""


class NotInSample(LookupError):
    """No such sample, or no such answer in it."""


@dataclass(frozen=True)
class Size:
    """A sample's size as asked: a percentage of the population or a number of answers."""

    share: float | None = None
    count: int | None = None

    def of(self, population: int) -> int:
        if self.share is not None:
            return min(population, max(1, math.ceil(population * self.share / 100)))
        return min(population, self.count or 0)

    def __str__(self) -> str:
        return f"{self.share:g}%" if self.share is not None else str(self.count)


def parse_size(text: str) -> Size:
    """ "5%" (also "2,5 %") or "20"; VerificationError otherwise."""
    match = _SIZE.match(text or "")
    if match and match[1]:
        share = float(match[1].replace(",", "."))
        if 0 < share <= 100:
            return Size(share=share)
    elif match and int(match[2]) >= 1:
        return Size(count=int(match[2]))
    raise VerificationError(
        "Cỡ mẫu ghi theo phần trăm (ví dụ 5%, từ trên 0 đến 100%) hoặc số phiếu (ví dụ 20)."
    )


def period_of(text: str, today: date) -> Period:
    """A period that has ended (a month, quarter, half-year or year): a sample is drawn
    once, so one drawn while the period runs would never reach its later answers."""
    period = parse_period(text)
    assert period.start is not None and period.end is not None
    if period.end >= today:
        raise VerificationError(
            f"Kỳ {period.label} chưa kết thúc (đến hết ngày {period.end:%d/%m/%Y}): chỉ rút "
            "mẫu phúc tra cho kỳ đã qua, vì mẫu được rút một lần và giữ nguyên."
        )
    return period


def period_label(start: date, end: date) -> str:
    """A sample's period in words, as parse_period names it when it is one of its kinds."""
    for text in (f"{start.year}", f"{start.year}-Q{(start.month + 2) // 3}", f"{start:%Y-%m}"):
        period = parse_period(text)
        if (period.start, period.end) == (start, end):
            return period.label
    half = parse_period(f"{start.year}-H{1 if start.month <= 6 else 2}")
    if (half.start, half.end) == (start, end):
        return half.label
    return f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"


def population(connection: Connection, unit: str, start: date, end: date) -> list[str]:
    """The UUIDs, sorted, of the unit's counted answers in the period with a sealed phone."""
    sealed = Answer.payload["personal_sealed"].as_string()
    query = select(Answer.uuid).where(
        Answer.unit_code == unit,
        Answer.local_day >= start,
        Answer.local_day <= end,
        Answer.flags == "",
        sealed.is_not(None),
        sealed != "",
    )
    return sorted(connection.execute(query).scalars())


def draw(uuids: Iterable[str], seed: str, size: int) -> list[str]:
    """The sample, in the order drawn: the same seed and population give the same one."""
    return random.Random(seed).sample(sorted(uuids), size)


@dataclass(frozen=True)
class Drawn:
    sample_id: int
    new: bool  # False: the unit and period already had this sample, kept as it was


def draw_sample(
    engine: Engine, unit: str, period: Period, size: Size, user: str, seed: str | None = None
) -> Drawn:
    """The unit's sample for the period: drawn now when it has none, else the one kept."""
    assert period.start is not None and period.end is not None
    kept = _existing(engine, unit, period.start, period.end)
    if kept is not None:
        return Drawn(kept, False)
    seed = seed or secrets.token_hex(8)
    try:
        with Session(engine) as session, session.begin():
            uuids = population(session.connection(), unit, period.start, period.end)
            if not uuids:
                raise VerificationError(
                    f"Đơn vị {unit} không có phiếu hợp lệ nào để lại số điện thoại trong "
                    f"{period.label}: không có gì để phúc tra."
                )
            chosen = draw(uuids, seed, size.of(len(uuids)))
            sample = VerificationSample(
                unit_code=unit,
                start=period.start,
                end=period.end,
                seed=seed,
                population=len(uuids),
                size=len(chosen),
                drawn_by=user,
                drawn_at=_now(),
            )
            session.add(sample)
            session.flush()
            session.add_all(
                VerificationItem(sample_id=sample.id, answer_uuid=uuid, position=number)
                for number, uuid in enumerate(chosen, 1)
            )
            return Drawn(sample.id, True)
    except IntegrityError:  # drawn at the same moment by someone else: theirs is kept
        kept = _existing(engine, unit, period.start, period.end)
        if kept is None:
            raise
        return Drawn(kept, False)


def _existing(engine: Engine, unit: str, start: date, end: date) -> int | None:
    query = select(VerificationSample.id).where(
        VerificationSample.unit_code == unit,
        VerificationSample.start == start,
        VerificationSample.end == end,
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar()


@dataclass(frozen=True)
class Tally:
    """What a sample's calls came to."""

    sampled: int = 0
    called: int = 0  # with an outcome recorded
    reached: int = 0  # confirmed + disputed
    confirmed: int = 0
    disputed: int = 0
    disowned: int = 0  # disputed with another verdict: flagged

    @property
    def percent(self) -> float | None:
        """The confirmation rate: confirmed ÷ reached (None before anyone is reached)."""
        return percent(self.confirmed, self.reached)


@dataclass(frozen=True)
class SampleInfo:
    id: int
    unit: str
    start: date
    end: date
    label: str
    seed: str
    population: int
    size: int
    drawn_by: str
    drawn_at: datetime  # local time
    tally: Tally


def samples(
    engine: Engine,
    units: frozenset[str] | None,
    start: date | None = None,
    end: date | None = None,
    sample_id: int | None = None,
) -> list[SampleInfo]:
    """The samples of `units` (None: every unit) whose period lies within start–end,
    newest period first, each with its tally."""
    query = select(VerificationSample).order_by(
        VerificationSample.start.desc(), VerificationSample.unit_code
    )
    if units is not None:
        query = query.where(VerificationSample.unit_code.in_(sorted(units)))
    if start is not None:
        query = query.where(VerificationSample.start >= start)
    if end is not None:
        query = query.where(VerificationSample.end <= end)
    if sample_id is not None:
        query = query.where(VerificationSample.id == sample_id)
    with Session(engine) as session:
        found = list(session.scalars(query))
        tallies = _tallies(session.connection(), [s.id for s in found])
    return [
        SampleInfo(
            s.id,
            s.unit_code,
            s.start,
            s.end,
            period_label(s.start, s.end),
            s.seed,
            s.population,
            s.size,
            s.drawn_by,
            _local(s.drawn_at),
            tallies.get(s.id, Tally()),
        )
        for s in found
    ]


def _tallies(connection: Connection, ids: list[int]) -> dict[int, Tally]:
    if not ids:
        return {}
    query = (
        select(
            VerificationItem.sample_id,
            VerificationItem.outcome,
            VerificationItem.citizen_verdict,
            Answer.verdict,
        )
        .join(Answer, Answer.uuid == VerificationItem.answer_uuid)
        .where(VerificationItem.sample_id.in_(ids))
    )
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for sample_id, outcome, citizen, recorded in connection.execute(query):
        slot = counts[sample_id]
        slot["sampled"] += 1
        if outcome is None:
            continue
        slot["called"] += 1
        slot["reached"] += outcome in REACHED
        slot["confirmed"] += outcome == CONFIRMED
        slot["disputed"] += outcome == DISPUTED
        slot["disowned"] += _disowns(outcome, citizen, recorded)
    return {sample_id: Tally(**slot) for sample_id, slot in counts.items()}


def _disowns(outcome: str | None, citizen: str | None, recorded: str | None) -> bool:
    return outcome == DISPUTED and citizen != recorded


@dataclass(frozen=True)
class ItemInfo:
    """One sampled answer as the page shows it: never its phone."""

    uuid: str
    position: int
    finished: datetime  # local time
    counter: str
    channel: str
    verdict: str  # in words
    reasons: tuple[str, ...]  # in words
    outcome: str | None
    citizen_verdict: str  # in words, "" unless disputed
    disowned: bool
    opened_count: int
    recorded_by: str | None
    recorded_at: datetime | None  # local time
    verdicts: dict[str, str]  # what the citizen may say instead: id → words


def items(engine: Engine, sample_id: int, uuid: str | None = None) -> list[ItemInfo]:
    """A sample's answers in the order drawn (only `uuid` when given)."""
    query = (
        select(VerificationItem, Answer)
        .join(Answer, Answer.uuid == VerificationItem.answer_uuid)
        .where(VerificationItem.sample_id == sample_id)
        .order_by(VerificationItem.position)
    )
    if uuid is not None:
        query = query.where(VerificationItem.answer_uuid == uuid)
    forms: dict[tuple[str, int], Form | None] = {}
    shown = []
    with Session(engine) as session:
        for item, answer in session.execute(query):
            key = (answer.form_id, answer.form_version)
            if key not in forms:
                forms[key] = find_form(engine, *key)
            shown.append(_item(item, answer, forms[key]))
    return shown


def _item(item: VerificationItem, answer: Answer, form: Form | None) -> ItemInfo:
    verdicts = _verdicts(form)
    reasons = answer.payload.get("reasons") or []
    question = next((q for q in form.questions if q.id == "reasons"), None) if form else None
    words = []
    for reason in reasons if isinstance(reasons, list) else []:
        choice = question.choice(str(reason)) if question else None
        words.append(localized(choice.label, "vi") if choice else str(reason))
    return ItemInfo(
        uuid=item.answer_uuid,
        position=item.position,
        finished=_local(answer.finished_at),
        counter=answer.counter or "",
        channel=answer.channel,
        verdict=verdicts.get(answer.verdict or "", answer.verdict or "—"),
        reasons=tuple(words),
        outcome=item.outcome,
        citizen_verdict=verdicts.get(item.citizen_verdict or "", item.citizen_verdict or ""),
        disowned=_disowns(item.outcome, item.citizen_verdict, answer.verdict),
        opened_count=item.opened_count,
        recorded_by=item.recorded_by,
        recorded_at=_local(item.recorded_at) if item.recorded_at else None,
        verdicts=verdicts,
    )


def _verdicts(form: Form | None) -> dict[str, str]:
    question = form.verdict if form else None
    if question is None:
        return dict(QUICK_VERDICTS)
    return {choice.id: localized(choice.label, "vi") for choice in question.choices}


def sample_unit(engine: Engine, sample_id: int) -> str:
    """The unit a sample belongs to; NotInSample when there is no such sample."""
    with Session(engine) as session:
        sample = session.get(VerificationSample, sample_id)
        if sample is None:
            raise NotInSample(sample_id)
        return sample.unit_code


def sealed_phone(engine: Engine, sample_id: int, uuid: str) -> str:
    """The sealed box (base64) of a sampled answer; NotInSample when the answer is not in
    the sample, VerificationError when it carries none."""
    query = (
        select(Answer.payload)
        .join(VerificationItem, VerificationItem.answer_uuid == Answer.uuid)
        .where(VerificationItem.sample_id == sample_id, VerificationItem.answer_uuid == uuid)
    )
    with engine.connect() as connection:
        payload = connection.execute(query).scalar()
    if payload is None:
        raise NotInSample(uuid)
    sealed = payload.get("personal_sealed")
    if not sealed:
        raise VerificationError("Phiếu này không có số điện thoại niêm phong.")
    return str(sealed)


def count_opening(engine: Engine, sample_id: int, uuid: str) -> int:
    """One more opening of the answer's phone; how many there have been."""
    with Session(engine) as session, session.begin():
        item = session.get(VerificationItem, (sample_id, uuid), with_for_update=True)
        if item is None:
            raise NotInSample(uuid)
        item.opened_count += 1
        return item.opened_count


def record_outcome(
    engine: Engine, sample_id: int, uuid: str, outcome: str, citizen_verdict: str, user: str
) -> bool:
    """What the call found, replacing what was recorded before; the answer flagged
    "disowned" when the citizen gives another verdict (the flag taken off when a later
    outcome says otherwise). Returns whether the answer is now disowned."""
    if outcome not in OUTCOMES:
        raise VerificationError("Vui lòng chọn kết quả cuộc gọi.")
    with Session(engine) as session, session.begin():
        item = session.get(VerificationItem, (sample_id, uuid), with_for_update=True)
        answer = session.scalars(select(Answer).where(Answer.uuid == uuid)).first()
        if item is None or answer is None:
            raise NotInSample(uuid)
        form = find_form(session.connection(), answer.form_id, answer.form_version)
        if outcome == DISPUTED and citizen_verdict not in _verdicts(form):
            raise VerificationError(
                "Công dân nói khác: vui lòng chọn đánh giá mà công dân cho biết."
            )
        before = _disowns(item.outcome, item.citizen_verdict, answer.verdict)
        item.outcome = outcome
        item.citizen_verdict = citizen_verdict if outcome == DISPUTED else None
        item.recorded_by, item.recorded_at = user, _now()
        after = _disowns(item.outcome, item.citizen_verdict, answer.verdict)
        if before != after:
            names = {name for name in answer.flags.split(",") if name}
            names = names | {DISOWNED} if after else names - {DISOWNED}
            connection = session.connection()
            set_flags(connection, answer.id, ",".join(sorted(names)))
            settle_dossiers(connection, [answer.dossier_code])  # another verdict may count now
        return after


def report_section(
    connection: Connection, units: Iterable[str], start: date | None, end: date | None
) -> dict | None:
    """The report's `verification`: each sample of the units (every unit when none) whose
    period lies within the report's; None when there is none."""
    table = VerificationSample
    query = select(table.id, table.unit_code, table.start, table.end, table.population)
    query = query.order_by(table.unit_code, table.start)
    if units:
        query = query.where(table.unit_code.in_(sorted(units)))
    if start is not None:
        query = query.where(table.start >= start)
    if end is not None:
        query = query.where(table.end <= end)
    found = list(connection.execute(query))
    if not found:
        return None
    tallies = _tallies(connection, [sample.id for sample in found])
    rows = []
    for sample in found:
        tally = tallies.get(sample.id, Tally())
        rows.append(
            {
                "unit": sample.unit_code,
                "label": period_label(sample.start, sample.end),
                "from": sample.start.isoformat(),
                "to": sample.end.isoformat(),
                "population": sample.population,
                "sampled": tally.sampled,
                "called": tally.called,
                "reached": tally.reached,
                "confirmed": tally.confirmed,
                "disputed": tally.disputed,
                "disowned": tally.disowned,
                "percent": tally.percent,
            }
        )
    return {"formula": RATE_FORMULA, "samples": rows}


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def _local(moment: datetime) -> datetime:
    """A stored time (naive UTC) in Vietnam's local time, naive, for the page."""
    return moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE).replace(tzinfo=None)
