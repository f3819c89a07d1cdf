"""Bad input gets a clear message, never a traceback (issue 11): config.yaml, enrolment
files and codes, export targets, image files.

Every command runs as the real process, under a memory limit where today's code would
take gigabytes, so that a refusal is proven by its words and exit status, not by timing.
"""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zlib
from pathlib import Path

import pytest
from PIL import Image

from kiosk.enrolment import EnrolmentOffer, EnrolmentRefused, read_offer
from tests.conftest import ROOT
from tests.receipt_images import write_code_image

BASE = (ROOT / "config.yaml").read_text(encoding="utf-8")
MEMORY_LIMIT = 1 << 30  # a command that needs more than 1 GiB here has already lost


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=timeout,
        preexec_fn=_limited,
    )


def line_of(text: str, needle: str) -> int:
    return next(n for n, row in enumerate(text.splitlines(), 1) if needle in row)


# --- config.yaml --------------------------------------------------------------------
def _laughs() -> tuple[str, int, str]:
    """The billion laughs: nine levels of nine aliases, 4.8 KB of YAML, gigabytes in memory
    once the unit's English name (an alias of the top level) is turned into text."""
    rows = ["lol:", '  a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for before, name in zip("abcdefgh", "bcdefghi", strict=True):
        rows.append(f"  {name}: &{name} [" + ", ".join([f"*{before}"] * 9) + "]")
    text = "\n".join(rows) + "\n" + BASE.replace("en: Hai Chau Ward People's Committee", "en: *i")
    return text, 3, "lol.b[0]"


def _bad_configs() -> dict[str, tuple[str | bytes, int, str, str]]:
    """name: (file content, line, key, words of the problem)."""
    laughs, laughs_line, laughs_key = _laughs()
    deep = BASE + "nested: " + "[" * 50_000 + "]" * 50_000 + "\n"
    bigint = BASE.replace("idle_timeout_s: 60", "idle_timeout_s: " + "9" * 5000)
    listkey = BASE.replace("  code: DNG-HC\n", "  code: DNG-HC\n  ? [a, b]\n  : 1\n")
    dupkey = BASE.replace("counter: Q1\n", "counter: Q1\ncounter: Q2\n")
    negative = BASE.replace("lockout_s: 300", "lockout_s: -5")
    pattern = r"dossier_code_pattern: '[0-9A-Z]+(\.[0-9A-Z]+)*-\d{6}-\d{4}'"
    regex = BASE.replace(pattern, "dossier_code_pattern: '(a+)+$'")
    latin1 = BASE.encode("utf-8").replace(b"language: vi", b"language: vi # caf\xe9")
    huge = BASE + "# " + "x" * 5_000_000 + "\n"
    return {
        "billion_laughs": (laughs, laughs_line, laughs_key, "bí danh"),
        "deep_nesting": (deep, line_of(deep, "nested:"), "nested", "lồng nhau quá sâu"),
        "huge_integer": (
            bigint,
            line_of(bigint, "idle_timeout_s"),
            "flow.idle_timeout_s",
            "số quá dài",
        ),
        "list_as_key": (listkey, line_of(listkey, "? [a, b]"), "unit", "khóa phải là"),
        "duplicate_key": (dupkey, line_of(dupkey, "counter: Q2"), "counter", "hai lần"),
        "negative_lockout": (
            negative,
            line_of(negative, "lockout_s"),
            "staff.lockout_s",
            "phải nằm trong khoảng",
        ),
        "catastrophic_regex": (
            regex,
            line_of(regex, "dossier_code_pattern"),
            "identification.dossier_code_pattern",
            "lặp lồng nhau",
        ),
        "not_utf8": (latin1, line_of(BASE, "language: vi"), "language", "UTF-8"),
        "five_megabytes": (huge, 0, "", "quá lớn"),
    }


BAD_CONFIGS = _bad_configs()


@pytest.mark.parametrize("case", sorted(BAD_CONFIGS))
def test_a_bad_config_is_refused_with_file_line_and_key_in_vietnamese(case, tmp_path):
    content, line, key, words = BAD_CONFIGS[case]
    path = tmp_path / "config.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    result = kiosk("check-config", str(path), timeout=60)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    [said] = [row for row in result.stdout.splitlines() if row.startswith(f"  {path}, dòng")]
    where = f"{path}, dòng {line}: “{key}”" if key else f"{path}, dòng {line}:"
    assert said.strip().startswith(where), said
    assert words in said


def test_the_shipped_pattern_with_its_repeated_group_is_not_refused(tmp_path):
    from kiosk.config import check_config_file

    path = tmp_path / "config.yaml"
    safe = BASE.replace(r"(\.[0-9A-Z]+)*", r"(\.[0-9A-Z]+)*(/[0-9]+)?")
    path.write_text(safe, encoding="utf-8")
    assert check_config_file(path) == []


# --- kiosk enrol --------------------------------------------------------------------
ENROLMENT = {
    "portal_url": "https://portal.danang.gov.vn",
    "device_id": "kiosk-7",
    "secret": "c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlY3JldA",
    "unit_code": "DNG-HC",
    "counter": "Q1",
    "public_key": "wXbHj6Vw6j3N3S0A2vN1oN6zXgk2y1uOqJ6o0eWcI1g=",
}
OTHER_KEY = "q2c8g0vN0cQ3Gm2m1cbC3bq7y1c9rQ5s8oZk0xv6VxE="


def _enrol(data: Path, text: str, *extra: str) -> subprocess.CompletedProcess:
    path = data.parent / "enrol.json"
    path.write_text(text, encoding="utf-8")
    return kiosk("enrol", str(path), "--data-dir", str(data), *extra)


BAD_ENROLMENTS = {
    "deep_nesting": ('{"portal_url": ' + "[" * 100_000 + "]" * 100_000 + "}", ""),
    "huge_integer": (json.dumps(ENROLMENT)[:-1] + ', "counter": ' + "7" * 5000 + "}", ""),
    "empty_secret": (json.dumps({**ENROLMENT, "secret": ""}), "“secret” không được để trống"),
    "crlf_in_id": (json.dumps({**ENROLMENT, "device_id": "kiosk-7\r\nX-Unit: HUE"}), "“device_id”"),
    "duplicate_key": (json.dumps(ENROLMENT)[:-1] + ', "device_id": "kiosk-8"}', "“device_id”"),
}


@pytest.mark.parametrize("case", sorted(BAD_ENROLMENTS))
def test_a_bad_enrolment_file_is_refused_and_nothing_is_kept(case, tmp_path):
    text, words = BAD_ENROLMENTS[case]
    data = tmp_path / "data"
    result = _enrol(data, text)
    assert result.returncode == 1, result.stdout + result.stderr[-2000:]
    assert "Traceback" not in result.stderr
    assert f"{tmp_path / 'enrol.json'}" in result.stderr and words in result.stderr
    assert not (data / "enrolment.json").exists()


def test_an_enrolment_with_another_portal_or_key_needs_replace(tmp_path):
    data = tmp_path / "data"
    assert _enrol(data, json.dumps(ENROLMENT)).returncode == 0
    kept = (data / "enrolment.json").read_text()
    same = _enrol(data, json.dumps({**ENROLMENT, "device_id": "kiosk-8"}))
    assert same.returncode == 0, same.stderr  # a new device id with the same portal and key
    kept = (data / "enrolment.json").read_text()
    for change in (
        {"portal_url": "https://portal.hue.gov.vn"},
        {"public_key": OTHER_KEY},
        {"public_key": ""},
    ):
        refused = _enrol(data, json.dumps({**ENROLMENT, **change}))
        assert refused.returncode == 1
        assert "--replace" in refused.stderr and "Traceback" not in refused.stderr
        assert (data / "enrolment.json").read_text() == kept
    replaced = _enrol(data, json.dumps({**ENROLMENT, "public_key": OTHER_KEY}), "--replace")
    assert replaced.returncode == 0, replaced.stderr
    assert json.loads((data / "enrolment.json").read_text())["public_key"] == OTHER_KEY


def _offer(**changes: str) -> str:
    fields = {
        "portal_url": ENROLMENT["portal_url"],
        "device_id": "kiosk-7",
        "code": "c0de",
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "public_key": ENROLMENT["public_key"],
        "expires_at": "2030-01-01T00:00:00Z",
    }
    return EnrolmentOffer(**{**fields, **changes}).payload()


def test_an_enrolment_code_for_another_key_or_with_bad_text_is_refused():
    import base64

    ours = base64.b64decode(ENROLMENT["public_key"])
    url = ENROLMENT["portal_url"]
    assert read_offer(_offer(), url, ours).device_id == "kiosk-7"
    with pytest.raises(EnrolmentRefused) as other:
        read_offer(_offer(public_key=OTHER_KEY), url, ours)
    assert other.value.key == "enrol.other_key"
    with pytest.raises(EnrolmentRefused) as crlf:
        read_offer(_offer(device_id="kiosk-7\r\nX: y"))
    assert crlf.value.key == "enrol.bad_offer"
    for payload in ("[" * 4000, '{"kind": "khl-enrol/1", "code": ' + "9" * 4000 + "}"):
        with pytest.raises(EnrolmentRefused) as deep:
            read_offer(payload)
        assert deep.value.key == "enrol.not_an_offer"


# --- kiosk export --out -------------------------------------------------------------
@pytest.fixture(scope="module")
def answers(tmp_path_factory) -> Path:
    data = tmp_path_factory.mktemp("export") / "data"
    made = kiosk("demo-data", "--answers", "60", "--seed", "3", "--data-dir", str(data))
    assert made.returncode == 0, made.stderr
    return data


def _export(data: Path, out: Path) -> subprocess.CompletedProcess:
    return kiosk("export", "--format", "csv", "--data-dir", str(data), "--out", str(out))


def _refused(result: subprocess.CompletedProcess, out: Path) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    assert f"Không ghi được tệp xuất {out}" in result.stderr, result.stderr


def test_export_to_a_missing_folder_or_onto_a_folder_is_refused(answers, tmp_path):
    missing = tmp_path / "no-such-folder" / "answers.csv"
    _refused(_export(answers, missing), missing)
    _refused(_export(answers, tmp_path), tmp_path)
    assert list(tmp_path.iterdir()) == []  # not even a piece left beside


@pytest.fixture
def small_disk(tmp_path):
    """A 64 KiB tmpfs of its own (mounting needs root)."""
    if os.geteuid() != 0:
        pytest.skip("mounting a small file system needs root")
    mount = tmp_path / "disk"
    mount.mkdir()
    made = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
    )
    if made.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {made.stderr}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_export_to_a_read_only_file_system_is_refused(answers, small_disk):
    out = small_disk / "answers.csv"
    subprocess.run(["mount", "-o", "remount,ro", str(small_disk)], check=True)
    _refused(_export(answers, out), out)


