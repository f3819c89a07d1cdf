"""A report dict as a PDF a People's Committee can sign, laid out as Vietnamese official
reports are (decree 30/2020/NĐ-CP's header: the issuing body, the national motto, the place
and date line, "BÁO CÁO") and as the Đắk Song report gives its tables (choice, số phiếu,
tỷ lệ). Built with reportlab's platypus; DejaVu Sans embedded (portal/reports/fonts).

It prints the dict: every count and percentage is the dict's, formatted with vi_count and
vi_percent; nothing is computed here, so the PDF says what the JSON says.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from portal.reports import fonts, wording
from portal.reports.numbers import vi_count, vi_percent
from portal.reports.pdf_layout import (
    CENTER,
    CENTER_BOLD,
    HEADING,
    PLAIN,
    SMALL,
    TITLE,
    WIDTH,
    NumberedCanvas,
    grid,
    marked,
    para,
)
from portal.reports.pdf_results import results


@dataclass(frozen=True)
class Letterhead:
    """What the report's head and foot say that the answers cannot: who issues it (lines
    split at "|": the superior body, then the issuer), where, and who signs (`portal report
    --issuer … --place … --signer-title … --signer …`). Empty: dots to fill by hand."""

    issuer: str = ""
    place: str = ""
    signer_title: str = ""
    signer: str = ""


def write_pdf(report: dict, out: BinaryIO, letterhead: Letterhead | None = None) -> None:
    """Write the report as an A4 PDF to `out`."""
    head = letterhead or Letterhead()
    doc = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=25 * mm,
        rightMargin=20 * mm,
        topMargin=18 * mm,
        bottomMargin=18 * mm,
        title=report["title"],
        author=wording.units_line(report),
        creator="Kiosk Hài Lòng",
        # else each page starts in Helvetica, a font left unembedded
        initialFontName=fonts.REGULAR,
    )
    story = header(report, head) + general(report, "I") + results(report, "II")
    story += checks(report, "III") + signature(head)
    doc.build(story, canvasmaker=NumberedCanvas)


def header(report: dict, head: Letterhead) -> list[Flowable]:
    """The issuing unit and the national motto side by side, the number and the place and
    date line under them, then the title."""
    names = wording.unit_names(report)
    issuer = head.issuer or (names[0] if len(names) == 1 else "……………………………")
    *above, own = [line.strip().upper() for line in issuer.split("|") if line.strip()] or [""]
    left = [para(line, CENTER) for line in above]
    left += [para(own, CENTER_BOLD), para("———", CENTER), para("Số: ……/BC-……", CENTER)]
    right = [
        para("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", CENTER_BOLD),
        Paragraph("<u>Độc lập - Tự do - Hạnh phúc</u>", CENTER_BOLD),
        Spacer(1, 4),
        para(f"{head.place or '……………'}, {wording.signing_date(report)}", CENTER),
    ]
    top = Table([[left, right]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    top.setStyle(
        TableStyle(
            [*PLAIN, ("LEFTPADDING", (0, 0), (-1, -1), 0), ("RIGHTPADDING", (0, 0), (-1, -1), 0)]
        )
    )
    return [
        top,
        para("BÁO CÁO", TITLE),
        para(report["title"], CENTER_BOLD),
        para(f"{wording.units_line(report)}, {wording.period_line(report)}", CENTER),
        Spacer(1, 8),
    ]


def general(report: dict, number: str) -> list[Flowable]:
    """Who and when was surveyed, with which form, through which channels, against which
    target."""
    answers = report["answers"]
    channels = (
        "; ".join(
            f"{wording.channel_name(c)}: {vi_count(n)} phiếu"
            for c, n in answers["by_channel"].items()
        )
        or "chưa có phiếu nào"
    )
    story: list[Flowable] = [
        para(f"{number}. THÔNG TIN CHUNG", HEADING),
        marked("1. Đơn vị:", wording.units_line(report)),
        marked("2. Thời gian:", wording.period_line(report)),
        marked("3. Phiếu khảo sát:", report["form"]["title"]),
        marked("4. Phương pháp:", f"tổng hợp phiếu thu qua các kênh: {channels}."),
    ]
    story += [marked(f"{label}:", value) for label, value in wording.filter_lines(report)]
    if report["targets"]:
        story += [marked("5. Số phiếu so với chỉ tiêu:", ""), targets_table(report)]
    return story


def targets_table(report: dict) -> Table:
    """Each target: the period, what is needed, what came, what was due by now, the state;
    whose (unit, counter) when the report covers several."""
    targets = report["targets"]
    whose = len({(t["unit"], t["counter"]) for t in targets}) > 1
    rows = [
        ["Chỉ tiêu", "Thời gian", "Cần đạt", "Đã có", "Tỷ lệ đạt", "Cần có đến nay", "Tình trạng"]
    ]
    for t in targets:
        rows.append(
            [
                f"{wording.target_owner(report, t)}: {t['label']}" if whose else t["label"],
                f"{wording.vi_date(t['from'])} – {wording.vi_date(t['to'])}",
                vi_count(t["target"]),
                vi_count(t["counted"]),
                vi_percent(t["percent"]),
                f"{vi_count(t['expected'])} ({vi_percent(t['expected_percent'])})",
                wording.TARGET_STATUSES.get(t["status"], t["status"]),
            ]
        )
    return grid(rows, [0.26, 0.19, 0.09, 0.09, 0.12, 0.13, 0.12], numeric_from=2, numeric_to=6)


def checks(report: dict, number: str) -> list[Flowable]:
    """ "Số liệu khớp", or each problem the checks found."""
    # never a heading alone at the foot of a page
    story: list[Flowable] = [CondPageBreak(30 * mm), para(f"{number}. KIỂM TRA SỐ LIỆU", HEADING)]
    if report["checks"]["ok"]:
        story.append(
            para(
                f"{wording.CHECKS_OK}: mỗi bảng cộng đúng số phiếu, mỗi tỷ lệ đúng "
                "với số phiếu và cơ sở tính."
            )
        )
        return story
    story.append(para("Số liệu chưa khớp ở các điểm sau:"))
    story += [para(f"– {problem}") for problem in report["checks"]["problems"]]
    return story


def signature(head: Letterhead) -> list[Flowable]:
    """Where the report goes and room for the head of the unit to sign and stamp."""
    left = [marked("Nơi nhận:", "", SMALL), para("- Như trên;", SMALL), para("- Lưu: VT.", SMALL)]
    right = [
        para((head.signer_title or "THỦ TRƯỞNG ĐƠN VỊ").upper(), CENTER_BOLD),
        para("(Ký, ghi rõ họ tên và đóng dấu)", CENTER),
        Spacer(1, 24 * mm),
    ]
    if head.signer:
        right.append(para(head.signer, CENTER_BOLD))
    block = Table([[left, right]], colWidths=[WIDTH * 0.45, WIDTH * 0.55])
    block.setStyle(TableStyle(PLAIN))
    return [Spacer(1, 10), KeepTogether([block])]
