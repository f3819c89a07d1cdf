"""Integrity rules (kiosk/domain/integrity.py): each at its boundary, in the unit's local
time whatever the tablet's zone, as flags stored with the answer, and one verdict per
dossier on a tablet.
"""

from __future__ import annotations

import dataclasses
import os
import time as time_module
from datetime import datetime, time, timedelta, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.core import KioskCore
from kiosk.domain import integrity as rules
from kiosk.domain.integrity import AnswerFacts, History, IntegrityPolicy, OpeningHours, flags_for
from tests.conftest import write_config

VN = timezone(timedelta(hours=7))
# Tuesday 25 November 2025, 09:00 in Đà Nẵng: office hours.
OPEN = datetime(2025, 11, 25, 9, 0, tzinfo=VN).astimezone(timezone.utc)
POLICY = IntegrityPolicy()


NOTHING_BEFORE = History()


def flags(finished=OPEN, history=NOTHING_BEFORE, policy=POLICY, **facts) -> tuple[str, ...]:
    given_facts = {"identified": True, "has_citizen_id": False, **facts}
    return flags_for(AnswerFacts(finished_at=finished, **given_facts), history, policy)


def test_a_plain_answer_in_office_hours_has_no_flag():
    assert flags() == ()


def test_minimum_interval_between_two_answers():
    just_under = History(previous_finished_at=OPEN - timedelta(seconds=9.9))
    exactly = History(previous_finished_at=OPEN - timedelta(seconds=10))
    assert flags(history=just_under) == (rules.TOO_SOON,)
    assert flags(history=exactly) == ()
    assert flags(history=just_under, policy=IntegrityPolicy(min_interval_s=5)) == ()


def test_a_burst_is_more_answers_than_allowed_in_the_window():
    assert flags(history=History(finished_within_burst_window=4)) == ()  # the 5th: allowed
    assert flags(history=History(finished_within_burst_window=5)) == (rules.BURST,)


def test_opening_hours_are_the_units_local_time():
    def at(hour, minute, day=25):
        return datetime(2025, 11, day, hour, minute, tzinfo=VN).astimezone(timezone.utc)

    assert flags(at(7, 29)) == (rules.AFTER_HOURS,)
    assert flags(at(7, 30)) == ()
    assert flags(at(11, 29)) == () and flags(at(11, 30)) == (rules.AFTER_HOURS,)
    assert flags(at(12, 0)) == (rules.AFTER_HOURS,)  # lunch
    assert flags(at(13, 30)) == () and flags(at(17, 0)) == (rules.AFTER_HOURS,)
    assert flags(at(9, 0, day=29)) == (rules.AFTER_HOURS,)  # a Saturday
    always = IntegrityPolicy(opening_hours=None)
    assert flags(at(3, 0), policy=always) == ()
    mornings = ((time(8, 0), time(11, 0)),)
    saturday_mornings = IntegrityPolicy(opening_hours=OpeningHours(frozenset({5}), mornings))
    assert flags(at(9, 0, day=29), policy=saturday_mornings) == ()


def test_the_tablets_own_zone_does_not_matter(monkeypatch):
    for zone in ("America/New_York", "UTC", "Asia/Tokyo"):
        monkeypatch.setenv("TZ", zone)
        time_module.tzset()
        assert flags(OPEN) == ()
        assert flags(OPEN + timedelta(hours=10)) == (rules.AFTER_HOURS,)  # 19:00 in Đà Nẵng
    monkeypatch.delenv("TZ")
    time_module.tzset()
    assert "TZ" not in os.environ


def test_unidentified_only_where_the_unit_requires_identification():
    assert flags(identified=False) == ()
    strict = IntegrityPolicy(require_identification=True)
    assert flags(identified=False, policy=strict) == (rules.UNIDENTIFIED,)
    assert flags(identified=True, policy=strict) == ()


def test_the_same_id_many_times_a_day():
    assert flags(has_citizen_id=True, history=History(same_id_today=2)) == ()  # the 3rd
    assert flags(has_citizen_id=True, history=History(same_id_today=3)) == (rules.REPEAT_ID,)
    assert flags(has_citizen_id=False, history=History(same_id_today=9)) == ()


def test_the_officers_own_id_is_flagged():
    assert flags(officer_self=True) == (rules.OFFICER_SELF,)


def test_local_days_split_at_local_midnight():
    late = datetime(2025, 11, 25, 23, 59, tzinfo=VN).astimezone(timezone.utc)
    start, end = POLICY.day_bounds(late)
    assert start == datetime(2025, 11, 24, 17, 0, tzinfo=timezone.utc)
    assert end == datetime(2025, 11, 25, 17, 0, tzinfo=timezone.utc)
    assert POLICY.day_bounds(late + timedelta(minutes=2))[0] == end


