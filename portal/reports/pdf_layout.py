"""How the PDF report looks: the page frame, the paragraph styles, ruled tables and
charts under their titles, and a canvas numbering the pages "Trang x/y". Every style is
in DejaVu Sans (portal/reports/fonts), embedded, so Vietnamese prints on any viewer.
"""

from __future__ import annotations

from typing import Any
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_JUSTIFY, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, KeepTogether, Paragraph, Spacer, Table, TableStyle

from portal.reports import fonts

WIDTH = A4[0] - 45 * mm  # the frame: 25 mm left (binding), 20 mm right
fonts.register()


BODY = ParagraphStyle(
    "body", fontName=fonts.REGULAR, fontSize=10, leading=14, alignment=TA_JUSTIFY, spaceAfter=3
)


CELL = ParagraphStyle("cell", parent=BODY, fontSize=8.5, leading=11, alignment=0, spaceAfter=0)


CELL_BOLD = ParagraphStyle("cell_bold", parent=CELL, fontName=fonts.BOLD)


CELL_STYLES = {  # (bold, numeric): figures right-aligned so their digits line up
    (False, False): CELL,
    (True, False): CELL_BOLD,
    (False, True): ParagraphStyle("cell_figure", parent=CELL, alignment=TA_RIGHT),
    (True, True): ParagraphStyle("cell_figure_bold", parent=CELL_BOLD, alignment=TA_RIGHT),
}


CENTER = ParagraphStyle("center", parent=BODY, alignment=TA_CENTER, spaceAfter=0)


CENTER_BOLD = ParagraphStyle("center_bold", parent=CENTER, fontName=fonts.BOLD)


TITLE = ParagraphStyle("title", parent=CENTER_BOLD, fontSize=15, leading=20, spaceBefore=10)


HEADING = ParagraphStyle(
    "heading", parent=BODY, fontName=fonts.BOLD, fontSize=11, spaceBefore=8, spaceAfter=4
)


SUBHEADING = ParagraphStyle(
    "subheading", parent=BODY, fontName=fonts.BOLD, spaceBefore=5, alignment=0
)


GRID_HEADING = ParagraphStyle("grid_heading", parent=BODY, alignment=0, spaceBefore=8)


LABEL = ParagraphStyle(
    "label", parent=BODY, fontName=fonts.BOLD, fontSize=8.5, leading=11, spaceBefore=2
)


SMALL = ParagraphStyle("small", parent=BODY, fontSize=8.5, leading=11)


HEADER_FILL = colors.HexColor("#E4ECF4")
# A layout table's cells: top-aligned, in our font (reportlab's default, Helvetica, would
# be named in the PDF unembedded even though every cell holds a paragraph).


PLAIN = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR)]


def para(text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """A paragraph of plain text (escaped; markup only where we add it)."""
    return Paragraph(escape(text), style)


def marked(label: str, text: str, style: ParagraphStyle = BODY) -> Paragraph:
    """ "<b>label</b> text", both escaped."""
    return Paragraph(f"<b>{escape(label)}</b> {escape(text)}", style)


def chart(title: str, drawing: Flowable) -> list[Flowable]:
    """A chart under its title, kept on one page."""
    return [KeepTogether([para(title, CENTER_BOLD), Spacer(1, 4), drawing, Spacer(1, 6)])]


def grid(
    rows: list[list[Any]],
    shares: list[float],
    numeric_from: int = 99,
    bold_row: int | None = None,
    numeric_to: int = 99,
) -> Table:
    """A ruled table: a bold shaded header row repeated on each page, text wrapped,
    columns from `numeric_from` up to `numeric_to` (figures) right-aligned, `bold_row` (a
    total) in bold."""
    cells = [
        [
            cell_text(v, r in (0, bold_row), numeric_from <= c < numeric_to)
            for c, v in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    table = Table(cells, colWidths=[WIDTH * s for s in shares], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), fonts.REGULAR),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), HEADER_FILL),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 2),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def cell_text(value: Any, bold: bool, numeric: bool) -> Paragraph:
    """A cell's value as a wrapping paragraph, a figure right-aligned."""
    return para(str(value), CELL_STYLES[bold, numeric])


class NumberedCanvas(Canvas):
    """A canvas that holds its pages until the end so each can say "Trang x/y"."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.pages: list[dict] = []

    def showPage(self) -> None:
        self.pages.append(dict(self.__dict__))
        self._startPage()  # type: ignore[attr-defined]  # reportlab's own, not in the stubs

    def save(self) -> None:
        """Number every page, then write them."""
        for page in self.pages:
            self.__dict__.update(page)
            self.setFont(fonts.REGULAR, 8)
            self.drawCentredString(
                A4[0] / 2, 10 * mm, f"Trang {self.getPageNumber()}/{len(self.pages)}"
            )
            super().showPage()
        super().save()
