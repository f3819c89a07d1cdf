"""Phone and ID numbers typed in the UI appear nowhere in clear: not the database, not the logs."""

from __future__ import annotations

import base64
import os
from pathlib import Path

import pytest
from nacl.public import PrivateKey

from tests.conftest import write_config

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
