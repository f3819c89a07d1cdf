"""Sample targets of decision 2223: Slovin's formula, its error table, the half-year rule."""

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.targets import allowed_error, sample_target, state_body_target
from tests.portal_support import kiosk


def test_the_decisions_own_example():
    target = sample_target(4000)
    assert target.allowed_error == 0.06
    assert round(target.exact, 2) == 259.74
    assert target.minimum == 259


@pytest.mark.parametrize(
    ("dossiers", "error"),
    [
        (1, 0.07),
        (2000, 0.07),
        (2001, 0.06),
        (4000, 0.06),
        (4001, 0.05),
        (6000, 0.05),
        (6001, 0.04),
        (10000, 0.04),
        (10001, 0.03),
        (10**7, 0.03),
    ],
)
def test_error_table_boundaries(dossiers, error):
    assert allowed_error(dossiers) == error


def test_no_dossiers_no_answers_and_negative_is_refused():
    assert sample_target(0).minimum == 0
    with pytest.raises(ValueError):
        sample_target(-1)


@given(st.integers(min_value=1, max_value=10**8))
def test_target_is_never_more_than_the_dossiers_and_at_least_one(dossiers):
    target = sample_target(dossiers)
    assert 1 <= target.minimum <= dossiers
    assert target.minimum <= max(1.0, target.exact + 1e-6)  # rounded down, but never to 0
    assert target.minimum < 1 / target.allowed_error**2  # Slovin's ceiling


def test_half_year_rule_counts_applicants_per_half():
    filings = [("Sở A", date(2025, m, 1)) for m in range(1, 7)] * 2  # 10+ times in H1
    filings += [("Sở A", date(2025, 9, 3)), ("Sở B", date(2025, 6, 30)), ("Sở B", date(2025, 7, 1))]
    assert state_body_target(filings) == 4  # A: H1, H2; B: H1, H2


def test_target_command_prints_the_minimum_and_the_error_used():
    text = kiosk("target", "--dossiers", "4000")
    assert text.returncode == 0
    assert "259" in text.stdout and "6%" in text.stdout
    data = kiosk("target", "--dossiers", "4000", "--json")
    assert '"minimum": 259' in data.stdout and '"allowed_error": 0.06' in data.stdout
    bad = kiosk("target", "--dossiers", "-5")
    assert bad.returncode == 2 and "Số hồ sơ" in bad.stderr
