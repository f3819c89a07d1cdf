""" "Tra cứu hồ sơ" at the kiosk.

The client alone (kiosk/dossier_lookup.py) against a server on loopback that answers as
the portal would, or as whatever stands between a tablet and the portal (a Wi-Fi login
page, a proxy, a balancer): only the portal's own answer is believed; anything else is
"offline", never "unknown". The core keeps a count and nothing else. Then the real kiosk
window against the real portal on loopback: each status, an unknown code, a portal that
is gone, and the idle wipe.
"""

from __future__ import annotations

import hashlib
import http.server
import json
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pytest

from contract.api import DOSSIER_LOOKUP_PATH, error_body
from contract.dossiers import PROCESSING, RETURNED, DossierView
from contract.enrolment import Enrolment
from contract.signing import HEADER_DEVICE, HEADER_SIGNATURE, HEADER_TIMESTAMP, verify
from kiosk.dossier_lookup import NOT_ENROLLED, NOT_KEPT, OFFLINE, UNKNOWN, lookup
from tests.fault_proxy import MIDDLEBOX_FACES
from tests.lookup_support import (
    APOLOGY,
    CASES,
    PREFIX,
    LookupPortal,
    look_up,
    portal_with_dossiers,
)
from tests.lookup_support import code_of as _code
from tests.portal_support import free_port

SECRET = "s" * 43
CODE = "000.00.12.H17-261120-0001"
DOSSIER = DossierView(
    code=CODE,
    procedure="Cấp bản sao trích lục hộ tịch",
    field="Hộ tịch",
    received_at=datetime(2026, 11, 20, 8, 30),
    appointment_at=datetime(2026, 11, 25, 16, 0),
    returned_at=None,
    status=PROCESSING,
    late=False,
    delay_days=0,
)


@dataclass
class Reply:
    status: int = 200
    content_type: str = "application/json"
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0


def as_json(body: object, status: int = 200) -> Reply:
    return Reply(status, "application/json", json.dumps(body).encode())


@dataclass
class Asked:
    path: str
    headers: dict[str, str]
    body: bytes


class FakePortal:
    """Answers each POST with the next reply given (the last one again when they run out),
    and keeps what was asked."""

    def __init__(self, *replies: Reply):
        self.replies = list(replies)
        self.asked: list[Asked] = []
        fake = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                fake.asked.append(Asked(self.path, dict(self.headers), body))
                reply = fake.replies.pop(0) if len(fake.replies) > 1 else fake.replies[0]
                time.sleep(reply.delay_s)
                self.send_response(reply.status)
                self.send_header("Content-Type", reply.content_type)
                self.send_header("Content-Length", str(len(reply.body)))
                for name, value in reply.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(reply.body)

            def log_message(self, *_args):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def fake_portal() -> Iterator:
    made: list[FakePortal] = []

    def make(*replies: Reply) -> tuple[FakePortal, Enrolment]:
        fake = FakePortal(*replies)
        made.append(fake)
        return fake, enrolment_for(fake.url)

    yield make
    for fake in made:
        fake.close()


def enrolment_for(url: str) -> Enrolment:
    return Enrolment(url, "kiosk-test-1", SECRET, "DNG-HC", "Q1")


# --- the client alone ---------------------------------------------------------------


def test_a_dossier_found_is_read_and_the_question_was_signed_as_sync_signs(fake_portal):
    fake, enrolment = fake_portal(as_json(DOSSIER.to_json()))
    typed = " \uff10\uff10\uff10.00.12.h17-261120-0001 "  # full-width digits, lower case
    result = lookup(enrolment, typed)
    assert (result.dossier, result.reason) == (DOSSIER, "")
    [asked] = fake.asked
    assert asked.path == DOSSIER_LOOKUP_PATH
    assert json.loads(asked.body) == {"code": CODE}  # contract.wire.canonical_dossier
    assert asked.headers["Content-Type"] == "application/json"
    assert "Content-Encoding" not in asked.headers
    assert asked.headers[HEADER_DEVICE] == "kiosk-test-1"
    timestamp = int(asked.headers[HEADER_TIMESTAMP])
    digest = hashlib.sha256(asked.body).hexdigest()
    signature = asked.headers[HEADER_SIGNATURE]
    check = verify(SECRET, "POST", DOSSIER_LOOKUP_PATH, timestamp, digest, signature, time.time())
    assert check == ""
    assert verify("x" * 43, "POST", DOSSIER_LOOKUP_PATH, timestamp, digest, signature, time.time())


