"""The Linux bundle (PyInstaller, build.spec) as a tablet would run it: no Python, no
Debian libzbar0, a screen, a portal to send to.

Built once per session by ./scripts/build-linux (≈ 1.5 min here, in its own .venv-build)
unless KIOSK_BUNDLE names a built dist/kiosk-hai-long folder.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path

import pytest
from PIL import ImageGrab

from kiosk.ui import theme
from tests.conftest import ROOT
from tests.portal_support import start_portal
from tests.receipt_images import receipt, write_set

# The first test builds the bundle: ≈ 1.5 min with .venv-build there, up to the build's own
# 30 min limit on a fresh checkout, which installs it first.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(2400)]


@pytest.fixture(scope="module")
def bundle() -> Path:
    given = os.environ.get("KIOSK_BUNDLE")
    if given:
        return Path(given)
    built = subprocess.run(
        [str(ROOT / "scripts" / "build-linux")],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return ROOT / "dist" / "kiosk-hai-long"


def run(program: Path, *args: str, timeout: float = 120, **kwargs) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("PYTHON", "VIRTUAL_ENV"))}
    return subprocess.run(
        [str(program), *args], capture_output=True, text=True, timeout=timeout, env=clean, **kwargs
    )


def test_check_config_works_from_the_bundle(bundle):
    result = run(bundle / "kiosk-hai-long", "check-config")
    assert result.returncode == 0, result.stderr
    assert "Cấu hình hợp lệ" in result.stdout
    assert run(bundle / "kiosk-hai-long-sync", "--version").stdout.strip().endswith("0.2.0")


def test_the_bundled_scan_needs_no_system_libzbar(bundle, tmp_path):
    """libzbar is made unloadable for this one command (a mount namespace): pyzbar then
    has only the bundle's copy, through the runtime hook."""
    shown = receipt(5)
    frames = tmp_path / "frames"
    write_set(frames, count=1, frames=5, first_seed=5)
    system = os.path.realpath("/usr/lib/x86_64-linux-gnu/libzbar.so.0")
    program = bundle / "kiosk-hai-long"
    hide = f"mount --bind /dev/null {system}"
    scan = f"{hide} && exec {program} scan-file --frames 5 {frames}"
    result = subprocess.run(
        ["unshare", "--mount", "sh", "-c", scan], capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"\t{shown.code}" in result.stdout
    check = "import ctypes; ctypes.CDLL('libzbar.so.0')"
    hidden = subprocess.run(
        ["unshare", "--mount", "sh", "-c", f'{hide} && python3 -c "{check}"'],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert hidden.returncode != 0  # the system's copy really was out of reach


def _free_display() -> int:
    return next(n for n in range(150, 200) if not Path(f"/tmp/.X11-unix/X{n}").exists())


def test_the_bundled_kiosk_shows_the_welcome_screen(bundle, tmp_path):
    number = _free_display()
    screen = subprocess.Popen(
        ["Xvfb", f":{number}", "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    kiosk = None
    try:
        deadline = time.monotonic() + 10
        while not Path(f"/tmp/.X11-unix/X{number}").exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        env = {k: v for k, v in os.environ.items() if not k.startswith(("KIVY", "PYTHON"))}
        env["DISPLAY"] = f":{number}"
        kiosk = subprocess.Popen(
            [
                str(bundle / "kiosk-hai-long"),
                "run",
                "--windowed",
                "--size",
                "1280x800",
                "--data-dir",
                str(tmp_path / "data"),
            ],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        log = tmp_path / "data" / "logs" / "kiosk.log"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "started" not in (
            log.read_text() if log.exists() else ""
        ):
            time.sleep(0.2)
        time.sleep(1.0)
        shot = ImageGrab.grab(xdisplay=f":{number}")
        shot.save(tmp_path / "bundle.png")
        header = tuple(round(c * 255) for c in theme.HEADER[:3])
        start = tuple(round(c * 255) for c in theme.PRIMARY[:3])
        assert shot.getpixel((640, 10))[:3] == header
        assert shot.getpixel((400, 420))[:3] == start  # inside "Bắt đầu đánh giá"
        assert kiosk.poll() is None  # still running: it is a kiosk
    finally:
        if kiosk is not None:
            kiosk.terminate()
            kiosk.wait(timeout=30)
        screen.terminate()
        screen.wait(timeout=30)


def test_the_bundled_sync_sends_to_a_local_portal(bundle, tmp_path):
    portal = start_portal(f"sqlite:///{tmp_path / 'portal.db'}", log=tmp_path / "portal.log")
    try:
        enrolment = tmp_path / "enrol.json"
        made = portal.portal(
            "device",
            "add",
            "--unit",
            "DNG-HC",
            "--counter",
            "Q1",
            "--portal-url",
            portal.url,
            "--out",
            str(enrolment),
        )
        assert made.returncode == 0, made.stderr
        data = tmp_path / "data"
        kiosk = bundle / "kiosk-hai-long"
        assert run(kiosk, "enrol", str(enrolment), "--data-dir", str(data)).returncode == 0
        assert run(kiosk, "demo-data", "--answers", "25", "--data-dir", str(data)).returncode == 0
        sent = run(bundle / "kiosk-hai-long-sync", "--once", "--data-dir", str(data))
        assert sent.returncode == 0, sent.stderr
        stats = portal.stats()
        assert sum(unit["stored"] for unit in stats["units"]) == 25, stats
    finally:
        portal.stop()
    shutil.rmtree(data, ignore_errors=True)