@given(
    st.datetimes(timezones=st.just(timezone.utc)),
    st.floats(0, 10_000),
    st.integers(0, 50),
    st.integers(0, 50),
    st.booleans(),
    st.booleans(),
    st.booleans(),
    st.booleans(),
)
def test_flags_are_known_ordered_and_only_from_their_rules(
    finished, gap, window, same_id, identified, has_id, officer, require
):
    policy = IntegrityPolicy(require_identification=require)
    history = History(finished - timedelta(seconds=gap), window, same_id)
    found = flags(
        finished,
        history,
        policy,
        identified=identified,
        has_citizen_id=has_id,
        officer_self=officer,
    )
    assert list(found) == [f for f in rules.FLAGS if f in found]
    assert (rules.TOO_SOON in found) == (gap < policy.min_interval_s)
    assert (rules.BURST in found) == (window + 1 > policy.burst_count)
    assert (rules.UNIDENTIFIED in found) == (require and not identified)
    assert (rules.REPEAT_ID in found) == (has_id and same_id + 1 > policy.repeat_id_per_day)
    assert rules.DUPLICATE_DOSSIER not in found  # the portal's to decide


def answer_at(core: KioskCore, finished: datetime, dossier: str = "", citizen_id: str = ""):
    survey = core.new_survey()
    values = {"phone": "0912345678", "citizen_id": citizen_id, "dossier_code": dossier}
    if not citizen_id and not dossier:
        values["dossier_code"] = "000.00.12.H17-251125-0001"
    assert survey.submit_identification(values) == {}
    survey.advance()
    survey.answer("verdict", "satisfied")
    answer = survey.finish()
    return dataclasses.replace(
        answer, started_at=finished - timedelta(seconds=30), finished_at=finished
    )


def stored_flags(core: KioskCore) -> list[list[str]]:
    from kiosk.store.answers import iter_answers

    return [list(row.flags) for row in iter_answers(core.engine)]


def test_a_scripted_burst_is_stored_with_its_flags(tmp_path):
    core = KioskCore.open(write_config(tmp_path / "config.yaml"), tmp_path / "data")
    for second in range(0, 7 * 3, 3):  # seven answers three seconds apart
        core.save(
            answer_at(core, OPEN + timedelta(seconds=second), dossier=f"H17.21-251125-{second:04d}")
        )
    got = stored_flags(core)
    assert got[0] == []
    assert all(rules.TOO_SOON in f for f in got[1:])
    assert [rules.BURST in f for f in got] == [False] * 5 + [True] * 2


def test_one_id_number_four_times_in_a_day_is_flagged_the_fourth(tmp_path):
    core = KioskCore.open(write_config(tmp_path / "config.yaml"), tmp_path / "data")
    for hour in range(4):
        core.save(
            answer_at(
                core, OPEN + timedelta(hours=hour % 2, minutes=20 * hour), citizen_id="079199123456"
            )
        )
    assert [rules.REPEAT_ID in f for f in stored_flags(core)] == [False, False, False, True]


def test_one_verdict_per_dossier_on_a_tablet(tmp_path):
    core = KioskCore.open(write_config(tmp_path / "config.yaml"), tmp_path / "data")
    assert not core.already_rated("H17.21-251125-0007")
    core.save(answer_at(core, OPEN, dossier="H17.21-251125-0007"))
    assert core.already_rated("H17.21-251125-0007")
    assert not core.already_rated("H17.21-251125-0008")


@pytest.mark.ui
def test_a_second_attempt_on_the_same_dossier_is_told_politely(start_kiosk, tmp_path):
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    receipt = "https://dichvucong.gov.vn/?mahoso=000.00.31.H17-251023-0042"
    pilot.tap(pilot.screen.ids.start)
    pilot.scanner(receipt)
    pilot.rate_satisfied()
    pilot.tap(pilot.screen.ids.home)
    pilot.tap(pilot.screen.ids.start)
    pilot.scanner(receipt)
    assert pilot.screen_name == "identification"
    assert pilot.screen.general_problem == ""  # no error in red: thanks, and the ways on
    texts = pilot.texts()
    assert "Hồ sơ này đã được đánh giá" in texts and "Cảm ơn ông/bà đã quan tâm!" in texts
    pilot.tap(pilot.screen.rated_panel.ids.home)
    assert pilot.screen_name == "welcome"
    assert "Hồ sơ này đã được đánh giá" not in pilot.texts()


