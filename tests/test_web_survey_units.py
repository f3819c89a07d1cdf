"""The web survey serves each unit's own forms and name, and says truly what an expired
page kept (issue 13, an outside review): over HTTP against the real portal (a process on
loopback, its SQLite file read back), set up with `python -m portal unit` and `form add`
as an administrator would.

- `portal unit U [--yearly-dossiers N] [--name …] [--web-form F] [--web-long-form L|none]`:
  each option on its own, the settings printed, an unknown or unfit form refused in words
  and nothing changed;
- the unit's name on its pages (its code without one);
- its own quick and long forms, registered ones too, each at its latest version when a
  survey begins; a version registered meanwhile changes no survey under way; a state
  naming a version the portal knows no more gets the stale page;
- the expired page: nothing kept, the verdict kept, the verdict but not the long form's
  answers after it, everything kept; a state that cannot be read.
"""

from __future__ import annotations

import base64
import json
import time
from subprocess import CompletedProcess

import pytest

from contract.api import SURVEY_PATH
from portal.web.state import SurveyState, sign
from tests.conftest import ROOT
from tests.test_web_survey import Citizen, WebPortal, dossier, said, start_web_portal

pytestmark = pytest.mark.slow

HAI_CHAU = "Ủy ban nhân dân phường Hải Châu"
OWN_FORMS = "DNG-TK"  # a unit with registered forms of its own
NO_LONG = "DNG-NHS"  # a unit whose web survey offers no long form
UNNAMED = "DNG-SC"
QUICK_SOURCE = ROOT / "assets" / "forms" / "danang-2223.yaml"
VERDICT_TEXT = "Ông/bà có hài lòng với việc giải quyết thủ tục hành chính?"
# A long form of two questions, registered: small enough to finish over HTTP in a test.
SHORT_LONG_FORM = """\
id: hl-dai
version: 1
title: {vi: Phiếu khảo sát thêm, en: A further survey}
questions:
  - id: Q1
    type: single_choice
    text: {vi: "Thời gian chờ đợi có hợp lý không?", en: "Was the waiting time reasonable?"}
    choices:
      - {id: "1", label: {vi: Có, en: "Yes"}}
      - {id: "2", label: {vi: Không, en: "No"}}
  - id: Q2
    type: single_choice
    text: {vi: "Cán bộ có hướng dẫn tận tình không?", en: "Did the officer guide you well?"}
    choices:
      - {id: "1", label: {vi: Có, en: "Yes"}}
      - {id: "2", label: {vi: Không, en: "No"}}
"""


def quick_variant(form_id: str, version: int) -> str:
    """The shipped quick form under another id or version, its verdict asked in words that
    say which version a page shows."""
    text = QUICK_SOURCE.read_text(encoding="utf-8")
    text = text.replace("id: danang-2223\nversion: 1\n", f"id: {form_id}\nversion: {version}\n")
    return text.replace(VERDICT_TEXT, verdict_text(form_id, version))


def verdict_text(form_id: str, version: int) -> str:
    return f"Ông/bà có hài lòng với việc giải quyết thủ tục hành chính? ({form_id} bản {version})"


def add_form(web: WebPortal, text: str, name: str) -> None:
    path = web.folder / f"{name}.yaml"
    path.write_text(text, encoding="utf-8")
    added = web.portal.portal("form", "add", str(path))
    assert added.returncode == 0, added.stderr


def unit(web: WebPortal, code: str, *options: str, ok: bool = True) -> CompletedProcess:
    result = web.portal.portal("unit", code, *options)
    assert (result.returncode == 0) is ok, result.stdout + result.stderr
    return result


def decoded(token: str) -> dict:
    payload = token.split(".")[0]
    return json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))


def signed_again(web: WebPortal, token: str, age_s: float = 0, **changes: object) -> str:
    """A state a real page handed out, signed again by the portal's secret `age_s` ago
    (a page left open), with `changes`."""
    body = decoded(token)
    body.pop("signed_at")
    state = SurveyState(**(body | changes))
    return sign(state, web.secret(), now=time.time() - age_s)


