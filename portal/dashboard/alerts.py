"""Alerts: thresholds per unit, alerts raised, sent by e-mail or webhook, acknowledged.

    GET  /quan-tri/canh-bao                         the alerts of the viewer's units (open
                                                    ones first, newest first) and the rules
    POST /quan-tri/canh-bao/{id}/xac-nhan           "Đã xem – Xác nhận": who and when
    POST /quan-tri/canh-bao/quy-tac                 set a rule (province)
    POST /quan-tri/canh-bao/quy-tac/{id}/xoa        remove a rule (province)

The province sees every unit's alerts and sets the rules; a unit head sees their units'
alerts, acknowledges them, and reads the rules that apply to them; re-verifiers and IT are
refused (403). An alert of a unit not given is 404, as one that does not exist. Every
acknowledgement and rule change is audited (events.py).

What the rules find is in alert_rules.py, how alerts are sent in notify.py. `install(app)`
checks the rules on a thread of the portal's process every alerts.check_every_seconds.
"""

from __future__ import annotations

import logging
import threading
import time
from typing import Annotated

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy import Engine, case, select
from sqlalchemy.orm import Session

from portal.dashboard import alert_rules, events
from portal.dashboard.accounts import PROVINCE, UNIT_HEAD, Viewer
from portal.dashboard.alert_rules import KINDS, RuleError, local_text, vi_number
from portal.dashboard.config import DashboardConfig
from portal.dashboard.notify import CHANNEL_NAMES, MAX_ATTEMPTS, channels
from portal.dashboard.web import PREFIX, Posted, address, allow, checked, config_of, page
from portal.reports.counting import known_units
from portal.store.dashboard_tables import Alert
from portal.store.settings import UNIT_NAME, unit_values

router = APIRouter(include_in_schema=False)
PAGE = f"{PREFIX}/canh-bao"
SHOWN = 300  # alerts on the page: every open one comes first
ACKNOWLEDGED, RULE_CHANGED = "alert_acknowledged", "alert_rule_changed"
NOTICES = {
    "xac-nhan": "Đã ghi nhận: bạn đã xem và xác nhận cảnh báo.",
    "da-xac-nhan": "Cảnh báo này đã được xác nhận trước đó; lần xác nhận đầu tiên được giữ.",
    "quy-tac": "Đã lưu quy tắc. Cổng áp dụng từ lần kiểm tra tới.",
    "bo-quy-tac": "Đã bỏ quy tắc.",
}
Reader = Annotated[Viewer, Depends(allow(PROVINCE, UNIT_HEAD))]
Province = Annotated[Viewer, Depends(allow(PROVINCE))]
log = logging.getLogger("portal.dashboard.alerts")


@router.get(PAGE)
def alerts_page(request: Request, person: Reader, xong: str = "") -> Response:
    return _page(request, person, notice=NOTICES.get(xong, ""))


@router.post(PAGE + "/{alert_id}/xac-nhan")
def acknowledge(request: Request, alert_id: str, person: Reader, fields: Posted) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    with Session(engine) as session:
        alert = session.get(Alert, int(alert_id)) if alert_id.isdigit() else None
        if alert is None or not person.sees(alert.unit_code):
            raise HTTPException(404)
        unit, kind, key = alert.unit_code, alert.kind, alert.key
    if not alert_rules.acknowledge(engine, int(alert_id), person.name):
        return _back("da-xac-nhan", alert_id)
    events.record(
        engine,
        person.name,
        ACKNOWLEDGED,
        unit,
        f"cảnh báo {alert_id}: {kind} {key}",
        address(request),
    )
    return _back("xac-nhan", alert_id)


