"""The real kiosk window driven like a citizen would: every path ends in the SQLite file."""

from __future__ import annotations

import time

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Response
from tests.conftest import write_config

pytestmark = pytest.mark.ui

PHONE, CITIZEN_ID = "0912345678", "079199123456"
PREFIX = "000.00.12.H17-"  # the shipped config.yaml's dossier_code_prefix


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def identify(pilot) -> None:
    pilot.identify(PHONE, CITIZEN_ID)
    assert pilot.screen_name == "single_choice"


def test_satisfied_with_a_comment_typed_in_telex(start_kiosk):
    pilot = start_kiosk()
    identify(pilot)
    assert pilot.screen_name == "single_choice"
    pilot.tap_text("Hài lòng")
    assert pilot.screen_name == "text"
    assert "Các ý kiến góp ý khác" in pilot.texts()
    for word in ("Cans", "booj", "nhieetj", "tinhf"):
        pilot.keys(word.lower()) if word.islower() else _type_capitalised(pilot, word)
        pilot.key("space")
    assert pilot.screen.ids.keyboard.text == "Cán bộ nhiệt tình "
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "thanks"
    [row] = stored(pilot)
    assert (row.status, row.verdict, row.comment) == ("complete", "satisfied", "Cán bộ nhiệt tình")
    assert row.id_method == "typed" and row.language == "vi"


def _type_capitalised(pilot, word: str) -> None:
    pilot.key("shift")
    pilot.keys(word.lower())


def test_diacritic_keys_type_every_mark_without_telex_knowledge(start_kiosk):
    pilot = start_kiosk()
    identify(pilot)
    pilot.tap_text("Hài lòng")
    pilot.keys("duoc")
    pilot.key("stroke_d")
    pilot.key("horn")
    pilot.key("tone:nang")
    pilot.key("space")
    pilot.keys("tot")
    pilot.key("circumflex")
    pilot.key("tone:sac")
    assert pilot.screen.ids.keyboard.text == "được tốt"
    pilot.tap(pilot.screen.ids.next)
    assert stored(pilot)[0].comment == "được tốt"


def test_not_satisfied_requires_a_reason_then_keeps_the_chosen_ones(start_kiosk):
    pilot = start_kiosk()
    identify(pilot)
    pilot.tap_text("Chưa hài lòng")
    assert pilot.screen_name == "multi_choice"
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "multi_choice"
    assert "Vui lòng chọn ít nhất một nội dung" in pilot.texts()
    assert stored(pilot) == []
    pilot.tap_text("Về tiến độ, kết quả giải quyết TTHC")
    pilot.tap_text("Phải tốn các chi phí không chính thức ngoài quy định")
    pilot.tap_text("Lý do khác")
    assert "Vui lòng điền nội dung chưa hài lòng" in pilot.texts()  # the keyboard panel
    pilot.keys("chowf")
    pilot.key("space")
    pilot.keys("laau")
    pilot.tap_text("Xong")
    assert "chờ lâu" in pilot.texts()
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "thanks"
    [row] = stored(pilot)
    assert row.verdict == "not_satisfied"
    assert row.reasons == ["progress", "unofficial_costs", "other"]
    assert row.comment == "chờ lâu"


def test_back_works_at_every_step_and_saves_nothing(start_kiosk):
    pilot = start_kiosk()
    identify(pilot)
    pilot.tap_text("Chưa hài lòng")
    pilot.tap(pilot.screen.ids.back)
    assert pilot.screen_name == "single_choice"
    pilot.tap(pilot.screen.ids.back)
    assert pilot.screen_name == "identification"
    assert pilot.screen.values["phone"] == PHONE  # the same citizen need not type again
    pilot.tap(pilot.screen.ids.back)
    assert pilot.screen_name == "welcome"
    assert stored(pilot) == []
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen.values == {"phone": "", "citizen_id": "", "dossier_code": PREFIX}


def test_each_field_says_what_is_wrong_as_it_is_typed(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys("02")
    assert "Không phải số di động: đầu số phải là 03, 05, 07, 08 hoặc 09" in pilot.texts()
    pilot.key("clear")
    pilot.keys("0912")
    assert "Không phải số di động" not in pilot.texts()
    pilot.tap(pilot.screen.ids.next)
    assert "Số điện thoại có 10 chữ số, còn thiếu 6 số" in pilot.texts()
    assert "Vui lòng nhập số căn cước hoặc mã hồ sơ" in pilot.texts()
    pilot.keys("345678")
    assert pilot.screen.focused_field == "citizen_id"  # moved on by itself
    pilot.keys("003")
    assert "3 số đầu (003) không phải mã tỉnh" in pilot.texts()
    assert pilot.screen_name == "identification"


@pytest.mark.parametrize("typed", ["2510230001", "clear 000.00.12.H17-251023-0001"])
def test_dossier_code_instead_of_id_on_the_letter_keypad(start_kiosk, typed):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE)
    pilot.tap(pilot.screen.boxes["dossier_code"])
    assert pilot.screen.keypad_layout == "code"
    assert pilot.screen.values["dossier_code"] == PREFIX  # the unit's part, already there
    for word in typed.split():
        pilot.key(word) if word == "clear" else pilot.keys(word)
    pilot.tap(pilot.screen.ids.next)
    pilot.tap_text("Hài lòng")
    pilot.tap(pilot.screen.ids.next)
    [row] = stored(pilot)
    assert row.dossier_code == "000.00.12.H17-251023-0001"
    assert row.citizen_id_hash is None


def test_id_number_is_masked_once_entered(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE + CITIZEN_ID)
    pilot.tap(pilot.screen.boxes["phone"])
    shown = pilot.screen.boxes["citizen_id"].shown
    assert shown == "•••••••••456"
    assert CITIZEN_ID not in pilot.texts()