TWO_HOURS = 2 * 3600


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = start_web_portal(tmp_path_factory.mktemp("units"))
    for code in (OWN_FORMS, NO_LONG, UNNAMED):
        added = server.portal.portal("counter", "add", "--unit", code, "Q1")
        assert added.returncode == 0, added.stderr
    add_form(server, quick_variant("hl-nhanh", 1), "hl-nhanh-1")
    add_form(server, SHORT_LONG_FORM, "hl-dai-1")
    unit(server, OWN_FORMS, "--web-form", "hl-nhanh", "--web-long-form", "hl-dai")
    unit(server, NO_LONG, "--web-long-form", "none")
    yield server
    server.portal.stop()


def test_portal_unit_sets_each_setting_on_its_own_and_prints_them_all(web):
    shown = unit(web, "DNG-LC").stdout  # nothing asked: the defaults, and a word of advice
    assert "DNG-LC: no yearly dossier count" in shown
    assert "name on the web survey: none set, the pages show DNG-LC" in shown
    assert "danang-2223 (its latest version, now 1), then sipas-dak-song-2023" in shown
    assert "portal knows no device or counter of DNG-LC" in shown
    shown = unit(web, "DNG-LC", "--yearly-dossiers", "4000").stdout
    assert "DNG-LC: 4000 dossiers a year → at least 259 answers" in shown
    shown = unit(web, "DNG-LC", "--name", f"  {HAI_CHAU} ").stdout
    assert f"name on the web survey: {HAI_CHAU}\n" in shown and "at least 259" in shown
    shown = unit(web, "DNG-LC", "--web-long-form", "none").stdout
    assert "danang-2223 (its latest version, now 1); no long form offered" in shown
    assert HAI_CHAU in shown  # the rest kept
    shown = unit(web, "DNG-LC", "--web-form", "hl-nhanh", "--web-long-form", "hl-dai").stdout
    assert "hl-nhanh (its latest version, now " in shown and "then hl-dai (" in shown
    assert "4000 dossiers" in shown and HAI_CHAU in shown


@pytest.mark.parametrize(
    "options, words",
    [
        (["--web-form", "danang-2024"], "--web-form danang-2024: the portal knows no such form"),
        (["--web-long-form", "sipas-2030"], "knows no such form. It knows danang-2223, hl-dai"),
        (["--web-long-form", "hl-nhanh"], "hl-nhanh asks for a verdict"),
        (["--web-form", "hl-dai"], "cannot be both the quick form and the long form"),
        (["--yearly-dossiers", "-5"], "the dossier count cannot be negative"),
        (["--name", "Phường\nHải Châu"], "one line of text"),
    ],
    ids=["unknown-quick", "unknown-long", "long-with-verdict", "same-twice", "negative", "lines"],
)
def test_portal_unit_refuses_in_words_and_changes_nothing(web, options, words):
    before = unit(web, OWN_FORMS).stdout
    refused = unit(web, OWN_FORMS, "--name", "Tên mới", *options, ok=False)
    assert refused.returncode == 2
    assert words in refused.stderr and "nothing changed" in refused.stderr
    assert unit(web, OWN_FORMS).stdout == before  # the name given with it is not kept either


def test_the_units_name_shows_on_its_pages_and_its_code_without_one(web):
    unit(web, "DNG-HC", "--name", HAI_CHAU)
    named = Citizen(web.url).open("DNG-HC", "Q2")
    assert named.status == 200
    assert f"{HAI_CHAU} · Quầy Q2" in named.page and "Đơn vị DNG-HC" not in named.page
    english = Citizen(web.url).open("DNG-HC", "Q1", lang="en")
    assert f"{HAI_CHAU} · Counter Q1" in english.page
    problem = Citizen(web.url).open("DNG-HC", "Q1").identify("12345")  # the page again
    assert problem.status == 422 and f"{HAI_CHAU} · Quầy Q1" in problem.page
    assert "Đơn vị DNG-SC · Quầy Q1" in Citizen(web.url).open(UNNAMED, "Q1").page
    unit(web, "DNG-HC", "--name", "")  # the code again
    assert "Đơn vị DNG-HC · Quầy Q1" in Citizen(web.url).open("DNG-HC", "Q1").page


