"""The tablets' health as the devices page shows it, and when a silent one stands out.

A tablet is heard from by its heartbeats and its batches (`Heartbeat.received_at`,
`Device.last_seen_at`); one never heard from counts as silent since it was enrolled. It
stands out when, right now, the units are open (DashboardConfig's opening hours and
days, Vietnam's time) and it has been silent for more than `device_silent_minutes` of
opening time: a tablet switched off overnight is not an alarm at 07:35 the next morning,
nor at any hour the units are closed (it is then shown as silent "ngoài giờ làm việc").

Everything is computed against one `now` (naive UTC, as the portal stores times), given by
the caller: the page passes `utc_now()`, a test passes any moment it likes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone, tzinfo

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.dashboard.config import DashboardConfig
from portal.store.models import Device, Heartbeat, SetAsideReport
from portal.store.settings import UNIT_NAME, unit_values

try:
    from zoneinfo import ZoneInfo

    VIETNAM: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")
except (ImportError, KeyError):  # no tz database on the server: Vietnam keeps UTC+7 all year
    VIETNAM = timezone(timedelta(hours=7))

WEEKDAYS = {1: "Thứ Hai", 2: "Thứ Ba", 3: "Thứ Tư", 4: "Thứ Năm", 5: "Thứ Sáu"}
WEEKDAYS |= {6: "Thứ Bảy", 7: "Chủ nhật"}
MAX_DAYS_COUNTED = 62  # beyond two months of silence, counting opening minutes adds nothing


def utc_now() -> datetime:
    """The page's clock: now, in naive UTC like every time the portal stores."""
    return datetime.now(timezone.utc).replace(tzinfo=None)


def local(moment: datetime) -> datetime:
    """A stored moment (naive UTC, or aware) in Vietnam's time."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(VIETNAM)


def shown_time(moment: datetime) -> str:
    """ "14:05 12/03/2025", Vietnam's time."""
    return local(moment).strftime("%H:%M %d/%m/%Y")


def is_open(config: DashboardConfig, now: datetime) -> bool:
    """Whether `now` falls in opening hours, on an opening day (Vietnam's time)."""
    here = local(now)
    return (
        here.isoweekday() in config.opening_days and config.opening <= here.time() < config.closing
    )


def open_minutes(config: DashboardConfig, start: datetime, end: datetime) -> float:
    """Minutes of opening time between two moments (naive UTC or aware)."""
    begin, finish = local(start), local(end)
    begin = max(begin, finish - timedelta(days=MAX_DAYS_COUNTED))
    total = 0.0
    day: date = begin.date()
    while day <= finish.date():
        if day.isoweekday() in config.opening_days:
            opens = datetime.combine(day, config.opening, VIETNAM)
            closes = datetime.combine(day, config.closing, VIETNAM)
            overlap = min(closes, finish) - max(opens, begin)
            total += max(overlap.total_seconds(), 0.0) / 60
        day += timedelta(days=1)
    return total


def duration_words(span: timedelta) -> str:
    """ "2 giờ 5 phút", "3 ngày 4 giờ", "12 phút", "dưới 1 phút"."""
    minutes = int(span.total_seconds() // 60)
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} ngày" + (f" {hours} giờ" if hours else "")
    if hours:
        return f"{hours} giờ" + (f" {minutes} phút" if minutes else "")
    return f"{minutes} phút" if minutes else "dưới 1 phút"


def ago_words(moment: datetime, now: datetime) -> str:
    """ "5 phút trước", "vừa xong"; a moment ahead of the portal's clock says so."""
    span = _naive(now) - _naive(moment)
    if span < timedelta(minutes=-1):
        return "sau giờ của cổng"  # the tablet's clock runs ahead
    if span < timedelta(minutes=1):
        return "vừa xong"
    return duration_words(span) + " trước"


def size_words(count: int) -> str:
    """Bytes as a person reads them: "1,2 GB", "850 MB" (powers of 1000, as disks are sold)."""
    for unit, size in (("TB", 10**12), ("GB", 10**9), ("MB", 10**6), ("kB", 10**3)):
        if count >= size:
            value = count / size
            shown = f"{value:.1f}" if value < 10 else f"{value:.0f}"
            return shown.replace(".", ",") + f" {unit}"
    return f"{count} byte"


@dataclass(frozen=True)
class Waiting:
    """The oldest answer waiting in a tablet's queue, as the tablet reported it."""

    at: str  # Vietnam's time, or the text as sent when it is not a time
    ago: str


@dataclass(frozen=True)
class DeviceRow:
    """One tablet as the page shows it; times already in Vietnam's time and words."""

    device_id: str
    unit: str
    unit_name: str
    counter: str
    enrolled: str
    revoked: str  # "" while in use
    heartbeat: str  # "" when none ever came
    heartbeat_ago: str
    app_version: str
    outbox_depth: int | None
    oldest: Waiting | None
    free_disk: str
    last_error: str
    set_aside: int
    reasons: list[tuple[str, int]] = field(default_factory=list)
    state: str = ""  # what the page says of it, in words
    stands_out: bool = False
    silent: bool = False  # silent longer than the limit, whether it stands out or not


@dataclass(frozen=True)
class Health:
    """Every tablet the viewer may see: those in use first, then those revoked."""

    active: list[DeviceRow]
    revoked: list[DeviceRow]
    units: list[str]  # every unit with a tablet the viewer may see (for the filter)
    open_now: bool
    now: str


