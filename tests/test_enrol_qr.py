"""Enrolment by QR code: the portal makes a one-time code, the staff area scans it.

Real parts throughout: the portal as a process on loopback, its PNG decoded with pyzbar,
the kiosk's window on Xvfb with the camera fed that PNG, the sync daemon as a process.
"""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests
from PIL import Image
from pyzbar import pyzbar

from kiosk.enrolment import EnrolmentRefused, claim, read_offer
from tests.conftest import ROOT, write_config
from tests.portal_support import start_portal
from tests.receipt_images import write_code_image


@pytest.fixture
def portal(tmp_path):
    server = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    keys = server.portal("keys", "--private-out", str(tmp_path / "portal.key"))
    assert keys.returncode == 0, keys.stderr
    yield server
    server.stop()


def make_code(portal, folder: Path, counter: str = "Q2", hours: str = "72") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    out = folder / "enrol.png"
    made = portal.portal(
        "device",
        "add",
        "--unit",
        "DNG-HC",
        "--counter",
        counter,
        "--portal-url",
        portal.url,
        "--qr-out",
        str(out),
        "--valid-hours",
        hours,
    )
    assert made.returncode == 0, made.stderr
    assert "works once" in made.stdout and "█" in made.stdout  # the code, on the terminal
    return out


def scanned(path: Path) -> bytes:
    [symbol] = pyzbar.decode(Image.open(path).convert("L"))
    return symbol.data


@pytest.mark.slow
def test_the_printed_code_round_trips_and_works_once(portal, tmp_path):
    offer = read_offer(scanned(make_code(portal, tmp_path / "qr")))
    assert (offer.portal_url, offer.unit_code, offer.counter) == (portal.url, "DNG-HC", "Q2")
    assert offer.device_id in portal.portal("device", "list").stdout
    assert len(offer.public_key) == 44  # the portal's key, for sealing personal data
    enrolment = claim(offer)
    assert enrolment.device_id == offer.device_id and len(enrolment.secret) >= 40
    with pytest.raises(EnrolmentRefused) as again:
        claim(offer)
    assert again.value.key == "enrol.enrolment_used"
    answer = requests.post(
        portal.url + "/api/v1/enrolments/claim",
        json={"device_id": offer.device_id, "code": offer.code},
        timeout=10,
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["code"] == "enrolment_used"
    assert "was used at" in answer.json()["error"]["message"]


@pytest.mark.slow
def test_an_expired_or_unknown_code_is_refused_by_the_portal(portal, tmp_path):
    offer = read_offer(scanned(make_code(portal, tmp_path / "qr", hours="0")))
    with pytest.raises(EnrolmentRefused) as expired:
        claim(offer)
    assert expired.value.key == "enrol.enrolment_expired"
    forged = read_offer(offer.payload().replace(offer.code, "x" * len(offer.code)))
    with pytest.raises(EnrolmentRefused) as unknown:
        claim(forged)
    assert unknown.value.key == "enrol.enrolment_unknown"


@pytest.mark.slow
def test_codes_that_are_not_enrolments_are_refused_locally(portal, tmp_path):
    offer = read_offer(scanned(make_code(portal, tmp_path / "qr")))
    for payload in (b"000.00.12.H17-251023-0001", b'{"kind":"other"}', b"\xff\x00", "x" * 5000):
        with pytest.raises(EnrolmentRefused) as refused:
            read_offer(payload)
        assert refused.value.key == "enrol.not_an_offer"
    with pytest.raises(EnrolmentRefused) as other:
        read_offer(offer.payload(), current_portal="https://portal.hue.gov.vn")
    assert other.value.key == "enrol.other_portal"
    assert read_offer(offer.payload(), current_portal=portal.url + "/").device_id
    bad_key = offer.payload().replace(offer.public_key, "bm90IGEga2V5")
    with pytest.raises(EnrolmentRefused) as broken:
        read_offer(bad_key)
    assert broken.value.key == "enrol.bad_offer"
    with pytest.raises(EnrolmentRefused) as unreachable:
        claim(read_offer(offer.payload().replace(portal.url, "http://127.0.0.1:9")))
    assert unreachable.value.key == "enrol.unreachable"


def _staff_area(pilot) -> None:
    pilot.staff_area("it")
    pilot.keys("2468")
    pilot.tap(pilot.screen.ids.ok)
    assert pilot.screen.unlocked


@pytest.mark.ui
@pytest.mark.slow
def test_staff_scan_the_code_and_the_tablet_sends_to_the_portal(portal, start_kiosk, tmp_path):
    code = make_code(portal, tmp_path / "camera")
    data = tmp_path / "data"
    command = [sys.executable, "-m", "sync", "--data-dir", str(data)]
    daemon = subprocess.Popen(
        command, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True
    )
    try:
        config = write_config(tmp_path / "config.yaml", qr__camera=str(code.parent))
        pilot = start_kiosk(config, data)
        assert pilot.until(lambda: pilot.app.camera_feed is not None)
        _staff_area(pilot)
        pilot.tap(pilot.screen.ids.enrol)
        assert pilot.until(lambda: "Đã đăng ký" in pilot.screen.notice), pilot.screen.problem
        enrolment = json.loads((data / "enrolment.json").read_text())
        assert (data / "enrolment.json").stat().st_mode & 0o037 == 0  # group may read only
        assert (enrolment["counter"], enrolment["portal_url"]) == ("Q2", portal.url)
        assert pilot.app.core.config.counter == "Q2"
        from kiosk.store.audit import entries

        assert [(e.actor, e.action) for e in entries(pilot.app.core.engine)][-1] == ("it", "enrol")

        pilot.tap(pilot.screen.ids.enrol)  # the same code again: the portal refuses it
        assert pilot.until(lambda: pilot.screen.problem != "")
        assert "Mã đăng ký này đã được dùng" in pilot.screen.problem

        pilot.tap(pilot.screen.ids.resume)
        pilot.identify("0912345678", "079199123456")
        pilot.rate_satisfied()
        with sqlite3.connect(data / "kiosk.db") as db:
            [(uuid, counter, sealed)] = db.execute(
                "SELECT uuid, counter, personal_sealed FROM responses"
            ).fetchall()
        assert counter == "Q2" and sealed is not None  # sealed to the key the code carried
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and uuid not in portal.uuids():
            time.sleep(0.5)
        assert uuid in portal.uuids()  # the waiting daemon took the enrolment up
    finally:
        daemon.terminate()
        _, errors = daemon.communicate(timeout=30)
    assert "đang chờ đăng ký" in errors


@pytest.mark.ui
def test_a_receipt_in_front_of_the_enrolment_scan_is_refused(start_kiosk, tmp_path):
    camera = write_code_image("000.00.12.H17-251023-0001", tmp_path / "camera").parent
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera=str(camera)))
    assert pilot.until(lambda: pilot.app.camera_feed is not None)
    _staff_area(pilot)
    pilot.tap(pilot.screen.ids.enrol)
    assert pilot.until(lambda: "Đây không phải mã QR đăng ký máy" in pilot.texts())
    assert not (pilot.app.core.data_dir / "enrolment.json").exists()
