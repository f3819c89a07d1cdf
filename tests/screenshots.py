"""Screenshots of every screen, landscape and portrait, for the README and for the eye.

    python -m tests.screenshots [OUT_DIR] [--long-only]     (default: docs/screenshots)

Runs the real app on Xvfb (started if no display is set) with a scratch data directory,
on the shipped config.yaml with a camera (a folder of images) as a tablet has one. What
the shipped config does not show (writing a comment on one's phone) is shot apart, under
its own name; so is the long form, which a citizen meets only when drawn
(kiosk-long-<orientation>-<step>.png; `--long-only` shoots those alone).
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
    shot("identification")
    pilot.tap(pilot.screen.boxes["dossier_code"])
    pilot.keys("2511260001")  # after the unit's prefix, shown already typed
    shot("identification-code")
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
    for word in ("cans", "booj", "nhieetj", "tinhf"):
        pilot.keys(word)
        pilot.key("space")
    shot("comment")
    if pilot.screen.phone_url:
        pilot.tap(pilot.screen.ids.phone)
        shot("comment-phone")
        pilot.tap(pilot.screen.panel.ids.close)
    pilot.app.visit.idle.run_out()  # what a citizen who looked away sees
    shot("idle-warning")
    pilot.tap(pilot.app.view.idle_warning.ids.resume)
    pilot.tap(pilot.screen.ids.next)
    shot("thanks")
    pilot.tap(pilot.screen.ids.home)
    pilot.tap(pilot.screen.ids.start)  # the same dossier again
    pilot.tap(pilot.screen.boxes["dossier_code"])
    pilot.keys("2511260001")
    pilot.tap(pilot.screen.boxes["phone"])
    pilot.keys("0912345678")
    pilot.tap(pilot.screen.ids.next)
    shot("already-rated")
    pilot.tap(pilot.screen.rated_panel.ids.home)
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
    pilot.app.view.show_out_of_service(pilot.app.tr("oos.apology"), _store_problem(pilot))
    shot("out-of-service")
    return shots


def _store_problem(pilot) -> str:
    path = pilot.app.core.data_dir / "kiosk.db"
    return pilot.app.tr("oos.store", path=path, error="database or disk is full")


def take_phone_comment(pilot, out_dir: Path, orientation: str) -> dict[str, Path]:
    """'Viết trên điện thoại' on the comment step (qr.comment_url, empty when shipped)."""
    pilot.identify("0912345678", "079199123456")
    pilot.tap_text("Hài lòng")
    pilot.tap(pilot.screen.ids.phone)
    return {"comment-phone": pilot.screenshot(out_dir / f"{orientation}-comment-phone.png")}


def take_long_form(pilot, out_dir: Path, orientation: str) -> dict[str, Path]:
    """A citizen drawn for the long form: the offer, the first question, a grid item, Q16."""
    shots: dict[str, Path] = {}

    def shot(name: str) -> None:
        shots[name] = pilot.screenshot(out_dir / f"kiosk-long-{orientation}-{name}.png")

    def look(question_id: str) -> None:
        if question_id == "Q1":
            shot("first")
        elif question_id == "Q9.1":
            shot("grid")
        elif question_id == "Q16":
            for choice_id in ("3", "6", "7", "12", "13"):  # the fifth is refused, saying why
                pilot.tap(pilot.find(kind=CheckRow, choice_id=choice_id))
            pilot.screen.ids.scroll.scroll_y = 1  # from its first choice, as a citizen sees it
            shot("q16")
            pilot.tap(pilot.find(kind=CheckRow, choice_id="12"))

    from kiosk.ui.screens.multi_choice import CheckRow

    pilot.draw_for_long_form(True)
    pilot.identify("0912345678", "079199123456")
    pilot.rate_satisfied()
    shot("offer")
    pilot.tap(pilot.screen.ids.yes)
    pilot.answer_long_form({"Q16": ["3", "6", "7", "13"]}, look)
    return shots


def _run(config: Path, data_dir: Path, take, out_dir: Path, orientation: str) -> None:
    from kivy.core.window import Window

    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    app = KioskApp(KioskCore.open(config, data_dir), [])
    app._run_prepare()
    pilot = Pilot(app)
    pilot.until(lambda: app.camera_feed is not None)
    for name, path in take(pilot, out_dir, orientation).items():
        print(f"{orientation:9} {name:22} {path}")
    app.dispatch("on_stop")
    for widget in list(Window.children):
        Window.remove_widget(widget)


def main(out_dir: Path, long_only: bool = False) -> int:
    conftest.start_display()
    from kivy.core.window import Window

    for orientation, size in SIZES.items():
        Window.size = size
        with tempfile.TemporaryDirectory() as scratch_dir:
            scratch = Path(scratch_dir)
            camera = write_code_image("https://example.com/ve-xe", scratch / "camera")
            shipped = conftest.write_config(scratch / "shipped.yaml", qr__camera=str(camera.parent))
            _run(shipped, scratch / "long-data", take_long_form, out_dir, orientation)
            if long_only:
                continue
            _run(shipped, scratch / "data", take_all, out_dir, orientation)
            phone = conftest.write_config(
                scratch / "phone.yaml",
                qr__camera=str(camera.parent),
                qr__comment_url="https://khaosat.danang.gov.vn/y-kien/{token}",
            )
            _run(phone, scratch / "phone-data", take_phone_comment, out_dir, orientation)
    return 0


if __name__ == "__main__":
    arguments = [a for a in sys.argv[1:] if a != "--long-only"]
    out = Path(arguments[0]) if arguments else conftest.ROOT / "docs/screenshots"
    try:
        done = main(out, long_only="--long-only" in sys.argv)
    finally:
        sys.stdout.flush()  # Kivy's window dies with Xvfb: what was printed goes out first
        conftest.stop_display()  # the Xvfb it started, and its KIVY_HOME, go with it
    sys.exit(done)
