"""Alerts: each rule kind checked on a real database (SQLite and PostgreSQL) with answers
that cross its threshold and answers that do not; the alerts raised once; sending them to
a real SMTP server on loopback (aiosmtpd) and a webhook receiver (http.server), a server
that is down written on the alert without stopping anything; the portal's own check on
its thread; `portal alerts` as a real process; and the page over HTTP on the real portal:
the province sets a rule, the check e-mails the alert, the province acknowledges it
(audited), a second check raises nothing twice, a unit head sees only their units, the
other roles are refused, every POST needs its CSRF token, bad input is told in Vietnamese.
"""

from __future__ import annotations

import asyncio
import email
import email.policy
import json
import sqlite3
import subprocess
import sys
import threading
import time
import uuid
from datetime import date, datetime, timedelta, timezone
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from portal.api.app import create_app, known_forms
from portal.dashboard import alert_rules
from portal.dashboard.alert_rules import DAY, LAST_N, NO_ANSWERS, REASON, SILENT, RuleError
from portal.dashboard.config import ConfigError, DashboardConfig, Smtp, load_config
from portal.devices import add_device, revoke_device
from portal.intake import store_channel_answers
from portal.schemas import AnswerIn
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.dashboard_tables import Alert
from portal.store.engine import make_portal_engine
from portal.store.models import Device, Heartbeat
from tests.conftest import ROOT
from tests.dashboard_support import csrf_of, start_dashboard
from tests.portal_support import free_port

WEDNESDAY = date(2026, 11, 11)
PAGE = "/quan-tri/canh-bao"


def at(day: date, hour: int, minute: int = 0) -> datetime:
    """A moment in Vietnam's local time (the units' days)."""
    return datetime(day.year, day.month, day.day, hour, minute, tzinfo=LOCAL_ZONE)


def quick(
    unit: str,
    verdict: str,
    finished: datetime,
    reasons: tuple[str, ...] = (),
    flags: tuple[str, ...] = (),
) -> AnswerIn:
    """A quick-form answer as the web survey or a clerk's import stores it."""
    answers: dict[str, object] = {"verdict": {"value": verdict, "other_text": ""}}
    if verdict == "not_satisfied":
        reasons = reasons or ("progress",)
        answers["reasons"] = {"value": list(reasons), "other_text": ""}
    return AnswerIn.model_validate(
        {
            "uuid": str(uuid.uuid4()),
            "sequence": 1,
            "form_id": "danang-2223",
            "form_version": 1,
            "unit_code": unit,
            "counter": "Q1",
            "device_id": "web",
            "officer": None,
            "started_at": finished - timedelta(seconds=30),
            "finished_at": finished,
            "duration_ms": 30_000,
            "id_method": "none",
            "status": "complete",
            "verdict": verdict,
            "reasons": list(reasons) if verdict == "not_satisfied" else [],
            "comment": "",
            "answers": answers,
            "language": "vi",
            "channel": "web",
            "flags": list(flags),
        }
    )


def store(engine, answers: list[AnswerIn]) -> None:
    fates = store_channel_answers(engine, answers, str(uuid.uuid4()), known_forms())
    assert {fate.status for fate in fates} == {"stored"}, fates[:3]


def series(unit: str, finished: datetime, *verdicts: str, **extra) -> list[AnswerIn]:
    """Answers a minute apart from `finished` on, in the order given (the last the newest)."""
    return [
        quick(unit, verdict, finished + timedelta(minutes=i), **extra)
        for i, verdict in enumerate(verdicts)
    ]


def rule(engine, unit: str | None, kind: str, threshold=None, window=None) -> None:
    alert_rules.add_rule(engine, unit, kind, threshold, window, "tinh")


def found(engine, now: datetime, config: DashboardConfig | None = None) -> dict:
    """{(unit, key): detail} of what the rules find at `now`."""
    return {
        (f.unit, f.key): f.detail
        for f in alert_rules.findings(engine, config or DashboardConfig(), now)
    }


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'portal.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database(f"al_{uuid.uuid4().hex[:12]}")
    made = make_portal_engine(url)
    yield made
    made.dispose()


# ---------------------------------------------------------------- each kind of rule


