"""Shifts in the real window: an officer signs in with name and PIN, picks the counter,
hands the tablet over; answers carry officer and counter; the summary shows counts only;
every staff action is in the audit log.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.audit import entries
from kiosk.store.models import Response
from tests.conftest import write_config

pytestmark = pytest.mark.ui


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def sign_in(pilot, code: str = "CB01", pin: str = "1357") -> None:
    pilot.staff_area(code)
    assert pilot.screen.mode == "pin"
    pilot.keys(pin)
    pilot.tap(pilot.screen.ids.ok)


def rate(pilot, verdict: str = "Hài lòng") -> None:
    pilot.identify("0912345678", "079199123456")
    pilot.tap_text(verdict)
    if verdict == "Hài lòng":
        pilot.tap(pilot.screen.ids.next)
    else:
        pilot.tap_text("Về tiến độ, kết quả giải quyết TTHC")
        pilot.tap(pilot.screen.ids.next)
    assert pilot.screen_name == "thanks"
    pilot.tap(pilot.screen.ids.home)


def test_an_officer_starts_a_shift_and_answers_carry_officer_and_counter(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__camera="none")
    pilot = start_kiosk(config)
    rate(pilot)  # before any shift: no officer on duty (the unit accepts that)
    sign_in(pilot)
    assert pilot.screen.mode == "officer"
    assert "Ca làm việc — Nguyễn Thị Lan" in pilot.texts()
    assert "Tiến độ năm (máy này): 1 / 259 phiếu tối thiểu" in pilot.texts()  # shipped: 4000
    pilot.tap(pilot.screen.buttons["counter:Q2"])
    pilot.tap(pilot.screen.buttons["start"])
    assert pilot.screen_name == "welcome"
    rate(pilot)
    before, during = stored(pilot)
    assert (before.officer, before.counter) == (None, "Q1")
    assert (during.officer, during.counter) == ("CB01", "Q2")
    actions = [(e.actor, e.action, e.detail) for e in entries(pilot.app.core.engine)]
    assert actions == [("CB01", "sign_in", ""), ("CB01", "shift_start", "Q2")]


def test_the_shift_survives_a_restart(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__camera="none")
    data = tmp_path / "data"
    pilot = start_kiosk(config, data)
    sign_in(pilot, "CB02", "2580")
    pilot.tap(pilot.screen.buttons["start"])
    pilot.app.dispatch("on_stop")
    again = start_kiosk(config, data)
    assert again.app.core.shift.officer == "CB02"
    rate(again)
    assert stored(again)[-1].officer == "CB02"


def test_ending_the_shift_shows_counts_only(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__camera="none", staff__yearly_dossiers=4000)
    pilot = start_kiosk(config)
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["start"])
    rate(pilot, "Hài lòng")
    rate(pilot, "Chưa hài lòng")
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["end"])
    shown = pilot.texts()
    assert "Tổng kết ca làm việc" in shown
    assert "Số phiếu đã nhận trong ca: 2" in shown
    assert "Tỷ lệ hài lòng: 50%" in shown
    assert "Tiến độ năm (máy này): 2 / 259 phiếu tối thiểu" in shown  # decision 2223's example
    assert "Tháng này: 2 / 22 phiếu" in shown
    for secret in ("0912345678", "079199123456", "tiến độ, kết quả"):  # nothing of a citizen
        assert secret not in shown
    assert pilot.app.core.shift is None
    assert [e.action for e in entries(pilot.app.core.engine)][-2:] == ["sign_in", "shift_end"]


def test_a_unit_that_needs_an_officer_waits_for_one(start_kiosk, tmp_path):
    config = write_config(
        tmp_path / "config.yaml", qr__camera="none", staff__without_officer="closed"
    )
    pilot = start_kiosk(config)
    pilot.frames(3)
    assert "Chờ cán bộ vào ca" in pilot.texts()
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen_name == "welcome"
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["start"])
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen_name == "identification"


def test_a_wrong_officer_pin_is_refused_and_logged(start_kiosk, tmp_path):
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    sign_in(pilot, "CB01", "2468")  # IT's PIN is not this officer's
    assert pilot.screen.mode == "pin"
    assert "Mã PIN không đúng. Còn 4 lần thử" in pilot.texts()
    pilot.keys("1357")
    pilot.tap(pilot.screen.ids.ok)
    assert pilot.screen.mode == "officer"
    actions = [(e.actor, e.action) for e in entries(pilot.app.core.engine)]
    assert actions == [("CB01", "wrong_pin"), ("CB01", "sign_in")]


def test_the_audit_log_reaches_the_portal_once(start_kiosk, tmp_path):
    from sqlalchemy import create_engine, text

    from tests.portal_support import start_portal, sync

    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    try:
        data = tmp_path / "data"
        device = portal.enrol(data)
        pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"), data)
        sign_in(pilot, "CB01", "0000")
        pilot.keys("1357")
        pilot.tap(pilot.screen.ids.ok)
        pilot.tap(pilot.screen.buttons["start"])
        for _ in range(2):  # the second round finds nothing new to send
            assert sync("--once", "--data-dir", str(data)).returncode == 0
        engine = create_engine(portal.db)
        with engine.connect() as connection:
            rows = connection.execute(
                text("SELECT device_id, actor, action, detail FROM audit_records ORDER BY local_id")
            ).fetchall()
        engine.dispose()
        assert [tuple(r) for r in rows] == [
            (device["device_id"], "CB01", "wrong_pin", ""),
            (device["device_id"], "CB01", "sign_in", ""),
            (device["device_id"], "CB01", "shift_start", "Q1"),
        ]
    finally:
        portal.stop()


def test_the_it_area_shows_status_tests_the_portal_exports_and_shows_the_log(start_kiosk, tmp_path):
    from tests.portal_support import start_portal

    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    try:
        data = tmp_path / "data"
        device = portal.enrol(data)
        config = write_config(
            tmp_path / "config.yaml", qr__camera="none", staff__yearly_dossiers=4000
        )
        pilot = start_kiosk(config, data)
        rate(pilot)
        pilot.staff_area("it")
        pilot.keys("2468")
        pilot.tap(pilot.screen.ids.ok)
        status = pilot.screen.ids.it_area.status
        assert f"máy {device['device_id']}" in status and "Phiên bản 0.2.0" in status
        assert f"Máy đã đăng ký với cổng dữ liệu {portal.url}" in status
        assert "Chờ gửi: 1 phiếu" in status and "Cấu hình hợp lệ" in status
        assert "Tiến độ năm (máy này): 1 / 259" in status
        pilot.tap(pilot.screen.ids.test_portal)
        assert pilot.until(lambda: "Kết nối được với cổng" in pilot.screen.notice)
        pilot.frames(3)  # the status above the buttons was rewritten: let them settle
        pilot.tap(pilot.screen.ids.export)
        [export] = (data / "exports").glob("answers-*.csv")
        assert export.read_bytes()[:3] == b"\xef\xbb\xbf"  # for Excel, as the command's
        assert len(export.read_text(encoding="utf-8").splitlines()) == 2
        assert "0912345678" not in export.read_text(encoding="utf-8")
        pilot.frames(3)
        pilot.tap(pilot.screen.ids.show_log)
        shown = pilot.screen.ids.it_area.status
        assert "answer" in shown and "stored" in shown
        for secret in ("0912345678", "079199123456"):
            assert secret not in shown
        assert [e.action for e in entries(pilot.app.core.engine)] == ["sign_in", "export"]
    finally:
        portal.stop()


def test_each_account_has_its_own_lockout_and_a_pin_in_it_is_logged_locked(start_kiosk, tmp_path):
    import time

    config = write_config(tmp_path / "config.yaml", qr__camera="none")
    data = tmp_path / "data"
    pilot = start_kiosk(config, data)
    pilot.staff_area("it")  # anyone can tap the corner and guess IT's PIN
    for _ in range(5):
        pilot.keys("1111")
        pilot.tap(pilot.screen.ids.ok)
    assert "Đã khóa do nhập sai nhiều lần. Vui lòng thử lại sau 5 phút" in pilot.texts()
    pilot.keys("2468")  # IT's right PIN, during the lockout: refused, unchecked
    pilot.tap(pilot.screen.ids.ok)
    assert pilot.screen.mode == "pin" and not pilot.screen.unlocked
    assert "Vui lòng thử lại sau 5 phút" in pilot.texts()  # how long is left
    pilot.tap(pilot.screen.ids.cancel)
    sign_in(pilot, "CB01", "1357")  # the officers are not locked out
    assert pilot.screen.mode == "officer"
    pilot.tap(pilot.screen.buttons["start"])
    actions = [(e.actor, e.action) for e in entries(pilot.app.core.engine)]
    assert actions == [("it", "wrong_pin")] * 5 + [
        ("it", "locked"),
        ("CB01", "sign_in"),
        ("CB01", "shift_start"),
    ]
    pilot.app.dispatch("on_stop")
    again = start_kiosk(config, data)  # each lockout survives a restart, on its own
    again.staff_area("it")
    assert "Vui lòng thử lại sau 5 phút" in again.texts()
    now = time.time()
    assert again.app.core.staff.pin_guard("it").locked_for(now) > 0
    assert again.app.core.staff.pin_guard("CB01").locked_for(now) == 0


def test_the_on_shift_screen_names_the_counter(start_kiosk, tmp_path):
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["counter:Q2"])
    pilot.tap(pilot.screen.buttons["start"])
    sign_in(pilot)
    assert "Đang trong ca tại Quầy số 2" in pilot.texts()  # as config.yaml names it
    assert "quầy Q2" not in pilot.texts()


def test_the_shift_summary_offers_a_new_shift_and_closing(start_kiosk, tmp_path):
    from kiosk.ui.widgets import BigButton

    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["start"])
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["end"])
    assert "Tổng kết ca làm việc" in pilot.texts()
    pilot.frames(3)
    shown = sorted(b.text for b in pilot.find_all(kind=BigButton))
    assert shown == ["Bắt đầu ca mới", "Đóng"]  # nothing to cancel once the shift is over
    pilot.tap(pilot.screen.buttons["new_shift"])  # back to choosing the counter
    assert pilot.screen.mode == "officer" and "start" in pilot.screen.buttons
    pilot.tap(pilot.screen.buttons["counter:Q2"])
    pilot.tap(pilot.screen.buttons["start"])
    assert pilot.screen_name == "welcome"
    assert (pilot.app.core.shift.officer, pilot.app.core.shift.counter) == ("CB01", "Q2")
    sign_in(pilot)
    pilot.tap(pilot.screen.buttons["end"])
    pilot.tap(pilot.screen.buttons["close"])
    assert pilot.screen_name == "welcome" and pilot.app.core.shift is None


def _rect(widget) -> tuple[float, float, float, float]:
    x, y = widget.to_window(widget.x, widget.y)
    return x, y, x + widget.width, y + widget.height


def assert_nothing_overlaps(pilot) -> None:
    """The staff screen's buttons, texts and status box: inside the window, none on another."""
    from kivy.core.window import Window
    from kivy.uix.label import Label
    from kivy.uix.scrollview import ScrollView

    from kiosk.ui.widgets import BigButton

    screen = pilot.screen
    shown = {"status": screen.ids.status_scroll}
    for widget in pilot.walk(screen):
        if widget.opacity == 0 or widget.width < 1 or widget.height < 1:
            continue
        if isinstance(widget, BigButton):
            shown[widget.text] = widget
        elif (
            isinstance(widget, Label)
            and widget.text
            and not isinstance(
                widget.parent,
                (BigButton, ScrollView),  # a button's own text, or in "status"
            )
        ):
            shown[widget.text[:30]] = widget
    rects = {name: _rect(w) for name, w in shown.items()}
    for name, (x0, y0, x1, y1) in rects.items():
        assert x0 >= -1 and y0 >= -1 and x1 <= Window.width + 1 and y1 <= Window.height + 1, name
    names = list(rects)
    for i, a in enumerate(names):
        for b in names[i + 1 :]:
            (ax0, ay0, ax1, ay1), (bx0, by0, bx1, by1) = rects[a], rects[b]
            apart = ax1 <= bx0 + 1 or bx1 <= ax0 + 1 or ay1 <= by0 + 1 or by1 <= ay0 + 1
            assert apart, f"{a!r} {rects[a]} overlaps {b!r} {rects[b]}"


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_it_area_fits_shows_whole_log_lines_and_local_times(start_kiosk, tmp_path, size):
    import logging

    from sqlalchemy import update

    from kiosk.store.answers import set_state

    config = write_config(tmp_path / "config.yaml", qr__camera="none")
    pilot = start_kiosk(config, size=size)
    try:
        rate(pilot)
        engine = pilot.app.core.engine
        with Session(engine) as session, session.begin():  # the answer waiting since 06:30 UTC
            session.execute(update(Response).values(finished_at=datetime(2026, 11, 26, 6, 30)))
        set_state(engine, "sync.last_success", "2026-11-26T07:05:00+00:00")
        set_state(engine, "sync.last_error", "2026-11-26T07:06:40+00:00 ConnectionError")
        long_line = "batch " + " ".join(f"part{i:03d}" for i in range(40)) + " END-OF-LINE"
        for number in range(12):  # a full screen of log, the last line a long one
            logging.getLogger("kiosk").info("line %d of a busy day", number)
        logging.getLogger("kiosk").info(long_line)
        pilot.staff_area("it")
        pilot.keys("2468")
        pilot.tap(pilot.screen.ids.ok)
        status = pilot.screen.ids.it_area.status
        # Asia/Ho_Chi_Minh is UTC+7, whatever the zone of the machine running the test
        assert "cũ nhất: 26/11/2026 13:30" in status
        assert "Gửi được gần nhất: 26/11/2026 14:05" in status
        assert "lỗi gần nhất: 26/11/2026 14:06 ConnectionError" in status
        assert_nothing_overlaps(pilot)
        pilot.tap(pilot.screen.ids.show_log)
        pilot.frames(3)
        assert long_line in pilot.screen.ids.it_area.status  # whole, not cut
        for line in pilot.screen.ids.it_area.status.splitlines():  # its times in the unit's, too
            assert re.match(r"\d\d/\d\d/20\d\d \d\d:\d\d:\d\d INFO ", line), line
        label = pilot.screen.ids.status
        assert label.texture_size[0] <= label.width  # wrapped inside its box
        assert_nothing_overlaps(pilot)  # the log did not push the buttons under the bar
        pilot.tap(pilot.screen.ids.export)  # still reachable, and does its work
        assert "Đã xuất 1 câu trả lời" in pilot.screen.notice
        assert_nothing_overlaps(pilot)
    finally:
        pilot.resize(1280, 800)
