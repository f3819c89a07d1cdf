"""The answers of the reports benchmark: a province's two years on the portal.

300 units (a few district one-stop units that take many answers, communes that take
few), 24 months (2025-01 … 2026-12, working days, opening hours), mostly decision 2223's
quick form and 2% of the long SIPAS form (each following a quick answer, as on a tablet
that drew its citizen). What each citizen answered comes from the form engine itself
(kiosk.demo.fill_survey: ~85% "Hài lòng", reasons for the others, some comments); each
stored row is made by the portal's own derivation (portal.intake.with_facts on a row
shaped as intake's), so the report columns, answer_choices and answer_texts are what
intake would have stored. Deterministic: the same N gives the same answers.
"""

from __future__ import annotations

import random
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from contract.wire import AFTER_HOURS, BURST, KIOSK, PAPER, REPEAT_ID, TOO_SOON, WEB, stamp
from kiosk.demo import fill_survey
from kiosk.domain.flow import Survey
from kiosk.domain.forms import Form, load_form
from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.summary import quick_summary
from portal.forms import SHIPPED
from portal.intake import content_hash, with_facts
from portal.store.answer_facts import AnswerFacts, fact_rows

# Change it whenever what is generated changes: a database filled by another version is
# filled again (benchmarks/report_store.py keys its cache by N and this).
CONTENT_VERSION = 1
QUICK_FORM, LONG_FORM = "danang-2223", "sipas-dak-song-2023"
UNITS = 300
FIRST_DAY, LAST_DAY = date(2025, 1, 1), date(2026, 12, 31)
LONG_SHARE = 0.02  # of all answers: long ones, each following a quick one
INCOMPLETE_SHARE = 0.03  # quick answers left after the verdict
CHANNEL_WEIGHTS = ((KIOSK, 85), (WEB, 12), (PAPER, 3))
KIOSK_FLAGS = (TOO_SOON, BURST, AFTER_HOURS, REPEAT_ID)
FLAGGED_SHARE = 0.02  # of kiosk answers; the web's flags are rarer
LOCAL_OFFSET = timedelta(hours=7)  # Asia/Ho_Chi_Minh, no summer time
NOBODY = IdentificationPolicy(fields=(), required=(), one_of=())
POOL = 4000  # distinct quick answers from the engine (a long one: a quarter of it)


@dataclass(frozen=True)
class Unit:
    code: str
    name: str
    weight: int  # relative share of the answers
    counters: tuple[str, ...]
    officers: tuple[str, ...]

    def device(self, counter: str) -> str:
        return f"{self.code}-{counter}"


@dataclass(frozen=True)
class Template:
    """What one citizen answered (the payload's answer fields), before where and when."""

    answers: dict[str, dict[str, object]]
    verdict: str | None
    reasons: list[str]
    comment: str
    status: str
    language: str


@dataclass
class Stored:
    """One chunk of rows to insert: answers (with ids), answer_choices, answer_texts."""

    answers: list[dict[str, object]] = field(default_factory=list)
    choices: list[dict[str, object]] = field(default_factory=list)
    texts: list[dict[str, object]] = field(default_factory=list)


def make_units(count: int = UNITS) -> list[Unit]:
    """The province's units: the first 18 district one-stop units, busy; then communes."""
    rng = random.Random(2223)
    units = []
    for index in range(count):
        district = index < 18
        code = f"DN-{index + 1:03d}"
        name = (
            f"Bộ phận Một cửa huyện số {index + 1}" if district else f"UBND xã số {index + 1 - 18}"
        )
        counters = tuple(f"Q{n}" for n in range(1, (rng.randint(3, 6) if district else 3)))
        officers = tuple(f"CB{n:02d}" for n in range(1, rng.randint(3, 8 if district else 5)))
        weight = rng.randint(60, 120) if district else rng.randint(5, 30)
        units.append(Unit(code, name, weight, counters, officers))
    return units


def working_days() -> list[date]:
    days, day = [], FIRST_DAY
    while day <= LAST_DAY:
        if day.weekday() < 5 or (day.weekday() == 5 and day.day % 2):  # some Saturday mornings
            days.append(day)
        day += timedelta(days=1)
    return days


def templates(form: Form, count: int, rng: random.Random) -> list[Template]:
    """`count` answers given through the form engine, as the demo data's citizens give them."""
    made = []
    for _ in range(count):
        survey = Survey(form, NOBODY, "vi" if rng.random() < 0.95 else "en")
        if form.verdict is not None and rng.random() < INCOMPLETE_SHARE:
            question = form.verdict
            value, _ = QUESTION_TYPES[question.type].demo_answer(question, rng, 0.85)
            survey.answer(question.id, value)
            survey.advance()
            finished = survey.abandon()
        else:
            fill_survey(survey, rng)
            finished = survey.finish()
        assert finished is not None  # the verdict was confirmed
        summary = quick_summary(form, finished.answers)
        made.append(
            Template(
                answers={
                    qid: {"value": a.value, "other_text": a.other_text}
                    for qid, a in finished.answers.items()
                },
                verdict=finished.verdict,
                reasons=summary.reasons,
                comment=summary.comment,
                status="complete" if finished.complete else "incomplete",
                language=finished.language,
            )
        )
    return made