def test_export_to_a_full_disk_leaves_no_file_that_looks_complete(answers, small_disk):
    out = small_disk / "answers.csv"
    out.write_text("the export of yesterday, complete\n", encoding="utf-8")
    filler = small_disk / "filler"
    fd = os.open(filler, os.O_WRONLY | os.O_CREAT)
    try:
        while os.write(fd, b"\0" * 1024):
            pass
    except OSError:  # full
        pass
    finally:
        os.close(fd)
    os.truncate(filler, filler.stat().st_size - 4 * 1024)  # the export starts, then runs out
    _refused(_export(answers, out), out)
    assert out.read_text(encoding="utf-8") == "the export of yesterday, complete\n"
    assert sorted(p.name for p in small_disk.iterdir()) == ["answers.csv", "filler"]


# --- scan-file and the camera folder --------------------------------------------------
def write_bomb(path: Path, side: int) -> Path:
    """A PNG of side × side black-and-white pixels, all white: a few dozen KB on disk."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return len(data).to_bytes(4, "big") + body + zlib.crc32(body).to_bytes(4, "big")

    header = side.to_bytes(4, "big") * 2 + bytes([1, 0, 0, 0, 0])  # 1 bit, grey
    row = b"\0" + b"\xff" * ((side + 7) // 8)
    packer = zlib.compressobj(9)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", data) + chunk(b"IEND", b"")
    )
    return path


def bad_images(folder: Path) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    bomb = write_bomb(folder / "a-bomb.png", 20_000)
    assert bomb.stat().st_size < 100_000
    large = write_bomb(folder / "b-large.png", 12_000)
    corrupt = folder / "c-corrupt.png"
    good = write_code_image("000.00.12.H17-251023-0001", folder / "good")
    corrupt.write_bytes(good.read_bytes()[:400])  # a real PNG, cut short
    return [bomb, large, corrupt]


def test_scan_file_reports_bombs_and_corrupt_images_and_goes_on(tmp_path):
    bomb, large, corrupt = bad_images(tmp_path / "images")
    good = tmp_path / "images" / "good" / "code.png"
    result = kiosk("scan-file", str(bomb), str(large), str(corrupt), str(good), timeout=60)
    assert "Traceback" not in result.stderr, result.stderr[-2000:]
    assert result.stdout.splitlines() == [
        "a-bomb.png\t- ảnh quá lớn (trên 4096×4096 điểm ảnh), không đọc",
        "b-large.png\t- ảnh quá lớn (trên 4096×4096 điểm ảnh), không đọc",
        "c-corrupt.png\t- không đọc được tệp ảnh",
        "code.png\t000.00.12.H17-251023-0001",
    ]
    assert result.returncode == 1  # not every image gave a code


def test_a_photo_larger_than_the_cap_is_read_reduced(tmp_path):
    """A phone's JPEG of a receipt, larger than the cap: decoded at a fraction of its size."""
    from kiosk.scan.frames import MAX_PIXELS, load_grey

    code = Image.open(write_code_image("000.00.12.H17-251023-0001", tmp_path)).convert("L")
    photo = Image.new("L", (6000, 4000), 255)
    photo.paste(code.resize((code.width * 6, code.height * 6)), (2000, 1000))
    path = tmp_path / "photo.jpg"
    photo.save(path, quality=90)
    grey = load_grey(path)
    assert grey.size <= MAX_PIXELS and grey.shape == (2000, 3000)


@pytest.mark.ui
def test_the_camera_folder_skips_bombs_and_corrupt_images_and_reads_the_receipt(
    start_kiosk, tmp_path
):
    from tests.conftest import write_config
    from tests.receipt_images import receipt

    camera = tmp_path / "camera"
    bad_images(camera)
    shown = receipt(11)
    for index, frame in enumerate(shown.frames(5)):
        Image.fromarray(frame).save(camera / f"d-frame-{index}.png")
    pilot = start_kiosk(write_config(tmp_path / "config.yaml", qr__camera=str(camera)))
    assert pilot.until(lambda: pilot.app.camera_feed is not None)
    pilot.tap(pilot.screen.ids.start)
    pilot.tap(pilot.screen.ids.scan)
    assert pilot.until(lambda: pilot.screen_name == "single_choice", seconds=30)
    assert pilot.app.core is not None  # the kiosk went on, frame after frame
