"""Re-verification (phúc tra) in a real browser (Debian's headless Chromium, tests/browser.py)
on the real portal with the demo answers: the province draws last month's sample for a
ward; the re-verifier signs in, opens one sampled answer's phone (a demo number) and
records what the citizen said, which the sample's page then shows with the rate. The
pages are looked at on a phone's width too. Screenshots: dashboard-verify-sample.png and
dashboard-verify-phone.png in docs/screenshots (when DASHBOARD_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

import os
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions
from selenium.webdriver.support.ui import Select, WebDriverWait

from tests import browser
from tests.dashboard_support import PASSWORD, USERS, start_dashboard

pytestmark = pytest.mark.slow

HOME = "/quan-tri/phuc-tra"
NAMES = {"DNG-HC": "Phường Hải Châu", "DNG-TK": "Phường Thanh Khê", "DNG-LC": "Phường Liên Chiểu"}
LAST_MONTH = date.today().replace(day=1) - timedelta(days=1)


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    if not browser.available():
        pytest.skip("needs Debian's chromium and chromedriver")
    server = start_dashboard(tmp_path_factory.mktemp("verify-browser"))
    for unit, name in NAMES.items():
        named = server.portal.portal("unit", unit, "--name", name)
        assert named.returncode == 0, named.stderr
    yield server
    server.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path / "shots")


def sign_in(driver, dash, role: str) -> None:
    driver.get(f"{dash.url}/quan-tri/dang-nhap")
    driver.find_element(By.NAME, "name").send_keys(USERS[role][0])
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()


def looks_real(path: Path) -> None:
    image = Image.open(path).convert("RGB")
    assert image.width == browser.DESKTOP_WIDTH
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, "the screenshot looks blank"


def wider_than_screen(driver) -> int:
    return driver.execute_script(
        "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
    )


def test_the_province_draws_and_the_verifier_calls(dash, tmp_path, shots):
    with browser.desktop(tmp_path / "province") as driver:
        sign_in(driver, dash, "province")
        driver.get(dash.url + HOME)
        assert browser.heading(driver) == "Phúc tra: gọi lại người dân"
        Select(driver.find_element(By.NAME, "unit")).select_by_value("DNG-HC")
        driver.find_element(By.NAME, "period").send_keys(f"{LAST_MONTH:%m/%Y}")
        size = driver.find_element(By.NAME, "size")
        size.clear()
        size.send_keys("20%")
        driver.find_element(By.CSS_SELECTOR, "form.verify-draw button[type=submit]").click()
        assert browser.heading(driver) == f"Phúc tra Phường Hải Châu, tháng {LAST_MONTH:%m/%Y}"
        assert "Đã rút mẫu mới" in browser.text(driver)
        rows = driver.find_elements(By.CSS_SELECTOR, "table.verify-items tbody tr")
        assert rows and not driver.find_elements(By.XPATH, "//button[.='Mở số để gọi']")
        seed = driver.find_element(By.CSS_SELECTOR, ".verify-facts code").text
        sample_url = driver.current_url.split("?")[0]

    with browser.desktop(tmp_path / "verifier") as driver:
        sign_in(driver, dash, "verifier")
        assert driver.current_url.endswith(HOME)
        driver.find_element(By.LINK_TEXT, "Phường Hải Châu").click()
        assert driver.current_url == sample_url and seed in browser.text(driver)
        first = driver.find_element(By.CSS_SELECTOR, "table.verify-items tbody tr")
        answer = first.get_attribute("id").removeprefix("phieu-")
        first.find_element(By.XPATH, ".//button[.='Mở số để gọi']").click()
        assert browser.heading(driver) == "Gọi lại người dân"
        phone = driver.find_element(By.CSS_SELECTOR, ".verify-phone a").text
        assert phone.startswith("09") and len(phone) == 10 and phone.isdigit()
        opened = sqlite3.connect(dash.portal.db.split("///", 1)[1]).execute(
            "SELECT user_name, detail FROM dashboard_events WHERE action = 'phone_opened'"
        )
        assert opened.fetchall() == [("phuctra-hc", f"mẫu 1, phiếu {answer}")]
        driver.execute_script("window.scrollTo(0, 0)")
        browser.shoot_desktop(driver, shots / "dashboard-verify-phone.png")

        driver.find_element(By.CSS_SELECTOR, "input[name=outcome][value=confirmed]").click()
        driver.find_element(By.CSS_SELECTOR, "form.verify-outcome button[type=submit]").click()
        assert driver.current_url.startswith(sample_url + "?ghi=")
        page = browser.text(driver)
        assert "Đã ghi kết quả cuộc gọi." in page
        row = driver.find_element(By.ID, f"phieu-{answer}")
        assert "Xác nhận đúng" in row.text and "phuctra-hc" in row.text
        assert "100,00%" in page  # confirmed 1 of the 1 reached
        assert phone not in driver.page_source  # the sample's page never shows a phone
        driver.execute_script("window.scrollTo(0, 0)")
        browser.shoot_desktop(driver, shots / "dashboard-verify-sample.png")
    looks_real(shots / "dashboard-verify-phone.png")
    looks_real(shots / "dashboard-verify-sample.png")


def test_the_pages_fit_a_phone(dash, tmp_path):
    with browser.phone(tmp_path / "phone") as driver:
        sign_in(driver, dash, "verifier")
        assert wider_than_screen(driver) <= 0
        links = driver.find_elements(By.LINK_TEXT, "Phường Hải Châu")
        if not links:
            pytest.skip("the desktop test draws the sample this one reads")
        links[0].click()
        # A click returns before the next page has come (CI's loaded runner showed it):
        # wait for what that page holds before measuring it.
        call = arrived(driver, By.XPATH, "//button[.='Mở số để gọi']")
        assert wider_than_screen(driver) <= 0, "the sample's page is wider than the phone"
        call.click()
        phone = arrived(driver, By.CSS_SELECTOR, ".verify-phone a")
        assert wider_than_screen(driver) <= 0, "the call's page is wider than the phone"
        assert phone.size["height"] >= 44


def arrived(driver, by: str, what: str):
    """The element, once the page that holds it has come (30 s at most)."""
    return WebDriverWait(driver, 30).until(
        expected_conditions.presence_of_element_located((by, what))
    )
