"""Re-verification (phúc tra) over HTTP on the real portal, and its store on SQLite and
PostgreSQL: the province draws a sample once (reproducible from its seed), only a
re-verifier of the unit opens a sampled answer's sealed phone (audited, stored nowhere),
outcomes are recorded, a disowned answer is flagged out of the report, and the
confirmation rate reaches the report and the pages.
"""

from __future__ import annotations

import base64
import json
import random
import re
import sqlite3
import uuid
from datetime import date, datetime, time, timedelta, timezone
from pathlib import Path

import pytest
import requests
from nacl.public import PrivateKey, PublicKey, SealedBox

from portal.api.app import known_forms
from portal.api.report_models import Report
from portal.dashboard import verification_store as store
from portal.intake import store_channel_answers
from portal.reports.compute import build_report
from portal.reports.request import ReportRequest, parse_period
from portal.reports.text import report_text
from portal.schemas import AnswerIn
from portal.store.engine import make_portal_engine
from portal.store.settings import public_key, set_public_key
from tests.dashboard_support import (
    PASSWORD,
    VIETNAM,
    _run_with_stdin,
    csrf_of,
    start_dashboard,
)
from tests.portal_support import start_portal

HOME = "/quan-tri/phuc-tra"
# A month well before the demo answers (the last 90 days): its answers are this file's own,
# with phones the tests know.
MONTH = date(date.today().year - 2, 3, 1)
PERIOD = f"{MONTH:%m/%Y}"
PHONES = [f"0987{n:06d}" for n in range(314150, 314162)]  # 12 demo numbers


def known_answer(
    box: SealedBox,
    unit: str,
    day: date,
    phone: str,
    verdict: str = "satisfied",
    flags: tuple[str, ...] = (),
) -> AnswerIn:
    """A quick-form answer finished on `day`, its phone sealed as a tablet seals it."""
    finished = datetime.combine(day, time(9, 30), VIETNAM)
    sealed = box.encrypt(json.dumps({"phone": phone}).encode()) if phone else None
    reasons = [] if verdict == "satisfied" else ["progress"]
    answers: dict[str, object] = {"verdict": {"value": verdict, "other_text": ""}}
    if reasons:
        answers["reasons"] = {"value": reasons, "other_text": ""}
    body = {
        "uuid": str(uuid.uuid4()),
        "sequence": 1,
        "form_id": "danang-2223",
        "form_version": 1,
        "unit_code": unit,
        "counter": "Q1",
        "device_id": "web",
        "officer": None,
        "started_at": finished - timedelta(seconds=40),
        "finished_at": finished,
        "duration_ms": 40_000,
        "id_method": "none",
        "status": "complete",
        "verdict": verdict,
        "reasons": reasons,
        "comment": "",
        "answers": answers,
        "language": "vi",
        "channel": "web",
        "personal_sealed": base64.b64encode(sealed).decode() if sealed else None,
        "flags": list(flags),
    }
    return AnswerIn.model_validate(body)


def store_known(engine, unit: str = "DNG-HC") -> dict[str, str]:
    """MONTH's answers of `unit`: one per phone in PHONES (every third not satisfied), and
    two that may not be sampled (flagged; no phone). Returns {uuid: phone} of the first."""
    box = SealedBox(PublicKey(base64.b64decode(public_key(engine))))
    made, phones = [], {}
    for number, phone in enumerate(PHONES):
        verdict = "not_satisfied" if number % 3 == 2 else "satisfied"
        answer = known_answer(box, unit, MONTH + timedelta(days=number), phone, verdict)
        made.append(answer)
        phones[answer.uuid] = phone
    made.append(known_answer(box, unit, MONTH + timedelta(days=3), "0987999001", flags=("burst",)))
    made.append(known_answer(box, unit, MONTH + timedelta(days=4), ""))
    fates = store_channel_answers(engine, made, str(uuid.uuid4()), known_forms())
    assert all(fate.status == "stored" for fate in fates), fates
    return phones


