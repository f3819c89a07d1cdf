"""Results pages: the overview of units, a unit's page, downloads, integrity (flagged answers).

    GET /quan-tri/ket-qua                      every unit the viewer sees (?sort=…&dir=asc|desc)
    GET /quan-tri/don-vi/{unit}                a unit's report (?period=&channel=&counter=&form=)
    GET /quan-tri/don-vi/{unit}/bao-cao.xlsx   the same report as XLSX (and .pdf)
    GET /quan-tri/toan-ven                     flagged answers per flag and unit (?period=&form=)

For the province and unit heads only (others 403); a unit not given is 404 before anything
is read. Every figure is the report's (portal/dashboard/results_data.py). A filter that
cannot be read is said in Vietnamese on the page (400), never a server error.
"""

from __future__ import annotations

import io
import textwrap
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Query, Request
from fastapi.responses import Response

from contract.wire import CHANNELS
from kiosk.domain.forms import localized
from portal.dashboard import events
from portal.dashboard import results_data as data
from portal.dashboard.accounts import PROVINCE, UNIT_HEAD, Viewer
from portal.dashboard.web import PREFIX, address, allow, page, unit_for
from portal.forms import find_form, known_form_ids
from portal.reports.compute import build_report
from portal.reports.request import DEFAULT_FORM, ReportError, ReportRequest, parse_period
from portal.reports.wording import (
    CHANNELS as CHANNEL_NAMES,
)
from portal.reports.wording import (
    FLAGS as FLAG_NAMES,
)
from portal.reports.wording import (
    TARGET_KINDS,
    TARGET_STATUSES,
    period_line,
    question_label,
    vi_date,
    vi_datetime,
)

router = APIRouter(include_in_schema=False)

Reader = Annotated[Viewer, Depends(allow(PROVINCE, UNIT_HEAD))]
DOWNLOADED = "report_download"  # the audit's action for a unit's report taken away
SHORT = 40  # a filter's longest sane value


@router.get(PREFIX + "/ket-qua")
def overview_page(
    request: Request,
    person: Reader,
    sort: str = "name",
    direction: Annotated[str, Query(alias="dir")] = "asc",
) -> Response:
    column = sort if sort in data.SORTS else "name"
    descending = direction == "desc"
    found = data.overview(request.app.state.engine, person.units)
    context = {
        "overview": found,
        "lines": data.sort_lines(found.lines, column, descending),
        "sort": column,
        "descending": descending,
        "statuses": TARGET_STATUSES,
        "vi_date": vi_date,
    }
    return page("overview.html", person, context)


def _filters(period: str, channel: str, counter: str, form: str) -> data.UnitFilters:
    return data.UnitFilters(
        period=period.strip()[:SHORT],
        channel=channel.strip()[:SHORT],
        counter=counter.strip()[:SHORT],
        form=(form.strip() or DEFAULT_FORM)[:SHORT],
    )


def _unit(request: Request, person: Viewer, unit: str) -> str:
    """The unit, if the viewer may see it and the portal knows it; 404 otherwise."""
    unit_for(person, unit)
    if not data.known_unit(request.app.state.engine, unit):
        raise HTTPException(404)
    return unit


@router.get(PREFIX + "/don-vi/{unit}")
def unit_page(
    request: Request,
    unit: str,
    person: Reader,
    period: str = "",
    channel: str = "",
    counter: str = "",
    form: str = "",
) -> Response:
    engine = request.app.state.engine
    _unit(request, person, unit)
    filters = _filters(period, channel, counter, form)
    today = data.local_today()
    context: dict[str, Any] = {
        "unit": unit,
        "filters": filters,
        "today": today,
        "channels": CHANNELS,
        "channel_names": CHANNEL_NAMES,
        "counters": data.unit_counters(engine, unit),
        "forms": _forms(engine),
        "report": None,
        "refused": "",
        "unit_name": unit,
    }
    try:
        report = build_report(engine, data.unit_request(unit, filters, today))
    except ReportError as refused:
        context["refused"] = str(refused)
        return page("unit.html", person, context, status=400)
    context |= _unit_context(report, unit, filters)
    return page("unit.html", person, context)


def _forms(engine: Any) -> list[tuple[str, str]]:
    """(id, title) of every form the portal knows, the quick form first."""
    found = []
    for form_id in known_form_ids(engine):
        form = find_form(engine, form_id)
        found.append((form_id, localized(form.title, "vi") if form else form_id))
    return sorted(found, key=lambda item: (item[0] != DEFAULT_FORM, item[0]))


