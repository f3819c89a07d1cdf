"""Phone and ID numbers typed in the UI appear nowhere in clear: not the database, not the logs.

Nor does what a citizen types on the keyboard reach any log: Kivy's files, stderr (the
journal in production), the kiosk's own log.
"""

from __future__ import annotations

import base64
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from tests.conftest import ROOT, write_config

pytestmark = pytest.mark.ui

PHONE, CITIZEN_ID = "0938271605", "092187004512"


def _all_files(*folders: Path) -> list[Path]:
    return [p for folder in folders for p in folder.rglob("*") if p.is_file()]


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
    for path in files:
        content = path.read_bytes()
        for secret in (PHONE, CITIZEN_ID, PHONE[1:], CITIZEN_ID[3:]):
            assert secret.encode() not in content, f"{secret} found in {path}"
            assert secret.encode("utf-16-le") not in content, f"{secret} found in {path}"


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
