"""Typing less, and typing safely: the identification step and the keyboards.

A citizen types the date and serial of the dossier code only; focus stays put once the
step is complete; a whole code fits on one line; keys are the size of the kiosk's other
targets, and nothing final sits next to a key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Response
from kiosk.ui import theme

if TYPE_CHECKING:
    from kiosk.ui.widgets import KeyButton

# Kivy is imported inside the tests: collecting this file must not import it (conftest).
pytestmark = pytest.mark.ui

PHONE, CITIZEN_ID = "0912345678", "079199123456"
PREFIX = "000.00.12.H17-"  # the shipped config.yaml's dossier_code_prefix
SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def test_taps_of_the_typed_paths_from_welcome_to_thank_you(start_kiosk):
    """Phone and ID number: 26 taps. Phone and dossier code: 25 (42 before the prefix)."""
    pilot = start_kiosk()
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    assert pilot.touches == 1 + 10 + 12 + 1 + 2
    pilot.tap(pilot.screen.ids.home)
    pilot.touches = 0
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE)
    pilot.tap(pilot.screen.boxes["dossier_code"])
    pilot.keys("2511260001")
    pilot.tap(pilot.screen.ids.next)
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    assert pilot.touches == 1 + 10 + 1 + 10 + 1 + 2
    [_, row] = stored(pilot)
    assert row.dossier_code == "000.00.12.H17-251126-0001"


def test_focus_stays_once_the_id_number_completes_the_step(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE)
    assert pilot.screen.focused_field == "citizen_id"
    assert not pilot.screen.complete
    pilot.keys(CITIZEN_ID)
    assert pilot.screen.focused_field != "dossier_code"
    assert pilot.screen.keypad_layout == "digits"
    assert pilot.screen.complete
    assert "Đã đủ thông tin. Mời ông/bà bấm “Tiếp tục”." in pilot.texts()


@pytest.mark.parametrize("orientation", SIZES)
def test_a_whole_dossier_code_fits_on_one_line(start_kiosk, orientation):
    pilot = start_kiosk(size=SIZES[orientation])
    pilot.tap(pilot.screen.ids.start)
    pilot.tap(pilot.screen.boxes["dossier_code"])
    pilot.keys("2511260001")
    pilot.frames(3)
    assert pilot.screen.values["dossier_code"] == PREFIX + "2511260001"
    pilot.key("clear")
    assert pilot.screen.values["dossier_code"] == PREFIX  # the unit's part comes back
    pilot.key("clear")  # and a second clear empties the field, for another agency's code
    assert pilot.screen.values["dossier_code"] == ""
    pilot.keys("000.00.12.H17-251126-0001")
    pilot.frames(3)
    box = pilot.screen.boxes["dossier_code"]
    value = next(w for w in box.walk() if "251126-0001" in str(getattr(w, "text", "")))
    from kivy.core.text import Label as CoreLabel

    measure = CoreLabel(font_name=value.font_name, font_size=value.font_size)
    width, _height = measure.get_extents(value.text)
    assert width <= value.text_size[0], "the code wraps onto a second line, under the label"


def test_other_reason_needs_its_text(start_kiosk):
    pilot = start_kiosk()
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap_text("Chưa hài lòng")
    pilot.tap_text("Lý do khác")
    panel = pilot.screen.keyboard_panel
    pilot.tap(panel.ids.done)  # closed with nothing written
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "multi_choice"
    assert pilot.app.survey.draft("reasons") is None
    assert "Vui lòng ghi nội dung “Lý do khác”, hoặc bỏ chọn mục này" in pilot.texts()
    assert panel.parent is not None  # the keyboard is open again, to write it
    pilot.keys("ddoong")
    pilot.tap(panel.ids.done)
    assert "Vui lòng ghi nội dung “Lý do khác”" not in pilot.texts()  # asked no more
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "thanks"


def _keys_on_screen(pilot) -> list[KeyButton]:
    from kiosk.ui.widgets import KeyButton

    return [k for k in pilot.find_all(kind=KeyButton) if k.opacity > 0]


def _text_screen(pilot) -> None:
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap_text("Hài lòng")


def _code_keypad(pilot) -> None:
    pilot.tap(pilot.screen.ids.start)
    pilot.tap(pilot.screen.boxes["dossier_code"])


def _other_reason_keyboard(pilot) -> None:
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap_text("Chưa hài lòng")
    pilot.tap_text("Lý do khác")


PLACES = {"comment": _text_screen, "code": _code_keypad, "other": _other_reason_keyboard}


@pytest.mark.parametrize("orientation", SIZES)
@pytest.mark.parametrize("place", PLACES)
def test_every_key_is_a_full_size_target(start_kiosk, orientation, place):
    pilot = start_kiosk(size=SIZES[orientation])
    PLACES[place](pilot)
    pilot.frames(3)
    keys = _keys_on_screen(pilot)
    assert len(keys) >= 12
    from kivy.metrics import dp

    floor = dp(theme.KEY_MIN_DP)
    small = [(k.key, round(k.width), round(k.height)) for k in keys if min(k.size) < floor]
    assert not small, f"keys under {floor:.0f} px: {small[:6]}"


@pytest.mark.parametrize("orientation", SIZES)
@pytest.mark.parametrize("place", ["comment", "other"])
def test_nothing_final_sits_next_to_a_key(start_kiosk, orientation, place):
    pilot = start_kiosk(size=SIZES[orientation])
    PLACES[place](pilot)
    pilot.frames(3)
    keys = _keys_on_screen(pilot)
    finals = [w for w in pilot.find_all() if w in _final_buttons(pilot)]
    assert finals
    from kivy.metrics import dp

    gap = dp(theme.FINAL_GAP_DP)
    for final in finals:
        fx, fy = final.to_window(final.x, final.y)
        for key in keys:
            kx, ky = key.to_window(key.x, key.y)
            apart_x = max(kx - (fx + final.width), fx - (kx + key.width))
            apart_y = max(ky - (fy + final.height), fy - (ky + key.height))
            assert max(apart_x, apart_y) >= gap, f"{key.key!r} is next to {final.text!r}"


def _final_buttons(pilot) -> list:
    screen = pilot.screen
    if screen.name == "text":
        return [screen.ids.next, screen.ids.back]
    panel = screen.keyboard_panel
    return [panel.ids.done]


def test_clearing_a_mistyped_date_keeps_the_prefix_and_the_short_code_works(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE)
    pilot.tap(pilot.screen.boxes["dossier_code"])
    pilot.keys("25113")
    pilot.key("clear")
    pilot.keys("2511260001")
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "single_choice"


def test_the_digit_keypad_speaks_the_citizens_language(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.lang_en)
    pilot.tap(pilot.screen.ids.start)
    from kiosk.ui.widgets import KeyButton

    clear = pilot.find(kind=KeyButton, key="clear")
    assert clear.text == "Clear"


def test_coming_back_to_a_complete_step_focuses_no_field(start_kiosk):
    pilot = start_kiosk()
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap(pilot.screen.ids.back)
    assert pilot.screen_name == "identification"
    assert pilot.screen.focused_field == ""
    assert pilot.screen.keypad_layout == "digits"
