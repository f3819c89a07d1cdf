"""What a person reads: contrast of every colour pair, and every word from the locale files."""

from __future__ import annotations

import re

import yaml

from kiosk.ui import theme
from tests.conftest import ROOT


def _luminance(colour) -> float:
    def channel(v: float) -> float:
        return v / 12.92 if v <= 0.03928 else ((v + 0.055) / 1.055) ** 2.4

    r, g, b, _ = colour
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def test_every_text_colour_reaches_7_to_1():
    for name, (fg, bg) in theme.READ_PAIRS.items():
        high, low = sorted((_luminance(fg), _luminance(bg)), reverse=True)
        assert (high + 0.05) / (low + 0.05) >= 7, name


def _locale(lang: str) -> dict:
    return yaml.safe_load((ROOT / "assets" / "locale" / f"{lang}.yaml").read_text("utf-8"))


def test_both_languages_have_the_same_keys_and_placeholders():
    vi, en = _locale("vi"), _locale("en")
    assert vi.keys() == en.keys()
    for key in vi:
        assert set(re.findall(r"{(\w+)}", vi[key])) == set(re.findall(r"{(\w+)}", en[key])), key


def test_every_key_the_code_asks_for_exists():
    vi = _locale("vi")
    sources = list((ROOT / "kiosk").rglob("*.py")) + list((ROOT / "kiosk").rglob("*.kv"))
    asked = set()
    for path in sources:
        text = path.read_text(encoding="utf-8")
        asked |= set(re.findall(r"""tr\(\s*["']([a-z_]+\.[a-z_.]+)["']""", text))
        asked |= set(
            re.findall(r"""["']((?:oos|staff|keyboard|ident|nav|cli)\.[a-z_]+)["']""", text)
        )
    # config.yaml keys named in messages, not locale keys
    asked -= {"staff.pin_hash", "staff.officers", "staff.without_officer", "staff.end_of_day"}
    assert len(asked) > 30, "the patterns found too few keys to be looking right"
    assert sorted(asked - vi.keys()) == []


def test_validator_problem_codes_all_have_words():
    vi = _locale("vi")
    text = (ROOT / "kiosk" / "domain" / "validators.py").read_text(encoding="utf-8")
    text += (ROOT / "kiosk" / "domain" / "identification.py").read_text(encoding="utf-8")
    text += (ROOT / "kiosk" / "domain" / "flow.py").read_text(encoding="utf-8")
    codes = set(
        re.findall(r'"((?:phone|citizen_id|dossier_code|identification|answer)\.[a-z_]+)"', text)
    )
    assert len(codes) > 15
    assert sorted(codes - vi.keys()) == []


def test_no_bare_user_facing_strings_in_kv_files():
    for path in (ROOT / "kiosk" / "ui").rglob("*.kv"):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = re.match(r"\s*text:\s*(['\"])([^'\"]*)\1\s*$", line)
            assert not (match and re.search(r"[A-Za-zÀ-ỹ]{2}", match.group(2))), f"{path}:{number}"
