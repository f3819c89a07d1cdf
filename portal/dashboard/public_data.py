"""The published results' figures: what the public pages, their CSV and their JSON show,
taken from build_report (portal/reports/compute.py) and nothing else.

The province's page is ONE report over every unit, read through its by-unit grouping (a
report per unit would be as many passes over the answers). A unit's page is that unit's
report, and its long form's report when the unit offers one (for the SIPAS indices).
Nothing personal leaves here: no phone (reports never carry one), no counter or officer,
and comments only when the province turned them on (masked by the report, at most 20).

These pages are public and may be asked for again and again by a ward's website: each
report is kept for CACHE_SECONDS in this process, keyed by what it counts (units, form,
period, today), so that a crowd costs one computation every five minutes.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Engine

from portal.reports import counting
from portal.reports.compute import build_report
from portal.reports.request import (
    DEFAULT_FORM,
    Period,
    PeriodError,
    ReportError,
    ReportRequest,
    parse_period,
)
from portal.reports.wording import TARGET_STATUSES
from portal.store.answer_facts import LOCAL_ZONE
from portal.store.settings import UNIT_NAME, unit_settings, unit_values

CACHE_SECONDS = 300.0
CACHE_ENTRIES = 256  # an attacker cycling periods evicts old entries, never grows the heap
MAX_PERIOD_TEXT = 12  # "2026-H1", "11/2026": anything longer is not a period
PUBLIC_COMMENTS = 20


class UnknownUnit(LookupError):
    """A unit the portal does not know."""


@dataclass(frozen=True)
class Asked:
    """A public page's question: the period's words as given, and the period they mean."""

    text: str
    period: Period
    today: date


def today_here() -> date:
    return datetime.now(LOCAL_ZONE).date()


def asked_period(text: str | None, today: date | None = None) -> Asked:
    """The period of `?ky=` (this year when absent); PeriodError in Vietnamese otherwise."""
    today = today or today_here()
    words = (text or "").strip() or str(today.year)
    if len(words) > MAX_PERIOD_TEXT:
        raise PeriodError(
            "Kỳ báo cáo quá dài: ghi năm (2026), nửa năm (2026-H1), quý (2026-Q3) "
            "hoặc tháng (2026-11)."
        )
    return Asked(words, parse_period(words), today)


class _Cache:
    """Reports kept CACHE_SECONDS, at most CACHE_ENTRIES, shared by the server's threads."""

    def __init__(self) -> None:
        self._kept: OrderedDict[tuple, tuple[float, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: tuple, make: Callable[[], Any]) -> Any:
        now = time.monotonic()
        with self._lock:
            found = self._kept.get(key)
            if found and found[0] > now:
                return found[1]
        value = make()  # outside the lock: one slow report does not hold up the others
        with self._lock:
            self._kept[key] = (now + CACHE_SECONDS, value)
            self._kept.move_to_end(key)
            while len(self._kept) > CACHE_ENTRIES:
                self._kept.popitem(last=False)
        return value

    def put(self, key: tuple, value: Any) -> None:
        with self._lock:
            self._kept[key] = (time.monotonic() + CACHE_SECONDS, value)
            self._kept.move_to_end(key)

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


CACHE = _Cache()


def warm_province(engine: Engine) -> None:
    """Count this year's province page anew and keep it (portal/dashboard/warm.py): the
    public's first visit then never waits for a province's year of answers."""
    request = _request(asked_period(None))
    CACHE.put((id(engine), "report", request), build_report(engine, request))


def _report(engine: Engine, request: ReportRequest) -> dict:
    # ReportRequest is frozen, and carries `today`: tomorrow's pages are a new key.
    return CACHE.get((id(engine), "report", request), lambda: build_report(engine, request))


def _request(asked: Asked, units: tuple[str, ...] = (), form: str = DEFAULT_FORM, **more: Any):
    return ReportRequest(
        form_id=form,
        units=units,
        start=asked.period.start,
        end=asked.period.end,
        period_label=asked.period.label,
        today=asked.today,
        comments_limit=more.get("comments", 0),
    )


def known_unit(engine: Engine, code: str) -> str:
    """The unit as the portal writes it (letter case aside); UnknownUnit otherwise."""
    units = CACHE.get((id(engine), "units", today_here()), lambda: _known_units(engine))
    found = {unit.casefold(): unit for unit in units}.get(code.strip().casefold())
    if found is None:
        raise UnknownUnit(code)
    return found


def _known_units(engine: Engine) -> frozenset[str]:
    with engine.connect() as connection:
        return frozenset(counting.known_units(connection))


def _period(report: dict, asked: Asked) -> dict[str, Any]:
    shown = report["filters"]["period"]
    return {
        "ky": asked.text,
        "label": shown["label"],
        "from": shown["from"],
        "to": shown["to"],
        "as_of": shown["as_of"],
    }


def _targets(report: dict, unit: str) -> list[dict[str, Any]]:
    return [
        {
            "kind": target["kind"],
            "label": target["label"],
            "target": target["target"],
            "counted": target["counted"],
            "percent": target["percent"],
            "expected": target["expected"],
            "status": target["status"],
            "status_name": TARGET_STATUSES.get(target["status"], target["status"]),
        }
        for target in report["targets"]
        if target["unit"] == unit and target["counter"] is None
    ]


def _main_target(targets: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The yearly minimum of decision 2223 (else the half-year rule, else a quota)."""
    for kind in ("yearly", "half_year", "quota"):
        found = next((target for target in targets if target["kind"] == kind), None)
        if found:
            return found
    return None


def unit_figures(engine: Engine, unit: str, asked: Asked, comments: bool) -> dict[str, Any]:
    """A unit's published figures (UnknownUnit for a unit the portal does not know)."""
    unit = known_unit(engine, unit)
    limit = PUBLIC_COMMENTS if comments else 0
    report = _report(engine, _request(asked, (unit,), comments=limit))
    satisfaction = report["satisfaction"] or {"satisfied": 0, "not_satisfied": 0, "percent": None}
    targets = _targets(report, unit)
    main = _main_target(targets)
    settings = unit_settings(engine, unit)
    return {
        "unit": unit,
        "name": settings.shown_name,
        "period": _period(report, asked),
        "form": report["form"]["title"],
        "counted": report["answers"]["counted"],
        "flagged": report["answers"]["flagged"],
        "by_channel": report["answers"]["by_channel"],
        "satisfied": satisfaction["satisfied"],
        "not_satisfied": satisfaction["not_satisfied"],
        "mdhl_percent": satisfaction["percent"],
        "target": main["target"] if main else None,
        "target_counted": main["counted"] if main else None,
        "target_status": main["status"] if main else None,
        "targets": targets,
        "reasons": [
            {
                "id": reason["id"],
                "label": reason["label"],
                "count": reason["count"],
                "percent_of_dissatisfied": reason["percent_of_dissatisfied"],
            }
            for reason in report["reasons"]
        ],
        "indices": _indices(engine, asked, unit, settings.web_long_form, report),
        "months": [
            {"month": row["key"], "label": row["label"], "counted": row["counted"]}
            | {"percent": row["percent"]}
            for row in report["groups"]["month"]
        ],
        "comments": [
            {"day": item["finished_at"][:10], "text": item["text"]}
            for item in report["comments"]["items"][:limit]
        ],
        "checks_ok": report["checks"]["ok"],
    }


def _indices(
    engine: Engine, asked: Asked, unit: str, long_form: str | None, quick: dict
) -> dict[str, Any]:
    """The long form's indices when the unit's long form has answers in the period; the
    quick form's own (its MĐHL) otherwise."""
    if long_form:
        try:
            report = _report(engine, _request(asked, (unit,), long_form))
        except ReportError:  # a long form the portal no longer knows: the quick form's
            report = None
        if report and report["answers"]["counted"] and len(report["indices"]) > 1:
            return _index_rows(report, "long")
    return _index_rows(quick, "quick")


def _index_rows(report: dict, kind: str) -> dict[str, Any]:
    return {
        "kind": kind,
        "form": report["form"]["title"],
        "counted": report["answers"]["counted"],
        "rows": [
            {
                "dimension": index["dimension"],
                "name": index["name"],
                "percent": index["percent"],
                "answers": index["answers"],
            }
            for index in report["indices"]
        ],
    }


def province_figures(engine: Engine, asked: Asked) -> dict[str, Any]:
    """Every unit the portal knows and the province's total, from one report."""
    report = _report(engine, _request(asked))
    units = CACHE.get((id(engine), "units", asked.today), lambda: _known_units(engine))
    names = unit_values(engine, UNIT_NAME)
    rows = {row["key"]: row for row in report["groups"]["unit"]}
    listed = []
    for unit in sorted(units | set(rows)):
        row = rows.get(unit, {})
        main = _main_target(_targets(report, unit))
        listed.append(
            {
                "unit": unit,
                "name": names.get(unit) or unit,
                "counted": row.get("counted", 0),
                "satisfied": row.get("satisfied") or 0,
                "not_satisfied": row.get("not_satisfied") or 0,
                "mdhl_percent": row.get("percent"),
                "target": main["target"] if main else None,
                "target_counted": main["counted"] if main else None,
                "target_status": main["status"] if main else None,
            }
        )
    satisfaction = report["satisfaction"] or {"satisfied": 0, "not_satisfied": 0, "percent": None}
    with_target = [row for row in listed if row["target"] is not None]
    return {
        "period": _period(report, asked),
        "form": report["form"]["title"],
        "units": listed,
        "total": {
            "unit": "",
            "name": "Toàn tỉnh",
            "counted": report["answers"]["counted"],
            "satisfied": satisfaction["satisfied"],
            "not_satisfied": satisfaction["not_satisfied"],
            "mdhl_percent": satisfaction["percent"],
            "target": sum(row["target"] for row in with_target) if with_target else None,
            "target_counted": sum(row["target_counted"] for row in with_target)
            if with_target
            else None,
            "target_status": None,
            "flagged": report["answers"]["flagged"],
        },
        "reasons": [
            {
                "id": reason["id"],
                "label": reason["label"],
                "count": reason["count"],
                "percent_of_dissatisfied": reason["percent_of_dissatisfied"],
            }
            for reason in report["reasons"]
        ],
        "checks_ok": report["checks"]["ok"],
    }
