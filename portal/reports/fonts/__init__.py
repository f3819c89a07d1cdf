"""The fonts the PDF report embeds: DejaVu Sans regular and bold (every Vietnamese letter
with its diacritics), copied from Debian's fonts-dejavu-core 2.37 with its licence
(LICENSE beside them), so that a portal installed with pip has them on any system.
"""

from __future__ import annotations

from pathlib import Path

from reportlab.lib.fonts import addMapping
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

HERE = Path(__file__).parent
REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
FILES = {REGULAR: HERE / "DejaVuSans.ttf", BOLD: HERE / "DejaVuSans-Bold.ttf"}


def register() -> None:
    """Register both fonts with reportlab once (a family, so <b> in a paragraph is bold)."""
    if REGULAR in pdfmetrics.getRegisteredFontNames():
        return
    for name, path in FILES.items():
        pdfmetrics.registerFont(TTFont(name, str(path)))
    for italic in (0, 1):  # no italic face is shipped: italic text is set upright
        addMapping(REGULAR, 0, italic, REGULAR)
        addMapping(REGULAR, 1, italic, BOLD)
