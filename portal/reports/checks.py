"""The arithmetic that checks itself: a table's counts against its base, each percentage
against its count and base, and a whole report's figures against one another.

A table is a list of `TableRow`s, one per choice, as a report prints them (`report_rows`)
or as a published table gives them (portal/reports/check_table.py reads a CSV). Rules:

- single choice: the counts add to the base (the Đắk Song report's Câu 9 item 1 adds to
  110 of 100 forms);
- several choices (`multiple`): each count is at most the base; the shares are of the
  respondents and may add to more than 100% (`notes` says so);
- no count is negative, no base is negative;
- each published percentage follows from its count and base: it may differ from the exact
  share by at most half a unit of its last published decimal ("01%" for 1 of 100 passes,
  "72,21" for 1.733 of 2.400 passes), so any honest rounding passes and a wrong figure fails.

A problem is one Vietnamese sentence naming the question and the figures; [] means the
figures add up ("Số liệu khớp").
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from decimal import Decimal

from portal.reports.numbers import DECIMALS, mean_percent, percent, vi_count, vi_percent

CHECKS_OK = "Số liệu khớp"
GROUP_NAMES = {
    "unit": "đơn vị",
    "counter": "quầy",
    "officer": "cán bộ",
    "month": "tháng",
    "day": "ngày",
}
# "Q9.1", "Câu 9.1", "câu 9.1", "Cau 9.1", "Câu hỏi 5", "9.1": a question's number.
_QUESTION_NUMBER = re.compile(
    r"(?:(?:q|câu hỏi|cau hoi|câu|cau|question)\s*\.?\s*)?(\d+(?:\.\d+)*)", re.IGNORECASE
)


@dataclass(frozen=True)
class TableRow:
    """One choice of one question's table, as published."""

    question: str  # "Q9.1", or "verdict", or "reasons"
    choice: str  # the choice's label (or number)
    count: int
    percent: float | None  # as published; None: not printed
    base: int
    decimals: int = DECIMALS  # the precision the percent was published with


@dataclass(frozen=True)
class TotalRow:
    """A table's printed total line ("Tổng cộng"): not a choice, checked against them."""

    question: str
    label: str  # as printed: "Tổng cộng", "Tổng số", …
    count: int
    percent: float | None
    base: int | None  # None: the line left its base empty
    decimals: int = DECIMALS


def question_name(question: str) -> str:
    """How a sentence names a question, however the table wrote it: "Q9.1", "Câu 9.1",
    "câu 9.1", "9.1" → "Câu 9.1"; other words are quoted ("Câu “Đánh giá chung”")."""
    special = {
        "verdict": "Câu đánh giá chung",
        "reasons": "Câu lý do chưa hài lòng",
        "": "Bảng",  # a published table without a question column: the whole file
    }
    if question in special:
        return special[question]
    written = question.strip().rstrip(".:").strip()
    number = _QUESTION_NUMBER.fullmatch(unicodedata.normalize("NFC", written))
    if number:
        return f"Câu {number[1]}"
    return f"Câu “{written}”"


def report_rows(report: dict) -> list[TableRow]:
    """Every question table of a report, in the report's order, one row per choice."""
    return [
        TableRow(q["id"], str(c["label"]), c["count"], c["percent"], q["base"])
        for q in report["questions"]
        for c in q["choices"]
    ]


def multiple_questions(report: dict) -> frozenset[str]:
    """The report's several-choice questions (their shares may add to more than 100%)."""
    return frozenset(q["id"] for q in report["questions"] if q.get("multiple"))


def tables(rows: Iterable[TableRow]) -> dict[str, list[TableRow]]:
    """The rows by question, questions in the order they first appear."""
    grouped: dict[str, list[TableRow]] = {}
    for row in rows:
        grouped.setdefault(row.question, []).append(row)
    return grouped


def check_rows(rows: Iterable[TableRow], multiple: Collection[str] = ()) -> list[str]:
    """What does not add up in these tables, in Vietnamese; [] when everything does."""
    problems: list[str] = []
    for question, table in tables(rows).items():
        problems += _check_table(question, table, question in multiple)
    return problems


def notes(rows: Iterable[TableRow], multiple: Collection[str] = ()) -> list[str]:
    """What a reader should know that is no error: several-choice shares past 100%."""
    said = []
    for question, table in tables(rows).items():
        if question not in multiple:
            continue
        base = table[0].base
        total = sum(row.count for row in table)
        share = percent(total, base)
        over = f"; các lựa chọn cộng lại {vi_count(total)} lượt chọn" if share else ""
        if share and share > 100:
            over += f" ({vi_percent(share)}), vượt 100% là bình thường"
        said.append(
            f"{question_name(question)} cho chọn nhiều nội dung: tỷ lệ tính trên "
            f"{vi_count(base)} người trả lời câu này{over}."
        )
    return said


