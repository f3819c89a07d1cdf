"""The checks of what citizens type: phone, citizen ID, dossier code."""

from hypothesis import given
from hypothesis import strategies as st

from kiosk.domain.identification import IdentificationPolicy
from kiosk.domain.validators import (
    DEFAULT_DOSSIER_PATTERN,
    Status,
    check_citizen_id,
    check_dossier_code,
    check_phone,
    mask,
    normalize_phone,
)

YEAR = 2026


def test_mobile_numbers_of_every_network_are_valid():
    for prefix in ("03", "05", "07", "08", "09"):
        assert check_phone(prefix + "12345678", final=True).ok


def test_phone_written_with_country_code_becomes_national():
    assert check_phone("+84912345678").normalized == "0912345678"
    assert check_phone("84912345678").normalized == "0912345678"
    assert normalize_phone("091 234 5678") == "0912345678"


def test_landline_prefix_is_refused_as_soon_as_typed():
    result = check_phone("02")
    assert result.status is Status.INVALID
    assert result.problem == "phone.not_mobile"


def test_short_phone_is_incomplete_while_typing_and_invalid_on_submit():
    assert check_phone("0912").status is Status.INCOMPLETE
    result = check_phone("0912", final=True)
    assert result.status is Status.INVALID
    assert result.params == {"missing": 6}


def test_phone_too_long():
    assert check_phone("09123456789").problem == "phone.too_long"


def test_citizen_id_with_known_province_is_valid():
    assert check_citizen_id("079199123456", YEAR, final=True).ok  # Hồ Chí Minh, male, 1999
    assert check_citizen_id("048305001234", YEAR, final=True).ok  # Đà Nẵng, female, 2005


def test_citizen_id_unknown_province_is_named_after_three_digits():
    result = check_citizen_id("003", YEAR)
    assert result.status is Status.INVALID
    assert result.problem == "citizen_id.bad_province"
    assert result.params == {"code": "003"}


def test_citizen_id_birth_year_in_future_is_refused():
    # century digit 2 (2000s, male) and year 99 -> 2099
    result = check_citizen_id("079299", YEAR)
    assert result.problem == "citizen_id.bad_birth_year"


def test_citizen_id_length_messages():
    assert check_citizen_id("07919912345", YEAR, final=True).params == {"missing": 1}
    assert check_citizen_id("0791991234567", YEAR).problem == "citizen_id.too_long"


def test_dossier_code_national_style():
    assert check_dossier_code("000.00.12.H17-251023-0001", DEFAULT_DOSSIER_PATTERN).ok
    assert check_dossier_code("000.00.12.h17-251023-0001", DEFAULT_DOSSIER_PATTERN).ok
    bad = check_dossier_code("ABC", DEFAULT_DOSSIER_PATTERN, final=True)
    assert bad.problem == "dossier_code.bad_format"


PREFIX = "000.00.12.H17-"


def test_after_the_units_prefix_date_and_serial_may_be_typed_without_the_dash():
    for typed in ("2511260001", "251126-0001", "251126.0001"):
        check = check_dossier_code(PREFIX + typed, DEFAULT_DOSSIER_PATTERN, True, PREFIX)
        assert check.normalized == "000.00.12.H17-251126-0001", typed
    assert not check_dossier_code(PREFIX + "25112600", DEFAULT_DOSSIER_PATTERN, True, PREFIX).ok
    assert not check_dossier_code(PREFIX + "251126000A", DEFAULT_DOSSIER_PATTERN, True, PREFIX).ok
    # another agency's code, typed whole over the prefix, is taken as typed
    other = check_dossier_code("H17.21-251125-0007", DEFAULT_DOSSIER_PATTERN, True, PREFIX)
    assert other.normalized == "H17.21-251125-0007"


def test_the_prefix_alone_is_nothing_typed():
    policy = IdentificationPolicy(dossier_prefix=PREFIX)
    assert policy.initial("dossier_code") == PREFIX
    only_prefix = {"phone": "0912345678", "dossier_code": PREFIX}
    assert policy.check_all(only_prefix, YEAR)[""].problem == "identification.one_of_missing"
    with_id = {"phone": "0912345678", "citizen_id": "079199123456", "dossier_code": PREFIX}
    assert policy.check_all(with_id, YEAR) == {}
    assert "dossier_code" not in policy.normalized(with_id, YEAR)
    typed = {"phone": "0912345678", "dossier_code": PREFIX + "2511260001"}
    assert policy.normalized(typed, YEAR)["dossier_code"] == "000.00.12.H17-251126-0001"


def test_a_dossier_code_in_other_digits_is_kept_in_ascii_digits():
    """A keyboard or scanner may type full-width or other scripts' digits: the tablet keeps
    the code as the portal does (one spelling per receipt), and a unit's `\\d` means 0-9."""
    full_width = "".join(chr(0xFF10 + int(c)) if c.isdigit() else c for c in "251023-0001")
    check = check_dossier_code("000.00.12.H17-" + full_width, DEFAULT_DOSSIER_PATTERN, True)
    assert check.normalized == "000.00.12.H17-251023-0001"
    arabic = "".join(chr(0x0660 + int(c)) for c in "2511260001")
    typed = check_dossier_code(PREFIX + arabic, DEFAULT_DOSSIER_PATTERN, True, PREFIX)
    assert typed.normalized == "000.00.12.H17-251126-0001"
    assert check_dossier_code("HS-" + full_width[:4] + "-77", r"HS-\d{4}-\d+", True).ok


def test_dossier_pattern_is_configurable():
    assert check_dossier_code("HS-2025-77", r"HS-\d{4}-\d+", final=True).ok
    assert not check_dossier_code("000.00.12.H17-251023-0001", r"HS-\d{4}-\d+", final=True).ok


def test_mask_keeps_only_the_ends():
    assert mask("079199123456", keep_end=3) == "•••••••••456"
    assert mask("0912345678", keep_start=2, keep_end=3) == "09•••••678"


def test_policy_needs_phone_and_one_of_id_or_code():
    policy = IdentificationPolicy()
    problems = policy.check_all({"phone": "0912345678"}, YEAR)
    assert problems[""].problem == "identification.one_of_missing"
    assert policy.check_all({"phone": "0912345678", "dossier_code": "A1-251023-0001"}, YEAR) == {}
    assert "phone" in policy.check_all({"citizen_id": "079199123456"}, YEAR)


@given(st.text())
def test_no_text_crashes_the_checks(text):
    for result in (
        check_phone(text),
        check_phone(text, final=True),
        check_citizen_id(text, YEAR),
        check_citizen_id(text, YEAR, final=True),
        check_dossier_code(text, DEFAULT_DOSSIER_PATTERN, final=True),
    ):
        assert result.status in Status
        assert result.ok == (result.status is Status.VALID)
        if result.ok:
            assert result.normalized


@given(st.text(alphabet="0123456789", min_size=12, max_size=12))
def test_valid_ids_are_exactly_known_province_and_past_birth_year(digits):
    from kiosk.domain.provinces import PROVINCE_CODES

    born = 1900 + int(digits[3]) // 2 * 100 + int(digits[4:6])
    expected = digits[:3] in PROVINCE_CODES and born <= YEAR
    assert check_citizen_id(digits, YEAR, final=True).ok == expected


@given(st.dictionaries(st.sampled_from(["phone", "citizen_id", "dossier_code"]), st.text()))
def test_policy_never_crashes(values):
    policy = IdentificationPolicy()
    problems = policy.check_all(values, YEAR)
    if not problems:
        assert policy.normalized(values, YEAR)["phone"].startswith("0")
