"""Walking away, and coming back: the warning before the idle wipe, and the language reset.

The kiosk's timers run on a clock the tests move (`Pilot.stop_the_clock`): nothing sleeps.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.domain.reading import reading_s
from kiosk.idle import READING_MARGIN_S
from kiosk.store.models import Response
from tests.conftest import write_config

pytestmark = pytest.mark.ui

PHONE, CITIZEN_ID = "0912345678", "079199123456"
REASON = "Về tiến độ, kết quả giải quyết TTHC"


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response)))


def warning_shown(pilot) -> bool:
    warning = pilot.app.view.idle_warning
    return warning is not None and warning.parent is not None


def later(pilot, clock, seconds: float) -> None:
    """The kiosk's time passes (its clock stopped), and the window shows it."""
    clock.advance(seconds)
    pilot.frames()


def walk_away_after_ticking_a_reason(start_kiosk, tmp_path):
    """A citizen ticks a reason and looks away until the warning shows (4 s idle, 2 s
    warning; the reasons take ~26 s to read, so the quiet part is that and a margin)."""
    config = write_config(tmp_path / "config.yaml", flow__idle_timeout_s=4, flow__idle_warning_s=2)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap_text("Chưa hài lòng")
    pilot.tap_text(REASON)
    quiet = reading_s(pilot.app.core.form.question("reasons"), "vi") + READING_MARGIN_S
    assert quiet > 25  # not the unit's 2 s: the reasons are read first
    later(pilot, clock, quiet - 0.1)
    assert not warning_shown(pilot)
    later(pilot, clock, 0.1)
    assert warning_shown(pilot)
    return pilot, clock


def test_the_kiosk_asks_before_wiping_and_a_tap_keeps_everything(start_kiosk, tmp_path):
    pilot, clock = walk_away_after_ticking_a_reason(start_kiosk, tmp_path)
    texts = pilot.texts()
    assert "Ông/bà còn tiếp tục không?" in texts
    assert "Sau 2 giây, màn hình sẽ trở về trang đầu" in texts
    later(pilot, clock, 1)
    assert "Sau 1 giây, màn hình sẽ trở về trang đầu" in pilot.texts()
    pilot.tap(pilot.app.view.idle_warning.ids.resume)
    assert not warning_shown(pilot)
    later(pilot, clock, 1)  # when the countdown would have reached zero
    assert pilot.screen_name == "multi_choice"
    assert pilot.screen.chosen() == ["progress"]  # nothing was wiped
    assert stored(pilot) == []


def test_nobody_answering_the_warning_wipes_as_before(start_kiosk, tmp_path):
    pilot, clock = walk_away_after_ticking_a_reason(start_kiosk, tmp_path)
    later(pilot, clock, 1.9)
    assert pilot.screen_name == "multi_choice"
    later(pilot, clock, 0.1)
    assert pilot.screen_name == "welcome"
    assert not warning_shown(pilot)
    [row] = stored(pilot)
    assert (row.status, row.verdict, row.reasons) == ("incomplete", "not_satisfied", [])


def test_a_key_of_a_hardware_keyboard_answers_the_warning_and_types_nothing(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", flow__idle_timeout_s=4, flow__idle_warning_s=2)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    pilot.tap(pilot.screen.ids.start)
    pilot.keys(PHONE[:4])
    later(pilot, clock, 2)
    assert warning_shown(pilot)
    pilot.press(ord("5"), "5")
    assert not warning_shown(pilot)
    assert pilot.screen_name == "identification"
    assert pilot.screen.values["phone"] == PHONE[:4]


def test_the_welcome_screen_returns_to_the_units_language(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", flow__idle_timeout_s=3)
    pilot = start_kiosk(config)
    clock = pilot.stop_the_clock()
    pilot.tap(pilot.screen.ids.lang_en)
    assert "Please rate our service" in pilot.texts()
    later(pilot, clock, 3)
    assert pilot.app.lang == "vi"
    assert pilot.screen_name == "welcome"
    assert "Mời ông/bà đánh giá mức độ hài lòng" in pilot.texts()
