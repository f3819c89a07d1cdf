"""A tap means what the citizen meant: double taps through the real window.

The second tap of a quick double tap lands on the screen the first one opened; it must
not tick a reason, type a digit or a letter there. Taps on a screen that stays are never
slowed down.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Response

# Kivy is imported inside the tests: collecting this file must not import it (conftest).
pytestmark = pytest.mark.ui

PHONE, CITIZEN_ID = "0912345678", "079199123456"
PREFIX = "000.00.12.H17-"  # the shipped config.yaml's dossier_code_prefix


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response)))


def to_verdict(pilot) -> None:
    pilot.identify(PHONE, CITIZEN_ID)
    assert pilot.screen_name == "single_choice"


def test_double_tap_on_start_types_nothing_into_the_phone_field(start_kiosk):
    pilot = start_kiosk()
    pilot.double_tap(pilot.screen.ids.start)
    assert pilot.screen_name == "identification"
    assert pilot.screen.values == {"phone": "", "citizen_id": "", "dossier_code": PREFIX}
    assert pilot.screen.boxes["phone"].problem == ""
    assert pilot.app.tap_guard.dropped_count == 1


def test_double_tap_on_not_satisfied_ticks_no_reason(start_kiosk):
    pilot = start_kiosk()
    to_verdict(pilot)
    pilot.double_tap(pilot.find("Chưa hài lòng"))
    assert pilot.screen_name == "multi_choice"
    assert pilot.screen.chosen() == []
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "multi_choice"  # still asks for a reason: none was given
    assert stored(pilot) == []


def test_double_tap_on_satisfied_leaves_the_comment_empty(start_kiosk):
    pilot = start_kiosk()
    to_verdict(pilot)
    pilot.double_tap(pilot.find("Hài lòng"))
    assert pilot.screen_name == "text"
    assert pilot.screen.ids.keyboard.text == ""
    pilot.tap(pilot.screen.ids.next)
    [row] = stored(pilot)
    assert (row.verdict, row.comment) == ("satisfied", "")


def test_double_tap_on_next_does_not_answer_the_verdict(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE + CITIZEN_ID)
    pilot.double_tap(pilot.screen.ids.next)
    assert pilot.screen_name == "single_choice"
    assert pilot.app.survey.draft("verdict") is None


def test_double_tap_on_other_reason_types_nothing_on_the_keyboard(start_kiosk):
    pilot = start_kiosk()
    to_verdict(pilot)
    pilot.tap_text("Chưa hài lòng")
    pilot.double_tap(pilot.find("Lý do khác"))
    screen = pilot.app.screen("multi_choice")
    assert screen.chosen() == ["other"]  # one tick, not ticked and unticked
    assert screen.keyboard_panel.ids.keyboard.text == ""


def test_a_burst_of_taps_is_dropped_until_the_hand_rests(start_kiosk):
    pilot = start_kiosk()
    to_verdict(pilot)
    button = pilot.find("Chưa hài lòng")
    x, y = button.to_window(*button.center)
    pilot.touch_at(x, y)
    for _ in range(4):  # four more taps, each 0.3 s after the last
        pilot.touch_at(x, y, pause_s=0.3)
    assert pilot.app.screen("multi_choice").chosen() == []
    pilot.touch_at(x, y, pause_s=0.8)  # a deliberate tap after a pause counts
    assert pilot.app.screen("multi_choice").chosen() != []


def test_taps_on_a_screen_that_stays_are_taken_at_once(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.wait(1.0)  # reads the screen, then types fast
    from kiosk.ui.widgets import KeyButton

    for digit in PHONE:  # a quick typist: 0.1 s from one key to the next
        key = pilot.find(kind=KeyButton, key=digit)
        pilot.touch_at(*key.to_window(*key.center), pause_s=0.1)
    assert pilot.screen.values["phone"] == PHONE
    assert pilot.app.tap_guard.dropped_count == 0


def test_a_deliberate_tap_soon_after_a_new_screen_counts(start_kiosk):
    pilot = start_kiosk()
    to_verdict(pilot)
    pilot.tap_text("Chưa hài lòng")
    row = pilot.find("Về tiến độ, kết quả giải quyết TTHC")
    pilot.touch_at(*row.to_window(*row.center), pause_s=0.6)
    assert pilot.screen.chosen() == ["progress"]
