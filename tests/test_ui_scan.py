"""Scanning at the identification step, in the real window: the camera fed image files,
a USB barcode scanner typing, and the thank-you screen's own code read back off the screen.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pyzbar import pyzbar
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Response
from tests.conftest import write_config
from tests.receipt_images import receipt, write_code_image

pytestmark = pytest.mark.ui

LOOKUP = "https://dichvucong.danang.gov.vn/web/guest/tra-cuu-ho-so"


def stored(pilot) -> list[Response]:
    with Session(pilot.app.core.engine) as session:
        return list(session.scalars(select(Response).order_by(Response.id)))


def camera_of(folder: Path, frames: list[np.ndarray]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for index, frame in enumerate(frames):
        Image.fromarray(frame).save(folder / f"frame-{index}.png")
    return folder


def start_with_camera(start_kiosk, tmp_path: Path, camera: Path):
    config = write_config(tmp_path / "config.yaml", qr__camera=str(camera))
    pilot = start_kiosk(config)
    assert pilot.until(lambda: pilot.app.camera_feed is not None)
    pilot.tap(pilot.screen.ids.start)
    assert pilot.screen_name == "identification"
    return pilot


def test_a_receipt_shown_to_the_camera_goes_straight_to_the_verdict(start_kiosk, tmp_path):
    shown = receipt(11)
    camera = camera_of(tmp_path / "camera", list(shown.frames(5)))
    pilot = start_with_camera(start_kiosk, tmp_path, camera)
    scan = pilot.screen.ids.scan
    assert scan.opacity == 1 and "Quét mã QR trên phiếu hẹn" in scan.text
    pilot.tap(scan)
    assert pilot.until(lambda: pilot.screen_name == "single_choice")
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    [row] = stored(pilot)
    assert (row.id_method, row.dossier_code, row.verdict) == ("qr", shown.code, "satisfied")
    assert row.phone_hash is None and row.citizen_id_hash is None


def test_a_foreign_code_is_refused_in_words_and_typing_stays_open(start_kiosk, tmp_path):
    foreign = "https://example.com/ticket?ma_ho_so=000.00.12.H17-251023-0001"
    camera = write_code_image(foreign, tmp_path / "camera").parent
    pilot = start_with_camera(start_kiosk, tmp_path, camera)
    pilot.tap(pilot.screen.ids.scan)
    panel = pilot.screen.panel
    assert "Đưa mã QR trên phiếu hẹn vào khung" in pilot.texts()
    assert pilot.until(lambda: panel.message != "")
    assert "Mã này không phải biên nhận của cơ quan này" in pilot.texts()
    assert pilot.screen_name == "identification"
    pilot.tap(panel.ids.cancel)
    assert pilot.screen.panel is None
    assert "Đưa mã QR" not in pilot.texts()
    pilot.keys("0912345678")
    assert pilot.screen.values["phone"] == "0912345678"


def test_no_camera_no_scan_button(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__camera="none")
    pilot = start_kiosk(config)
    pilot.frames(10)
    pilot.tap(pilot.screen.ids.start)
    assert pilot.app.camera_feed is None
    assert pilot.screen.ids.scan.opacity == 0 and pilot.screen.ids.scan.disabled


def test_a_barcode_scanner_typing_a_receipt_url_needs_no_field(start_kiosk, tmp_path):
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    pilot.tap(pilot.screen.ids.start)
    pilot.keys("09")  # someone had started typing the phone number
    code = "000.00.31.H17-251023-0042"
    pilot.scanner(f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?mahoso={code}")
    assert pilot.screen_name == "single_choice"
    pilot.rate_satisfied()
    [row] = stored(pilot)
    assert (row.id_method, row.dossier_code, row.phone_hash) == ("qr", code, None)


def test_a_barcode_scanner_typing_a_foreign_code_is_refused_and_fields_are_kept(
    start_kiosk, tmp_path
):
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none"))
    pilot.tap(pilot.screen.ids.start)
    pilot.keys("0912")
    pilot.scanner("https://shop.example.com/p?id=42")
    assert pilot.screen_name == "identification"
    assert pilot.screen.values["phone"] == "0912"
    assert "Mã này không phải biên nhận của cơ quan này" in pilot.screen.general_problem


def test_the_thank_you_screen_shows_a_code_a_phone_can_read(start_kiosk, tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__thanks_url=LOOKUP, qr__camera="none")
    pilot = start_kiosk(config)
    pilot.identify("0912345678", "079199123456")
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    shot = pilot.screenshot(tmp_path / "thanks.png")
    found = pyzbar.decode(Image.open(shot).convert("L"))
    assert [symbol.data.decode() for symbol in found] == [LOOKUP]


def test_without_a_thanks_url_no_code_is_drawn(start_kiosk, tmp_path):
    pilot = start_kiosk(
        write_config(tmp_path / "config.yaml", qr__thanks_url="", qr__camera="none")
    )
    pilot.identify("0912345678", "079199123456")
    pilot.rate_satisfied()
    shot = pilot.screenshot(tmp_path / "thanks.png")
    assert pyzbar.decode(Image.open(shot).convert("L")) == []


def test_write_it_on_my_phone_shows_a_code_tied_to_this_answer(start_kiosk, tmp_path):
    template = "https://khaosat.danang.gov.vn/y-kien/{token}"
    config = write_config(tmp_path / "config.yaml", qr__comment_url=template, qr__camera="none")
    pilot = start_kiosk(config)
    pilot.identify("0912345678", "079199123456")
    pilot.tap_text("Hài lòng")
    assert pilot.screen_name == "text"
    pilot.tap(pilot.screen.ids.phone)
    assert "Quét mã để viết ý kiến trên điện thoại của ông/bà" in pilot.texts()
    shot = pilot.screenshot(tmp_path / "phone.png")
    [symbol] = pyzbar.decode(Image.open(shot).convert("L"))
    pilot.tap(pilot.screen.panel.ids.close)
    pilot.tap(pilot.screen.ids.next)
    [row] = stored(pilot)
    assert symbol.data.decode() == template.format(token=row.uuid)


def test_without_a_comment_url_there_is_no_phone_button(start_kiosk, tmp_path):
    pilot = start_kiosk(
        write_config(tmp_path / "config.yaml", qr__comment_url="", qr__camera="none")
    )
    pilot.identify("0912345678", "079199123456")
    pilot.tap_text("Hài lòng")
    assert pilot.screen.ids.phone.opacity == 0 and pilot.screen.ids.phone.disabled
