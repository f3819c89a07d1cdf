"""The results pages in a real browser (Debian's headless Chromium, tests/browser.py): a unit
head signs in with the form, opens the overview, goes to their unit's page, sees its
charts drawn by Chart.js and narrows it with the filter form; the overview on a phone
keeps to the screen's width (tables scroll inside their frame). The screenshots of
docs/screenshots/dashboard-{overview,unit,unit-phone,integrity}.png are taken here
(DASHBOARD_SCREENSHOTS=docs/screenshots makes them anew).
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from tests import browser
from tests.dashboard_support import PASSWORD, start_dashboard
from tests.test_dashboard_results import UNITS

pytestmark = pytest.mark.slow

SCREENSHOTS = "DASHBOARD_SCREENSHOTS"


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    if not browser.available():
        pytest.fail("Chromium and chromedriver are needed: apt-get install chromium-driver")
    server = start_dashboard(tmp_path_factory.mktemp("results-browser"))
    for unit, (name, dossiers) in UNITS.items():
        done = server.portal.portal(
            "unit", unit, "--name", name, "--yearly-dossiers", str(dossiers)
        )
        assert done.returncode == 0, done.stderr
    yield server
    server.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get(SCREENSHOTS) or tmp_path / "shots")


def sign_in(driver, dash, name: str) -> None:
    """Through the sign-in form, as a person does."""
    driver.get(dash.url + "/quan-tri/dang-nhap")
    driver.find_element(By.NAME, "name").send_keys(name)
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    browser.tap(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))


def charts_drawn(driver) -> list[dict]:
    """Each chart's canvas size and whether Chart.js made a chart of it."""
    return driver.execute_script(
        """
        return [...document.querySelectorAll("canvas[data-chart]")].map(c => ({
          source: c.dataset.source, width: c.clientWidth, height: c.clientHeight,
          made: Chart.getChart(c) !== undefined && Chart.getChart(c) !== null,
          points: Chart.getChart(c) ? Chart.getChart(c).data.datasets[0].data.length : 0
        }));
        """
    )


def snap_desktop(driver, folder: Path, name: str) -> None:
    path = folder / name
    browser.shoot_desktop(driver, path)
    image = Image.open(path).convert("RGB")
    assert image.width == browser.DESKTOP_WIDTH
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{name} looks blank"


def test_a_unit_head_reads_their_results_in_the_browser(dash, tmp_path, shots):
    with browser.desktop(tmp_path / "desktop") as driver:
        sign_in(driver, dash, "lanhdao-hc")
        assert driver.current_url.endswith("/quan-tri/ket-qua")
        assert browser.heading(driver) == "Kết quả các đơn vị"
        shown = driver.find_elements(By.CSS_SELECTOR, "table.results-overview tbody tr")
        assert [row.text.split("\n")[0] for row in shown] == ["UBND phường Hải Châu"]
        snap_desktop(driver, shots, "dashboard-overview.png")

        browser.tap(driver, driver.find_element(By.LINK_TEXT, "UBND phường Hải Châu"))
        assert driver.current_url.endswith("/quan-tri/don-vi/DNG-HC")
        assert browser.heading(driver).startswith("UBND phường Hải Châu")
        drawn = charts_drawn(driver)
        assert {chart["source"] for chart in drawn} == {"chart-time", "chart-reasons"}
        for chart in drawn:
            assert chart["made"] and chart["width"] > 200 and chart["height"] > 100, chart
            assert chart["points"] > 0, chart
        snap_desktop(driver, shots, "dashboard-unit.png")

        Select(driver.find_element(By.NAME, "channel")).select_by_value("paper")
        Select(driver.find_element(By.NAME, "counter")).select_by_value("Q1")
        browser.tap(driver, browser.button(driver, "Xem"))
        assert "channel=paper" in driver.current_url and "counter=Q1" in driver.current_url
        assert "kênh Phiếu giấy; quầy Q1" in browser.text(driver)
        channels = driver.find_elements(By.XPATH, "//h2[.='Theo kênh']/following::table[1]//td")
        by_channel = dict(zip(*[iter(cell.text for cell in channels)] * 2, strict=True))
        assert by_channel["Khảo sát trực tuyến"] == "0" and by_channel["Phiếu giấy"] != "0"
        assert all(chart["made"] for chart in charts_drawn(driver))

        field = driver.find_element(By.NAME, "period")
        field.clear()
        field.send_keys("quý 9")
        browser.tap(driver, browser.button(driver, "Xem"))
        assert "Không đọc được kỳ báo cáo 'quý 9'" in browser.text(driver)

        driver.get(dash.url + "/quan-tri/toan-ven")
        assert browser.heading(driver).startswith("Phiếu bị loại")
        snap_desktop(driver, shots, "dashboard-integrity.png")


def test_the_results_fit_a_phone(dash, tmp_path, shots):
    with browser.phone(tmp_path / "phone") as driver:
        sign_in(driver, dash, "tinh")
        assert browser.heading(driver) == "Kết quả các đơn vị"
        assert not browser.overflows(driver), "the overview is wider than the phone"
        # The wide table scrolls inside its frame instead.
        inner = driver.execute_script(
            "const w = document.querySelector('.table-wrap');"
            "return [w.scrollWidth, w.clientWidth, getComputedStyle(w).overflowX];"
        )
        assert inner[2] == "auto"
        driver.get(dash.url + "/quan-tri/don-vi/DNG-HC")
        assert not browser.overflows(driver), "the unit page is wider than the phone"
        assert all(chart["made"] and chart["width"] > 200 for chart in charts_drawn(driver))
        browser.shoot(driver, shots / "dashboard-unit-phone.png")
        image = Image.open(shots / "dashboard-unit-phone.png").convert("RGB")
        assert image.width == browser.PHONE_WIDTH * browser.PIXEL_RATIO
        driver.get(dash.url + "/quan-tri/toan-ven")
        assert not browser.overflows(driver), "the integrity page is wider than the phone"
