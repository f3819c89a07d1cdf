"""The staff area, behind the corner gesture and a PIN (each account with its own lockout).

Counter officers sign in with their name and PIN, choose the counter, and start or end
their shift (the summary shows counts only). IT's PIN opens the IT area: back to the
citizens' side, enrolment by QR code, leaving the app. Every action goes to the audit log.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from datetime import datetime

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.domain.clock import local_text
from kiosk.domain.forms import localized
from kiosk.domain.pin import PinGuard
from kiosk.enrolment import EnrolmentOffer, EnrolmentRefused, claim, read_offer
from kiosk.ui import theme
from kiosk.ui.screens.base import KioskScreen, load_kv
from kiosk.ui.widgets import BigButton

LOG_LINES = 12
CHOICE_MODES = ("who", "officer", "summary")  # the modes whose buttons are made in `_fill`


def _mark_selected(button: BigButton, selected: bool) -> None:
    """A chosen counter: light text on the dark selection colour, and a tick."""
    tick = f"[font={theme.ICON_FONT}]✓[/font] "  # Roboto has no tick
    button.color = theme.ON_PRIMARY if selected else theme.ON_NEUTRAL
    base = button.text.removeprefix(tick)
    button.text = tick + base if selected else base


def it_status_words(tr, status, zone: str) -> str:
    """The IT area's status; every time in the unit's local time, in one format."""
    oldest = local_text(status.oldest_pending, zone) or "–"
    success = local_text(status.last_success, zone) or "–"
    error_at, _, error = status.last_error.partition(" ")  # "<ISO time> <what happened>"
    error = f"{local_text(error_at, zone)} {error}".strip() or "–"
    lines = [
        tr("it.version", version=status.version, device=status.device_id,
           unit=status.unit_code, counter=status.counter),
        status.enrolment.words(tr),
        tr("it.outbox", pending=status.pending, oldest=oldest, rejected=status.rejected),
        *([tr("it.set_aside", count=status.rejected,
              reasons="; ".join(f"{kind} ({n})" for kind, n in status.set_aside_reasons.items()))]
          if status.rejected else []),
        tr("it.last_sync", success=success, error=error),
        tr("it.config_ok") if not status.config_problems
        else tr("it.config_bad", count=status.config_problems),
    ]  # fmt: skip
    if status.progress.target_year:
        lines.append(tr("staff.summary_year", done=status.progress.done_year,
                        target=status.progress.target_year))  # fmt: skip
    return "\n".join(lines)


def log_line_words(line: str, zone: str) -> str:
    """A log line with its time (the tablet's clock, as logging writes it) in the unit's."""
    try:
        moment = datetime.strptime(line[:23], "%Y-%m-%d %H:%M:%S,%f").astimezone()
    except ValueError:  # a traceback's line, say: as it is
        return line
    return local_text(moment, zone, seconds=True) + line[23:]


def shift_summary_words(tr, summary) -> str:
    """Counts only: staff never see an answer, a comment, a flag or a citizen."""
    if summary is None:
        return tr("staff.no_shift")
    share = summary.share_satisfied
    percent = f"{share:.0%}" if share is not None else "–"
    lines = [tr("staff.summary_answers", count=summary.answers),
             tr("staff.summary_share", percent=percent)]  # fmt: skip
    progress = summary.progress
    if progress.target_year:
        lines.append(tr("staff.summary_year", done=progress.done_year, target=progress.target_year))
        lines.append(tr("staff.summary_month", done=progress.done_month,
                        target=progress.target_month))  # fmt: skip
    return "\n".join(lines)


log = logging.getLogger("kiosk.ui")


class StaffScreen(KioskScreen):
    """who (officers and IT) → pin → it (the IT menu) or officer (the shift menu)."""

    mode = StringProperty("pin")
    title = StringProperty("")
    pin_dots = StringProperty("")
    problem = StringProperty("")
    notice = StringProperty("")
    unlocked = BooleanProperty(False)  # the IT area is open (exit, enrolment)
    busy = BooleanProperty(False)
    it_status = StringProperty("")  # or the log's last lines (status_is_log)
    status_is_log = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pin = ""
        self.panel = None
        self.person = None  # the Officer signing in; None: IT
        self.counter = ""
        self.buttons: dict[str, BigButton] = {}
        self._guards: dict[str, PinGuard] = {}  # by account: "it" or an officer's code

    def open(self) -> None:
        self._pin, self.pin_dots, self.unlocked, self.notice = "", "", False, ""
        self.problem = ""
        core = self.app.core
        if not core or not core.config.staff_pin_hash:
            self.problem = self.app.tr("staff.no_pin")
        if core and core.config.officers:
            self._show_who()
        else:
            self._ask_pin(None)

    # --- who is there, and their PIN -------------------------------------------------
    def _show_who(self) -> None:
        self.mode, self.title = "who", self.app.tr("staff.who")
        tr = self.app.tr
        items = [(f"officer:{o.code}", f"{o.code} — {o.name}", lambda o=o: self._ask_pin(o))
                 for o in self.app.core.config.officers]  # fmt: skip
        items.append(("it", tr("staff.it"), lambda: self._ask_pin(None)))
        self._fill(items)

    def on_mode(self, *_args) -> None:
        # Hidden tiles would still catch touches (a disabled widget swallows them).
        if self.mode not in CHOICE_MODES:
            self._fill([])

    def _ask_pin(self, person) -> None:
        self.person = person
        self.mode = "pin"
        self._pin = self.pin_dots = ""
        name = person.name if person else self.app.tr("staff.it")
        self.title = self.app.tr("staff.pin_for", name=name)
        guard = self._guard()
        if guard is not None and guard.locked_for(time.time()) > 0:
            self.problem = self._lock_message(guard)

    @property
    def account(self) -> str:
        """Whose PIN is asked for: an officer's code, or "it"."""
        return self.person.code if self.person else "it"

    def _guard(self) -> PinGuard | None:
        """The lockout of the account signing in (loaded once from the store)."""
        core, account = self.app.core, self.account
        if core is None:
            return None
        if account not in self._guards:
            try:
                self._guards[account] = core.pin_guard(account)
            except Exception:  # no store: the lockout starts from zero, the PIN still holds
                config = core.config
                stored = self.person.pin_hash if self.person else config.staff_pin_hash
                self._guards[account] = PinGuard(stored, config.pin_max_attempts,
                                                 config.pin_lockout_s)  # fmt: skip
        return self._guards[account]

    def _lock_message(self, guard: PinGuard) -> str:
        left = guard.locked_for(time.time())
        return self.app.tr("staff.locked", minutes=max(1, math.ceil(left / 60)))

    def on_key(self, key: str) -> None:
        if key == "backspace":
            self._pin = self._pin[:-1]
        elif key == "clear":
            self._pin = ""
        elif len(self._pin) < 12:
            self._pin += key
        self.pin_dots = "●" * len(self._pin)

    def submit(self) -> None:
        pin, self._pin, self.pin_dots = self._pin, "", ""
        guard = self._guard()
        if guard is None or self.mode != "pin":
            return
        outcome = guard.attempt(pin, time.time())
        if outcome == "locked":  # not checked, not a wrong PIN: the lockout still runs
            self.problem = self._lock_message(guard)
            self.app.audit(self.account, "locked")
            return
        self._remember(guard)
        if outcome == "ok":
            self.problem = ""
            self.app.audit(self.account, "sign_in")
            if self.person is None:
                self.unlocked, self.mode = True, "it"
                self.title = self.app.tr("staff.menu_title")
                self.refresh_status()
            else:
                self._show_officer()
        else:
            self.app.audit(self.account, "wrong_pin")
            if guard.locked_for(time.time()) > 0:
                self.problem = self._lock_message(guard)
            else:
                left = guard.max_attempts - guard.failures
                self.problem = self.app.tr("staff.pin_wrong", left=left)

    def _remember(self, guard: PinGuard) -> None:
        try:
            self.app.core.remember_pin_guard(self.account, guard)
        except Exception:  # the store may be what is broken: the lockout holds in memory
            log.warning("PIN lockout state could not be saved")

    # --- the IT area -------------------------------------------------------------------
    def refresh_status(self) -> None:
        self.status_is_log = False
        self.ids.status_scroll.scroll_y = 1
        try:
            core = self.app.core
            self.it_status = it_status_words(self.app.tr, core.status(),
                                             core.config.integrity.timezone)  # fmt: skip
        except Exception as exc:  # the store may be what is broken: say so, keep the menu
            self.it_status = self.app.tr("it.status_failed", error=exc)

    def _say(self, problem: str = "", notice: str = "") -> None:
        self.problem, self.notice = problem, notice

    def test_portal(self) -> None:
        config = self.app.core.config
        if not config.portal_url:
            self._say(self.app.tr("cli.not_enrolled"))
            return
        self.busy = True
        self._say(notice=self.app.tr("it.testing", url=config.portal_url))
        threading.Thread(target=self._test_portal_behind, daemon=True).start()

    def _test_portal_behind(self) -> None:
        import requests

        config, tr = self.app.core.config, self.app.tr
        url = config.portal_url.rstrip("/") + "/api/v1/health"
        try:
            reply = requests.get(url, timeout=10, verify=config.portal_ca_file or True)
            version = reply.json().get("version", "?") if reply.status_code == 200 else None
        except (requests.RequestException, ValueError) as exc:
            version, error = None, type(exc).__name__
        else:
            error = f"HTTP {reply.status_code}"
        if version:
            outcome = ("", tr("it.portal_ok", url=config.portal_url, version=version))
        else:
            outcome = (tr("it.portal_failed", url=config.portal_url, error=error), "")
        Clock.schedule_once(lambda _dt: self._tested(*outcome), 0)

    def _tested(self, problem: str, notice: str) -> None:
        self.busy = False
        self._say(problem, notice)
        self.refresh_status()

    def export(self) -> None:
        from kiosk.store.answers import iter_answers
        from kiosk.store.export import export_to_file

        core = self.app.core
        folder = core.data_dir / "exports"
        path = folder / f"answers-{datetime.now():%Y%m%d-%H%M%S}.csv"
        try:
            folder.mkdir(parents=True, exist_ok=True)
            count = export_to_file(iter_answers(core.engine), "csv", path, core.form,
                                   core.config.integrity.timezone)  # fmt: skip
        except OSError as exc:
            self._say(self.app.tr("cli.store_error", path=path, error=exc.strerror or exc))
            return
        self.app.audit("it", "export", path.name)
        self._say(notice=self.app.tr("cli.export_done", count=count, path=path))

    def requeue(self) -> None:
        """Send again the answers the portal refused (once it is mended); audited."""
        tr = self.app.tr
        try:
            done = self.app.core.requeue_set_aside(None, "it_area")
        except Exception as exc:  # the store may be what is broken: say so, keep the menu
            self._say(tr("it.status_failed", error=exc))
            return
        self._say(notice=tr("it.requeue_done", count=len(done)) if done else tr("it.requeue_none"))
        self.refresh_status()

    def show_log(self) -> None:
        """The kiosk's log (nothing personal is ever written to it), last lines first seen."""
        path = self.app.core.data_dir / "logs" / "kiosk.log"
        try:
            lines = path.read_text(encoding="utf-8", errors="replace").splitlines()[-LOG_LINES:]
        except OSError:
            lines = []
        self._say()
        # Whole lines, wrapped by the label; the newest at the bottom, scrolled into view.
        zone = self.app.core.config.integrity.timezone
        self.it_status = "\n".join(log_line_words(line, zone) for line in lines)
        self.it_status = self.it_status or self.app.tr("it.log_empty")
        self.status_is_log = True
        self.ids.status_scroll.scroll_y = 0

    # --- an officer's shift -------------------------------------------------------------
    def _show_officer(self) -> None:
        core, tr = self.app.core, self.app.tr
        shift = core.shift
        self.counter = shift.counter if shift else core.config.counter
        self.mode = "officer"
        on_duty = shift is not None and shift.officer == self.person.code
        self.title = tr("staff.shift_title", name=self.person.name)
        items = [(f"counter:{c.code}", localized(c.name, self.app.lang),
                  lambda c=c: self._choose_counter(c.code))
                 for c in core.config.counters]  # fmt: skip
        items.append(("start", tr("staff.start_shift"), self._start_shift))
        if shift is not None:
            items.append(("end", tr("staff.end_shift"), self._end_shift))
        self._fill(items)
        self._choose_counter(self.counter)
        lines = [tr("staff.on_duty", counter=self._counter_name(shift.counter))] if on_duty else []
        done = core.status().progress
        if done.target_year:
            lines += [tr("staff.summary_year", done=done.done_year, target=done.target_year),
                      tr("staff.summary_month", done=done.done_month,
                         target=done.target_month)]  # fmt: skip
        self.notice = "\n".join(lines)

    def _counter_name(self, code: str) -> str:
        """The counter's name as config.yaml gives it ("Quầy số 2"); its code if not there."""
        counter = next((c for c in self.app.core.config.counters if c.code == code), None)
        return localized(counter.name, self.app.lang) if counter else code

    def _choose_counter(self, code: str) -> None:
        self.counter = code
        for name, button in self.buttons.items():
            if name.startswith("counter:"):
                button.selected = name == f"counter:{code}"

    def _start_shift(self) -> None:
        core = self.app.core
        if core.shift is not None and core.shift.officer != self.person.code:
            self.app.audit(core.shift.officer, "shift_ended_by_next", self.person.code)
        core.start_shift(self.person.code, self.counter)
        self.app.audit(self.person.code, "shift_start", self.counter)
        self.app.leave_staff()

    def _end_shift(self) -> None:
        core = self.app.core
        ending = core.shift.officer if core.shift else ""
        summary = core.end_shift()
        self.app.audit(self.person.code, "shift_end", ending)
        tr = self.app.tr
        self.mode = "summary"
        self.title = tr("staff.summary_title")
        self.notice = shift_summary_words(tr, summary)
        # The shift is over: start another (another counter, say), or close the area.
        self._fill([("new_shift", tr("staff.new_shift"), self._show_officer),
                    ("close", tr("staff.close"), self.app.leave_staff)])  # fmt: skip

    def _fill(self, items) -> None:
        container = self.ids.choices
        container.clear_widgets()
        self.buttons = {}
        for name, text, action in items:
            primary = name in ("start", "new_shift")
            button = BigButton(text=text, role="primary" if primary else "neutral")
            button.bind(on_release=lambda _b, action=action: action(),
                        selected=_mark_selected)  # fmt: skip
            self.buttons[name] = button
            container.add_widget(button)

    def reset(self) -> None:
        if self.panel is not None:
            self.panel.close()
        self._pin, self.pin_dots, self.problem, self.unlocked = "", "", "", False
        self.notice, self.person, self.mode = "", None, "pin"

    def on_physical_key(self, text: str, keycode: int) -> bool:
        if text and text.isdigit():
            self.on_key(text)
        elif keycode == 8:
            self.on_key("backspace")
        elif keycode in (13, 271):
            self.submit()
        else:
            return False
        return True

    # --- enrolment by QR code ------------------------------------------------------
    def enrol_by_qr(self) -> None:
        from kiosk.ui.scanpanel import ScanPanel

        tr = self.app.tr
        self.problem = self.notice = ""
        if self.app.camera_feed is None:
            self.problem = tr("enrol.no_camera")
            return
        panel = ScanPanel(self.app.camera_feed, self._read_offer, self._claim,
                          title=tr("enrol.scan_title"), hint=tr("enrol.scan_hint"),
                          cancel_text=tr("staff.cancel"))  # fmt: skip
        self.panel = panel
        panel.bind(on_dismiss=lambda *_a: setattr(self, "panel", None))
        panel.start()

    def _read_offer(self, payloads: list[bytes]) -> tuple[EnrolmentOffer | None, str]:
        words = ""
        for payload in payloads:
            try:
                config = self.app.core.config
                return read_offer(payload, config.portal_url, config.portal_public_key), ""
            except EnrolmentRefused as exc:
                words = self.app.tr(exc.key, **exc.params)
        return None, words

    def _claim(self, offer: EnrolmentOffer) -> None:
        self.busy = True
        self.notice = self.app.tr("enrol.claiming", url=offer.portal_url)
        threading.Thread(
            target=self._claim_behind, args=(offer,), name="enrol", daemon=True
        ).start()

    def _claim_behind(self, offer: EnrolmentOffer) -> None:
        tr, core = self.app.tr, self.app.core
        try:
            enrolment = claim(offer, core.config.portal_ca_file or None)
            core.enrol(enrolment)
            core.audit("it", "enrol", f"{enrolment.device_id} {enrolment.portal_url}")
            outcome = ("", tr("enrol.done", device=enrolment.device_id, url=enrolment.portal_url,
                              unit=enrolment.unit_code, counter=enrolment.counter))  # fmt: skip
        except EnrolmentRefused as exc:
            log.warning("enrolment refused: %s", exc.key)
            outcome = (tr(exc.key, **exc.params), "")
        except OSError as exc:
            log.error("enrolment not saved: %s", type(exc).__name__)
            outcome = (tr("enrol.save_failed", error=exc.strerror or exc), "")
        Clock.schedule_once(lambda _dt: self._claimed(*outcome), 0)

    def _claimed(self, problem: str, notice: str) -> None:
        self.busy = False
        self._say(problem, notice)
        self.refresh_status()


load_kv(__file__)
