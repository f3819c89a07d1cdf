"""The welcome screen: the unit's name, an invitation to rate, the language choice."""

from kiosk.ui.screens.base import KioskScreen, load_kv


class WelcomeScreen(KioskScreen):
    pass


load_kv(__file__)
