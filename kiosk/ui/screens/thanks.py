"""The thank-you screen: shown only once the answer is on disk; returns by itself."""

from kiosk.ui.screens.base import KioskScreen, load_kv


class ThanksScreen(KioskScreen):
    pass


load_kv(__file__)
