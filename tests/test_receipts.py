"""The one parser for scanned payloads: receipts of this office accepted, all else refused."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from contract.wire import canonical_dossier
from kiosk.domain import receipts
from kiosk.domain.receipts import ReceiptRules, first_receipt, read_receipt

RULES = ReceiptRules()
CODE = "000.00.12.H17-251023-0001"
REASONS = {
    receipts.TOO_LONG,
    receipts.BINARY,
    receipts.UNKNOWN_HOST,
    receipts.NO_CODE,
    receipts.NOT_OURS,
}

codes = st.builds(
    lambda agency, day, serial: f"{agency}-{day}-{serial}",
    st.from_regex(r"[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){0,3}", fullmatch=True),
    st.from_regex(r"\d{6}", fullmatch=True),
    st.from_regex(r"\d{4}", fullmatch=True),
)


def test_every_accepted_form_gives_the_code():
    for payload in (
        CODE,
        f"  {CODE.lower()}\n",
        f"Mã hồ sơ: {CODE}",
        f"MA HO SO:{CODE}",
        f"https://dichvucong.gov.vn/p/home/dvc-tra-cuu-ho-so.html?mahoso={CODE}",
        f"https://dichvucong.danang.gov.vn/web/guest/tra-cuu-ho-so?x=1&MA_HO_SO={CODE}",
        f"http://dvc.dichvucong.danang.gov.vn/tra-cuu/{CODE}/",
        CODE.encode(),
    ):
        assert read_receipt(payload, RULES).code == CODE, payload


def test_refusals_say_why():
    assert read_receipt("x" * 600, RULES).problem == receipts.TOO_LONG
    assert read_receipt(b"\xff\xfe\x00\x01", RULES).problem == receipts.BINARY
    assert read_receipt(f"https://evil.example/?mahoso={CODE}", RULES).problem == (
        receipts.UNKNOWN_HOST
    )
    assert read_receipt(
        f"https://dichvucong.gov.vn.evil.example/?mahoso={CODE}", RULES
    ).problem == (receipts.UNKNOWN_HOST)
    assert read_receipt(f"ftp://dichvucong.gov.vn/?mahoso={CODE}", RULES).problem == (
        receipts.UNKNOWN_HOST
    )
    assert read_receipt("https://dichvucong.gov.vn/p/home.html", RULES).problem == receipts.NO_CODE
    assert read_receipt("WIFI:S:quay1;T:WPA;P:secret;;", RULES).problem == receipts.NOT_OURS
    assert read_receipt("https://dichvucong.gov.vn/?mahoso=ABC", RULES).problem == receipts.NOT_OURS


def test_the_deployment_decides_hosts_parameters_and_pattern():
    rules = ReceiptRules(pattern=r"HS\d{8}", hosts=("hoso.quangnam.gov.vn",), params=("id",))
    assert read_receipt("https://hoso.quangnam.gov.vn/a?id=hs20251023", rules).code == "HS20251023"
    assert read_receipt(f"https://dichvucong.gov.vn/?mahoso={CODE}", rules).problem == (
        receipts.UNKNOWN_HOST
    )
    assert read_receipt(CODE, rules).problem == receipts.NOT_OURS


def test_the_first_receipt_among_several_codes_in_a_frame():
    assert first_receipt([b"https://example.com", CODE.encode()], RULES).code == CODE
    assert first_receipt([b"https://example.com"], RULES).problem == receipts.UNKNOWN_HOST
    assert first_receipt([], RULES).problem == receipts.NONE_SEEN


@given(st.one_of(st.binary(max_size=700), st.text(max_size=700)))
def test_any_payload_is_accepted_or_refused_with_a_reason(payload):
    scan = read_receipt(payload, RULES)
    if scan.ok:
        assert not scan.problem
        assert re.fullmatch(RULES.pattern, scan.code)
    else:
        assert scan.problem in REASONS and scan.code == ""


@given(codes, st.sampled_from(RULES.params), st.sampled_from(RULES.hosts))
def test_a_generated_code_comes_back_from_every_form(code, param, host):
    # in ASCII digits, however the receipt wrote them (one spelling per dossier)
    canonical = canonical_dossier(code)
    assert canonical is not None and canonical.isascii()
    assert read_receipt(code, RULES).code == canonical
    assert read_receipt(f"https://{host}/tra-cuu?{param}={code}", RULES).code == canonical
    assert read_receipt(f"Mã hồ sơ: {code}", RULES).code == canonical
