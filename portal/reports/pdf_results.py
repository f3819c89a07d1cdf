"""Part II of the PDF report, the results: the answers counted and left out, the MĐHL
and its chart by month, the reasons, each question's table as the Đắk Song report lays it
out, the indices with their formula, the figures per unit, counter, officer and month, the
comments. Each figure is the report dict's, printed with vi_count / vi_percent.
"""

from __future__ import annotations

from typing import Any

from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, Flowable, KeepTogether, Spacer

from portal.reports import charts, wording
from portal.reports.numbers import vi_count, vi_days, vi_percent
from portal.reports.pdf_layout import (
    GRID_HEADING,
    HEADING,
    LABEL,
    SMALL,
    SUBHEADING,
    WIDTH,
    chart,
    grid,
    marked,
    para,
)


def results(report: dict, number: str) -> list[Flowable]:
    """The answers, satisfaction, reasons, question tables, indices, groups, comments."""
    answers = report["answers"]
    story: list[Flowable] = [para(f"{number}. KẾT QUẢ KHẢO SÁT", HEADING)]
    if answers["counted"] == 0:
        story.append(
            para(f"{wording.NO_ANSWERS} được tính trong kỳ báo cáo{flagged_sentence(answers)}.")
        )
        return story
    story.append(
        marked(
            "1. Tổng số phiếu được tính:",
            f"{vi_count(answers['counted'])} phiếu (trong đó "
            f"{vi_count(answers['incomplete'])} phiếu chưa hoàn thành)"
            f"{flagged_sentence(answers)}.",
        )
    )
    sections = [
        satisfaction(report),
        reasons(report),
        questions(report),
        indices(report),
        groups(report),
        dossiers(report),
        comments(report),
    ]
    for index, section in enumerate(s for s in sections if s):
        title, body = section
        heading = para(f"{index + 2}. {title}", SUBHEADING)
        # the heading goes with what follows it: never alone at the foot of a page
        story += [CondPageBreak(40 * mm), KeepTogether([heading, body[0]]), *body[1:]]
    return story


def flagged_sentence(answers: dict) -> str:
    """ "; 7 phiếu bị loại, không tính vào kết quả (…: 3; …: 4)" or ""."""
    if not answers["flagged"]:
        return ""
    why = "; ".join(
        f"{wording.flag_name(f).lower()}: {vi_count(n)}" for f, n in answers["flagged_by"].items()
    )
    return (
        f"; {vi_count(answers['flagged'])} phiếu bị loại, không tính vào kết quả ({why};"
        " một phiếu có thể mang nhiều dấu hiệu)"
    )


Section = tuple[str, list[Flowable]] | None


def satisfaction(report: dict) -> Section:
    """The MĐHL and its chart by month (a verdict form only)."""
    sat = report["satisfaction"]
    if sat is None:
        return None
    body: list[Flowable] = [
        para(
            f"Hài lòng: {vi_count(sat['satisfied'])}/{vi_count(sat['base'])} phiếu, mức độ hài "
            f"lòng (MĐHL) đạt {vi_percent(sat['percent'])}; chưa hài lòng: "
            f"{vi_count(sat['not_satisfied'])} phiếu."
        )
    ]
    if "flagged" in sat:
        body.append(
            para(
                f"Phiếu bị loại (không tính): {vi_count(sat['flagged']['satisfied'])}"
                f" hài lòng, {vi_count(sat['flagged']['not_satisfied'])} chưa hài lòng."
            )
        )
    months = report["groups"].get("month") or []
    if months:
        bars = [charts.Bar(m["label"], m["percent"], vi_percent(m["percent"])) for m in months]
        body += chart("Biểu đồ: MĐHL theo tháng", charts.vertical_bars(bars, WIDTH))
    return "Mức độ hài lòng (MĐHL)", body


def reasons(report: dict) -> Section:
    """Why people were not satisfied: table and chart."""
    if not report["reasons"]:
        return None
    rows = [
        [
            "STT",
            "Nội dung chưa hài lòng",
            "Số phiếu",
            "Tỷ lệ trên số chưa hài lòng",
            "Tỷ lệ trên tổng số phiếu",
        ]
    ]
    rows += [
        [
            str(r["number"]),
            r["label"],
            vi_count(r["count"]),
            vi_percent(r["percent_of_dissatisfied"]),
            vi_percent(r["percent_of_all"]),
        ]
        for r in report["reasons"]
    ]
    bars = [
        charts.Bar(
            f"{r['number']}. {r['label']}",
            r["percent_of_dissatisfied"],
            vi_percent(r["percent_of_dissatisfied"]),
        )
        for r in report["reasons"]
    ]
    return "Lý do chưa hài lòng", [
        KeepTogether([grid(rows, [0.07, 0.53, 0.1, 0.15, 0.15], numeric_from=2)]),
        Spacer(1, 6),
        *chart(
            "Biểu đồ: tỷ lệ từng lý do trên số phiếu chưa hài lòng",
            charts.horizontal_bars(bars, WIDTH),
        ),
    ]


