"""Counter staff's shifts: who is on duty at which counter, and what a shift's summary may
show them. Staff see counts only — never an answer, a comment, a flag or a citizen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, time

from kiosk.domain.integrity import IntegrityPolicy
from kiosk.domain.targets import sample_target


@dataclass(frozen=True)
class Officer:
    code: str
    name: str
    pin_hash: str
    # The officer's own ID number, hashed like a PIN (python -m kiosk hash-pin): an answer
    # whose ID matches the officer on duty is flagged officer_self. Empty: not checked.
    citizen_id_hash: str = ""


@dataclass(frozen=True)
class Shift:
    officer: str  # the officer's code
    counter: str
    started_at: datetime  # UTC


@dataclass(frozen=True)
class Progress:
    """Answers towards the unit's yearly minimum (decision 2223's sample size)."""

    target_year: int  # 0: no yearly dossier count configured
    done_year: int
    done_month: int

    @property
    def target_month(self) -> int:
        return math.ceil(self.target_year / 12) if self.target_year else 0


@dataclass(frozen=True)
class ShiftSummary:
    shift: Shift
    answers: int  # complete answers taken during the shift
    satisfied: int
    progress: Progress

    @property
    def share_satisfied(self) -> float | None:
        return self.satisfied / self.answers if self.answers else None


def overdue(shift: Shift, now: datetime, end_of_day: time | None, policy: IntegrityPolicy) -> bool:
    """Whether the working day of a shift is over (the unit's local time): a shift left open
    overnight, or past end_of_day, is ended so that tomorrow's answers are not its."""
    started, current = policy.local(shift.started_at), policy.local(now)
    if current.date() > started.date():
        return True
    return end_of_day is not None and started.time() < end_of_day <= current.time()


def yearly_target(yearly_dossiers: int) -> int:
    """The unit's minimum number of answers for the year (0 when no count is configured)."""
    return sample_target(yearly_dossiers).minimum if yearly_dossiers > 0 else 0
