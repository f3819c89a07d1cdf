"""The web survey in a real browser: Debian's headless Chromium at a phone's viewport
(tests/browser.py), through the real portal on loopback, tapping what a citizen taps.

The quick form answered; the long form answered end to end, every question with its
conditions, Back and the "at most 4" rule, arriving at the portal with channel "web" and
every per-question answer; English; the unit's name at the top of the first page, and
what a page left open too long says was kept. Every page is looked at for what a phone
shows badly (a page wider than the screen, a target smaller than a thumb), and the
screenshots of docs/screenshots/web-*.png are taken here.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from PIL import Image
from selenium.webdriver.common.by import By

from portal.web.words import word
from tests import browser
from tests.test_web_survey import UNIT, WebPortal, dossier, start_web_portal
from tests.test_web_survey_units import HAI_CHAU, TWO_HOURS, signed_again

pytestmark = pytest.mark.slow

# Screenshots go to a test's own folder; WEB_SCREENSHOTS=docs/screenshots makes them anew
# for the documentation.
SCREENSHOTS = "WEB_SCREENSHOTS"
MIN_TARGET_PX = 48  # CSS pixels: Android's smallest touch target


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = start_web_portal(tmp_path_factory.mktemp("web-browser"))
    named = server.portal.portal("unit", UNIT, "--name", HAI_CHAU)  # as a unit names itself
    assert named.returncode == 0, named.stderr
    yield server
    server.portal.stop()


@pytest.fixture
def shots(tmp_path) -> Path:
    return Path(os.environ.get(SCREENSHOTS) or tmp_path / "shots")


def snap(driver, folder: Path, name: str) -> None:
    """The whole page as a phone shows it (at its pixel ratio), checked not to be blank."""
    path = folder / name
    browser.shoot(driver, path)
    image = Image.open(path).convert("RGB")
    assert image.width == browser.PHONE_WIDTH * browser.PIXEL_RATIO
    assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{name} looks blank"


@pytest.fixture
def phone(tmp_path):
    with browser.phone(tmp_path / "profile") as driver:
        yield driver


def survey_url(web: WebPortal, counter: str = "Q1", language: str = "") -> str:
    query = f"?don_vi={UNIT}&quay={counter}" + (f"&lang={language}" if language else "")
    return f"{web.url}/khao-sat{query}"


def looks_right(driver) -> None:
    """What a phone must never show: a page wider than the screen, a target too small."""
    assert not browser.overflows(driver), driver.current_url
    assert browser.smallest_target(driver) >= MIN_TARGET_PX, browser.text(driver)


class Walk:
    """Taps through the survey, counting taps and checking every page it reaches."""

    def __init__(self, driver) -> None:
        self.driver, self.taps = driver, 0

    def tap(self, element) -> None:
        browser.tap(self.driver, element)
        self.taps += 1
        looks_right(self.driver)

    def tick(self, choice_id: str) -> None:
        browser.tick(self.driver, choice_id)
        self.taps += 1

    def button(self, key: str, language: str = "vi") -> None:
        self.tap(browser.button(self.driver, word(language, key)))

    def choose(self, choice_id: str) -> None:
        self.tap(browser.choice(self.driver, choice_id))

    def identify(self, code: str, phone: str = "", language: str = "vi") -> None:
        self.driver.find_element(By.ID, "dossier_code").send_keys(code)
        if phone:
            self.driver.find_element(By.ID, "phone").send_keys(phone)
        self.button("welcome.start", language)

    @property
    def question(self) -> str:
        found = self.driver.find_elements(By.CSS_SELECTOR, "form[data-question]")
        return found[0].get_attribute("data-question") if found else ""

    @property
    def progress(self) -> str:
        return self.driver.find_element(By.CLASS_NAME, "progress").text


def test_the_quick_form_answered_on_a_phone(web, phone, shots):
    walk, code = Walk(phone), dossier()
    phone.get(survey_url(web))
    looks_right(phone)
    assert browser.heading(phone) == "Mời ông/bà đánh giá mức độ hài lòng"
    snap(phone, shots, "web-start.png")
    walk.identify(code, phone="0938271605")
    assert walk.question == "verdict"
    snap(phone, shots, "web-verdict.png")
    walk.choose("satisfied")
    assert walk.question == "comment" and "Các ý kiến góp ý khác" in browser.heading(phone)
    phone.find_element(By.NAME, "value").send_keys("Cán bộ hướng dẫn nhiệt tình, chu đáo.")
    walk.button("nav.done")
    assert word("vi", "offer.question") in browser.text(phone)
    snap(phone, shots, "web-offer.png")
    walk.button("offer.no")
    assert browser.heading(phone) == word("vi", "thanks.title")
    [row] = web.rows(code)
    payload = row["payload"]
    assert (row["channel"], payload["device_id"], payload["verdict"]) == ("web", "web", "satisfied")
    assert payload["answers"]["comment"]["value"] == "Cán bộ hướng dẫn nhiệt tình, chu đáo."
    assert payload["comment"] == "Cán bộ hướng dẫn nhiệt tình, chu đáo."
    assert payload["personal_sealed"] and payload["drawn"] is True
    assert walk.taps == 4  # start, the verdict, done, "no, thank you"


# The long form as one citizen answers it: late (so Q8 is asked), has given feedback (so
# Q14 and Q15 are), and ticks five priorities in Q16 before keeping four.
LONG_ANSWERS: dict[str, str | list[str]] = {
    "Q1": "1",
    "Q2": "2",
    "Q3": "2",
    "Q4": "3",
    "Q5": "2",
    "Q6": "2",
    "Q7": "3",
    "Q8": "2",
    **{f"Q9.{i}": "2" for i in range(1, 4)},
    **{f"Q10.{i}": "1" for i in range(1, 5)},
    **{f"Q11.{i}": str(1 + i % 5) for i in range(1, 7)},
    **{f"Q12.{i}": "3" for i in range(1, 4)},
    "Q13": "1",
    "Q14": "4",
    "Q15": "5",
    "Q16": ["1", "5", "6", "7"],
    "Q18": "1",
}
SCREENS = {"Q4": "web-question.png", "Q9.1": "web-grid.png", "Q16": "web-q16.png"}


def test_the_long_form_answered_end_to_end_on_a_phone(web, phone, shots):
    walk, code = Walk(phone), dossier()
    phone.get(survey_url(web, "Q2"))
    walk.identify(code)
    walk.choose("not_satisfied")
    walk.tick("staff_attitude")
    walk.button("nav.done")
    [quick] = web.rows(code)
    walk.button("offer.yes")
    walk.button("nav.back")  # before Q1: the offer again, as on the kiosk
    assert word("vi", "offer.question") in browser.text(phone)
    started, taps_before = time.monotonic(), walk.taps
    walk.button("offer.yes")
    assert walk.question == "Q1" and walk.progress == word(
        "vi", "long.progress", number=1, total=26
    )
    seen, went_back = [], False
    while walk.question:
        question = walk.question
        seen.append(question)
        number, total = (int(n) for n in walk.progress.split()[-3::2])
        assert number == len(seen), walk.progress
        if question in SCREENS:
            snap(phone, shots, SCREENS[question])
        if question == "Q9.2" and not went_back:  # Back shows the answer given, to change
            went_back = True
            walk.button("nav.back")
            assert walk.question == "Q9.1"
            chosen = phone.find_element(By.CSS_SELECTOR, "button[aria-pressed=true]")
            assert chosen.get_attribute("value") == "5"
            seen.pop()
            seen.pop()
            continue
        if question == "Q9.1" and not went_back:
            walk.choose("5")  # changed on the way back
        elif question == "Q16":
            answer_q16(walk, shots)
        else:
            walk.choose(str(LONG_ANSWERS[question]))
    seconds, taps = time.monotonic() - started, walk.taps - taps_before
    assert browser.heading(phone) == word("vi", "thanks.title")
    snap(phone, shots, "web-thanks.png")
    assert seen == list(LONG_ANSWERS) and total == 29
    rows = web.rows(code)
    assert [row["form_id"] for row in rows] == ["danang-2223", "sipas-dak-song-2023"]
    long = rows[1]["payload"]
    assert rows[1]["channel"] == "web" and rows[1]["received_from"] is None
    assert long["follows"] == quick["uuid"] and long["drawn"] is None
    assert long["status"] == "complete" and long["verdict"] is None
    assert long["counter"] == "Q2" and long["dossier_code"] == code
    assert long["answers"] == {
        qid: {"value": value, "other_text": ""} for qid, value in LONG_ANSWERS.items()
    }
    assert long["personal_sealed"] is None  # the phone, if given, is kept with the verdict
    print(f"long form on the web: {taps} taps, {seconds:.1f} s scripted, 29 questions")


def answer_q16(walk: Walk, shots: Path) -> None:
    """Five ticked: refused in the citizen's words; one unticked: accepted."""
    for choice_id in ("1", "5", "6", "7", "9"):
        walk.tick(choice_id)
    walk.button("nav.next")
    assert walk.question == "Q16"
    assert word("vi", "answer.too_many", max=4) in browser.text(walk.driver)
    ticked = walk.driver.find_elements(By.CSS_SELECTOR, "input[name=value]:checked")
    assert [box.get_attribute("value") for box in ticked] == ["1", "5", "6", "7", "9"]
    snap(walk.driver, shots, "web-q16-too-many.png")
    walk.tick("9")
    walk.button("nav.next")