def test_a_unit_is_served_its_own_forms_a_version_registered_meanwhile_changes_no_survey(web):
    first, code = Citizen(web.url), dossier()
    first.open(OWN_FORMS, "Q1").identify(code)
    assert first.status == 200 and verdict_text("hl-nhanh", 1) in first.page
    add_form(web, quick_variant("hl-nhanh", 2), "hl-nhanh-2")  # while the first is under way
    first.answer("satisfied")
    first.answer(go="back")  # the verdict's page again: still the version it began with
    assert verdict_text("hl-nhanh", 1) in first.page
    first.answer("satisfied").answer("", go="next")
    assert said("offer.question") in first.page
    assert said("web.offer_body", count=2) in first.page  # the unit's long form: 2 questions
    first.send(("go", "yes"))
    assert "Thời gian chờ đợi có hợp lý không?" in first.page
    first.answer("1").answer("2")
    assert said("thanks.title") in first.page
    quick, long = web.rows(code)
    assert (quick["form_id"], quick["payload"]["form_version"]) == ("hl-nhanh", 1)
    assert (long["form_id"], long["payload"]["form_version"]) == ("hl-dai", 1)
    assert long["payload"]["follows"] == quick["uuid"] and quick["payload"]["drawn"] is True
    assert long["payload"]["answers"] == {
        "Q1": {"value": "1", "other_text": ""},
        "Q2": {"value": "2", "other_text": ""},
    }
    second, other = Citizen(web.url), dossier()
    second.open(OWN_FORMS, "Q1").identify(other)  # begun after: the latest version
    assert verdict_text("hl-nhanh", 2) in second.page
    second.answer("satisfied").answer("", go="next")
    [row] = web.rows(other)
    assert (row["form_id"], row["payload"]["form_version"]) == ("hl-nhanh", 2)


def test_a_newer_version_of_the_shipped_form_registered_is_served_to_new_surveys(tmp_path):
    city = start_web_portal(tmp_path, keys=False)
    try:
        under_way, code = Citizen(city.url), dossier()
        under_way.open().identify(code)
        assert VERDICT_TEXT in under_way.page and verdict_text("danang-2223", 2) not in (
            under_way.page
        )
        add_form(city, quick_variant("danang-2223", 2), "danang-2223-2")
        fresh, other = Citizen(city.url), dossier()
        fresh.open().identify(other)
        assert verdict_text("danang-2223", 2) in fresh.page
        fresh.answer("satisfied").answer("", go="next")
        under_way.answer("satisfied").answer("", go="next")
        versions = {row["payload"]["dossier_code"]: row["payload"]["form_version"]
                    for row in city.rows()}  # fmt: skip
        assert versions == {code: 1, other: 2}
    finally:
        city.portal.stop()


def test_a_unit_without_a_long_form_is_thanked_after_its_verdict(web):
    citizen, code = Citizen(web.url), dossier()
    citizen.open(NO_LONG, "Q1").identify(code)
    citizen.answer("not_satisfied").answer("progress", go="next")
    assert said("thanks.title") in citizen.page and said("offer.question") not in citizen.page
    [row] = web.rows(code)
    assert row["form_id"] == "danang-2223" and row["payload"]["drawn"] is None  # no draw