def questions(report: dict) -> Section:
    """Each question's table as the Đắk Song report lays it out, a grid's heading once."""
    body: list[Flowable] = []
    grid_shown = None
    flagged = report["filters"].get("include_flagged", False)
    for q in report["questions"]:
        block: list[Flowable] = []
        if q.get("grid") and q["grid"] != grid_shown and q.get("heading"):
            grid_shown = q["grid"]
            block.append(marked(f"{wording.grid_label(q['grid'])}.", q["heading"], GRID_HEADING))
        block += question_block(q, flagged)
        body.append(KeepTogether(block))
    return ("Kết quả theo từng câu hỏi", body) if body else None


def question_block(q: dict, flagged: bool) -> list[Flowable]:
    """A question's title, base and notes, then its choice / số phiếu / tỷ lệ table."""
    label = wording.question_label(q)
    title = f"{label}. {q['text']}" if label else q["text"]
    notes = [f"Số phiếu trả lời câu này: {vi_count(q['base'])}"]
    if q["conditional"]:
        notes.append(wording.CONDITIONAL_NOTE.lower())
    if q["multiple"]:
        notes.append((q.get("note") or wording.MULTIPLE_NOTE).rstrip(".").lower())
    head = ["Lựa chọn", "Số phiếu", "Tỷ lệ", *(["Bị loại"] if flagged else [])]
    rows: list[list[Any]] = [head]
    for c in q["choices"]:
        rows.append(
            [
                c["label"],
                vi_count(c["count"]),
                vi_percent(c["percent"]),
                *([vi_count(c.get("flagged") or 0)] if flagged else []),
            ]
        )
    widths = [0.62, 0.14, 0.14, 0.1] if flagged else [0.7, 0.15, 0.15]
    bold_last = q["satisfied"] is not None
    if bold_last:
        rows.append(
            [
                wording.SATISFIED_ROW,
                vi_count(q["satisfied"]["count"]),
                vi_percent(q["satisfied"]["percent"]),
                *([""] if flagged else []),
            ]
        )
    return [
        para(title, SUBHEADING),
        para("; ".join(notes) + ".", SMALL),
        grid(rows, widths, numeric_from=1, bold_row=len(rows) - 1 if bold_last else None),
        Spacer(1, 4),
    ]


def indices(report: dict) -> Section:
    """The index per dimension and overall, its formula, and its chart when there are
    several dimensions."""
    if not report["indices"]:
        return None
    rows = [["Khía cạnh", "Số câu trả lời hài lòng", "Số câu trả lời hợp lệ", "Chỉ số"]]
    rows += [
        [
            i["name"],
            "" if i["satisfied"] is None else vi_count(i["satisfied"]),
            "" if i["answers"] is None else vi_count(i["answers"]),
            vi_percent(i["percent"]),
        ]
        for i in report["indices"]
    ]
    overall = next(
        (n + 1 for n, i in enumerate(report["indices"]) if i["dimension"] == "overall"), None
    )
    body: list[Flowable] = [
        grid(rows, [0.52, 0.17, 0.17, 0.14], numeric_from=1, bold_row=overall),
        Spacer(1, 3),
        marked("Cách tính:", report["index_formula"], SMALL),
    ]
    if len(report["indices"]) > 1:
        bars = [
            charts.Bar(i["name"], i["percent"], vi_percent(i["percent"])) for i in report["indices"]
        ]
        body += chart(
            "Biểu đồ: chỉ số hài lòng theo khía cạnh", charts.horizontal_bars(bars, WIDTH)
        )
    return "Chỉ số hài lòng", body


def groups(report: dict) -> Section:
    """Answers (and MĐHL) per unit, counter, officer, month, day."""
    verdict = report["form"]["has_verdict"]
    body: list[Flowable] = []
    for key, title in wording.GROUP_TITLES.items():
        found = report["groups"].get(key) or []
        if not found:
            continue
        head = [
            "",
            "Số phiếu",
            "Bị loại",
            *(["Hài lòng", "Chưa hài lòng", "MĐHL"] if verdict else []),
        ]
        head[0] = title.removeprefix("Theo ").capitalize()
        rows = [head] + [
            [g["label"], vi_count(g["counted"]), vi_count(g["flagged"]), *group_verdict(g, verdict)]
            for g in found
        ]
        widths = [0.4, 0.12, 0.12, 0.12, 0.12, 0.12] if verdict else [0.6, 0.2, 0.2]
        if body:  # a label with a few rows under it (the first goes with the heading)
            body.append(CondPageBreak(25 * mm))
        body += [para(title, LABEL), grid(rows, widths, numeric_from=1), Spacer(1, 4)]
    if not verdict and report["groups"].get("month"):
        months = report["groups"]["month"]
        scale = charts.count_scale([m["counted"] for m in months])
        bars = [charts.Bar(m["label"], m["counted"], vi_count(m["counted"])) for m in months]
        body += chart(
            "Biểu đồ: số phiếu theo tháng", charts.vertical_bars(bars, WIDTH, scale=scale)
        )
    return ("Số phiếu theo đơn vị, quầy, cán bộ và thời gian", body) if body else None


