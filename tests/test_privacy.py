"""Phone and ID numbers typed in the UI appear nowhere in clear: not the database, not the logs,
not the live WAL, the exports, the upgrade backups, nor the portal's database after sync.

Nor does what a citizen types on the keyboard reach any log: Kivy's files, stderr (the
journal in production), the kiosk's own log.
"""

from __future__ import annotations

import base64
import json
import os
import re
import shutil
import subprocess
import sys
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from nacl.public import PrivateKey, SealedBox

from tests.conftest import ROOT, write_config

PHONE, CITIZEN_ID = "0938271605", "092187004512"


def _all_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


def assert_no_digits(paths: list[Path]) -> None:
    """Neither number, whole or without its first digits, as text or UTF-16, in any file."""
    for path in paths:
        content = path.read_bytes()
        for secret in (PHONE, CITIZEN_ID, PHONE[1:], CITIZEN_ID[3:]):
            assert secret.encode() not in content, f"{secret} found in {path}"
            assert secret.encode("utf-16-le") not in content, f"{secret} found in {path}"


@pytest.mark.ui
@pytest.mark.parametrize("enrolled", [False, True], ids=["not-enrolled", "enrolled"])
def test_raw_digits_are_in_no_file_the_kiosk_wrote(start_kiosk, tmp_path, enrolled):
    changes = {}
    if enrolled:
        public = PrivateKey.generate().public_key
        changes["portal__public_key"] = base64.b64encode(bytes(public)).decode()
    config = write_config(tmp_path / "config.yaml", **changes)
    data_dir = tmp_path / "data"
    pilot = start_kiosk(config, data_dir)
    for _ in range(2):
        pilot.identify(PHONE, CITIZEN_ID)
        pilot.rate_satisfied()
        pilot.tap(pilot.screen.ids.home)
    pilot.app.core.engine.dispose()  # let SQLite write everything it holds

    files = _all_files(data_dir, Path(os.environ["KIVY_HOME"]))
    names = {p.name for p in files}
    assert {"kiosk.db", "kiosk.log"} <= names
    assert (data_dir / "logs" / "kiosk.log").read_text().count("stored") == 2
    assert_no_digits(files)


