"""Counter posters: rendered with qrcode, read back with pyzbar, to the survey's address."""

from __future__ import annotations

import re
import subprocess
import sys

from PIL import Image
from pyzbar import pyzbar

from tests.conftest import ROOT, write_config

SURVEY = "https://khaosat.danang.gov.vn/{unit}/{counter}"


def poster(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "poster", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_an_a4_poster_carries_the_unit_and_counter_survey_address(tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__survey_url=SURVEY)
    out = tmp_path / "posters" / "q2.png"
    result = poster("--counter", "Q2", "--out", str(out), "--config", str(config))
    assert result.returncode == 0, result.stderr
    assert "Đã tạo áp phích" in result.stdout
    image = Image.open(out)
    assert image.size == (1654, 2339)  # A4 at 200 dpi
    [symbol] = pyzbar.decode(image.convert("L"))
    assert symbol.data.decode() == "https://khaosat.danang.gov.vn/DNG-HC/Q2"


def test_an_a5_pdf_poster_is_one_page_of_a5(tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__survey_url=SURVEY)
    out = tmp_path / "q1.pdf"
    result = poster("--counter", "Q1", "--out", str(out), "--paper", "A5", "--config", str(config))
    assert result.returncode == 0, result.stderr
    data = out.read_bytes()
    assert data.startswith(b"%PDF") and data.count(b"/Type /Page\n") == 1
    box = re.search(rb"/MediaBox \[ 0 0 ([\d.]+) ([\d.]+) \]", data)
    width, height = float(box.group(1)), float(box.group(2))
    assert abs(width - 148 / 25.4 * 72) < 1 and abs(height - 210 / 25.4 * 72) < 1  # A5 in points


def test_unknown_counter_missing_address_or_wrong_suffix_are_explained(tmp_path):
    config = write_config(tmp_path / "config.yaml", qr__survey_url=SURVEY)
    result = poster("--counter", "Q9", "--out", str(tmp_path / "x.png"), "--config", str(config))
    assert result.returncode == 2
    assert "Không có quầy “Q9” trong config.yaml (các quầy: Q1, Q2)" in result.stderr
    result = poster("--counter", "Q1", "--out", str(tmp_path / "x.jpg"), "--config", str(config))
    assert "phải kết thúc bằng .pdf hoặc .png" in result.stderr
    bare = write_config(tmp_path / "bare.yaml", qr__survey_url="")
    result = poster(
        "--counter", "Q1", "--out", str(tmp_path / "x.png"), "--config", str(bare), "--lang", "en"
    )
    assert "config.yaml has no online survey address (qr.survey_url)" in result.stderr
    assert not (tmp_path / "x.png").exists()