def dossiers(report: dict) -> Section:
    """The answers read against their dossiers: by field, on time or late, reasons."""
    section = report.get("dossiers")
    if not section:
        return None
    head = ["", "Số phiếu", "Hài lòng", "Chưa hài lòng", "MĐHL"]
    fields = [["Lĩnh vực", *head[1:]]] + [
        [r["field"], *_verdict_cells(r)] for r in section["by_field"]
    ]
    timely = [["Hồ sơ", *head[1:], "Trễ trung bình"]] + [
        [
            r["label"],
            *_verdict_cells(r),
            f"{vi_days(r['mean_delay_days'])} ngày" if r["late"] else "",
        ]
        for r in section["timeliness"]
    ]
    body: list[Flowable] = [
        para(
            "Lấy từ hồ sơ trong phần mềm một cửa, không hỏi người dân: "
            f"{vi_count(section['matched'])} phiếu khớp hồ sơ, "
            f"{vi_count(section['unmatched'])} phiếu không có mã hồ sơ."
        ),
        para("Theo lĩnh vực", LABEL),
        grid(fields, [0.44, 0.14, 0.14, 0.14, 0.14], numeric_from=1),
        Spacer(1, 4),
        para("Hồ sơ đúng hẹn và trễ hẹn", LABEL),
        grid(timely, [0.3, 0.14, 0.14, 0.14, 0.14, 0.14], numeric_from=1),
    ]
    if section["reasons_by_timeliness"]:
        reasons_rows = [["Lý do chưa hài lòng", "Đúng hẹn", "Tỷ lệ", "Trễ hẹn", "Tỷ lệ"]] + [
            [r["label"], vi_count(r["on_time"]), vi_percent(r["percent_on_time"]),
             vi_count(r["late"]), vi_percent(r["percent_late"])]
            for r in section["reasons_by_timeliness"]
        ]  # fmt: skip
        body += [
            Spacer(1, 4),
            para("Lý do chưa hài lòng theo hạn trả (tỷ lệ trên số phiếu chưa hài lòng)", LABEL),
            grid(reasons_rows, [0.44, 0.14, 0.14, 0.14, 0.14], numeric_from=1),
        ]
    return ("Theo hồ sơ: lĩnh vực, đúng hẹn và trễ hẹn", body)


def _verdict_cells(row: dict) -> list[str]:
    counts = (row["answers"], row["satisfied"], row["not_satisfied"])
    return [*map(vi_count, counts), vi_percent(row["percent"])]


def group_verdict(row: dict, verdict: bool) -> list[str]:
    """A group row's satisfied, not satisfied and MĐHL cells (none without a verdict)."""
    if not verdict:
        return []
    counts = ["" if row[k] is None else vi_count(row[k]) for k in ("satisfied", "not_satisfied")]
    return [*counts, vi_percent(row["percent"])]


PDF_COMMENTS = 30  # a signed report quotes the newest; the workbook holds them all


def _comment_text(comment: dict) -> str:
    """A comment, or a "Lý do khác" text said as such."""
    return f"(Lý do khác) {comment['text']}" if comment.get("kind") == "other" else comment["text"]


def comments(report: dict) -> Section:
    """The comments, newest first (text only: nothing that names the citizen)."""
    found = report["comments"]
    if not found["items"]:
        return None
    items = found["items"][:PDF_COMMENTS]
    names = report["filters"].get("unit_names") or {}
    if len(report["filters"]["units"]) == 1:  # the unit is the report's: no column for it
        rows = [["Thời gian", "Ý kiến"]]
        rows += [[wording.vi_datetime(c["finished_at"]), _comment_text(c)] for c in items]
        shares = [0.21, 0.79]
    else:
        rows = [["Thời gian", "Đơn vị", "Ý kiến"]]
        rows += [
            [
                wording.vi_datetime(c["finished_at"]),
                names.get(c["unit"], c["unit"]),
                _comment_text(c),
            ]
            for c in items
        ]
        shares = [0.21, 0.24, 0.55]
    body: list[Flowable] = [grid(rows, shares)]
    if found["count"] > len(items):
        body.append(
            para(
                f"Hiển thị {vi_count(len(items))}/{vi_count(found['count'])} ý kiến mới nhất; "
                "đọc đủ trong bản XLSX (trang “Ý kiến”).",
                SMALL,
            )
        )
    return "Ý kiến góp ý của người dân, tổ chức", body
