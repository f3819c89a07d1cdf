"""A report dict as an XLSX workbook for the analyst: a sheet per table, numbers as numbers.

Counts are integers; percentages are the dict's own numbers (72.21, already rounded by
portal/reports/numbers.percent) shown with the format 0.00 under headings that say "(%)",
never recomputed and never stored as fractions (a fraction would be a second rounding).
A percentage the dict leaves null (no base) is an empty cell. Each sheet's header row is
frozen; columns are as wide as their content, long text wraps.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, BinaryIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from portal.reports import wording
from portal.reports.numbers import vi_count

PERCENT_FORMAT = "0.00"
COUNT_FORMAT = "#,##0"
MAX_WIDTH = 70  # characters; wider text wraps
LINE_HEIGHT = 15  # points, a line of 11-point text
HEADER_FONT = Font(bold=True)
HEADER_FILL = PatternFill("solid", fgColor="DDE7F0")
TITLE_FONT = Font(bold=True, size=13)

GROUP_SHEETS = {
    "month": "Theo tháng",
    "day": "Theo ngày",
    "unit": "Theo đơn vị",
    "counter": "Theo quầy",
    "officer": "Theo cán bộ",
}
GROUP_KEYS = {
    "month": "Tháng",
    "day": "Ngày",
    "unit": "Mã đơn vị",
    "counter": "Quầy",
    "officer": "Cán bộ",
}


class Pct(float):
    """A percentage from the dict, to be written with the percentage format."""


def pct(value: float | None) -> Pct | None:
    """The dict's percentage as a cell value (None stays an empty cell)."""
    return None if value is None else Pct(value)


def write_xlsx(report: dict, out: BinaryIO) -> None:
    """Write the report as an XLSX workbook to `out`."""
    book = Workbook()
    first = book.active
    assert isinstance(first, Worksheet)  # a new workbook's one sheet
    overview_sheet(first, report)
    if report["form"]["has_verdict"]:
        reasons_sheet(book.create_sheet("Lý do"), report)
    questions_sheet(book.create_sheet("Câu hỏi"), report)
    if any(q["satisfied"] is not None for q in report["questions"]):
        items_sheet(book.create_sheet("Tiêu chí"), report)
    indices_sheet(book.create_sheet("Chỉ số"), report)
    for group, title in GROUP_SHEETS.items():
        if group in report["groups"]:
            group_sheet(book.create_sheet(title), report, group)
    if report.get("dossiers"):
        dossiers_sheet(book.create_sheet("Theo hồ sơ"), report["dossiers"])
        reasons_by_timeliness_sheet(book.create_sheet("Lý do theo hạn trả"), report["dossiers"])
    targets_sheet(book.create_sheet("Chỉ tiêu"), report)
    comments_sheet(book.create_sheet("Ý kiến"), report)
    flagged_sheet(book.create_sheet("Bị loại"), report)
    book.save(out)


def overview_sheet(sheet: Worksheet, report: dict) -> None:
    """The report at a glance: what it covers, how it was collected, the answers, the
    satisfaction, the targets' states and the checks."""
    sheet.title = "Tổng quan"
    answers, satisfaction = report["answers"], report["satisfaction"]
    rows: list[Sequence[Any]] = [
        ("Tiêu đề", report["title"]),
        ("Đơn vị", wording.units_line(report)),
        ("Kỳ báo cáo", wording.period_line(report)),
        *wording.filter_lines(report),
        (
            "Biểu mẫu",
            f"{report['form']['title']} ({report['form']['id']}, phiên bản "
            f"{', '.join(str(v) for v in report['form']['versions'])})",
        ),
        ("Ngày lập", wording.vi_datetime(report["generated_at"])),
        ("Số phiếu được tính", answers["counted"]),
        *((f"  Kênh: {wording.channel_name(c)}", n) for c, n in answers["by_channel"].items()),
        ("  Trong đó chưa hoàn thành", answers["incomplete"]),
        ("Số phiếu bị loại (không tính)", answers["flagged"]),
    ]
    if satisfaction is not None:
        rows += [
            ("Hài lòng", satisfaction["satisfied"]),
            ("Chưa hài lòng", satisfaction["not_satisfied"]),
            ("Tỷ lệ hài lòng – MĐHL (%)", pct(satisfaction["percent"])),
        ]
        if "flagged" in satisfaction:
            rows += [
                ("Bị loại: Hài lòng", satisfaction["flagged"]["satisfied"]),
                ("Bị loại: Chưa hài lòng", satisfaction["flagged"]["not_satisfied"]),
            ]
    for target in report["targets"]:
        rows.append(
            (
                target["label"],
                f"{vi_count(target['counted'])}/"
                f"{vi_count(target['target'])} phiếu – "
                f"{wording.TARGET_STATUSES.get(target['status'], target['status'])}",
            )
        )
    problems = report["checks"]["problems"]
    rows.append(
        (
            "Kiểm tra số liệu",
            wording.CHECKS_OK if report["checks"]["ok"] else f"{len(problems)} chỗ chưa khớp",
        )
    )
    rows += [("", problem) for problem in problems]
    write_table(sheet, ("Mục", "Giá trị"), rows)


