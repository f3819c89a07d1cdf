"""The web survey's parts without a server: its words in both languages, the signed state,
the rate limits' windows, the kiosk's survey resumed from a state, and what an outside
attacker found in them (over HTTP: test_web_survey_probe.py)."""

from __future__ import annotations

import logging
import re
import string
import time
import uuid
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from contract.api import SURVEY_PATH
from kiosk.domain.flow import Survey
from kiosk.domain.forms import Choice, Form, Question
from kiosk.domain.questions import QUESTION_TYPES
from kiosk.domain.questions.summary import quick_summary
from kiosk.locale import table
from portal.forms import find_form
from portal.store.engine import make_portal_engine
from portal.store.models import Answer
from portal.web.limits import Finishes, Guards, Limit, WebLimits, Windows, client_key
from portal.web.replay import NO_IDENTIFICATION, answers_of, long_uuid, resume
from portal.web.state import LONG, QUICK, BadState, SurveyState, sign, verify
from portal.web.storing import web_flags
from portal.web.words import WORDS_DIR, web_table, word
from tests.conftest import ROOT

WEB = ROOT / "portal" / "web"
SECRET = b"s" * 32
QUICK_FORM, LONG_FORM = "danang-2223", "sipas-dak-song-2023"  # the shipped defaults
# A state's forms as a survey of a unit with the defaults begins it.
SHIPPED = {"quick_form": QUICK_FORM, "quick_version": 1, "long_form": LONG_FORM, "long_version": 1}
# A portal that knows no more than it ships: a shipped version is found without the store.
BARE = make_portal_engine("sqlite://")


def form(form_id: str) -> Form:
    """A shipped form at its latest version, found as the web survey finds it."""
    found = find_form(BARE, form_id)
    assert found is not None, form_id
    return found


def used_words() -> set[str]:
    """Every key the pages and the code print: t('…') in templates, "web.…" in the code."""
    keys = {"lang.vi", "lang.en"}  # the switch: t('lang.' ~ other_lang)
    for template in (WEB / "templates").glob("*.html"):
        keys |= set(re.findall(r"\bt\('([a-z_]+\.[a-z_]+)'", template.read_text(encoding="utf-8")))
    for module in WEB.glob("*.py"):
        source = module.read_text(encoding="utf-8")
        keys |= set(re.findall(r'"((?:web|offer|long|rated|thanks)\.[a-z_]+)"', source))
    return {key for key in keys if not key.endswith(".html")}


def test_every_word_the_pages_print_exists_in_vietnamese_and_english():
    keys = used_words()
    assert {"web.wrong_link_title", "long.progress", "nav.back", "welcome.start"} <= keys
    for language in ("vi", "en"):
        known = web_table(language).keys() | table(language).keys()
        assert sorted(keys - known) == [], language
    assert web_table("vi").keys() == web_table("en").keys()
    assert sorted(WORDS_DIR.glob("*.yaml")) == [WORDS_DIR / "en.yaml", WORDS_DIR / "vi.yaml"]


def test_the_web_words_are_vietnamese_with_their_marks_and_fill_their_blanks():
    assert word("vi", "web.too_many_body", minutes=5).endswith("khoảng 5 phút.")
    assert word("en", "web.where", unit="DNG-HC", counter="Q1") == "Unit DNG-HC · Counter Q1"
    assert word("vi", "nav.back") == "Quay lại"  # the kiosk's own word
    assert word("fr", "web.restart") == "Bắt đầu lại"  # unknown language: Vietnamese


def test_a_signed_state_comes_back_whole_and_nothing_else_does():
    state = SurveyState("DNG-HC", "Q1", "en", QUICK, "u", 1.5, "X-1", "c2VhbGVk", {"a": ["b", ""]})
    assert verify(sign(state, SECRET), SECRET) == state
    token = sign(state, SECRET)
    payload, mac = token.split(".")
    for forged in (
        sign(state, b"t" * 32),
        f"{payload[:-2]}AA.{mac}",
        f"{payload}.{mac[:-2]}AA",
        payload,
        "",
        "é.é",
    ):
        with pytest.raises(BadState) as refused:
            verify(forged, SECRET)
        assert not refused.value.stale
    now = time.time()
    with pytest.raises(BadState) as old:
        verify(sign(state, SECRET, now=now - 3601), SECRET, now=now)
    assert old.value.stale and old.value.state == state  # still says where to begin again
    with pytest.raises(BadState) as future:
        verify(sign(state, SECRET, now=now + 3600), SECRET, now=now)
    assert not future.value.stale


