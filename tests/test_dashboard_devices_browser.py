"""IT's work on the devices page in a real browser (Debian's headless Chromium, Selenium):
sign in through the form, see the tablets with a silent one standing out, revoke one
through its confirmation page, and find it among the revoked tablets.

The screenshots (dashboard-devices.png, dashboard-device-revoke.png) go to a test's own
folder; DASHBOARD_SCREENSHOTS=docs/screenshots makes them anew for the documentation.
"""

from __future__ import annotations

import os
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from tests import browser
from tests.dashboard_support import PASSWORD, USERS, start_dashboard
from tests.test_dashboard_devices import CONFIG, ERROR, beat, enrol, execute, signed_post

pytestmark = pytest.mark.slow

SCREENSHOTS = "DASHBOARD_SCREENSHOTS"


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    server = start_dashboard(
        tmp_path_factory.mktemp("devices-browser"), config=CONFIG, answers=False
    )
    for unit, name in (("DNG-HC", "UBND phường Hải Châu"), ("DNG-TK", "UBND phường Thanh Khê")):
        named = server.portal.portal("unit", unit, "--name", name)
        assert named.returncode == 0, named.stderr
    yield server
    server.stop()


@pytest.fixture
def tablets(dash) -> dict[str, dict]:
    """Five tablets as a province has them: working, busy with an error, silent for two
    hours, never set up, and one revoked last week."""
    made = {
        "working": enrol(dash, "DNG-HC", "Q1"),
        "busy": enrol(dash, "DNG-TK", "Q1"),
        "silent": enrol(dash, "DNG-HC", "Q2"),
        "new": enrol(dash, "DNG-LC", "Q1"),
        "old": enrol(dash, "DNG-HC", "Q1"),
    }
    waiting = (datetime.now(timezone.utc) - timedelta(minutes=47)).strftime("%Y-%m-%dT%H:%M:%SZ")
    beats = {
        "working": beat(app_version="1.4.2", free_disk_bytes=5_400_000_000),
        "busy": beat(
            app_version="1.4.1",
            outbox_depth=37,
            oldest_undelivered=waiting,
            free_disk_bytes=820_000_000,
            last_error=ERROR,
            set_aside=2,
            set_aside_reasons={"rejected: too_large": 2},
        ),
        "silent": beat(app_version="1.4.2", outbox_depth=4, free_disk_bytes=3_100_000_000),
        "old": beat(app_version="1.3.0"),
    }
    for name, body in beats.items():
        assert signed_post(dash, made[name], "/api/v1/heartbeat", body).status_code == 200
    long_ago = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(hours=2, minutes=5)
    silent = made["silent"]["device_id"]
    execute(dash, "UPDATE heartbeats SET received_at = :at WHERE device_id = :id", at=long_ago,
            id=silent)  # fmt: skip
    execute(dash, "UPDATE devices SET last_seen_at = :at WHERE id = :id", at=long_ago, id=silent)
    assert dash.portal.portal("device", "revoke", made["old"]["device_id"]).returncode == 0
    return made


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get(SCREENSHOTS) or tmp_path / "shots")


def snap(driver, folder: Path, name: str) -> None:
    """The whole page at a desktop's width, checked not to be blank or wider than the window."""
    path = folder / name
    browser.shoot_desktop(driver, path)
    image = Image.open(path).convert("RGB")
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{name} looks blank"
    width = driver.execute_script("return document.documentElement.scrollWidth")
    assert int(width) <= browser.DESKTOP_WIDTH, f"{name}: the page scrolls sideways"
    hidden = driver.execute_script(
        "return [...document.querySelectorAll('.table-wrap')]"
        ".some(w => w.scrollWidth > w.clientWidth + 1)"
    )
    assert not hidden, f"{name}: a table hides columns at a desktop's width"


def test_it_sees_the_tablets_and_revokes_one(dash, tablets, shots, tmp_path):
    with browser.desktop(tmp_path / "profile") as driver:
        driver.get(dash.url + "/quan-tri/")
        driver.find_element(By.NAME, "name").send_keys(USERS["it"][0])
        driver.find_element(By.NAME, "password").send_keys(PASSWORD)
        browser.tap(driver, browser.button(driver, "Đăng nhập"))
        assert browser.heading(driver) == "Thiết bị"  # IT's first page

        silent = driver.find_element(By.ID, f"may-{tablets['silent']['device_id']}")
        assert "stands-out" in silent.get_attribute("class")
        assert "Im lặng 2 giờ" in silent.text
        busy = driver.find_element(By.ID, f"may-{tablets['busy']['device_id']}")
        assert "820 MB" in busy.text and "<script>alert('x')</script>" in busy.text
        new = driver.find_element(By.ID, f"may-{tablets['new']['device_id']}")
        assert "Chưa gửi tín hiệu lần nào" in new.text
        snap(driver, shots, "dashboard-devices.png")

        target = tablets["working"]["device_id"]
        row = driver.find_element(By.ID, f"may-{target}")
        browser.tap(driver, row.find_element(By.LINK_TEXT, "Thu hồi…"))
        assert browser.heading(driver) == "Thu hồi thiết bị?"
        assert "đăng ký lại" in browser.text(driver)
        snap(driver, shots, "dashboard-device-revoke.png")
        browser.tap(driver, browser.button(driver, "Thu hồi thiết bị"))

        assert f"Đã thu hồi thiết bị {target}" in browser.text(driver)
        gone = driver.find_element(By.ID, f"may-{target}")
        assert "revoked" in gone.get_attribute("class") and "Đã thu hồi lúc" in gone.text
        heading = driver.find_element(By.XPATH, "//h2[normalize-space(.)='Máy đã thu hồi']")
        assert heading.location["y"] < gone.location["y"]
    refused = signed_post(dash, tablets["working"], "/api/v1/heartbeat", beat())
    assert refused.status_code == 401
