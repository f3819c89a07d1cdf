"""The Kivy app: a thin adapter that shows the survey's current step and reports taps to it.

All decisions (what comes next, what is valid, what is kept) belong to kiosk.domain and
kiosk.core; this class only moves between screens, runs the idle and thank-you timers,
and keeps a citizen from leaving the app.
"""

from __future__ import annotations

import logging
import signal
import threading
import time
from datetime import datetime, timezone

from kivy.app import App
from kivy.clock import Clock
from kivy.core.window import Window
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk.core import KioskCore
from kiosk.domain.flow import IDENTIFICATION, FinishedAnswer
from kiosk.domain.forms import localized
from kiosk.locale import translate
from kiosk.questions import screen_name
from kiosk.ui.idlewarning import IdleWarning
from kiosk.ui.screens import SCREENS, make_screen
from kiosk.ui.tapguard import TapGuard

log = logging.getLogger("kiosk.ui")

KEY_ESCAPE = 27  # also Android's back key
# Kivy polls input once per frame even when nothing moves: at 60 frames a second that is
# 2-3% of a core all day on the welcome screen. After a few seconds without a touch the
# kiosk polls 12 times a second (a first tap waits at most ~85 ms) and goes back to the
# configured rate on the next touch.
RESTING_FPS = 12.0
REST_AFTER_S = 3.0
# Built when first needed only: most days they never are.
RARE_SCREENS = ("staff", "out_of_service")
HOURS_CHECK_S = 30.0
# A store that refused a write (a full disk) is tried again this often while the kiosk is
# out of service: the first write that succeeds greets the next citizen again.
HEAL_CHECK_S = 20.0