def test_share_over_the_last_answers_alarms_above_its_threshold_only(engine):
    rule(engine, None, LAST_N, "30", "20")
    morning = at(WEDNESDAY, 8)
    # DNG-HC: 30 older satisfied answers, then 8 satisfied and 12 not: 60% of the last 20.
    store(engine, series("DNG-HC", morning - timedelta(days=3), *["satisfied"] * 30))
    store(engine, series("DNG-HC", morning, *["satisfied"] * 8, *["not_satisfied"] * 12))
    # DNG-TK: exactly 30% is not above 30%.
    store(engine, series("DNG-TK", morning, *["satisfied"] * 14, *["not_satisfied"] * 6))
    # DNG-LC: the newest 10 not satisfied carry an integrity flag: they do not count.
    store(engine, series("DNG-LC", morning, *["satisfied"] * 20))
    flagged = ["not_satisfied"] * 10
    store(engine, series("DNG-LC", morning + timedelta(hours=1), *flagged, flags=("too_soon",)))
    # DNG-SK: 5 answers, all not satisfied, are not 20 answers yet.
    store(engine, series("DNG-SK", morning, *["not_satisfied"] * 5))
    assert found(engine, at(WEDNESDAY, 11)) == {
        ("DNG-HC", "2026-11-11"): "Tỷ lệ Chưa hài lòng 60,00% trong 20 phiếu gần nhất (ngưỡng 30%)"
    }
    # A unit that stopped answering is not alarmed every day on its old answers.
    assert found(engine, at(WEDNESDAY + timedelta(days=3), 11)) == {}


def test_a_units_own_rule_stands_instead_of_the_rule_for_every_unit(engine):
    rule(engine, None, LAST_N, "30", "20")
    rule(engine, "DNG-HC", LAST_N, "70", "20")
    store(engine, series("DNG-HC", at(WEDNESDAY, 8), *["satisfied"] * 8, *["not_satisfied"] * 12))
    store(engine, series("DNG-TK", at(WEDNESDAY, 8), *["satisfied"] * 8, *["not_satisfied"] * 12))
    assert set(found(engine, at(WEDNESDAY, 11))) == {("DNG-TK", "2026-11-11")}
    # Setting DNG-HC's rule again replaces it: one rule per unit and kind.
    rule(engine, "DNG-HC", LAST_N, "50", "20")
    kept = [(r.unit, r.kind, r.threshold) for r in alert_rules.list_rules(engine)]
    assert kept == [(None, LAST_N, 30.0), ("DNG-HC", LAST_N, 50.0)]
    assert set(found(engine, at(WEDNESDAY, 11))) == {
        ("DNG-TK", "2026-11-11"),
        ("DNG-HC", "2026-11-11"),
    }


def test_share_on_a_day_needs_its_minimum_of_answers(engine):
    rule(engine, None, DAY, "30", "5")
    tuesday = WEDNESDAY - timedelta(days=1)
    # DNG-HC yesterday: 4 of 6 not satisfied.
    store(
        engine, series("DNG-HC", at(tuesday, 9), "satisfied", "satisfied", *["not_satisfied"] * 4)
    )
    # DNG-TK today: 1 of 1 is 100%, but one answer says little: no alert.
    store(engine, series("DNG-TK", at(WEDNESDAY, 9), "not_satisfied"))
    # DNG-LC today: 1 of 5 is 20%, under 30%.
    store(engine, series("DNG-LC", at(WEDNESDAY, 9), *["satisfied"] * 4, "not_satisfied"))
    # DNG-SK today: 3 of 5 (and a flagged one that does not count).
    store(engine, series("DNG-SK", at(WEDNESDAY, 8), *["satisfied"] * 2, *["not_satisfied"] * 3))
    store(engine, series("DNG-SK", at(WEDNESDAY, 9), "not_satisfied", flags=("burst",)))
    # A day long gone is not looked at again.
    store(engine, series("DNG-LC", at(WEDNESDAY - timedelta(days=7), 9), *["not_satisfied"] * 9))
    assert found(engine, at(WEDNESDAY, 10, 15)) == {
        ("DNG-HC", "2026-11-10"): (
            "Tỷ lệ Chưa hài lòng 66,67% trong ngày 10/11/2026 (4 trên 6 phiếu; ngưỡng 30%, "
            "xét khi ngày có từ 5 phiếu)"
        ),
        ("DNG-SK", "2026-11-11"): (
            "Tỷ lệ Chưa hài lòng 60,00% trong ngày 11/11/2026 (đến 10:15: 3 trên 5 phiếu; "
            "ngưỡng 30%, xét khi ngày có từ 5 phiếu)"
        ),
    }