@pytest.fixture(scope="module")
def dash(tmp_path_factory):
    server = start_dashboard(tmp_path_factory.mktemp("verification"))
    added = _run_with_stdin(
        server.portal.db,
        ["user", "add", "phuctra-tk", "--role", "verifier", "--unit", "DNG-TK"],
        PASSWORD,
    )
    assert added.returncode == 0, added.stderr
    engine = make_portal_engine(server.portal.db)
    server.phones = store_known(engine)  # type: ignore[attr-defined]
    engine.dispose()
    yield server
    server.stop()


def db_rows(dash, query: str, *params) -> list[tuple]:
    with sqlite3.connect(dash.portal.db.split("///", 1)[1]) as connection:
        return connection.execute(query, params).fetchall()


def sign_in_as(dash, name: str) -> requests.Session:
    session = requests.Session()
    reply = session.post(
        f"{dash.url}/quan-tri/dang-nhap",
        data={"name": name, "password": PASSWORD, "next": ""},
        allow_redirects=False,
        timeout=30,
    )
    assert reply.status_code == 303
    return session


def token_of(dash, session: requests.Session) -> str:
    """The session's CSRF token, off its first page (the sign-out form carries it)."""
    return csrf_of(session.get(dash.url + "/quan-tri/", timeout=30).text)


