"""The staff area behind the PIN: leave the app, go back to the citizens' side, or enrol
the tablet with a portal by scanning the enrolment QR code IT printed.
"""

from __future__ import annotations

import logging
import threading
import time

from kivy.clock import Clock
from kivy.properties import BooleanProperty, StringProperty

from kiosk.enrolment import EnrolmentOffer, EnrolmentRefused, claim, read_offer
from kiosk.ui.screens.base import KioskScreen, load_kv

log = logging.getLogger("kiosk.ui")


class StaffScreen(KioskScreen):
    pin_dots = StringProperty("")
    problem = StringProperty("")
    notice = StringProperty("")
    unlocked = BooleanProperty(False)
    busy = BooleanProperty(False)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._pin = ""
        self.panel = None

    def open(self) -> None:
        self._pin, self.pin_dots, self.unlocked, self.notice = "", "", False, ""
        self.problem = self._lock_message() or ""
        if not self.app.core or not self.app.core.config.staff_pin_hash:
            self.problem = self.app.tr("staff.no_pin")

    def _lock_message(self) -> str:
        guard = self.app.pin_guard
        left = guard.locked_for(time.time()) if guard else 0
        if left > 0:
            return self.app.tr("staff.locked", minutes=max(1, round(left / 60)))
        return ""

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
        guard = self.app.pin_guard
        if guard is None:
            return
        if guard.attempt(pin, time.time()):
            self.unlocked, self.problem = True, ""
        else:
            left = guard.max_attempts - guard.failures
            self.problem = self._lock_message() or self.app.tr("staff.pin_wrong", left=left)
        self.app.remember_pin_guard()

    def reset(self) -> None:
        if self.panel is not None:
            self.panel.close()
        self._pin, self.pin_dots, self.problem, self.unlocked = "", "", "", False
        self.notice = ""

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
                return read_offer(payload, self.app.core.config.portal_url), ""
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
        self.problem, self.notice = problem, notice

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


load_kv(__file__)