def reasons_sheet(sheet: Worksheet, report: dict) -> None:
    """The reasons of the not-satisfied, shares of the dissatisfied and of all."""
    write_table(
        sheet,
        (
            "STT",
            "Lý do chưa hài lòng",
            "Số phiếu",
            "Tỷ lệ trên số chưa hài lòng (%)",
            "Tỷ lệ trên tổng số phiếu (%)",
        ),
        [
            (
                r["number"],
                r["label"],
                r["count"],
                pct(r["percent_of_dissatisfied"]),
                pct(r["percent_of_all"]),
            )
            for r in report["reasons"]
        ],
    )


def questions_sheet(sheet: Worksheet, report: dict) -> None:
    """Every question table as one list, a row per choice (filter or pivot on the first
    columns); the base is who answered the question."""
    flagged = report["filters"].get("include_flagged", False)
    headers = [
        "Mã câu",
        "Câu",
        "Nhóm câu hỏi",
        "Nội dung câu hỏi",
        "Loại",
        "Số phiếu trả lời câu này",
        "STT",
        "Lựa chọn",
        "Số phiếu",
        "Tỷ lệ (%)",
    ]
    if flagged:
        headers.append("Bị loại")
    headers.append("Ghi chú")
    rows = []
    for q in report["questions"]:
        note = question_note(q)
        for choice in q["choices"]:
            row = [
                q["id"],
                wording.question_label(q),
                q.get("heading") or "",
                q["text"],
                wording.QUESTION_TYPES.get(q["type"], q["type"]),
                q["base"],
                choice["number"],
                choice["label"],
                choice["count"],
                pct(choice["percent"]),
            ]
            if flagged:
                row.append(choice.get("flagged"))
            rows.append([*row, note])
    write_table(sheet, headers, rows)


def question_note(question: dict) -> str:
    """What a reader must know to read a question's percentages."""
    notes = [question.get("note") or ""]
    if question["multiple"] and not notes[0]:
        notes[0] = wording.MULTIPLE_NOTE
    if question["conditional"]:
        notes.append(wording.CONDITIONAL_NOTE)
    return "; ".join(n for n in notes if n)


def items_sheet(sheet: Worksheet, report: dict) -> None:
    """Each scale item's share of the satisfied levels, with its dimension."""
    names = {i["dimension"]: i["name"] for i in report["indices"]}
    write_table(
        sheet,
        (
            "Mã câu",
            "Tiêu chí",
            "Khía cạnh",
            "Số phiếu trả lời",
            "Số phiếu hài lòng",
            "Tỷ lệ hài lòng (%)",
        ),
        [
            (
                q["id"],
                q["text"],
                names.get(q["dimension"], q["dimension"] or ""),
                q["base"],
                q["satisfied"]["count"],
                pct(q["satisfied"]["percent"]),
            )
            for q in report["questions"]
            if q["satisfied"] is not None
        ],
    )