class Generator:
    """N answers in the order they finished (ids follow time, as at intake), in chunks."""

    def __init__(self, total: int, seed: int = 14) -> None:
        self.total = total
        self.rng = random.Random(seed)
        self.units = make_units()
        self.weights = [unit.weight for unit in self.units]
        self.forms = {name: load_form(SHIPPED / f"{name}.yaml") for name in (QUICK_FORM, LONG_FORM)}
        quick, long = self.forms[QUICK_FORM], self.forms[LONG_FORM]
        self.quick = templates(quick, POOL, self.rng)
        self.long = templates(long, POOL // 4, self.rng)
        self.next_id = 1
        self.received = datetime(2027, 1, 5, 3, 0)

    def chunks(self, size: int = 10_000) -> Iterator[Stored]:
        chunk = Stored()
        days = working_days()
        for index, day in enumerate(days):
            wanted = self._share(index + 1, len(days)) - self._share(index, len(days))
            for row, form in self._day(day, wanted):
                self._add(chunk, form, row)
                if len(chunk.answers) >= size:
                    yield chunk
                    chunk = Stored()
        if chunk.answers:
            yield chunk

    def _share(self, index: int, days: int) -> int:
        return round(self.total * index / days)

    def _day(self, day: date, wanted: int) -> Iterator[tuple[dict[str, object], Form]]:
        opening = datetime.combine(day, datetime.min.time()) + timedelta(hours=7, minutes=30)
        moments = sorted(self.rng.uniform(0, 9.5 * 3600) for _ in range(wanted))
        made = 0
        for seconds in moments:
            if made >= wanted:
                return
            finished = opening + timedelta(seconds=seconds) - LOCAL_OFFSET  # UTC
            unit = self.rng.choices(self.units, self.weights)[0]
            quick = self._row(unit, finished, QUICK_FORM, None)
            yield quick
            made += 1
            if made < wanted and self.rng.random() < LONG_SHARE / (1 - LONG_SHARE):
                later = finished + timedelta(minutes=self.rng.randint(4, 9))
                yield self._row(unit, later, LONG_FORM, str(quick[0]["uuid"]))
                made += 1

    def _row(
        self, unit: Unit, finished: datetime, form_id: str, follows: str | None
    ) -> tuple[dict[str, object], Form]:
        rng = self.rng
        template = rng.choice(self.long if follows else self.quick)
        channel = rng.choices([c for c, _ in CHANNEL_WEIGHTS], [w for _, w in CHANNEL_WEIGHTS])[0]
        counter = rng.choice(unit.counters)
        flags: list[str] = []
        if channel == KIOSK and rng.random() < FLAGGED_SHARE:
            flags = [rng.choice(KIOSK_FLAGS)]
        elif channel == WEB and rng.random() < FLAGGED_SHARE / 4:
            flags = [TOO_SOON]
        uuid = str(uuid_module.UUID(int=rng.getrandbits(128), version=4))
        dossier = None
        if not follows and template.verdict and rng.random() < 0.6:  # unique: one verdict each
            dossier = f"000.00.{unit.code[-3:]}.H17-{finished:%y%m%d}-{self.next_id:07d}"
        payload = {
            "uuid": uuid,
            "sequence": self.next_id,
            "form_id": form_id,
            "form_version": 1,
            "unit_code": unit.code,
            "counter": counter,
            "device_id": unit.device(counter) if channel == KIOSK else "web",
            "officer": rng.choice(unit.officers) if channel == KIOSK else None,
            "started_at": stamp(finished - timedelta(seconds=rng.randint(20, 400))),
            "finished_at": stamp(finished),
            "duration_ms": rng.randint(20_000, 400_000),
            "id_method": "typed" if dossier else "none",
            "status": template.status,
            "verdict": template.verdict,
            "reasons": template.reasons,
            "comment": template.comment,
            "answers": template.answers,
            "language": template.language,
            "dossier_code": dossier,
            "phone_hash": None,
            "citizen_id_hash": None,
            "personal_sealed": None,
            "app_version": "0.14.0",
            "flags": flags,
            "channel": channel,
            "drawn": (rng.random() < 0.1) if not follows else None,
            "follows": follows,
        }
        row: dict[
            str, object
        ] = {  # portal.intake._channel_row's shape (a tablet's row names its device)
            "uuid": uuid,
            "content_hash": content_hash(payload),
            "received_from": unit.device(counter) if channel == KIOSK else None,
            "channel": channel,
            "unit_code": unit.code,
            "form_id": form_id,
            "form_version": 1,
            "finished_at": finished.replace(microsecond=finished.microsecond // 1000 * 1000),
            "received_at": self.received,
            "batch_id": uuid,
            "dossier_code": dossier,
            "verdict": template.verdict,
            "payload": payload,
        }
        return row, self.forms[form_id]

    def _add(self, chunk: Stored, form: Form, row: dict[str, object]) -> None:
        stored = with_facts(form, row)
        facts: AnswerFacts = stored.pop("_facts")  # type: ignore[assignment]
        answer_id = self.next_id
        self.next_id += 1
        chunk.answers.append(stored | {"id": answer_id})
        choices, texts = fact_rows(answer_id, stored, facts)
        chunk.choices += choices
        chunk.texts += texts