def test_a_reason_rising_against_its_weekly_average(engine):
    rule(engine, None, REASON, "2", "5")
    weeks_before = [WEDNESDAY - timedelta(days=7 * w + 3) for w in range(1, 5)]
    for day in weeks_before:  # progress once a week, staff_attitude three times a week
        store(engine, [quick("DNG-HC", "not_satisfied", at(day, 9), ("progress",))])
        attitude = series(
            "DNG-HC", at(day, 10), *["not_satisfied"] * 3, reasons=("staff_attitude",)
        )
        store(engine, attitude)
    this_week = [WEDNESDAY - timedelta(days=d) for d in range(6)]
    # progress 6 times in 7 days (6 times its weekly 1): risen. staff_attitude 5 (< 2 × 3).
    store(engine, [quick("DNG-HC", "not_satisfied", at(d, 9), ("progress",)) for d in this_week])
    attitude = [quick("DNG-HC", "not_satisfied", at(d, 11), ("staff_attitude",)) for d in this_week]
    store(engine, attitude[:5])
    # DNG-TK is new this week: 6 times progress is no rise from weeks it did not answer.
    store(engine, [quick("DNG-TK", "not_satisfied", at(d, 9), ("progress",)) for d in this_week])
    # DNG-LC: from nothing to 6 (it answered, satisfied, in the weeks before), flagged ones aside.
    store(engine, [quick("DNG-LC", "satisfied", at(d, 9)) for d in weeks_before])
    store(engine, [quick("DNG-LC", "not_satisfied", at(d, 9), ("information",)) for d in this_week])
    flagged = [
        quick("DNG-LC", "not_satisfied", at(d, 10), ("progress",), flags=("burst",))
        for d in this_week
    ]
    store(engine, flagged)
    assert found(engine, at(WEDNESDAY, 16)) == {
        ("DNG-HC", "progress:2026-W46"): (
            "Lý do “Về tiến độ, kết quả giải quyết TTHC” được nêu 6 lần trong 7 ngày qua, "
            "gấp 6,00 lần trung bình mỗi tuần của 4 tuần trước (1 lần/tuần; ngưỡng gấp 2 "
            "lần, từ 5 lần)"
        ),
        ("DNG-LC", "information:2026-W46"): (
            "Lý do “Về công khai, minh bạch, đầy đủ, kịp thời của thông tin thủ tục hành chính "
            "so với quy định” được nêu 6 lần trong 7 ngày qua, trong khi 4 tuần trước đó "
            "không lần nào (ngưỡng gấp 2 lần, từ 5 lần)"
        ),
    }


def test_no_answers_on_a_working_day_that_has_ended(engine):
    rule(engine, None, NO_ANSWERS, None, "30")
    monday = WEDNESDAY - timedelta(days=2)
    store(engine, [quick("DNG-HC", "satisfied", at(monday, 9))])  # then nothing
    store(engine, [quick("DNG-TK", "satisfied", at(d, 9)) for d in (monday, WEDNESDAY)])
    store(engine, [quick("DNG-LC", "satisfied", at(WEDNESDAY - timedelta(days=40), 9))])
    both = {"DNG-HC": ("2026-11-10", "2026-11-11"), "DNG-TK": ("2026-11-10",)}
    evening = found(engine, at(WEDNESDAY, 17, 30))
    assert set(evening) == {(unit, day) for unit, days in both.items() for day in days}
    assert evening[("DNG-TK", "2026-11-10")] == (
        "Không có phiếu nào trong ngày làm việc Thứ Ba 10/11/2026 "
        "(phiếu gần nhất trước đó: ngày 09/11/2026)"
    )
    # Before closing time today is not over: only the days that have ended.
    assert set(found(engine, at(WEDNESDAY, 16, 59))) == {
        ("DNG-HC", "2026-11-10"),
        ("DNG-TK", "2026-11-10"),
    }
    # The weekend is no working day: on Monday morning, Friday and Thursday are looked at.
    store(engine, [quick(u, "satisfied", at(date(2026, 11, 12), 9)) for u in ("DNG-HC", "DNG-TK")])
    store(engine, [quick("DNG-TK", "satisfied", at(date(2026, 11, 13), 9))])
    assert set(found(engine, at(date(2026, 11, 16), 8))) == {("DNG-HC", "2026-11-13")}
    # A unit open on Saturdays (opening_days) is looked at on Saturday too.
    saturdays = DashboardConfig(opening_days=(1, 2, 3, 4, 5, 6))
    assert set(found(engine, at(date(2026, 11, 16), 8), saturdays)) == {
        ("DNG-HC", "2026-11-13"),
        ("DNG-HC", "2026-11-14"),
        ("DNG-TK", "2026-11-14"),
    }


