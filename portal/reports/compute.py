"""A report, made of the database's counts (portal/reports/counting.py) and the form's
questions: the answers counted and left out, the satisfaction (MĐHL) where the form has a
verdict, a table per question as the Đắk Song report lays them out, the reasons of the
not satisfied, the indices per SIPAS dimension, groupings by unit, counter, officer, month
and day, the targets, the comments, and the checks of its own arithmetic. The result is a
JSON-ready dict, the body of `GET /api/v1/reports` (portal/openapi.json's Report); every
printing of a report (text, CSV, XLSX, PDF, the dashboard) prints this dict.

Indices, as the Gia Nghĩa letter publishes them: a dimension's index is the share of
satisfied answers (the levels a scale marks satisfied: Rất hài lòng, Hài lòng) among all
answers to its scale items, items pooled, so an item answered by fewer people weighs
less; the overall index is the plain mean of the dimensions' indices (the letter's
"nói chung", 72,17% = the mean of its five). On a form with a verdict and no scale items
the overall index is the MĐHL: Hài lòng among the answers giving a verdict.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import replace
from datetime import date, datetime, timezone
from typing import Any

from sqlalchemy import Connection, Engine

from kiosk.domain.forms import Form, Question, localized
from portal.dashboard.verification_store import report_section
from portal.forms import find_form, known_form_ids
from portal.reports import counting
from portal.reports.checks import check_report
from portal.reports.dossier_split import dossier_section
from portal.reports.numbers import mean_percent, percent
from portal.reports.privacy import masked_numbers
from portal.reports.request import ReportError, ReportRequest, known_codes
from portal.reports.targets import report_targets
from portal.reports.wording import CONDITIONAL_NOTE, MULTIPLE_NOTE
from portal.store.answer_facts import CHOICE_TYPES, LOCAL_ZONE
from portal.store.settings import UNIT_NAME, unit_values

TITLE = "Báo cáo kết quả khảo sát mức độ hài lòng"
DAYS_BY_DAY = 92  # a longer period is not shown day by day
# The SIPAS dimensions as the Gia Nghĩa letter names them ("MĐHL … đối với …").
DIMENSIONS = {
    "tiep_can_dich_vu": "Tiếp cận dịch vụ",
    "thu_tuc_hanh_chinh": "Thủ tục hành chính",
    "cong_chuc": "Công chức trực tiếp giải quyết công việc",
    "ket_qua": "Kết quả dịch vụ",
    "gop_y": "Tiếp nhận, xử lý góp ý, phản ánh, kiến nghị",
}
OVERALL = "overall"
FORMULA = (
    "Chỉ số hài lòng của một khía cạnh = số câu trả lời “Rất hài lòng” và “Hài lòng” trên "
    "tổng số câu trả lời hợp lệ của mọi tiêu chí thuộc khía cạnh đó (cộng dồn các tiêu chí, "
    "nên tiêu chí có ít người trả lời hơn có trọng số nhỏ hơn). Chỉ số chung = trung bình "
    "cộng chỉ số của các khía cạnh. Với phiếu đánh giá nhanh: mức độ hài lòng (MĐHL) = số "
    "phiếu “Hài lòng” trên tổng số phiếu hợp lệ có đánh giá. Phiếu bị gắn cờ toàn vẹn không "
    "được tính."
)


Split = dict[bool, int]  # flagged → count


def build_report(engine: Engine, request: ReportRequest) -> dict:
    """The report asked for (ReportError when its form is not one the portal knows)."""
    form = find_form(engine, request.form_id)
    if form is None:
        known = ", ".join(known_form_ids(engine))
        raise ReportError(
            f"Cổng không biết mẫu phiếu {request.form_id!r}; các mẫu đã biết: {known}."
        )
    today = request.today or datetime.now(LOCAL_ZONE).date()
    with engine.connect() as connection:
        request = resolve(connection, request)
        # Figures as of today: the period's days to come hold no answer yet, and one dated
        # ahead by a tablet's wrong clock waits for its day ("số liệu đến hết ngày …").
        asked = replace(request, end=min(request.end or today, today))
        answers = counting.answer_counts(connection, asked)
        choices = counting.choice_counts(connection, asked)
        by_day = _by_day(request)
        counted = counting.group_counts(connection, asked, form.satisfied_verdicts, by_day)
        groups = _fold_groups(counted, by_day)
        texts = counting.comments(connection, asked, request.comments_limit)
        text_count = counting.comment_count(connection, asked)
        verification = report_section(connection, request.units, request.start, request.end)
        dossiers = dossier_section(connection, asked, form, reason_questions(form))
    names = unit_values(engine, UNIT_NAME)
    report: dict[str, Any] = {
        "title": TITLE,
        "generated_at": datetime.now(timezone.utc)
        .isoformat(timespec="seconds")
        .replace("+00:00", "Z"),
        "form": {
            "id": form.id,
            "versions": sorted({version for *_, version, _ in answers}),
            "title": localized(form.title, "vi"),
            "has_verdict": form.verdict is not None,
        },
        "filters": _filters(request, names, groups["unit"], today),
        "answers": _answers(answers),
    }
    report["satisfaction"] = _satisfaction(form, answers, request.include_flagged)
    tables = _questions(form, choices, request.include_flagged)
    report["questions"] = tables
    report["reasons"] = _reasons(form, tables, report["satisfaction"])
    report["indices"] = _indices(tables, report["satisfaction"])
    report["index_formula"] = FORMULA
    report["groups"] = {name: _group_rows(name, rows, names, form) for name, rows in groups.items()}
    report["targets"] = report_targets(engine, request, today)
    report["comments"] = {
        "count": text_count,
        "limit": request.comments_limit,
        "items": [_comment(row, form) for row in texts],
    }
    if verification is not None:  # re-verification's confirmation rate, once sampled
        report["verification"] = verification
    if dossiers is not None:  # the units keep their dossiers: field, on time or late
        report["dossiers"] = dossiers
    problems = check_report(report)
    report["checks"] = {"ok": not problems, "problems": problems}
    return report


def resolve(connection: Connection, request: ReportRequest) -> ReportRequest:
    """The request with each unit, counter and officer as the portal writes it (letter case
    aside); ReportError naming what the portal does not know: a typo must not print an
    empty report that looks like a real one. Nothing is looked up for what was not asked."""
    units = tuple(dict.fromkeys(request.units))
    if units and counting.unknown_units(connection, units):  # else each is as written
        units = known_codes("đơn vị", units, counting.known_units(connection))
    counters, officers = request.counters, request.officers
    if counters:
        known = counting.known_values(connection, "counter", units)
        counters = known_codes("quầy", counters, known)
    if officers:
        known = counting.known_values(connection, "officer", units)
        officers = known_codes("cán bộ", officers, known)
    return replace(request, units=units, counters=counters, officers=officers)


def _by_day(request: ReportRequest) -> bool:
    """Whether the report shows each day (a period of up to DAYS_BY_DAY days)."""
    return bool(request.start and request.end and (request.end - request.start).days < DAYS_BY_DAY)


Slots = dict[tuple[str, object], dict[str, int]]  # (unit, key) → counted, flagged, …


def _fold_groups(rows: Iterable[tuple], by_day: bool) -> dict[str, Slots]:
    """The one pass's rows added up into each grouping's, as they stream in: a counter and
    an officer keep their unit (each is one unit's), the unit, month and day do not."""
    groups: dict[str, Slots] = {name: {} for name in counting.GROUPS if by_day or name != "day"}
    for unit, counter, officer, when, flagged, n, verdicts, satisfied in rows:
        month = when.strftime("%Y-%m") if isinstance(when, date) else when
        keys = {"unit": ("", unit), "counter": (unit, counter), "officer": (unit, officer)}
        keys |= {"month": ("", month)} | ({"day": ("", when)} if by_day else {})
        for group, key in keys.items():
            slot = groups[group].setdefault(key, dict.fromkeys(_SLOT, 0))
            if flagged:
                slot["flagged"] += n
            else:
                slot["counted"] += n
                slot["verdicts"] += verdicts
                slot["satisfied"] += satisfied
    return groups


_SLOT = ("counted", "flagged", "verdicts", "satisfied")


def _filters(request: ReportRequest, names: dict[str, str], units: Slots, today: date) -> dict:
    shown = set(request.units) | {str(key) for _, key in units}
    return {
        "units": list(request.units),
        "unit_names": {unit: names[unit] for unit in sorted(shown) if unit in names},
        "counters": list(request.counters),
        "officers": list(request.officers),
        "channels": list(request.channels),
        "period": {
            "label": request.period_label,
            "from": request.start.isoformat() if request.start else None,
            "to": request.end.isoformat() if request.end else None,
            # The last day with figures: today while the period runs on.
            "as_of": min(request.end or today, today).isoformat(),
        },
        "include_flagged": request.include_flagged,
    }


def _answers(answers: list[tuple[str, str, str | None, str, int, int]]) -> dict:
    by_channel: dict[str, int] = defaultdict(int)
    flagged_by: dict[str, int] = defaultdict(int)
    counted = flagged = incomplete = 0
    for channel, status, _, flags, _, n in answers:
        if flags:
            flagged += n
            for name in flags.split(","):
                flagged_by[name] += n
            continue
        counted += n
        by_channel[channel] += n
        incomplete += n if status == "incomplete" else 0
    return {
        "counted": counted,
        "flagged": flagged,
        "incomplete": incomplete,
        "by_channel": dict(sorted(by_channel.items())),
        "flagged_by": dict(sorted(flagged_by.items(), key=lambda item: (-item[1], item[0]))),
    }


def _satisfaction(form: Form, answers: list, include_flagged: bool) -> dict | None:
    if form.verdict is None:
        return None
    pleased = set(form.satisfied_verdicts)
    sums: dict[tuple[bool, bool], int] = defaultdict(int)  # (flagged, satisfied) → answers
    for _, _, verdict, flags, _, n in answers:
        if verdict is not None:
            sums[(bool(flags), verdict in pleased)] += n
    satisfied, not_satisfied = sums[(False, True)], sums[(False, False)]
    result: dict[str, object] = {
        "satisfied": satisfied,
        "not_satisfied": not_satisfied,
        "base": satisfied + not_satisfied,
        "percent": percent(satisfied, satisfied + not_satisfied),
    }
    if include_flagged:
        result["flagged"] = {"satisfied": sums[(True, True)], "not_satisfied": sums[(True, False)]}
    return result


def _questions(form: Form, choices: list, include_flagged: bool) -> list[dict]:
    given: dict[str, dict[str, Split]] = defaultdict(
        lambda: defaultdict(lambda: {False: 0, True: 0})
    )
    answered: dict[str, Split] = defaultdict(lambda: {False: 0, True: 0})
    for qid, choice, flagged, n, first in choices:
        given[qid][choice][flagged] += n
        answered[qid][flagged] += first  # one first choice per answer and question
    return [
        _table(
            position, question, given.get(question.id, {}), answered[question.id], include_flagged
        )
        for position, question in enumerate(
            (q for q in form.questions if q.type in CHOICE_TYPES), 1
        )
    ]


def _table(
    position: int,
    question: Question,
    given: dict[str, Split],
    base: Split,
    include_flagged: bool,
) -> dict:
    """One question's table; `base` is who answered it (counted apart from the choices, so
    that the checks have something to check a single choice's counts against)."""
    multiple = question.type == "multi_choice"
    known = [c.id for c in question.choices]
    ids = known + sorted(set(given) - set(known))  # a choice of an older version, by its id
    rows = []
    for number, choice_id in enumerate(ids, 1):
        found = question.choice(choice_id)
        count = given.get(choice_id, {False: 0})[False]
        row = {
            "number": number,
            "id": choice_id,
            "label": localized(found.label, "vi") if found else choice_id,
            "count": count,
            "percent": percent(count, base[False]),
        }
        if include_flagged:
            row["flagged"] = given.get(choice_id, {True: 0})[True]
        rows.append(row)
    table = {
        "id": question.id,
        "number": _number(question.id, position),
        "text": localized(question.text, "vi"),
        "heading": localized(question.hint, "vi") if question.tags.get("grid") else "",
        "type": question.type,
        "multiple": multiple,
        "conditional": bool(question.when),
        "base": base[False],
        "note": MULTIPLE_NOTE if multiple else CONDITIONAL_NOTE if question.when else "",
        "choices": rows,
        "satisfied": _satisfied_levels(question, rows, base[False]),
        "dimension": question.tags.get("dimension") if question.type == "scale" else None,
        "grid": question.tags.get("grid"),
    }
    if include_flagged:
        table["flagged_base"] = base[True]
    return table


def _number(question_id: str, position: int) -> int:
    """The Câu a question is printed under: Q9.1 is Câu 9; an id without one, its place
    among the report's tables (the quick form's verdict 1, its reasons 2)."""
    match = re.match(r"[A-Za-z]*(\d+)", question_id)
    return int(match[1]) if match else position


def _satisfied_levels(question: Question, rows: list[dict], base: int) -> dict | None:
    if question.type != "scale":
        return None
    levels = [c.id for c in question.choices if c.satisfied]
    count = sum(row["count"] for row in rows if row["id"] in levels)
    return {"count": count, "percent": percent(count, base), "levels": levels}


def reason_questions(form: Form) -> set[str]:
    """The choice questions asked only of the not satisfied (the quick form's reasons)."""
    verdict = form.verdict
    if verdict is None:
        return set()
    pleased = set(form.satisfied_verdicts)
    return {
        q.id
        for q in form.questions
        if verdict.id in q.when and not set(q.when[verdict.id]) & pleased and q.type in CHOICE_TYPES
    }


def _reasons(form: Form, tables: list[dict], satisfaction: dict | None) -> list[dict]:
    """The choices of the questions asked only of the not satisfied (the quick form's reasons)."""
    verdict = form.verdict
    if verdict is None or satisfaction is None:
        return []
    asked = reason_questions(form)
    return [
        {
            "number": row["number"],
            "id": row["id"],
            "label": row["label"],
            "count": row["count"],
            "percent_of_dissatisfied": percent(row["count"], satisfaction["not_satisfied"]),
            "percent_of_all": percent(row["count"], satisfaction["base"]),
        }
        for table in tables
        if table["id"] in asked
        for row in table["choices"]
    ]


def _indices(tables: list[dict], satisfaction: dict | None) -> list[dict]:
    pooled: dict[str, list[dict]] = {}
    for table in tables:
        if table["type"] == "scale" and table["dimension"]:
            pooled.setdefault(table["dimension"], []).append(table)
    indices = []
    for dimension, items in pooled.items():
        satisfied = sum(item["satisfied"]["count"] for item in items)
        answered = sum(item["base"] for item in items)
        indices.append(
            {
                "dimension": dimension,
                "name": DIMENSIONS.get(dimension, dimension),
                "percent": percent(satisfied, answered),
                "satisfied": satisfied,
                "answers": answered,
                "questions": [item["id"] for item in items],
            }
        )
    if indices:
        values = [index["percent"] for index in indices if index["percent"] is not None]
        questions = [q for index in indices for q in index["questions"]]
        overall = {
            "percent": mean_percent(values),
            "satisfied": None,
            "answers": None,
            "questions": questions,
        }
        indices.append({"dimension": OVERALL, "name": "Chung"} | overall)
    elif satisfaction is not None:
        indices.append(
            {
                "dimension": OVERALL,
                "name": "Mức độ hài lòng chung",
                "percent": satisfaction["percent"],
                "satisfied": satisfaction["satisfied"],
                "answers": satisfaction["base"],
                "questions": ["verdict"],
            }
        )
    return indices


def _group_rows(group: str, merged: Slots, names: dict[str, str], form: Form) -> list[dict]:
    several_units = len({unit for unit, _ in merged}) > 1
    verdict = form.verdict is not None
    result = []
    for (unit, key), slot in sorted(
        merged.items(), key=lambda item: (item[0][0], _key_text(item[0][1]))
    ):
        text, label = _key_text(key), _label(group, key, _key_text(key), names)
        if several_units:  # a counter or officer is one unit's: say whose
            text, label = f"{unit} · {text}", f"{names.get(unit, unit)} · {label}"
        result.append(
            {
                "key": text,
                "label": label,
                "counted": slot["counted"],
                "flagged": slot["flagged"],
                "satisfied": slot["satisfied"] if verdict else None,
                "not_satisfied": slot["verdicts"] - slot["satisfied"] if verdict else None,
                "percent": percent(slot["satisfied"], slot["verdicts"]) if verdict else None,
            }
        )
    return result


def _key_text(key: object) -> str:
    if isinstance(key, date):
        return key.isoformat()
    return "" if key is None else str(key)


def _label(group: str, key: object, text: str, names: dict[str, str]) -> str:
    if not text:
        return "(không ghi)"
    if group == "unit":
        return names.get(text, text)
    if group == "month":
        return f"{text[5:7]}/{text[:4]}"
    if group == "day" and isinstance(key, date | str):
        day = key if isinstance(key, date) else date.fromisoformat(str(key))
        return day.strftime("%d/%m/%Y")
    return text


def _comment(row: tuple[datetime, str, str, str, str], form: Form) -> dict[str, str]:
    finished, unit, channel, question, text = row
    asked = next((q for q in form.questions if q.id == question), None)
    moment = finished.replace(tzinfo=timezone.utc).astimezone(LOCAL_ZONE).replace(tzinfo=None)
    return {
        "finished_at": moment.isoformat(timespec="minutes"),
        "unit": unit,
        "channel": channel,
        "question": question,
        # A text question's answer, or the words beside a choice ("Lý do khác").
        "kind": "comment" if asked is None or asked.type == "text" else "other",
        "text": masked_numbers(text),
    }
