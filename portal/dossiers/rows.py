"""A dossier row as the one-stop software exports it, read into a `DossierRow` or refused
with the column and why, in Vietnamese.

The export's headings vary between provinces' software: ours (`code`, `unit`, …), the
usual Vietnamese ones ("Mã hồ sơ", "Ngày hẹn trả", …), or those portal.yaml maps
(`dossiers.columns`). Dates are read as the software writes them (2026-11-20 08:30,
20/11/2026 08:30, a bare day); an appointment without a time means the end of that day.
Statuses are read in its words too ("Đang giải quyết", "Đã trả kết quả", …).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from contract.dossiers import PROCESSING, READY, RETURNED
from contract.wire import canonical_dossier

FIELDS = (
    "code",
    "unit",
    "procedure",
    "field",
    "received",
    "appointment",
    "returned",
    "status",
    "counter",
)
REQUIRED = ("code", "unit", "procedure", "received", "appointment")
# The headings the provinces' one-stop exports use, beside ours; compared without case.
HEADINGS = {
    "code": ("mã hồ sơ", "ma_ho_so", "số hồ sơ"),
    "unit": ("mã đơn vị", "ma_don_vi", "đơn vị"),
    "procedure": ("tên thủ tục", "thủ tục", "thu_tuc", "thủ tục hành chính"),
    "field": ("lĩnh vực", "linh_vuc"),
    "received": ("ngày tiếp nhận", "ngày nhận", "ngay_tiep_nhan"),
    "appointment": ("ngày hẹn trả", "hẹn trả", "ngay_hen_tra"),
    "returned": ("ngày trả kết quả", "ngày trả", "ngay_tra_ket_qua"),
    "status": ("trạng thái", "tình trạng", "trang_thai"),
    "counter": ("quầy trả kết quả", "quầy", "quay"),
}
SKIP = "skip"  # a dossier withdrawn, refused or cancelled: no result to rate, not kept
STATUS_WORDS = {
    PROCESSING: (
        "đang giải quyết", "đang xử lý", "đang thụ lý", "chưa có kết quả", "chờ bổ sung",
        "tạm dừng", "quá hạn", "trễ hạn", "processing",
    ),
    READY: ("đã có kết quả", "có kết quả", "chờ trả kết quả", "chờ trả", "ready"),
    RETURNED: (
        "đã trả kết quả", "đã trả", "hoàn thành", "đã trả kết quả (trễ hạn)",
        "đã trả kết quả (đúng hạn)", "đã trả kết quả trễ hạn", "đã trả kết quả đúng hạn",
        "returned",
    ),
    SKIP: ("đã rút hồ sơ", "rút hồ sơ", "đã rút", "từ chối", "đã hủy", "hủy", "không giải quyết"),
}  # fmt: skip
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # Unicode's "Cc"
_DATE = re.compile(
    r"(\d{1,4})([-/.])(\d{1,2})\2(\d{1,4})"
    r"(?:[ T](\d{1,2}):(\d{2})(?::(\d{2})(?:\.\d+)?)?(?: ?(SA|CH|AM|PM))?)?",
    re.IGNORECASE,
)
# A date an XLSX cell holds unformatted is Excel's day number (46346 is 20/11/2026).
_EXCEL_EPOCH, _EXCEL_DAYS = datetime(1899, 12, 30), range(30_000, 80_000)
LIMITS = {"code": 64, "unit": 64, "procedure": 300, "field": 200, "counter": 64}


@dataclass(frozen=True)
class DossierRow:
    unit: str
    code: str  # canonical (contract.wire.canonical_dossier)
    procedure: str
    field: str
    received_at: datetime
    appointment_at: datetime
    returned_at: datetime | None
    status: str
    counter: str


@dataclass(frozen=True)
class CellProblem:
    column: str  # one of FIELDS
    why: str  # Vietnamese, the clerk's words


def fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text).casefold().split())


def column_names(mapped: Mapping[str, str]) -> dict[str, str]:
    """Each heading (folded) the file may use, and the field it names."""
    names = {fold(field): field for field in FIELDS}
    for field, headings in HEADINGS.items():
        names |= {fold(heading): field for heading in headings}
    return names | {fold(heading): field for field, heading in mapped.items()}


def status_of(text: str, mapped: Mapping[str, str] | None = None) -> str | None:
    """The status a one-stop software's word names (portal.yaml's `dossiers.statuses`
    first), accents and case aside; SKIP for a dossier not to keep; None: unknown."""
    wanted = unaccented(text)
    for word, status in (mapped or {}).items():
        if unaccented(word) == wanted:
            return status
    return next(
        (key for key, words in STATUS_WORDS.items() if wanted in map(unaccented, words)), None
    )


def unaccented(text: str) -> str:
    """A word without its Vietnamese marks: "Đã trả kết quả" and "Da tra ket qua" are one."""
    decomposed = unicodedata.normalize("NFD", fold(text).replace("đ", "d"))
    return "".join(c for c in decomposed if unicodedata.category(c) != "Mn")


def read_row(
    cells: Mapping[str, str],
    statuses: Mapping[str, str] | None = None,
) -> tuple[DossierRow | None, list[CellProblem]]:
    """One dossier from its cells (by field name); None and the problems when it cannot be
    kept. A status `statuses` or the defaults say to skip: None and no problem."""
    problems: list[CellProblem] = []
    text = {name: _clean(str(cells.get(name) or "")) for name in FIELDS}
    for name in REQUIRED:
        if not text[name]:
            problems.append(CellProblem(name, "trống, cần có"))
    for name, limit in LIMITS.items():
        if len(text[name]) > limit:
            problems.append(CellProblem(name, f"dài quá {limit} ký tự"))
    for name in FIELDS:  # a NUL, say, which PostgreSQL's text cannot keep
        if _CONTROL.search(text[name]):
            problems.append(CellProblem(name, "có ký tự điều khiển không đọc được"))
    received = _moment(text["received"], "received", problems)
    appointment = _moment(text["appointment"], "appointment", problems, end_of_day=True)
    returned = _moment(text["returned"], "returned", problems) if text["returned"] else None
    status = _status(text["status"], returned, problems, statuses)
    if status == SKIP:
        return None, []
    if received and appointment and appointment < received:
        problems.append(CellProblem("appointment", "trước ngày tiếp nhận"))
    if received and returned and returned < received:
        problems.append(CellProblem("returned", "trước ngày tiếp nhận"))
    code = canonical_dossier(text["code"])
    if problems or not (code and received and appointment and status):
        return None, problems
    row = DossierRow(
        unit=text["unit"],
        code=code,
        procedure=text["procedure"],
        field=text["field"] or "Chưa phân loại",
        received_at=received,
        appointment_at=appointment,
        returned_at=returned,
        status=status,
        counter=text["counter"],
    )
    return row, []


def _clean(cell: str) -> str:
    """A cell on one line, composed, without invisible characters (a zero-width space or a
    direction mark pasted along would make a code unfindable or a name print backwards)."""
    composed = unicodedata.normalize("NFC", cell)
    if not composed.isascii():  # ASCII holds no invisible "format" character
        composed = "".join(c for c in composed if unicodedata.category(c) != "Cf")
    return " ".join(composed.split())


def _moment(
    text: str, column: str, problems: list[CellProblem], end_of_day: bool = False
) -> datetime | None:
    if not text:
        return None
    found = _read_moment(text, end_of_day)
    if found is None:
        problems.append(CellProblem(column, f"“{text[:40]}” không phải ngày (20/11/2026 08:30)"))
    return found


def _read_moment(text: str, end_of_day: bool) -> datetime | None:
    """A day, with its time when written: year first (2026-11-20, 2026/11/20) or day first
    (20/11/2026, 20-11-2026, 20.11.2026), or Excel's day number. One regular expression, not
    a dozen strptime tries: a province's file has 600,000 dates."""
    match = _DATE.fullmatch(text)
    if match is None:
        if text.isdigit() and int(text) in _EXCEL_DAYS:
            day = _EXCEL_EPOCH + timedelta(days=int(text))
            return day.replace(hour=23, minute=59, second=59) if end_of_day else day
        return None
    first, middle, last, hour, minute, second, half = match.group(1, 3, 4, 5, 6, 7, 8)
    if len(first) == 4:
        year, month, day_of = int(first), int(middle), int(last)
    elif len(last) == 4:
        year, month, day_of = int(last), int(middle), int(first)
    else:
        return None
    try:
        if hour is None:
            moment = datetime(year, month, day_of)
            return moment.replace(hour=23, minute=59, second=59) if end_of_day else moment
        hours = int(hour) % 12 + (12 if half and half.upper() in ("CH", "PM") else 0)
        hours = hours if half else int(hour)  # "08:30 CH" (chiều) is 20:30
        return datetime(year, month, day_of, hours, int(minute), int(second or 0))
    except ValueError:  # 32/11, 24:00
        return None


def _status(
    text: str,
    returned: datetime | None,
    problems: list[CellProblem],
    mapped: Mapping[str, str] | None,
) -> str | None:
    if not text:  # no status column: the return date says it
        return RETURNED if returned else PROCESSING
    status = status_of(text, mapped)
    if status == SKIP:
        return SKIP
    if status is None:
        known = ", ".join(f"“{STATUS_WORDS[s][0]}”" for s in (PROCESSING, READY, RETURNED))
        problems.append(
            CellProblem(
                "status",
                f"“{text[:40]}” không rõ; dùng {known}, hoặc khai báo trong portal.yaml "
                "(dossiers.statuses)",
            )
        )
    elif status == RETURNED and returned is None:
        problems.append(CellProblem("returned", "đã trả kết quả nhưng không có ngày trả"))
    elif status != RETURNED and returned is not None:
        problems.append(CellProblem("status", f"“{text[:40]}” nhưng đã có ngày trả kết quả"))
    return status
