"""Shared fixtures: a real X server (Xvfb) for Kivy, temporary data dirs, configs.

Kivy reads its settings when first imported, so the environment is set here, before any
test module imports it. UI tests run against a real window on Xvfb (OpenGL by Mesa's
llvmpipe), started once per session unless a DISPLAY is already there.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

_XVFB: subprocess.Popen | None = None


def _start_xvfb() -> None:
    """Start Xvfb on a free display number when no display is set."""
    global _XVFB
    if os.environ.get("DISPLAY"):
        return
    if shutil.which("Xvfb") is None:
        raise RuntimeError("Xvfb is needed for the UI tests: apt-get install xvfb")
    for number in range(90, 140):
        if Path(f"/tmp/.X11-unix/X{number}").exists() or Path(f"/tmp/.X{number}-lock").exists():
            continue
        _XVFB = subprocess.Popen(
            ["Xvfb", f":{number}", "-screen", "0", "1600x1600x24", "-nolisten", "tcp"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                os.environ["DISPLAY"] = f":{number}"
                return
            time.sleep(0.05)
        _XVFB.kill()
    raise RuntimeError("Xvfb did not start")


def pytest_configure(config) -> None:
    _start_xvfb()
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    Config.set("graphics", "fullscreen", "0")
    Config.set("graphics", "maxfps", "0")  # frames as fast as the tests ask for them
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")


def pytest_unconfigure(config) -> None:
    if _XVFB is not None:
        _XVFB.terminate()
    shutil.rmtree(_KIVY_HOME, ignore_errors=True)


def write_config(path: Path, **changes: object) -> Path:
    """The shipped config.yaml with some top-level or dotted keys changed."""
    import yaml

    data = yaml.safe_load((ROOT / "config.yaml").read_text(encoding="utf-8"))
    for dotted, value in changes.items():
        keys = dotted.split("__")
        target = data
        for key in keys[:-1]:
            target = target.setdefault(key, {})
        target[keys[-1]] = value
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path


@pytest.fixture
def config_file(tmp_path: Path) -> Path:
    return write_config(tmp_path / "config.yaml")


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


@pytest.fixture
def start_kiosk(tmp_path: Path):
    """Start the real kiosk app in this process, on the real window; returns a Pilot.

    The app starts as `python -m kiosk` starts it (kiosk.app.open_core: config and form
    first, problems shown on the out-of-service screen); the store is opened before the
    first frame unless `open_store=False`, so that tests do not race its thread.
    """
    from kivy.core.window import Window

    from kiosk.app import open_core
    from kiosk.ui.kioskapp import KioskApp
    from tests.pilot import Pilot

    started = []

    def start(config=None, data_dir=None, size=(1280, 800), open_store: bool = True):
        Window.size = size
        core, problems = open_core(config or ROOT / "config.yaml", data_dir or tmp_path / "data")
        if core is not None and open_store:
            core.open_store()
        app = KioskApp(core, problems)
        app._run_prepare()
        started.append(app)
        pilot = Pilot(app)
        pilot.frames(6)
        return pilot

    yield start
    for app in started:
        app.dispatch("on_stop")
        for widget in list(Window.children):  # the root, and any panel left open over it
            Window.remove_widget(widget)
        if app.core is not None and app.core.store_ready:
            app.core.engine.dispose()


@pytest.fixture(scope="session")
def postgres():
    """A throwaway PostgreSQL cluster on loopback, started once for the session."""
    from tests.portal_support import PostgresServer

    server = PostgresServer()
    server.start()
    yield server
    server.stop()
