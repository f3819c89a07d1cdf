"""Alerts in a real browser (Debian's headless Chromium, tests/browser.py) on the real
portal: rules set with `portal alerts rule add`, answers that cross them, the check run as
its own process e-mailing a real SMTP server on loopback; then the province signs in,
sees the open alerts and acknowledges one, which the page shows with who and when. The
page is looked at on a phone's width too (nothing wider than the screen). Screenshot:
docs/screenshots/dashboard-alerts.png (when DASHBOARD_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from portal.dashboard.alert_rules import DAY, LAST_N, REASON
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.engine import make_portal_engine
from tests import browser
from tests.dashboard_support import PASSWORD, start_dashboard
from tests.test_dashboard_alerts import Mailbox, alerts_command, alerts_config, quick, store

pytestmark = pytest.mark.slow

PAGE = "/quan-tri/canh-bao"
NAMES = {"DNG-HC": "Phường Hải Châu", "DNG-TK": "Phường Thanh Khê", "DNG-LC": "Phường Liên Chiểu"}


# The elements whose right edge is past the screen's, deepest first: what to fix.
WIDER_THAN_THE_SCREEN = """
const scrolled = e => e.parentElement && e.parentElement.closest('.table-wrap')
  && getComputedStyle(e).position !== 'absolute';
return [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > document.documentElement.clientWidth + 1)
  .filter(e => !scrolled(e)).slice(-5)
  .map(e => `${e.tagName}.${e.className} ${Math.round(e.getBoundingClientRect().right)}`);
"""


@pytest.fixture(scope="module")
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def dash(tmp_path_factory, mailbox):
    if not browser.available():
        pytest.skip("needs Debian's chromium and chromedriver")
    server = start_dashboard(
        tmp_path_factory.mktemp("alerts-browser"), answers=False, config=alerts_config(mailbox.port)
    )
    for unit, name in NAMES.items():
        named = server.portal.portal("unit", unit, "--name", name)
        assert named.returncode == 0, named.stderr
    rules = (
        ("--all", "--kind", LAST_N, "--threshold", "30", "--window", "20"),
        ("--unit", "DNG-HC", "--kind", DAY, "--threshold", "30", "--window", "5"),
        ("--all", "--kind", REASON, "--threshold", "2", "--window", "5"),
    )
    for args in rules:
        added = alerts_command(server.portal.db, "rule", "add", *args)
        assert added.returncode == 0, added.stderr
    engine = make_portal_engine(server.portal.db)
    now = datetime.now(LOCAL_ZONE).replace(microsecond=0) - timedelta(minutes=1)
    store(engine, [quick("DNG-TK", v, now) for v in ["satisfied"] * 8 + ["not_satisfied"] * 12])
    store(engine, [quick("DNG-HC", v, now) for v in ["satisfied"] * 2 + ["not_satisfied"] * 4])
    before = [now - timedelta(days=7 * week + 2) for week in range(1, 5)]
    store(engine, [quick("DNG-LC", "not_satisfied", when, ("progress",)) for when in before])
    this_week = [now - timedelta(days=day) for day in range(6)]
    store(engine, [quick("DNG-LC", "not_satisfied", when, ("progress",)) for when in this_week])
    engine.dispose()
    checked = alerts_command(server.portal.db, "check", config=server.folder / "portal.yaml")
    assert checked.returncode == 0 and "3 cảnh báo mới" in checked.stdout, checked.stdout
    yield server
    server.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path / "shots")


def sign_in(driver, dash, wanted: str) -> None:
    driver.get(f"{dash.url}/quan-tri/dang-nhap?next={wanted.replace('/', '%2F')}")
    driver.find_element(By.NAME, "name").send_keys("tinh")
    driver.find_element(By.NAME, "password").send_keys(PASSWORD)
    driver.find_element(By.CSS_SELECTOR, "form.stack button[type=submit]").click()
    WebDriverWait(driver, 20).until(lambda d: d.current_url.endswith(wanted))


def test_the_province_sees_the_open_alerts_and_acknowledges_one(dash, mailbox, tmp_path, shots):
    subjects = sorted(
        m["Subject"].removeprefix("Cảnh báo Kiosk Hài Lòng – ") for m in mailbox.wait_for(3)
    )
    assert subjects == [
        "Phường Hải Châu (DNG-HC): Chưa hài lòng trong một ngày",
        "Phường Liên Chiểu (DNG-LC): Một lý do tăng mạnh",
        "Phường Thanh Khê (DNG-TK): Chưa hài lòng trong các phiếu gần nhất",
    ]
    with browser.desktop(tmp_path / "profile") as driver:
        sign_in(driver, dash, PAGE)
        assert browser.heading(driver) == "Cảnh báo"
        page = browser.text(driver)
        assert "3 cảnh báo chưa xác nhận" in page
        assert "Tỷ lệ Chưa hài lòng 60,00% trong 20 phiếu gần nhất (ngưỡng 30%)" in page
        items = driver.find_elements(By.CSS_SELECTOR, "li.alert-item.is-open")
        assert len(items) == 3
        thanh_khe = next(item for item in items if "Phường Thanh Khê" in item.text)
        thanh_khe.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
        notice = "Đã ghi nhận: bạn đã xem và xác nhận cảnh báo."
        WebDriverWait(driver, 20).until(lambda d: notice in browser.text(d))
        assert "2 cảnh báo chưa xác nhận" in browser.text(driver)
        done = driver.find_elements(By.CSS_SELECTOR, "li.alert-item:not(.is-open)")
        assert len(done) == 1 and "Phường Thanh Khê" in done[0].text
        assert "Đã xem và xác nhận: tinh lúc" in done[0].text
        path = shots / "dashboard-alerts.png"
        driver.execute_script("window.scrollTo(0, 0)")
        browser.shoot_desktop(driver, path)
    image = Image.open(path).convert("RGB")
    assert image.width == browser.DESKTOP_WIDTH
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, "the screenshot looks blank"


def test_the_page_fits_a_phone(dash, tmp_path):
    with browser.phone(tmp_path / "phone") as driver:
        sign_in(driver, dash, PAGE)
        assert browser.heading(driver) == "Cảnh báo"
        wide = driver.execute_script(
            "return document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        wider = driver.execute_script(WIDER_THAN_THE_SCREEN)
        assert wide <= 0, f"the page is {wide}px wider than the phone: {wider}"
        button = driver.find_element(By.CSS_SELECTOR, "li.alert-item.is-open button")
        assert button.size["height"] >= 44  # a thumb's target