def test_found_false_is_unknown(fake_portal):
    _fake, enrolment = fake_portal(as_json({"found": False}))
    result = lookup(enrolment, CODE)
    assert (result.dossier, result.reason) == (None, UNKNOWN)


def test_a_unit_whose_dossiers_the_portal_keeps_none_of_is_not_told_unknown(fake_portal):
    _fake, enrolment = fake_portal(as_json({"found": False, "kept": False}))
    result = lookup(enrolment, CODE)
    assert (result.dossier, result.reason) == (None, NOT_KEPT)


@pytest.mark.parametrize("face", sorted(MIDDLEBOX_FACES))
def test_whatever_answers_instead_of_the_portal_is_offline_never_unknown(fake_portal, face):
    status, content_type, body = MIDDLEBOX_FACES[face]
    _fake, enrolment = fake_portal(Reply(status, content_type, body))
    assert lookup(enrolment, CODE).reason == OFFLINE


@pytest.mark.parametrize(
    "reply",
    [
        as_json({"found": "no"}),  # a gateway's JSON of another shape
        as_json({"status": "ok"}),
        as_json({"found": True, "code": CODE}),  # cut short
        as_json({**DOSSIER.to_json(), "status": "lost"}),
        Reply(200, "application/json", b'{"found": fal'),  # truncated
        Reply(302, "text/html", b"", {"Location": "http://login.example/"}),  # a login page
        as_json(error_body("unknown_device", "revoked", datetime.now(timezone.utc)), 401),
        as_json(error_body("internal", "boom", datetime.now(timezone.utc)), 500),
        as_json({"found": False}, status=201),
    ],
    ids=[
        "found-not-bool",
        "other-json",
        "cut-short",
        "unknown-status",
        "truncated",
        "redirect",
        "revoked",
        "portal-500",
        "201",
    ],
)
def test_a_reply_that_is_not_the_portals_word_on_a_dossier_is_offline(fake_portal, reply):
    fake, enrolment = fake_portal(reply)
    assert lookup(enrolment, CODE).reason == OFFLINE
    assert len(fake.asked) == 1  # asked once: no retries while a citizen waits


def test_a_redirect_is_not_followed(fake_portal):
    elsewhere, _ = fake_portal(as_json({"found": False}))
    _fake, enrolment = fake_portal(Reply(307, "text/html", b"", {"Location": elsewhere.url}))
    assert lookup(enrolment, CODE).reason == OFFLINE
    assert elsewhere.asked == []


def test_a_tablet_with_a_wrong_clock_signs_again_in_the_portals_time(fake_portal):
    portal_time = datetime.now(timezone.utc).replace(microsecond=0)
    skew = as_json(error_body("clock_skew", "clock", portal_time.replace(year=2030)), 401)
    fake, enrolment = fake_portal(skew, as_json(DOSSIER.to_json()))
    result = lookup(enrolment, CODE)
    assert result.dossier == DOSSIER
    first, second = (int(a.headers[HEADER_TIMESTAMP]) for a in fake.asked)
    assert second - first > 3 * 365 * 86400  # the second in the portal's (2030) time
    assert result.clock_offset_s is not None and result.clock_offset_s > 3 * 365 * 86400
    # Once only: a portal that keeps refusing the clock is "offline".
    fake2, enrolment2 = fake_portal(skew)
    assert lookup(enrolment2, CODE).reason == OFFLINE
    assert len(fake2.asked) == 2


def test_a_known_offset_is_used_from_the_start(fake_portal):
    fake, enrolment = fake_portal(as_json({"found": False}))
    lookup(enrolment, CODE, clock_offset_s=-3600)
    assert abs(int(fake.asked[0].headers[HEADER_TIMESTAMP]) - (time.time() - 3600)) < 5


def test_a_portal_too_slow_to_answer_is_offline_within_the_timeout(fake_portal):
    _fake, enrolment = fake_portal(Reply(body=b'{"found": false}', delay_s=3))
    started = time.monotonic()
    assert lookup(enrolment, CODE, timeout_s=0.5).reason == OFFLINE
    assert time.monotonic() - started < 2.5


def test_nothing_listening_is_offline():
    enrolment = enrolment_for(f"http://127.0.0.1:{free_port()}")
    assert lookup(enrolment, CODE).reason == OFFLINE


def test_an_unknown_host_is_offline():
    assert lookup(enrolment_for("http://portal.invalid"), CODE).reason == OFFLINE


def test_a_tablet_not_enrolled_asks_nobody():
    assert lookup(None, CODE).reason == NOT_ENROLLED


