"""The long form on the real kiosk window, end to end: a citizen drawn after the quick
answer says yes, answers every question by tapping, and both answers reach the real portal
on loopback with their channel, the draw, the link and every answer as given."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import create_engine, text

from kiosk.domain.forms import localized
from kiosk.locale import translate
from tests.conftest import write_config
from tests.portal_support import start_portal, sync

pytestmark = [pytest.mark.ui, pytest.mark.slow]

PHONE, CITIZEN_ID = "0912345678", "079199123456"
# Late (Q7 = 3: Q8 asked), feedback given (Q13 = 1: Q14, Q15 asked), four priorities.
GIVEN: dict[str, str | list[str]] = {
    "Q1": "2",
    "Q2": "3",
    "Q4": "2",
    "Q5": "2",
    "Q6": "2",
    "Q7": "3",
    "Q8": "1",
    "Q9.2": "4",
    "Q10.4": "5",
    "Q11.1": "2",
    "Q12.3": "3",
    "Q13": "1",
    "Q14": "2",
    "Q15": "4",
    "Q16": ["3", "6", "7", "12"],
    "Q18": "5",
}


def portal_answers(db: str) -> list[dict]:
    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            query = text("SELECT channel, payload FROM answers ORDER BY id")
            found = []
            for channel, payload in connection.execute(query):
                body = payload if isinstance(payload, dict) else json.loads(payload)
                found.append({**body, "stored_channel": channel})
            return found
    finally:
        engine.dispose()


def test_a_drawn_citizen_answers_the_whole_long_form_and_both_answers_reach_the_portal(
    start_kiosk, tmp_path
):
    db = f"sqlite:///{tmp_path / 'portal.db'}"
    portal = start_portal(db)
    try:
        data = tmp_path / "kiosk"
        portal.enrol(data)
        pilot = start_kiosk(write_config(tmp_path / "config.yaml"), data)
        pilot.draw_for_long_form(True)
        pilot.identify(PHONE, CITIZEN_ID)
        quick_uuid = pilot.app.survey.uuid
        pilot.rate_satisfied()
        assert pilot.screen_name == "offer"
        assert translate("vi", "offer.question") in pilot.texts()
        pilot.tap(pilot.screen.ids.yes)
        form = pilot.app.core.long_form
        seen: dict[str, str] = {}

        def look(question_id: str) -> None:
            seen[question_id] = pilot.screen.progress
            question = form.question(question_id)
            assert localized(question.text, "vi") in pilot.texts()
            if question_id == "Q3" and "Q3" not in looked_back:
                looked_back.append("Q3")  # Back once: the answer given is shown again
                pilot.tap(pilot.screen.ids.back)
                assert pilot.app.survey.current == "Q2"
                [chosen] = [b for b in pilot.screen.ids.choices.children if b.selected]
                assert chosen.choice_id == GIVEN["Q2"]
                pilot.tap(chosen)
            if question_id == "Q9.1":  # a grid item says its grid's heading
                assert localized(question.hint, "vi") in pilot.texts()
            if question_id == "Q16":
                five_ticks_one_refused(pilot)

        looked_back: list[str] = []
        asked = pilot.answer_long_form(GIVEN, look)
        assert pilot.screen_name == "thanks"
        assert len(asked) == 29  # Q8, Q14 and Q15 asked
        assert seen["Q1"] == "Câu 1 / 26"
        assert seen["Q8"] == "Câu 8 / 27"
        assert seen["Q13"] == "Câu 25 / 27"
        assert seen["Q14"] == "Câu 26 / 29"
        assert seen["Q18"] == "Câu 29 / 29"
        pilot.app.core.engine.dispose()
        sent = sync("--once", "--data-dir", str(data))
        assert sent.returncode == 0, sent.stderr
        quick, long = portal_answers(db)
    finally:
        portal.stop()
    assert quick["uuid"] == quick_uuid and long["follows"] == quick_uuid
    assert quick["stored_channel"] == long["stored_channel"] == "kiosk"
    assert quick["channel"] == long["channel"] == "kiosk"
    assert (quick["form_id"], quick["verdict"], quick["drawn"]) == (
        "danang-2223",
        "satisfied",
        True,
    )
    assert quick["follows"] is None and quick["status"] == "complete"
    assert (long["form_id"], long["form_version"], long["status"]) == (
        "sipas-dak-song-2023",
        1,
        "complete",
    )
    assert long["drawn"] is None and long["verdict"] is None
    expected = {qid: GIVEN.get(qid, form.question(qid).choices[0].id) for qid in asked}
    assert {qid: answer["value"] for qid, answer in long["answers"].items()} == expected
    assert all(answer["other_text"] == "" for answer in long["answers"].values())


def five_ticks_one_refused(pilot) -> None:
    """Q16, "Chọn tối đa 4 nội dung": a fifth tick is refused and says why, then untick."""
    from kiosk.ui.screens.multi_choice import CheckRow

    for choice_id in ("1", "2", "4", "5"):
        pilot.tap(pilot.find(kind=CheckRow, choice_id=choice_id))
    pilot.tap(pilot.find(kind=CheckRow, choice_id="8"))
    assert "Chỉ được chọn tối đa 4 nội dung" in pilot.texts()
    assert pilot.screen.chosen() == ["1", "2", "4", "5"]
    for choice_id in ("1", "2", "4", "5"):  # the citizen thinks again
        pilot.tap(pilot.find(kind=CheckRow, choice_id=choice_id))
    assert pilot.screen.chosen() == []


@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_offer_and_the_long_forms_steps_render_with_large_buttons(start_kiosk, tmp_path, size):
    from kivy.metrics import dp
    from PIL import Image

    from kiosk.ui import theme
    from tests.screenshots import take_long_form

    pilot = start_kiosk(size=size)
    try:
        shots = take_long_form(pilot, tmp_path, "x")
        assert pilot.screen_name == "thanks"
    finally:
        pilot.resize(1280, 800)
    assert set(shots) == {"offer", "first", "grid", "q16"}
    for name, path in shots.items():
        image = Image.open(path).convert("RGB")
        assert image.size == size, name
        assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{name} looks blank"
    # The offer's two answers: each at least a finger's target, "Có" in the primary colour.
    offer = pilot.app.screen("offer")
    for button in (offer.ids.no, offer.ids.yes):
        assert min(button.size) >= dp(theme.TARGET_DP)
    x, y = (int(v) for v in offer.ids.yes.to_window(offer.ids.yes.x + 12, offer.ids.yes.y + 12))
    painted = Image.open(shots["offer"]).convert("RGB").getpixel((x, size[1] - y))
    assert all(
        abs(a - round(b * 255)) <= 6 for a, b in zip(painted, theme.PRIMARY[:3], strict=True)
    )


def test_a_double_tap_on_the_last_quick_step_never_answers_the_offer(start_kiosk):
    pilot = start_kiosk()
    pilot.draw_for_long_form(True)
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.tap_text("Hài lòng")
    dropped = pilot.app.tap_guard.dropped_count
    pilot.double_tap(pilot.screen.ids.next)  # "Hoàn thành", twice in a hurry
    assert pilot.screen_name == "offer"
    assert pilot.app.tap_guard.dropped_count == dropped + 1
    pilot.tap(pilot.screen.ids.no)
    assert pilot.screen_name == "thanks"
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from kiosk.store.models import Response

    with Session(pilot.app.core.engine) as session:
        stored = [(r.form_id, r.drawn, r.follows) for r in session.scalars(select(Response))]
    assert stored == [("danang-2223", True, None)]
