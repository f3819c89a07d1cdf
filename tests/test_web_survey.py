"""The web survey behind the counter posters, over HTTP against the real portal (a process
on loopback, its SQLite file read back): the poster's link, wrong links, signed state,
one verdict per dossier across kiosk and web, the sealed phone, rate limits, huge bodies,
and the answers as stored.

Each test speaks as its own client (X-Forwarded-For, which the portal believes from
loopback as from a reverse proxy) and with its own dossier codes, so that one portal
serves the module and the in-memory limits of one test do not touch another's.
"""

from __future__ import annotations

import base64
import html
import http.client
import itertools
import json
import re
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

import pytest
import requests
from nacl.public import PrivateKey, SealedBox
from sqlalchemy import create_engine, text

from contract.api import SURVEY_COUNTER_PARAM, SURVEY_PATH, SURVEY_UNIT_PARAM
from contract.signing import signed_headers
from portal.web.state import SurveyState, sign
from portal.web.words import word
from tests.conftest import ROOT
from tests.portal_support import Portal, run, start_portal

pytestmark = pytest.mark.slow

UNIT, COUNTERS = "DNG-HC", ("Q1", "Q2")
PHONE = "0938271605"
_codes = itertools.count(1)
_clients = itertools.count(10)


def said(key: str, language: str = "vi", **params: object) -> str:
    """The survey's words for `key` (the kiosk's or the web's own), as a page prints them."""
    return html.escape(word(language, key, **params))


def dossier() -> str:
    """A dossier code no other test uses, in the national system's style."""
    return f"000.00.12.H17-251126-{next(_codes):04d}"


@dataclass
class WebPortal:
    portal: Portal
    folder: Path

    @property
    def url(self) -> str:
        return self.portal.url

    def rows(self, dossier_code: str = "") -> list[dict]:
        """Stored answers (columns and payload), of one dossier or all, oldest first."""
        engine = create_engine(self.portal.db)
        query = text(
            "SELECT uuid, channel, received_from, unit_code, form_id, payload FROM answers "
            "WHERE CAST(payload AS TEXT) LIKE :code ORDER BY id"
        )
        try:
            with engine.connect() as connection:
                found = connection.execute(query, {"code": f"%{dossier_code}%"}).mappings().all()
        finally:
            engine.dispose()
        return [dict(row) | {"payload": _payload(row["payload"])} for row in found]

    def secret(self) -> bytes:
        from portal.store.engine import make_portal_engine
        from portal.store.settings import web_secret

        engine = make_portal_engine(self.portal.db)
        try:
            return web_secret(engine)
        finally:
            engine.dispose()


def _payload(value: object) -> dict:
    return json.loads(value) if isinstance(value, str) else dict(value)  # type: ignore[arg-type]


def start_web_portal(folder: Path, keys: bool = True, db: str = "") -> WebPortal:
    """A portal (on SQLite in `folder` unless `db` says otherwise) that knows unit DNG-HC
    with counters Q1 and Q2, with a keypair (the private key in folder/private.key) unless
    `keys` is False."""
    folder.mkdir(parents=True, exist_ok=True)
    db = db or f"sqlite:///{folder / 'portal.db'}"
    added = run("-m", "portal", "--db", db, "counter", "add", "--unit", UNIT, *COUNTERS)
    assert added.returncode == 0, added.stderr
    if keys:
        made = run("-m", "portal", "--db", db, "keys", "--private-out", str(folder / "private.key"))
        assert made.returncode == 0, made.stderr
    return WebPortal(start_portal(db, log=folder / "portal.log"), folder)


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = start_web_portal(tmp_path_factory.mktemp("web"))
    yield server
    server.portal.stop()