def test_a_tablet_silent_during_opening_hours(engine):
    rule(engine, None, SILENT, None, "60")
    tuesday = WEDNESDAY - timedelta(days=1)

    def tablet(unit: str, heard: datetime | None, created: datetime | None = None) -> str:
        device = add_device(engine, unit, "Q1", "https://cong.example.vn").device_id
        with Session(engine) as session, session.begin():
            row = session.get(Device, device)
            if created is not None:
                row.created_at = created.astimezone(timezone.utc).replace(tzinfo=None)
            if heard is not None:
                session.add(
                    Heartbeat(
                        device_id=device,
                        received_at=heard.astimezone(timezone.utc).replace(tzinfo=None),
                        app_version="1.0",
                        outbox_depth=0,
                        clock_offset_s=0.0,
                    )
                )
        return device

    since_eight = tablet("DNG-HC", at(WEDNESDAY, 8))  # 120 minutes of opening hours by 10:00
    recent = tablet("DNG-HC", at(WEDNESDAY, 9, 30))  # 30 minutes
    overnight = tablet("DNG-TK", at(tuesday, 16, 50))  # 10 minutes yesterday + 150 today
    revoked = tablet("DNG-TK", at(tuesday, 8))
    revoke_device(engine, revoked)
    never = tablet("DNG-LC", None, created=at(tuesday, 16))  # never heard from
    with Session(engine) as session, session.begin():  # its batches count as much as a heartbeat
        session.execute(
            update(Device)
            .where(Device.id == recent)
            .values(last_seen_at=at(WEDNESDAY, 7).astimezone(timezone.utc).replace(tzinfo=None))
        )
    ten = found(engine, at(WEDNESDAY, 10))
    assert set(ten) == {
        ("DNG-HC", f"{since_eight}:2026-11-11"),
        ("DNG-TK", f"{overnight}:2026-11-11"),
        ("DNG-LC", f"{never}:2026-11-11"),
    }
    assert ten[("DNG-TK", f"{overnight}:2026-11-11")] == (
        f"Máy tính bảng {overnight} (quầy Q1) im lặng 160 phút trong giờ làm việc; "
        "lần liên lạc cuối lúc 16:50 10/11/2026 (ngưỡng 60 phút)"
    )
    assert (
        "chưa liên lạc lần nào từ khi đăng ký lúc 16:00 10/11/2026"
        in ten[("DNG-LC", f"{never}:2026-11-11")]
    )
    # Out of opening hours nothing is looked at, however long the silence.
    assert found(engine, at(WEDNESDAY, 18)) == {}
    assert found(engine, at(date(2026, 11, 14), 10)) == {}  # Saturday


def test_an_occasion_is_raised_once_and_the_rules_refuse_what_will_not_do(engine):
    rule(engine, None, DAY, "10", "2")
    store(engine, series("DNG-HC", at(WEDNESDAY, 8), "not_satisfied", "not_satisfied"))
    first = alert_rules.evaluate(engine, DashboardConfig(), at(WEDNESDAY, 9))
    again = alert_rules.evaluate(engine, DashboardConfig(), at(WEDNESDAY, 9, 1))
    assert (len(first.raised), again.raised, first.deliveries) == (1, [], {})
    with Session(engine) as session:
        alert = session.scalars(select(Alert)).one()
    assert (alert.unit_code, alert.kind, alert.key) == ("DNG-HC", DAY, "2026-11-11")
    assert alert_rules.acknowledge(engine, alert.id, "tinh")
    assert not alert_rules.acknowledge(engine, alert.id, "lanhdao-hc")  # the first stands
    problems = {
        ("no_such_kind", "1", "1"): "Không có loại cảnh báo",
        (LAST_N, "ba mươi", "20"): "không phải là một số",
        (LAST_N, "120", "20"): "cần một số từ 0 đến 99",
        (LAST_N, "30", "2"): "cần một số nguyên từ 5 đến 1000",
        (DAY, "30", "2,5"): "cần một số nguyên",
        (REASON, "1", "5"): "cần một số từ 1,1 đến 100",
        (SILENT, "", "-5"): "cần một số nguyên từ 5 đến 10080",
    }
    for (kind, threshold, window), words in problems.items():
        with pytest.raises(RuleError, match=words):
            alert_rules.check_rule(kind, threshold, window)
    assert alert_rules.check_rule(DAY, "12,5", "") == (12.5, 5)  # a comma, the default N


def test_how_often_the_portal_checks_is_a_setting(tmp_path):
    config = tmp_path / "portal.yaml"
    config.write_text("alerts:\n  check_every_seconds: 0\n", encoding="utf-8")
    assert load_config(config).alert_check_seconds == 0
    assert DashboardConfig().alert_check_seconds == 60
    config.write_text("alerts:\n  webhook: https://chat.example.vn/h\n  check_every_seconds: -5\n")
    with pytest.raises(ConfigError, match=r"portal.yaml:3: check_every_seconds phải là số giây"):
        load_config(config)


# ---------------------------------------------------------------- sending


