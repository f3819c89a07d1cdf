"""Alert rules and what they find: the thresholds the province sets, checked against the
answers with GROUP BY queries (no answer is loaded), each occasion raised once, then sent
(portal/dashboard/notify.py). No web here: the page (alerts.py), the command
(alerts_command.py) and the portal's own check every minute all call `evaluate`.

The kinds (KINDS), each with a threshold X and a window N whose meaning the kind gives:

- not_satisfied_last_n: the share of Chưa hài lòng among a unit's last N counted answers
  is above X%, the N taken within the last LAST_N_DAYS days (the database reads a
  unit's recent days, never its whole history). Looked at only for a unit with an answer
  today or yesterday (a unit that stopped answering is not alarmed every day on old
  answers); once a day at most.
- not_satisfied_day: the share of Chưa hài lòng on one local day (today so far, or
  yesterday) is above X%, once that day has at least N answers: 1 "Chưa hài lòng" of 1
  answer does not alarm.
- reason_rising: one reason given at least N times in the last 7 days (today included)
  and at least X times its weekly average over the 4 weeks before; only for a unit that
  had answers in those 4 weeks (a new unit's first week is not a rise). Once a week.
- no_answers_working_day: not one answer (any form, channel, flagged or not) on a working
  day (DashboardConfig.opening_days) that has ended (past its closing time), for a unit
  that had answers in the N days before it. The last two such days are looked at.
  Public holidays are not known: an alert for one is acknowledged and that is all.
- tablet_silent: a unit's tablet (not revoked) not heard from (its heartbeat or its
  last batch) for more than N minutes counted within opening hours only, looked at during
  opening hours. Once a day per tablet.

"Chưa hài lòng" is counted as the report counts it, never a second way: the answers of
the quick form (DEFAULT_FORM, the report's default) that count (no integrity flag) and
give a verdict; not satisfied = verdicts - satisfied (compute.py's groups), the share =
not satisfied ÷ verdicts, printed with the report's rounding (numbers.percent).

A unit's own rule of a kind stands instead of the rule of that kind for every unit; there
is one rule per unit (or every unit) and kind: adding another replaces it.

An occasion (Alert.key) is raised once: the day, the tablet and day, or the reason and
ISO week; the unique (unit, kind, key) keeps two checks running at once (the portal's and
a `portal alerts check`) from raising it twice.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

from sqlalchemy import Connection, Engine, case, delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from kiosk.domain.forms import Form, localized
from portal.dashboard.config import DashboardConfig
from portal.forms import find_form
from portal.reports.numbers import percent, vi_percent
from portal.reports.request import DEFAULT_FORM
from portal.store.answer_facts import CHOICE_TYPES, LOCAL_ZONE
from portal.store.dashboard_tables import Alert, AlertRule
from portal.store.models import Answer, AnswerChoice, Device, Heartbeat

LAST_N, DAY, REASON, NO_ANSWERS, SILENT = (
    "not_satisfied_last_n",
    "not_satisfied_day",
    "reason_rising",
    "no_answers_working_day",
    "tablet_silent",
)
WEEKDAYS = ("Thứ Hai", "Thứ Ba", "Thứ Tư", "Thứ Năm", "Thứ Sáu", "Thứ Bảy", "Chủ nhật")
ENDED_DAYS_LOOKED_AT = 2  # no_answers: the last two ended working days (a missed check)
WEEKS_BEFORE = 4
LAST_N_DAYS = 90  # not_satisfied_last_n: "the last N answers" are of these days


class RuleError(ValueError):
    """A rule that cannot be set as asked; the message is Vietnamese."""


@dataclass(frozen=True)
class Kind:
    """A kind of rule: its words, and what its threshold and window mean."""

    id: str
    title: str
    threshold_label: str  # "": the kind has no threshold
    window_label: str
    default_threshold: float
    default_window: int
    threshold_range: tuple[float, float]
    window_range: tuple[int, int]
    explain: str


KINDS: dict[str, Kind] = {
    kind.id: kind
    for kind in (
        Kind(
            LAST_N,
            "Chưa hài lòng trong các phiếu gần nhất",
            "Ngưỡng tỷ lệ Chưa hài lòng (%)",
            "Số phiếu gần nhất",
            30.0,
            20,
            (0.0, 99.0),
            (5, 1000),
            "Tỷ lệ Chưa hài lòng trong N phiếu hợp lệ gần nhất của đơn vị vượt ngưỡng; "
            "xét khi đơn vị có phiếu hôm nay hoặc hôm qua, nhiều nhất một lần mỗi ngày.",
        ),
        Kind(
            DAY,
            "Chưa hài lòng trong một ngày",
            "Ngưỡng tỷ lệ Chưa hài lòng (%)",
            "Số phiếu tối thiểu trong ngày",
            30.0,
            5,
            (0.0, 99.0),
            (1, 10000),
            "Tỷ lệ Chưa hài lòng trong một ngày vượt ngưỡng, chỉ khi ngày đó có ít nhất N "
            "phiếu (để 1 phiếu Chưa hài lòng trên 1 phiếu không gây cảnh báo).",
        ),
        Kind(
            REASON,
            "Một lý do tăng mạnh",
            "Gấp bao nhiêu lần trung bình tuần",
            "Số lần tối thiểu trong 7 ngày",
            2.0,
            5,
            (1.1, 100.0),
            (1, 10000),
            "Một lý do Chưa hài lòng được nêu trong 7 ngày qua ít nhất N lần và gấp ít nhất "
            "X lần trung bình mỗi tuần của 4 tuần trước đó; nhiều nhất một lần mỗi tuần.",
        ),
        Kind(
            NO_ANSWERS,
            "Không có phiếu trong một ngày làm việc",
            "",
            "Số ngày trước đó đơn vị có phiếu",
            0.0,
            30,
            (0.0, 0.0),
            (1, 365),
            "Không có phiếu nào trong một ngày làm việc đã hết giờ, ở đơn vị có phiếu trong "
            "N ngày trước đó. Cổng không biết ngày nghỉ lễ: cảnh báo của ngày lễ chỉ cần "
            "xác nhận.",
        ),
        Kind(
            SILENT,
            "Máy tính bảng im lặng",
            "",
            "Số phút im lặng trong giờ làm việc",
            0.0,
            60,
            (0.0, 0.0),
            (5, 10080),
            "Một máy tính bảng của đơn vị không liên lạc với cổng quá N phút, chỉ tính giờ "
            "làm việc; nhiều nhất một lần mỗi ngày cho mỗi máy.",
        ),
    )
}


@dataclass(frozen=True)
class Rule:
    id: int
    unit: str | None  # None: every unit
    kind: str
    threshold: float
    window: int
    created_by: str
    created_at: datetime

    def words(self) -> str:
        """The rule as the page and the command say it."""
        x, n = vi_number(self.threshold), vi_number(self.window)
        return {
            LAST_N: f"Tỷ lệ Chưa hài lòng trên {x}% trong {n} phiếu gần nhất",
            DAY: f"Tỷ lệ Chưa hài lòng trên {x}% trong một ngày (khi ngày có từ {n} phiếu)",
            REASON: (
                f"Một lý do được nêu trong 7 ngày gấp từ {x} lần trung bình tuần của "
                f"4 tuần trước (và từ {n} lần)"
            ),
            NO_ANSWERS: (
                f"Không có phiếu nào trong một ngày làm việc (đơn vị có phiếu trong {n} "
                "ngày trước đó)"
            ),
            SILENT: f"Máy tính bảng im lặng quá {n} phút trong giờ làm việc",
        }[self.kind]


@dataclass(frozen=True)
class Finding:
    """An occasion a rule found: raised as an Alert unless it was already."""

    unit: str
    kind: str
    key: str
    detail: str


def vi_number(value: float) -> str:
    """30.0 → "30", 2.5 → "2,5" (no trailing zeros: a threshold as it was typed)."""
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def local_text(moment: datetime | None) -> str:
    """A stored (naive UTC) time as people read it: "10:15 12/05/2026"; "" for None."""
    if moment is None:
        return ""
    local = moment.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE)
    return local.strftime("%H:%M %d/%m/%Y")


def _utc(moment: datetime | None = None) -> datetime:
    """`moment` (now when None) as an aware UTC time; a naive one is taken as UTC."""
    moment = moment or datetime.now(timezone.utc)
    return moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)


def _stored(moment: datetime) -> datetime:
    return _utc(moment).replace(tzinfo=None)


# ---------------------------------------------------------------- rules: set, list, remove


def check_rule(
    kind: str, threshold: str | float | None, window: str | int | None
) -> tuple[float, int]:
    """The rule's threshold and window as numbers within the kind's limits (a blank one
    takes the kind's default); RuleError in Vietnamese otherwise."""
    found = KINDS.get(kind)
    if found is None:
        raise RuleError(f"Không có loại cảnh báo {kind!r}; có: {', '.join(KINDS)}.")
    value = found.default_threshold
    if found.threshold_label:
        value = _number(threshold, found.default_threshold, found.threshold_label)
        low, high = found.threshold_range
        if not low <= value <= high:
            raise RuleError(
                f"{found.threshold_label}: cần một số từ {vi_number(low)} đến {vi_number(high)}."
            )
    count = _number(window, found.default_window, found.window_label)
    low_n, high_n = found.window_range
    if count != int(count) or not low_n <= count <= high_n:
        raise RuleError(f"{found.window_label}: cần một số nguyên từ {low_n} đến {high_n}.")
    return value, int(count)


def _number(text: str | float | None, default: float, label: str) -> float:
    if text is None or (isinstance(text, str) and not text.strip()):
        return default
    try:
        value = float(str(text).strip().replace(",", "."))
    except ValueError:
        raise RuleError(f"{label}: {str(text)[:20]!r} không phải là một số.") from None
    if not math.isfinite(value):
        raise RuleError(f"{label}: cần một số.")
    return value


def add_rule(
    engine: Engine,
    unit: str | None,
    kind: str,
    threshold: str | float | None,
    window: str | int | None,
    by: str,
) -> tuple[Rule, Rule | None]:
    """Set the rule of `kind` for `unit` (None: every unit): (the rule, the one it replaced)."""
    value, count = check_rule(kind, threshold, window)
    same = (AlertRule.kind == kind, _unit_is(unit))
    with Session(engine) as session, session.begin():
        old = session.scalars(select(AlertRule).where(*same)).first()
        replaced = _rule(old) if old is not None else None
        session.execute(delete(AlertRule).where(*same))
        row = AlertRule(
            unit_code=unit,
            kind=kind,
            threshold=value,
            window=count,
            created_by=by[:64],
            created_at=_stored(_utc()),
        )
        session.add(row)
        session.flush()
        return _rule(row), replaced


def _unit_is(unit: str | None):  # type: ignore[no-untyped-def]
    return AlertRule.unit_code.is_(None) if unit is None else AlertRule.unit_code == unit


def remove_rule(engine: Engine, rule_id: int) -> Rule | None:
    """Remove a rule; the rule removed, None when there is none with that number."""
    with Session(engine) as session, session.begin():
        row = session.get(AlertRule, rule_id)
        if row is None:
            return None
        removed = _rule(row)
        session.delete(row)
        return removed


def list_rules(engine: Engine) -> list[Rule]:
    """Every rule: those for every unit first, then by unit, each in KINDS' order."""
    order = list(KINDS)
    query = select(AlertRule)
    with Session(engine) as session:
        rows = [_rule(row) for row in session.scalars(query)]
    return sorted(
        rows,
        key=lambda r: (
            r.unit is not None,
            r.unit or "",
            order.index(r.kind) if r.kind in order else 99,
        ),
    )


def _rule(row: AlertRule) -> Rule:
    return Rule(
        row.id,
        row.unit_code,
        row.kind,
        row.threshold,
        int(row.window),
        row.created_by,
        row.created_at,
    )


class Applying:
    """The rules of one kind: a unit's own, else the one for every unit."""

    def __init__(self, rules: list[Rule], kind: str):
        of_kind = [rule for rule in rules if rule.kind == kind]
        self.every = next((rule for rule in of_kind if rule.unit is None), None)
        self.own = {rule.unit: rule for rule in of_kind if rule.unit is not None}

    def __bool__(self) -> bool:
        return self.every is not None or bool(self.own)

    def rule_for(self, unit: str) -> Rule | None:
        return self.own.get(unit, self.every)

    def where(self, column):  # type: ignore[no-untyped-def]
        """The WHERE that keeps the units a rule applies to (every unit: none)."""
        return column.is_not(None) if self.every is not None else column.in_(sorted(self.own))


# ---------------------------------------------------------------- finding the occasions


@dataclass(frozen=True)
class Moment:
    """When the rules are checked, and what every finder needs."""

    now: datetime  # aware
    local: datetime  # the same, in the units' local time
    config: DashboardConfig
    form: Form | None

    @property
    def today(self) -> date:
        return self.local.date()


def findings(engine: Engine, config: DashboardConfig, now: datetime | None = None) -> list[Finding]:
    """Every occasion the rules find now (raised or not yet)."""
    rules = list_rules(engine)
    if not rules:
        return []
    moment_utc = _utc(now)
    moment = Moment(
        moment_utc, moment_utc.astimezone(LOCAL_ZONE), config, find_form(engine, DEFAULT_FORM)
    )
    found: list[Finding] = []
    with engine.connect() as connection:
        for kind, finder in FINDERS.items():
            applying = Applying(rules, kind)
            if applying:
                found += finder(connection, applying, moment)
    return found


def _counted(moment: Moment):  # type: ignore[no-untyped-def]
    """The WHERE of the answers the share of Chưa hài lòng is counted from, as the report."""
    return (
        Answer.form_id == DEFAULT_FORM,
        Answer.flags == "",
        Answer.verdict.is_not(None),
        Answer.local_day <= moment.today,  # one dated ahead by a wrong clock waits its day
    )


def _pleased(moment: Moment, verdict):  # type: ignore[no-untyped-def]
    satisfied = moment.form.satisfied_verdicts if moment.form else ()
    return func.sum(case((verdict.in_(satisfied or ("",)), 1), else_=0))


def _above(not_satisfied: int, verdicts: int, threshold: float) -> bool:
    """not_satisfied ÷ verdicts above threshold %, exactly (not after rounding)."""
    return verdicts > 0 and not_satisfied * 100 > threshold * verdicts


def _last_n(connection: Connection, applying: Applying, moment: Moment) -> list[Finding]:
    recent = (
        select(Answer.unit_code)
        .distinct()
        .where(*_counted(moment), Answer.local_day >= moment.today - timedelta(days=1))
        .where(applying.where(Answer.unit_code))
    )
    found = []
    for unit in sorted(connection.execute(recent).scalars()):
        rule = applying.rule_for(unit)
        if rule is None:
            continue
        last = (
            select(Answer.verdict)
            .where(Answer.unit_code == unit, *_counted(moment))
            .where(Answer.local_day >= moment.today - timedelta(days=LAST_N_DAYS))
            .order_by(Answer.finished_at.desc(), Answer.id.desc())
            .limit(rule.window)
            .subquery()
        )
        verdicts, pleased = connection.execute(
            select(func.count(), _pleased(moment, last.c.verdict)).select_from(last)
        ).one()
        pleased = int(pleased or 0)
        if verdicts < rule.window or not _above(verdicts - pleased, verdicts, rule.threshold):
            continue
        share = vi_percent(percent(verdicts - pleased, verdicts))
        detail = (
            f"Tỷ lệ Chưa hài lòng {share} trong {verdicts} phiếu gần nhất "
            f"(ngưỡng {vi_number(rule.threshold)}%)"
        )
        found.append(Finding(unit, LAST_N, moment.today.isoformat(), detail))
    return found


def _day(connection: Connection, applying: Applying, moment: Moment) -> list[Finding]:
    query = (
        select(Answer.unit_code, Answer.local_day, func.count(), _pleased(moment, Answer.verdict))
        .where(*_counted(moment), Answer.local_day >= moment.today - timedelta(days=1))
        .where(applying.where(Answer.unit_code))
        .group_by(Answer.unit_code, Answer.local_day)
    )
    found = []
    for unit, day, verdicts, pleased in connection.execute(query):
        rule = applying.rule_for(unit)
        not_satisfied = verdicts - int(pleased or 0)
        if rule is None or verdicts < rule.window:
            continue
        if not _above(not_satisfied, verdicts, rule.threshold):
            continue
        so_far = f"đến {moment.local:%H:%M}: " if day == moment.today else ""
        detail = (
            f"Tỷ lệ Chưa hài lòng {vi_percent(percent(not_satisfied, verdicts))} trong ngày "
            f"{day:%d/%m/%Y} ({so_far}{not_satisfied} trên {verdicts} phiếu; ngưỡng "
            f"{vi_number(rule.threshold)}%, xét khi ngày có từ {rule.window} phiếu)"
        )
        found.append(Finding(unit, DAY, day.isoformat(), detail))
    return found


def reason_questions(form: Form | None) -> list[str]:
    """The questions asked only of the not satisfied (the quick form's reasons), as the
    report finds its reasons (compute._reasons)."""
    if form is None or form.verdict is None:
        return []
    verdict, pleased = form.verdict, set(form.satisfied_verdicts)
    return [
        q.id
        for q in form.questions
        if verdict.id in q.when and not set(q.when[verdict.id]) & pleased and q.type in CHOICE_TYPES
    ]


def _reason_label(form: Form | None, choice: str) -> str:
    for question_id in reason_questions(form):
        found = form.question(question_id).choice(choice) if form else None
        if found is not None:
            return localized(found.label, "vi")
    return choice


def _reasons(connection: Connection, applying: Applying, moment: Moment) -> list[Finding]:
    questions = reason_questions(moment.form)
    if not questions:
        return []
    start = moment.today - timedelta(days=7 * (WEEKS_BEFORE + 1) - 1)
    week_start = moment.today - timedelta(days=6)
    recent = func.sum(case((AnswerChoice.local_day >= week_start, 1), else_=0))
    query = (
        select(AnswerChoice.unit_code, AnswerChoice.choice, recent, func.count())
        .where(
            AnswerChoice.form_id == DEFAULT_FORM,
            AnswerChoice.flagged.is_(False),
            AnswerChoice.question_id.in_(questions),
            AnswerChoice.local_day >= start,
            AnswerChoice.local_day <= moment.today,
        )
        .where(applying.where(AnswerChoice.unit_code))
        .group_by(AnswerChoice.unit_code, AnswerChoice.choice)
    )
    before_answers = dict(
        connection.execute(  # type: ignore[arg-type]
            select(Answer.unit_code, func.count())
            .where(
                Answer.form_id == DEFAULT_FORM,
                Answer.flags == "",
                Answer.local_day >= start,
                Answer.local_day < week_start,
            )
            .where(applying.where(Answer.unit_code))
            .group_by(Answer.unit_code)
        ).all()
    )
    year, week, _ = moment.today.isocalendar()
    found = []
    for unit, choice, last_week, total in connection.execute(query):
        rule, last_week = applying.rule_for(unit), int(last_week or 0)
        before = total - last_week
        if rule is None or not before_answers.get(unit) or last_week < rule.window:
            continue
        if last_week * WEEKS_BEFORE < rule.threshold * before:
            continue
        detail = _reason_words(_reason_label(moment.form, choice), last_week, before, rule)
        found.append(Finding(unit, REASON, f"{choice}:{year}-W{week:02d}", detail))
    return found


def _reason_words(label: str, last_week: int, before: int, rule: Rule) -> str:
    said = f"Lý do “{label}” được nêu {last_week} lần trong 7 ngày qua"
    limits = f"ngưỡng gấp {vi_number(rule.threshold)} lần, từ {rule.window} lần"
    if before == 0:
        return f"{said}, trong khi 4 tuần trước đó không lần nào ({limits})"
    weekly = before / WEEKS_BEFORE
    factor = f"{last_week / weekly:.2f}".replace(".", ",")
    return (
        f"{said}, gấp {factor} lần trung bình mỗi tuần của 4 tuần trước "
        f"({vi_number(weekly)} lần/tuần; {limits})"
    )


def ended_working_days(moment: Moment, count: int = ENDED_DAYS_LOOKED_AT) -> list[date]:
    """The last `count` opening days that have ended (today's once past closing time),
    within the week before."""
    days = []
    for back in range(8):
        day = moment.today - timedelta(days=back)
        if day.isoweekday() not in moment.config.opening_days:
            continue
        if back == 0 and moment.local.time() < moment.config.closing:
            continue
        days.append(day)
        if len(days) == count:
            break
    return days


def _no_answers(connection: Connection, applying: Applying, moment: Moment) -> list[Finding]:
    widest = max(rule.window for rule in (applying.every, *applying.own.values()) if rule)
    found = []
    for day in ended_working_days(moment):
        last_before = (
            select(Answer.unit_code, func.max(Answer.local_day))
            .where(Answer.local_day >= day - timedelta(days=widest), Answer.local_day < day)
            .where(applying.where(Answer.unit_code))
            .group_by(Answer.unit_code)
        )
        that_day = select(Answer.unit_code).distinct().where(Answer.local_day == day)
        answered = set(connection.execute(that_day).scalars())
        for unit, last in connection.execute(last_before):
            rule = applying.rule_for(unit)
            if rule is None or last is None or unit in answered or (day - last).days > rule.window:
                continue
            detail = (
                f"Không có phiếu nào trong ngày làm việc {WEEKDAYS[day.weekday()]} "
                f"{day:%d/%m/%Y} (phiếu gần nhất trước đó: ngày {last:%d/%m/%Y})"
            )
            found.append(Finding(unit, NO_ANSWERS, day.isoformat(), detail))
    return found


def opening_minutes(start: datetime, end: datetime, config: DashboardConfig) -> float:
    """Minutes of opening hours (opening_days, opening–closing, local time) between two
    aware times: how long a tablet was silent while it should have been answering."""
    start, end = start.astimezone(LOCAL_ZONE), end.astimezone(LOCAL_ZONE)
    day = max(start.date(), end.date() - timedelta(days=31))  # a month already says enough
    total = 0.0
    while day <= end.date():
        if day.isoweekday() in config.opening_days:
            opens = datetime.combine(day, config.opening, LOCAL_ZONE)
            closes = datetime.combine(day, config.closing, LOCAL_ZONE)
            low, high = max(start, opens), min(end, closes)
            if high > low:
                total += (high - low).total_seconds() / 60
        day += timedelta(days=1)
    return total


def is_open(moment: Moment) -> bool:
    config, local = moment.config, moment.local
    opening_day = local.isoweekday() in config.opening_days
    return opening_day and config.opening <= local.time().replace(tzinfo=None) < config.closing


def _silent(connection: Connection, applying: Applying, moment: Moment) -> list[Finding]:
    if not is_open(moment):
        return []
    query = (
        select(
            Device.id,
            Device.unit_code,
            Device.counter,
            Device.created_at,
            Device.last_seen_at,
            Heartbeat.received_at,
        )
        .outerjoin(Heartbeat, Heartbeat.device_id == Device.id)
        .where(Device.revoked_at.is_(None))
        .where(applying.where(Device.unit_code))
    )
    found = []
    for device, unit, counter, created, seen, beat in connection.execute(query):
        rule = applying.rule_for(unit)
        heard = max((t for t in (seen, beat) if t is not None), default=None)
        since = _utc(heard or created)
        if rule is None or opening_minutes(since, moment.now, moment.config) <= rule.window:
            continue
        minutes = int(opening_minutes(since, moment.now, moment.config))
        last = (
            f"lần liên lạc cuối lúc {local_text(heard)}"
            if heard
            else f"chưa liên lạc lần nào từ khi đăng ký lúc {local_text(created)}"
        )
        detail = (
            f"Máy tính bảng {device} (quầy {counter}) im lặng {minutes} phút trong giờ làm "
            f"việc; {last} (ngưỡng {rule.window} phút)"
        )
        found.append(Finding(unit, SILENT, f"{device}:{moment.today.isoformat()}", detail))
    return found


FINDERS: dict[str, Callable[[Connection, Applying, Moment], list[Finding]]] = {
    LAST_N: _last_n,
    DAY: _day,
    REASON: _reasons,
    NO_ANSWERS: _no_answers,
    SILENT: _silent,
}


# ---------------------------------------------------------------- raising and sending


@dataclass(frozen=True)
class Checked:
    """What one check did: the rules looked at, the alerts raised, how their sending went."""

    rules: int
    raised: list[int]
    deliveries: dict[int, str]  # alert id → "" when sent (or nothing to send by), else why not


def raise_alerts(engine: Engine, found: list[Finding], now: datetime | None = None) -> list[int]:
    """Store the findings not raised before; the new alerts' ids."""
    raised_at = _stored(_utc(now))
    new = []
    with Session(engine) as session:
        for finding in found:
            same = (Alert.unit_code == finding.unit, Alert.kind == finding.kind)
            if session.scalar(select(Alert.id).where(*same, Alert.key == finding.key)):
                continue
            alert = Alert(
                unit_code=finding.unit,
                kind=finding.kind,
                key=finding.key,
                raised_at=raised_at,
                detail=finding.detail,
                sent_via="",
                send_attempts=0,
            )
            session.add(alert)
            try:
                session.commit()
            except IntegrityError:  # another check raised it a moment ago: theirs stands
                session.rollback()
                continue
            new.append(alert.id)
    return new


def evaluate(engine: Engine, config: DashboardConfig, now: datetime | None = None) -> Checked:
    """Check every rule, raise what is new, send it (and retry what failed to send)."""
    from portal.dashboard import notify  # smtplib and requests: only when checking

    moment = _utc(now)
    rules = len(list_rules(engine))
    raised = raise_alerts(engine, findings(engine, config, moment), moment)
    deliveries = notify.deliver(engine, config, moment)
    return Checked(rules, raised, deliveries)


def acknowledge(engine: Engine, alert_id: int, by: str) -> bool:
    """Record who acknowledged an alert and when; False when it was already (the first
    acknowledgement stands)."""
    with Session(engine) as session, session.begin():
        done = session.execute(
            update(Alert)
            .where(Alert.id == alert_id, Alert.acked_at.is_(None))
            .values(acked_by=by[:64], acked_at=_stored(_utc()))
        )
        return bool(done.rowcount)  # type: ignore[attr-defined]
