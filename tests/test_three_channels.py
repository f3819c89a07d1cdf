"""One questionnaire, three channels: the same long-form answers given on a tablet (its visit
on a real store, delivered by the real sync daemon), on the web survey (over HTTP, as a
phone without JavaScript sends its forms) and on a paper form typed in by a clerk
(`portal import`) reach one real portal, and its export shows them alike: each with its
channel, every question's answer as itself."""

from __future__ import annotations

import csv
import io
import json
import re

import pytest

from kiosk.domain.forms import Form, load_form
from kiosk.resources import ASSETS
from tests.portal_support import run, sync
from tests.test_long_form import answer_long_form, to_offer
from tests.test_long_form_config import Draws
from tests.test_visit import kiosk  # noqa: F401  (the fixture: a visit on a real core)
from tests.test_web_survey import UNIT, Citizen, WebPortal, start_web_portal

pytestmark = pytest.mark.slow

LONG = "sipas-dak-song-2023"


def long_form() -> Form:
    return load_form(ASSETS / "forms" / f"{LONG}.yaml")


def given_answers(form: Form) -> dict[str, str | list[str]]:
    """An answer to every question on the longest path (Q8, Q14 and Q15 asked), choices
    spread over each question's range so that a shifted choice would show."""
    answers: dict[str, str | list[str]] = {}
    for index, question in enumerate(form.questions):
        ids = [choice.id for choice in question.choices]
        answers[question.id] = ids[index % len(ids)]
    answers |= {"Q7": "3", "Q13": "1", "Q16": ["2", "6", "7", "13"]}  # late; yes; four
    return answers


def on_the_kiosk(make, web: WebPortal, tmp_path, given: dict) -> None:
    web.portal.enrol(tmp_path / "data", UNIT, "Q1")
    k = make(rng=Draws(True))
    to_offer(k, "not_satisfied")
    k.visit.answer_offer(True)
    answer_long_form(k, given)
    assert k.view.screen == "thanks"
    k.core.engine.dispose()
    delivered = sync("--once", "--data-dir", str(tmp_path / "data"))
    assert delivered.returncode == 0, delivered.stderr


def on_the_web(web: WebPortal, given: dict) -> None:
    citizen = Citizen(web.url).quick("000.00.12.H17-251126-7001", verdict="not_satisfied")
    citizen.send(("go", "yes"))
    while (found := re.search(r'data-question="([^"]+)"', citizen.page)) is not None:
        value = given[found.group(1)]
        if isinstance(value, list):
            citizen.answer(*value, go="next")
        else:
            citizen.answer(value)
        assert citizen.status == 200, citizen.page
    assert "data-question" not in citizen.page  # the thank-you


def on_paper(web: WebPortal, tmp_path, given: dict) -> None:
    sheet = tmp_path / "phieu.csv"
    with sheet.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["form_no", "date", *given])
        cells = [";".join(v) if isinstance(v, list) else v for v in given.values()]
        writer.writerow(["17", "12/10/2023", *cells])
    args = ("import", "--form", LONG, "--unit", UNIT, "--source", "paper", "--file", str(sheet))
    imported = run("-m", "portal", "--db", web.portal.db, *args)
    assert imported.returncode == 0, imported.stdout + imported.stderr


def exported(web: WebPortal, kind: str) -> str:
    args = ("-m", "portal", "--db", web.portal.db, "export", "--format", kind, "--form", LONG)
    made = run(*args)
    assert made.returncode == 0, made.stderr
    return made.stdout


def test_the_long_form_from_kiosk_web_and_paper_arrives_alike(kiosk, tmp_path):  # noqa: F811
    form = long_form()
    given = given_answers(form)
    web = start_web_portal(tmp_path / "portal")
    try:
        on_the_kiosk(kiosk, web, tmp_path, given)
        on_the_web(web, given)
        on_paper(web, tmp_path, given)
        lines = [json.loads(line) for line in exported(web, "jsonl").splitlines()]
        table = list(csv.DictReader(io.StringIO(exported(web, "csv").lstrip("\ufeff"))))
    finally:
        web.portal.stop()
    assert sorted(line["channel"] for line in lines) == ["kiosk", "paper", "web"]
    expected = {
        qid: {"value": value, "other_text": ""} for qid, value in given.items()
    }  # every question's answer as itself, the same whichever way it came
    for line in lines:
        assert line["answers"] == expected, line["channel"]
        assert line["status"] == "complete" and line["form_id"] == LONG
    assert len(table) == 3
    quick = next(line for line in lines if line["channel"] == "kiosk")["follows"]
    assert quick and any(row["Tiếp theo phiếu"] == quick for row in table)  # linked in Excel
    question_columns = [name for name in table[0] if re.match(r"Q\d", name)]
    assert len(question_columns) == len(form.questions)
    for name in question_columns:  # the same labels in each channel's row
        assert len({row[name] for row in table}) == 1, name
    q7 = next(name for name in question_columns if name.startswith("Q7 "))
    assert table[0][q7] == "Trễ hẹn"
