"""The Kivy app: wires the window, the screens and the clock to the citizen's visit.

What the kiosk shows and when belongs to kiosk.visit.Visit (and below it kiosk.core and
kiosk.domain); this class builds the screens (kiosk.ui.view), feeds the visit the window's
touches and keys, keeps a citizen from leaving the app, and lets staff in and out.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from typing import Any

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import ScreenManager

from kiosk.config import Config
from kiosk.core import KioskCore
from kiosk.domain.flow import Survey
from kiosk.domain.forms import localized
from kiosk.locale import translate
from kiosk.ui import android
from kiosk.ui.startup import AfterFirstFrame
from kiosk.ui.tapguard import TapGuard
from kiosk.ui.timers import KivyTimers, RestingFrameRate
from kiosk.ui.view import ScreenView
from kiosk.visit import Visit

log = logging.getLogger("kiosk.ui")

KEY_ESCAPE = 27  # also Android's back key


class KioskApp(App):
    lang = StringProperty(Config.language)
    unit_name = StringProperty("")
    closed = BooleanProperty(False)  # not taking answers now: closed_reason says why
    closed_reason = StringProperty("")  # welcome.closed (after hours) or welcome.waiting_officer
    can_look_up = BooleanProperty(False)  # "Tra cứu hồ sơ" on the welcome screen: enrolled
    title = "Kiosk Hài Lòng"

    def __init__(
        self, core: KioskCore | None, startup_problems: list[str] | None = None, **kw: Any
    ) -> None:
        super().__init__(**kw)
        self.core = core
        self.startup_problems = startup_problems or []
        self.lang = core.config.language if core else Config.language
        self.visit: Visit | None = None  # made with the screens; none without a core
        self.view: ScreenView  # made in build
        self.sm: ScreenManager
        self.camera_feed = None  # found beside the store, after the first frame
        self.prebuilt = False  # every citizen screen built (just after the first frame)
        self.first_frame = AfterFirstFrame(self)
        self.tap_guard = TapGuard(lambda: self.view.seen(), time.monotonic)
        self._exiting = False

    # --- words -------------------------------------------------------------------
    def tr(self, key: str, lang: str | None = None, /, **params: object) -> str:
        return translate(lang or self.lang, key, **params)

    def on_lang(self, *_args: object) -> None:
        if self.core:
            self.unit_name = localized(self.core.config.unit_name, self.lang)

    # --- building and stopping -------------------------------------------------------
    def build(self) -> ScreenManager:
        self.view = ScreenView(self)
        self.sm = self.view.sm
        self.screen("welcome")
        self.on_lang()
        guard = self.tap_guard
        Window.bind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        Window.bind(
            on_touch_down=guard.on_touch_down,
            on_touch_move=guard.on_touch_move,
            on_touch_up=guard.on_touch_up,
        )
        Window.bind(on_touch_down=self._on_activity)  # bound last, called first: sees all
        self.frame_rate = RestingFrameRate()
        if self.core is not None:
            self.can_look_up = self.core.can_look_up
            self.visit = Visit(self.core, self.view, KivyTimers())
            self.view.on_still_here = self.visit.idle.still_here
            self.visit.check_hours()
        if self.startup_problems:
            self.out_of_order("\n".join(self.startup_problems))
        return self.sm

    def on_start(self) -> None:
        Window.bind(on_flip=self.first_frame.begin)
        # The system stopping the kiosk (systemd, a shutdown) is not a citizen closing it:
        # SIGTERM ends it cleanly. Python runs the handler between two frames.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_a: Clock.schedule_once(self._stop_for_system))
        if android.on_android():
            android.start_sync_service()
            android.keep_in_app()

    def _stop_for_system(self, _dt: float = 0) -> None:
        log.info("kiosk stopped by the system (SIGTERM)")
        self._exiting = True
        self.stop()

    def on_stop(self) -> None:
        # An open scan panel holds the camera: let it go. (Not a whole wipe: kv rules
        # re-evaluated now would pin this stopped app in Kivy's `app` proxy.)
        # Other panels (the phone-comment code) are plain ModalViews: nothing to let go.
        for screen in self.sm.screens:
            panel = getattr(screen, "panel", None)
            if panel is not None and hasattr(panel, "close"):
                panel.close()
        Window.unbind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        Window.unbind(on_touch_down=self._on_activity)
        guard = self.tap_guard
        Window.unbind(
            on_touch_down=guard.on_touch_down,
            on_touch_move=guard.on_touch_move,
            on_touch_up=guard.on_touch_up,
        )
        if self.visit is not None:
            self.visit.stop()
        self.frame_rate.stop()
        self.first_frame.stop()

    def screen(self, name: str) -> Any:
        """The screen of that name, built on first use."""
        return self.view.screen(name)

    def out_of_order(self, details: str) -> None:
        """Something only IT can mend (the config, a store that cannot open)."""
        if self.visit is not None:
            self.visit.out_of_order(details)
        else:
            self.view.show_out_of_service(self.tr("oos.closed"), details)

    def check_hours(self) -> None:
        if self.visit is not None:
            self.visit.check_hours()

    # --- what the screens call: the visit does it ------------------------------------
    @property
    def survey(self) -> Survey | None:
        return self.visit.survey if self.visit else None

    def set_language(self, lang: str) -> None:
        if self.visit:
            self.visit.choose_language(lang)

    def start_survey(self) -> None:
        if self.visit:
            self.visit.start()

    def submit_identification(self, values: dict[str, str], method: str = "typed") -> None:
        if self.visit:
            self.visit.submit_identification(values, method)

    def submit_receipt(self, dossier_code: str) -> None:
        if self.visit:
            self.visit.submit_receipt(dossier_code)

    def open_lookup(self) -> None:
        if self.visit:
            self.visit.open_lookup()

    def rate_dossier(self, dossier_code: str, method: str) -> None:
        if self.visit:
            self.visit.rate_dossier(dossier_code, method)

    def skip_identification(self) -> None:
        if self.visit:
            self.visit.skip_identification()

    def answer_and_advance(self, value: str | list[str], other_text: str = "") -> str:
        """Give the current question's answer; a problem code ('' when it moved on)."""
        return self.visit.answer(value, other_text) if self.visit else ""

    def go_back(self) -> None:
        if self.visit:
            self.visit.go_back()

    def to_welcome(self) -> None:
        if self.visit:
            self.visit.to_welcome()

    # --- staff -----------------------------------------------------------------------
    def open_staff(self) -> None:
        self.screen("staff").open()
        self.sm.current = "staff"
        if self.visit:
            self.visit.staff_in()

    def leave_staff(self) -> None:
        if self.visit:
            self.visit.staff_left()
        else:
            self.sm.current = "out_of_service"  # without a core there is nothing else

    def exit_app(self) -> None:
        if self.screen("staff").unlocked:
            log.info("kiosk left by staff")
            if self.core is not None:
                self.core.it.record_exit()
            if android.on_android():
                android.release_app()
            self._exiting = True
            self.stop()

    # --- the window --------------------------------------------------------------------
    def _on_activity(self, *_args: object) -> None:
        self.frame_rate.touched()
        if self.visit:
            self.visit.idle.touched()

    def _on_key_down(
        self, _window: object, key: int, _scancode: object, codepoint: str, _modifiers: object
    ) -> bool:
        self._on_activity()
        if self.visit and self.visit.idle.warning_open:
            self.visit.idle.still_here()  # a key is an answer too; it types nothing
            return True
        if key == KEY_ESCAPE:
            if self.survey is not None:
                self.go_back()
            return True  # never leave the app on Escape or Android's back key
        return bool(self.sm.current_screen.on_physical_key(codepoint or "", key))

    def _on_request_close(self, *_args: object, **_kwargs: object) -> bool:
        return not self._exiting
