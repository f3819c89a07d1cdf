"""The IT area, inside the staff screen once IT's PIN opened it: the status (or the log's
last lines) above IT's buttons — back to the citizens, enrolment by QR code, the portal
test, the export, sending set-aside answers again, the log, leaving the app.

Every button calls `core.it`; what waits on the network (the portal test, an enrolment's
claim) runs on a worker thread and comes back through the Kivy clock.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.properties import BooleanProperty, ObjectProperty, StringProperty
from kivy.uix.boxlayout import BoxLayout

from kiosk.domain.clock import local_text
from kiosk.operations.it import ExportFailed

LOG_LINES = 12
Translate = Callable[..., str]


def it_status_words(tr: Translate, status: Any, zone: str) -> str:
    """The IT area's status; every time in the unit's local time, in one format."""
    sync = status.sync
    oldest = local_text(sync.oldest_pending, zone) or "–"
    success = local_text(sync.last_success, zone) or "–"
    error_at, _, error = sync.last_error.partition(" ")  # "<ISO time> <what happened>"
    error = f"{local_text(error_at, zone)} {error}".strip() or "–"
    reasons = "; ".join(f"{kind} ({n})" for kind, n in sync.set_aside_reasons.items())
    lines = [
        tr(
            "it.version",
            version=status.version,
            device=status.device_id,
            unit=status.unit_code,
            counter=status.counter,
        ),
        status.enrolment.words(tr),
        tr("it.outbox", pending=sync.pending, oldest=oldest, rejected=sync.rejected),
        *([tr("it.set_aside", count=sync.rejected, reasons=reasons)] if sync.rejected else []),
        tr("it.last_sync", success=success, error=error),
        tr("it.config_bad", count=status.config_problems)
        if status.config_problems
        else tr("it.config_ok"),
    ]
    lookups = status.lookups
    if any(lookups.values()):
        unavailable = lookups["offline"] + lookups["not_kept"] + lookups["not_enrolled"]
        lines.append(
            tr("it.lookups", found=lookups["found"], unknown=lookups["unknown"], failed=unavailable)
        )
    done = status.progress
    if done.target_year:
        lines.append(tr("staff.summary_year", done=done.done_year, target=done.target_year))
    return "\n".join(lines)


def log_line_words(line: str, zone: str) -> str:
    """A log line with its time (the tablet's clock, as logging writes it) in the unit's."""
    try:
        moment = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone()
    except ValueError:  # a traceback's line, say: as it is
        return line
    return local_text(moment, zone, seconds=True) + line[23:]


def portal_check_words(tr: Translate, check: Any) -> tuple[str, str]:
    """(problem, notice) for a portal test's result."""
    if check.ok:
        return "", tr("it.portal_ok", url=check.url, version=check.version)
    return tr("it.portal_failed", url=check.url, error=check.error), ""


def outcome_words(tr: Translate, outcome: Any) -> tuple[str, str]:
    """(problem, notice) for an operation's Outcome."""
    words = outcome.words(tr)
    return ("", words) if outcome.ok else (words, "")


class ItArea(BoxLayout):
    """IT's status and buttons; problems and notices go to the staff screen's lines."""

    status = StringProperty("")  # or the log's last lines (status_is_log)
    status_is_log = BooleanProperty(False)
    busy = BooleanProperty(False)  # the portal test or an enrolment is on its way
    screen = ObjectProperty(None)  # the staff screen: `say` shows a problem or a notice
    scroll = ObjectProperty(None)  # the ScrollView around the status

    def __init__(self, **kwargs: Any):
        super().__init__(**kwargs)
        self.panel: Any = None  # the enrolment's scan panel while it is open

    @property
    def app(self) -> Any:
        return App.get_running_app()

    def refresh_status(self) -> None:
        self.status_is_log = False
        self.scroll.scroll_y = 1
        it = self.app.core.it
        try:
            self.status = it_status_words(self.app.tr, it.status(), it.timezone)
        except Exception as exc:  # the store may be what is broken: say so, keep the menu
            self.status = self.app.tr("it.status_failed", error=exc)

    def show_log(self) -> None:
        """The kiosk's log (nothing personal is ever written to it), last lines first seen."""
        it = self.app.core.it
        self.screen.say()
        # Whole lines, wrapped by the label; the newest at the bottom, scrolled into view.
        lines = [log_line_words(line, it.timezone) for line in it.log_tail(LOG_LINES)]
        self.status = "\n".join(lines) or self.app.tr("it.log_empty")
        self.status_is_log = True
        self.scroll.scroll_y = 0

    def test_portal(self) -> None:
        it, tr = self.app.core.it, self.app.tr
        if not it.portal_url:
            self.screen.say(tr("cli.not_enrolled"))
            return
        self.screen.say(notice=tr("it.testing", url=it.portal_url))
        self._behind("portal-test", lambda: portal_check_words(tr, it.check_portal()))

    def export(self) -> None:
        it, tr = self.app.core.it, self.app.tr
        try:
            done = it.export("csv", where="it_area")
        except ExportFailed as exc:
            self.screen.say(exc.describe(tr))
            return
        self.screen.say(notice=tr("cli.export_done", count=done.count, path=done.path))

    def requeue(self) -> None:
        """Send again the answers the portal refused (once it is mended); audited."""
        tr = self.app.tr
        try:
            done = self.app.core.it.requeue(None, "it_area")
        except Exception as exc:  # the store may be what is broken: say so, keep the menu
            self.screen.say(tr("it.status_failed", error=exc))
            return
        words = tr("it.requeue_done", count=len(done)) if done else tr("it.requeue_none")
        self.screen.say(notice=words)
        self.refresh_status()

    # --- enrolment by QR code ----------------------------------------------------------
    def enrol_by_qr(self) -> None:
        # pyzbar and libzbar (17 ms, 2.4 MiB measured) only once a scan is asked: the
        # kiosk's peak memory is within 1 MiB of its budget.
        from kiosk.ui.scanpanel import ScanPanel

        tr = self.app.tr
        self.screen.say()
        if self.app.camera_feed is None:
            self.screen.say(tr("enrol.no_camera"))
            return
        panel = ScanPanel(
            self.app.camera_feed,
            self._read_offer,
            self._claim,
            title=tr("enrol.scan_title"),
            hint=tr("enrol.scan_hint"),
            cancel_text=tr("staff.cancel"),
        )
        self.panel = panel
        panel.bind(on_dismiss=lambda *_a: setattr(self, "panel", None))
        panel.start()

    def close_panel(self) -> None:
        if self.panel is not None:
            self.panel.close()

    def _read_offer(self, payloads: list[bytes]) -> tuple[object | None, str]:
        offer, refusal = self.app.core.it.read_offer(payloads)
        return offer, refusal.words(self.app.tr) if refusal else ""

    def _claim(self, offer: Any) -> None:
        it, tr = self.app.core.it, self.app.tr
        self.screen.say(notice=tr("enrol.claiming", url=offer.portal_url))
        self._behind("enrol", lambda: outcome_words(tr, it.enrol_by_offer(offer)))

    # --- work off the UI thread ----------------------------------------------------------
    def _behind(self, name: str, work: Callable[[], tuple[str, str]]) -> None:
        """Run `work` (it waits on the network) on a worker thread; show its
        (problem, notice) on the UI thread."""
        self.busy = True

        def run() -> None:
            outcome = work()
            Clock.schedule_once(lambda _dt: self._finished(*outcome), 0)

        threading.Thread(target=run, name=name, daemon=True).start()

    def _finished(self, problem: str, notice: str) -> None:
        self.busy = False
        self.screen.say(problem, notice)
        self.refresh_status()
