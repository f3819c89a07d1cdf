"""Counter staff's shifts: who is on duty at which counter, and what a shift's summary may
show them. Staff see counts only — never an answer, a comment, a flag or a citizen.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from kiosk.domain.targets import sample_target


@dataclass(frozen=True)
class Officer:
    code: str
    name: str
    pin_hash: str


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


def yearly_target(yearly_dossiers: int) -> int:
    """The unit's minimum number of answers for the year (0 when no count is configured)."""
    return sample_target(yearly_dossiers).minimum if yearly_dossiers > 0 else 0
