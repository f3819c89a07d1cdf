"""The real portal with a unit's dossiers, for the kiosk's "Tra cứu hồ sơ": its tests
(tests/test_kiosk_lookup.py) and its screenshots (tests/lookup_screenshots.py).

The dates are counted from today, so that "late by 3 days" stays 3 days whenever it runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from contract.enrolment import Enrolment
from tests.portal_support import Portal, start_portal

APOLOGY = "UBND phường thành thật xin lỗi ông/bà vì hồ sơ trễ hẹn; cán bộ sẽ gọi điện báo."
PREFIX = "000.00.12.H17-"


def day(days_from_today: int, at: str = "16:00") -> str:
    return f"{(date.today() + timedelta(days=days_from_today)).isoformat()} {at}"


# The cases a citizen meets: (the serial typed after the prefix, the CSV row after the code).
CASES = {
    "processing": (
        "2611200001",
        f"Cấp bản sao trích lục hộ tịch,Hộ tịch,{day(-2, '08:30')},{day(5)},,processing,",
    ),
    "late": (
        "2611200002",
        f"Đăng ký khai sinh,Hộ tịch,{day(-9, '08:30')},{day(-3)},,Đang giải quyết,",
    ),
    "ready": (
        "2611200003",
        f"Chứng thực bản sao từ bản chính,Chứng thực,{day(-4, '09:00')},{day(1)},,ready,3",
    ),
    "returned": (
        "2611200004",
        f"Chứng thực chữ ký trong các giấy tờ,Chứng thực,{day(-6, '10:00')},{day(-1)},"
        f"{day(-2, '14:00')},returned,",
    ),
}


def code_of(serial: str) -> str:
    return f"{PREFIX}{serial[:6]}-{serial[6:]}"


@dataclass
class LookupPortal:
    server: Portal
    enrolment: Enrolment

    def stop(self) -> None:
        self.server.stop()


def portal_with_dossiers(folder: Path) -> LookupPortal:
    """Start the portal in `folder`, import CASES for unit DNG-HC, record its apology and
    enrol a tablet (its enrolment file in folder/kiosk)."""
    from kiosk.enrolment import load_enrolment

    server = start_portal(f"sqlite:///{folder}/portal.db", log=folder / "portal.log")
    try:
        rows = [f"{code_of(serial)},DNG-HC,{row}" for serial, row in CASES.values()]
        header = "code,unit,procedure,field,received,appointment,returned,status,counter"
        csv = folder / "dossiers.csv"
        csv.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
        imported = server.portal("dossiers", "import", str(csv))
        assert imported.returncode == 0, imported.stderr
        apology = server.portal("unit", "DNG-HC", "--apology", APOLOGY)
        assert apology.returncode == 0, apology.stderr
        server.enrol(folder / "kiosk")
        enrolment = load_enrolment(folder / "kiosk")
        assert enrolment is not None
        return LookupPortal(server, enrolment)
    except BaseException:
        server.stop()
        raise


def look_up(pilot, serial: str) -> None:
    """From the welcome screen: "Tra cứu hồ sơ", the serial after the prefix, "Tra cứu",
    and wait for the portal's word."""
    pilot.tap(pilot.screen.ids.lookup)
    assert pilot.screen_name == "lookup"
    assert pilot.screen.shown == PREFIX  # the unit's prefix is there already
    pilot.keys(serial)
    pilot.tap(pilot.screen.ids.ask)  # "Đang tra cứu…" (too short to see on loopback)
    assert pilot.until(lambda: pilot.screen.mode != "asking")
    pilot.frames()
