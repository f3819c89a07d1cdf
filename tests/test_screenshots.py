"""Every screen in both orientations, rendered for real under Xvfb, checked by its pixels."""

from __future__ import annotations

import pytest
from PIL import Image

from kiosk.ui import theme
from tests.screenshots import SIZES, take_all

pytestmark = pytest.mark.ui


def _rgb(colour) -> tuple[int, int, int]:
    return tuple(round(c * 255) for c in colour[:3])


def _close(a, b, tolerance: int = 6) -> bool:
    return all(abs(x - y) <= tolerance for x, y in zip(a, b, strict=False))


@pytest.mark.parametrize("orientation", list(SIZES))
def test_every_screen_renders_in_both_orientations(start_kiosk, tmp_path, orientation):
    size = SIZES[orientation]
    pilot = start_kiosk(size=size)
    try:
        shots = take_all(pilot, tmp_path, orientation)
    finally:
        pilot.resize(1280, 800)
    assert len(shots) == 15
    for name, path in shots.items():
        image = Image.open(path).convert("RGB")
        assert image.size == size, name
        assert len(image.getcolors(maxcolors=1 << 20)) > 50, f"{name} looks blank"
    verdict = Image.open(shots["verdict"]).convert("RGB")
    width, height = size
    # Points inside each button but clear of its face and word, which are white.
    if orientation == "landscape":
        left, right = (80, height // 2), (width // 2 + 80, height // 2)
    else:
        left, right = (80, int(height * 0.35)), (80, int(height * 0.72))
    assert _close(verdict.getpixel(left), _rgb(theme.SATISFIED))
    assert _close(verdict.getpixel(right), _rgb(theme.NOT_SATISFIED))
    welcome = Image.open(shots["welcome"]).convert("RGB")
    assert _close(welcome.getpixel((width // 2, 10)), _rgb(theme.HEADER))