def test_hardware_keyboard_or_scanner_types_into_the_field(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.start)
    for char in PHONE:
        pilot.press(ord(char), char)
    assert pilot.screen.values["phone"] == PHONE


def later(pilot, clock, seconds: float) -> None:
    """The kiosk's time passes (its clock stopped, `Pilot.stop_the_clock`): nothing sleeps."""
    clock.advance(seconds)
    pilot.frames()


def test_walking_away_after_the_verdict_keeps_it_incomplete_and_wipes(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", flow__idle_timeout_s=3)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    identify(pilot)
    pilot.tap_text("Chưa hài lòng")
    pilot.tap_text("Về tiến độ, kết quả giải quyết TTHC")  # ticked, never confirmed
    later(pilot, clock, 60)  # the reasons are read first (~26 s): kiosk/idle.py
    assert pilot.screen_name == "welcome"
    [row] = stored(pilot)
    assert (row.status, row.verdict, row.reasons) == ("incomplete", "not_satisfied", [])
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen.values == {"phone": "", "citizen_id": "", "dossier_code": PREFIX}
    assert PHONE not in pilot.texts()


def test_walking_away_before_the_verdict_keeps_nothing(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", flow__idle_timeout_s=3)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE)
    later(pilot, clock, 10)
    assert pilot.screen_name == "welcome"
    assert stored(pilot) == []


def test_thank_you_returns_to_welcome_by_itself(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", flow__thanks_s=3)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    identify(pilot)
    pilot.tap_text("Hài lòng")
    pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "thanks"
    later(pilot, clock, 2.9)
    assert pilot.screen_name == "thanks"
    later(pilot, clock, 0.1)
    assert pilot.screen_name == "welcome"


def test_english_is_selectable_and_recorded(start_kiosk):
    pilot = start_kiosk()
    pilot.tap(pilot.screen.ids.lang_en)
    assert "Please rate our service" in pilot.texts()
    pilot.tap(pilot.screen.ids.start)
    assert "Phone number" in pilot.texts()
    pilot.keys(PHONE + CITIZEN_ID)
    pilot.tap(pilot.screen.ids.next)
    pilot.tap_text("Not yet satisfied")
    assert "Please choose what you are not yet satisfied with" in pilot.texts()
    pilot.tap_text("Progress and result of handling the procedure")
    pilot.tap(pilot.screen.ids.next)
    assert "Thank you" in pilot.texts()
    assert stored(pilot)[0].language == "en"
    pilot.tap(pilot.screen.ids.home)
    assert "Mời ông/bà đánh giá mức độ hài lòng" in pilot.texts()  # the next citizen


def _staff_gesture(pilot) -> None:
    pilot.staff_area("it")


def test_escape_and_close_never_leave_the_app(start_kiosk):
    from kivy.core.window import Window

    pilot = start_kiosk()
    pilot.press(27)
    assert pilot.screen_name == "welcome"
    assert Window.dispatch("on_request_close") is True  # the close request is refused


def test_staff_leave_with_gesture_and_pin(start_kiosk):
    pilot = start_kiosk()
    stops = []
    pilot.app.stop = lambda *a: stops.append(True)
    _staff_gesture(pilot)
    assert pilot.screen_name == "staff"
    pilot.keys("2468")
    pilot.tap(pilot.screen.ids.ok)
    assert pilot.screen.unlocked
    pilot.tap(pilot.screen.ids.exit)
    assert stops == [True]


def test_wrong_pins_lock_the_staff_area(start_kiosk):
    pilot = start_kiosk()
    stops = []
    pilot.app.stop = lambda *a: stops.append(True)
    _staff_gesture(pilot)
    for attempt in range(5):
        pilot.keys("1111")
        pilot.tap(pilot.screen.ids.ok)
        if attempt == 0:
            assert "Mã PIN không đúng. Còn 4 lần thử" in pilot.texts()
    assert "Đã khóa do nhập sai nhiều lần" in pilot.texts()
    pilot.keys("2468")
    pilot.tap(pilot.screen.ids.ok)
    assert not pilot.screen.unlocked
    assert stops == []
    pilot.tap(pilot.screen.ids.cancel)
    assert pilot.screen_name == "welcome"
    assert pilot.app.core.staff.pin_guard("it").locked_until > time.time()  # survives a restart


def test_portrait_tablet_keeps_every_button_on_screen(start_kiosk):
    from kivy.core.window import Window

    from kiosk.ui.widgets import BigButton

    pilot = start_kiosk(size=(800, 1280))
    try:
        identify(pilot)
        pilot.tap_text("Chưa hài lòng")
        for button in pilot.find_all(kind=BigButton):
            x, y = button.to_window(button.x, button.y)
            assert x >= 0 and y >= 0
            assert x + button.width <= Window.width + 1
            assert y + button.height <= Window.height + 1
        pilot.tap_text("Về tiến độ, kết quả giải quyết TTHC")
        pilot.tap(pilot.screen.ids.next)
        assert stored(pilot)[0].reasons == ["progress"]
    finally:
        pilot.resize(1280, 800)


def test_the_system_stopping_the_kiosk_with_the_phone_code_open_is_clean(start_kiosk, tmp_path):
    url = "https://khaosat.danang.gov.vn/y-kien/{token}"
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__comment_url=url))
    identify(pilot)
    pilot.tap_text("Hài lòng")
    pilot.tap(pilot.screen.ids.phone)
    assert pilot.screen.panel is not None
    pilot.app.dispatch("on_stop")  # as SIGTERM from systemd does: no exception