def draw(dash, session: requests.Session, period: str, size: str, unit: str = "DNG-HC"):
    token = token_of(dash, session)
    return session.post(
        dash.url + HOME,
        data={"csrf": token, "unit": unit, "period": period, "size": size},
        allow_redirects=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def drawn(dash) -> int:
    """The province's sample of MONTH at DNG-HC: half of its 12 answers with a phone."""
    reply = draw(dash, dash.signed_in("province"), PERIOD, "50%")
    assert reply.status_code == 303, reply.text
    found = re.fullmatch(rf"{HOME}/(\d+)\?moi=1", reply.headers["location"])
    assert found, reply.headers["location"]
    return int(found[1])


def sampled(dash, sample_id: int) -> list[str]:
    rows = db_rows(
        dash,
        "SELECT answer_uuid FROM verification_items WHERE sample_id = ? ORDER BY position",
        sample_id,
    )
    return [row[0] for row in rows]


def open_phone(dash, session: requests.Session, sample_id: int, answer: str, csrf: bool = True):
    token = token_of(dash, session) if csrf else ""
    return session.post(
        f"{dash.url}{HOME}/{sample_id}/{answer}/mo-so",
        data={"csrf": token},
        allow_redirects=False,
        timeout=30,
    )


def record(dash, session, sample_id: int, answer: str, outcome: str, verdict: str = ""):
    token = token_of(dash, session)
    return session.post(
        f"{dash.url}{HOME}/{sample_id}/{answer}/ket-qua",
        data={"csrf": token, "outcome": outcome, "verdict": verdict},
        allow_redirects=False,
        timeout=30,
    )


def report_of(dash) -> dict:
    period = parse_period(PERIOD)
    engine = make_portal_engine(dash.portal.db)
    try:
        asked = ReportRequest(
            units=("DNG-HC",), start=period.start, end=period.end, period_label=period.label
        )
        return build_report(engine, asked)
    finally:
        engine.dispose()


# --- who may do what ---------------------------------------------------------------------


def test_the_list_asks_to_sign_in_and_refuses_it(dash):
    reply = requests.get(dash.url + HOME, allow_redirects=False, timeout=30)
    assert reply.status_code == 303 and "/quan-tri/dang-nhap" in reply.headers["location"]
    assert dash.signed_in("it").get(dash.url + HOME, timeout=30).status_code == 403
    province = dash.signed_in("province").get(dash.url + HOME, timeout=30)
    assert province.status_code == 200 and "Rút mẫu mới" in province.text
    assert "có để lại số điện thoại" in province.text  # who can be called, said on the page
    for role in ("unit_head", "verifier"):
        reply = dash.signed_in(role).get(dash.url + HOME, timeout=30)
        assert reply.status_code == 200 and "Rút mẫu mới" not in reply.text, role


def test_only_the_province_draws_and_only_with_its_token(dash):
    for role in ("unit_head", "verifier"):
        assert draw(dash, dash.signed_in(role), PERIOD, "5%").status_code == 403, role
    province = dash.signed_in("province")
    bare = province.post(
        dash.url + HOME, data={"unit": "DNG-HC", "period": PERIOD, "size": "5%"}, timeout=30
    )
    assert bare.status_code == 403
    assert not db_rows(dash, "SELECT id FROM verification_samples WHERE unit_code = 'DNG-LC'")


@pytest.mark.parametrize(
    ("unit", "period", "size", "said"),
    [
        ("DNG-LC", "tháng sau", "5%", "Không đọc được kỳ báo cáo"),
        ("DNG-LC", "2024-01", "0%", "Cỡ mẫu ghi theo phần trăm"),
        ("DNG-LC", "2024-01", "năm phiếu", "Cỡ mẫu ghi theo phần trăm"),
        ("NOWHERE", "2024-01", "5%", "Vui lòng chọn một đơn vị"),
        ("DNG-LC", f"{date.today():%m/%Y}", "5%", "chưa kết thúc"),
        ("DNG-LC", "2001", "5%", "không có phiếu hợp lệ nào để lại số điện thoại"),
    ],
)
def test_a_draw_that_will_not_do_says_why(dash, unit, period, size, said):
    reply = draw(dash, dash.signed_in("province"), period, size, unit)
    assert reply.status_code == 400
    assert said in reply.text
    assert 'role="alert"' in reply.text and f'value="{size}"' in reply.text  # kept to fix


# --- drawing -----------------------------------------------------------------------------


def test_the_sample_is_the_seeds_draw_over_the_answers_with_a_phone(dash, drawn):
    ((seed, population, size, drawn_by),) = db_rows(
        dash,
        "SELECT seed, population, size, drawn_by FROM verification_samples WHERE id = ?",
        drawn,
    )
    assert (population, size, drawn_by) == (12, 6, "tinh")  # not the flagged, not phoneless
    # Anyone can draw it again: Python's Random, seeded so, over the sorted UUIDs.
    expected = random.Random(seed).sample(sorted(dash.phones), 6)
    assert sampled(dash, drawn) == expected
    assert store.draw(dash.phones, seed, 6) == expected  # the same seed, the same sample
    page = dash.signed_in("province").get(f"{dash.url}{HOME}/{drawn}", timeout=30).text
    assert seed in page and "12 phiếu hợp lệ có để lại số điện thoại" in page
    assert not any(phone in page for phone in PHONES)
    event = db_rows(
        dash,
        "SELECT user_name, unit_code, detail FROM dashboard_events WHERE action = ?",
        "sample_drawn",
    )
    assert event == [("tinh", "DNG-HC", f"mẫu {drawn}, tháng {PERIOD}, cỡ mẫu 50%")]


def test_drawing_again_gives_back_the_sample_kept(dash, drawn):
    before = sampled(dash, drawn)
    again = draw(dash, dash.signed_in("province"), f"{MONTH:%Y-%m}", "100%")
    assert again.status_code == 303
    assert again.headers["location"] == f"{HOME}/{drawn}?da-co=1"
    assert sampled(dash, drawn) == before
    count = db_rows(dash, "SELECT count(*) FROM verification_samples WHERE unit_code='DNG-HC'")
    assert count == [(1,)]
    page = dash.signed_in("province").get(dash.url + again.headers["location"], timeout=30)
    assert "đây là mẫu đã rút" in page.text


def test_a_sample_of_a_unit_not_given_is_not_found(dash, drawn):
    assert dash.signed_in("unit_head").get(f"{dash.url}{HOME}/{drawn}", timeout=30).ok
    other = sign_in_as(dash, "phuctra-tk")
    assert other.get(f"{dash.url}{HOME}/{drawn}", timeout=30).status_code == 404
    assert f"{HOME}/{drawn}" not in other.get(dash.url + HOME, timeout=30).text
    assert dash.signed_in("it").get(f"{dash.url}{HOME}/{drawn}", timeout=30).status_code == 403
    assert dash.signed_in("province").get(f"{dash.url}{HOME}/99999", timeout=30).status_code == 404


# --- opening a phone ---------------------------------------------------------------------


def test_only_the_units_verifier_opens_a_sampled_phone(dash, drawn):
    first = sampled(dash, drawn)[0]
    assert open_phone(dash, dash.signed_in("province"), drawn, first).status_code == 403
    assert open_phone(dash, dash.signed_in("unit_head"), drawn, first).status_code == 403
    assert open_phone(dash, dash.signed_in("it"), drawn, first).status_code == 403
    assert open_phone(dash, sign_in_as(dash, "phuctra-tk"), drawn, first).status_code == 404
    verifier = dash.signed_in("verifier")
    assert open_phone(dash, verifier, drawn, first, csrf=False).status_code == 403
    left_out = next(u for u in dash.phones if u not in sampled(dash, drawn))
    assert open_phone(dash, verifier, drawn, left_out).status_code == 404
    assert open_phone(dash, verifier, drawn, str(uuid.uuid4())).status_code == 404
    opened = db_rows(dash, "SELECT count(*) FROM dashboard_events WHERE action='phone_opened'")
    assert opened == [(0,)]


def test_the_verifier_sees_the_phone_and_it_is_kept_nowhere(dash, drawn):
    chosen = sampled(dash, drawn)[1]
    phone = dash.phones[chosen]
    started = datetime.now(timezone.utc).replace(tzinfo=None) - timedelta(seconds=5)
    reply = open_phone(dash, dash.signed_in("verifier"), drawn, chosen)
    assert reply.status_code == 200
    assert f'href="tel:{phone}"' in reply.text and reply.text.count(phone) == 2
    assert reply.headers["cache-control"] == "no-store"
    assert "Kết quả cuộc gọi" in reply.text  # recorded from the same page after the call
    ((user, unit, detail, at),) = db_rows(
        dash,
        "SELECT user_name, unit_code, detail, at FROM dashboard_events WHERE action = ?",
        "phone_opened",
    )
    assert (user, unit, detail) == ("phuctra-hc", "DNG-HC", f"mẫu {drawn}, phiếu {chosen}")
    assert datetime.fromisoformat(at) >= started
    count = db_rows(
        dash,
        "SELECT opened_count FROM verification_items WHERE sample_id=? AND answer_uuid=?",
        drawn,
        chosen,
    )
    assert count == [(1,)]
    # Not in the database (its WAL too), not in the portal's log, nowhere in the folder.
    files = [path for path in Path(dash.folder).rglob("*") if path.is_file()]
    assert any(path.name == "portal.log" for path in files)
    assert any(path.name.startswith("portal.db") for path in files)
    for path in files:
        assert phone.encode() not in path.read_bytes(), path


def test_without_a_private_key_the_page_says_what_to_do(tmp_path):
    server = start_dashboard(tmp_path / "nokey", answers=False)
    try:
        engine = make_portal_engine(server.portal.db)
        store_known(engine)
        engine.dispose()
        reply = draw(server, server.signed_in("province"), PERIOD, "3")
        sample_id = int(reply.headers["location"].split("/")[-1].split("?")[0])
        answer = sampled(server, sample_id)[0]
        server.portal.stop()
        plain = tmp_path / "nokey" / "plain.yaml"
        plain.write_text("dashboard:\n  lockout_attempts: 5\n", encoding="utf-8")
        server.portal = start_portal(
            server.portal.db, log=tmp_path / "nokey" / "again.log", options=("--config", str(plain))
        )
        opened = open_phone(server, server.signed_in("verifier"), sample_id, answer)
        assert opened.status_code == 409
        assert "chưa được cấu hình khóa riêng" in opened.text
        assert "dashboard.private_key" in opened.text
        assert not db_rows(server, "SELECT id FROM dashboard_events WHERE action='phone_opened'")
    finally:
        server.stop()


# --- outcomes ----------------------------------------------------------------------------


def test_only_the_verifier_records_and_bad_outcomes_are_refused(dash, drawn):
    first = sampled(dash, drawn)[0]
    for role in ("province", "unit_head"):
        assert record(dash, dash.signed_in(role), drawn, first, "confirmed").status_code == 403
    assert (
        record(dash, sign_in_as(dash, "phuctra-tk"), drawn, first, "confirmed").status_code == 404
    )
    verifier = dash.signed_in("verifier")
    bare = verifier.post(
        f"{dash.url}{HOME}/{drawn}/{first}/ket-qua", data={"outcome": "confirmed"}, timeout=30
    )
    assert bare.status_code == 403
    wrong = record(dash, verifier, drawn, first, "maybe")
    assert wrong.status_code == 400 and "Vui lòng chọn kết quả cuộc gọi" in wrong.text
    unsaid = record(dash, verifier, drawn, first, "disputed")
    assert unsaid.status_code == 400 and "chọn đánh giá mà công dân cho biết" in unsaid.text
    left_out = next(u for u in dash.phones if u not in sampled(dash, drawn))
    assert record(dash, verifier, drawn, left_out, "confirmed").status_code == 404
    assert not db_rows(dash, "SELECT id FROM dashboard_events WHERE action='outcome_recorded'")


def test_a_disowned_answer_leaves_the_report_and_the_rate_is_shown(dash, drawn):
    first, second, third = sampled(dash, drawn)[2:5]
    verdict = dict(
        db_rows(dash, "SELECT uuid, verdict FROM answers WHERE uuid IN (?, ?)", first, second)
    )
    other = "satisfied" if verdict[second] == "not_satisfied" else "not_satisfied"
    before = report_of(dash)
    verifier = dash.signed_in("verifier")
    assert record(dash, verifier, drawn, first, "confirmed").status_code == 303
    said = record(dash, verifier, drawn, second, "disputed", other)
    assert said.status_code == 303 and said.headers["location"].startswith(f"{HOME}/{drawn}?ghi=")
    assert record(dash, verifier, drawn, third, "unreachable").status_code == 303
    after = report_of(dash)
    assert after["answers"]["counted"] == before["answers"]["counted"] - 1
    assert after["answers"]["flagged"] == before["answers"]["flagged"] + 1
    assert after["answers"]["flagged_by"]["disowned"] == 1
    assert db_rows(dash, "SELECT flags FROM answers WHERE uuid = ?", second) == [("disowned",)]
    flagged = db_rows(
        dash,
        "SELECT DISTINCT c.flagged FROM answer_choices c JOIN answers a ON a.id = c.answer_id "
        "WHERE a.uuid = ?",
        second,
    )
    assert flagged == [(1,)]  # the choices too: every table leaves it out
    Report.model_validate(after)
    (row,) = after["verification"]["samples"]
    assert (row["sampled"], row["called"], row["reached"]) == (6, 3, 2)
    assert (row["confirmed"], row["disputed"], row["disowned"], row["percent"]) == (1, 1, 1, 50.0)
    assert "÷" in after["verification"]["formula"]
    text = report_text(after)
    assert "tỷ lệ xác nhận 50,00%" in text and "người dân không nhận đánh giá" in text
    listing = dash.signed_in("unit_head").get(dash.url + HOME, timeout=30).text
    assert "50,00%" in listing and "Rút mẫu mới" not in listing
    sample_page = dash.signed_in("province").get(f"{dash.url}{HOME}/{drawn}", timeout=30).text
    assert "Công dân nói khác" in sample_page and "Đã gắn cờ, không tính" in sample_page
    recorded = db_rows(
        dash,
        "SELECT user_name, detail FROM dashboard_events "
        "WHERE action = 'outcome_recorded' ORDER BY id",
    )
    assert [user for user, _ in recorded] == ["phuctra-hc"] * 3
    assert recorded[1][1] == f"mẫu {drawn}, phiếu {second}: disputed, gắn cờ disowned"

    # Recorded again (a mistake put right): the outcome replaced, the flag taken off.
    assert record(dash, verifier, drawn, second, "confirmed").status_code == 303
    again = report_of(dash)
    assert again["answers"]["counted"] == before["answers"]["counted"]
    assert db_rows(dash, "SELECT flags FROM answers WHERE uuid = ?", second) == [("",)]
    assert again["verification"]["samples"][0]["percent"] == 100.0
    assert (
        len(db_rows(dash, "SELECT id FROM dashboard_events WHERE action='outcome_recorded'")) == 4
    )


# --- the store, on SQLite and PostgreSQL -------------------------------------------------


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"ver_{uuid.uuid4().hex[:12]}")
    made = make_portal_engine(url)
    set_public_key(made, base64.b64encode(bytes(PrivateKey.generate().public_key)).decode())
    yield made
    made.dispose()


