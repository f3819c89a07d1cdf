"""A report as text for a terminal, in Vietnamese: what `portal report` prints by default.
It prints the dict build_report made and computes nothing (numbers.py writes the figures)."""

from __future__ import annotations

import re
import unicodedata

from portal.reports import wording
from portal.reports.numbers import vi_count, vi_days, vi_percent

CHANNEL_NAMES = {key: name.lower() for key, name in wording.CHANNELS.items()}
FLAG_NAMES = {key: name.lower() for key, name in wording.FLAGS.items()}
STATUS_NAMES = {key: name.lower() for key, name in wording.TARGET_STATUSES.items()}


def report_text(report: dict) -> str:
    """The whole report, section by section."""
    sections = [
        _head(report),
        _answers(report),
        _satisfaction(report),
        _reasons(report),
        _questions(report),
        _indices(report),
        _groups(report),
        _targets(report),
        _comments(report),
        _verification(report),
        _dossiers(report),
        _checks(report),
    ]
    return "\n\n".join(section for section in sections if section) + "\n"


def _head(report: dict) -> str:
    filters = report["filters"]
    names = filters["unit_names"]
    units = (
        ", ".join(f"{names.get(u, u)} ({u})" if u in names else u for u in filters["units"])
        or "tất cả đơn vị"
    )
    lines = [
        report["title"].upper(),
        f"Mẫu phiếu: {report['form']['title']} ({report['form']['id']})",
    ]
    lines.append(f"Đơn vị: {units}")
    lines.append(f"Kỳ báo cáo: {wording.period_line(report)}")
    for key, title in (("counters", "Quầy"), ("officers", "Cán bộ")):
        if filters[key]:
            lines.append(f"{title}: {', '.join(filters[key])}")
    channels = filters["channels"] or list(report["answers"]["by_channel"])  # those it holds
    if channels:
        lines.append("Kênh: " + ", ".join(CHANNEL_NAMES.get(c, c) for c in channels))
    return "\n".join(lines)


def _answers(report: dict) -> str:
    answers = report["answers"]
    lines = [f"Số phiếu hợp lệ: {vi_count(answers['counted'])}"]
    by_channel = ", ".join(
        f"{CHANNEL_NAMES.get(c, c)} {vi_count(n)}" for c, n in answers["by_channel"].items()
    )
    if by_channel:
        lines.append(f"  theo kênh: {by_channel}")
    lines.append(
        "  trong đó phiếu chưa trả lời hết (bỏ dở, hoặc để trống trên giấy): "
        + vi_count(answers["incomplete"])
    )
    if answers["flagged"]:
        lines.append(
            "Phiếu bị loại vì gắn cờ toàn vẹn (vẫn lưu, không tính): "
            f"{vi_count(answers['flagged'])} — một phiếu có thể mang nhiều cờ:"
        )
        for flag, n in answers["flagged_by"].items():
            lines.append(f"  {FLAG_NAMES.get(flag, flag)} ({flag}): {vi_count(n)}")
    if report["filters"]["include_flagged"]:
        lines.append("Các bảng có thêm cột “bị loại”: phiếu gắn cờ, không cộng vào số liệu.")
    return "\n".join(lines)


def _satisfaction(report: dict) -> str:
    satisfaction = report["satisfaction"]
    if satisfaction is None:
        return ""
    line = (
        f"Mức độ hài lòng (MĐHL): {vi_percent(satisfaction['percent'])} — "
        f"Hài lòng {vi_count(satisfaction['satisfied'])}, Chưa hài lòng "
        f"{vi_count(satisfaction['not_satisfied'])} / {vi_count(satisfaction['base'])} "
        "phiếu có đánh giá"
    )
    if "flagged" in satisfaction:
        flagged = satisfaction["flagged"]
        line += (
            f"\n  bị loại: Hài lòng {vi_count(flagged['satisfied'])}, "
            f"Chưa hài lòng {vi_count(flagged['not_satisfied'])}"
        )
    return line


def _reasons(report: dict) -> str:
    if not report["reasons"]:
        return ""
    lines = [
        "Lý do chưa hài lòng (số phiếu; tỷ lệ trên số phiếu chưa hài lòng; trên tổng số phiếu):"
    ]
    for row in report["reasons"]:
        lines.append(
            f"  {row['number']}. {row['label']}: {vi_count(row['count'])}; "
            f"{vi_percent(row['percent_of_dissatisfied'])}; {vi_percent(row['percent_of_all'])}"
        )
    return "\n".join(lines)