def indices_sheet(sheet: Worksheet, report: dict) -> None:
    """The indices per dimension and overall, then the formula they follow."""
    rows: list[Sequence[Any]] = [
        (
            i["dimension"],
            i["name"],
            i["satisfied"],
            i["answers"],
            pct(i["percent"]),
            ", ".join(i["questions"]),
        )
        for i in report["indices"]
    ]
    rows += [(), ("Cách tính", report["index_formula"])]
    write_table(
        sheet,
        (
            "Mã khía cạnh",
            "Khía cạnh",
            "Số câu trả lời hài lòng",
            "Số câu trả lời hợp lệ",
            "Chỉ số hài lòng (%)",
            "Các tiêu chí",
        ),
        rows,
    )


def group_sheet(sheet: Worksheet, report: dict, group: str) -> None:
    """Answers and satisfaction per month, day, unit, counter or officer."""
    headers = [GROUP_KEYS[group], "Tên", "Số phiếu được tính", "Bị loại"]
    verdict = report["form"]["has_verdict"]
    if verdict:
        headers += ["Hài lòng", "Chưa hài lòng", "Tỷ lệ hài lòng (%)"]
    rows = []
    for row in report["groups"][group]:
        cells = [row["key"], row["label"], row["counted"], row["flagged"]]
        if verdict:
            cells += [row["satisfied"], row["not_satisfied"], pct(row["percent"])]
        rows.append(cells)
    write_table(sheet, headers, rows)


def dossiers_sheet(sheet: Worksheet, section: dict) -> None:
    """The answers read against their dossiers: by field, then on time and late."""
    headers = [
        "Theo",
        "Nhóm",
        "Số phiếu",
        "Hài lòng",
        "Chưa hài lòng",
        "Tỷ lệ hài lòng (%)",
        "Trễ trung bình (ngày)",
        "Trễ lâu nhất (ngày)",
    ]
    rows = [
        _verdict_cells("Lĩnh vực", row["field"], row, None, None) for row in section["by_field"]
    ]
    for row in section["timeliness"]:
        delays = (row["mean_delay_days"], row["max_delay_days"]) if row["late"] else (None, None)
        rows.append(_verdict_cells("Hạn trả", row["label"], row, *delays))
    write_table(sheet, headers, rows)


def _verdict_cells(kind: str, name: str, row: dict, *extra: float | None) -> list[Any]:
    counts = [row["answers"], row["satisfied"], row["not_satisfied"]]
    return [kind, name, *counts, pct(row["percent"]), *extra]


def reasons_by_timeliness_sheet(sheet: Worksheet, section: dict) -> None:
    headers = [
        "Lý do chưa hài lòng",
        "Hồ sơ đúng hẹn",
        "Trên số chưa hài lòng đúng hẹn (%)",
        "Hồ sơ trễ hẹn",
        "Trên số chưa hài lòng trễ hẹn (%)",
    ]
    rows = [
        [
            row["label"],
            row["on_time"],
            pct(row["percent_on_time"]),
            row["late"],
            pct(row["percent_late"]),
        ]
        for row in section["reasons_by_timeliness"]
    ]
    write_table(sheet, headers, rows)


def targets_sheet(sheet: Worksheet, report: dict) -> None:
    """Each target's progress and what was expected by the report's day."""
    names = report["filters"].get("unit_names") or {}
    write_table(
        sheet,
        (
            "Chỉ tiêu",
            "Loại",
            "Đơn vị",
            "Tên đơn vị",
            "Quầy",
            "Từ ngày",
            "Đến ngày",
            "Số phiếu cần đạt",
            "Số phiếu đã có",
            "Tỷ lệ đạt (%)",
            "Cần có đến nay",
            "Tỷ lệ cần có đến nay (%)",
            "Tình trạng",
        ),
        [
            (
                t["label"],
                wording.TARGET_KINDS.get(t["kind"], t["kind"]),
                t["unit"] or "",
                names.get(t["unit"], "") if t["unit"] else "",
                t["counter"] or "",
                wording.vi_date(t["from"]),
                wording.vi_date(t["to"]),
                t["target"],
                t["counted"],
                pct(t["percent"]),
                t["expected"],
                pct(t["expected_percent"]),
                wording.TARGET_STATUSES.get(t["status"], t["status"]),
            )
            for t in report["targets"]
        ],
    )