class Citizen:
    """One client of the survey, as a browser without JavaScript sends its forms."""

    def __init__(self, url: str, client: str = "") -> None:
        self.url = url
        self.headers = {"X-Forwarded-For": client or f"198.51.100.{next(_clients)}"}
        self.reply: requests.Response | None = None

    @property
    def page(self) -> str:
        assert self.reply is not None
        return self.reply.text

    @property
    def status(self) -> int:
        assert self.reply is not None
        return self.reply.status_code

    @property
    def state(self) -> str:
        found = re.search(r'name="state" value="([^"]+)"', self.page)
        assert found, self.page
        return found.group(1)

    def open(self, unit: str = UNIT, counter: str = "Q1", **query: str) -> Citizen:
        params = {SURVEY_UNIT_PARAM: unit, SURVEY_COUNTER_PARAM: counter} | query
        self.reply = requests.get(
            self.url + SURVEY_PATH, params=params, headers=self.headers, timeout=30
        )
        return self

    def send(self, *fields: tuple[str, str], state: str | None = None) -> Citizen:
        body = [("state", self.state if state is None else state), *fields]
        self.reply = requests.post(
            self.url + SURVEY_PATH, data=body, headers=self.headers, timeout=30
        )
        return self

    def identify(self, code: str, phone: str = "") -> Citizen:
        fields = [("dossier_code", code), ("go", "start")]
        return self.send(*fields, *([("phone", phone)] if phone else []))

    def answer(self, *values: str, other: str = "", go: str = "") -> Citizen:
        fields = [("value", value) for value in values]
        fields += [("other", other)] if other else []
        return self.send(*fields, *([("go", go)] if go else []))

    def quick(self, code: str, verdict: str = "satisfied", phone: str = "") -> Citizen:
        """The quick form, from the first page to the offer of the long form."""
        self.open().identify(code, phone)
        assert self.status == 200, self.page
        self.answer(verdict)
        if verdict == "satisfied":
            return self.answer("", go="next")  # the optional comment, left empty
        return self.answer("progress", go="next")


def test_the_poster_printed_from_the_shipped_config_opens_the_survey(web, tmp_path):
    from pyzbar import pyzbar

    from kiosk.config import load_config
    from kiosk.poster import draw_poster, survey_url

    config = load_config(ROOT / "config.yaml")
    template = urlsplit(config.survey_url)
    assert template.path == SURVEY_PATH
    assert set(parse_qs(template.query)) == {SURVEY_UNIT_PARAM, SURVEY_COUNTER_PARAM}
    url = survey_url(config, "Q2")
    [symbol] = pyzbar.decode(draw_poster(config, "Q2", url).convert("L"))
    printed = urlsplit(symbol.data.decode())
    assert printed.path == SURVEY_PATH
    query = {key: values[0] for key, values in parse_qs(printed.query).items()}
    assert query == {SURVEY_UNIT_PARAM: config.unit_code, SURVEY_COUNTER_PARAM: "Q2"}
    here = urlsplit(web.url)  # the city's host replaced by the test portal's
    reply = requests.get(urlunsplit((here.scheme, here.netloc, *printed[2:])), timeout=30)
    assert reply.status_code == 200
    assert "Mời ông/bà đánh giá mức độ hài lòng" in reply.text
    assert f"Đơn vị {config.unit_code} · Quầy Q2" in reply.text


@pytest.mark.parametrize(
    "unit, counter",
    [("DNG-XX", "Q1"), (UNIT, "Q9"), ("", ""), (UNIT, ""), ("x" * 300, "Q1")],
    ids=["unknown-unit", "unknown-counter", "no-parameters", "no-counter", "overlong"],
)
def test_a_link_the_portal_does_not_know_gets_a_kind_404(web, unit, counter):
    citizen = Citizen(web.url).open(unit, counter)
    assert citizen.status == 404
    assert citizen.reply.headers["content-type"].startswith("text/html")
    assert "Đường dẫn khảo sát chưa đúng" in citizen.page
    assert "Vui lòng quét lại mã QR dán tại quầy" in citizen.page
    assert 'name="state"' not in citizen.page  # no survey begins
    english = Citizen(web.url).open(unit, counter, lang="en")
    assert english.status == 404 and "This survey link is not right" in english.page


def test_a_forged_or_stale_state_gets_a_kind_page_and_stores_nothing(web):
    code = dossier()
    citizen = Citizen(web.url).open().identify(code)
    state = citizen.state
    payload, signature = state.split(".")
    data = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    data["counter"] = "Q2"  # a state changed by the browser
    forged = base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")
    other_key = sign(SurveyState(UNIT, "Q1", stage="quick", uuid=str(uuid.uuid4())), b"k" * 32)
    stale = sign(
        SurveyState(UNIT, "Q1", stage="quick", uuid=str(uuid.uuid4()), started=time.time()),
        web.secret(),
        now=time.time() - 2 * 3600,
    )
    for token in (f"{forged}.{signature}", other_key, "nonsense", "", stale):
        citizen.send(("value", "satisfied"), state=token)
        assert citizen.status == 400, token
        assert "Trang khảo sát đã hết hạn" in citizen.page
        assert "chưa có ý kiến nào được lưu" in citizen.page
    assert f'href="{SURVEY_PATH}?{SURVEY_UNIT_PARAM}={UNIT}&amp;' in citizen.page  # begin again
    assert web.rows(code) == []
    citizen.send(("value", "satisfied"), state=state)  # the genuine state still works
    assert citizen.status == 200 and "Các ý kiến góp ý khác" in citizen.page