def test_a_state_naming_a_version_the_portal_knows_no_more_gets_the_stale_page(web):
    citizen, code = Citizen(web.url), dossier()
    citizen.open().identify(code)
    assert decoded(citizen.state)["quick_version"] == 1
    for changes in ({"quick_version": 7}, {"quick_form": "danang-1999"}, {"quick_form": ""}):
        token = signed_again(web, citizen.state, **changes)  # signed now, by the portal
        reply = Citizen(web.url, client=citizen.headers["X-Forwarded-For"])
        reply.send(("value", "satisfied"), state=token)
        assert reply.status == 400, changes
        assert "Trang khảo sát đã hết hạn" in reply.page
        assert said("web.expired_body") in reply.page  # nothing was kept: begin again
        assert f'href="{SURVEY_PATH}?' in reply.page
    assert web.rows(code) == []
    citizen.answer("satisfied")  # the genuine state still works
    assert citizen.status == 200


def test_an_expired_page_says_what_was_kept(web):
    citizen, code = Citizen(web.url), dossier()
    citizen.open(OWN_FORMS, "Q1").identify(code)
    asked = citizen.state
    citizen.answer("not_satisfied").answer("progress", go="next")  # the verdict is stored
    at_offer = citizen.state
    citizen.send(("go", "yes")).answer("1")  # one answer of the long form, not stored
    in_long = citizen.state
    cases = {
        "asked": (asked, "web.verdict_kept_body"),  # an old page, behind what was stored
        "offer": (at_offer, "web.verdict_kept_body"),
        "long": (in_long, "web.long_lost_body"),
    }
    for name, (token, body) in cases.items():
        stale = Citizen(web.url).send(("go", "next"), state=signed_again(web, token, TWO_HOURS))
        assert stale.status == 400 and "Trang khảo sát đã hết hạn" in stale.page, name
        assert said(body) in stale.page, name
        assert "chưa có ý kiến nào được lưu" not in stale.page, name  # it was: the verdict
        assert said("web.restart") not in stale.page, name  # the dossier is rated: no again
    assert "Các câu ông/bà đã trả lời trong phiếu khảo sát đầy đủ sau đó chưa được lưu" in (
        said("web.long_lost_body")
    )
    assert [row["form_id"] for row in web.rows(code)] == ["hl-nhanh"]
    citizen.answer("2")  # the genuine page finishes the long form
    assert said("thanks.title") in citizen.page
    thanked = Citizen(web.url).send(
        ("lang", "en"), state=signed_again(web, citizen.state, TWO_HOURS)
    )
    assert thanked.status == 400 and said("web.all_kept_body") in thanked.page  # (its language)
    assert [row["form_id"] for row in web.rows(code)] == ["hl-nhanh", "hl-dai"]
    forged = Citizen(web.url).send(("go", "next"), state=in_long[:-4] + "AAAA")
    assert forged.status == 400 and said("web.invalid_body") in forged.page
    assert "chưa có ý kiến nào được lưu từ trang này" in forged.page  # of this page: true
    assert "quét lại mã QR" in forged.page


def test_a_unit_whose_form_is_gone_gets_the_busy_page_and_the_log_says_why(web):
    from portal.store.engine import make_portal_engine
    from portal.store.settings import set_unit_settings

    engine = make_portal_engine(web.portal.db)  # a release without the form it chose
    try:
        set_unit_settings(engine, UNNAMED, web_form="hl-bo-di")
    finally:
        engine.dispose()
    citizen = Citizen(web.url).open(UNNAMED, "Q1").identify(dossier())
    assert citizen.status == 503 and "Hệ thống đang bận" in citizen.page
    assert "unit DNG-SC: a form it names is unknown" in (web.folder / "portal.log").read_text()
    shown = unit(web, UNNAMED).stdout
    assert "hl-bo-di (UNKNOWN to this portal: its surveys cannot begin)" in shown
    unit(web, UNNAMED, "--web-form", "danang-2223")
    assert Citizen(web.url).open(UNNAMED, "Q1").identify(dossier()).status == 200
