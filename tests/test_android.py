"""buildozer.spec against the installed python-for-android: what p4a can build, and
nothing the kiosk needs at run time left for p4a to drop silently.

The Android build itself downloads the SDK and NDK and cannot run here.
"""

from __future__ import annotations

import configparser
import re
from importlib import metadata
from pathlib import Path

import pytest

from tests.conftest import ROOT

pythonforandroid = pytest.importorskip("pythonforandroid")

# Needed by a package of the kiosk on desktops only, or only for a feature it does not use.
NOT_ON_THE_TABLET = {
    "greenlet": "SQLAlchemy's asyncio support, which the kiosk does not use",
    "docutils": "kivy[base]'s desktop extras (rst widgets)",
    "pygments": "kivy[base]'s desktop extras (code input)",
    "kivy-garden": "kivy[base]'s desktop extras",
    "kivy-deps-angle": "Windows only",
    "kivy-deps-glew": "Windows only",
    "kivy-deps-sdl2": "Windows only",
    "pypiwin32": "Windows only",
}
# Not pure Python in their wheels, but build without C when no compiler target is found
# (p4a installs them with pip for the tablet).
OPTIONAL_SPEEDUPS = {"pyyaml", "markupsafe", "charset-normalizer"}
# Provided by python-for-android itself (its own recipes, not from PyPI).
P4A_ONLY = {"python3", "android", "pyjnius", "libzbar"}


def spec() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(interpolation=None)
    parser.read(ROOT / "buildozer.spec", encoding="utf-8")
    return parser


def requirements() -> dict[str, str]:
    names = spec()["app"]["requirements"].split(",")
    return {_normal(re.split(r"[=<>]", name)[0]): name.strip() for name in names}


def recipes() -> set[str]:
    folder = Path(pythonforandroid.__file__).parent / "recipes"
    return {_normal(p.name) for p in folder.iterdir() if (p / "__init__.py").exists()}


def _normal(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name.strip()).lower()


def _pure_python(name: str) -> bool:
    files = metadata.distribution(name).files or []
    return not any(str(f).endswith((".so", ".pyd", ".dylib")) for f in files)


def _needed(requirement: str) -> str | None:
    """The name of a run-time requirement that applies on an Android tablet, else None."""
    from packaging.requirements import Requirement

    parsed = Requirement(requirement)
    tablet = {
        "sys_platform": "linux",
        "platform_system": "Linux",
        "os_name": "posix",
        "platform_machine": "aarch64",
        "python_version": "3.11",
        "extra": "",
    }
    if parsed.marker is not None and not parsed.marker.evaluate(tablet):
        return None
    return _normal(parsed.name)


def closure() -> set[str]:
    """Every distribution the kiosk needs at run time, as installed here."""
    seen: set[str] = set()
    todo = [name for r in metadata.requires("kiosk-hai-long") or [] if (name := _needed(r))]
    while todo:
        name = todo.pop()
        if name in seen or name in NOT_ON_THE_TABLET:
            continue
        seen.add(name)
        todo += [n for r in metadata.requires(name) or [] if (n := _needed(r))]
    return seen


def test_every_requirement_has_a_recipe_or_is_pure_python():
    known = recipes()
    for name in requirements():
        if name in known or name in P4A_ONLY:
            assert name in known, f"{name}: python-for-android has no recipe for it"
            continue
        assert name in OPTIONAL_SPEEDUPS or _pure_python(name), (
            f"{name} has compiled parts and no python-for-android recipe"
        )


def test_nothing_the_kiosk_needs_is_left_for_p4a_to_drop():
    listed = set(requirements())
    missing = sorted(closure() - listed)
    assert missing == [], f"add to buildozer.spec requirements: {missing}"


def test_the_spec_asks_for_what_a_counter_tablet_needs():
    app = spec()["app"]
    permissions = {p.strip() for p in app["android.permissions"].split(",")}
    assert {"CAMERA", "INTERNET", "WAKE_LOCK", "FOREGROUND_SERVICE"} <= permissions
    assert app["android.allow_backup"] == "False"
    assert app["fullscreen"] == "1"
    assert {o.strip() for o in app["orientation"].split(",")} == {"landscape", "portrait"}
    assert app["services"] == "Sync:sync/android_service.py:foreground:sticky"
    assert (ROOT / "sync" / "android_service.py").is_file()
    assert (ROOT / app["entrypoint"]).is_file()
    version = re.search(app["version.regex"], (ROOT / "kiosk" / "__init__.py").read_text())
    assert version is not None