def _check_table(question: str, table: list[TableRow], multiple: bool) -> list[str]:
    name = question_name(question)
    base = table[0].base
    problems = []
    bases = list(dict.fromkeys(row.base for row in table))
    if len(bases) > 1:
        listed = ", ".join(vi_count(b) for b in bases)
        problems.append(f"{name}: các dòng ghi cơ sở khác nhau ({listed} phiếu).")
    if base < 0:
        problems.append(f"{name}: cơ sở âm ({vi_count(base)} phiếu).")
    for row in table:
        where = f"{name}, “{row.choice}”"
        if row.count < 0:
            problems.append(f"{where}: số phiếu âm ({vi_count(row.count)}).")
        elif multiple and row.count > row.base >= 0:
            problems.append(
                f"{where}: {vi_count(row.count)} phiếu, nhiều hơn cơ sở "
                f"{vi_count(row.base)} phiếu (mỗi người chọn một nội dung nhiều nhất một lần)."
            )
        problem = percent_problem(where, row.count, row.base, row.percent, row.decimals)
        if problem:
            problems.append(problem)
    if not multiple and base >= 0:
        problems += _adds_to_base(name, sum(row.count for row in table), base)
    return problems


def total_problems(
    totals: Iterable[TotalRow], rows: Iterable[TableRow], multiple: Collection[str] = ()
) -> list[str]:
    """Each total line against its table's choices (a several-choice total may be the choices
    picked or the people who answered), then its percentage against its count."""
    grouped = tables(rows)
    problems: list[str] = []
    for total in totals:
        table = grouped.get(total.question, [])
        base = table[0].base if table else total.base
        where = f"{question_name(total.question)}, dòng “{total.label}”"
        if None not in (total.base, base) and total.base != base:
            printed, theirs = vi_count(total.base or 0), vi_count(base or 0)
            problems.append(f"{where}: ghi cơ sở {printed}, khác các lựa chọn ({theirs}).")
        summed = sum(row.count for row in table)
        # Equal to its base but not to the sum, a single choice's total is said by _adds_to_base.
        if total.count not in (summed, base):
            what = "số người trả lời câu này" if total.question in multiple else "cơ sở"
            problems.append(
                f"{where}: ghi {vi_count(total.count)} phiếu, nhưng các lựa chọn cộng lại "
                f"{vi_count(summed)}, {what} là {vi_count(base or 0)}."
            )
        elif base is not None:
            problem = percent_problem(where, total.count, base, total.percent, total.decimals)
            problems += [problem] if problem else []
    return problems


def _adds_to_base(name: str, total: int, base: int) -> list[str]:
    if total == base:
        return []
    said = (
        f"{name}: các lựa chọn cộng lại {vi_count(total)} phiếu, khác cơ sở {vi_count(base)} phiếu"
    )
    if total < base:
        said += (
            f" (thiếu {vi_count(base - total)} phiếu: có lựa chọn không được in, hoặc cơ sở "
            "tính cả phiếu bỏ trống câu này)"
        )
    return [said + "."]


def percent_problem(
    where: str, count: int, base: int, published: float | None, decimals: int = DECIMALS
) -> str | None:
    """A sentence when `published` is not count/base to half a unit of its last decimal."""
    if published is None:
        return None
    shown = vi_percent(published, decimals) if math.isfinite(published) else str(published)
    if base <= 0:
        return f"{where}: cơ sở {vi_count(base)} phiếu nên không có tỷ lệ, nhưng bảng ghi {shown}."
    if math.isfinite(published):
        exact = Decimal(count) * 100 / Decimal(base)
        if abs(Decimal(repr(published)) - exact) <= Decimal(5).scaleb(-decimals - 1):
            return None
    right = vi_percent(percent(count, base, decimals), decimals)
    return (
        f"{where}: {vi_count(count)} trên {vi_count(base)} phiếu là {right}, nhưng bảng ghi "
        f"{shown}."
    )


# --- a whole report ------------------------------------------------------------------------
def check_report(report: dict) -> list[str]:
    """Every table of the report, and its totals against one another; [] = "Số liệu khớp"."""
    problems = check_rows(report_rows(report), multiple_questions(report))
    problems += _unprinted_percents(report)
    problems += _scale_satisfied(report)
    problems += _satisfaction(report)
    problems += _reasons(report)
    problems += _indices(report)
    problems += _groups(report)
    problems += _channels(report)
    problems += _dossiers(report)
    return problems


