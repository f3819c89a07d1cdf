"""Where the scan panel's frames come from: the tablet's camera, or image files.

Both feeds give the panel a texture to preview and hand 8-bit grey frames to a callback.
config `qr.camera`: `auto` uses Kivy's camera provider (OpenCV on Linux, installed with
the `camera` extra; Kivy's android provider on Android), `none` hides the scan button,
and a folder or image file plays its images as frames (tests, demos, a tablet without a
camera at a training session).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from kivy.clock import Clock
from kivy.graphics.texture import Texture

if TYPE_CHECKING:
    import numpy as np

# NumPy and Pillow (kiosk.scan.frames) are imported when a feed first runs, not at start:
# ~15 MiB that a kiosk without a camera never needs.

log = logging.getLogger("kiosk.scan")

FrameCallback = Callable[["np.ndarray"], None]
FILE_FPS = 8.0


class Feed:
    """A source of frames for one scan at a time."""

    texture: Texture | None = None

    def start(self, on_frame: FrameCallback, on_texture: Callable[[Texture], None]) -> None:
        raise NotImplementedError

    def stop(self) -> None:
        raise NotImplementedError


class FileFeed(Feed):
    """Image files played as camera frames, in name order, over and over."""

    def __init__(self, paths: list[Path], fps: float = FILE_FPS):
        self.paths = paths
        self.fps = fps
        self._event = None
        self._index = 0
        self._refused: set[Path] = set()

    def start(self, on_frame: FrameCallback, on_texture: Callable[[Texture], None]) -> None:
        self._index = 0
        self._on_frame, self._on_texture = on_frame, on_texture
        self._next(0)
        self._event = Clock.schedule_interval(self._next, 1 / self.fps)

    def stop(self) -> None:
        if self._event is not None:
            self._event.cancel()
            self._event = None

    def _next(self, _dt: float) -> None:
        import numpy as np

        from kiosk.scan.frames import frames_of

        if not self.paths:
            return
        path = self.paths[self._index % len(self.paths)]
        self._index += 1
        frame = next(frames_of([path]))
        grey = frame.grey
        if grey is None:  # said once per file; the next files still play
            if path not in self._refused:
                self._refused.add(path)
                log.warning("camera image %s skipped: %s", path.name, frame.problem)
            return
        height, width = grey.shape
        if self.texture is None or self.texture.size != (width, height):
            self.texture = Texture.create(size=(width, height), colorfmt="luminance")
            self.texture.flip_vertical()
        self.texture.blit_buffer(np.ascontiguousarray(grey).tobytes(), colorfmt="luminance")
        self._on_texture(self.texture)
        self._on_frame(grey)


class CameraFeed(Feed):
    """Kivy's camera provider; each new frame's buffer is turned into grey without a copy
    of the colour image (NV21 on Android: its first plane already is the grey frame).
    """

    def __init__(self, index: int = 0, resolution: tuple[int, int] = (640, 480)):
        from kivy.core.camera import Camera

        if Camera is None:
            raise RuntimeError("no camera provider (install OpenCV: pip install '.[camera]')")
        self._camera = Camera(index=index, resolution=resolution, stopped=True)

    def start(self, on_frame: FrameCallback, on_texture: Callable[[Texture], None]) -> None:
        self._on_frame, self._on_texture = on_frame, on_texture
        self._camera.bind(on_texture=self._new_frame)
        self._camera.start()

    def stop(self) -> None:
        self._camera.unbind(on_texture=self._new_frame)
        self._camera.stop()

    def _new_frame(self, camera) -> None:
        from kiosk.scan.frames import grey_from_buffer

        self.texture = camera.texture
        self._on_texture(camera.texture)
        width, height = camera.resolution
        if hasattr(camera, "grab_frame"):  # Kivy's android provider
            buffer, fmt = camera.grab_frame(), "nv21"
        else:
            buffer, fmt = getattr(camera, "_buffer", None), getattr(camera, "_format", "rgb")
        if buffer is None:
            return
        try:
            self._on_frame(grey_from_buffer(buffer, width, height, fmt))
        except ValueError:  # a frame of another size than asked for: skip it
            log.warning("camera frame of unexpected size skipped")


def make_feed(setting: str) -> Feed | None:
    """The feed config `qr.camera` names; None when there is none (no scan button)."""
    if setting == "none":
        return None
    if setting == "auto":
        if not _camera_provider_installed():
            log.info("no camera provider installed (OpenCV: pip install '.[camera]')")
            return None
        try:
            return CameraFeed()
        except Exception as exc:  # no provider, no device: typing still works
            log.info("no camera: %s", exc)
            return None
    from kiosk.scan.frames import image_files

    paths = image_files([Path(setting).expanduser()])
    return FileFeed(paths) if paths else None


def _camera_provider_installed() -> bool:
    """Whether one of Kivy's camera providers can load (asking Kivy itself logs a traceback
    per missing provider on every start)."""
    import importlib.util

    from kivy.utils import platform

    if platform == "android":
        return True
    return any(importlib.util.find_spec(name) for name in ("cv2", "gi"))