def _unit_context(report: dict[str, Any], unit: str, filters: data.UnitFilters) -> dict[str, Any]:
    kind, timeline = data.by_time(report)
    reasons = report["reasons"]
    query = urlencode(filters.query())
    return {
        "report": report,
        "unit_name": report["filters"]["unit_names"].get(unit, unit),
        "period_line": _period_words(report),
        "timeline_kind": kind,
        "timeline": timeline,
        "timeline_chart": data.chart(
            [row["label"] for row in timeline],
            [row["percent"] for row in timeline],
            "MĐHL (%)",
        ),
        "reasons_chart": data.chart(
            [_short(f"{row['number']}. {row['label']}") for row in reasons],
            [row["count"] for row in reasons],
            "Số lượt chọn",
        ),
        "long": data.is_long(report),
        "question_label": question_label,
        "statuses": TARGET_STATUSES,
        "target_kinds": TARGET_KINDS,
        "flag_names": FLAG_NAMES,
        "vi_date": vi_date,
        "vi_datetime": vi_datetime,
        "downloads": {
            kind: f"{PREFIX}/don-vi/{unit}/bao-cao.{kind}" + (f"?{query}" if query else "")
            for kind in ("xlsx", "pdf")
        },
    }


def _short(label: str, width: int = 24, lines: int = 2) -> list[str]:
    """A chart's label in at most `lines` lines (Chart.js draws a list as lines), cut with
    "…": the full words are in the table below the chart."""
    wrapped = textwrap.wrap(label, width) or [""]
    if len(wrapped) > lines:
        wrapped = [*wrapped[: lines - 1], wrapped[lines - 1].rstrip(",.;:") + " …"]
    return wrapped


def _period_words(report: dict[str, Any]) -> str:
    """ "tháng 11/2026 (từ ngày 01/11/2026 …)": the report's line, with the period's name
    where the line gives only its days."""
    line, label = period_line(report), report["filters"]["period"]["label"]
    return f"{label} ({line})" if label and label not in line else line


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(PREFIX + "/don-vi/{unit}/bao-cao.{kind}")
def unit_download(
    request: Request,
    unit: str,
    kind: str,
    person: Reader,
    period: str = "",
    channel: str = "",
    counter: str = "",
    form: str = "",
) -> Response:
    engine = request.app.state.engine
    if kind not in ("xlsx", "pdf"):
        raise HTTPException(404)
    _unit(request, person, unit)
    filters = _filters(period, channel, counter, form)
    today = data.local_today()
    try:
        asked = data.unit_request(unit, filters, today, comments=data.DOWNLOAD_COMMENTS)
        report = build_report(engine, asked)
    except ReportError as refused:
        context: dict[str, object] = {"refused": str(refused), "back": f"{PREFIX}/don-vi/{unit}"}
        return page("_results_refused.html", person, context, status=400)
    buffer = io.BytesIO()
    if kind == "xlsx":
        from portal.reports.xlsx import write_xlsx

        write_xlsx(report, buffer)
        media = XLSX
    else:
        from portal.reports.pdf import write_pdf

        write_pdf(report, buffer)
        media = "application/pdf"
    events.record(
        engine,
        person.name,
        DOWNLOADED,
        unit=unit,
        detail=f"{kind} {asked.period_label} {urlencode(filters.query())}",
        address=address(request),
    )
    name = f"bao-cao-{unit}-{(filters.period or str(today.year))}.{kind}"
    safe = "".join(c if c.isalnum() or c in "-._" else "-" for c in name)
    headers = {"Content-Disposition": f'attachment; filename="{safe}"', "Cache-Control": "no-store"}
    return Response(buffer.getvalue(), media_type=media, headers=headers)


@router.get(PREFIX + "/toan-ven")
def integrity_page(request: Request, person: Reader, period: str = "", form: str = "") -> Response:
    engine = request.app.state.engine
    today = data.local_today()
    wanted = period.strip()[:SHORT]
    form_id = (form.strip() or DEFAULT_FORM)[:SHORT]
    context: dict[str, Any] = {
        "period": wanted,
        "form": form_id,
        "forms": _forms(engine),
        "today": today,
        "refused": "",
        "rules": data.flag_rules(),
        "flag_names": FLAG_NAMES,
    }
    try:
        chosen = parse_period(wanted or str(today.year))
        if form_id not in known_form_ids(engine):
            raise ReportError(f"Cổng không biết mẫu phiếu {form_id!r}.")
    except ReportError as refused:
        context["refused"] = str(refused)
        return page("integrity.html", person, context, status=400)
    # Up to today, as the report counts: an answer dated ahead by a wrong clock waits.
    until = min(chosen.end or today, today)
    asked = ReportRequest(form_id=form_id, start=chosen.start, end=until)
    rows, flags = data.flag_rows(engine, person.units, asked)
    context |= {
        "rows": rows,
        "flags": flags,
        "total": data.flag_totals(rows),
        "period_label": chosen.label,
    }
    return page("integrity.html", person, context)
