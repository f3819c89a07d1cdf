"""Screenshots of "Tra cứu hồ sơ" against the real portal on loopback, for the eye:

    python -m tests.lookup_screenshots [OUT_DIR]     (default: docs/screenshots)

kiosk-lookup-<case>.png for each case a citizen meets — the code typed, a dossier being
processed, late (with the unit's apology), ready, returned, an unknown code, a portal that
cannot be reached — in landscape, and the portrait ones as kiosk-lookup-portrait-<case>.png.
Runs the real app on Xvfb (started if no display is set) with scratch directories.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests import conftest
from tests.lookup_support import CASES, look_up, portal_with_dossiers
from tests.portal_support import free_port

SIZES = {"": (1280, 800), "portrait-": (800, 1280)}


def shoot(out_dir: Path, scratch: Path) -> list[Path]:
    from kivy.core.window import Window

    from kiosk.app import open_core
    from kiosk.enrolment import save_enrolment
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    portal = portal_with_dossiers(scratch)
    shots: list[Path] = []
    try:
        for orientation, size in SIZES.items():
            for gone in (False, True):
                enrolment = portal.enrolment
                if gone:  # the same tablet, its portal out of reach
                    url = f"http://127.0.0.1:{free_port()}"
                    enrolment = type(enrolment)(**{**enrolment.__dict__, "portal_url": url})
                data = scratch / f"kiosk-{orientation}{gone}"
                data.mkdir()
                save_enrolment(enrolment, data)
                config = conftest.write_config(scratch / "config.yaml", qr__camera="none")
                Window.size = size
                core, problems = open_core(config, data)
                assert core is not None, problems
                core.open_store()
                app = KioskApp(core, problems)
                app._run_prepare()
                pilot = Pilot(app)
                pilot.frames(6)

                def shot(case: str, pilot: Pilot = pilot, orientation: str = orientation) -> None:
                    path = out_dir / f"kiosk-lookup-{orientation}{case}.png"
                    shots.append(pilot.screenshot(path))

                cases = (
                    {"offline": CASES["processing"][0]}
                    if gone
                    else {
                        **{case: serial for case, (serial, _row) in CASES.items()},
                        "unknown": "2611209999",
                    }
                )
                for case, serial in cases.items():
                    if case == "processing":
                        pilot.tap(pilot.screen.ids.lookup)
                        pilot.keys(serial)
                        shot("enter")
                        pilot.tap(pilot.screen.ids.home)
                    look_up(pilot, serial)
                    shot(case)
                    pilot.tap(pilot.screen.ids.home)
                app.dispatch("on_stop")
                for widget in list(Window.children):
                    Window.remove_widget(widget)
                core.engine.dispose()
    finally:
        portal.stop()
    return shots


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else conftest.ROOT / "docs" / "screenshots"
    conftest.start_display()
    try:
        with tempfile.TemporaryDirectory(prefix="kiosk-lookup-shots-") as scratch:
            for path in shoot(out_dir, Path(scratch)):
                print(path)
    finally:
        conftest.stop_display()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