def test_a_window_counts_within_its_limit_and_says_how_long_to_wait():
    moment = [1000.0]
    windows = Windows(Limit(3, 60), max_keys=2, clock=lambda: moment[0])
    assert [windows.hit("a") for _ in range(3)] == [0, 0, 0]
    assert windows.hit("a") == 60  # refused: not counted
    moment[0] += 30
    assert windows.hit("a") == 30
    moment[0] += 30.5
    assert windows.hit("a") == 0  # the oldest left the window
    windows.hit("b")
    windows.hit("c")  # a third key: the least recent ("a") is forgotten
    assert windows.hit("a") == 0


def test_a_client_is_its_ipv4_address_or_its_ipv6_network():
    assert client_key("203.0.113.7") == "203.0.113.7"
    assert client_key("2001:db8:1:2:aaaa::1") == client_key("2001:db8:1:2:bbbb::9")
    assert client_key("2001:db8:1:2::1") == "2001:db8:1:2::/64"
    assert client_key("2001:db8:1:3::1") != client_key("2001:db8:1:2::1")
    assert client_key("testclient") == "testclient"


def test_a_clients_answers_seconds_apart_are_flagged_as_a_tablets_are():
    limits = WebLimits()
    finishes = Finishes(limits.integrity, max_keys=10)
    start = datetime(2026, 11, 28, 21, 0, tzinfo=timezone.utc)  # a Saturday, at night
    flags = []
    for n in range(7):
        moment = start + timedelta(seconds=15 * n)
        flags.append(web_flags(moment, finishes.history("1.2.3.4", moment), limits.integrity))
        finishes.record("1.2.3.4", moment)
    assert flags[:5] == [[]] * 5  # no after_hours on the web: people answer from home
    assert flags[5:] == [["burst"], ["burst"]]
    early = start + timedelta(seconds=95)
    assert web_flags(early, finishes.history("1.2.3.4", early), limits.integrity) == [
        "too_soon",
        "burst",
    ]
    assert finishes.history("5.6.7.8", early).previous_finished_at is None


def test_the_kiosks_survey_resumes_from_a_state_with_its_conditions():
    started = time.time() - 42
    state = SurveyState("DNG-HC", "Q1", stage=LONG, uuid=long_uuid("q"), started=started, **SHIPPED)
    survey = resume(BARE, state)
    assert survey.current == "Q1" and survey.progress().total == 26
    answers = {"Q1": ["1", ""], "Q2": ["1", ""], "Q3": ["1", ""], "Q4": ["1", ""]}
    answers |= {"Q5": ["2", ""], "Q6": ["2", ""], "Q7": ["3", ""]}
    survey = resume(BARE, replace(state, answers=answers, position=7))
    assert survey.current == "Q8" and survey.progress().total == 27  # "Trễ hẹn": Q8 asked
    assert answers_of(survey) == answers
    assert survey.answer("Q8", "9") == "answer.unknown_choice"  # each type's answer rule
    with pytest.raises(BadState):
        resume(BARE, replace(state, answers={"Q1": ["7", ""]}))  # not a choice of Q1
    with pytest.raises(BadState):
        resume(BARE, replace(state, answers={}, position=3))  # steps not answered
    assert long_uuid("q") == long_uuid("q") != long_uuid("r")
    assert form(LONG_FORM).id == "sipas-dak-song-2023"
    finished = resume(BARE, replace(state, stage=QUICK, answers={"verdict": ["satisfied", ""]}))
    assert finished.current == "verdict"
    assert abs(finished.finish().duration_ms - 42_000) < 5_000  # from the first page's time


def test_a_state_with_anything_added_or_spelled_otherwise_is_not_ours():
    token = sign(SurveyState("DNG-HC", "Q1", stage=QUICK, uuid="u"), SECRET)
    payload, mac = token.split(".")
    alphabet = string.ascii_uppercase + string.ascii_lowercase + string.digits + "-_"
    # The last character of the signature carries bits no byte uses: another letter
    # differing only there decodes to the same bytes, and is still not what we signed.
    respelled = alphabet[alphabet.index(mac[-1]) ^ 1]
    for tampered in (
        f"{token}!!!",
        f"{token}==",
        f" {token}",
        f"{token}\n",
        f"{token}.x",
        f"{payload}=.{mac}",
        f"{payload[:5]}!{payload[5:]}.{mac}",
        f"{payload}.{mac[:-1]}{respelled}",
    ):
        with pytest.raises(BadState) as refused:
            verify(tampered, SECRET)
        assert not refused.value.stale, tampered
    assert verify(token, SECRET).uuid == "u"