# --- the core: one door, a count and nothing else ------------------------------------


def test_the_core_counts_lookups_and_keeps_nothing_of_them(fake_portal, tmp_path):
    from kiosk.core import KioskCore
    from kiosk.store.answers import get_state
    from tests.conftest import write_config

    returned = {**DOSSIER.to_json(), "status": RETURNED, "returned_at": "2026-11-24T10:00"}
    fake, enrolment = fake_portal(as_json(returned), as_json({"found": False}))
    data = tmp_path / "data"
    core = KioskCore.open(write_config(tmp_path / "config.yaml"), data)
    assert core.can_look_up is False
    assert core.lookup_dossier(CODE).reason == NOT_ENROLLED
    core.enrolment = enrolment
    assert core.can_look_up is True
    assert core.lookup_dossier(CODE).dossier is not None
    assert core.lookup_dossier("000.00.12.H17-261120-0999").reason == UNKNOWN
    fake.close()
    assert core.lookup_dossier(CODE).reason == OFFLINE
    counts = {
        outcome: get_state(core.engine, f"lookup.{outcome}")
        for outcome in ("found", "unknown", "offline", "not_enrolled")
    }
    assert counts == {"found": "1", "unknown": "1", "offline": "1", "not_enrolled": "1"}
    assert core.it.status().lookups == {  # what IT sees in the staff area
        "found": 1, "unknown": 1, "offline": 1, "not_kept": 0, "not_enrolled": 1
    }  # fmt: skip
    core.engine.dispose()
    for text in ("261120", "trích lục", "Hộ tịch"):
        assert not _written_anywhere(data, text), text


def _written_anywhere(folder: Path, text: str) -> list[Path]:
    """Files under `folder` holding `text` (UTF-8), the SQLite files and logs included."""
    needle = text.encode()
    return [p for p in folder.rglob("*") if p.is_file() and needle in p.read_bytes()]


# --- the kiosk's window against the real portal ------------------------------------------


@pytest.fixture(scope="module")
def lookup_portal(tmp_path_factory) -> Iterator[LookupPortal]:
    """The real portal on loopback, with the unit's dossiers imported, its apology set and
    one tablet enrolled (each test's kiosk gets a copy of that enrolment)."""
    server = portal_with_dossiers(tmp_path_factory.mktemp("lookup-portal"))
    try:
        yield server
    finally:
        server.stop()


def kiosk_enrolled_with(start_kiosk, tmp_path: Path, enrolment: Enrolment | None, **config):
    from kiosk.enrolment import save_enrolment
    from tests.conftest import write_config

    data = tmp_path / "data"
    data.mkdir(parents=True, exist_ok=True)
    if enrolment is not None:
        save_enrolment(enrolment, data)
    return start_kiosk(write_config(tmp_path / "config.yaml", qr__camera="none", **config), data)


def shown(pilot) -> str:
    return pilot.texts()


@pytest.mark.ui
def test_a_dossier_being_processed_on_time(start_kiosk, tmp_path, lookup_portal):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    look_up(pilot, CASES["processing"][0])
    assert pilot.screen.mode == "result"
    text = shown(pilot)
    assert "Đang giải quyết" in text
    assert f"Hẹn trả kết quả ngày {_dmy(5)}." in text
    assert "Cấp bản sao trích lục hộ tịch" in text and "Hộ tịch" in text
    assert _dmy(-2) in text and _code(CASES["processing"][0]) in text
    assert "trễ hẹn" not in text
    assert pilot.screen.ids.rate.parent is None  # no "Đánh giá" before it is returned
    pilot.tap(pilot.screen.ids.home)
    assert pilot.screen_name == "welcome"


@pytest.mark.ui
def test_a_late_dossier_says_by_how_much_with_the_units_apology(
    start_kiosk, tmp_path, lookup_portal
):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    look_up(pilot, CASES["late"][0])
    text = shown(pilot)
    assert "Đang giải quyết" in text
    assert "Hồ sơ trễ hẹn 3 ngày." in text
    assert APOLOGY in text
    assert pilot.screen.ids.rate.parent is None


@pytest.mark.ui
def test_a_ready_result_says_at_which_counter(start_kiosk, tmp_path, lookup_portal):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    look_up(pilot, CASES["ready"][0])
    text = shown(pilot)
    assert "Đã có kết quả" in text
    assert "Mời ông/bà nhận kết quả tại quầy 3." in text
    assert pilot.screen.ids.rate.parent is None