@pytest.mark.ui
@pytest.mark.slow
def test_no_keystroke_or_comment_reaches_any_log_even_at_debug(config_file, data_dir):
    command = [sys.executable, "-m", "tests.drive_kiosk", "type-comment"]
    child = subprocess.run(
        [*command, str(config_file), str(data_dir)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert "TYPED True" in child.stdout, child.stderr[-3000:]
    kivy_home = Path(child.stdout.split("KIVY_HOME", 1)[1].split()[0])
    try:
        kivy_logs = _all_files(kivy_home / "logs")
        assert kivy_logs, "Kivy wrote no log file: the test would prove nothing"
        assert "[DEBUG" in kivy_logs[0].read_text(encoding="utf-8", errors="replace")
        outputs = {"stderr": child.stderr, "stdout": child.stdout}
        for path in [*kivy_logs, *_all_files(data_dir / "logs")]:
            outputs[str(path)] = path.read_text(encoding="utf-8", errors="replace")
    finally:
        shutil.rmtree(kivy_home, ignore_errors=True)
    # A word may be logged whole, as raw keys, or spelled out as a list of its parts
    # (['đ', 'ợ', 'i']): looked for with the list's punctuation taken out.
    typed = ["ddowij", "laau", "quas", "khoong", "đợi", "lâu", "quá", "không"]
    for where, text in outputs.items():
        squeezed = re.sub(r"[\[\]',\s]", "", text)
        for fragment in typed:
            assert fragment not in text and fragment not in squeezed, f"{fragment!r} in {where}"


def _canary_answer(core, moment: datetime | None = None):
    """The two numbers typed through the real flow (the domain the UI drives)."""
    survey = core.new_survey()
    if moment is not None:
        survey.now = lambda: moment
    values = {"phone": PHONE, "citizen_id": CITIZEN_ID, "dossier_code": ""}
    assert survey.submit_identification(values) == {}
    survey.advance()
    survey.answer("verdict", "satisfied")
    return survey.finish()


def _enrolled_config(tmp_path: Path) -> Path:
    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    return write_config(tmp_path / "config.yaml", portal__public_key=public)


def test_live_wal_exports_and_upgrade_backups_hold_no_digits(tmp_path):
    from kiosk.core import KioskCore
    from kiosk.store.answers import Context, save_answer
    from kiosk.store.engine import make_engine
    from kiosk.store.migrate import downgrade, upgrade
    from kiosk.store.personal import DayKeys, PersonalData

    config, data = _enrolled_config(tmp_path), tmp_path / "data"
    data.mkdir()
    old = make_engine(data / "kiosk.db")  # a tablet of the previous schema, with answers
    upgrade(old)  # today's code writes the answers below; then the file is made 0003's
    core = KioskCore.load(config, data)  # its store is opened (and upgraded) below
    moment = datetime.now(timezone.utc) - timedelta(minutes=5)
    personal = PersonalData(
        DayKeys(data / "keys", core.config.integrity.zone), core.config.portal_public_key
    )
    context = Context(core.config.unit_code, core.config.counter, "kiosk-before")
    for _ in range(2):
        canary = _canary_answer(core, moment)
        save_answer(old, canary, core.form, context, personal, core.config.integrity)
    downgrade(old, "0003")
    old.dispose()

    core.open_store()  # upgrades, keeping a backup of the 0003 file beside it
    [backup] = data.glob("kiosk.db.backup-0003-*")
    for _ in range(2):
        core.save(_canary_answer(core))
    wal = data / "kiosk.db-wal"
    live_wal = tmp_path / "live-wal"
    shutil.copyfile(wal, live_wal)  # as a thief would, the store open and writing
    assert live_wal.stat().st_size > 0
    exports = []
    for kind in ("csv", "jsonl"):
        out = tmp_path / f"answers.{kind}"
        made = subprocess.run(
            [
                sys.executable,
                "-m",
                "kiosk",
                "export",
                "--format",
                kind,
                "--out",
                str(out),
                "--config",
                str(config),
                "--data-dir",
                str(data),
            ],
            cwd=ROOT,
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert made.returncode == 0, made.stderr
        assert (
            out.read_text(encoding="utf-8-sig").count(
                "satisfied" if kind == "jsonl" else "Hài lòng"
            )
            >= 4
        )
        exports.append(out)
    assert_no_digits([live_wal, backup, *exports, *_all_files(data)])
    core.engine.dispose()


@pytest.mark.slow
def test_the_portals_database_after_sync_holds_no_digits(tmp_path):
    from kiosk.core import KioskCore
    from tests.portal_support import start_portal, sync

    portal_dir = tmp_path / "portal"
    portal_dir.mkdir()
    portal = start_portal(f"sqlite:///{portal_dir / 'portal.db'}", log=portal_dir / "portal.log")
    try:
        private = tmp_path / "portal-private.key"  # the re-verifier's, kept off the portal
        assert portal.portal("keys", "--private-out", str(private)).returncode == 0
        data = tmp_path / "data"
        portal.enrol(data)
        core = KioskCore.open(write_config(tmp_path / "config.yaml"), data)
        for _ in range(3):
            core.save(_canary_answer(core))
        done = sync("--once", "--data-dir", str(data))
        assert done.returncode == 0, done.stderr
        assert PHONE not in done.stdout + done.stderr
        live = tmp_path / "portal-live"
        shutil.copytree(portal_dir, live)  # its WAL too, while it runs
        payloads = _portal_payloads(portal.db)
    finally:
        portal.stop()
    assert len(payloads) == 3
    # The numbers did travel, sealed: the re-verifier's key opens them, nothing else does.
    box = SealedBox(PrivateKey(base64.b64decode(private.read_text())))
    sealed = json.loads(box.decrypt(base64.b64decode(payloads[0]["personal_sealed"])))
    assert sealed == {"citizen_id": CITIZEN_ID, "phone": PHONE}
    assert payloads[0]["phone_hash"] is None
    assert_no_digits([*_all_files(live), *_all_files(portal_dir), *_all_files(data)])
    core.engine.dispose()


def _portal_payloads(db: str) -> list[dict]:
    from sqlalchemy import create_engine, text

    engine = create_engine(db)
    try:
        with engine.connect() as connection:
            rows = connection.execute(text("SELECT payload FROM answers ORDER BY id"))
            return [p if isinstance(p, dict) else json.loads(p) for (p,) in rows]
    finally:
        engine.dispose()
