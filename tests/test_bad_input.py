"""Bad input gets a clear message, never a traceback (issue 11): config.yaml, enrolment
files and codes, export targets, image files.

Every command runs as the real process, under a memory limit where today's code would
take gigabytes, so that a refusal is proven by its words and exit status, not by timing.
"""

from __future__ import annotations

import resource
import subprocess
import sys

import pytest

from tests.conftest import ROOT

BASE = (ROOT / "config.yaml").read_text(encoding="utf-8")
MEMORY_LIMIT = 1 << 30  # a command that needs more than 1 GiB here has already lost


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))


def kiosk(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", *args], capture_output=True, text=True, cwd=ROOT,
        timeout=timeout, preexec_fn=_limited,
    )  # fmt: skip


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
        "huge_integer": (bigint, line_of(bigint, "idle_timeout_s"), "flow.idle_timeout_s",
                         "số quá dài"),
        "list_as_key": (listkey, line_of(listkey, "? [a, b]"), "unit", "khóa phải là"),
        "duplicate_key": (dupkey, line_of(dupkey, "counter: Q2"), "counter", "hai lần"),
        "negative_lockout": (negative, line_of(negative, "lockout_s"), "staff.lockout_s",
                             "phải nằm trong khoảng"),
        "catastrophic_regex": (regex, line_of(regex, "dossier_code_pattern"),
                               "identification.dossier_code_pattern", "lặp lồng nhau"),
        "not_utf8": (latin1, line_of(BASE, "language: vi"), "language", "UTF-8"),
        "five_megabytes": (huge, 0, "", "quá lớn"),
    }  # fmt: skip


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