def kiosk_batch(web: WebPortal, code: str) -> str:
    """A tablet of the unit delivers an answer with a verdict on `code`; its uuid."""
    out = web.folder / f"device-{uuid.uuid4().hex[:6]}.json"
    added = web.portal.portal(
        "device",
        "add",
        "--unit",
        UNIT,
        "--counter",
        "Q1",
        "--portal-url",
        web.url,
        "--out",
        str(out),
    )
    assert added.returncode == 0, added.stderr
    device = json.loads(out.read_text())
    answer_uuid = str(uuid.uuid4())
    answer = {
        "uuid": answer_uuid,
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": UNIT,
        "counter": "Q1",
        "device_id": device["device_id"],
        "officer": None,
        "started_at": "2026-11-23T01:00:00.000Z",
        "finished_at": "2026-11-23T01:00:40.000Z",
        "duration_ms": 40000,
        "id_method": "typed",
        "status": "complete",
        "verdict": "satisfied",
        "reasons": [],
        "comment": "",
        "answers": {"verdict": {"value": "satisfied", "other_text": ""}},
        "language": "vi",
        "dossier_code": code,
        "phone_hash": None,
        "citizen_id_hash": None,
        "personal_sealed": None,
    }
    body = json.dumps({"batch_id": str(uuid.uuid4()), "answers": [answer]}).encode()
    headers = signed_headers(
        device["device_id"], device["secret"], "POST", "/api/v1/batches", int(time.time()), body
    )
    headers["Content-Type"] = "application/json"
    reply = requests.post(web.url + "/api/v1/batches", data=body, headers=headers, timeout=30)
    assert reply.status_code == 201, reply.text
    assert reply.json()["results"][0]["status"] == "stored"
    return answer_uuid


def test_a_dossier_rated_on_a_kiosk_is_not_rated_again_on_the_web(web):
    code = dossier()
    kiosk_batch(web, code)
    citizen = Citizen(web.url).open().identify(code)
    assert citizen.status == 409
    assert said("rated.title") in citizen.page
    assert said("rated.body") in citizen.page
    assert [row["channel"] for row in web.rows(code)] == ["kiosk"]
    citizen.send(("go", "edit"))  # "correct what I typed": the code as typed, to change
    assert citizen.status == 200 and f'value="{code}"' in citizen.page


def test_a_dossier_rated_on_the_web_is_refused_again_and_flagged_when_a_kiosk_rates_it(web):
    code = dossier()
    Citizen(web.url).quick(code)
    again = Citizen(web.url).open().identify(code)
    assert again.status == 409 and said("rated.title") in again.page
    kiosk_batch(web, code)  # a tablet that was offline, delivering later
    rows = web.rows(code)
    assert [row["channel"] for row in rows] == ["web", "kiosk"]
    stats = web.portal.stats()
    [row] = [u for u in stats["units"] if u["unit_code"] == UNIT and u["form_id"] == "danang-2223"]
    assert row["flagged"].get("duplicate_dossier", 0) >= 1


def test_one_verdict_per_dossier_on_postgresql_too(postgres, tmp_path):
    database = postgres.new_database(f"web_{uuid.uuid4().hex[:12]}")
    city = start_web_portal(tmp_path, db=database)
    try:
        code = dossier()
        Citizen(city.url).quick(code, verdict="not_satisfied", phone=PHONE)
        assert Citizen(city.url).open().identify(code).status == 409
        kiosk_batch(city, dossier())
        other = dossier()
        kiosk_batch(city, other)
        assert Citizen(city.url).open().identify(other).status == 409
        [row] = city.rows(code)
        assert row["channel"] == "web" and row["payload"]["reasons"] == ["progress"]
        assert row["payload"]["personal_sealed"]
    finally:
        city.portal.stop()


def test_a_verdict_given_meanwhile_elsewhere_stops_the_second_one(web):
    code = dossier()
    first, second = Citizen(web.url), Citizen(web.url)
    first.open().identify(code)
    second.open().identify(code)  # both begin before either finished
    first.answer("satisfied").answer("", go="next")
    second.answer("not_satisfied").answer("progress", go="next")
    assert said("offer.question") in first.page
    assert second.status == 409 and said("rated.title") in second.page
    assert [row["payload"]["verdict"] for row in web.rows(code)] == ["satisfied"]


