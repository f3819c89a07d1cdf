"""The Vietnamese words the report documents (XLSX, PDF) print around the figures of a
report dict: channels, integrity flags, targets' kinds and states, dates, the unit and
period lines, a question's label. Words only: every figure comes from the dict as it is,
formatted with portal/reports/numbers.py.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

# The documents print the checks' own words.
from portal.reports.checks import CHECKS_OK as CHECKS_OK

# Vietnam keeps one offset all year (no daylight saving): Asia/Ho_Chi_Minh without tzdata.
LOCAL = timezone(timedelta(hours=7))

# How an answer reached the portal (contract.wire.CHANNELS).
CHANNELS = {
    "kiosk": "Máy tính bảng tại quầy",
    "web": "Khảo sát trực tuyến",
    "paper": "Phiếu giấy",
    "phone": "Khảo sát qua điện thoại",
}

# Why an answer was left out (contract.wire's flags), as the internal-affairs office reads it.
FLAGS = {
    "too_soon": "Gửi quá sát phiếu trước",
    "burst": "Nhiều phiếu liên tiếp trong thời gian ngắn",
    "after_hours": "Ngoài giờ làm việc",
    "unidentified": "Không có thông tin định danh",
    "repeat_id": "Cùng một số định danh trả lời nhiều lần trong ngày",
    "officer_self": "Cán bộ tự đánh giá (số định danh của cán bộ trực)",
    "duplicate_dossier": "Hồ sơ đã được đánh giá trước đó",
    "disowned": "Người dân không nhận đánh giá khi phúc tra",
    "dossier_unknown": "Mã hồ sơ không có trong hồ sơ của đơn vị",
    "dossier_not_returned": "Hồ sơ chưa trả kết quả khi đánh giá",
    "dossier_rated_late": "Đánh giá quá lâu sau ngày trả kết quả",
}

TARGET_KINDS = {
    "yearly": "Số phiếu tối thiểu năm (QĐ 2223)",
    "half_year": "Mỗi tổ chức một phiếu mỗi nửa năm",
    "quota": "Chỉ tiêu theo kế hoạch khảo sát",
}

TARGET_STATUSES = {
    "on_track": "Đúng tiến độ",
    "behind": "Chậm tiến độ",
    "reached": "Đã đạt",
    "ended_short": "Đã kết thúc, chưa đạt",
    "not_started": "Chưa bắt đầu",
}

GROUP_TITLES = {
    "unit": "Theo đơn vị",
    "counter": "Theo quầy",
    "officer": "Theo cán bộ",
    "month": "Theo tháng",
    "day": "Theo ngày",
}

QUESTION_TYPES = {
    "single_choice": "Một lựa chọn",
    "multi_choice": "Nhiều lựa chọn",
    "scale": "Thang mức độ",
}

NO_ANSWERS = "Chưa có phiếu nào"
ALL_UNITS = "Tất cả đơn vị"
# A question table's note, in the report dict itself (compute.py writes it).
MULTIPLE_NOTE = (
    "Tỷ lệ tính trên số người trả lời câu này; một người chọn được nhiều nội dung nên tổng "
    "có thể vượt 100%."
)
CONDITIONAL_NOTE = "Chỉ tính những người được hỏi câu này (câu hỏi có điều kiện)."
SATISFIED_ROW = "Hài lòng (Rất hài lòng + Hài lòng)"


def vi_date(iso: str | None) -> str:
    """ "2026-01-31" → "31/01/2026"; "" for none."""
    if not iso:
        return ""
    return date.fromisoformat(iso[:10]).strftime("%d/%m/%Y")


def vi_datetime(iso: str | None) -> str:
    """ "2026-11-03T09:12:00" → "03/11/2026 09:12" (Vietnam's time); "" for none."""
    if not iso:
        return ""
    return local(iso).strftime("%d/%m/%Y %H:%M")


def local(iso: str) -> datetime:
    """An ISO time as Vietnam's wall clock: one with an offset ("…Z") converted, one
    without taken as local already."""
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00"))
    return moment.astimezone(LOCAL) if moment.tzinfo else moment


def signing_date(report: dict) -> str:
    """The date line's words for the day the report was made: "ngày 26 tháng 11 năm 2026"."""
    made = local(report["generated_at"])
    return f"ngày {made.day:02d} tháng {made.month:02d} năm {made.year}"


def unit_names(report: dict) -> list[str]:
    """The report's units by name (their code where they have none); [] for every unit."""
    filters = report["filters"]
    names = filters.get("unit_names") or {}
    return [names.get(code, code) for code in filters["units"]]


def units_line(report: dict) -> str:
    """The units a report covers, as one line."""
    return ", ".join(unit_names(report)) or ALL_UNITS


def period_name(label: str) -> str:
    """ "2026" → "năm 2026", "2026-H1" → "6 tháng đầu năm 2026", "2026-Q3" → "quý III năm
    2026", "2026-11" → "tháng 11 năm 2026"; any other label as it is."""
    match = re.fullmatch(r"(\d{4})(?:-(H[12]|Q[1-4]|\d{2}))?", label)
    if not match:
        return label
    year, part = match[1], match[2]
    if part is None:
        return f"năm {year}"
    if part.startswith("H"):
        return f"6 tháng {'đầu' if part == 'H1' else 'cuối'} năm {year}"
    if part.startswith("Q"):
        return f"quý {('I', 'II', 'III', 'IV')[int(part[1]) - 1]} năm {year}"
    return f"tháng {part} năm {year}"


def period_line(report: dict) -> str:
    """ "năm 2026 (từ ngày 01/01/2026 đến ngày 31/12/2026)"; open ends said as such."""
    period = report["filters"]["period"]
    start, end = vi_date(period.get("from")), vi_date(period.get("to"))
    if start and end:
        span = f"từ ngày {start} đến ngày {end}"
    elif start:
        span = f"từ ngày {start}"
    elif end:
        span = f"đến ngày {end}"
    else:
        span = "toàn bộ thời gian"
    as_of = period.get("as_of")
    if as_of and (not period.get("to") or as_of < period["to"]):  # the period runs on
        span += f"; số liệu đến hết ngày {vi_date(as_of)}"
    name = period_name(period.get("label") or "")
    if not name or "/" in name:  # a label that is the dates themselves
        return span
    return f"{name} ({span})"


def question_label(question: dict) -> str:
    """ "Câu 9.1" for the long form's Q9.1; "" for a question without a printed number."""
    match = re.fullmatch(r"[Qq](\d+(?:\.\d+)*)", question["id"])
    return f"Câu {match[1]}" if match else ""


def grid_label(grid: str) -> str:
    """ "Câu 9" for the grid Q9."""
    return question_label({"id": grid}) or grid


def target_owner(report: dict, target: dict) -> str:
    """Whose target: the unit's name (its code without one), and the counter if any."""
    names = report["filters"].get("unit_names") or {}
    owner = names.get(target["unit"], target["unit"] or "")
    return f"{owner}, quầy {target['counter']}" if target.get("counter") else owner


def flag_name(flag: str) -> str:
    """A flag's Vietnamese description, its code when it has none yet."""
    return FLAGS.get(flag, flag)


def channel_name(channel: str) -> str:
    """A channel's Vietnamese name, its code when it has none."""
    return CHANNELS.get(channel, channel)


def filter_lines(report: dict) -> list[tuple[str, str]]:
    """The filters other than unit and period that narrow a report, as (label, value)."""
    filters = report["filters"]
    lines = []
    if filters.get("counters"):
        lines.append(("Quầy", ", ".join(filters["counters"])))
    if filters.get("officers"):
        lines.append(("Cán bộ", ", ".join(filters["officers"])))
    if filters.get("channels"):
        lines.append(("Kênh", ", ".join(channel_name(c) for c in filters["channels"])))
    if filters.get("include_flagged"):
        lines.append(("Phiếu bị loại", "hiển thị thành cột riêng, không cộng vào kết quả"))
    return lines
