"""Decoding off the UI thread: the newest frame is decoded, older unread ones are dropped.

The preview keeps drawing at the camera's rate whatever decoding costs; a slow tablet
simply decodes fewer of the frames. Results come back through a callback on the worker's
thread: the UI hands them to its own thread (Kivy's Clock) itself.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import numpy as np

from kiosk.scan.decode import decode_frame

log = logging.getLogger("kiosk.scan")


class ScanWorker:
    """One decoding thread for one scan; `offer` frames, `stop` when the scan ends."""

    def __init__(self, on_found: Callable[[list[bytes]], None]):
        self._on_found = on_found
        self._frame: np.ndarray | None = None
        self._wake = threading.Condition()
        self._running = True
        self.decoded = 0  # frames decoded (the rest were dropped for newer ones)
        self._thread = threading.Thread(target=self._run, name="scan", daemon=True)
        self._thread.start()

    def offer(self, grey: np.ndarray) -> None:
        """Hand over the newest frame; one not yet decoded is replaced by it."""
        with self._wake:
            self._frame = grey
            self._wake.notify()

    def stop(self) -> None:
        with self._wake:
            self._running = False
            self._wake.notify()

    def join(self, timeout: float | None = None) -> None:
        self._thread.join(timeout)

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._running and self._frame is None:
                    self._wake.wait()
                if not self._running:
                    return
                frame, self._frame = self._frame, None
            assert frame is not None  # the wait above ends with a frame, or returns
            try:
                found = decode_frame(frame)
            except Exception:  # a bad frame must not end the scan
                log.exception("frame could not be decoded")
                continue
            self.decoded += 1
            if found and self._running:
                self._on_found(found)