def test_the_survey_in_english_and_switching_language_midway(web, phone):
    walk, code = Walk(phone), dossier()
    phone.get(survey_url(web, language="en"))
    assert browser.heading(phone) == word("en", "welcome.invite")
    walk.identify(code, language="en")
    assert "Are you satisfied" in browser.heading(phone)
    walk.choose("not_satisfied")
    walk.tap(browser.button(phone, "Tiếng Việt"))  # the same question, in Vietnamese
    assert walk.question == "reasons" and "Vui lòng lựa chọn nội dung" in browser.heading(phone)
    walk.tap(browser.button(phone, "English"))
    walk.tick("other")
    phone.find_element(By.ID, "other").send_keys("Waited too long")
    walk.button("nav.done", "en")
    walk.button("offer.no", "en")
    assert browser.heading(phone) == word("en", "thanks.title")
    walk.tap(browser.button(phone, "Tiếng Việt"))  # thanked, in the other language
    assert browser.heading(phone) == word("vi", "thanks.title")
    [row] = web.rows(code)
    assert row["payload"]["language"] == "en"
    assert row["payload"]["answers"]["reasons"] == {
        "value": ["other"],
        "other_text": "Waited too long",
    }


def test_a_wrong_link_on_a_phone(web, phone, shots):
    phone.get(survey_url(web, counter="Q7"))
    looks_right(phone)
    assert browser.heading(phone) == "Đường dẫn khảo sát chưa đúng"
    snap(phone, shots, "web-wrong-link.png")


def test_the_units_name_shows_and_a_page_left_open_says_the_verdict_was_kept(web, phone, shots):
    walk, code = Walk(phone), dossier()
    phone.get(survey_url(web, "Q2"))
    where = phone.find_element(By.CLASS_NAME, "where").text
    assert where == f"{HAI_CHAU} · Quầy Q2" and "DNG-HC" not in browser.text(phone)
    walk.identify(code)
    walk.choose("satisfied")
    walk.button("nav.done")
    assert word("vi", "offer.question") in browser.text(phone)
    field = phone.find_element(By.CSS_SELECTOR, "main input[name=state]")
    aged = signed_again(web, field.get_attribute("value"), TWO_HOURS)  # left open 2 hours
    phone.execute_script("arguments[0].value = arguments[1]", field, aged)
    browser.tap(phone, browser.button(phone, word("vi", "offer.yes")))
    assert browser.heading(phone) == word("vi", "web.expired_title")
    assert browser.text(phone).endswith(word("vi", "web.verdict_kept_body"))
    assert not browser.overflows(phone)  # nothing to tap: the verdict is kept, no again
    snap(phone, shots, "web-expired-verdict-kept.png")
    [row] = web.rows(code)
    assert row["payload"]["verdict"] == "satisfied"