class Mailbox:
    """A real SMTP server on loopback (aiosmtpd): the messages it took, as parsed e-mails."""

    def __init__(self, port: int | None = None):
        self.messages: list[email.message.EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.port = port or free_port()
        self.controller = Controller(self, hostname="127.0.0.1", port=self.port)

    async def handle_DATA(self, server, session, envelope) -> str:
        parsed = email.message_from_bytes(envelope.content, policy=email.policy.default)
        self.messages.append(parsed)  # type: ignore[arg-type]
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 OK"

    def start(self) -> Mailbox:
        self.controller.start()
        return self

    def stop(self) -> None:
        self.controller.stop()

    def wait_for(self, count: int, seconds: float = 15) -> list[email.message.EmailMessage]:
        deadline = time.monotonic() + seconds
        while len(self.messages) < count and time.monotonic() < deadline:
            time.sleep(0.1)
        return list(self.messages)


class Hook:
    """A webhook receiver on loopback: the JSON bodies POSTed to it; answers `status`."""

    def __init__(self, status: int = 204):
        self.bodies: list[dict] = []
        self.status = status
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("content-length", "0"))
                kind = self.headers.get("content-type", "")
                hook.bodies.append({"type": kind, "json": json.loads(self.rfile.read(length))})
                self.send_response(hook.status)
                self.send_header("content-length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks/bi-mat-123"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def mailbox():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture
def hook():
    receiver = Hook()
    yield receiver
    receiver.stop()


def alerts_config(mail_port: int, hook_url: str = "", every: int = 0) -> str:
    """portal.yaml's alerts block (at column 0, after the dashboard block)."""
    text = (
        "alerts:\n"
        f"  smtp: {{host: 127.0.0.1, port: {mail_port}, starttls: false, "
        "sender: canhbao@example.vn, to: [noivu@example.vn, chutich@example.vn]}\n"
        f"  check_every_seconds: {every}\n"
    )
    return text + (f"  webhook: {hook_url}\n" if hook_url else "")


def alerts_command(db: str, *args: str, config: Path | None = None) -> subprocess.CompletedProcess:
    """`python -m portal.dashboard.alerts_command` as its own process."""
    extra = ["--config", str(config)] if config is not None else []
    command = [sys.executable, "-m", "portal.dashboard.alerts_command", "--db", db, *args, *extra]
    return subprocess.run(command, capture_output=True, text=True, cwd=ROOT, timeout=120)


def test_the_check_as_a_process_sends_and_a_server_down_stops_nothing(tmp_path, hook):
    db = f"sqlite:///{tmp_path / 'portal.db'}"
    engine = make_portal_engine(db)
    config = tmp_path / "portal.yaml"
    mail_port = free_port()  # nothing listens there yet
    hook.status = 500
    config.write_text(alerts_config(mail_port, hook.url), encoding="utf-8")
    added = alerts_command(
        db, "rule", "add", "--unit", "DNG-HC", "--kind", DAY, "--threshold", "20", "--window", "3"
    )
    assert added.returncode == 0, added.stderr
    assert "Đã đặt quy tắc 1 (DNG-HC): Tỷ lệ Chưa hài lòng trên 20% trong một ngày" in added.stdout
    now = datetime.now(LOCAL_ZONE).replace(second=0, microsecond=0)
    store(engine, [quick("DNG-HC", "not_satisfied", now - timedelta(seconds=1)) for _ in range(3)])
    down = alerts_command(db, "check", config=config)
    assert down.returncode == 0, down.stderr
    assert "1 cảnh báo mới" in down.stdout and "chưa gửi được" in down.stdout
    with Session(engine) as session:
        alert = session.scalars(select(Alert)).one()
    assert alert.sent_at is None and alert.send_attempts == 1
    assert f"Thư điện tử: không kết nối được máy chủ thư 127.0.0.1:{mail_port}" in alert.send_error
    assert f"Webhook: 127.0.0.1:{hook.server.server_port} trả lời HTTP 500" in alert.send_error
    assert "bi-mat-123" not in alert.send_error  # the webhook's secret path is never written
    # The servers come back: the next check sends what was not taken, and raises nothing new.
    box = Mailbox(mail_port).start()
    hook.status = 200
    try:
        again = alerts_command(db, "check", config=config)
        assert again.returncode == 0, again.stderr
        assert "0 cảnh báo mới" in again.stdout and f"Cảnh báo {alert.id}: đã gửi" in again.stdout
        (message,) = box.wait_for(1)
    finally:
        box.stop()
    assert message["Subject"] == "Cảnh báo Kiosk Hài Lòng – DNG-HC: Chưa hài lòng trong một ngày"
    assert "Tỷ lệ Chưa hài lòng 100,00% trong ngày" in message.get_content()
    with Session(engine) as session:
        sent = session.get(Alert, alert.id)
    assert (sent.sent_via, sent.send_error, sent.send_attempts) == ("email,webhook", None, 2)
    assert [body["json"]["alert"]["id"] for body in hook.bodies] == [alert.id, alert.id]
    listed = alerts_command(db, "list", "--open")
    assert f"{alert.id}\t" in listed.stdout and "chưa xác nhận" in listed.stdout
    refused = alerts_command(db, "rule", "add", "--all", "--kind", LAST_N, "--threshold", "abc")
    assert refused.returncode == 2 and "không phải là một số" in refused.stderr
    gone = alerts_command(db, "rule", "remove", "7")
    assert gone.returncode == 2 and "Không có quy tắc số 7" in gone.stderr
    engine.dispose()


def test_the_portal_checks_the_rules_itself_on_its_thread(tmp_path, mailbox):
    from portal.dashboard import alerts

    engine = make_portal_engine(f"sqlite:///{tmp_path / 'portal.db'}")
    smtp = Smtp(host="127.0.0.1", port=mailbox.port, starttls=False, to=("noivu@example.vn",))
    app = create_app(
        engine, forms=set(), dashboard=DashboardConfig(smtp=smtp, alert_check_seconds=1)
    )
    alerts.install(app)
    alerts.install(app)  # once per app, however often it is asked
    assert (
        len(
            [
                h
                for h in app.router.on_startup
                if getattr(h, "__self__", None) is app.state.alert_checker
            ]
        )
        == 1
    )
    rule(engine, "DNG-TK", DAY, "10", "1")
    now = datetime.now(LOCAL_ZONE)
    store(engine, [quick("DNG-TK", "not_satisfied", now - timedelta(seconds=5))])

    async def run_for_a_while() -> list:
        async with app.router.lifespan_context(app):
            for _ in range(100):
                if mailbox.messages:
                    break
                await asyncio.sleep(0.1)
            return list(mailbox.messages)

    messages = asyncio.run(run_for_a_while())
    assert [m["Subject"] for m in messages] == [
        "Cảnh báo Kiosk Hài Lòng – DNG-TK: Chưa hài lòng trong một ngày"
    ]
    assert app.state.alert_checker.thread is None  # stopped with the app
    engine.dispose()


# ---------------------------------------------------------------- the page, over HTTP


@pytest.fixture(scope="module")
def portal_mail():
    box = Mailbox().start()
    yield box
    box.stop()


@pytest.fixture(scope="module")
def portal_hook():
    receiver = Hook()
    yield receiver
    receiver.stop()


@pytest.fixture(scope="module")
def dash(tmp_path_factory, portal_mail, portal_hook):
    folder = tmp_path_factory.mktemp("alerts")
    server = start_dashboard(
        folder, answers=False, config=alerts_config(portal_mail.port, portal_hook.url)
    )
    named = server.portal.portal("unit", "DNG-HC", "--name", "Phường Hải Châu")
    assert named.returncode == 0, named.stderr
    yield server
    server.stop()


def db_rows(dash, query: str, *params) -> list[tuple]:
    with sqlite3.connect(dash.portal.db.split("///", 1)[1]) as connection:
        return connection.execute(query, params).fetchall()


def check(dash) -> subprocess.CompletedProcess:
    done = alerts_command(dash.portal.db, "check", config=dash.folder / "portal.yaml")
    assert done.returncode == 0, done.stderr
    return done


def post(session, dash, path: str, data: dict, csrf: str | None = None):
    page = session.get(dash.url + PAGE, timeout=30)
    form = {"csrf": csrf if csrf is not None else csrf_of(page.text)} | data
    return session.post(dash.url + path, data=form, allow_redirects=False, timeout=30)


def test_a_rule_set_on_the_page_alerts_by_mail_and_webhook_and_is_acknowledged(
    dash, portal_mail, portal_hook
):
    province = dash.signed_in("province")
    first = province.get(dash.url + PAGE, timeout=30)
    assert first.status_code == 200 and "Chưa có cảnh báo nào" in first.text
    set_rule = {"unit": "DNG-TK", "kind": LAST_N, "threshold": "30", "window": "20"}
    made = post(province, dash, PAGE + "/quy-tac", set_rule)
    assert (made.status_code, made.headers["location"]) == (303, f"{PAGE}?xong=quy-tac#quy-tac")
    day_rule = {"unit": "DNG-HC", "kind": DAY, "threshold": "10", "window": "5"}
    assert post(province, dash, PAGE + "/quy-tac", day_rule).status_code == 303
    changed = db_rows(
        dash,
        "SELECT user_name, unit_code, detail FROM dashboard_events"
        " WHERE action = 'alert_rule_changed' ORDER BY id",
    )
    assert changed[0] == (
        "tinh",
        "DNG-TK",
        "đặt quy tắc 1 (DNG-TK): Tỷ lệ Chưa hài lòng trên 30% trong 20 phiếu gần nhất",
    )
    engine = make_portal_engine(dash.portal.db)
    now = datetime.now(LOCAL_ZONE).replace(microsecond=0) - timedelta(seconds=30)
    store(engine, [quick("DNG-TK", v, now) for v in ["satisfied"] * 8 + ["not_satisfied"] * 12])
    store(engine, [quick("DNG-HC", v, now) for v in ["satisfied"] * 2 + ["not_satisfied"] * 3])
    engine.dispose()

    checked = check(dash)
    assert "Đã kiểm tra 2 quy tắc: 2 cảnh báo mới." in checked.stdout
    messages = portal_mail.wait_for(2)
    by_unit = {m["Subject"].split(" – ")[1].split(":")[0]: m for m in messages}
    assert set(by_unit) == {"DNG-TK", "Phường Hải Châu (DNG-HC)"}
    mail = by_unit["DNG-TK"]
    assert (
        mail["Subject"]
        == "Cảnh báo Kiosk Hài Lòng – DNG-TK: Chưa hài lòng trong các phiếu gần nhất"
    )
    assert (mail["From"], mail["To"]) == (
        "canhbao@example.vn",
        "noivu@example.vn, chutich@example.vn",
    )
    body = mail.get_content()
    assert "Cảnh báo: Tỷ lệ Chưa hài lòng 60,00% trong 20 phiếu gần nhất (ngưỡng 30%)" in body
    assert "Đơn vị: DNG-TK" in body and "“Đã xem – Xác nhận”" in body
    assert portal_mail.envelopes[0] == (
        "canhbao@example.vn",
        ["noivu@example.vn", "chutich@example.vn"],
    )
    hooked = {b["json"]["alert"]["unit"]: b for b in portal_hook.bodies}
    assert hooked["DNG-TK"]["type"] == "application/json"
    assert hooked["DNG-TK"]["json"]["text"] == (
        "Cảnh báo – DNG-TK: Tỷ lệ Chưa hài lòng 60,00% trong 20 phiếu gần nhất (ngưỡng 30%)"
    )
    assert hooked["DNG-HC"]["json"]["alert"]["unit_name"] == "Phường Hải Châu"
    assert hooked["DNG-HC"]["json"]["alert"]["kind"] == DAY

    listed = province.get(dash.url + PAGE, timeout=30).text
    assert "2 cảnh báo chưa xác nhận" in listed
    assert "Tỷ lệ Chưa hài lòng 60,00% trong 20 phiếu gần nhất (ngưỡng 30%)" in listed
    assert "Đã gửi qua thư điện tử, webhook lúc" in listed
    assert listed.count("Đã xem – Xác nhận</button>") == 2
    (tk_id,) = db_rows(dash, "SELECT id FROM alerts WHERE unit_code = 'DNG-TK'")[0]
    acked = post(province, dash, f"{PAGE}/{tk_id}/xac-nhan", {})
    assert acked.status_code == 303 and acked.headers["location"].endswith(f"#canh-bao-{tk_id}")
    after = province.get(dash.url + acked.headers["location"], timeout=30).text
    assert "Đã ghi nhận: bạn đã xem và xác nhận cảnh báo." in after
    assert (
        "1 cảnh báo chưa xác nhận" in after
        and "Đã xem và xác nhận: <strong>tinh</strong> lúc" in after
    )
    # The open one comes first, the acknowledged one after it.
    assert after.index("Phường Hải Châu (DNG-HC)</strong>") < after.index("<strong>DNG-TK</strong>")
    row = db_rows(dash, "SELECT acked_by, acked_at FROM alerts WHERE id = ?", tk_id)[0]
    assert row[0] == "tinh" and row[1] is not None
    audit = db_rows(
        dash,
        "SELECT user_name, unit_code, detail, address FROM dashboard_events"
        " WHERE action = 'alert_acknowledged'",
    )
    (key,) = db_rows(dash, "SELECT key FROM alerts WHERE id = ?", tk_id)[0]
    assert audit == [("tinh", "DNG-TK", f"cảnh báo {tk_id}: {LAST_N} {key}", "127.0.0.1")]
    # Acknowledging again keeps the first who and when.
    again = post(province, dash, f"{PAGE}/{tk_id}/xac-nhan", {})
    assert again.headers["location"].startswith(f"{PAGE}?xong=da-xac-nhan")
    assert db_rows(dash, "SELECT acked_at FROM alerts WHERE id = ?", tk_id)[0][0] == row[1]

    # A second check raises nothing twice, and sends nothing again.
    second = check(dash)
    assert "2 quy tắc: 0 cảnh báo mới." in second.stdout
    time.sleep(1)
    assert len(portal_mail.messages) == 2 and len(portal_hook.bodies) == 2
    assert db_rows(dash, "SELECT count(*) FROM alerts")[0][0] == 2


def test_a_unit_head_sees_only_their_units_alerts_and_reads_the_rules(dash):
    if not db_rows(dash, "SELECT id FROM alerts WHERE unit_code = 'DNG-TK'"):
        pytest.skip("needs the alerts of the test before")
    head = dash.signed_in("unit_head")  # DNG-HC's head
    seen = head.get(dash.url + PAGE, timeout=30)
    assert seen.status_code == 200
    assert "Phường Hải Châu (DNG-HC)" in seen.text and "DNG-TK" not in seen.text
    assert "Lưu quy tắc" not in seen.text and "Bỏ quy tắc" not in seen.text
    assert "Tỷ lệ Chưa hài lòng trên 10% trong một ngày (khi ngày có từ 5 phiếu)" in seen.text
    (tk_id,) = db_rows(dash, "SELECT id FROM alerts WHERE unit_code = 'DNG-TK'")[0]
    other = post(head, dash, f"{PAGE}/{tk_id}/xac-nhan", {})
    assert other.status_code == 404
    assert post(head, dash, f"{PAGE}/999999/xac-nhan", {}).status_code == 404
    assert post(head, dash, f"{PAGE}/abc/xac-nhan", {}).status_code == 404
    rule_try = post(head, dash, PAGE + "/quy-tac", {"unit": "DNG-HC", "kind": DAY})
    assert rule_try.status_code == 403
    (hc_id,) = db_rows(dash, "SELECT id FROM alerts WHERE unit_code = 'DNG-HC'")[0]
    assert post(head, dash, f"{PAGE}/{hc_id}/xac-nhan", {}).status_code == 303
    assert db_rows(dash, "SELECT acked_by FROM alerts WHERE id = ?", hc_id)[0][0] == "lanhdao-hc"


def test_other_roles_are_refused_and_every_post_needs_its_token(dash):
    for role in ("verifier", "it"):
        refused = dash.signed_in(role).get(dash.url + PAGE, timeout=30)
        assert refused.status_code == 403 and "Không được phép" in refused.text, role
    anonymous = requests.get(dash.url + PAGE, allow_redirects=False, timeout=30)
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == "/quan-tri/dang-nhap?next=%2Fquan-tri%2Fcanh-bao"
    province = dash.signed_in("province")
    for path in (f"{PAGE}/1/xac-nhan", PAGE + "/quy-tac", PAGE + "/quy-tac/1/xoa"):
        forged = post(province, dash, path, {"kind": DAY}, csrf="not-the-token")
        assert forged.status_code == 403, path
        bare = province.post(dash.url + path, data={"kind": DAY}, allow_redirects=False, timeout=30)
        assert bare.status_code == 403, path


def test_bad_rules_are_told_in_vietnamese_and_a_rule_can_be_removed(dash):
    province = dash.signed_in("province")
    cases = {
        (
            "DNG-HC",
            LAST_N,
            "ba mươi",
            "20",
        ): "Ngưỡng tỷ lệ Chưa hài lòng (%): &#39;ba mươi&#39; không phải là một số.",
        ("DNG-HC", LAST_N, "30", "3"): "Số phiếu gần nhất: cần một số nguyên từ 5 đến 1000.",
        ("DNG-XX", DAY, "30", "5"): "Cổng không có đơn vị &#39;DNG-XX&#39;.",
        ("", "canh_bao_la", "30", "5"): "Không có loại cảnh báo",
    }
    for (unit, kind, threshold, window), words in cases.items():
        typed = {"unit": unit, "kind": kind, "threshold": threshold, "window": window}
        refused = post(province, dash, PAGE + "/quy-tac", typed)
        assert refused.status_code == 400, typed
        assert words in refused.text, refused.text[-3000:]
        assert f'value="{threshold}"' in refused.text  # what was typed stays in the form
    made = post(province, dash, PAGE + "/quy-tac", {"unit": "", "kind": SILENT, "window": "45"})
    assert made.status_code == 303
    (rule_id,) = db_rows(dash, "SELECT id FROM alert_rules WHERE kind = ?", SILENT)[0]
    listed = province.get(dash.url + PAGE, timeout=30).text
    assert "Máy tính bảng im lặng quá 45 phút trong giờ làm việc" in listed
    removed = post(province, dash, f"{PAGE}/quy-tac/{rule_id}/xoa", {})
    assert removed.status_code == 303
    assert not db_rows(dash, "SELECT id FROM alert_rules WHERE kind = ?", SILENT)
    assert post(province, dash, f"{PAGE}/quy-tac/{rule_id}/xoa", {}).status_code == 404
    audit = db_rows(
        dash,
        "SELECT detail FROM dashboard_events"
        " WHERE action = 'alert_rule_changed' ORDER BY id DESC LIMIT 1",
    )
    silent = "Máy tính bảng im lặng quá 45 phút trong giờ làm việc"
    assert audit[0][0] == f"bỏ quy tắc {rule_id} (mọi đơn vị): {silent}"
