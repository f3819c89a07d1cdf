"""Frames for the decoder: 8-bit grey arrays from camera buffers and from image files.

pyzbar reads 8-bit grey only. A camera hands over RGBA/RGB/BGR (Kivy's OpenCV and
GStreamer providers) or NV21 (Android): NumPy views the buffer in place and only the grey
frame itself is made (for NV21 not even that: its first plane is the grey image).
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
from PIL import Image, UnidentifiedImageError

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".webp", ".tif", ".tiff", ".pgm"}


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
    """An image file as an 8-bit grey frame; OSError (or ValueError) when it is not an image."""
    try:
        with Image.open(path) as image:
            return np.asarray(image.convert("L"))
    except UnidentifiedImageError as exc:
        raise ValueError(str(exc)) from None


def image_files(paths: list[Path]) -> list[Path]:
    """The named files, and the images inside named folders (sorted by name)."""
    found: list[Path] = []
    for path in paths:
        if path.is_dir():
            found.extend(sorted(p for p in path.iterdir() if p.suffix.lower() in IMAGE_SUFFIXES))
        else:
            found.append(path)
    return found


def frames_of(paths: list[Path]) -> Iterator[tuple[Path, np.ndarray | None]]:
    """Each file with its grey frame (None when it cannot be read as an image)."""
    for path in paths:
        try:
            yield path, load_grey(path)
        except (OSError, ValueError):
            yield path, None
