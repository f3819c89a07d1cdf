"""What a report is asked for: a form, units, counters, officers, channels and a period of
local days, and the words for a period ("2026", "2026-H1", "2026-Q3", "2026-11", or from
one day to another), which `portal report`, quotas and the API share."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime

from kiosk.domain import targets

DEFAULT_FORM = "danang-2223"  # decision 2223's quick form: what most units report on
_ROMAN = ("I", "II", "III", "IV")


class ReportError(ValueError):
    """A report (or quota) that cannot be made as asked; the message is Vietnamese."""


class PeriodError(ReportError):
    """A period that cannot be read."""


@dataclass(frozen=True)
class Period:
    """Local days from `start` to `end`, both included (None: open on that side)."""

    start: date | None
    end: date | None
    label: str  # Vietnamese: "năm 2026", "quý III/2026", "tháng 11/2026"…

    def contains(self, day: date) -> bool:
        return (self.start is None or day >= self.start) and (self.end is None or day <= self.end)


@dataclass(frozen=True)
class ReportRequest:
    """One report: which answers it counts (all of a kind where a tuple is empty)."""

    form_id: str = DEFAULT_FORM
    units: tuple[str, ...] = ()
    counters: tuple[str, ...] = ()
    officers: tuple[str, ...] = ()
    channels: tuple[str, ...] = ()
    start: date | None = None
    end: date | None = None
    period_label: str = ""
    include_flagged: bool = False
    today: date | None = None  # for the targets' share expected by today (None: today)
    comments_limit: int = 200

    @property
    def period(self) -> Period:
        return Period(self.start, self.end, self.period_label)


FIRST_YEAR, LAST_YEAR = 1900, 2100  # a year outside is a typo, not a period with answers


def parse_period(text: str) -> Period:
    """ "2026", "2026-H1", "2026-Q3", "2026-11" as a Period; PeriodError otherwise."""
    value = text.strip().upper()
    if match := re.fullmatch(r"(\d{1,2})/(\d{4})", value):  # "11/2026", as people write it
        value = f"{match[2]}-{match[1]}"
    written = re.match(r"(\d{4})", value)
    if written and not FIRST_YEAR <= int(written[1]) <= LAST_YEAR:
        raise PeriodError(f"Năm {written[1]} nằm ngoài {FIRST_YEAR}–{LAST_YEAR}.")
    if match := re.fullmatch(r"(\d{4})", value):
        year = int(match[1])
        return Period(date(year, 1, 1), date(year, 12, 31), f"năm {year}")
    if match := re.fullmatch(r"(\d{4})-H([12])", value):
        year, half = int(match[1]), int(match[2])
        first = 1 if half == 1 else 7
        words = "6 tháng đầu năm" if half == 1 else "6 tháng cuối năm"
        return Period(date(year, first, 1), _month_end(year, first + 5), f"{words} {year}")
    if match := re.fullmatch(r"(\d{4})-Q([1-4])", value):
        year, quarter = int(match[1]), int(match[2])
        first = 3 * quarter - 2
        label = f"quý {_ROMAN[quarter - 1]}/{year}"
        return Period(date(year, first, 1), _month_end(year, first + 2), label)
    if match := re.fullmatch(r"(\d{4})-(\d{1,2})", value):
        year, month = int(match[1]), int(match[2])
        if 1 <= month <= 12:
            return Period(
                date(year, month, 1), _month_end(year, month), f"tháng {month:02d}/{year}"
            )
    raise PeriodError(
        f"Không đọc được kỳ báo cáo {text!r}: ghi năm (2026), nửa năm (2026-H1), "
        "quý (2026-Q3) hoặc tháng (2026-11 hoặc 11/2026)."
    )


def half_year(day: date) -> Period:
    """The half-year a day falls in (decision 2223's two windows, kiosk/domain/targets.py)."""
    year, half = targets.half_year(day)
    return parse_period(f"{year}-H{half}")


def parse_day(text: str, option: str = "--from") -> date:
    """A day written 2026-11-03 or 03/11/2026; PeriodError naming the option otherwise."""
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            day = datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
        if FIRST_YEAR <= day.year <= LAST_YEAR:
            return day
        raise PeriodError(f"{option}: năm {day.year} nằm ngoài {FIRST_YEAR}–{LAST_YEAR}.")
    raise PeriodError(f"{option}: không đọc được ngày {text!r} (ghi 2026-11-03 hoặc 03/11/2026).")


def span(start: date | None, end: date | None) -> Period:
    """The period between two days given with --from/--to (either may be open)."""
    if start and end and end < start:
        raise PeriodError(f"--to ({end:%d/%m/%Y}) trước --from ({start:%d/%m/%Y}).")
    if start and end:
        label = f"từ {start:%d/%m/%Y} đến {end:%d/%m/%Y}"
    elif start:
        label = f"từ {start:%d/%m/%Y}"
    elif end:
        label = f"đến {end:%d/%m/%Y}"
    else:
        label = "toàn bộ thời gian"
    return Period(start, end, label)


def period_of(period: str | None, start: str | None, end: str | None) -> Period:
    """The period asked for as a word ("2026-Q3") or as two days (either may be open), as
    the command and the API take it; PeriodError for both at once or what cannot be read."""
    if period and (start or end):
        raise PeriodError("Chọn kỳ (--period) hoặc khoảng ngày (--from/--to), không dùng cả hai.")
    if period:
        return parse_period(period)
    first = parse_day(start, "--from") if start else None
    return span(first, parse_day(end, "--to") if end else None)


def _month_end(year: int, month: int) -> date:
    return date(year, month, calendar.monthrange(year, month)[1])


def known_codes(what: str, asked: tuple[str, ...], known: set[str]) -> tuple[str, ...]:
    """Each code asked as the portal writes it (letter case aside); ReportError naming those
    it does not know: a typo must not print an empty report that looks like a real one."""
    by_fold = {code.casefold(): code for code in known}
    found: list[str] = []
    missing: list[str] = []
    for code in asked:
        match = by_fold.get(code.strip().casefold())
        (found if match else missing).append(match or code)
    if missing:
        shown = ", ".join(sorted(known)[:40]) + (" …" if len(known) > 40 else "")
        whose = " của các đơn vị đã chọn" if what != "đơn vị" else ""
        raise ReportError(
            f"Cổng không biết {what} {', '.join(repr(m) for m in missing)}{whose}; "
            f"các {what} đã biết: {shown or 'chưa có'}."
        )
    return tuple(dict.fromkeys(found))
