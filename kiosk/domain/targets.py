"""How many answers a unit needs: decision 2223/QĐ-UBND, section III.2.c.

n = N / (1 + N·e²) (Slovin's formula), with the allowed error e set by the yearly number
of dossiers N. The decision's own example, 4,000 dossiers at 6%, gives 259.74 and asks for
"tối thiểu 259 phiếu": the result is rounded down, as the decision does. Units whose only
applicants are state bodies need one answer per applicant per half-year instead.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

# (largest N in the band, allowed error)
ERROR_BANDS: tuple[tuple[float, float], ...] = (
    (2_000, 0.07),
    (4_000, 0.06),
    (6_000, 0.05),
    (10_000, 0.04),
    (math.inf, 0.03),
)


@dataclass(frozen=True)
class Target:
    dossiers: int
    allowed_error: float
    exact: float
    minimum: int


def allowed_error(dossiers: int) -> float:
    return next(error for ceiling, error in ERROR_BANDS if dossiers <= ceiling)


def sample_target(dossiers: int) -> Target:
    """The minimum number of answers for a year with `dossiers` dossiers."""
    if dossiers < 0:
        raise ValueError("the number of dossiers cannot be negative")
    error = allowed_error(dossiers)
    exact = dossiers / (1 + dossiers * error * error)
    # Round down as the decision's example does, but never below one answer for any dossier;
    # the small epsilon keeps exact integers (e.g. 1.0) from flooring to 0.99999.
    minimum = math.floor(exact + 1e-9) if dossiers else 0
    return Target(dossiers, error, exact, max(minimum, 1 if dossiers else 0))


def half_year(day: date) -> tuple[int, int]:
    """(year, 1) for January–June, (year, 2) for July–December."""
    return day.year, 1 if day.month <= 6 else 2


def state_body_target(filings: Iterable[tuple[str, date]]) -> int:
    """One answer per applicant per half-year in which it filed (decision 2223, III.2.c)."""
    return len({(applicant, half_year(day)) for applicant, day in filings})