@router.post(PAGE + "/quy-tac")
def add_rule(request: Request, person: Province, fields: Posted) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    typed = {k: fields.get(k, "").strip()[:64] for k in ("unit", "kind", "threshold", "window")}
    try:
        unit = typed["unit"] or None
        if unit is not None and unit not in _units(engine):
            raise RuleError(f"Cổng không có đơn vị {unit!r}.")
        made, replaced = alert_rules.add_rule(
            engine, unit, typed["kind"], typed["threshold"], typed["window"], person.name
        )
    except RuleError as exc:
        return _page(request, person, error=str(exc), typed=typed, status=400)
    detail = f"đặt quy tắc {made.id} ({made.unit or 'mọi đơn vị'}): {made.words()}"
    if replaced is not None:
        detail += f"; thay quy tắc {replaced.id}: {replaced.words()}"
    events.record(engine, person.name, RULE_CHANGED, made.unit, detail, address(request))
    return RedirectResponse(f"{PAGE}?xong=quy-tac#quy-tac", 303)


@router.post(PAGE + "/quy-tac/{rule_id}/xoa")
def remove_rule(request: Request, rule_id: str, person: Province, fields: Posted) -> Response:
    checked(person, fields)
    engine = request.app.state.engine
    removed = alert_rules.remove_rule(engine, int(rule_id)) if rule_id.isdigit() else None
    if removed is None:
        raise HTTPException(404)
    detail = f"bỏ quy tắc {removed.id} ({removed.unit or 'mọi đơn vị'}): {removed.words()}"
    events.record(engine, person.name, RULE_CHANGED, removed.unit, detail, address(request))
    return RedirectResponse(f"{PAGE}?xong=bo-quy-tac#quy-tac", 303)


def _back(done: str, alert_id: str) -> Response:
    return RedirectResponse(f"{PAGE}?xong={done}#canh-bao-{alert_id}", 303)


_UNITS_KEPT_S = 60.0
_units_seen: dict[int, tuple[float, list[str]]] = {}


def _units(engine: Engine) -> list[str]:
    """Every unit the portal knows (for the rule form and its check), kept a minute: the
    look-up reads the answers' units, which a page should not do on every view."""
    kept = _units_seen.get(id(engine))
    if kept is not None and time.monotonic() - kept[0] < _UNITS_KEPT_S:
        return kept[1]
    with engine.connect() as connection:
        units = sorted(known_units(connection))
    _units_seen[id(engine)] = (time.monotonic(), units)
    return units


def _page(
    request: Request,
    person: Viewer,
    notice: str = "",
    error: str = "",
    typed: dict[str, str] | None = None,
    status: int = 200,
) -> Response:
    engine, config = request.app.state.engine, config_of(request)
    names = unit_values(engine, UNIT_NAME)
    rules = [
        rule
        for rule in alert_rules.list_rules(engine)
        if rule.unit is None or person.sees(rule.unit)
    ]
    context: dict[str, object] = {
        "alerts": _alerts(engine, person, names, config),
        "rules": [_rule_row(rule, names) for rule in rules],
        "kinds": [
            kind.__dict__ | {"default_threshold": vi_number(kind.default_threshold)}
            for kind in KINDS.values()
        ],
        "can_edit": person.role == PROVINCE,
        "units": [(code, _label(code, names)) for code in _units(engine)]
        if person.role == PROVINCE
        else [],
        "typed": typed or {"unit": "", "kind": "", "threshold": "", "window": ""},
        "sending": _sending_words(config),
        "notice": notice,
        "error": error,
    }
    return page("alerts.html", person, context, status)


def _label(unit: str, names: dict[str, str]) -> str:
    return f"{names[unit]} ({unit})" if unit in names else unit


def _alerts(
    engine: Engine, person: Viewer, names: dict[str, str], config: DashboardConfig
) -> list[dict[str, object]]:
    """The viewer's alerts: open ones first, then the newest."""
    query = (
        select(Alert)
        .order_by(case((Alert.acked_at.is_(None), 0), else_=1), Alert.raised_at.desc())
        .order_by(Alert.id.desc())
        .limit(SHOWN)
    )
    if person.units is not None:
        query = query.where(Alert.unit_code.in_(sorted(person.units)))
    wanted = channels(config)
    with Session(engine) as session:
        return [_alert_row(alert, names, wanted) for alert in session.scalars(query)]


