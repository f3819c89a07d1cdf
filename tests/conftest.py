"""Shared fixtures: a real X server (Xvfb) for Kivy, temporary data dirs, configs.

Kivy reads its settings when first imported, so the environment is set here, before any
test imports it. UI tests (marked `ui`) run against a real window on Xvfb (OpenGL by
Mesa's llvmpipe), started on the first UI test unless a DISPLAY is already there: a run
without UI tests (`pytest -m "not ui and not slow"`) neither starts Xvfb nor imports Kivy,
and a test that would is failed with the reason. Tests that need the session's PostgreSQL
cluster are marked `postgres` here: those using its fixture, and those run with a fixture's
"postgresql" param.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Generator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
_KIVY_HOME = tempfile.mkdtemp(prefix="kivy-home-")
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_HOME"] = _KIVY_HOME
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")

# Fixtures that put Kivy on the screen: a test using one must be marked `ui`.
KIVY_FIXTURES = frozenset({"start_kiosk", "kivy_display"})

_XVFB: subprocess.Popen[bytes] | None = None


def start_xvfb() -> None:
    """Start Xvfb on a free display number when no display is set (also for ./scripts/bench)."""
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


def start_display() -> None:
    """A display (Xvfb unless one is set) and Kivy's settings for the tests' window; once.

    Also called by the scripts the tests run in a child process (tests/drive_kiosk.py,
    tests/screenshots.py) before they import Kivy's window.
    """
    start_xvfb()
    from kivy.config import Config

    Config.set("graphics", "width", "1280")
    Config.set("graphics", "height", "800")
    Config.set("graphics", "fullscreen", "0")
    Config.set("graphics", "maxfps", "0")  # frames as fast as the tests ask for them
    Config.set("graphics", "multisamples", "0")
    Config.set("kivy", "exit_on_escape", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")


@pytest.fixture(scope="session")
def kivy_display() -> None:
    """Xvfb started and Kivy configured, for the session's first UI test."""
    start_display()


@pytest.fixture(autouse=True)
def _display_for_ui_tests(request: pytest.FixtureRequest) -> None:
    # Every `ui` test gets the display, also those that draw without start_kiosk.
    if request.node.get_closest_marker("ui") is not None:
        request.getfixturevalue("kivy_display")


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects: markers added here select too
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    unmarked = []
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        if "postgres" in names or _on_postgresql(item):
            item.add_marker(pytest.mark.postgres)
        if names & KIVY_FIXTURES and item.get_closest_marker("ui") is None:
            unmarked.append(item.nodeid)
    if unmarked:
        raise pytest.UsageError(
            "these tests drive Kivy but are not marked ui: " + ", ".join(unmarked)
        )


def _on_postgresql(item: pytest.Item) -> bool:
    """A test run with a fixture's "postgresql" param: such fixtures (`params=["sqlite",
    "postgresql"]`) ask for the session's cluster only then, by getfixturevalue."""
    callspec = getattr(item, "callspec", None)
    return callspec is not None and "postgresql" in callspec.params.values()


def pytest_collection_finish(session: pytest.Session) -> None:
    if "kivy" in sys.modules and not any(i.get_closest_marker("ui") for i in session.items):
        raise pytest.UsageError(
            "Kivy was imported while collecting, though no ui test is selected: "
            "import it inside the ui tests (or their fixtures), not at a module's top"
        )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _no_kivy_unless_ui(item))


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item: pytest.Item) -> Generator[None, None, None]:
    return (yield from _no_kivy_unless_ui(item))


def _no_kivy_unless_ui(item: pytest.Item) -> Generator[None, None, None]:
    """Fail a test that imports Kivy without the `ui` marker (found when it is the first to)."""
    imported_before = "kivy" in sys.modules
    result = yield
    if not imported_before and "kivy" in sys.modules and item.get_closest_marker("ui") is None:
        pytest.fail(f"{item.nodeid} imports Kivy but is not marked ui", pytrace=False)
    return result


def stop_display() -> None:
    """Xvfb stopped if this process started it, and the tests' KIVY_HOME removed."""
    if _XVFB is not None:
        _XVFB.terminate()
    shutil.rmtree(_KIVY_HOME, ignore_errors=True)


def pytest_unconfigure(config: pytest.Config) -> None:
    stop_display()


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
def start_kiosk(tmp_path: Path, kivy_display: None):
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
