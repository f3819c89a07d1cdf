"""Honest figures (decision 2223; decision 766/QĐ-TTg): answers that look bent are kept and
flagged, never dropped, never shown or cleared by staff. Reports leave flagged answers out
by default (as HappyOrNot marks "misuse": kept, excluded, never deleted).

Each rule is configurable per unit (config.yaml `integrity`) and is a pure function of
the answer, what the store knows of earlier answers (`History`), and the time. Days and
opening hours are the unit's local time, whatever zone the tablet's clock is set to.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, time, timedelta, timezone
from functools import cache
from zoneinfo import ZoneInfo

# The flags' names are the contract's: they travel with each answer.
from contract.wire import (
    AFTER_HOURS,
    BURST,
    DUPLICATE_DOSSIER,
    KIOSK_FLAGS,
    OFFICER_SELF,
    REPEAT_ID,
    TOO_SOON,
    UNIDENTIFIED,
)

FLAGS = (*KIOSK_FLAGS, DUPLICATE_DOSSIER)  # the order an answer's flags are listed in

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


@dataclass(frozen=True)
class OpeningHours:
    """Days of the week (0 = Monday) and periods within each, in the unit's local time."""

    days: frozenset[int] = frozenset(range(5))
    periods: tuple[tuple[time, time], ...] = (
        (time(7, 30), time(11, 30)),
        (time(13, 30), time(17, 0)),
    )

    def is_open(self, local: datetime) -> bool:
        if local.weekday() not in self.days:
            return False
        moment = local.time()
        return any(start <= moment < end for start, end in self.periods)


@dataclass(frozen=True)
class IntegrityPolicy:
    timezone: str = "Asia/Ho_Chi_Minh"
    min_interval_s: float = 10.0
    burst_count: int = 5
    burst_window_s: float = 120.0
    opening_hours: OpeningHours | None = field(default_factory=OpeningHours)  # None: always
    closed_outside_hours: bool = False
    require_identification: bool = False
    repeat_id_per_day: int = 3

    @property
    def zone(self) -> ZoneInfo:
        return _zone(self.timezone)

    def local(self, moment: datetime) -> datetime:
        """A UTC moment in the unit's local time."""
        return moment.astimezone(self.zone)

    def day_bounds(self, moment: datetime) -> tuple[datetime, datetime]:
        """The unit's local day around a moment, as UTC instants [start, end)."""
        day = self.local(moment).date()
        start = datetime.combine(day, time(0), tzinfo=self.zone)
        return start.astimezone(timezone.utc), (start + timedelta(days=1)).astimezone(timezone.utc)

    def is_open(self, moment: datetime) -> bool:
        return self.opening_hours is None or self.opening_hours.is_open(self.local(moment))

    def closed_now(self, moment: datetime) -> bool:
        """Whether the kiosk should show that the office is closed (unit policy)."""
        return self.closed_outside_hours and not self.is_open(moment)


@cache
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@dataclass(frozen=True)
class History:
    """What the store knows of this kiosk's earlier answers, for one new answer."""

    previous_finished_at: datetime | None = None  # UTC
    finished_within_burst_window: int = 0  # earlier answers finished in the window before
    # Earlier answers today with the same ID number, matched by its hash with the day's key
    # (kiosk/store/personal.py): that key is erased with the day, so no rule can look
    # further back than today, by design.
    same_id_today: int = 0


@dataclass(frozen=True)
class AnswerFacts:
    finished_at: datetime  # UTC, aware
    identified: bool  # any of phone, ID number, dossier code given (or scanned)
    has_citizen_id: bool
    officer_self: bool = False  # the ID typed matches the officer on duty


def flags_for(facts: AnswerFacts, history: History, policy: IntegrityPolicy) -> tuple[str, ...]:
    """The flags an answer carries, in FLAGS order (empty: nothing to doubt)."""
    found = set()
    if history.previous_finished_at is not None:
        gap = (facts.finished_at - history.previous_finished_at).total_seconds()
        if gap < policy.min_interval_s:
            found.add(TOO_SOON)
    if history.finished_within_burst_window + 1 > policy.burst_count:
        found.add(BURST)
    if not policy.is_open(facts.finished_at):
        found.add(AFTER_HOURS)
    if policy.require_identification and not facts.identified:
        found.add(UNIDENTIFIED)
    if facts.has_citizen_id and history.same_id_today + 1 > policy.repeat_id_per_day:
        found.add(REPEAT_ID)
    if facts.officer_self:
        found.add(OFFICER_SELF)
    return tuple(flag for flag in FLAGS if flag in found)
