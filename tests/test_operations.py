"""Staff and IT operations driven through the core, without Kivy: what the staff area's
buttons and the commands do (kiosk/operations), each audited where the staff area is.
"""

from __future__ import annotations

import io
import json
import subprocess
import sys
import time
from datetime import datetime, timedelta, timezone

import pytest

from kiosk.core import KioskCore
from kiosk.demo import make_demo_answers
from kiosk.domain.shifts import Shift
from kiosk.locale import Translator
from kiosk.operations.it import ExportFailed
from kiosk.store.answers import iter_answers
from kiosk.store.audit import entries
from kiosk.store.outbox import set_aside
from tests.conftest import ROOT, write_config
from tests.portal_support import free_port, start_portal

TR = Translator("vi")


@pytest.fixture
def core(tmp_path):
    core = KioskCore.open(write_config(tmp_path / "config.yaml"), tmp_path / "data")
    yield core
    core.engine.dispose()


def audited(core: KioskCore) -> list[tuple[str, str, str]]:
    return [(e.actor, e.action, e.detail) for e in entries(core.engine)]


def test_the_core_and_its_operations_load_without_kivy_the_store_or_requests():
    """kiosk.core is imported before the first frame: the heavy imports wait for their use."""
    code = (
        "import sys, kiosk.core, kiosk.operations.setup\n"
        "print(sorted(m for m in ('kivy', 'sqlalchemy', 'requests') if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, timeout=60
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


# --- export ----------------------------------------------------------------------------
def test_the_it_areas_export_is_a_named_file_in_the_exports_folder_and_audited(core):
    make_demo_answers(core, 3, seed=1)
    done = core.it.export()
    assert done.count == 3 and done.path is not None
    assert done.path.parent == core.data_dir / "exports"
    assert done.path.name.startswith("answers-") and done.path.suffix == ".csv"
    raw = done.path.read_bytes()
    assert raw[:3] == b"\xef\xbb\xbf"  # for Excel, as the command's
    assert len(raw.decode("utf-8-sig").splitlines()) == 4
    assert audited(core) == [("it", "export", f"it_area {done.path.name}")]


def test_the_commands_export_goes_to_a_stream_or_a_file_since_a_day(core, tmp_path):
    make_demo_answers(core, 2, seed=2)
    stream = io.StringIO()
    done = core.it.export("jsonl", stream, where="cli")
    assert (done.count, done.path) == (2, None)
    assert [json.loads(line)["sequence"] for line in stream.getvalue().splitlines()] == [1, 2]
    later = core.it.export(
        "jsonl", tmp_path / "none.jsonl", datetime(2999, 1, 1, tzinfo=timezone.utc)
    )
    assert later.count == 0 and (tmp_path / "none.jsonl").read_text() == ""
    assert audited(core) == [("it", "export", "cli stdout"), ("it", "export", "it_area none.jsonl")]


def test_an_export_that_cannot_be_written_raises_and_is_not_audited(core, tmp_path):
    with pytest.raises(ExportFailed) as failed:
        core.it.export("csv", tmp_path / "missing" / "answers.csv")
    assert isinstance(failed.value.cause, OSError)
    words = failed.value.describe(Translator("vi"))
    assert words.startswith("Không ghi được tệp xuất") and "missing/answers.csv" in words
    assert audited(core) == []


def test_an_export_of_a_store_that_cannot_be_read_says_so_in_the_same_words(core, tmp_path):
    """The IT area is opened when something is wrong: a broken store is worded, not raised."""
    with core.engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE responses RENAME TO damaged")
    with pytest.raises(ExportFailed) as failed:
        core.it.export("csv", tmp_path / "answers.csv")
    assert failed.value.describe(Translator("vi")).startswith("Không ghi được tệp xuất")
    assert not (tmp_path / "answers.csv").exists()


# --- the portal's connection test --------------------------------------------------------
@pytest.mark.slow
def test_the_portal_test_names_the_portals_version_and_clock(core, tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    try:
        portal.enrol(core.data_dir)
        enrolled = KioskCore.open(write_config(tmp_path / "config.yaml"), core.data_dir)
        assert enrolled.it.portal_url == portal.url
        check = enrolled.it.check_portal()
    finally:
        portal.stop()
    assert check.ok and check.url == portal.url and check.error == ""
    assert check.version.count(".") == 2
    server_time = datetime.fromisoformat(check.server_time.replace("Z", "+00:00"))
    assert abs(server_time - datetime.now(timezone.utc)) < timedelta(minutes=1)


def test_a_port_that_refuses_is_a_failed_test_that_says_why():
    from kiosk.operations.it import check_portal

    url = f"http://127.0.0.1:{free_port()}"  # nobody listens there
    check = check_portal(url)
    assert not check.ok
    assert (check.url, check.version, check.error) == (url, "", "ConnectionError")
    without_ca = check_portal(url.replace("http:", "https:"), "/nowhere/ca.pem")
    assert (without_ca.ok, without_ca.error) == (False, "OSError")  # said, not a dead thread


# --- enrolment by QR code ------------------------------------------------------------------
def test_a_code_that_is_no_offer_is_refused_in_words(core):
    offer, refusal = core.it.read_offer([b"000.00.12.H17-251023-0001"])
    assert offer is None and refusal is not None and not refusal.ok
    assert refusal.words(TR) == "Đây không phải mã QR đăng ký máy"
    assert core.it.read_offer([]) == (None, None)


def test_an_offer_whose_portal_refuses_the_connection_enrols_nothing(core):
    payload = {
        "kind": "khl-enrol/1",
        "portal_url": f"http://127.0.0.1:{free_port()}",
        "device_id": "kiosk-test",
        "code": "x" * 20,
        "unit_code": "DNG-HC",
        "counter": "Q2",
        "public_key": "",
        "expires_at": "2999-01-01T00:00:00Z",
    }
    offer, refusal = core.it.read_offer([json.dumps(payload).encode()])
    assert offer is not None and refusal is None
    outcome = core.it.enrol_by_offer(offer)
    assert (outcome.ok, outcome.key) == (False, "enrol.unreachable")
    assert not (core.data_dir / "enrolment.json").exists()
    assert audited(core) == []


# --- what IT reads -------------------------------------------------------------------------
def test_sync_status_and_the_it_areas_status_agree(core):
    make_demo_answers(core, 3, seed=3)
    before = core.it.sync_status()
    assert (before.pending, before.rejected, before.rejected_answers) == (3, 0, [])
    uuid = next(iter(iter_answers(core.engine))).uuid
    set_aside(core.engine, uuid, "too_large: set aside after 3 refusals")
    sync = core.it.sync_status()
    assert (sync.pending, sync.rejected, sync.delivered) == (2, 1, 0)
    assert sync.set_aside_reasons == {"rejected: too_large": 1}
    assert sync.rejected_answers == [(uuid, "rejected: too_large: set aside after 3 refusals")]
    assert (sync.last_success, sync.last_error, sync.clock_offset_s) == ("", "", 0.0)
    status = core.it.status()
    assert status.sync == sync and status.device_id == core.device_id
    assert status.enrolment == core.enrolment_state() and status.config_problems == 0
    assert core.it.requeue(None, "it_area") == [uuid]
    assert audited(core) == [("it", "requeue", "it_area 1: all")]


def test_the_log_tail_is_the_logs_last_lines(core):
    core.log_path.write_text("".join(f"line {n}\n" for n in range(30)), encoding="utf-8")
    assert core.it.log_tail(3) == ["line 27", "line 28", "line 29"]
    core.log_path.unlink()
    assert core.it.log_tail(3) == []


# --- PINs and shifts -------------------------------------------------------------------------
def test_each_try_of_a_pin_is_audited_and_the_lockout_is_kept_in_the_store(core):
    staff, now = core.staff, time.time()
    assert staff.try_pin("CB01", "0000", now) == "wrong"
    assert staff.try_pin("CB01", "1357", now) == "ok"
    for _ in range(5):
        staff.try_pin("it", "1111", now)
    assert staff.try_pin("it", "2468", now) == "locked"  # right, but unchecked meanwhile
    assert staff.pin_guard("it").locked_for(now) > 0  # as the store keeps it
    assert staff.pin_guard("CB01").locked_for(now) == 0
    assert [a[:2] for a in audited(core)] == [("CB01", "wrong_pin"), ("CB01", "sign_in")] + [
        ("it", "wrong_pin")
    ] * 5 + [("it", "locked")]


def test_a_shift_starts_ends_with_counts_and_the_next_officer_ends_it_audited(core):
    staff = core.staff
    assert staff.counter_now() == "Q1" and staff.summary() is None
    staff.start_shift("CB01", "Q2")
    assert core.context().counter == "Q2" and staff.counter_now() == "Q2"
    staff.start_shift("CB02", "Q1")  # the next officer takes over
    summary = staff.end_shift(by="CB02")
    assert summary is not None and summary.shift.officer == "CB02" and summary.answers == 0
    assert core.shift is None and staff.end_shift(by="CB02") is None
    assert audited(core) == [
        ("CB01", "shift_start", "Q2"),
        ("CB01", "shift_ended_by_next", "CB02"),
        ("CB02", "shift_start", "Q1"),
        ("CB02", "shift_end", "CB02"),
        ("CB02", "shift_end", ""),
    ]


def test_a_shift_left_open_overnight_is_ended_as_the_systems_action(core):
    core.staff.start_shift("CB01", "Q1")
    core.shift = Shift("CB01", "Q1", datetime.now(timezone.utc) - timedelta(days=2))
    assert core.staff.end_shift_if_day_is_over() == "CB01"
    assert core.shift is None
    assert audited(core)[-2:] == [
        ("CB01", "shift_start", "Q1"),
        ("system", "shift_end_of_day", "CB01"),
    ]
    assert core.staff.end_shift_if_day_is_over() is None  # nobody on duty: nothing more


# --- commands ------------------------------------------------------------------------------
def test_a_command_gets_words_instead_of_a_traceback(tmp_path):
    broken = tmp_path / "config.yaml"
    broken.write_text("unit: {code: X}\n", encoding="utf-8")
    core, why = KioskCore.open_or_say_why(broken, tmp_path / "d", TR)
    assert core is None and f"{broken}, dòng 1" in why
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    core, why = KioskCore.open_or_say_why(None, blocker / "data", TR)
    assert core is None and why.startswith("Không mở được dữ liệu trong")
