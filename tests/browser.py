"""A real browser for the web survey's tests: Debian's Chromium, headless, driven by Selenium
through Debian's chromedriver (Selenium Manager's downloads are neither wanted nor
reachable), at a phone's viewport with touch, as a cheap Android phone shows the pages.

`phone(folder)` gives a fresh browser (its own profile in `folder`); `shoot` saves the
whole page as a PNG; the rest finds and taps what a citizen would.
"""

from __future__ import annotations

import base64
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from selenium import webdriver
from selenium.common.exceptions import WebDriverException
from selenium.webdriver.chrome.options import Options
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.remote.webdriver import WebDriver
from selenium.webdriver.remote.webelement import WebElement
from selenium.webdriver.support.ui import WebDriverWait

CHROMIUM = "/usr/bin/chromium"
CHROMEDRIVER = "/usr/bin/chromedriver"
PHONE_WIDTH, PHONE_HEIGHT = 412, 915  # CSS pixels: a common Android phone
PIXEL_RATIO = 2.0
ANDROID = (
    "Mozilla/5.0 (Linux; Android 12; SM-A135F) AppleWebKit/537.36 "
    "(KHTML, like Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"
)
FLAGS = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
)


def available() -> bool:
    return bool(shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER))


@contextmanager
def phone(folder: Path, language: str = "vi") -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile, emulating a phone; quit afterwards."""
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={folder}")
    options.add_argument(f"--lang={language}")
    metrics = {"width": PHONE_WIDTH, "height": PHONE_HEIGHT, "pixelRatio": PIXEL_RATIO}
    emulation = {"deviceMetrics": metrics | {"touch": True}, "userAgent": ANDROID}
    options.add_experimental_option("mobileEmulation", emulation)
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


DESKTOP_WIDTH, DESKTOP_HEIGHT = 1366, 900  # an office PC's screen


@contextmanager
def desktop(folder: Path) -> Iterator[WebDriver]:
    """Headless Chromium with a fresh profile at an office PC's window; quit afterwards."""
    options = Options()
    options.binary_location = CHROMIUM
    for flag in FLAGS:
        options.add_argument(flag)
    options.add_argument(f"--user-data-dir={folder}")
    options.add_argument("--lang=vi")
    options.add_argument(f"--window-size={DESKTOP_WIDTH},{DESKTOP_HEIGHT}")
    driver = webdriver.Chrome(options=options, service=Service(CHROMEDRIVER))
    driver.set_page_load_timeout(30)
    try:
        yield driver
    finally:
        driver.quit()


def shoot_desktop(driver: WebDriver, path: Path) -> None:
    """The whole page (as far as it scrolls) at the desktop's width, as PNG."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": DESKTOP_WIDTH, "height": max(height, 400), "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def shoot(driver: WebDriver, path: Path) -> None:
    """The whole page (as far as it scrolls), at the phone's pixel ratio, as PNG."""
    height = driver.execute_script("return document.documentElement.scrollHeight")
    clip = {"x": 0, "y": 0, "width": PHONE_WIDTH, "height": max(height, PHONE_HEIGHT), "scale": 1}
    shot = driver.execute_cdp_cmd(
        "Page.captureScreenshot", {"format": "png", "captureBeyondViewport": True, "clip": clip}
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(base64.b64decode(shot["data"]))


def text(driver: WebDriver) -> str:
    """What the page says, as a person reads it."""
    return driver.find_element(By.TAG_NAME, "main").text


def heading(driver: WebDriver) -> str:
    return driver.find_element(By.TAG_NAME, "h1").text


def button(driver: WebDriver, words: str) -> WebElement:
    """The button (or link styled as one) whose words are these."""
    path = f"//*[self::button or self::a][normalize-space(.)='{words}']"
    return driver.find_element(By.XPATH, path)


def tap(driver: WebDriver, element: WebElement) -> None:
    """Tap what sends the page, and wait for the next one.

    The page in hand is marked, and the wait is for a complete document without the mark.
    Asking whether the old page's element went stale raced the navigation: Chromium may
    answer "Node with given id does not belong to the document" instead of "stale"
    (seen once in CI), so a question asked between two documents is simply asked again.
    """
    driver.execute_script("window.leftBehind = true")
    element.click()
    WebDriverWait(driver, 15, poll_frequency=0.02).until(_arrived)


def _arrived(driver: WebDriver) -> bool:
    try:
        return bool(
            driver.execute_script("return !window.leftBehind && document.readyState === 'complete'")
        )
    except WebDriverException:  # between two documents
        return False


def choice(driver: WebDriver, choice_id: str) -> WebElement:
    """A one-tap answer (a verdict, a level, a choice) by its choice id."""
    return driver.find_element(By.CSS_SELECTOR, f'button[name="value"][value="{choice_id}"]')


def tick(driver: WebDriver, choice_id: str) -> None:
    """Tick (or untick) a box by tapping its label, as a finger does."""
    box = driver.find_element(By.CSS_SELECTOR, f'input[name="value"][value="{choice_id}"]')
    driver.find_element(By.CSS_SELECTOR, f'label[for="{box.get_attribute("id")}"]').click()


def overflows(driver: WebDriver) -> bool:
    """Whether the page is wider than the phone (text cut or a sideways scroll)."""
    width = driver.execute_script("return document.documentElement.scrollWidth")
    return int(width) > PHONE_WIDTH


def smallest_target(driver: WebDriver) -> float:
    """The height, in CSS pixels, of the smallest button, link, field or tickable label
    shown on the page (one round trip: the page measures itself)."""
    return float(
        driver.execute_script(
            """
            const found = document.querySelectorAll(
              "button, a, .check > label, input[type=tel], input:not([type]), textarea");
            const heights = [...found].map(e => e.getBoundingClientRect().height)
              .filter(h => h > 0);
            return heights.length ? Math.min(...heights) : 0;
            """
        )
    )
