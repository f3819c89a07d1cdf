"""The thank-you screen: shown only once the answer is on disk; returns by itself.

It can carry a QR code (config `qr.thanks_url`: the unit's page or the dossier lookup)
for the citizen to keep on their phone.
"""

from kivy.properties import StringProperty

from kiosk.ui.qrimage import QRCodeImage  # noqa: F401 - used in thanks.kv
from kiosk.ui.screens.base import KioskScreen, load_kv


class ThanksScreen(KioskScreen):
    qr_data = StringProperty("")

    def on_pre_enter(self, *_args) -> None:
        core = self.app.core
        self.qr_data = core.config.thanks_url if core else ""


load_kv(__file__)
