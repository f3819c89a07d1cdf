"""What waits for the kiosk's first frame: systemd told, the store and the camera opened on
a worker thread, the other screens built one per frame.

The welcome screen comes first. The store (SQLAlchemy's import, the file, migrations),
the camera (Kivy's provider imports OpenCV, ~0.5 s) and the other screens follow beside
it; a save waits for the store if a citizen is that quick.
"""

from __future__ import annotations

import logging
import threading
from typing import TYPE_CHECKING, Any

from kivy.clock import Clock
from kivy.core.window import Window

from kiosk.core import KioskCore
from kiosk.systemd import notify, watchdog_interval_s
from kiosk.ui.camera import make_feed
from kiosk.ui.screens import SCREENS

if TYPE_CHECKING:
    from kiosk.ui.kioskapp import KioskApp

log = logging.getLogger("kiosk.ui")

# Built when first needed only: most days they never are (the long form's offer only for
# the few drawn, and only where one is configured: no memory for it before; the dossier
# lookup for the few citizens who ask, on an enrolled tablet).
RARE_SCREENS = ("staff", "out_of_service", "offer", "lookup")


class AfterFirstFrame:
    """Bound to the window's first flip (`begin`); the app's `prebuilt` says when it is done."""

    def __init__(self, app: KioskApp) -> None:
        self.app = app
        self._watchdog: Any = None  # Kivy's ClockEvent pinging systemd's watchdog

    def begin(self, *_args: object) -> None:
        Window.unbind(on_flip=self.begin)
        self._tell_systemd()
        core = self.app.core
        if core is not None:
            threading.Thread(
                target=self._start_behind, args=(core,), name="start-behind", daemon=True
            ).start()
        self._build_next_screen()

    def stop(self) -> None:
        if self._watchdog is not None:
            self._watchdog.cancel()

    def _tell_systemd(self) -> None:
        """Ready once the first frame is up; then the watchdog is pinged from the main
        loop itself, so that a frozen screen stops the pings and systemd restarts it."""
        notify("READY=1")
        interval = watchdog_interval_s()
        if interval:
            self._watchdog = Clock.schedule_interval(lambda _dt: notify("WATCHDOG=1"), interval)

    def _start_behind(self, core: KioskCore) -> None:
        """What the welcome screen need not wait for: the store and the camera."""
        if not core.store_ready:
            details = core.open_store_or_say_why(self.app.tr)
            if details:
                Clock.schedule_once(lambda _dt: self.app.out_of_order(details), 0)
        Clock.schedule_once(lambda _dt: self.app.check_hours(), 0)  # the shift is known now
        self._find_camera(core)
        if core.config.thanks_url or core.config.comment_url:
            import qrcode  # noqa: F401 - its ~150 ms import here, not at a citizen's tap

    def _find_camera(self, core: KioskCore) -> None:
        try:
            feed = make_feed(core.config.camera)
        except Exception:
            log.exception("camera set-up failed")
            feed = None
        Clock.schedule_once(lambda _dt: setattr(self.app, "camera_feed", feed), 0)

    def _build_next_screen(self, *_args: object) -> None:
        sm = self.app.sm
        wanted = [name for name in SCREENS if name not in RARE_SCREENS]
        missing = [name for name in wanted if not sm.has_screen(name)]
        if missing:
            self.app.screen(missing[0])
            Clock.schedule_once(self._build_next_screen, 0)
        else:
            self.app.prebuilt = True