@pytest.mark.ui
def test_a_returned_dossier_is_rated_from_the_lookup_with_its_code(
    start_kiosk, tmp_path, lookup_portal
):
    from sqlalchemy import select
    from sqlalchemy.orm import Session

    from kiosk.store.models import Response

    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    serial = CASES["returned"][0]
    look_up(pilot, serial)
    text = shown(pilot)
    assert "Đã trả kết quả" in text and f"Kết quả đã được trả ngày {_dmy(-2)}." in text
    assert "Mời ông/bà đánh giá mức độ hài lòng" in text
    rate = pilot.screen.ids.rate
    assert rate.parent is not None and "Đánh giá" in rate.text
    pilot.tap(rate)
    assert pilot.screen_name == "single_choice"  # straight to the verdict, as a receipt
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    with Session(pilot.app.core.engine) as session:
        [row] = session.scalars(select(Response))
    assert (row.dossier_code, row.id_method, row.verdict) == (_code(serial), "typed", "satisfied")
    assert pilot.app.screen("lookup").mode == "enter" and pilot.app.screen("lookup").status == ""


@pytest.mark.ui
def test_an_unknown_code_is_said_kindly_and_can_be_typed_again(
    start_kiosk, tmp_path, lookup_portal
):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    look_up(pilot, "2611209999")
    assert pilot.screen.mode == "unknown"
    text = shown(pilot)
    assert f"Không tìm thấy hồ sơ {_code('2611209999')}" in text
    assert "kiểm tra lại mã trên giấy tiếp nhận hoặc hỏi cán bộ tại quầy" in text
    pilot.tap(pilot.screen.ids.again)
    assert pilot.screen.mode == "enter"
    for _ in range(4):
        pilot.key("backspace")
    pilot.keys(CASES["ready"][0][-4:])
    pilot.tap(pilot.screen.ids.ask)
    assert pilot.until(lambda: pilot.screen.mode != "asking")
    assert pilot.screen.mode == "result" and "Đã có kết quả" in shown(pilot)


@pytest.mark.ui
def test_a_badly_typed_code_is_not_sent(start_kiosk, tmp_path, lookup_portal):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    pilot.tap(pilot.screen.ids.lookup)
    pilot.keys("26112")
    pilot.tap(pilot.screen.ids.ask)
    assert pilot.screen.mode == "enter"
    assert "Mã hồ sơ chưa đúng dạng" in pilot.screen.problem


@pytest.mark.ui
def test_a_portal_that_is_not_there_is_said_kindly_never_unknown(start_kiosk, tmp_path):
    gone = enrolment_for(f"http://127.0.0.1:{free_port()}")
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, gone)
    look_up(pilot, CASES["processing"][0])
    assert pilot.screen.mode == "offline"
    text = shown(pilot)
    assert "Hiện chưa tra cứu được" in text and "hỏi cán bộ tại quầy" in text
    assert "Không tìm thấy" not in text
    pilot.tap(pilot.screen.ids.home)
    assert pilot.screen_name == "welcome"


@pytest.mark.ui
def test_a_barcode_scanner_at_the_lookup_asks_at_once(start_kiosk, tmp_path, lookup_portal):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment)
    pilot.tap(pilot.screen.ids.lookup)
    code = _code(CASES["returned"][0])
    pilot.scanner(f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?mahoso={code}")
    assert pilot.until(lambda: pilot.screen.mode == "result")
    assert pilot.screen.method == "qr" and "Đã trả kết quả" in shown(pilot)


@pytest.mark.ui
def test_no_lookup_on_a_tablet_not_enrolled(start_kiosk, tmp_path):
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, None)
    button = pilot.screen.ids.lookup
    assert button.parent.opacity == 0 and button.parent.disabled
    assert "Tra cứu hồ sơ" not in [w.text for w in pilot.find_all("Tra cứu hồ sơ")]
    pilot.app.open_lookup()  # nothing reaches the screen without a portal to ask
    assert pilot.screen_name == "welcome"


@pytest.mark.ui
def test_the_idle_wipe_empties_the_lookup(start_kiosk, tmp_path, lookup_portal):
    config = {"flow__idle_timeout_s": 4, "flow__idle_warning_s": 2}
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, lookup_portal.enrolment, **config)
    clock = pilot.stop_the_clock()
    look_up(pilot, CASES["late"][0])
    assert APOLOGY in shown(pilot)
    clock.advance(2.1)
    pilot.frames()
    assert "Ông/bà còn tiếp tục không?" in shown(pilot)  # asked first, as in a survey
    clock.advance(3)
    pilot.frames()
    assert pilot.screen_name == "welcome"
    lookup = pilot.app.screen("lookup")
    assert (lookup.mode, lookup.status, lookup.apology, lookup.facts) == ("enter", "", "", [])
    assert lookup.shown == PREFIX
    pilot.tap(pilot.screen.ids.lookup)
    assert APOLOGY not in shown(pilot) and "Đang giải quyết" not in shown(pilot)