class KioskApp(App):
    lang = StringProperty("vi")
    unit_name = StringProperty("")
    out_of_service = BooleanProperty(False)
    closed = BooleanProperty(False)  # not taking answers now: closed_reason says why
    closed_reason = StringProperty("")  # welcome.closed (after hours) or welcome.waiting_officer
    title = "Kiosk Hài Lòng"

    def __init__(self, core: KioskCore | None, startup_problems: list[str] | None = None, **kw):
        super().__init__(**kw)
        self.core = core
        self.startup_problems = startup_problems or []
        self.survey = None
        self.lang = core.config.language if core else "vi"
        self._exiting = False
        self.camera_feed = None  # found beside the store, after the first frame
        self._idle_armed = False
        self.prebuilt = False  # every citizen screen built (just after the first frame)
        self.step_serial = 0  # counts the steps shown, so the tap guard sees a new question
        self.heal_check_s = HEAL_CHECK_S
        self._heal_event = None
        self.tap_guard = TapGuard(self._view, time.monotonic)

    # --- words -------------------------------------------------------------------
    def tr(self, key: str, lang: str | None = None, /, **params: object) -> str:
        return translate(lang or self.lang, key, **params)

    def on_lang(self, *_args) -> None:
        if self.core:
            self.unit_name = localized(self.core.config.unit_name, self.lang)

    def set_language(self, lang: str) -> None:
        self.lang = lang
        if self.core and lang != self.core.config.language:
            self._arm_idle()  # the next citizen finds the unit's language again

    # --- building ------------------------------------------------------------------
    def build(self) -> ScreenManager:
        self.sm = ScreenManager(transition=NoTransition())
        self.screen("welcome")
        self.on_lang()
        Window.bind(on_key_down=self._on_key_down, on_request_close=self._on_request_close)
        guard = self.tap_guard
        Window.bind(
            on_touch_down=guard.on_touch_down,
            on_touch_move=guard.on_touch_move,
            on_touch_up=guard.on_touch_up,
        )
        Window.bind(on_touch_down=self._on_activity)  # bound last, called first: sees all
        idle_s = self.core.config.idle_timeout_s if self.core else 60
        thanks_s = self.core.config.thanks_s if self.core else 8
        warning_s = self.core.config.idle_warning_s if self.core else 15
        # The warning takes the last part of the idle time, at most half of it.
        self._warning_s = min(warning_s, idle_s / 2)
        self._idle_trigger = Clock.create_trigger(self._on_idle_warning, idle_s - self._warning_s)
        self.idle_warning = None
        self._thanks_trigger = Clock.create_trigger(lambda _dt: self.to_welcome(), thanks_s)
        self._active_fps = Clock._max_fps  # Kivy reads this attribute on every frame
        self._rest_trigger = Clock.create_trigger(self._rest, REST_AFTER_S)
        self._rest_trigger()
        self._check_hours()
        self._hours_event = Clock.schedule_interval(self._check_hours, HOURS_CHECK_S)
        if self.startup_problems:
            self.show_out_of_service(self.tr("oos.closed"), "\n".join(self.startup_problems))
        return self.sm

    def on_start(self) -> None:
        Window.bind(on_flip=self._after_first_frame)
        # The system stopping the kiosk (systemd, a shutdown) is not a citizen closing it:
        # SIGTERM ends it cleanly. Python runs the handler between two frames.
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, lambda *_a: Clock.schedule_once(self._stop_for_system))
        from kiosk.ui import android

        if android.on_android():
            android.start_sync_service()
            android.keep_in_app()

    def _stop_for_system(self, _dt: float = 0) -> None:
        log.info("kiosk stopped by the system (SIGTERM)")
        self._exiting = True
        self.stop()

    def _after_first_frame(self, *_args) -> None:
        # The store (SQLAlchemy's import, the file, migrations) opens beside the welcome
        # screen rather than before it; a save waits for it if a citizen is that quick.
        # The other screens are built one per frame meanwhile.
        Window.unbind(on_flip=self._after_first_frame)
        self._tell_systemd()
        if self.core is not None:
            threading.Thread(target=self._start_behind, name="start-behind", daemon=True).start()
        self._build_next_screen()

    def _tell_systemd(self) -> None:
        """Ready once the first frame is up; then the watchdog is pinged from the main
        loop itself, so that a frozen screen stops the pings and systemd restarts it."""
        from kiosk.systemd import notify, watchdog_interval_s

        notify("READY=1")
        interval = watchdog_interval_s()
        if interval:
            self._watchdog = Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), interval)

    def _start_behind(self) -> None:
        """What the welcome screen need not wait for: the store and the camera."""
        if not self.core.store_ready:
            self._open_store()
        Clock.schedule_once(self._check_hours, 0)  # the shift on duty is known now
        self._find_camera()
        config = self.core.config
        if config.thanks_url or config.comment_url:
            import qrcode  # noqa: F401 - its ~150 ms import here, not at a citizen's tap

    def _build_next_screen(self, *_args) -> None:
        wanted = [name for name in SCREENS if name not in RARE_SCREENS]
        missing = [name for name in wanted if not self.sm.has_screen(name)]
        if missing:
            self.screen(missing[0])
            Clock.schedule_once(self._build_next_screen, 0)
        else:
            self.prebuilt = True

    def _open_store(self) -> None:
        details = self.core.open_store_or_say_why(self.tr)
        if details:
            Clock.schedule_once(lambda _dt: self._store_failed(details), 0)

    def _find_camera(self) -> None:
        # Kivy's camera provider imports OpenCV (~0.5 s): never on the UI thread.
        from kiosk.ui.camera import make_feed

        try:
            feed = make_feed(self.core.config.camera)
        except Exception:
            log.exception("camera set-up failed")
            feed = None
        Clock.schedule_once(lambda _dt: setattr(self, "camera_feed", feed), 0)

    def _store_failed(self, details: str) -> None:
        self.startup_problems.append(details)
        self.show_out_of_service(self.tr("oos.closed"), details)

    def screen(self, name: str):
        """The screen of that name, built on first use."""
        if not self.sm.has_screen(name):
            self.sm.add_widget(make_screen(name))
        return self.sm.get_screen(name)

    # --- the citizen's flow --------------------------------------------------------
    def _check_hours(self, _dt: float = 0) -> None:
        """Outside opening hours, or with no officer where the unit needs one: no survey."""
        if self.core is None:
            return
        self.core.forget_past_days()  # yesterday's hash key goes even if nobody answers
        if self.core.store_ready and self.core.shift is not None:
            try:
                ended = self.core.end_shift_if_day_is_over()
            except Exception:  # the disk: the shift simply stays open
                ended = None
            if ended:
                self.audit("system", "shift_end_of_day", ended)
        if self.core.config.integrity.closed_now(datetime.now(timezone.utc)):
            self.closed_reason = "welcome.closed"
        elif not self.core.takes_answers:
            self.closed_reason = "welcome.waiting_officer"
        else:
            self.closed_reason = ""
        self.closed = bool(self.closed_reason)

    def start_survey(self) -> None:
        self._check_hours()
        if self.core is None or self.out_of_service or self.closed:
            return
        self.survey = self.core.new_survey(self.lang)
        self._arm_idle()
        self.show_step()

    def _view(self) -> tuple:
        """What the citizen sees, as far as a tap is concerned: the screen, the step on
        it, and the panels open over it."""
        return self.sm.current, self.step_serial, tuple(map(id, Window.children))

    def show_step(self) -> None:
        survey = self.survey
        self.step_serial += 1
        if survey.current == IDENTIFICATION:
            name = "identification"
            self.screen(name).load(survey)
        else:
            question = survey.current_question
            name = screen_name(question.type)
            self.screen(name).load(question, survey.draft(question.id), survey.is_last_step)
        self.sm.current = name

    def submit_identification(self, values: dict[str, str], method: str = "typed") -> None:
        problems = self.survey.submit_identification(values, method)
        if problems:
            self.screen("identification").show_problems(problems)
        elif not self._rated_before():
            self._advance()

    def submit_receipt(self, dossier_code: str) -> None:
        """A receipt's code from the camera or a barcode scanner (already checked)."""
        if self.survey is not None and self.survey.current == IDENTIFICATION:
            self.survey.identify_by_receipt(dossier_code)
            if not self._rated_before():
                self._advance()

    def _rated_before(self) -> bool:
        """One verdict per dossier: a second attempt on this tablet is told so, politely."""
        code = self.survey.identity.get("dossier_code")
        if not code or not self.core.already_rated(code):
            return False
        self.screen("identification").show_already_rated()
        return True

    def skip_identification(self) -> None:
        if self.survey.skip_identification():
            self._advance()

    def answer_and_advance(self, value, other_text: str = "") -> str:
        """Give the current question's answer; return a problem code ('' when it moved on)."""
        problem = self.survey.answer(self.survey.current, value, other_text)
        if not problem:
            self._advance()
        return problem

    def _advance(self) -> None:
        if self.survey.advance():
            self.show_step()
        else:
            self._complete()

    def _complete(self) -> None:
        if self._store(self.survey.finish()):
            self._show_thanks()

    def go_back(self) -> None:
        if self.survey is not None and self.survey.back():
            self.show_step()
        else:
            self.to_welcome()

    def _store(self, answer: FinishedAnswer) -> bool:
        """Write the answer; on a disk error apologise and go out of service."""
        try:
            self.core.save(answer)
            return True
        except Exception as exc:  # disk full, read-only, I/O error: never thank for it
            log.error("answer %s NOT stored: %s", answer.uuid, type(exc).__name__)
            self.survey = None
            details = self.core.store_error_words(self.tr, exc)
            self.show_out_of_service(self.tr("oos.apology"), details)
            if self._heal_event is None:
                self._heal_event = Clock.schedule_interval(self._try_heal, self.heal_check_s)
            return False

    def _try_heal(self, _dt: float) -> bool | None:
        """Back in service once the store takes a write again (space freed on the disk)."""
        if self.out_of_service and not self.startup_problems and not self._store_writable():
            return None  # still refused: try again at the next interval
        self._heal_event = None
        if self.out_of_service and not self.startup_problems:
            log.info("the store takes writes again: back in service")
            self.out_of_service = False
            if self.sm.current == "out_of_service":  # not while staff are signed in
                self.to_welcome()
        return False

    def _show_thanks(self) -> None:
        self.survey = None
        self._disarm_idle()
        self._wipe()
        self.sm.current = "thanks"
        self._thanks_trigger()

    def to_welcome(self) -> None:
        """Back to the start, with nothing of the last citizen left on any screen."""
        self.survey = None
        self._disarm_idle()
        self._thanks_trigger.cancel()
        self._wipe()
        if self.core:
            self.lang = self.core.config.language
        self._check_hours()
        self.sm.current = "out_of_service" if self.out_of_service else "welcome"

    def _wipe(self) -> None:
        for screen in self.sm.screens:
            screen.reset()

    # --- idle ----------------------------------------------------------------------
    def _arm_idle(self) -> None:
        self._idle_armed = True
        self._idle_trigger.cancel()
        self._idle_trigger()

    def _disarm_idle(self) -> None:
        self._idle_armed = False
        self._idle_trigger.cancel()
        if self.idle_warning is not None:
            self.idle_warning.close()

    def _rest(self, _dt: float) -> None:
        if 0 < RESTING_FPS < self._active_fps:
            Clock._max_fps = RESTING_FPS

    def _on_activity(self, *_args) -> None:
        Clock._max_fps = self._active_fps
        self._rest_trigger.cancel()
        self._rest_trigger()
        if self._idle_armed:
            self._idle_trigger.cancel()
            self._idle_trigger()

    def _on_idle_warning(self, _dt: float) -> None:
        """A citizen in the middle of a survey is asked first; anything else just resets."""
        if self.survey is None or self._warning_s <= 0:
            self._on_idle()
            return
        if self.idle_warning is None:
            self.idle_warning = IdleWarning(on_continue=self._arm_idle, on_expire=self._on_idle)
        self.idle_warning.start(self._warning_s)

    def _on_idle(self, _dt: float = 0) -> None:
        """Nobody touched the screen for a while: keep what policy keeps, wipe the rest."""
        if self.survey is not None and self.core is not None:
            left = self.survey.abandon(self.core.config.keep_incomplete)
            if left is not None and not self._store(left):
                return
        self.to_welcome()

    # --- out of service and staff ------------------------------------------------
    def show_out_of_service(self, message: str, details: str = "") -> None:
        self.out_of_service = True
        self._disarm_idle()
        self._wipe()
        oos = self.screen("out_of_service")
        oos.message, oos.details = message, details
        self.sm.current = "out_of_service"

    def open_staff(self) -> None:
        self.screen("staff").open()
        self.sm.current = "staff"
        self._arm_idle()

    def audit(self, actor: str, action: str, detail: str = "") -> None:
        """Write a staff action to the audit log; a disk problem must not stop the staff."""
        if self.core is None:
            return
        try:
            self.core.audit(actor, action, detail)
        except Exception:
            log.warning("audit entry not written: %s %s", actor, action)

    def leave_staff(self) -> None:
        if self.out_of_service and not self.startup_problems and self._store_writable():
            self.out_of_service = False
        self.to_welcome()

    def _store_writable(self) -> bool:
        return self.core is not None and self.core.store_writable()

    def exit_app(self) -> None:
        if self.screen("staff").unlocked:
            log.info("kiosk left by staff")
            self.audit("it", "exit")
            from kiosk.ui import android

            if android.on_android():
                android.release_app()
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
        self._idle_trigger.cancel()
        self._thanks_trigger.cancel()
        self._rest_trigger.cancel()
        self._hours_event.cancel()
        if self._heal_event is not None:
            self._heal_event.cancel()
        if getattr(self, "_watchdog", None) is not None:
            self._watchdog.cancel()
        Clock._max_fps = self._active_fps

    # --- keys and closing --------------------------------------------------------
    def _on_key_down(self, _window, key: int, _scancode, codepoint, _modifiers) -> bool:
        self._on_activity()
        if self.idle_warning is not None and self.idle_warning.parent is not None:
            self.idle_warning.close()  # a key is an answer too; it types nothing
            self._arm_idle()
            return True
        if key == KEY_ESCAPE:
            if self.survey is not None:
                self.go_back()
            return True  # never leave the app on Escape or Android's back key
        return self.sm.current_screen.on_physical_key(codepoint or "", key)

    def _on_request_close(self, *_args, **_kwargs) -> bool:
        return not self._exiting
