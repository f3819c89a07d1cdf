"""Screenshots of every screen, landscape and portrait, for the README and for the eye.

    python -m tests.screenshots [OUT_DIR]     (default: docs/screenshots)

Runs the real app on Xvfb (started if no display is set) with a scratch data directory.
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from tests import conftest
from tests.receipt_images import write_code_image

SIZES = {"landscape": (1280, 800), "portrait": (800, 1280)}


def take_all(pilot, out_dir: Path, orientation: str) -> dict[str, Path]:
    """Walk through every screen once and save each; return the files by screen name."""
    shots: dict[str, Path] = {}

    def shot(name: str) -> None:
        shots[name] = pilot.screenshot(out_dir / f"{orientation}-{name}.png")

    shot("welcome")
    pilot.tap(pilot.screen.ids.start)
    pilot.keys("0912345678")
    pilot.keys("003")
    shot("identification-error")
    pilot.key("clear")
    pilot.keys("079199123456")
    pilot.tap(pilot.screen.boxes["phone"])
    shot("identification")
    if pilot.app.camera_feed is not None:  # a camera fed a code that is not a receipt
        pilot.tap(pilot.screen.ids.scan)
        pilot.until(lambda: pilot.screen.panel.message != "")
        shot("scan-refused")
        pilot.tap(pilot.screen.panel.ids.cancel)
    pilot.tap(pilot.screen.ids.next)
    shot("verdict")
    pilot.tap_text("Chưa hài lòng")
    pilot.tap_text("Về tiến độ, kết quả giải quyết TTHC")
    pilot.tap_text("Lý do khác")
    for word in ("phari", "chowf", "raats", "laau"):
        pilot.keys(word)
        pilot.key("space")
    shot("keyboard")
    pilot.tap_text(pilot.app.tr("keyboard.done"))
    shot("reasons")
    pilot.tap(pilot.screen.ids.back)
    pilot.tap_text("Hài lòng")
    for word in ("caans", "booj", "nhieetj", "tinhf"):
        pilot.keys(word)
        pilot.key("space")
    shot("comment")
    if pilot.screen.phone_url:
        pilot.tap(pilot.screen.ids.phone)
        shot("comment-phone")
        pilot.tap(pilot.screen.panel.ids.close)
    pilot.tap(pilot.screen.ids.next)
    shot("thanks")
    pilot.tap(pilot.screen.ids.home)
    pilot.staff_area("CB01")
    pilot.keys("1357")
    pilot.tap(pilot.screen.ids.ok)
    shot("staff-shift")
    pilot.tap(pilot.screen.buttons["counter:Q2"])
    pilot.tap(pilot.screen.buttons["start"])
    pilot.staff_area("it")
    pilot.keys("12")
    shot("staff")
    pilot.key("clear")
    pilot.keys("2468")
    pilot.tap(pilot.screen.ids.ok)
    shot("it-area")
    pilot.app.leave_staff()
    pilot.app.show_out_of_service(pilot.app.tr("oos.apology"), _store_problem(pilot))
    shot("out-of-service")
    return shots


def _store_problem(pilot) -> str:
    path = pilot.app.core.data_dir / "kiosk.db"
    return pilot.app.tr("oos.store", path=path, error="database or disk is full")


def main(out_dir: Path) -> int:
    conftest.pytest_configure(None)
    from kivy.core.window import Window

    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    for orientation, size in SIZES.items():
        Window.size = size
        with tempfile.TemporaryDirectory() as scratch:
            camera = write_code_image("https://example.com/ve-xe", Path(scratch) / "camera")
            config = conftest.write_config(
                Path(scratch) / "config.yaml",
                qr__camera=str(camera.parent),
                qr__thanks_url="https://dichvucong.danang.gov.vn/web/guest/tra-cuu-ho-so",
                qr__comment_url="https://khaosat.danang.gov.vn/y-kien/{token}",
            )
            app = KioskApp(KioskCore.open(config, Path(scratch) / "data"), [])
            app._run_prepare()
            pilot = Pilot(app)
            pilot.until(lambda app=app: app.camera_feed is not None)
            for name, path in take_all(pilot, out_dir, orientation).items():
                print(f"{orientation:9} {name:22} {path}")
            app.dispatch("on_stop")
            Window.remove_widget(app.root)
    return 0


if __name__ == "__main__":
    sys.exit(main(Path(sys.argv[1]) if len(sys.argv) > 1 else conftest.ROOT / "docs/screenshots"))
