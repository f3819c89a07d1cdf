"""QR codes in 8-bit grey frames: pyzbar first, then cheap clean-ups where it misses.

A counter's camera sees a receipt small, tilted, blurred or half in glare. pyzbar (zbar)
reads a clean code in ~10 ms at 640×480 but binarises with one threshold per scan line,
so uneven light and blur defeat it. Where the plain pass finds nothing, two cheap
clean-ups (2-4 ms each in NumPy) are tried in turn, each followed by another pyzbar pass
(`./scripts/bench --only scan` measures the cost per frame against a 40 ms budget):

- a local-mean threshold over the whole frame (uneven light, glare, low contrast);
- the middle of the frame, where the screen's guide asks the citizen to hold the code,
  enlarged 1.6 times and thresholded (a small or blurred code).

Both fallbacks together read ~99.7% of the project's test receipts within five frames,
against ~97% for plain pyzbar (tests/test_scan_decode.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from PIL import Image
from pyzbar import pyzbar

_QR = [pyzbar.ZBarSymbol.QRCODE]
ENLARGE = 1.8


def adaptive_threshold(grey: np.ndarray, block: int, offset: int) -> np.ndarray:
    """Black where a pixel is darker than the mean of the block around it minus offset."""
    radius = block // 2
    side = 2 * radius + 1
    padded = np.pad(grey, ((radius + 1, radius), (radius + 1, radius)), mode="edge")
    # int32 holds the sums exactly: 255 x (640+2r) x (480+2r) < 2**31 for any frame here.
    sums = padded.astype(np.int32).cumsum(0, dtype=np.int32).cumsum(1, dtype=np.int32)
    box = sums[side:, side:] - sums[:-side, side:] - sums[side:, :-side] + sums[:-side, :-side]
    area = side * side
    white = grey.astype(np.int32) * area > box - offset * area
    return np.where(white, np.uint8(255), np.uint8(0))


def middle_enlarged(grey: np.ndarray) -> np.ndarray:
    """The middle half of the frame, enlarged (where the guide box is drawn)."""
    height, width = grey.shape
    middle = np.ascontiguousarray(grey[height // 4 : height * 3 // 4, width // 4 : width * 3 // 4])
    size = (int(middle.shape[1] * ENLARGE), int(middle.shape[0] * ENLARGE))
    image = Image.fromarray(middle).resize(size)
    return np.asarray(image)


def _thresholded(grey: np.ndarray) -> np.ndarray:
    return adaptive_threshold(grey, block=25, offset=5)


def _middle_thresholded(grey: np.ndarray) -> np.ndarray:
    return adaptive_threshold(middle_enlarged(grey), block=41, offset=5)


FALLBACKS: tuple[Callable[[np.ndarray], np.ndarray], ...] = (_thresholded, _middle_thresholded)


def decode_plain(grey: np.ndarray) -> list[bytes]:
    """What pyzbar alone reads in a frame (the reference the fallbacks are measured by)."""
    return [symbol.data for symbol in pyzbar.decode(grey, symbols=_QR)]


def decode_frame(grey: np.ndarray, fallbacks: bool = True) -> list[bytes]:
    """The payloads of the QR codes in one 8-bit grey frame (height × width)."""
    found = decode_plain(grey)
    for clean_up in FALLBACKS if fallbacks else ():
        if found:
            break
        found = decode_plain(clean_up(grey))
    return found
