"""Out of service: an apology for citizens, and for IT what is wrong (config, disk)."""

from kivy.properties import StringProperty

from kiosk.ui.screens.base import KioskScreen, load_kv


class OutOfServiceScreen(KioskScreen):
    message = StringProperty("")
    details = StringProperty("")


load_kv(__file__)
