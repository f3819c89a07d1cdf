"""The base of every kiosk screen: access to the app, a wipe, and physical keys."""

from __future__ import annotations

from pathlib import Path

from kivy.app import App
from kivy.lang import Builder
from kivy.properties import BooleanProperty, StringProperty
from kivy.uix.screenmanager import Screen

from kiosk.ui import widgets  # noqa: F401 - registers the widgets and rules every screen uses

Builder.load_file(str(Path(__file__).with_name("base.kv")))


def load_kv(module_file: str) -> None:
    """Load the .kv file that stands beside a screen's module."""
    Builder.load_file(str(Path(module_file).with_suffix(".kv")))


class KioskScreen(Screen):
    """A screen of the kiosk. `landscape` follows the window for layouts that turn;
    `progress` is shown in the header of a question screen."""

    landscape = BooleanProperty(True)
    progress = StringProperty("")  # "Câu 5 / 27" in the header, on the long form's steps

    @property
    def app(self):
        return App.get_running_app()

    def on_size(self, *_args) -> None:
        self.landscape = self.width >= self.height

    def reset(self) -> None:
        """Forget everything a citizen entered (idle wipe, end of a survey)."""

    def on_physical_key(self, text: str, keycode: int) -> bool:
        """A key from a hardware keyboard or a barcode scanner; True when used."""
        return False