def _questions(report: dict) -> str:
    blocks = []
    for table in report["questions"]:
        heading = (
            f"Câu {table['id'][1:]}" if re.match(r"Q\d", table["id"]) else f"Câu {table['number']}"
        )
        lines = [f"{heading}. {table['text']}", f"  Cơ sở: {vi_count(table['base'])} người trả lời"]
        if table["note"]:
            lines.append(f"  ({table['note']})")
        for choice in table["choices"]:
            flagged = f"  [bị loại {choice['flagged']}]" if "flagged" in choice else ""
            label = choice["label"].rstrip(".")
            lines.append(
                f"  {choice['number']}. {label}: {vi_count(choice['count'])} phiếu, "
                f"chiếm tỷ lệ {vi_percent(choice['percent'])}{flagged}"
            )
        if table["satisfied"]:
            lines.append(
                f"  Hài lòng (Rất hài lòng + Hài lòng): {vi_percent(table['satisfied']['percent'])}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _indices(report: dict) -> str:
    if not report["indices"]:
        return ""
    lines = ["Chỉ số hài lòng:"]
    for index in report["indices"]:
        lines.append(f"  {index['name']}: {vi_percent(index['percent'])}")
    lines.append(f"Cách tính: {report['index_formula']}")
    return "\n".join(lines)


def _groups(report: dict) -> str:
    blocks = []
    for group, rows in report["groups"].items():
        if not rows or (group in ("counter", "officer") and len(rows) == 1 and not rows[0]["key"]):
            continue
        lines = [f"{wording.GROUP_TITLES.get(group, group)}:"]
        for row in rows:
            satisfaction = (
                f", MĐHL {vi_percent(row['percent'])}" if row["satisfied"] is not None else ""
            )
            flagged = f", bị loại {vi_count(row['flagged'])}" if row["flagged"] else ""
            lines.append(
                f"  {row['label']}: {vi_count(row['counted'])} phiếu{satisfaction}{flagged}"
            )
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _targets(report: dict) -> str:
    if not report["targets"]:
        return ""
    lines = ["Chỉ tiêu số phiếu:"]
    for target in report["targets"]:
        where = target["unit"] + (f", quầy {target['counter']}" if target["counter"] else "")
        progress = f"{vi_count(target['counted'])}/{vi_count(target['target'])}"
        status = STATUS_NAMES.get(target["status"], target["status"])
        lines.append(
            f"  {where}: {target['label']} — {progress} ({vi_percent(target['percent'])}); "
            f"đến hôm nay cần {vi_count(target['expected'])} "
            f"({vi_percent(target['expected_percent'])} thời gian): {status}"
        )
    return "\n".join(lines)


def _comments(report: dict) -> str:
    comments = report["comments"]
    if not comments["count"]:
        return ""
    shown = len(comments["items"])
    if not shown:
        return f"Ý kiến của người dân: {vi_count(comments['count'])} (không in; --comments N)."
    lines = [f"Ý kiến của người dân ({vi_count(comments['count'])}; {shown} mới nhất):"]
    lines += [
        f"  {item['finished_at'].replace('T', ' ')} {item['unit']}: "
        f"{'(Lý do khác) ' if item.get('kind') == 'other' else ''}{printable(item['text'])}"
        for item in comments["items"]
    ]
    return "\n".join(lines)


def _verification(report: dict) -> str:
    verification = report.get("verification")
    if not verification:
        return ""
    lines = ["Phúc tra (gọi lại người dân để lại số điện thoại):"]
    for row in verification["samples"]:
        lines.append(
            f"  {row['unit']}, {row['label']}: chọn {vi_count(row['sampled'])}, "
            f"đã gọi {vi_count(row['called'])}, liên lạc được {vi_count(row['reached'])}, "
            f"xác nhận đúng {vi_count(row['confirmed'])}, không nhận đánh giá "
            f"{vi_count(row['disowned'])} — tỷ lệ xác nhận {vi_percent(row['percent'])}"
        )
    lines.append(f"  {verification['formula']}")
    return "\n".join(lines)


def _dossiers(report: dict) -> str:
    section = report.get("dossiers")
    if not section:
        return ""
    lines = [
        "Theo hồ sơ (từ phần mềm một cửa, không hỏi người dân): "
        f"{vi_count(section['matched'])} phiếu khớp hồ sơ, "
        f"{vi_count(section['unmatched'])} phiếu không có mã hồ sơ."
    ]
    lines.append("  Theo lĩnh vực:")
    for row in section["by_field"]:
        lines.append(
            f"    {row['field']}: {vi_count(row['answers'])} phiếu, hài lòng "
            f"{vi_count(row['satisfied'])} — MĐHL {vi_percent(row['percent'])}"
        )
    lines.append("  Đúng hẹn / trễ hẹn:")
    for row in section["timeliness"]:
        delay = (
            f", trễ trung bình {vi_days(row['mean_delay_days'])} ngày, "
            f"lâu nhất {vi_days(row['max_delay_days'])} ngày"
            if row["late"] and row["answers"]
            else ""
        )
        lines.append(
            f"    {row['label']}: {vi_count(row['answers'])} phiếu, hài lòng "
            f"{vi_count(row['satisfied'])} — MĐHL {vi_percent(row['percent'])}{delay}"
        )
    if section["reasons_by_timeliness"]:
        lines.append("  Lý do chưa hài lòng (hồ sơ đúng hẹn / trễ hẹn):")
        for row in section["reasons_by_timeliness"]:
            lines.append(
                f"    {row['label']}: {vi_count(row['on_time'])} "
                f"({vi_percent(row['percent_on_time'])}) / {vi_count(row['late'])} "
                f"({vi_percent(row['percent_late'])})"
            )
    return "\n".join(lines)


def printable(text: str) -> str:
    """A text on one line of a terminal: no control character (an escape sequence stored
    before intake checked answers could retitle or clear the operator's terminal)."""
    return "".join(" " if unicodedata.category(char) == "Cc" else char for char in text)


def _checks(report: dict) -> str:
    checks = report["checks"]
    if checks["ok"]:
        return "Số liệu khớp."
    return "Số liệu KHÔNG khớp:\n" + "\n".join(f"  - {problem}" for problem in checks["problems"])
