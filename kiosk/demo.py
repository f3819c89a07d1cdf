"""Realistic synthetic answers, made through the same flow and store as the UI's."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from kiosk.core import KioskCore
from kiosk.domain.flow import IDENTIFICATION, Survey
from kiosk.domain.integrity import IntegrityPolicy
from kiosk.domain.provinces import PROVINCE_CODES
from kiosk.domain.questions import QUESTION_TYPES

CLOSED_WEEK = 7 * 24 * 12  # five-minute steps


def fake_identity(
    rng: random.Random, now: datetime, dossiers: set[str] | None = None
) -> dict[str, str]:
    """A citizen's identification; a dossier code not in `dossiers` (which it joins), so
    that demo answers are not flagged duplicate_dossier."""
    phone = rng.choice(("03", "05", "07", "08", "09")) + f"{rng.randrange(10**8):08d}"
    born = rng.randint(1945, now.year - 18)
    century_digit = (born // 100 - 19) * 2 + rng.randint(0, 1)
    citizen_id = f"{rng.choice(list(PROVINCE_CODES))}{century_digit}{born % 100:02d}"
    citizen_id += f"{rng.randrange(10**6):06d}"
    if rng.random() < 0.5:
        return {"phone": phone, "citizen_id": citizen_id}
    used = dossiers if dossiers is not None else set()
    while True:
        day = now - timedelta(days=rng.randint(0, 30))
        code = f"000.00.12.H17-{day:%y%m%d}-{rng.randint(1, 9999):04d}"
        if code not in used:
            used.add(code)
            break
    return {"phone": phone, "dossier_code": code}


def fill_survey(
    survey: Survey,
    rng: random.Random,
    dossiers: set[str] | None = None,
    satisfied_share: float = 0.85,
) -> None:
    """Answer every step as a citizen might, leaving the survey ready to finish."""
    while True:
        step = survey.current
        if step == IDENTIFICATION:
            survey.submit_identification(fake_identity(rng, survey.now(), dossiers))
        else:
            _answer(survey, step, rng, satisfied_share)
        if not survey.advance():
            return


def _answer(survey: Survey, question_id: str, rng: random.Random, satisfied: float) -> None:
    question = survey.form.question(question_id)
    value, other_text = QUESTION_TYPES[question.type].demo_answer(question, rng, satisfied)
    survey.answer(question_id, value, other_text)


def demo_moments(
    count: int, now: datetime, policy: IntegrityPolicy, rng: random.Random
) -> list[datetime]:
    """`count` finishing moments before `now`, oldest first, about three minutes apart and
    all within the unit's opening hours (config `integrity`), so that demo answers are
    not flagged after_hours: walking back from now, closed time is skipped."""
    moments: list[datetime] = []
    cursor = now.replace(microsecond=0)
    while len(moments) < count:
        cursor -= timedelta(minutes=3, seconds=rng.randint(0, 100))
        closed = 0
        while not policy.is_open(cursor) and closed < CLOSED_WEEK:  # never open: as it is
            cursor -= timedelta(minutes=5)
            closed += 1
        moments.append(cursor)
    return moments[::-1]


def make_demo_answers(core: KioskCore, count: int, seed: int | None = None) -> int:
    rng = random.Random(seed)
    moments = demo_moments(count, datetime.now(timezone.utc), core.config.integrity, rng)
    dossiers: set[str] = set()
    for moment in moments:
        survey = core.new_survey(rng.choice(("vi",) * 9 + ("en",)))
        survey.now = _at(moment)
        survey.started_at = moment - timedelta(seconds=rng.randint(20, 90))
        fill_survey(survey, rng, dossiers)
        core.save(survey.finish())
    return count


def _at(moment: datetime) -> Callable[[], datetime]:
    """A clock stopped at `moment`: each demo answer finishes at its own moment."""
    return lambda: moment
