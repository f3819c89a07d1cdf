"""What the dashboard shows of the dossiers: a unit head's page reads the answers by the
procedure's field and on time or late, and the integrity page counts and explains an answer
for a made-up code — over HTTP, and in the browser for the screenshot
docs/screenshots/dashboard-unit-dossiers.png (DASHBOARD_SCREENSHOTS=docs/screenshots).
"""

from __future__ import annotations

import os
from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from portal.dashboard.results_data import flag_rules
from tests import browser
from tests.dashboard_support import PASSWORD, start_dashboard
from tests.test_dossiers import BIRTH, BUILDING, RETURNED, UNIT, _answer, _csv, _deliver, row

pytestmark = pytest.mark.slow
VIETNAM = timezone(timedelta(hours=7))


def _day(days_ago: int) -> date:
    return datetime.now(VIETNAM).date() - timedelta(days=days_ago)


def _vn(day: date, hour: int = 9) -> str:
    """A dossier's time as the one-stop software writes it."""
    return f"{day:%d/%m/%Y} {hour:02d}:00"


def _utc(day: date, hour: int = 10) -> str:
    """An answer's finishing time on that local day, as a tablet sends it."""
    moment = datetime(day.year, day.month, day.day, hour, tzinfo=VIETNAM)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.000Z")


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dossiers-dash")
    server = start_dashboard(folder, answers=False)
    device = server.portal.enrol(folder / "kiosk", unit=UNIT, counter="Q1")
    back, promised, late, overdue = _day(6), f"{_day(4):%d/%m/%Y}", _day(5), f"{_day(8):%d/%m/%Y}"
    rows = [
        row("H17-0001", UNIT, *BUILDING, _vn(_day(20)), promised, _vn(back, 15), RETURNED),
        row("H17-0002", UNIT, *BIRTH, _vn(_day(12)), overdue, _vn(late, 10), RETURNED),  # 3 days
        row("H17-0003", UNIT, *BIRTH, _vn(_day(12)), promised, _vn(back, 10), RETURNED),
    ]
    made = server.portal.portal("dossiers", "import", str(_csv(folder, rows)))
    assert made.returncode == 0, made.stderr
    since = server.portal.portal("unit", UNIT, "--dossiers-from", _day(30).isoformat())
    assert since.returncode == 0, since.stderr  # complete for the last month: all checked
    answers = [
        _answer(device, "H17-0001", _utc(back, 16), "satisfied"),
        _answer(device, "H17-0002", _utc(late, 11), "not_satisfied", ["progress"]),
        _answer(device, "H17-0003", _utc(back, 11), "satisfied"),
        _answer(device, "TU-BIA-99", _utc(back, 12), "satisfied"),  # a made-up code
    ]
    _deliver(server.portal, device, answers)
    yield server
    server.stop()


def test_the_unit_page_reads_the_answers_by_field_and_on_time_or_late(dash):
    head = dash.signed_in("unit_head")
    page = head.get(dash.url + f"/quan-tri/don-vi/{UNIT}?period={_day(6).year}", timeout=60)
    assert page.status_code == 200
    text = page.text
    assert "Theo hồ sơ" in text and "3 phiếu khớp hồ sơ" in text
    assert '<td>Xây dựng</td><td class="num">1</td>' in text
    assert '<td>Trễ hẹn</td><td class="num">1</td><td class="num">0</td>' in text
    assert "3 ngày" in text  # H17-0002 came back three days after its appointment


def test_the_integrity_page_counts_and_explains_a_made_up_code(dash):
    province = dash.signed_in("province")
    page = province.get(dash.url + f"/quan-tri/toan-ven?period={_day(6).year}", timeout=60)
    assert page.status_code == 200
    assert "Mã hồ sơ không có trong hồ sơ của đơn vị" in page.text
    assert flag_rules()["dossier_unknown"] in page.text


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get("DASHBOARD_SCREENSHOTS") or tmp_path / "shots")


def test_the_dossier_tables_in_the_browser(dash, tmp_path, shots):
    if not browser.available():
        pytest.fail("Chromium and chromedriver are needed: apt-get install chromium-driver")
    with browser.desktop(tmp_path / "profile") as driver:
        driver.get(dash.url + "/quan-tri/dang-nhap")
        driver.find_element(By.NAME, "name").send_keys("lanhdao-hc")
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.tap(driver, driver.find_element(By.CSS_SELECTOR, "form button[type=submit]"))
        driver.get(dash.url + f"/quan-tri/don-vi/{UNIT}?period={_day(6).year}")
        top = driver.find_element(By.XPATH, "//h2[text()='Theo hồ sơ']").location["y"]
        end = driver.find_element(By.XPATH, "//h2[text()='Ý kiến của người dân']").location["y"]
        assert "Đúng hẹn và trễ hẹn" in browser.text(driver)
        path = shots / "dashboard-unit-dossiers.png"
        browser.shoot_desktop(driver, path)
    with Image.open(path) as page:  # the section, as the README shows it
        section = page.crop((0, max(0, top - 24), page.width, end - 10))
    section.save(path)
    assert section.height > 300 and len(section.getcolors(maxcolors=1 << 20)) > 50
