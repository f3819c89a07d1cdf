"""A power cut at a random instant loses no answer the kiosk thanked for (tests/powercut.py).

The same harness, with SQLite's synchronous=OFF, loses answers: it can tell.
`scripts/prove` runs it at a larger scale and prints the figures.
"""

from __future__ import annotations

import random

import pytest

from tests.powercut import can_run, run_once

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(600),  # ten cuts, each a file system made, filled and cut: ~1 min
    pytest.mark.skipif(not can_run(), reason="needs root, losetup, mkfs.ext4 and mount"),
]


def test_no_thanked_answer_is_lost_at_any_of_ten_random_cuts(tmp_path):
    rng = random.Random(2026)
    thanked = 0
    for run in range(10):
        outcome = run_once(tmp_path / f"run{run}", "FULL", rng)
        assert outcome.integrity == "ok", f"run {run}"
        assert outcome.lost == (), f"run {run}: {len(outcome.lost)} thanked answers lost"
        thanked += outcome.thanked
    assert thanked >= 30  # the cuts came while answers were being written


def test_the_harness_sees_losses_without_fsync(tmp_path):
    rng = random.Random(7)
    outcomes = [run_once(tmp_path / f"run{run}", "OFF", rng) for run in range(2)]
    assert sum(len(o.lost) for o in outcomes) > 0
