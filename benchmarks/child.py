"""One measured process: the kiosk, or a bare Kivy hello-world started the same way.

    python -m benchmarks.child kiosk|hello DATA_DIR [--stay SECONDS]

Prints "READY <seconds since the process started>" once the first frame of the welcome
screen (or the hello label) has been drawn, for the kiosk also "STORE <seconds>" once its
store is open and its screens built, then exits, or stays idle for SECONDS.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path


def _started_at() -> float:
    # The process's own start time, from /proc, so imports before main() are counted too.
    ticks = os.sysconf("SC_CLK_TCK")
    with open("/proc/self/stat") as stat:
        start_ticks = int(stat.read().rsplit(")", 1)[1].split()[19])
    with open("/proc/uptime") as uptime:
        up = float(uptime.read().split()[0])
    return time.time() - (up - start_ticks / ticks)


def main(which: str, data_dir: Path, stay: float) -> int:
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if which == "kiosk":
        from kiosk.app import configure_kivy, open_core

        core, problems = open_core(None, data_dir)
        configure_kivy(False, "1280x800", data_dir / "kivy")
        from kiosk.ui.kioskapp import KioskApp

        app = KioskApp(core, problems)
    else:
        from kiosk.app import configure_kivy

        configure_kivy(False, "1280x800", data_dir / "kivy")
        from kivy.app import App
        from kivy.uix.label import Label

        class Hello(App):
            def build(self):
                return Label(text="Xin chào")

        app = Hello()
    from kivy.clock import Clock
    from kivy.core.window import Window

    def first_frame(*_args) -> None:
        Window.unbind(on_flip=first_frame)
        print(f"READY {time.time() - _started_at():.4f}", flush=True)
        if which == "kiosk":
            Clock.schedule_interval(store_ready, 0)
        else:
            Clock.schedule_once(lambda _dt: app.stop(), stay)

    def store_ready(_dt) -> bool:
        # The kiosk takes answers once its store is open (a thread opens it after the
        # first frame) and its screens are built: from then on a citizen loses nothing.
        assert app.core is not None, "the shipped config was refused"
        if not app.core.store_ready or not app.prebuilt:
            return True
        print(f"STORE {time.time() - _started_at():.4f}", flush=True)
        Clock.schedule_once(lambda _dt: app.stop(), stay)
        return False

    Window.bind(on_flip=first_frame)
    app.run()
    return 0


if __name__ == "__main__":
    stay = float(sys.argv[sys.argv.index("--stay") + 1]) if "--stay" in sys.argv else 0.0
    sys.exit(main(sys.argv[1], Path(sys.argv[2]), stay))
