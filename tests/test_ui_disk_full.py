"""A full disk heals itself: once space returns, the kiosk greets the next citizen.

The data directory is a small tmpfs filled to the last byte (needs root to mount).
"""

from __future__ import annotations

import errno
import os
import subprocess

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from kiosk.store.models import Response

pytestmark = [
    pytest.mark.ui,
    pytest.mark.skipif(os.geteuid() != 0, reason="mounting a small tmpfs needs root"),
]

PHONE, CITIZEN_ID = "0912345678", "079199123456"


@pytest.fixture
def small_disk(tmp_path):
    where = tmp_path / "data"
    where.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(where)], check=True)
    yield where
    subprocess.run(["umount", "-l", str(where)], check=True)


def fill(where) -> os.PathLike:
    """Write until the disk refuses: the file system is then full."""
    filler = where / "filler"
    with filler.open("wb", buffering=0) as handle:
        for size in (65536, 512, 1):  # to the last byte
            try:
                while True:
                    handle.write(b"\0" * size)
            except OSError as exc:
                assert exc.errno == errno.ENOSPC
    return filler


def answer(pilot) -> str:
    pilot.identify(PHONE, CITIZEN_ID)
    pilot.rate_satisfied()
    return pilot.screen_name


def test_the_kiosk_returns_to_service_by_itself_when_space_returns(start_kiosk, small_disk):
    pilot = start_kiosk(data_dir=small_disk)
    pilot.app.visit.heal_check_s = 0.2
    filler = fill(small_disk)
    for _ in range(20):  # SQLite may still have room in pages it holds: until it has none
        if answer(pilot) == "out_of_service":
            break
        pilot.tap(pilot.screen.ids.home)
    assert pilot.screen_name == "out_of_service"
    assert "chưa được lưu" in pilot.texts()
    assert not pilot.until(lambda: pilot.screen_name != "out_of_service", seconds=1.5)

    filler.unlink()  # IT frees space; nobody signs in
    assert pilot.until(lambda: pilot.screen_name == "welcome", seconds=10)
    pilot.identify(PHONE, CITIZEN_ID)
    uuid = pilot.app.survey.uuid
    pilot.rate_satisfied()
    assert pilot.screen_name == "thanks"
    with Session(pilot.app.core.engine) as session:
        assert uuid in set(session.scalars(select(Response.uuid)))
