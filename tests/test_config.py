"""config.yaml: the shipped file is valid; a broken one is refused with file, line and key."""

import subprocess
import sys

from kiosk.config import check_config_file, load_config
from kiosk.locale import Translator
from tests.conftest import ROOT, write_config


def test_shipped_config_is_valid_and_not_enrolled():
    config = load_config()
    assert config.unit_code and config.unit_name["vi"]
    assert config.idle_timeout_s == 60
    assert config.keep_incomplete
    assert config.portal_public_key is None
    assert check_config_file(None) == []


def _run_check(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kiosk", "check-config", *args],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )


def test_check_config_cli_says_valid_with_status_zero():
    result = _run_check(str(ROOT / "config.yaml"))
    assert result.returncode == 0
    assert "Cấu hình hợp lệ" in result.stdout
    assert "mã PIN cán bộ vẫn là mã mẫu 2468" in result.stdout  # the shipped demo PIN
    assert "cán bộ CB01 vẫn dùng mã PIN mẫu 1357" in result.stdout


def test_broken_config_names_file_line_and_key_in_vietnamese(tmp_path):
    path = tmp_path / "config.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("idle_timeout_s: 60", "idle_timeout_s: sáu mươi")
    path.write_text(text, encoding="utf-8")
    line = next(n for n, row in enumerate(text.splitlines(), 1) if "idle_timeout_s" in row)
    result = _run_check(str(path))
    assert result.returncode == 1
    assert f"{path}, dòng {line}: “flow.idle_timeout_s” phải là số" in result.stdout


def test_broken_config_in_english(tmp_path):
    path = write_config(tmp_path / "config.yaml", counter="Q9")
    result = _run_check(str(path), "--lang", "en")
    assert result.returncode == 1
    assert "“counter”: not one of the counters (Q1, Q2)" in result.stdout


def test_yaml_syntax_error_is_reported_not_raised(tmp_path):
    path = tmp_path / "config.yaml"
    path.write_text("unit:\n  code: [unclosed\n", encoding="utf-8")
    [problem] = check_config_file(path)
    assert problem.code == "yaml_syntax"
    assert "dòng" in problem.describe(Translator("vi"))


def test_every_problem_is_collected_at_once(tmp_path):
    path = write_config(
        tmp_path / "config.yaml",
        language="fr",
        identification__fields=["phone", "citizen_id", "dossier_code", "passport"],
        portal__public_key="not-base64",
        staff__pin_hash="1234",
    )
    codes = sorted(p.key for p in check_config_file(path))
    assert codes == ["identification.fields", "language", "portal.public_key", "staff.pin_hash"]


def test_unknown_form_is_named(tmp_path):
    path = write_config(tmp_path / "config.yaml", form="no-such-form")
    [problem] = check_config_file(path)
    assert problem.code == "form_missing"
    assert problem.key == "form"


def test_form_problems_are_reported_by_check_config(tmp_path):
    form = tmp_path / "local-form.yaml"
    form.write_text("id: x\nversion: one\n", encoding="utf-8")
    path = write_config(tmp_path / "config.yaml", form="local-form.yaml")
    problems = check_config_file(path)
    assert {p.file for p in problems} == {str(form)}
    assert any(p.key == "version" and p.line == 2 for p in problems)


def test_no_demo_pin_warning_once_a_unit_sets_its_own(tmp_path):
    from kiosk.domain.pin import hash_pin

    path = write_config(tmp_path / "config.yaml", staff__pin_hash=hash_pin("975310"))
    result = _run_check(str(path))
    assert result.returncode == 0
    assert "mã mẫu" not in result.stdout


def test_qr_settings_are_checked_with_their_line(tmp_path):
    path = tmp_path / "config.yaml"
    text = (ROOT / "config.yaml").read_text(encoding="utf-8")
    text = text.replace("quay={counter}", "quay={quay}")
    text = text.replace("receipt_params: [", "receipt_params: [42, ")
    path.write_text(text, encoding="utf-8")
    lines = {
        key: n
        for n, row in enumerate(text.splitlines(), 1)
        for key in ("survey_url:", "receipt_params:")
        if row.strip().startswith(key)
    }
    result = _run_check(str(path))
    assert result.returncode != 0
    assert f"dòng {lines['survey_url:']}: “qr.survey_url”: phải là địa chỉ" in result.stdout
    assert "{unit, counter}" in result.stdout
    assert f"dòng {lines['receipt_params:']}: “qr.receipt_params”" in result.stdout


def test_qr_settings_reach_the_receipt_rules(tmp_path):
    config = load_config(
        write_config(
            tmp_path / "config.yaml",
            qr__receipt_hosts=["hs.vn"],
            identification__dossier_code_pattern=r"HS\d+",
        )
    )
    assert config.receipt_rules.hosts == ("hs.vn",)
    assert config.receipt_rules.pattern == r"HS\d+"
    assert config.survey_url.startswith("https://")
