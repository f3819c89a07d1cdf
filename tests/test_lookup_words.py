"""A dossier looked up at the kiosk, in words (kiosk/domain/dossier_words.py): each status,
late or not, with the unit's apology or a kind default, in Vietnamese and English."""

from __future__ import annotations

import dataclasses
from datetime import datetime

import pytest

from contract.dossiers import PROCESSING, READY, RETURNED, DossierView
from kiosk.domain.dossier_words import date, dossier_words
from kiosk.locale import Translator

VI, EN = Translator("vi"), Translator("en")

ON_TIME = DossierView(
    code="000.00.12.H17-261120-0001",
    procedure="Cấp bản sao trích lục hộ tịch",
    field="Hộ tịch",
    received_at=datetime(2026, 11, 20, 8, 30),
    appointment_at=datetime(2026, 11, 25, 16, 0),
    returned_at=None,
    status=PROCESSING,
    late=False,
    delay_days=0,
)


def view(**changes: object) -> DossierView:
    return dataclasses.replace(ON_TIME, **changes)  # type: ignore[arg-type]


def test_dates_read_as_on_the_receipt():
    assert date(datetime(2026, 1, 5, 23, 59)) == "05/01/2026"
    assert date(None) == ""


def test_processing_on_time_says_the_day_promised_and_nothing_of_lateness():
    words = dossier_words(ON_TIME, VI)
    assert words.status == "Đang giải quyết"
    assert words.detail == "Hẹn trả kết quả ngày 25/11/2026."
    assert (words.late, words.apology, words.can_rate) == ("", "", False)
    assert words.facts == (
        ("Mã hồ sơ", "000.00.12.H17-261120-0001"),
        ("Thủ tục", "Cấp bản sao trích lục hộ tịch"),
        ("Lĩnh vực", "Hộ tịch"),
        ("Ngày tiếp nhận", "20/11/2026"),
        ("Ngày hẹn trả", "25/11/2026"),
    )


def test_late_with_the_units_own_apology():
    apology = "UBND phường thành thật xin lỗi ông/bà; hồ sơ sẽ được trả trước ngày 30/11."
    words = dossier_words(view(late=True, delay_days=3, apology=f"  {apology} "), VI)
    assert words.status == "Đang giải quyết"
    assert words.late == "Hồ sơ trễ hẹn 3 ngày."
    assert words.apology == apology


def test_late_without_an_apology_recorded_gets_a_kind_default():
    words = dossier_words(view(late=True, delay_days=1), VI)
    assert words.late == "Hồ sơ trễ hẹn 1 ngày."
    assert words.apology == "Cơ quan thành thật xin lỗi ông/bà vì sự chậm trễ này."
    english = dossier_words(view(late=True, delay_days=1), EN)
    assert english.late == "Your dossier is 1 day late."
    assert english.apology == "We sincerely apologise for the delay."


def test_late_on_the_day_promised_says_late_without_a_number():
    words = dossier_words(view(late=True, delay_days=0), VI)
    assert words.late == "Hồ sơ trễ hẹn."


def test_an_apology_on_a_dossier_on_time_is_not_shown():
    assert dossier_words(view(apology="Xin lỗi"), VI).apology == ""


@pytest.mark.parametrize(
    ("counter", "where"),
    [
        ("3", "Mời ông/bà nhận kết quả tại quầy 3."),
        ("Quầy số 3", "Mời ông/bà nhận kết quả tại Quầy số 3."),
        ("quầy trả kết quả", "Mời ông/bà nhận kết quả tại quầy trả kết quả."),
        ("", "Mời ông/bà nhận kết quả tại bộ phận trả kết quả."),
        ("  ", "Mời ông/bà nhận kết quả tại bộ phận trả kết quả."),
    ],
)
def test_ready_says_where_to_collect(counter, where):
    words = dossier_words(view(status=READY, counter=counter), VI)
    assert (words.status, words.detail, words.can_rate) == ("Đã có kết quả", where, False)


def test_ready_in_english_never_says_counter_twice():
    assert dossier_words(view(status=READY, counter="Q2"), EN).detail == (
        "Please collect your result at counter Q2."
    )
    assert dossier_words(view(status=READY, counter="Counter 4"), EN).detail == (
        "Please collect your result at Counter 4."
    )


def test_returned_says_when_and_may_be_rated():
    returned = view(status=RETURNED, returned_at=datetime(2026, 11, 24, 10, 0))
    words = dossier_words(returned, VI)
    assert words.status == "Đã trả kết quả"
    assert words.detail == "Kết quả đã được trả ngày 24/11/2026."
    assert words.can_rate is True
    assert "24/11/2026" not in dict(words.facts).values()  # said once, in its own line


def test_returned_late_says_by_how_much():
    returned = view(
        status=RETURNED, returned_at=datetime(2026, 11, 27, 9, 0), late=True, delay_days=2
    )
    words = dossier_words(returned, VI)
    assert (words.late, words.can_rate) == ("Hồ sơ trễ hẹn 2 ngày.", True)


def test_a_dossier_without_a_field_leaves_the_line_out():
    labels = [label for label, _ in dossier_words(view(field=""), VI).facts]
    assert "Lĩnh vực" not in labels and "Thủ tục" in labels
