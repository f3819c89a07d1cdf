"""The contract package agrees with both sides: the answer the kiosk sends is the answer the
portal's schema takes, the flags are the same, a refusal's shape is what the portal sends,
and an enrolment written is the enrolment read."""

from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone
from typing import get_args

import pytest

from contract.api import error_body, read_error
from contract.enrolment import (
    Enrolment,
    EnrolmentInvalid,
    EnrolmentOffer,
    find_enrolment,
    parse_enrolment,
    parse_offer,
    write_enrolment,
)
from contract.wire import (
    ANSWER_KEYS,
    CHANNELS,
    DUPLICATE_DOSSIER,
    KIOSK_FLAGS,
    WireAnswer,
    canonical_dossier,
)
from kiosk.domain import integrity
from portal.schemas import AnswerIn, Channel, Flag

KEY = "A" * 43 + "="  # base64 of 32 bytes


def answer(**changes: object) -> WireAnswer:
    fields = {
        "uuid": str(uuid.uuid4()),
        "sequence": 7,
        "form_id": "quick",
        "form_version": 1,
        "unit_code": "DNG-HC",
        "counter": "Q1",
        "device_id": "kiosk-1",
        "officer": None,
        "started_at": datetime(2026, 3, 4, 5, 6, 7, 8000),
        "finished_at": datetime(2026, 3, 4, 5, 7, 0),
        "duration_ms": 53_000,
        "id_method": "none",
        "status": "complete",
        "verdict": "satisfied",
        "reasons": ["fast"],
        "comment": "",
        "answers": {"verdict": "satisfied"},
        "language": "vi",
        "dossier_code": None,
        "phone_hash": None,
        "citizen_id_hash": None,
        "app_version": "0.2.0",
        "flags": ["too_soon"],
        "personal_sealed": b"\x01\x02",
    }
    return WireAnswer(**{**fields, **changes})


def test_the_answer_on_the_wire_has_exactly_the_keys_the_portal_takes():
    assert set(ANSWER_KEYS) == set(AnswerIn.model_fields)
    sent = answer().to_json()
    assert tuple(sent) == ANSWER_KEYS
    AnswerIn.model_validate(sent)  # and the portal takes it as it is


def test_times_and_the_sealed_box_are_written_as_the_contract_says():
    sent = answer().to_json()
    assert sent["started_at"] == "2026-03-04T05:06:07.008Z"
    assert sent["finished_at"] == "2026-03-04T05:07:00.000Z"
    assert sent["personal_sealed"] == "AQI="
    assert answer(personal_sealed=None).to_json()["personal_sealed"] is None


def test_the_flags_are_one_list_for_the_kiosk_the_wire_and_the_portal():
    assert get_args(Flag) == KIOSK_FLAGS
    assert (*KIOSK_FLAGS, DUPLICATE_DOSSIER) == integrity.FLAGS
    assert DUPLICATE_DOSSIER not in KIOSK_FLAGS  # the portal's to decide, it never travels


def test_the_channels_are_one_list_and_an_older_tablets_answer_is_a_kiosks():
    assert get_args(Channel) == CHANNELS
    sent = answer().to_json()
    assert (sent["channel"], sent["drawn"], sent["follows"]) == ("kiosk", None, None)
    for key in ("channel", "drawn", "follows"):  # a tablet of the first slice sends none
        del sent[key]
    taken = AnswerIn.model_validate(sent)
    assert (taken.channel, taken.drawn, taken.follows) == ("kiosk", None, None)
    with pytest.raises(ValueError):
        AnswerIn.model_validate({**answer().to_json(), "channel": "fax"})
    with pytest.raises(ValueError):
        AnswerIn.model_validate({**answer().to_json(), "follows": "not-a-uuid"})


def test_a_refusal_is_believed_only_in_the_portals_own_shape():
    body = error_body("too_large", "at most 4 bytes", datetime.now(timezone.utc))
    assert read_error(json.loads(json.dumps(body))) == ("too_large", "at most 4 bytes")
    stamp = body["error"]["server_time"]
    for other in (
        {"detail": "Not Found"},
        {"error": "too_large"},
        {"error": {"code": "too_large", "message": "m"}},  # no server_time
        {"error": {"code": "too_large", "message": "m", "server_time": "yesterday"}},
        {"error": {"code": "", "message": "m", "server_time": stamp}},
        {"error": {"code": 413, "message": "m", "server_time": stamp}},
        {"error": {"code": "x", "message": None, "server_time": stamp}},
        {"error": {"code": "x", "message": "m", "server_time": 1}},
        ["error"],
        "error",
        None,
    ):
        assert read_error(other) == ("", ""), other


def test_an_enrolment_written_is_the_enrolment_read(tmp_path):
    enrolment = Enrolment("https://portal.example", "kiosk-1", "s3cret", "DNG-HC", "Q1", KEY)
    path = write_enrolment(enrolment, tmp_path / "data")
    assert path.stat().st_mode & 0o777 == 0o640
    assert find_enrolment(tmp_path / "data") == enrolment
    assert parse_enrolment(enrolment.to_json()) == enrolment
    assert find_enrolment(tmp_path / "nowhere") is None


def test_an_enrolment_file_is_refused_with_every_problem_named():
    text = json.dumps({"portal_url": "ftp://x", "device_id": 5, "extra": 1, "counter": " "})
    with pytest.raises(EnrolmentInvalid) as refused:
        parse_enrolment(text)
    problems = [(p.key, p.code) for p in refused.value.problems]
    assert problems == [
        ("extra", "unknown_key"),
        ("device_id", "wrong_type"),
        ("secret", "missing"),
        ("unit_code", "missing"),
        ("device_id", "empty"),
        ("counter", "empty"),
        ("portal_url", "bad_url"),
    ]
    with pytest.raises(EnrolmentInvalid) as twice:
        parse_enrolment('{"secret": "a", "secret": "b"}')
    assert [(p.key, p.code) for p in twice.value.problems] == [("secret", "duplicate_key")]


def test_an_offer_read_back_from_its_payload_is_the_same_offer():
    offer = EnrolmentOffer("https://p.example", "kiosk-1", "c0de", "U", "Q1", KEY, "2026-01-01")
    assert parse_offer(offer.payload()) == offer
    assert parse_offer(offer.payload().encode()) == offer
    with pytest.raises(EnrolmentInvalid) as refused:
        parse_offer(offer.payload().replace("kiosk-1", "kiosk-1\\r\\n"))
    assert [(p.key, p.code) for p in refused.value.problems] == [("device_id", "bad_offer")]
    with pytest.raises(EnrolmentInvalid) as other:
        parse_offer('{"kind": "something else"}')
    assert other.value.problems[0].code == "not_an_offer"


def in_digits(zero: int, text: str) -> str:
    """`text` with its digits written in the script whose zero is the code point `zero`."""
    return "".join(chr(zero + int(char)) if char.isdigit() else char for char in text)


def test_a_dossier_code_has_one_canonical_spelling():
    code = "000.00.12.H17-251023-0001"
    for spelling in (
        code,
        " 000.00.12.h17-251023-0001 ",
        "000.00.12.H17-" + in_digits(0xFF10, "251023-0001"),  # full-width
        "000.00.12.H17-" + in_digits(0x0660, "251023") + "-0001",  # Arabic-Indic
        "000.00.12.H17-251023-000\U0001d7cf",  # mathematical bold 1
    ):
        assert canonical_dossier(spelling) == code, spelling
    assert canonical_dossier("000.00.12.H17-251023-0002") != code
    assert canonical_dossier("") is None and canonical_dossier(None) is None