def test_the_quick_form_is_stored_as_a_tablet_stores_it_with_channel_web(web):
    code = dossier()
    citizen = Citizen(web.url).open().identify(code.lower())  # typed in small letters
    assert citizen.status == 200
    assert "Ông/bà có hài lòng với việc giải quyết thủ tục hành chính?" in citizen.page
    citizen.answer("not_satisfied")
    assert "Vui lòng lựa chọn nội dung ông bà “Chưa Hài lòng”" in citizen.page
    citizen.answer("progress", "other", go="next")  # "Lý do khác" with nothing written
    assert citizen.status == 422 and "Vui lòng ghi nội dung “Lý do khác”" in citizen.page
    citizen.answer("progress", "other", other="Phải chờ lâu\r\nquá ", go="next")
    assert citizen.status == 200 and said("offer.question") in citizen.page
    [row] = web.rows(code)
    payload = row["payload"]
    assert (row["channel"], row["received_from"], row["unit_code"]) == ("web", None, UNIT)
    assert payload["device_id"] == "web" and payload["counter"] == "Q1"
    assert payload["channel"] == "web" and payload["drawn"] is True and payload["follows"] is None
    assert payload["dossier_code"] == code  # upper-cased, as a tablet keeps it
    assert payload["verdict"] == "not_satisfied" and payload["status"] == "complete"
    assert payload["answers"] == {
        "verdict": {"value": "not_satisfied", "other_text": ""},
        "reasons": {"value": ["progress", "other"], "other_text": "Phải chờ lâu\nquá"},
    }
    assert payload["reasons"] == ["progress", "other"] and payload["comment"] == "Phải chờ lâu\nquá"
    assert payload["id_method"] == "typed" and payload["language"] == "vi"
    assert payload["flags"] == [] and payload["personal_sealed"] is None
    assert 0 < payload["duration_ms"] < 60_000
    citizen.send(("go", "no"))
    assert said("thanks.title") in citizen.page


def test_a_page_sent_twice_stores_one_answer(web):
    code = dossier()
    citizen = Citizen(web.url).open().identify(code)
    citizen.answer("satisfied")
    before_done = citizen.state
    citizen.answer("Rất tốt", go="next")
    citizen.send(("value", "Rất tốt"), ("go", "next"), state=before_done)  # sent again
    assert said("offer.question") in citizen.page
    assert len(web.rows(code)) == 1


def test_back_goes_as_on_the_kiosk_and_only_answers_that_apply_are_kept(web):
    code = dossier()
    citizen = Citizen(web.url).open().identify(code)
    citizen.answer("not_satisfied").answer(go="back")
    assert "Ông/bà có hài lòng" in citizen.page
    assert re.search(r'aria-pressed="true"[^>]*>\s*<span class="face"[^>]*>☹', citizen.page)
    citizen.answer(go="back")  # before the verdict: the dossier code, as typed
    assert 'id="dossier_code"' in citizen.page and f'value="{code}"' in citizen.page
    citizen.identify(code).answer("satisfied").answer("", go="next")
    [row] = web.rows(code)
    assert row["payload"]["answers"] == {
        "verdict": {"value": "satisfied", "other_text": ""},
        "comment": {"value": "", "other_text": ""},
    }


def test_wrong_input_is_said_in_the_citizens_words(web):
    citizen = Citizen(web.url).open()
    citizen.identify("12345")
    assert citizen.status == 422 and "Mã hồ sơ chưa đúng dạng" in citizen.page
    citizen.identify(dossier(), phone="0123")
    assert citizen.status == 422 and "đầu số phải là 03, 05, 07, 08 hoặc 09" in citizen.page
    english = Citizen(web.url).open(lang="en").identify("")
    assert "Please enter the dossier code" in english.page


def test_the_phone_is_sealed_to_the_portals_key_and_never_in_clear(web):
    code = dossier()
    citizen = Citizen(web.url).open()
    assert 'type="tel"' in citizen.page  # the portal has a key: the phone may be given
    citizen.identify(code, phone="093 827 1605")
    assert PHONE not in citizen.page and PHONE not in base64.urlsafe_b64decode(
        citizen.state.split(".")[0] + "=="
    ).decode(errors="replace")
    citizen.answer("satisfied").answer("", go="next").send(("go", "no"))
    [row] = web.rows(code)
    sealed = base64.b64decode(row["payload"]["personal_sealed"])
    private = PrivateKey(base64.b64decode((web.folder / "private.key").read_text()))
    assert json.loads(SealedBox(private).decrypt(sealed)) == {"phone": PHONE}
    for path in web.folder.iterdir():  # the database, its WAL, the portal's log
        if path.is_file():
            content = path.read_bytes()
            for secret in (PHONE, PHONE[1:], "093 827 1605"):
                assert secret.encode() not in content, f"{secret} in {path.name}"