def test_an_ipv4_client_is_counted_as_itself_when_it_comes_mapped_into_ipv6():
    assert client_key("::ffff:203.0.113.7") == "203.0.113.7" == client_key("203.0.113.7")
    assert client_key("::ffff:203.0.113.8") != client_key("::ffff:203.0.113.7")
    assert client_key("::1") == "::/64"  # a real IPv6 address: its /64


def test_the_form_engine_keeps_other_text_only_where_a_choice_asks_for_it():
    quick = form(QUICK_FORM)
    survey = Survey(quick, NO_IDENTIFICATION)
    assert survey.answer("verdict", "not_satisfied", "A" * 6000) == ""
    assert survey.answers["verdict"].other_text == ""
    assert survey.answer("reasons", ["progress"], "hidden") == ""  # "Lý do khác" not ticked
    assert survey.answers["reasons"].other_text == ""
    assert survey.answer("reasons", ["other"], "B" * 1001) == "answer.too_long"
    assert survey.answer("reasons", ["progress", "other"], " Phải chờ lâu ") == ""
    assert survey.answers["reasons"].other_text == "Phải chờ lâu"
    assert quick_summary(quick, survey.answers).comment == "Phải chờ lâu"
    pleased = Survey(quick, NO_IDENTIFICATION)
    assert pleased.answer("verdict", "satisfied", "C") == ""
    assert pleased.answer("comment", "Rất tốt", "D") == ""  # a text question: no other box
    assert quick_summary(quick, pleased.answers).comment == "Rất tốt"
    long = Survey(form(LONG_FORM), NO_IDENTIFICATION)
    assert long.answer("Q1", "1", "E" * 6000) == "" and long.answers["Q1"].other_text == ""
    asks = Question(
        "q",
        "single_choice",
        {"vi": "Câu hỏi", "en": "Question"},
        (Choice("a", {"vi": "A", "en": "A"}), Choice("b", {"vi": "B", "en": "B"}, {"vi": "?"})),
        max_length=10,
    )
    rule = QUESTION_TYPES["single_choice"].problem
    assert rule(asks, "b", "x" * 11) == "answer.too_long"  # a text a choice asks: capped
    assert rule(asks, "b", "x" * 10) == ""


def test_an_answer_the_contract_refuses_is_a_kind_page_and_stores_nothing(tmp_path, caplog):
    from portal.web.steps import Turn, finish

    engine = make_portal_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    quick = form(QUICK_FORM)
    turn = Turn(engine, {(quick.id, quick.version)}, Guards(WebLimits()), "203.0.113.9")
    written = "X" * 70  # longer than the contract's dossier code
    state = SurveyState(
        "DNG-HC",
        "Q1",
        stage=QUICK,
        uuid=str(uuid.uuid4()),
        started=time.time(),
        dossier=written,
        answers={"verdict": ["satisfied", ""], "comment": ["", ""]},
        position=1,
        **SHIPPED,
    )
    try:
        with caplog.at_level(logging.ERROR, logger="portal"):
            page, _ = finish(turn, resume(engine, state), state)
        assert page.status == 422 and page.template == "message.html"
        assert page.context["title"] == "web.not_saved_title"
        assert str(page.context["restart_url"]).startswith(SURVEY_PATH)
        assert "dossier_code" in caplog.text and written not in caplog.text
        with engine.connect() as connection:
            assert connection.execute(select(func.count()).select_from(Answer)).scalar() == 0
    finally:
        engine.dispose()


def test_a_fields_text_comes_out_plain():
    from portal.web.survey import plain_text

    sent = "Chờ\x1b[2J\x07 lâu\r\nquá\rlâu\x7f\x85\x9b\u202e ngược\u2066\u2069\tthật\x0c"
    assert plain_text(sent) == "Chờ[2J lâu\nquá\nlâu ngược thật"
    assert plain_text("Rất tốt\nCảm ơn") == "Rất tốt\nCảm ơn"  # Vietnamese and breaks kept
