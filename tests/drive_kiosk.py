"""Runs the real kiosk in a child process for the crash tests, and reports what it showed.

    python -m tests.drive_kiosk MODE CONFIG DATA_DIR

kill-after-thanks: one answer; prints "UUID <uuid>" then "THANKS" the moment the thank-you
    screen is up, and waits to be killed.
disk-full: one answer (prints "STORED"), then forbids the process to grow any file
    (RLIMIT_FSIZE, as a full disk does) and tries a second; prints the screens it went
    through and the texts of the last one.
"""

from __future__ import annotations

import os
import resource
import signal
import sys
import time
from pathlib import Path

from tests import conftest

PHONE, CITIZEN_ID = "0987654321", "001088123456"


def main(mode: str, config: Path, data_dir: Path) -> int:
    if mode == "type-comment":
        os.environ.pop("KIVY_NO_FILELOG", None)
        os.environ["KIVY_LOG_MODE"] = "KIVY"
    conftest.start_display()
    if mode == "type-comment":
        from kivy.config import Config

        Config.set("kivy", "log_level", "debug")
        Config.set("kivy", "log_enable", "1")
    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    app = KioskApp(KioskCore.open(config, data_dir), [])
    app._run_prepare()
    pilot = Pilot(app)
    pilot.frames(4)
    screens: list[str] = []
    app.sm.bind(current=lambda _sm, name: screens.append(name))

    if mode == "type-comment":
        return type_comment(pilot)
    pilot.identify(PHONE, CITIZEN_ID)
    print("UUID", app.survey.uuid, flush=True)
    pilot.rate_satisfied()
    if mode == "kill-after-thanks":
        if pilot.screen_name == "thanks":
            print("THANKS", flush=True)
        time.sleep(60)
        return 1
    print("STORED" if pilot.screen_name == "thanks" else "NOT-STORED", flush=True)
    pilot.tap(pilot.screen.ids.home)
    screens.clear()
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # a write past the limit fails with EFBIG
    resource.setrlimit(resource.RLIMIT_FSIZE, (1, resource.RLIM_INFINITY))
    pilot.identify(PHONE, CITIZEN_ID)
    print("UUID", app.survey.uuid, flush=True)
    pilot.rate_satisfied()
    print("SCREENS", " ".join(screens), flush=True)
    print("TEXTS", pilot.texts().replace("\n", " | "), flush=True)
    return 0


COMMENT_KEYS = ("ddowij", "laau", "quas")  # đợi lâu quá
UNCONFIRMED_KEYS = ("khoong", "vui")  # không vui


def type_comment(pilot) -> int:
    import logging

    logging.getLogger().setLevel(logging.DEBUG)
    for words in (COMMENT_KEYS, UNCONFIRMED_KEYS):
        pilot.identify(PHONE, CITIZEN_ID)
        pilot.tap_text("Hài lòng")
        for word in words:
            pilot.keys(word)
            pilot.key("space")
        if words is COMMENT_KEYS:
            pilot.tap(pilot.screen.ids.next)
            pilot.tap(pilot.screen.ids.home)
    print("TYPED", pilot.screen.ids.keyboard.text == "không vui ", flush=True)
    print("KIVY_HOME", os.environ["KIVY_HOME"], flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), Path(sys.argv[3])))
