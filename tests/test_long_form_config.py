"""config.yaml's `long_form` (the long form offered to a random few), its draw, and `Draws`,
the random source the tests inject so that a draw is theirs to decide (tests/pilot.py,
tests/test_visit.py, tests/test_long_form.py)."""

from __future__ import annotations

import math
import random
from pathlib import Path

import pytest

from kiosk.config import check_config_file, load_config
from kiosk.config_sections import LongForm
from kiosk.domain.yamlfile import FileProblems
from kiosk.locale import Translator
from tests.conftest import ROOT, write_config


class Draws(random.Random):
    """The long form's draw as a test decides it: every draw `drawn` (at any share above 0)
    or none (at any share below 1). Tests that drive the quick flow on the shipped
    config.yaml (share 0.1) use Draws(False), so that no citizen of theirs is asked."""

    def __init__(self, drawn: bool = False) -> None:
        super().__init__(0)
        self.drawn = drawn

    def random(self) -> float:
        return 0.0 if self.drawn else math.nextafter(1.0, 0.0)


def problems(tmp_path: Path, **changes: object) -> list[str]:
    config = write_config(tmp_path / "config.yaml", **changes)
    return [p.describe(Translator("vi")) for p in check_config_file(config)]


def test_the_shipped_config_offers_the_sipas_form_to_one_in_ten():
    config = load_config(ROOT / "config.yaml")
    assert config.long_form is not None
    assert config.long_form.path == ROOT / "assets" / "forms" / "sipas-dak-song-2023.yaml"
    assert config.long_form.share == 0.1
    assert check_config_file(ROOT / "config.yaml") == []


def test_without_the_section_no_long_form_is_offered(tmp_path):
    assert load_config(write_config(tmp_path / "a.yaml", long_form=None)).long_form is None
    data = (ROOT / "config.yaml").read_text(encoding="utf-8")
    start = data.index("long_form:")
    end = data.index("\n", data.index("share:", start))
    bare = tmp_path / "bare.yaml"
    bare.write_text(data[:start] + data[end + 1 :], encoding="utf-8")
    assert "long_form" not in bare.read_text(encoding="utf-8")
    assert load_config(bare).long_form is None  # the embedded default: off


@pytest.mark.parametrize(
    ("long_form", "expected"),
    [
        (
            {"form": "khong-co", "share": 0.1},
            "“long_form.form”: không tìm thấy biểu mẫu “khong-co”",
        ),
        (
            {"form": "sipas-dak-song-2023", "share": 1.5},
            "“long_form.share” phải nằm trong khoảng 0 đến 1",
        ),
        (
            {"form": "sipas-dak-song-2023", "share": -0.1},
            "“long_form.share” phải nằm trong khoảng 0 đến 1",
        ),
        ({"form": "sipas-dak-song-2023", "share": "10%"}, "“long_form.share” phải là số"),
        ({"form": "sipas-dak-song-2023"}, "thiếu khóa “long_form.share”"),
        ({"share": 0.1}, "thiếu khóa “long_form.form”"),
        ({"form": "danang-2223", "share": 0.1}, "biểu mẫu dài phải khác biểu mẫu chính"),
        (
            {"form": "sipas-dak-song-2023", "share": 0.1, "every": 3},
            "khóa “long_form.every” không được dùng ở đây",
        ),
    ],
)
def test_a_bad_long_form_is_said_in_vietnamese_with_its_line(tmp_path, long_form, expected):
    [said] = problems(tmp_path, long_form=long_form)
    assert expected in said
    assert str(tmp_path / "config.yaml") in said and ", dòng " in said


def test_a_long_form_file_that_is_not_a_valid_form_is_found_by_check_config(tmp_path):
    (tmp_path / "broken.yaml").write_text("id: x\nversion: 1\nquestions: []\n", encoding="utf-8")
    config = write_config(tmp_path / "config.yaml", long_form={"form": "broken.yaml", "share": 0.5})
    assert load_config(config).long_form is not None  # the kiosk starts: the file is read later
    found = check_config_file(config)
    assert found and all(p.file.endswith("broken.yaml") for p in found)
    with pytest.raises(FileProblems):
        load_config(write_config(tmp_path / "c2.yaml", long_form={"form": "none", "share": 0.5}))


def test_the_draw_asks_about_the_share_of_citizens():
    form = LongForm(Path("f.yaml"), 0.1)
    rng = random.Random(2026)
    drawn = sum(form.draw(rng) for _ in range(20_000))
    assert 1800 <= drawn <= 2200  # 10% ± 1 point (the binomial's sd is 42: ±4.7 sd)
    twin = random.Random(2026)
    again = random.Random(2026)
    assert [form.draw(again) for _ in range(50)] == [twin.random() < 0.1 for _ in range(50)]
    assert not any(LongForm(Path("f"), 0.0).draw(rng) for _ in range(1000))
    assert all(LongForm(Path("f"), 1.0).draw(rng) for _ in range(1000))


def test_the_tests_draws_decide_at_every_share():
    for share in (0.0001, 0.1, 0.5, 0.9999):
        assert LongForm(Path("f"), share).draw(Draws(True))
        assert not LongForm(Path("f"), share).draw(Draws(False))


def test_the_offer_promises_the_time_a_first_time_reader_needs():
    """The offer's "khoảng N phút" is the Keystroke-Level Model's figure for the long form
    (benchmarks/long_form.py), rounded: never a promise the form cannot keep."""
    import re

    from benchmarks.long_form import FORM, Klm, longest_path, model_seconds, one_per_screen
    from kiosk.domain.forms import load_form
    from kiosk.locale import translate

    form = load_form(FORM)
    minutes = model_seconds(list(one_per_screen(form, longest_path(form))), Klm()) / 60
    vi = re.search(r"khoảng (\d+) phút", translate("vi", "offer.question"))
    en = re.search(r"about (\d+) more minutes", translate("en", "offer.question"))
    assert vi is not None and en is not None and vi.group(1) == en.group(1)
    assert abs(int(vi.group(1)) - minutes) < 0.5, minutes


def test_check_config_says_which_long_form_is_offered_and_to_how_many(tmp_path):
    import subprocess
    import sys

    def check(config: Path) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "kiosk", "check-config", str(config)],
            capture_output=True,
            text=True,
            cwd=ROOT,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        return done.stdout

    said = "Phiếu khảo sát dài sipas-dak-song-2023.yaml: mời 10% người dân sau khi đánh giá"
    assert said in check(ROOT / "config.yaml")
    assert "Phiếu khảo sát dài" not in check(write_config(tmp_path / "c.yaml", long_form=None))