def comments_sheet(sheet: Worksheet, report: dict) -> None:
    """The comments, newest first, text only; says when more exist than are listed."""
    comments = report["comments"]
    names = report["filters"].get("unit_names") or {}
    rows: list[Sequence[Any]] = [
        (
            wording.vi_datetime(c["finished_at"]),
            names.get(c["unit"], c["unit"]),
            wording.channel_name(c["channel"]),
            c["question"],
            c["text"],
        )
        for c in comments["items"]
    ]
    if comments["count"] > len(comments["items"]):
        rows += [
            (),
            (
                "",
                "",
                "",
                "",
                f"Hiển thị {vi_count(len(comments['items']))}/"
                f"{vi_count(comments['count'])} ý kiến mới nhất",
            ),
        ]
    write_table(sheet, ("Thời gian", "Đơn vị", "Kênh", "Câu hỏi", "Ý kiến"), rows)


def flagged_sheet(sheet: Worksheet, report: dict) -> None:
    """The answers left out, by flag (an answer with two flags counts under both)."""
    by_flag = report["answers"]["flagged_by"]
    rows: list[Sequence[Any]] = [
        (flag, wording.flag_name(flag), count) for flag, count in by_flag.items()
    ]
    rows += [
        (),
        ("", "Tổng số phiếu bị loại", report["answers"]["flagged"]),
        ("", "Một phiếu có thể mang nhiều dấu hiệu nên được đếm ở nhiều dòng."),
    ]
    write_table(sheet, ("Dấu hiệu", "Mô tả", "Số phiếu"), rows)


def write_table(sheet: Worksheet, headers: Sequence[str], rows: Iterable[Sequence[Any]]) -> None:
    """Headers in row 1 (bold, frozen), then the rows; counts and percentages formatted,
    columns sized to their content."""
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font, cell.fill = HEADER_FONT, HEADER_FILL
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([float(v) if isinstance(v, Pct) else v for v in row])
        for cell, value in zip(sheet[sheet.max_row], row, strict=False):
            if isinstance(value, Pct):
                cell.number_format = PERCENT_FORMAT
            elif isinstance(value, int) and not isinstance(value, bool):
                cell.number_format = COUNT_FORMAT
            elif isinstance(value, str) and cell.data_type == "f":
                cell.data_type = "s"  # a comment "=HYPERLINK(…)" is text, never a formula
    sheet.freeze_panes = "A2"
    fit_columns(sheet)
    # Printed: landscape, as wide as the page, the header row on every page.
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
    sheet.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    sheet.print_title_rows = "1:1"


def fit_columns(sheet: Worksheet) -> None:
    """Each column as wide as its longest value (headers wrap at a third of that), long
    text wrapped at MAX_WIDTH."""
    for number, column in enumerate(sheet.iter_cols(), start=1):
        title = str(column[0].value or "")
        content = 0
        for cell in column[1:]:
            length = len(str(cell.value)) if cell.value is not None else 0
            content = max(content, length)
            if length > MAX_WIDTH:
                cell.alignment = Alignment(wrap_text=True, vertical="top")
        longest_word = max((len(word) for word in title.split()), default=4)
        width = max(longest_word, content, min(len(title), 14)) + 2
        sheet.column_dimensions[get_column_letter(number)].width = min(width, MAX_WIDTH)
    fit_rows(sheet)


def fit_rows(sheet: Worksheet) -> None:
    """Rows with wrapped text as tall as their lines (LibreOffice keeps a row one line
    high unless told)."""
    for number, row in enumerate(sheet.iter_rows(), start=1):
        lines = 1
        for cell in row:
            if cell.value is not None and cell.alignment.wrap_text:
                width = sheet.column_dimensions[cell.column_letter].width or MAX_WIDTH
                lines = max(lines, -(-len(str(cell.value)) // max(int(width) - 2, 1)))
        if lines > 1:
            sheet.row_dimensions[number].height = LINE_HEIGHT * lines
