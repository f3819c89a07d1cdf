"""The results pages' figures, every one the report computation's (portal/reports/compute.py):

- the overview: one report per window (this year, the last 30 days, the 30 before) over
  every unit the viewer sees, read from its by-unit grouping and its targets; never a
  report per unit. Kept a minute in this process (a province's year over a million answers
  takes about a second to count); older figures, up to ten minutes, are shown while new
  ones are counted in the background, and the page says when its figures were counted;
- a unit's page and its downloads: the report of that unit with the page's filters;
- the integrity page: flagged answers per unit and flag, under the report's own filter
  (counting.answer_filter), so its totals are the report's `answers.flagged_by`.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from contract.wire import CHANNELS
from kiosk.domain.integrity import FLAGS, IntegrityPolicy
from portal.reports import counting
from portal.reports.compute import build_report
from portal.reports.numbers import percent
from portal.reports.request import (
    DEFAULT_FORM,
    ReportError,
    ReportRequest,
    parse_period,
)
from portal.reports.wording import channel_name
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.dossier_checks import RATED_WITHIN_DAYS
from portal.store.models import Answer, Counter, Device, Quota, Setting
from portal.store.settings import UNIT_NAME, UNIT_SETTINGS, unit_values

RECENT_DAYS = 30
FRESH_S = 60.0  # figures this young are shown as they are
STALE_S = 600.0  # older ones, up to this, are shown while new ones are counted
STEADY_POINTS = 1.0  # a change of MĐHL smaller than this (percentage points) is "ổn định"
PAGE_COMMENTS = 20  # the unit page's newest comments
DOWNLOAD_COMMENTS = 200  # the downloads', as `portal report` writes them


def local_today() -> date:
    return datetime.now(LOCAL_ZONE).date()


# ---------------------------------------------------------------- the overview


@dataclass(frozen=True)
class Trend:
    """MĐHL of the last 30 days against the 30 before: an arrow and words, never colour alone."""

    direction: str  # up | down | steady | unknown
    points: float | None  # recent minus before, percentage points

    @property
    def arrow(self) -> str:
        return {"up": "↑", "down": "↓", "steady": "→"}.get(self.direction, "")

    @property
    def words(self) -> str:
        if self.points is None:
            return "chưa đủ số liệu"
        amount = f"{abs(self.points):.2f}".replace(".", ",")
        if self.direction == "up":
            return f"tăng {amount} điểm"
        if self.direction == "down":
            return f"giảm {amount} điểm"
        return "ổn định"


def trend_of(recent: float | None, before: float | None) -> Trend:
    if recent is None or before is None:
        return Trend("unknown", None)
    points = round(recent - before, 2)
    if abs(points) < STEADY_POINTS:
        return Trend("steady", points)
    return Trend("up" if points > 0 else "down", points)


@dataclass(frozen=True)
class Line:
    """One unit's row of the overview (or the total's)."""

    unit: str
    name: str
    counted: int  # this year's answers counted (without a flag), of the quick form
    target: dict[str, Any] | None  # the report's target row: yearly minimum (or half-year)
    percent: float | None  # MĐHL this year
    recent: float | None  # MĐHL of the last 30 days
    before: float | None  # MĐHL of the 30 days before those
    not_satisfied: float | None  # share of "Chưa hài lòng" in the last 30 days
    recent_base: int  # answers with a verdict in the last 30 days

    @property
    def trend(self) -> Trend:
        return trend_of(self.recent, self.before)


@dataclass(frozen=True)
class Overview:
    lines: list[Line]
    total: Line
    behind: int  # units whose target is behind
    with_target: int
    year: int
    recent: tuple[date, date]
    before: tuple[date, date]
    made_at: datetime  # local time the figures were counted
    problems: list[str] = field(default_factory=list)  # the reports' own checks


_lock = threading.Lock()
_kept: dict[tuple[int, frozenset[str] | None, date], tuple[float, Overview]] = {}
_refreshing: set[tuple[int, frozenset[str] | None, date]] = set()


def overview(engine: Engine, units: frozenset[str] | None, today: date | None = None) -> Overview:
    """The overview of `units` (None: every unit the portal knows), kept FRESH_S seconds."""
    day = today or local_today()
    key = (id(engine), units, day)
    with _lock:
        kept = _kept.get(key)
        age = time.monotonic() - kept[0] if kept else STALE_S
        if kept and age < FRESH_S:
            return kept[1]
        if kept and age < STALE_S:
            if key not in _refreshing:
                _refreshing.add(key)
                threading.Thread(target=_refresh, args=(engine, key), daemon=True).start()
            return kept[1]
    return _keep(key, build_overview(engine, units, day))


def _refresh(engine: Engine, key: tuple[int, frozenset[str] | None, date]) -> None:
    try:
        _keep(key, build_overview(engine, key[1], key[2]))
    finally:
        with _lock:
            _refreshing.discard(key)


def _keep(key: tuple[int, frozenset[str] | None, date], made: Overview) -> Overview:
    now = time.monotonic()
    with _lock:
        for old in [k for k, (at, _) in _kept.items() if now - at > STALE_S or k[2] != key[2]]:
            del _kept[old]
        _kept[key] = (now, made)
    return made


def warm_overview(engine: Engine) -> None:
    """Count the province's overview (every unit) anew and keep it (portal/dashboard/warm.py):
    the first visit of the day, or after a quiet spell, then never waits for it."""
    day = local_today()
    _keep((id(engine), None, day), build_overview(engine, None, day))


def forget_overviews() -> None:
    """Drop the kept figures (tests that change the answers)."""
    with _lock:
        _kept.clear()


def build_overview(engine: Engine, units: frozenset[str] | None, today: date) -> Overview:
    """Three reports, each over every unit shown, read by unit."""
    with engine.connect() as connection:
        known = counting.known_units(connection)
    shown = sorted(known if units is None else units)
    # A unit head's units the portal has never heard of get a row of zeros: asking the
    # report for none of them would ask it for every unit.
    asked = tuple(unit for unit in shown if unit in known)
    year = date(today.year, 1, 1), date(today.year, 12, 31)
    recent = today - timedelta(days=RECENT_DAYS - 1), today
    before = recent[0] - timedelta(days=RECENT_DAYS), recent[0] - timedelta(days=1)
    reports: list[dict[str, Any] | None] = [None, None, None]
    if units is None or asked:
        scope = () if units is None else asked
        reports = [
            _report(engine, scope, start, end, label, today)
            for start, end, label in (
                (*year, f"năm {today.year}"),
                (*recent, f"{RECENT_DAYS} ngày gần nhất"),
                (*before, f"{RECENT_DAYS} ngày trước đó"),
            )
        ]
    names = unit_values(engine, UNIT_NAME)
    lines = [_line(unit, names.get(unit, unit), reports) for unit in shown]
    targets = [line.target for line in lines if line.target is not None]
    problems = [p for report in reports if report for p in report["checks"]["problems"]]
    return Overview(
        lines=lines,
        total=_total(reports, targets, "Tổng cộng" if units is None else "Tổng các đơn vị"),
        behind=sum(1 for target in targets if target["status"] == "behind"),
        with_target=len(targets),
        year=today.year,
        recent=recent,
        before=before,
        made_at=datetime.now(LOCAL_ZONE).replace(tzinfo=None),
        problems=problems,
    )


def _report(
    engine: Engine, units: tuple[str, ...], start: date, end: date, label: str, today: date
) -> dict[str, Any]:
    request = ReportRequest(
        form_id=DEFAULT_FORM,
        units=units,
        start=start,
        end=end,
        period_label=label,
        today=today,
        comments_limit=0,
    )
    return build_report(engine, request)


def _unit_row(report: dict[str, Any] | None, unit: str) -> dict[str, Any] | None:
    if report is None:
        return None
    return next((row for row in report["groups"]["unit"] if row["key"] == unit), None)


def _line(unit: str, name: str, reports: list[dict[str, Any] | None]) -> Line:
    year, recent, before = (_unit_row(report, unit) for report in reports)
    return Line(
        unit=unit,
        name=name,
        counted=year["counted"] if year else 0,
        target=_target(reports[0], unit),
        percent=year["percent"] if year else None,
        recent=recent["percent"] if recent else None,
        before=before["percent"] if before else None,
        not_satisfied=_not_satisfied_share(recent),
        recent_base=_base(recent),
    )


def _base(row: dict[str, Any] | None) -> int:
    if row is None or row.get("satisfied") is None:
        return 0
    return int(row["satisfied"]) + int(row["not_satisfied"])


def _not_satisfied_share(row: dict[str, Any] | None) -> float | None:
    """Chưa hài lòng among the answers giving a verdict (the MĐHL's own base)."""
    if row is None or row.get("not_satisfied") is None:
        return None
    return percent(int(row["not_satisfied"]), _base(row))


def _target(report: dict[str, Any] | None, unit: str) -> dict[str, Any] | None:
    """The unit's own target (not a counter's): the yearly minimum first, then the
    half-year rule, then a quota of the survey plan."""
    if report is None:
        return None
    own = [t for t in report["targets"] if t["unit"] == unit and t["counter"] is None]
    order = {"yearly": 0, "half_year": 1, "quota": 2}
    return min(own, key=lambda t: order.get(t["kind"], 3), default=None)


def _total(reports: list[dict[str, Any] | None], targets: list[dict[str, Any]], name: str) -> Line:
    year, recent, before = (
        report["satisfaction"] if report and report["satisfaction"] else None for report in reports
    )
    goal = sum(int(t["target"]) for t in targets)
    reached = sum(int(t["counted"]) for t in targets)
    target = {"target": goal, "counted": reached, "percent": percent(reached, goal)}
    return Line(
        unit="",
        name=name,
        counted=reports[0]["answers"]["counted"] if reports[0] else 0,
        target=target if targets else None,
        percent=year["percent"] if year else None,
        recent=recent["percent"] if recent else None,
        before=before["percent"] if before else None,
        not_satisfied=percent(recent["not_satisfied"], recent["base"]) if recent else None,
        recent_base=recent["base"] if recent else 0,
    )


SORTS = ("name", "counted", "progress", "mdhl", "trend", "not_satisfied")


def sort_lines(lines: list[Line], column: str, descending: bool) -> list[Line]:
    """By a column; a row without the figure (no answers, no target) last either way."""
    value = {
        "name": lambda line: line.name.casefold(),
        "counted": lambda line: line.counted,
        "progress": lambda line: line.target["percent"] if line.target else None,
        "mdhl": lambda line: line.percent,
        "trend": lambda line: line.trend.points,
        "not_satisfied": lambda line: line.not_satisfied,
    }[column]
    by_name = sorted(lines, key=lambda line: (line.name.casefold(), line.unit))
    having = [line for line in by_name if value(line) is not None]
    missing = [line for line in by_name if value(line) is None]
    return sorted(having, key=value, reverse=descending) + missing


# ---------------------------------------------------------------- a unit's report


@dataclass(frozen=True)
class UnitFilters:
    """The unit page's GET form, as typed (each cut to a sane length)."""

    period: str = ""
    channel: str = ""
    counter: str = ""
    form: str = DEFAULT_FORM

    def query(self) -> dict[str, str]:
        """The filters that narrow the report, for links (the downloads)."""
        values = {
            "period": self.period,
            "channel": self.channel,
            "counter": self.counter,
            "form": self.form if self.form != DEFAULT_FORM else "",
        }
        return {key: value for key, value in values.items() if value}


def unit_request(
    unit: str, filters: UnitFilters, today: date, comments: int = PAGE_COMMENTS
) -> ReportRequest:
    """The report the page's filters ask for; ReportError (Vietnamese) when one cannot be read."""
    period = parse_period(filters.period or str(today.year))
    if filters.channel and filters.channel not in CHANNELS:
        known = ", ".join(f"{channel_name(c)} ({c})" for c in CHANNELS)
        raise ReportError(f"Không có kênh {filters.channel!r}; các kênh: {known}.")
    return ReportRequest(
        form_id=filters.form or DEFAULT_FORM,
        units=(unit,),
        counters=(filters.counter,) if filters.counter else (),
        channels=(filters.channel,) if filters.channel else (),
        start=period.start,
        end=period.end,
        period_label=period.label,
        today=today,
        comments_limit=comments,
    )


def known_unit(engine: Engine, unit: str) -> bool:
    """Whether the portal knows the unit, as counting.known_units does (devices, counters,
    answers, quotas, settings), by one indexed look-up each rather than a scan of every
    unit's answers: a unit's page asks it on every request."""
    keys = [prefix + unit for prefix in UNIT_SETTINGS]
    looks = [
        select(column).where(column == unit).limit(1)
        for column in (Answer.unit_code, Device.unit_code, Counter.unit_code, Quota.unit_code)
    ]
    looks.append(select(Setting.key).where(Setting.key.in_(keys)).limit(1))
    with engine.connect() as connection:
        return any(connection.execute(look).first() is not None for look in looks)


def unit_counters(engine: Engine, unit: str) -> list[str]:
    """The counters the unit's filter offers: those its answers name and those it has."""
    with engine.connect() as connection:
        return sorted(counting.known_values(connection, "counter", (unit,)))


def chart(labels: list[Any], values: list[float | int | None], label: str) -> dict[str, Any]:
    """What static/charts.js draws a <canvas data-source> from."""
    return {"labels": labels, "values": values, "label": label}


def by_time(report: dict[str, Any]) -> tuple[str, list[dict[str, Any]]]:
    """The MĐHL's line: by month, or by day when the period is within one month."""
    months = report["groups"].get("month", [])
    days = report["groups"].get("day")
    if len(months) <= 1 and days:
        return "day", days
    return "month", months


def is_long(report: dict[str, Any]) -> bool:
    """A long form (the SIPAS one): scale items, indices per dimension."""
    return any(question["type"] == "scale" for question in report["questions"])


# ---------------------------------------------------------------- integrity


@dataclass(frozen=True)
class FlagRow:
    unit: str
    name: str
    flagged: int  # answers with at least one flag
    by_flag: dict[str, int]  # an answer with several flags counts under each


def flag_rules() -> dict[str, str]:
    """Each flag's rule in plain words, with the thresholds a unit has unless it set others
    (kiosk/domain/integrity.py's IntegrityPolicy)."""
    policy = IntegrityPolicy()
    hours = "; ".join(f"{a:%H:%M}–{b:%H:%M}" for a, b in policy.opening_hours.periods)  # type: ignore[union-attr]
    return {
        "too_soon": (
            f"Phiếu xong chưa đến {policy.min_interval_s:g} giây sau phiếu trước trên cùng "
            "máy: không đủ thời gian cho một người dân mới đánh giá."
        ),
        "burst": (
            f"Hơn {policy.burst_count} phiếu trên cùng máy trong vòng "
            f"{policy.burst_window_s / 60:g} phút: dồn dập bất thường."
        ),
        "after_hours": (
            f"Phiếu xong ngoài giờ làm việc của đơn vị (mặc định thứ Hai đến thứ Sáu, {hours}, "
            "giờ Việt Nam), khi không có người dân đến làm thủ tục."
        ),
        "unidentified": (
            "Đơn vị yêu cầu người dân cho biết số điện thoại, số định danh hoặc mã hồ sơ, "
            "nhưng phiếu không có thông tin nào."
        ),
        "repeat_id": (
            f"Cùng một số định danh cá nhân trả lời quá {policy.repeat_id_per_day} lần "
            "trong một ngày."
        ),
        "officer_self": (
            "Số định danh nhập vào là của chính cán bộ đang trực quầy: cán bộ tự đánh giá mình."
        ),
        "duplicate_dossier": (
            "Hồ sơ này đã được đánh giá trước đó (trên máy khác, trực tuyến hoặc phiếu giấy): "
            "chỉ lần đánh giá đầu tiên được tính."
        ),
        "disowned": (
            "Khi phúc tra, người dân cho biết đánh giá khác với phiếu: phiếu không được tính."
        ),
        "dossier_unknown": (
            "Đơn vị đã nạp hồ sơ từ phần mềm một cửa, nhưng mã hồ sơ trên phiếu không có trong "
            "đó: mã tự đặt ra hoặc nhập sai."
        ),
        "dossier_not_returned": (
            "Phiếu được gửi trước ngày hồ sơ trả kết quả (hoặc hồ sơ chưa trả): người dân chưa "
            "nhận kết quả để đánh giá."
        ),
        "dossier_rated_late": (
            f"Phiếu được gửi hơn {RATED_WITHIN_DAYS} ngày sau ngày trả kết quả của hồ sơ."
        ),
    }


def flag_rows(
    engine: Engine, units: frozenset[str] | None, request: ReportRequest
) -> tuple[list[FlagRow], list[str]]:
    """Flagged answers per visible unit and flag, under the report's filter; and the flags
    to show (every known one, then any other found), in the order answers list them."""
    found: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    flagged: dict[str, int] = defaultdict(int)
    with engine.connect() as connection:
        known = counting.known_units(connection)
        shown = sorted(known if units is None else units)
        asked = tuple(unit for unit in shown if unit in known)
        if units is None or asked:
            scoped = ReportRequest(
                form_id=request.form_id,
                units=() if units is None else asked,
                start=request.start,
                end=request.end,
            )
            query = (
                select(Answer.unit_code, Answer.flags, func.count())
                .where(*counting.answer_filter(scoped), Answer.flags != "")
                .group_by(Answer.unit_code, Answer.flags)
            )
            for unit, flags, n in connection.execute(query):
                flagged[unit] += n
                for flag in flags.split(","):
                    found[unit][flag] += n
    names = unit_values(engine, UNIT_NAME)
    rows = [
        FlagRow(unit, names.get(unit, unit), flagged[unit], dict(found[unit])) for unit in shown
    ]
    others = sorted({flag for row in rows for flag in row.by_flag} - set(FLAGS))
    return rows, [*FLAGS, *others]


def flag_totals(rows: list[FlagRow]) -> FlagRow:
    by_flag: dict[str, int] = defaultdict(int)
    for row in rows:
        for flag, n in row.by_flag.items():
            by_flag[flag] += n
    return FlagRow("", "Tổng cộng", sum(row.flagged for row in rows), dict(by_flag))