def test_flags_reach_the_portal_and_a_dossier_rated_on_two_tablets_counts_once(tmp_path):
    from tests.portal_support import kiosk, start_portal, sync

    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    try:
        tablets = []
        for name in ("a", "b"):
            data = tmp_path / name
            portal.enrol(data, counter="Q1" if name == "a" else "Q2")
            tablets.append(KioskCore.open(write_config(tmp_path / f"{name}.yaml"), data))
        first, second = tablets
        # Both offline: B rates the dossier first, A a minute later; A syncs first.
        shared = "000.00.12.H17-251125-0099"
        second.save(answer_at(second, OPEN, dossier=shared))
        first.save(answer_at(first, OPEN + timedelta(minutes=1), dossier=shared))
        for seconds in range(2, 14, 2):  # then a burst on A: six more, two seconds apart
            first.save(
                answer_at(
                    first,
                    OPEN + timedelta(minutes=5, seconds=seconds),
                    dossier=f"H17.21-251125-{seconds:04d}",
                )
            )
        for core in tablets:
            core.engine.dispose()
        assert sync("--once", "--data-dir", str(tmp_path / "a")).returncode == 0
        assert sync("--once", "--data-dir", str(tmp_path / "b")).returncode == 0
        made = portal.portal("unit", "DNG-HC", "--yearly-dossiers", "4000")
        assert "at least 259 answers" in made.stdout
        [unit] = portal.stats()["units"]
        assert (unit["yearly_dossiers"], unit["target"]) == (4000, 259)
        assert unit["stored"] == 8
        assert unit["flagged"]["duplicate_dossier"] == 1  # A's: B finished first
        # The burst's 2nd to 6th come too soon; the 6th is also the one over five in 120 s.
        assert unit["flagged"]["too_soon"] == 5 and unit["flagged"]["burst"] == 1
        assert unit["counted"] == 2  # B's verdict on the shared dossier, the burst's first
        text = portal.portal("stats").stdout
        assert "not counted: 6 of 8" in text and "1 flagged duplicate_dossier" in text
        assert kiosk("export", "--data-dir", str(tmp_path / "a")).returncode == 0
    finally:
        portal.stop()


@pytest.mark.ui
def test_outside_opening_hours_the_kiosk_can_say_it_is_closed(start_kiosk, tmp_path):
    never = {"days": ["sun"], "periods": ["00:00-00:01"]}
    config = write_config(
        tmp_path / "config.yaml",
        integrity__closed_outside_hours=True,
        integrity__opening_hours=never,
    )
    pilot = start_kiosk(config)
    assert pilot.app.closed
    assert "Ngoài giờ làm việc" in pilot.texts()
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen_name == "welcome"  # nobody fills it after hours


@pytest.mark.ui
def test_a_unit_open_at_all_hours_is_never_closed(start_kiosk, tmp_path):
    open_config = write_config(
        tmp_path / "open.yaml",
        integrity__closed_outside_hours=True,
        integrity__opening_hours="always",
    )
    pilot = start_kiosk(open_config)
    assert not pilot.app.closed
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen_name == "identification"


def test_an_answer_with_the_officer_on_dutys_own_id_is_flagged(tmp_path):
    from kiosk.domain.pin import hash_pin

    officer = {
        "code": "CB09",
        "name": "Lê Văn Tư",
        "pin_hash": hash_pin("4321"),
        "citizen_id_hash": hash_pin("079199123456"),
    }
    config = write_config(tmp_path / "config.yaml", staff__officers=[officer])
    core = KioskCore.open(config, tmp_path / "data")
    core.save(answer_at(core, OPEN, citizen_id="079199123456"))  # nobody on duty yet
    core.staff.start_shift("CB09", "Q1")
    core.save(answer_at(core, OPEN + timedelta(minutes=5), citizen_id="079199123456"))
    core.save(answer_at(core, OPEN + timedelta(minutes=10), citizen_id="048099000123"))
    assert [rules.OFFICER_SELF in f for f in stored_flags(core)] == [False, True, False]


def test_a_shift_left_open_ends_with_the_working_day():
    from datetime import time as clock

    from kiosk.domain.shifts import Shift, overdue

    morning = datetime(2025, 11, 25, 8, 0, tzinfo=VN).astimezone(timezone.utc)
    shift = Shift("CB01", "Q1", morning)
    at = lambda h, m, day=25: datetime(2025, 11, day, h, m, tzinfo=VN)  # noqa: E731 - one-line asserts
    assert not overdue(shift, at(17, 29), clock(17, 30), POLICY)
    assert overdue(shift, at(17, 30), clock(17, 30), POLICY)
    assert not overdue(shift, at(23, 59), None, POLICY)
    assert overdue(shift, at(0, 1, day=26), None, POLICY)  # the next local day
    evening = Shift("CB01", "Q1", at(18, 0).astimezone(timezone.utc))  # started after it
    assert not overdue(evening, at(19, 0), clock(17, 30), POLICY)


def test_repeat_id_counts_the_local_day_across_a_restart_and_not_past_midnight(tmp_path):
    """The ID's hash key lives one local day on disk: a restart keeps it, midnight ends it."""
    config, data = write_config(tmp_path / "config.yaml"), tmp_path / "data"
    today = datetime.now(VN).replace(hour=22, minute=0, second=0, microsecond=0)
    core = KioskCore.open(config, data)
    for minutes in (0, 20):
        core.save(answer_at(core, today + timedelta(minutes=minutes), citizen_id="079199123456"))
    core.engine.dispose()
    core = KioskCore.open(config, data)  # a restart in the evening
    for minutes in (40, 60, 130):  # the last at 00:10 the next day
        core.save(answer_at(core, today + timedelta(minutes=minutes), citizen_id="079199123456"))
    assert [rules.REPEAT_ID in f for f in stored_flags(core)] == [False, False, False, True, False]
    assert [p.name for p in (data / "keys").iterdir()] == [
        f"day-{(today + timedelta(days=1)).date().isoformat()}.key"
    ]
