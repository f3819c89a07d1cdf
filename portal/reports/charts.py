"""The PDF report's bar charts, drawn with reportlab's graphics: horizontal bars for the
reasons (long labels read best to the left of their bar) and vertical bars for a figure per
month. Each bar carries its value as the dict gives it (vi_percent / vi_count): a chart
prints figures, it computes none (bar lengths are the values on a 0–100 or 0–max scale).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from reportlab.graphics.shapes import Drawing, Line, Rect, String
from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth

from portal.reports import fonts

BAR = colors.HexColor("#2E6DA4")
GRID = colors.HexColor("#C8C8C8")
TEXT = colors.black
SIZE = 7.5


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (None: no base, no bar) and what to print by it."""

    label: str
    value: float | None
    text: str


def horizontal_bars(bars: Sequence[Bar], width: float, scale: float = 100.0) -> Drawing:
    """A bar per row, label on the left (cut to fit, "…"), value printed after the bar."""
    fonts.register()
    row, label_width, value_width = 15.0, width * 0.45, 48.0
    height = row * len(bars) + 14
    drawing = new_drawing(width, height)
    left, span = label_width + 6, width - label_width - 6 - value_width
    axis(drawing, left, span, 0, height - 4, scale)
    for index, bar in enumerate(bars):
        y = height - 4 - row * (index + 1) + 3
        drawing.add(
            String(
                0,
                y + 2.5,
                fit(bar.label, label_width),
                fontName=fonts.REGULAR,
                fontSize=SIZE,
                fillColor=TEXT,
            )
        )
        length = span * min(bar.value or 0.0, scale) / scale
        drawing.add(bar_rect(left, y, length, row - 5))
        drawing.add(
            String(
                left + length + 3,
                y + 2.5,
                bar.text,
                fontName=fonts.BOLD,
                fontSize=SIZE,
                fillColor=TEXT,
            )
        )
    return drawing


def axis(
    drawing: Drawing, left: float, span: float, bottom: float, top: float, scale: float
) -> None:
    """Vertical grid lines at 0, ¼, ½, ¾ and the whole of the scale, labelled below."""
    for quarter in range(5):
        x = left + span * quarter / 4
        drawing.add(Line(x, bottom + 10, x, top, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(
            String(
                x,
                bottom + 1,
                tick(scale * quarter / 4, scale),
                fontName=fonts.REGULAR,
                fontSize=SIZE - 1,
                fillColor=TEXT,
                textAnchor="middle",
            )
        )


def vertical_bars(
    bars: Sequence[Bar], width: float, height: float = 150.0, scale: float = 100.0
) -> Drawing:
    """A bar per column (a month), label under it, value over it; horizontal grid lines."""
    fonts.register()
    drawing = new_drawing(width, height)
    left, bottom, top = 30.0, 16.0, height - 14
    slot = (width - left) / max(len(bars), 1)
    for quarter in range(5):
        y = bottom + (top - bottom) * quarter / 4
        drawing.add(Line(left, y, width, y, strokeColor=GRID, strokeWidth=0.5))
        drawing.add(
            String(
                left - 3,
                y - 2.5,
                tick(scale * quarter / 4, scale),
                fontName=fonts.REGULAR,
                fontSize=SIZE - 1,
                fillColor=TEXT,
                textAnchor="end",
            )
        )
    label_size = fitting_size([b.text for b in bars] + [b.label for b in bars], slot * 0.95)
    for index, bar in enumerate(bars):
        x = left + slot * index + slot * 0.15
        length = (top - bottom) * min(bar.value or 0.0, scale) / scale
        drawing.add(bar_rect(x, bottom, slot * 0.7, length))
        middle = x + slot * 0.35
        drawing.add(
            String(
                middle,
                bottom + length + 3,
                bar.text,
                fontName=fonts.BOLD,
                fontSize=label_size,
                fillColor=TEXT,
                textAnchor="middle",
            )
        )
        drawing.add(
            String(
                middle,
                bottom - 10,
                bar.label,
                fontName=fonts.REGULAR,
                fontSize=label_size,
                fillColor=TEXT,
                textAnchor="middle",
            )
        )
    return drawing


def new_drawing(width: float, height: float) -> Drawing:
    """An empty drawing that starts in our font (reportlab's start, Helvetica, would be
    named in the PDF without being embedded)."""
    drawing = Drawing(width, height)
    setattr(drawing, "initialFontName", fonts.REGULAR)  # noqa: B010 (not in the stubs)
    return drawing


def bar_rect(x: float, y: float, width: float, height: float) -> Rect:
    """A filled bar without an outline."""
    rect = Rect(x, y, width, height)
    rect.fillColor, rect.strokeColor = BAR, None
    return rect


def fitting_size(texts: Sequence[str], width: float) -> float:
    """The largest size up to SIZE at which every text fits the width (a column's)."""
    widest = max((stringWidth(t, fonts.BOLD, SIZE) for t in texts), default=0.0)
    return SIZE if widest <= width else max(SIZE * width / widest, 4.0)


def tick(value: float, scale: float) -> str:
    """An axis label: "50%" on a percentage scale, a whole count otherwise."""
    return f"{value:.0f}%" if scale == 100.0 else f"{value:.0f}"


def fit(text: str, width: float, size: float = SIZE) -> str:
    """The text cut (with "…") to fit the width in the chart's font."""
    measure: Callable[[str], float] = lambda s: stringWidth(s, fonts.REGULAR, size)  # noqa: E731
    if measure(text) <= width:
        return text
    while text and measure(text + "…") > width:
        text = text[:-1]
    return text.rstrip(" ,;") + "…"


def count_scale(values: Sequence[int]) -> float:
    """The top of a count axis: the largest value rounded up to a multiple of 4 (quarters
    fall on whole numbers), at least 4."""
    top = max([*values, 4])
    return float(-(-top // 4) * 4)