def device_health(
    engine: Engine,
    config: DashboardConfig,
    now: datetime,
    visible: Callable[[str], bool],
    unit: str = "",
) -> Health:
    """The tablets of the units `visible` allows (of `unit` alone when given), at `now`."""
    query = (
        select(Device, Heartbeat, SetAsideReport)
        .outerjoin(Heartbeat, Heartbeat.device_id == Device.id)
        .outerjoin(SetAsideReport, SetAsideReport.device_id == Device.id)
        .order_by(Device.unit_code, Device.counter, Device.id)
    )
    if unit:
        query = query.where(Device.unit_code == unit)
    with Session(engine) as session:
        found = [
            (device, beat, aside)
            for device, beat, aside in session.execute(query)
            if visible(device.unit_code)
        ]
    units = sorted({device.unit_code for device, _, _ in found})
    named = unit_values(engine, UNIT_NAME)  # one query for every unit's name
    names = {code: named.get(code) or code for code in units}
    open_now = is_open(config, now)
    rows = [
        _row(device, beat, aside, names[device.unit_code], config, now, open_now)
        for device, beat, aside in found
        if not unit or device.unit_code == unit
    ]
    active = sorted(
        (r for r in rows if not r.revoked), key=lambda r: (not r.stands_out, r.unit, r.counter)
    )
    revoked = [r for r in rows if r.revoked]
    return Health(active, revoked, units, open_now, _now_words(config, now, open_now))


def _row(
    device: Device,
    beat: Heartbeat | None,
    aside: SetAsideReport | None,
    unit_name: str,
    config: DashboardConfig,
    now: datetime,
    open_now: bool,
) -> DeviceRow:
    heard = [m for m in (beat.received_at if beat else None, device.last_seen_at) if m]
    last = max(heard) if heard else device.created_at
    state, stands_out, silent = _state(config, last, bool(heard), now, open_now)
    if device.revoked_at is not None:
        state, stands_out, silent = f"Đã thu hồi lúc {shown_time(device.revoked_at)}", False, False
    reasons = sorted((aside.reasons or {}).items(), key=lambda r: (-r[1], r[0])) if aside else []
    return DeviceRow(
        device_id=device.id,
        unit=device.unit_code,
        unit_name=unit_name,
        counter=device.counter,
        enrolled=shown_time(device.created_at),
        revoked=shown_time(device.revoked_at) if device.revoked_at else "",
        heartbeat=shown_time(beat.received_at) if beat else "",
        heartbeat_ago=ago_words(beat.received_at, now) if beat else "",
        app_version=beat.app_version if beat else "",
        outbox_depth=beat.outbox_depth if beat else None,
        oldest=_waiting(beat.oldest_undelivered, now) if beat and beat.outbox_depth else None,
        free_disk=size_words(beat.free_disk_bytes)
        if beat and beat.free_disk_bytes is not None
        else "",
        last_error=error_words(beat.last_error or "") if beat else "",
        set_aside=aside.count if aside else 0,
        reasons=[(str(why), int(count)) for why, count in reasons],
        state=state,
        stands_out=stands_out,
        silent=silent,
    )


def _state(
    config: DashboardConfig, last: datetime, heard: bool, now: datetime, open_now: bool
) -> tuple[str, bool, bool]:
    """(words, stands out, silent too long) for a tablet last heard from at `last`."""
    limit = config.device_silent_minutes
    span = now - last
    silent = span > timedelta(minutes=limit)
    stands_out = open_now and open_minutes(config, last, now) > limit
    if not heard:
        words = "Chưa gửi tín hiệu lần nào"
        if stands_out:
            return f"{words} (đăng ký {duration_words(span)} trước)", True, True
        return words, False, silent
    if stands_out:
        return f"Im lặng {duration_words(span)}", True, True
    elif silent:
        words = f"Im lặng {duration_words(span)}"
    else:
        return "Đang hoạt động", False, False
    if not open_now:
        return f"{words} – ngoài giờ làm việc", False, silent
    return f"{words} – phần lớn ngoài giờ làm việc", False, silent


def error_words(error: str) -> str:
    """A tablet's last error, its leading ISO time (as the sync daemon writes it) in
    Vietnam's time: "10:00 11/03/2025: không kết nối được cổng"."""
    stamp, _, rest = error.partition(" ")
    try:
        moment = datetime.fromisoformat(stamp)
    except ValueError:
        return error
    return f"{shown_time(moment)}: {rest}" if rest else shown_time(moment)


def _waiting(oldest: str | None, now: datetime) -> Waiting | None:
    if not oldest:
        return None
    try:
        moment = datetime.fromisoformat(oldest)
    except ValueError:
        return Waiting(oldest, "")
    return Waiting(shown_time(moment), ago_words(moment, now))


def _naive(moment: datetime) -> datetime:
    return moment.astimezone(timezone.utc).replace(tzinfo=None) if moment.tzinfo else moment


def _now_words(config: DashboardConfig, now: datetime, open_now: bool) -> str:
    here = local(now)
    when = f"{WEEKDAYS[here.isoweekday()]}, {here.strftime('%H:%M %d/%m/%Y')}"
    return when + (" – trong giờ làm việc" if open_now else " – ngoài giờ làm việc")


def hours_words(config: DashboardConfig) -> str:
    """ "07:30–17:00, Thứ Hai – Thứ Sáu" (or the days one by one when not a run)."""
    days = config.opening_days
    if len(days) > 2 and list(days) == list(range(days[0], days[-1] + 1)):
        named = f"{WEEKDAYS[days[0]]} – {WEEKDAYS[days[-1]]}"
    else:
        named = ", ".join(WEEKDAYS[d] for d in days)
    return f"{config.opening:%H:%M}–{config.closing:%H:%M}, {named}"