def _alert_row(alert: Alert, names: dict[str, str], wanted: tuple[str, ...]) -> dict[str, object]:
    kind = KINDS.get(alert.kind)
    return {
        "id": alert.id,
        "unit": _label(alert.unit_code, names),
        "kind": kind.title if kind else alert.kind,
        "detail": alert.detail,
        "raised": local_text(alert.raised_at),
        "sent": _sent_words(alert, wanted),
        "send_error": alert.send_error or "",
        "acked_by": alert.acked_by or "",
        "acked_at": local_text(alert.acked_at),
    }


def _sent_words(alert: Alert, wanted: tuple[str, ...]) -> str:
    """How sending went, in words."""
    taken = [CHANNEL_NAMES[c] for c in alert.sent_via.split(",") if c in CHANNEL_NAMES]
    if alert.sent_at is not None:
        return f"Đã gửi qua {', '.join(taken)} lúc {local_text(alert.sent_at)}"
    done = f"Đã gửi qua {', '.join(taken)}; " if taken else ""
    if alert.send_error:
        tries = (
            "đã thử đủ số lần, sẽ không gửi lại"
            if alert.send_attempts >= MAX_ATTEMPTS
            else f"đã thử {alert.send_attempts} lần, cổng sẽ thử lại"
        )
        return f"{done}chưa gửi được ({tries})"
    if not wanted:
        return "Không gửi đi: cổng chưa cấu hình thư điện tử hay webhook"
    return f"{done}đang chờ gửi"


def _rule_row(rule: alert_rules.Rule, names: dict[str, str]) -> dict[str, object]:
    kind = KINDS.get(rule.kind)
    return {
        "id": rule.id,
        "scope": _label(rule.unit, names) if rule.unit else "Mọi đơn vị",
        "kind": kind.title if kind else rule.kind,
        "words": rule.words(),
        "by": rule.created_by,
        "at": local_text(rule.created_at),
    }


def _sending_words(config: DashboardConfig) -> str:
    wanted = channels(config)
    if not wanted:
        return (
            "Cổng chưa cấu hình thư điện tử hay webhook (portal.yaml, mục alerts): "
            "cảnh báo chỉ hiện trên trang này."
        )
    parts = []
    if config.smtp is not None and "email" in wanted:
        parts.append(f"thư điện tử tới {', '.join(config.smtp.to)}")
    if "webhook" in wanted:
        parts.append("webhook")
    every = config.alert_check_seconds
    checking = (
        f"Cổng kiểm tra các quy tắc mỗi {every} giây"
        if every > 0
        else "Cổng không tự kiểm tra (lệnh portal alerts check)"
    )
    return f"{checking}; cảnh báo mới được gửi qua {' và '.join(parts)}."


# ---------------------------------------------------------------- the check in the portal


class Checker:
    """Checks the rules on a thread of the portal's process, from startup to shutdown."""

    def __init__(self, app: FastAPI):
        self.app = app
        self.stopping = threading.Event()
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        every = config_of_app(self.app).alert_check_seconds
        if every <= 0 or self.thread is not None:
            return
        self.stopping.clear()
        self.thread = threading.Thread(
            target=self._run, args=(every,), name="alert-check", daemon=True
        )
        self.thread.start()

    def _run(self, every: int) -> None:
        while not self.stopping.wait(every):
            try:
                alert_rules.evaluate(self.app.state.engine, config_of_app(self.app))
            except Exception:  # a failing check must not end the checks, nor the portal
                log.exception("checking the alert rules failed")

    def stop(self) -> None:
        self.stopping.set()
        if self.thread is not None:
            self.thread.join(timeout=30)
            self.thread = None


def config_of_app(app: FastAPI) -> DashboardConfig:
    return app.state.dashboard


def install(app: FastAPI) -> None:
    """Check the alert rules every alerts.check_every_seconds (0: never) while `app` runs:
    a thread started at the app's startup and stopped at its shutdown. Once per app."""
    if getattr(app.state, "alert_checker", None) is not None:
        return
    checker = Checker(app)
    app.state.alert_checker = checker
    app.router.on_startup.append(checker.start)
    app.router.on_shutdown.append(checker.stop)