@pytest.mark.ui
def test_a_reply_after_the_wipe_shows_nothing(start_kiosk, tmp_path, fake_portal):
    slow, enrolment = fake_portal(Reply(body=json.dumps(DOSSIER.to_json()).encode(), delay_s=1.5))
    config = {"flow__idle_timeout_s": 4, "flow__idle_warning_s": 2}
    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, enrolment, **config)
    clock = pilot.stop_the_clock()
    pilot.tap(pilot.screen.ids.lookup)
    pilot.keys("2611200001")
    pilot.tap(pilot.screen.ids.ask)
    assert pilot.screen.mode == "asking"
    assert "Đang tra cứu…" in shown(pilot) and "000.00.12.H17-261120-0001" in shown(pilot)
    clock.advance(6)  # the citizen walked away while the portal was slow
    pilot.frames()
    assert pilot.screen_name == "welcome"
    assert pilot.until(lambda: len(slow.asked) == 1)
    time.sleep(2)  # the reply arrives, after the wipe
    pilot.frames(10)
    lookup = pilot.app.screen("lookup")
    assert pilot.screen_name == "welcome"
    assert (lookup.mode, lookup.status, lookup.facts) == ("enter", "", [])
    assert "Cấp bản sao" not in shown(pilot)


def _dmy(days_from_today: int) -> str:
    from datetime import date, timedelta

    return (date.today() + timedelta(days=days_from_today)).strftime("%d/%m/%Y")


@pytest.mark.ui
@pytest.mark.parametrize("size", [(1280, 800), (800, 1280)], ids=["landscape", "portrait"])
def test_the_lookup_keys_are_full_size_and_clear_of_its_buttons(start_kiosk, tmp_path, size):
    from kivy.metrics import dp

    from kiosk.ui import theme
    from kiosk.ui.widgets import KeyButton

    pilot = kiosk_enrolled_with(start_kiosk, tmp_path, enrolment_for("http://127.0.0.1:9"))
    try:
        pilot.resize(*size)
        pilot.tap(pilot.screen.ids.lookup)
        pilot.frames(3)
        keys = pilot.find_all(kind=KeyButton)
        assert len(keys) == 40
        assert min(min(key.size) for key in keys) >= dp(theme.KEY_MIN_DP)
        for button in (pilot.screen.ids.ask, pilot.screen.ids.home):
            bx, by = button.to_window(button.x, button.y)
            for key in keys:
                kx, ky = key.to_window(key.x, key.y)
                apart_x = max(kx - (bx + button.width), bx - (kx + key.width))
                apart_y = max(ky - (by + button.height), by - (ky + key.height))
                assert max(apart_x, apart_y) >= dp(theme.FINAL_GAP_DP), (key.key, button.text)
    finally:
        pilot.resize(1280, 800)


@pytest.mark.ui
def test_the_it_area_says_how_the_lookups_went():
    from types import SimpleNamespace

    from kiosk.locale import Translator
    from kiosk.ui.screens.itarea import it_status_words

    tr = Translator("vi")
    sync = SimpleNamespace(
        oldest_pending=None, last_success="", last_error="", set_aside_reasons={},
        pending=0, rejected=0,
    )  # fmt: skip
    enrolment = SimpleNamespace(words=lambda _tr: "")
    progress = SimpleNamespace(target_year=0)
    lookups = {"found": 3, "unknown": 1, "offline": 1, "not_kept": 1, "not_enrolled": 0}
    status = SimpleNamespace(
        version="1", device_id="d", unit_code="u", counter="Q1", enrolment=enrolment,
        sync=sync, config_problems=0, progress=progress, lookups=lookups,
    )  # fmt: skip
    words = it_status_words(tr, status, "Asia/Ho_Chi_Minh")
    assert "Tra cứu hồ sơ: 3 tìm thấy, 1 không có mã này, 2 chưa tra cứu được" in words
    quiet = SimpleNamespace(**{**vars(status), "lookups": dict.fromkeys(lookups, 0)})
    assert "Tra cứu hồ sơ" not in it_status_words(tr, quiet, "Asia/Ho_Chi_Minh")
