"""How the reports write their numbers: one rounding, one percentage, one Vietnamese form.

A percentage is rounded once, half up, to two decimals (`percent`); every output, the
JSON included, carries that rounded value, and the checks (portal/reports/checks.py)
recompute it the same way. In Vietnamese text the decimal mark is a comma and thousands
are grouped with a dot ("1.234 phiếu", "72,21%"), as the published reports write them.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

DECIMALS = 2


def percent(count: int, base: int, decimals: int = DECIMALS) -> float | None:
    """count / base as a percentage, rounded half up; None when the base is 0."""
    if base <= 0:
        return None
    exact = Decimal(count) * 100 / Decimal(base)
    return float(exact.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP))


def mean_percent(values: list[float]) -> float | None:
    """The plain mean of percentages, rounded as `percent` rounds; None for none."""
    if not values:
        return None
    exact = sum((Decimal(str(v)) for v in values), Decimal(0)) / len(values)
    return float(exact.quantize(Decimal(1).scaleb(-DECIMALS), rounding=ROUND_HALF_UP))


def vi_percent(value: float | None, decimals: int = DECIMALS) -> str:
    """72.21 → "72,21%"; None → "–" (no base to divide by)."""
    if value is None:
        return "–"
    return f"{value:.{decimals}f}".replace(".", ",") + "%"


def vi_count(value: int) -> str:
    """1234 → "1.234"."""
    return f"{value:,}".replace(",", ".")


def vi_days(value: float) -> str:
    """A day count with one decimal and a Vietnamese decimal comma: 2,5; 4."""
    return f"{value:.1f}".replace(".", ",").removesuffix(",0")
