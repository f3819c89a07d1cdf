"""A printable counter poster: the unit, the counter, and a QR code to the online survey.

Decision 2223 (III.2.a) places QR codes "at the counters and on the units' websites" for
citizens who would rather answer on their own phone. Drawn with Pillow at print
resolution and saved as PNG or as a one-page PDF; the words are Vietnamese with an
English line beneath, in Roboto (shipped with Kivy: it has every Vietnamese letter).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import qrcode
from PIL import Image, ImageDraw, ImageFont

from kiosk.config import Config
from kiosk.domain.forms import localized
from kiosk.locale import translate

DPI = 200
PAPER_MM = {"A4": (210, 297), "A5": (148, 210)}
INK = (20, 33, 61)
ACCENT = (0, 94, 168)


class PosterError(Exception):
    """Why no poster was made (a locale key and its parameters)."""

    def __init__(self, key: str, **params: object):
        super().__init__(key)
        self.key, self.params = key, params


def survey_url(config: Config, counter: str) -> str:
    """The online survey's address for this unit and counter (config `qr.survey_url`)."""
    if not config.survey_url:
        raise PosterError("poster.no_url")
    if counter not in {c.code for c in config.counters}:
        allowed = ", ".join(c.code for c in config.counters)
        raise PosterError("poster.unknown_counter", counter=counter, allowed=allowed)
    return config.survey_url.format(unit=config.unit_code, counter=counter)


def write_poster(config: Config, counter: str, out: Path, paper: str = "A4") -> str:
    """Draw the poster into out (.png or .pdf); return the URL its code carries."""
    suffix = out.suffix.lower()
    if suffix not in (".png", ".pdf"):
        raise PosterError("poster.bad_suffix", path=out)
    url = survey_url(config, counter)
    image = draw_poster(config, counter, url, paper)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        image.save(out, "PDF" if suffix == ".pdf" else "PNG", resolution=DPI)
    except OSError as exc:
        raise PosterError("poster.write_failed", path=out, error=exc.strerror or exc) from None
    return url


def draw_poster(config: Config, counter: str, url: str, paper: str = "A4") -> Image.Image:
    width, height = (round(mm / 25.4 * DPI) for mm in PAPER_MM[paper])
    unit = 1 if paper == "A4" else 0.72  # A5 is A4 scaled by 1/sqrt(2)
    image = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(image)
    margin = round(110 * unit)
    draw.rectangle((0, 0, width, round(24 * unit)), fill=ACCENT)
    counter_name = next(c.name for c in config.counters if c.code == counter)
    y = round(120 * unit)
    y = _centered(
        draw,
        localized(config.unit_name, "vi").upper(),
        _font(True, 62 * unit),
        y,
        width,
        margin,
        INK,
    )
    y = _centered(
        draw, localized(counter_name, "vi"), _font(True, 96 * unit), y + 20, width, margin, ACCENT
    )
    y = _centered(
        draw, translate("vi", "poster.invite"), _font(False, 58 * unit), y + 60, width, margin, INK
    )
    side = round(min(width - 2 * margin, height * 0.42))
    code = _qr_image(url, side)
    image.paste(code, ((width - side) // 2, y + 40))
    y += 40 + side + 30
    y = _centered(
        draw, translate("vi", "poster.scan"), _font(True, 56 * unit), y, width, margin, INK
    )
    y = _centered(
        draw, translate("en", "poster.scan"), _font(False, 40 * unit), y + 10, width, margin, INK
    )
    _centered(draw, url, _font(False, 30 * unit), y + 40, width, margin, (90, 90, 90))
    return image


def _qr_image(url: str, side: int) -> Image.Image:
    qr = qrcode.QRCode(border=4, error_correction=qrcode.constants.ERROR_CORRECT_M)
    qr.add_data(url)
    modules = qr.get_matrix()
    pixels = Image.new("1", (len(modules), len(modules)), 1)
    pixels.putdata([0 if dark else 1 for row in modules for dark in row])
    module = side // len(modules)  # whole pixels per module: crisp edges when printed
    return pixels.resize((module * len(modules),) * 2, Image.Resampling.NEAREST).convert("RGB")


def _font(bold: bool, size: float) -> ImageFont.FreeTypeFont:
    spec = importlib.util.find_spec("kivy")  # its fonts, without importing Kivy
    assert spec is not None and spec.submodule_search_locations  # a dependency: installed
    folder = Path(next(iter(spec.submodule_search_locations))) / "data" / "fonts"
    name = "Roboto-Bold.ttf" if bold else "Roboto-Regular.ttf"
    return ImageFont.truetype(str(folder / name), round(size))


def _centered(draw, text: str, font, y: int, width: int, margin: int, fill) -> int:
    """Draw text wrapped to the page, each line centred; return the y below it."""
    line_height = round(font.size * 1.25)
    for line in _wrap(text, font, width - 2 * margin):
        draw.text(((width - font.getlength(line)) / 2, y), line, font=font, fill=fill)
        y += line_height
    return y


def _wrap(text: str, font, room: float) -> list[str]:
    lines, line = [], ""
    for word in text.split():
        candidate = f"{line} {word}".strip()
        if line and font.getlength(candidate) > room:
            lines.append(line)
            line = word
        else:
            line = candidate
    return [*lines, line] if line else lines
