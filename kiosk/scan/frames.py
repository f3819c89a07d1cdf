"""Frames for the decoder: 8-bit grey arrays from camera buffers and from image files.

pyzbar reads 8-bit grey only. A camera hands over RGBA/RGB/BGR (Kivy's OpenCV and
GStreamer providers) or NV21 (Android): NumPy views the buffer in place and only the grey
frame itself is made (for NV21 not even that: its first plane is the grey image).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm"}
# The largest image decoded: 16 MiB as grey. The header says the size before any pixel is
# decoded, so a 49 KB PNG that would unpack to 20000×20000 costs nothing to refuse. A
# larger JPEG (a phone's photo of a receipt) is decoded at 1/2, 1/4 or 1/8 instead.
MAX_SIDE = 4096
MAX_PIXELS = MAX_SIDE * MAX_SIDE
UNREADABLE = "scan.unreadable"
TOO_BIG = "scan.too_big"


class ImageRefused(ValueError):
    """An image file not decoded; `problem` is the locale key saying why."""

    def __init__(self, problem: str):
        super().__init__(problem)
        self.problem = problem


@dataclass(frozen=True)
class Frame:
    """One image file as a frame: its grey pixels, or why there are none."""

    path: Path
    grey: np.ndarray | None
    problem: str = ""  # a locale key when grey is None


def grey_from_buffer(buffer: bytes | memoryview, width: int, height: int, fmt: str) -> np.ndarray:
    """An 8-bit grey frame (height × width) from a camera buffer of the given pixel format.

    fmt is 'rgba', 'rgb', 'bgr', 'bgra', 'luminance' or 'nv21'. Luma is (R + 2G + B) / 4:
    close enough to Rec. 601 for finding black modules, and integer-only.
    """
    pixels = np.frombuffer(buffer, dtype=np.uint8)
    if fmt in ("luminance", "nv21"):
        return pixels[: width * height].reshape(height, width)
    channels = len(fmt)
    image = pixels[: width * height * channels].reshape(height, width, channels)
    red, blue = (0, 2) if fmt.startswith("rgb") else (2, 0)
    luma = image[..., red].astype(np.uint16)
    luma += image[..., 1]
    luma += image[..., 1]
    luma += image[..., blue]
    return (luma >> 2).astype(np.uint8)


def load_grey(path: Path) -> np.ndarray:
    """An image file as an 8-bit grey frame, its size checked before it is decoded;
    ImageRefused when it is not an image, cannot be decoded or is too large."""
    try:
        with warnings.catch_warnings():  # Pillow warns of sizes that _reduce refuses anyway
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)
            image = Image.open(path)
        with image:
            _reduce(image)
            return np.asarray(image.convert("L"))
    except ImageRefused:
        raise
    except Image.DecompressionBombError:  # Pillow's own limit, above ours
        raise ImageRefused(TOO_BIG) from None
    except (OSError, ValueError, SyntaxError, EOFError):  # not an image, or a broken one
        raise ImageRefused(UNREADABLE) from None


def _reduce(image: Image.Image) -> None:
    """Bring an image opened (not decoded) within MAX_PIXELS, or refuse it."""
    width, height = image.size
    if width * height <= MAX_PIXELS:
        return
    scale = next((s for s in (2, 4, 8) if (width // s) * (height // s) <= MAX_PIXELS), None)
    if image.format == "JPEG" and scale is not None:
        image.draft("L", (width // scale, height // scale))  # decoded small by libjpeg
        if image.size[0] * image.size[1] <= MAX_PIXELS:
            return
    raise ImageRefused(TOO_BIG)


def image_files(paths: list[Path]) -> list[Path]:
    """The named files, and the images inside named folders (sorted by name)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            found.append(path)
    return found


def frames_of(paths: list[Path]) -> Iterator[Frame]:
    """Each file as a frame, one at a time (a refused one says why, and the rest go on)."""
    for path in paths:
        try:
            yield Frame(path, load_grey(path))
        except ImageRefused as exc:
            yield Frame(path, None, exc.problem)
        except MemoryError:  # within the cap this should not happen; still, one file only
            yield Frame(path, None, TOO_BIG)
