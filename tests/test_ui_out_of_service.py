"""A kiosk that cannot work says so to IT and takes no answer it could not keep."""

from __future__ import annotations

import pytest

from tests.conftest import ROOT

pytestmark = pytest.mark.ui


def test_broken_config_shows_out_of_service_naming_file_line_and_key(start_kiosk, tmp_path):
    config = tmp_path / "config.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    config.write_text(text.replace("counter: Q1", "counter: Q7"), encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if row == "counter: Q1")
    pilot = start_kiosk(config)
    assert pilot.screen_name == "out_of_service"
    shown = pilot.texts()
    assert "Tạm ngừng phục vụ" in shown
    assert f"{config}, dòng {line}: “counter”: quầy không có trong danh sách counters" in shown
    assert "Bắt đầu đánh giá" not in shown


def test_store_that_cannot_open_takes_the_kiosk_out_of_service(start_kiosk, tmp_path):
    data_dir = tmp_path / "data"
    (data_dir / "kiosk.db").mkdir(parents=True)  # a folder where the database should be
    pilot = start_kiosk(data_dir=data_dir, open_store=False)
    assert pilot.until(lambda: pilot.screen_name == "out_of_service", seconds=20)
    assert f"Không ghi được dữ liệu vào {data_dir / 'kiosk.db'}" in pilot.texts()
    pilot.app.start_survey()
    assert pilot.screen_name == "out_of_service"