def _unprinted_percents(report: dict) -> list[str]:
    """A report prints a share for every choice whose base is not 0."""
    return [
        f"{question_name(q['id'])}, “{c['label']}”: thiếu tỷ lệ "
        f"({vi_count(c['count'])} trên {vi_count(q['base'])} phiếu)."
        for q in report["questions"]
        for c in q["choices"]
        if c["percent"] is None and q["base"] > 0
    ]


def _scale_satisfied(report: dict) -> list[str]:
    """A scale item's satisfied count is the sum of its satisfied levels' counts."""
    problems = []
    for q in report["questions"]:
        satisfied = q.get("satisfied")
        if not satisfied:
            continue
        name = question_name(q["id"])
        levels = set(satisfied["levels"])
        total = sum(c["count"] for c in q["choices"] if str(c["id"]) in levels)
        if satisfied["count"] != total:
            labels = " + ".join(c["label"] for c in q["choices"] if str(c["id"]) in levels)
            problems.append(
                f"{name}: số hài lòng ghi {vi_count(satisfied['count'])} phiếu, nhưng "
                f"{labels} cộng lại {vi_count(total)} phiếu."
            )
        where = f"{name}, tỷ lệ hài lòng"
        problem = percent_problem(where, satisfied["count"], q["base"], satisfied["percent"])
        problems += [problem] if problem else []
    return problems


def _satisfaction(report: dict) -> list[str]:
    sat = report.get("satisfaction")
    if not sat:
        return []
    problems = []
    if sat["satisfied"] + sat["not_satisfied"] != sat["base"]:
        problems.append(
            f"Hài lòng {vi_count(sat['satisfied'])} + Chưa hài lòng "
            f"{vi_count(sat['not_satisfied'])} phiếu, khác cơ sở {vi_count(sat['base'])} phiếu."
        )
    problem = percent_problem("Tỷ lệ hài lòng", sat["satisfied"], sat["base"], sat["percent"])
    return problems + ([problem] if problem else []) + _against_the_verdict_table(report, sat)


def _against_the_verdict_table(report: dict, sat: dict) -> list[str]:
    """The MĐHL's counts are the verdict question's table's (two readings of one answer)."""
    if not report.get("form", {}).get("has_verdict"):
        return []
    tables = [q for q in report.get("questions", []) if q.get("id") == "verdict"]
    if not tables:
        return []
    counts = [choice["count"] for choice in tables[0]["choices"]]
    if sum(counts) != sat["base"]:
        return [
            f"Câu đánh giá chung cộng lại {vi_count(sum(counts))} phiếu, khác "
            f"{vi_count(sat['base'])} phiếu có đánh giá (MĐHL)."
        ]
    return []


def _reasons(report: dict) -> list[str]:
    sat = report.get("satisfaction")
    if not report.get("reasons") or not sat:
        return []
    problems = []
    unhappy, everyone = sat["not_satisfied"], sat["base"]
    for reason in report["reasons"]:
        where = f"Lý do “{reason['label']}”"
        if reason["count"] > unhappy:
            problems.append(
                f"{where}: {vi_count(reason['count'])} phiếu, nhiều hơn số chưa hài lòng "
                f"({vi_count(unhappy)} phiếu)."
            )
        for base, published, of in (
            (unhappy, reason["percent_of_dissatisfied"], "trên số chưa hài lòng"),
            (everyone, reason["percent_of_all"], "trên tổng số"),
        ):
            problem = percent_problem(f"{where} ({of})", reason["count"], base, published)
            problems += [problem] if problem else []
    return problems


def _indices(report: dict) -> list[str]:
    """Each dimension pooled from its items; the overall from the dimensions or verdict."""
    by_id = {q["id"]: q for q in report["questions"]}
    problems: list[str] = []
    dimensions = [i for i in report["indices"] if i["dimension"] != "overall"]
    for index in dimensions:
        problems += _dimension(index, by_id)
    overall = next((i for i in report["indices"] if i["dimension"] == "overall"), None)
    if overall is None:
        return problems
    sat = report.get("satisfaction")
    if sat and not dimensions:
        if overall["percent"] != sat["percent"]:
            problems.append(
                f"Chỉ số chung ghi {vi_percent(overall['percent'])}, khác tỷ lệ hài lòng "
                f"{vi_percent(sat['percent'])}."
            )
        return problems
    values = [i["percent"] for i in dimensions if i["percent"] is not None]
    if values and overall["percent"] is not None:
        mean = sum((Decimal(repr(v)) for v in values), Decimal(0)) / len(values)
        if abs(Decimal(repr(overall["percent"])) - mean) > Decimal("0.005"):
            problems.append(
                f"Chỉ số chung ghi {vi_percent(overall['percent'])}, nhưng trung bình chỉ số "
                f"của {len(values)} khía cạnh là {vi_percent(mean_percent(values))}."
            )
    return problems


