"""Wiring: config → store → domain → ui. Starts the kiosk app with its Kivy settings."""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kiosk.core import KioskCore
from kiosk.domain.yamlfile import FileProblems
from kiosk.locale import Translator

log = logging.getLogger("kiosk")


def open_core(
    config_path: Path | None, data_dir: Path | None
) -> tuple[KioskCore | None, list[str]]:
    """The core (its store not yet open), or None and the problems to show IT."""
    tr = Translator("vi")
    try:
        return KioskCore.load(config_path, data_dir), []
    except FileProblems as exc:
        return None, [p.describe(tr) for p in exc.problems]
    except OSError as exc:
        return None, [tr("cli.store_error", path=data_dir or "data_dir", error=exc)]
    except Exception as exc:  # any other failure: the screen says so, systemd does not loop
        log.exception("the kiosk could not start")
        return None, [tr("oos.start_failed", error=type(exc).__name__)]


def configure_kivy(fullscreen: bool, size: str, kivy_home: Path | None) -> None:
    """Kiosk settings; must run before kivy.core.window is imported."""
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    if kivy_home is not None:
        os.environ.setdefault("KIVY_HOME", str(kivy_home))
    from kivy.config import Config  # after the environment above: Kivy reads it on import

    Config.set("kivy", "exit_on_escape", "0")
    Config.set("kivy", "window_icon", "")
    Config.set("graphics", "allow_screensaver", "0")
    Config.set("graphics", "multisamples", "0")  # MSAA doubles the cost of a frame on a weak GPU
    Config.set("input", "mouse", "mouse,disable_multitouch")
    if fullscreen:
        Config.set("graphics", "fullscreen", "auto")
        Config.set("graphics", "borderless", "1")
        Config.set("graphics", "show_cursor", "0")
    else:
        width, _, height = size.partition("x")
        Config.set("graphics", "fullscreen", "0")
        Config.set("graphics", "width", width or "1280")
        Config.set("graphics", "height", height or "800")


def run_kiosk(
    config_path: Path | None, data_dir: Path | None, windowed: bool = False, size: str = "1280x800"
) -> int:
    core, problems = open_core(config_path, data_dir)
    if core is not None:
        core.announce_start = True
    fullscreen = bool(core and core.config.fullscreen and not windowed)
    configure_kivy(fullscreen, size, core.data_dir / "kivy" if core else None)
    from kiosk.ui.kioskapp import KioskApp  # opens the window: after configure_kivy

    KioskApp(core, problems).run()
    return 0
