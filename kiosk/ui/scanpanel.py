"""The scan panel: the camera's live picture with a guide box, over the current screen.

Frames go to a ScanWorker (decoding off the UI thread); what it finds comes back here on
the UI thread and is judged by the caller's `read` function: a value closes the panel,
a refusal is shown in words while scanning goes on. "Type it instead" closes it.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from kivy.clock import Clock
from kivy.lang import Builder
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.modalview import ModalView

from kiosk.scan.worker import ScanWorker
from kiosk.ui.camera import Feed

Builder.load_file(str(Path(__file__).with_suffix(".kv")))

# What a caller makes of the codes in one frame: (value, "") to accept, (None, words) not.
Reader = Callable[[list[bytes]], tuple[object | None, str]]


class ScanPanel(ModalView):
    title = StringProperty("")
    hint = StringProperty("")
    message = StringProperty("")
    cancel_text = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def __init__(self, feed: Feed, read: Reader, on_done: Callable[[object], None], **kwargs):
        super().__init__(auto_dismiss=False, **kwargs)
        self.feed, self.read, self.on_done = feed, read, on_done
        self.worker: ScanWorker | None = None
        self._refused: set[bytes] = set()

    def start(self) -> None:
        self.message = ""
        self._refused.clear()
        self.worker = ScanWorker(lambda found: Clock.schedule_once(lambda _dt: self._found(found)))
        self.open(animation=False)
        self.feed.start(self.worker.offer, self._show)

    def _show(self, texture) -> None:
        self.texture = None  # the same texture object with new pixels: redraw it
        self.texture = texture

    def _found(self, payloads: list[bytes]) -> None:
        if self.worker is None:  # closed meanwhile
            return
        value, problem = self.read(payloads)
        if value is not None:
            self.close()
            self.on_done(value)
        elif not set(payloads) <= self._refused:
            self._refused.update(payloads)
            self.message = problem

    def close(self) -> None:
        self.feed.stop()
        if self.worker is not None:
            self.worker.stop()
            self.worker = None
        self.dismiss(animation=False)
