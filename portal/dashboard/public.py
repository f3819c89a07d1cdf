"""Published results: a public page per unit and for the province, the figures as CSV/JSON.

    GET /cong-khai                 every unit and the province's total (?ky=2026-Q3)
    GET /cong-khai/{unit}          a unit: MĐHL, reasons, indices, target, the method
    GET /cong-khai.json|.csv       the province's figures as open data
    GET /cong-khai/{unit}.json|.csv

No sign-in. `?nhung=1` is the page for a ward's website's iframe: no header bar, compact,
its links open the full page in a new tab. These pages may be framed by any site (no
X-Frame-Options, no frame-ancestors) and cached five minutes by anyone (the figures are
public); they run no inline script and load nothing from elsewhere. The figures are
portal/dashboard/public_data.py's, from the report computation.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from markupsafe import Markup

from portal.dashboard.public_data import (
    Asked,
    UnknownUnit,
    asked_period,
    province_figures,
    unit_figures,
)
from portal.dashboard.web import config_of, environment
from portal.exports import inert
from portal.reports.request import PeriodError, parse_period
from portal.reports.wording import CHANNELS, TARGET_KINDS, TARGET_STATUSES

router = APIRouter(include_in_schema=False)

BASE = "/cong-khai"
MAX_QUERY = 200  # ?ky=2026-Q3&nhung=1 is 20 characters; anything long is not a reader
# No frame-ancestors and no X-Frame-Options: any ward's website may frame these pages
# (frame-ancestors * would still refuse a page opened from a file, a ward's preview).
PUBLIC_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": PUBLIC_CSP,
    "Cache-Control": "public, max-age=300",
    "Referrer-Policy": "strict-origin-when-cross-origin",
    "X-Content-Type-Options": "nosniff",
}
REFUSED_HEADERS = HEADERS | {"Cache-Control": "no-store"}
OPEN_HEADERS = {
    "Cache-Control": "public, max-age=300",
    "Access-Control-Allow-Origin": "*",
    "X-Content-Type-Options": "nosniff",
}
UNKNOWN_UNIT = "Cổng không có đơn vị này. Vui lòng xem danh sách các đơn vị."


class Refused(Exception):
    def __init__(self, status: int, message: str):
        self.status, self.message = status, message


@router.get(BASE)
def province(request: Request, ky: str | None = None) -> Response:
    try:
        asked = _asked(request, ky)
    except Refused as refused:
        return _refused_page(request, refused)
    figures = province_figures(request.app.state.engine, asked)
    return _page(request, "public_province.html", figures, asked)


@router.get(BASE + ".json")
def province_json(request: Request, ky: str | None = None) -> Response:
    return _open_data(request, None, ky, "json")


@router.get(BASE + ".csv")
def province_csv(request: Request, ky: str | None = None) -> Response:
    return _open_data(request, None, ky, "csv")


@router.get(BASE + "/{name}")
def unit_page(request: Request, name: str, ky: str | None = None) -> Response:
    for kind in ("json", "csv"):
        if name.endswith("." + kind):
            return _open_data(request, name.removesuffix("." + kind), ky, kind)
    try:
        asked = _asked(request, ky)
        figures = _unit(request, name, asked)
    except Refused as refused:
        return _refused_page(request, refused)
    return _page(request, "public_unit.html", figures, asked)


def _asked(request: Request, ky: str | None) -> Asked:
    if len(request.url.query) > MAX_QUERY:
        raise Refused(400, "Địa chỉ trang quá dài. Vui lòng mở lại trang từ danh sách đơn vị.")
    try:
        return asked_period(ky)
    except PeriodError as error:
        raise Refused(400, str(error)) from None


def _unit(request: Request, name: str, asked: Asked) -> dict[str, Any]:
    comments = config_of(request).public_comments
    try:
        return unit_figures(request.app.state.engine, name, asked, comments)
    except UnknownUnit:
        raise Refused(404, UNKNOWN_UNIT) from None


def _embedded(request: Request) -> bool:
    return request.query_params.get("nhung") == "1"


def _render(request: Request, template: str, context: dict[str, Any]) -> str:
    embed = _embedded(request)
    values = {
        "base": BASE,
        "embed": embed,
        # Inside a ward's iframe a link opens the full page in a new tab, not in the frame.
        "away": Markup(' target="_blank" rel="noopener"') if embed else "",
        "site": str(request.base_url).rstrip("/"),
        "channels": CHANNELS,
        "target_kinds": TARGET_KINDS,
        "target_statuses": TARGET_STATUSES,
        "day": _day,
    }
    return environment().get_template(template).render(values | context)


def _page(request: Request, template: str, figures: dict[str, Any], asked: Asked) -> Response:
    context = {
        "figures": figures,
        "asked": asked,
        "choices": period_choices(asked.today, asked.text),
        "comments_on": config_of(request).public_comments,
    }
    return HTMLResponse(_render(request, template, context), headers=HEADERS)


def _refused_page(request: Request, refused: Refused) -> Response:
    context = {"status": refused.status, "message": refused.message}
    html = _render(request, "public_refused.html", context)
    return HTMLResponse(html, status_code=refused.status, headers=REFUSED_HEADERS)


def _day(text: str | None) -> str:
    """2026-11-03 → 03/11/2026."""
    return date.fromisoformat(text).strftime("%d/%m/%Y") if text else ""


def period_choices(today: date, current: str) -> list[tuple[str, str, bool]]:
    """The periods offered in the page's list: this year and last, its halves, quarters and
    months so far (the one shown, if another, first)."""
    year = today.year
    values = [str(year), str(year - 1), f"{year}-H1"]
    values += [f"{year}-H2"] if today.month > 6 else []
    values += [f"{year}-Q{q}" for q in range(1, (today.month - 1) // 3 + 2)]
    values += [f"{year}-{m:02d}" for m in range(today.month, 0, -1)]
    if current.upper() not in values:
        values.insert(0, current)
    shown = current.upper() if current.upper() in values else current
    return [(v, _sentence(parse_period(v).label), v == shown) for v in values]


# --- open data -------------------------------------------------------------------------------
FIELDS = (
    "unit",
    "name",
    "period",
    "from",
    "to",
    "counted",
    "satisfied",
    "not_satisfied",
    "mdhl_percent",
    "target",
    "target_counted",
    "target_status",
)


def _open_data(request: Request, unit: str | None, ky: str | None, kind: str) -> Response:
    try:
        asked = _asked(request, ky)
        if unit is None:
            figures = province_figures(request.app.state.engine, asked)
        else:
            figures = _unit(request, unit, asked)
    except Refused as refused:
        if kind == "json":
            body = json.dumps({"error": refused.message}, ensure_ascii=False)
            return Response(body, refused.status, OPEN_HEADERS, "application/json")
        return Response(refused.message, refused.status, OPEN_HEADERS, "text/plain; charset=utf-8")
    if kind == "json":
        body = json.dumps(_json_of(figures, unit is None), ensure_ascii=False, indent=1)
        return Response(body, 200, OPEN_HEADERS, "application/json")
    name = f"hai-long-{figures.get('unit') or 'toan-tinh'}-{asked.text}.csv"
    headers = OPEN_HEADERS | {"Content-Disposition": f'attachment; filename="{name}"'}
    return Response(_csv_of(figures, unit is None), 200, headers, "text/csv; charset=utf-8")


def _json_of(figures: dict[str, Any], whole: bool) -> dict[str, Any]:
    """The figures as published: nothing a page shows beside them (comments) goes out."""
    if whole:
        return {
            "period": figures["period"],
            "form": figures["form"],
            "units": [row | {"url": f"{BASE}/{row['unit']}.json"} for row in figures["units"]],
            "total": figures["total"],
            "reasons": figures["reasons"],
        }
    kept = (*FIELDS[:2], "form", *FIELDS[5:], "flagged", "by_channel", "targets", "reasons")
    return {key: figures[key] for key in kept if key in figures} | {
        "period": figures["period"],
        "indices": figures["indices"],
        "months": figures["months"],
    }


def _csv_of(figures: dict[str, Any], whole: bool) -> bytes:
    """One line per unit (and the province's total), UTF-8 with a byte-order mark so that
    Excel reads the Vietnamese; a reason's count per column (the province's units have
    theirs in their own files: the province's one report counts reasons for the total)."""
    reasons = [reason["id"] for reason in figures["reasons"]]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow([*FIELDS, *(f"reason_{reason}" for reason in reasons)])
    period = figures["period"]
    rows = [*figures["units"], figures["total"]] if whole else [figures]
    all_reasons = {reason["id"]: reason["count"] for reason in figures["reasons"]}
    for row in rows:
        counts = {} if whole and row is not figures["total"] else all_reasons
        cells = [
            row["unit"] or "TOAN-TINH",
            row["name"],
            period["label"],
            period["from"] or "",
            period["to"] or "",
            row["counted"],
            row["satisfied"],
            row["not_satisfied"],
            "" if row["mdhl_percent"] is None else f"{row['mdhl_percent']:.2f}",
            "" if row["target"] is None else row["target"],
            "" if row["target_counted"] is None else row["target_counted"],
            row["target_status"] or "",
            *(counts.get(reason, "") for reason in reasons),
        ]
        writer.writerow([inert(cell) for cell in cells])
    return b"\xef\xbb\xbf" + out.getvalue().encode("utf-8")


def _sentence(label: str) -> str:
    """ "quý III/2026" → "Quý III/2026": the first letter only (capitalize() lowered the
    Roman numeral to "Quý iii/2026")."""
    return label[:1].upper() + label[1:]
