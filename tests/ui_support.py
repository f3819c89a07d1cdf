"""The fixture that starts the real kiosk app in this process, on the real window."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import ROOT


@pytest.fixture
def start_kiosk(tmp_path: Path):
    from kivy.core.window import Window

    from kiosk.core import KioskCore
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    started = []

    def start(config: Path | None = None, data_dir: Path | None = None, size=(1280, 800)):
        Window.size = size
        core = KioskCore.open(config or ROOT / "config.yaml", data_dir or tmp_path / "data")
        app = KioskApp(core, [])
        app._run_prepare()
        started.append(app)
        pilot = Pilot(app)
        pilot.frames(6)
        return pilot

    yield start
    for app in started:
        app.dispatch("on_stop")
        if app.root is not None and app.root.parent is not None:
            Window.remove_widget(app.root)
        app.core.engine.dispose()