def test_the_store_draws_once_from_the_seed(engine):
    phones = store_known(engine)
    store_known(engine, "DNG-TK")  # another unit's answers are not this one's population
    period = parse_period(PERIOD)
    assert period.start and period.end
    with engine.connect() as connection:
        assert store.population(connection, "DNG-HC", period.start, period.end) == sorted(phones)
    first = store.draw_sample(engine, "DNG-HC", period, store.parse_size("5"), "tinh", "hat-giong")
    again = store.draw_sample(engine, "DNG-HC", period, store.parse_size("100%"), "tinh")
    assert first.new and not again.new and again.sample_id == first.sample_id
    (sample,) = store.samples(engine, frozenset({"DNG-HC"}))
    assert (sample.seed, sample.size, sample.population) == ("hat-giong", 5, 12)
    drawn = [item.uuid for item in store.items(engine, first.sample_id)]
    assert drawn == random.Random("hat-giong").sample(sorted(phones), 5)
    assert store.draw(phones, "hat-giong", 5) == drawn != store.draw(phones, "hat-giong2", 5)
    assert store.samples(engine, frozenset({"DNG-TK"})) == []


def test_the_store_flags_a_disowned_answer_and_takes_the_flag_off(engine):
    store_known(engine)
    period = parse_period(PERIOD)
    drawn = store.draw_sample(engine, "DNG-HC", period, store.parse_size("100%"), "tinh")
    items = store.items(engine, drawn.sample_id)
    target = next(item for item in items if item.verdict == "Hài lòng")
    asked = ReportRequest(units=("DNG-HC",), start=period.start, end=period.end)
    counted = build_report(engine, asked)["answers"]["counted"]
    same = store.record_outcome(
        engine, drawn.sample_id, target.uuid, "disputed", "satisfied", "phuctra-hc"
    )
    assert not same  # said otherwise, but the same verdict: not disowned
    assert build_report(engine, asked)["answers"]["counted"] == counted
    assert store.record_outcome(
        engine, drawn.sample_id, target.uuid, "disputed", "not_satisfied", "phuctra-hc"
    )
    report = build_report(engine, asked)
    assert report["answers"]["counted"] == counted - 1
    assert report["answers"]["flagged_by"] == {"burst": 1, "disowned": 1}
    assert report["verification"]["samples"][0]["disowned"] == 1
    store.record_outcome(engine, drawn.sample_id, target.uuid, "declined", "", "phuctra-hc")
    report = build_report(engine, asked)
    assert report["answers"]["counted"] == counted
    row = report["verification"]["samples"][0]
    assert (row["called"], row["reached"], row["percent"]) == (1, 0, None)
    with pytest.raises(store.NotInSample):
        store.record_outcome(engine, drawn.sample_id, str(uuid.uuid4()), "confirmed", "", "x")


@pytest.mark.parametrize(
    ("text", "population", "size"),
    [
        ("5%", 12, 1),
        ("50%", 12, 6),
        ("2,5 %", 200, 5),
        ("100%", 7, 7),
        ("20", 12, 12),
        ("3", 12, 3),
    ],
)
def test_a_size_is_a_share_or_a_number(text, population, size):
    assert store.parse_size(text).of(population) == size


@pytest.mark.parametrize("text", ["", "0", "0%", "101%", "-5", "năm", "5%%"])
def test_a_size_that_will_not_do_is_refused(text):
    with pytest.raises(store.VerificationError, match="Cỡ mẫu"):
        store.parse_size(text)


def test_a_sample_period_is_named_as_reports_name_it():
    assert store.period_label(date(2025, 3, 1), date(2025, 3, 31)) == "tháng 03/2025"
    assert store.period_label(date(2025, 7, 1), date(2025, 9, 30)) == "quý III/2025"
    assert store.period_label(date(2025, 1, 1), date(2025, 12, 31)) == "năm 2025"
    assert store.period_label(date(2025, 1, 1), date(2025, 6, 30)) == "6 tháng đầu năm 2025"