def test_without_a_portal_key_no_phone_is_asked(tmp_path):
    bare = start_web_portal(tmp_path, keys=False)
    try:
        citizen = Citizen(bare.url).open()
        assert citizen.status == 200 and 'type="tel"' not in citizen.page
        citizen.identify(dossier(), phone=PHONE)  # sent anyway: not read
        citizen.answer("satisfied").answer("", go="next")
        [row] = bare.rows()
        assert row["payload"]["personal_sealed"] is None
        assert PHONE.encode() not in (tmp_path / "portal.db").read_bytes()
    finally:
        bare.portal.stop()


def test_a_dossier_tried_too_often_gets_429_in_vietnamese(web):
    code = dossier()
    Citizen(web.url).quick(code)  # one try: rated
    for _ in range(4):  # four more tries, from other phones: "already rated"
        assert Citizen(web.url).open().identify(code).status == 409
    phone = Citizen(web.url)  # a dossier's tries count per phone: others' tries lock no one
    for _ in range(5):  # out (test_web_survey_probe.py); this phone's five: "already rated"
        assert phone.open().identify(code).status == 409
    refused = phone.open().identify(code)
    assert refused.status == 429
    assert int(refused.reply.headers["Retry-After"]) > 0
    assert "Ông/bà đã gửi quá nhiều lần" in refused.page
    assert "Vui lòng thử lại sau khoảng" in refused.page


def test_a_client_may_begin_only_so_many_surveys_and_open_only_so_many_pages(web):
    citizen = Citizen(web.url)
    for _ in range(20):
        assert citizen.open().identify(dossier()).status == 200
    assert citizen.open().identify(dossier()).status == 429
    assert Citizen(web.url).open().identify(dossier()).status == 200  # another client
    pages = Citizen(web.url)
    statuses = [pages.open().status for _ in range(301)]
    assert statuses[:300] == [200] * 300 and statuses[300] == 429
    assert "Ông/bà đã gửi quá nhiều lần" in pages.page


def test_answers_seconds_apart_from_one_client_are_flagged_as_on_a_kiosk(web):
    citizen = Citizen(web.url)
    first, second = dossier(), dossier()
    citizen.quick(first)
    citizen.quick(second)  # within 10 s of the first: too_soon, as on a tablet
    flags = {
        row["payload"]["dossier_code"]: row["payload"]["flags"]
        for row in [*web.rows(first), *web.rows(second)]
    }
    assert flags == {first: [], second: ["too_soon"]}


def raw_request(url: str, head: str, body: bytes = b"") -> tuple[int, dict[str, str], bytes]:
    """Send a request as written (headers and a body that may not match them)."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.connect()
    connection.sock.sendall(head.encode() + body)
    response = http.client.HTTPResponse(connection.sock)
    response.begin()
    data = response.read()
    headers = {k.lower(): v for k, v in response.getheaders()}
    connection.close()
    return response.status, headers, data


def test_a_huge_body_is_refused_before_it_is_read(web):
    announced = (
        f"POST {SURVEY_PATH} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        f"Content-Length: {1024**3}\r\n\r\n"
    )
    started = time.monotonic()
    status, headers, body = raw_request(web.url, announced)  # headers only: 1 GiB announced
    assert status == 413 and time.monotonic() - started < 5
    assert headers.get("connection") == "close"
    assert "Nội dung gửi quá dài" in body.decode()
    chunked = (
        f"POST {SURVEY_PATH} HTTP/1.1\r\nHost: x\r\n"
        "Content-Type: application/x-www-form-urlencoded\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    chunk = b"a" * 40_000
    status, _, body = raw_request(web.url, chunked, b"%x\r\n%s\r\n" % (len(chunk), chunk))
    assert status == 413 and "Nội dung gửi quá dài" in body.decode()
    reply = requests.post(
        web.url + SURVEY_PATH, files={"state": ("f", b"x")}, timeout=30
    )  # multipart: not a form this survey sends
    assert reply.status_code == 415 and "Không đọc được nội dung gửi" in reply.text


def test_pages_carry_no_script_and_may_not_be_framed_or_cached(web):
    reply = Citizen(web.url).open().reply
    policy = reply.headers["content-security-policy"]
    assert "default-src 'none'" in policy and "frame-ancestors 'none'" in policy
    assert "<script" not in reply.text.lower()
    assert reply.headers["cache-control"] == "no-store"
    style = re.search(r'href="([^"]+\.css[^"]*)"', reply.text).group(1)
    css = requests.get(web.url + style.replace("&amp;", "&"), timeout=30)
    assert css.status_code == 200 and css.headers["content-type"].startswith("text/css")
