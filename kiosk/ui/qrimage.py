"""A QR code drawn from qrcode's module matrix straight into a Kivy texture (no image file)."""

from __future__ import annotations

from kivy.graphics.texture import Texture
from kivy.properties import ObjectProperty, StringProperty
from kivy.uix.widget import Widget


def qr_texture(data: str) -> Texture:
    """One texel per module, quiet zone included; drawn scaled with 'nearest' for crisp edges."""
    import qrcode  # ~170 ms to import: only when a code is first drawn, not at start

    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(data)
    matrix = qr.get_matrix()
    side = len(matrix)
    # Kivy's textures start at the bottom row: rows go in reversed.
    pixels = bytes(0 if dark else 255 for row in reversed(matrix) for dark in row)
    texture = Texture.create(size=(side, side), colorfmt="luminance")
    texture.mag_filter = texture.min_filter = "nearest"
    texture.blit_buffer(pixels, colorfmt="luminance", bufferfmt="ubyte")
    return texture


class QRCodeImage(Widget):
    """Shows `data` as a QR code, square and centred in the widget; nothing when empty."""

    data = StringProperty("")
    texture = ObjectProperty(None, allownone=True)

    def on_data(self, *_args) -> None:
        self.texture = qr_texture(self.data) if self.data else None
