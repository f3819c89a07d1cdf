"""The published results in a real browser (Debian's headless Chromium, tests/browser.py):
a unit's page at an office PC's width and at a phone's, neither wider than its screen; the
province's page; and a ward's website, served from another port, framing the unit's
embedded page (?nhung=1), whose MĐHL is read inside the frame. The screenshots
docs/screenshots/dashboard-public-*.png are taken here.
"""

from __future__ import annotations

import functools
import http.server
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from portal.reports.numbers import vi_percent
from tests import browser
from tests.test_dashboard_public import NAME, UNIT, _start

pytestmark = pytest.mark.slow

SCREENSHOTS = "DASHBOARD_SCREENSHOTS"  # =docs/screenshots makes them anew for the docs


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    if not browser.available():
        pytest.skip("Chromium and chromedriver are not installed")
    server = _start(tmp_path_factory.mktemp("public-browser"))
    yield server
    server.stop()


def shots(tmp_path: Path) -> Path:
    return Path(os.environ.get(SCREENSHOTS) or tmp_path)


def mdhl_of(dash) -> str:
    data = requests.get(f"{dash.url}/cong-khai/{UNIT}.json", timeout=60).json()
    return vi_percent(data["mdhl_percent"])


def wider_than_window(driver) -> bool:
    return bool(
        driver.execute_script("return document.documentElement.scrollWidth > window.innerWidth")
    )


def test_a_units_page_on_a_desktop_and_a_phone(dash, tmp_path):
    with browser.desktop(tmp_path / "desktop") as driver:
        driver.get(f"{dash.url}/cong-khai/{UNIT}")
        assert browser.heading(driver) == NAME
        assert driver.find_element(By.CSS_SELECTOR, "#mdhl .value").text == mdhl_of(dash)
        assert not wider_than_window(driver)
        # The month chart is drawn by the vendored Chart.js under the page's own CSP.
        drawn = WebDriverWait(driver, 10).until(
            lambda d: d.execute_script(
                "const c = document.querySelector('canvas[data-chart]');"
                "return typeof Chart === 'function' && c && Chart.getChart(c) !== undefined"
            )
        )
        assert drawn
        browser.shoot_desktop(driver, shots(tmp_path) / "dashboard-public-unit.png")
        # The period chooser is a plain form: choosing a quarter shows that quarter.
        choice = driver.find_element(By.CSS_SELECTOR, "select[name=ky] option[value$='-Q1']")
        choice.click()
        browser.tap(driver, browser.button(driver, "Xem"))
        assert "quý I/" in browser.text(driver) and "ky=" in driver.current_url
    with browser.phone(tmp_path / "phone") as driver:
        driver.get(f"{dash.url}/cong-khai/{UNIT}")
        assert driver.find_element(By.CSS_SELECTOR, "#mdhl .value").text == mdhl_of(dash)
        assert not browser.overflows(driver)
        browser.shoot(driver, tmp_path / "dashboard-public-unit-phone.png")


def test_the_province_page(dash, tmp_path):
    with browser.desktop(tmp_path / "desktop") as driver:
        driver.get(f"{dash.url}/cong-khai")
        total = driver.find_element(By.CSS_SELECTOR, "tr.total").text
        assert total.startswith("Toàn tỉnh")
        assert not wider_than_window(driver)
        browser.shoot_desktop(driver, shots(tmp_path) / "dashboard-public-province.png")
        driver.find_element(By.LINK_TEXT, NAME).click()
        WebDriverWait(driver, 15).until(lambda d: d.find_element(By.TAG_NAME, "h1").text == NAME)
    with browser.phone(tmp_path / "phone") as driver:
        driver.get(f"{dash.url}/cong-khai")
        assert not browser.overflows(driver)  # the table scrolls inside its card
        browser.shoot(driver, tmp_path / "dashboard-public-province-phone.png")


@pytest.fixture
def ward_site(dash, tmp_path) -> Iterator[str]:
    """A ward's website on another port, its page framing the unit's embedded results."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "index.html").write_text(
        '<!doctype html><html lang="vi"><head><meta charset="utf-8">'
        "<title>Phường Hải Châu</title></head>"
        '<body style="font-family: sans-serif; margin: 2rem; background: #eef">'
        "<h1>Cổng thông tin điện tử phường Hải Châu</h1>"
        "<p>Kết quả khảo sát mức độ hài lòng của người dân:</p>"
        f'<iframe id="khl" src="{dash.url}/cong-khai/{UNIT}?nhung=1" width="560" height="640"'
        ' title="Kết quả khảo sát mức độ hài lòng" style="border: 1px solid #99a"></iframe>'
        "</body></html>",
        encoding="utf-8",
    )
    handler = functools.partial(http.server.SimpleHTTPRequestHandler, directory=str(site))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/index.html"
    server.shutdown()
    server.server_close()


def test_a_ward_website_frames_the_embedded_page(dash, ward_site, tmp_path):
    with browser.desktop(tmp_path / "desktop") as driver:
        driver.get(ward_site)
        frame = driver.find_element(By.ID, "khl")
        driver.switch_to.frame(frame)
        value = WebDriverWait(driver, 15).until(
            lambda d: d.find_element(By.CSS_SELECTOR, "#mdhl .value").text
        )
        assert value == mdhl_of(dash)
        assert not driver.find_elements(By.CSS_SELECTOR, "header.bar")  # compact: no bar
        assert not wider_than_window(driver)  # fits the 560 px frame
        link = driver.find_element(By.CSS_SELECTOR, ".embed-foot a")
        assert link.get_attribute("target") == "_blank"
        driver.switch_to.default_content()
        browser.shoot_desktop(driver, shots(tmp_path) / "dashboard-public-embed.png")