def _dimension(index: dict, by_id: dict[str, dict]) -> list[str]:
    items = [by_id[q] for q in index["questions"] if q in by_id]
    where = f"Chỉ số “{index.get('name') or index['dimension']}”"
    missing = [q for q in index["questions"] if q not in by_id]
    if missing:
        return [f"{where}: tính từ {', '.join(missing)} nhưng báo cáo không có các câu đó."]
    satisfied = sum((q.get("satisfied") or {}).get("count", 0) for q in items)
    answers = sum(q["base"] for q in items)
    problems = []
    if (index.get("satisfied"), index.get("answers")) != (satisfied, answers):
        problems.append(
            f"{where}: ghi {index.get('satisfied')} hài lòng trên {index.get('answers')} câu "
            f"trả lời, nhưng các câu {', '.join(index['questions'])} cộng lại "
            f"{vi_count(satisfied)} trên {vi_count(answers)}."
        )
    problem = percent_problem(where, satisfied, answers, index["percent"])
    return problems + ([problem] if problem else [])


def _groups(report: dict) -> list[str]:
    """Each grouping (unit, counter, …) adds to the answers counted and flagged."""
    answers = report["answers"]
    problems = []
    for key, rows in report.get("groups", {}).items():
        if not rows:
            continue
        kind = GROUP_NAMES.get(key, key)
        for field, total in (("counted", answers["counted"]), ("flagged", answers["flagged"])):
            summed = sum(row[field] for row in rows)
            if summed != total:
                words = "được tính" if field == "counted" else "bị gắn cờ"
                problems.append(
                    f"Nhóm theo {kind}: số phiếu {words} cộng lại {vi_count(summed)}, khác "
                    f"tổng {vi_count(total)}."
                )
        problems += [p for row in rows if (p := _group_row(kind, row))]
        problems += _group_satisfied(report, kind, rows)
    return problems


def _group_satisfied(report: dict, kind: str, rows: list[dict]) -> list[str]:
    """Each grouping's Hài lòng adds to the report's."""
    sat = report.get("satisfaction")
    if not sat or any(row.get("satisfied") is None for row in rows):
        return []
    summed = sum(row["satisfied"] for row in rows)
    if summed == sat["satisfied"]:
        return []
    return [
        f"Nhóm theo {kind}: số phiếu hài lòng cộng lại {vi_count(summed)}, khác "
        f"{vi_count(sat['satisfied'])}."
    ]


def _group_row(kind: str, row: dict) -> str | None:
    if row.get("satisfied") is None or row.get("not_satisfied") is None:
        return None
    base = row["satisfied"] + row["not_satisfied"]
    if base > row["counted"]:
        return (
            f"Nhóm theo {kind}, “{row['label']}”: {vi_count(base)} phiếu có đánh giá, nhiều "
            f"hơn {vi_count(row['counted'])} phiếu được tính."
        )
    return percent_problem(
        f"Nhóm theo {kind}, “{row['label']}”", row["satisfied"], base, row["percent"]
    )


def _channels(report: dict) -> list[str]:
    answers = report["answers"]
    summed = sum(answers.get("by_channel", {}).values())
    if summed == answers["counted"]:
        return []
    return [
        f"Số phiếu theo kênh cộng lại {vi_count(summed)}, khác tổng số phiếu được tính "
        f"{vi_count(answers['counted'])}."
    ]


def _dossiers(report: dict) -> list[str]:
    """The answers read against their dossiers: matched and unmatched add to the counted;
    the fields and on time / late each add to the matched, each MĐHL follows from its row."""
    section = report.get("dossiers")
    if not section:
        return []
    problems = []
    counted = report["answers"]["counted"]
    if section["matched"] + section["unmatched"] != counted:
        problems.append(
            f"Theo hồ sơ: {vi_count(section['matched'])} phiếu khớp hồ sơ và "
            f"{vi_count(section['unmatched'])} không khớp, khác {vi_count(counted)} phiếu "
            "được tính."
        )
    for key, title, name in (("by_field", "lĩnh vực", "field"), ("timeliness", "hạn trả", "label")):
        rows = section[key]
        summed = sum(row["answers"] for row in rows)
        if summed != section["matched"]:
            problems.append(
                f"Theo {title}: số phiếu cộng lại {vi_count(summed)}, khác "
                f"{vi_count(section['matched'])} phiếu khớp hồ sơ."
            )
        for row in rows:
            base = row["satisfied"] + row["not_satisfied"]
            problem = percent_problem(
                f"Theo {title}, “{row[name]}”", row["satisfied"], base, row["percent"]
            )
            if problem:
                problems.append(problem)
    return problems
