"""What an outside attacker found in the running web survey (issue 13), each over HTTP
against the real portal (a process on loopback, its SQLite file read back; PostgreSQL for
the race): a receipt rated once per way of writing its digits, someone else's dossier
locked out by a few tries, "other" text sent with any answer (a 500 when long), two
phones finishing one dossier at once, control and bidi characters on their way to the
exports. The parts without a server are in test_web_survey_parts.py.
"""

from __future__ import annotations

import base64
import json
import re
import threading
import uuid

import pytest
from nacl.public import PrivateKey, SealedBox

from tests.test_web_survey import (
    PHONE,
    Citizen,
    WebPortal,
    dossier,
    said,
    start_web_portal,
)

pytestmark = pytest.mark.slow

# The same digits in other scripts (their zeros): full-width, Arabic-Indic, Devanagari,
# mathematical bold.
DIGITS = tuple(
    "".join(chr(zero + n) for n in range(10)) for zero in (0xFF10, 0x660, 0x966, 0x1D7CE)
)
# What the survey never keeps of a text: C0 controls but the line break, DEL, C1, bidi.
UNSEEN = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


@pytest.fixture(scope="module")
def web(tmp_path_factory):
    server = start_web_portal(tmp_path_factory.mktemp("probe"))
    yield server
    server.portal.stop()


def written_with(code: str, digits: str, tail: int = 0) -> str:
    """The code with its digits in others: all of them, or the last `tail` characters'."""
    keep = len(code) - tail if tail else 0
    return code[:keep] + code[keep:].translate(str.maketrans("0123456789", digits))


def test_a_receipt_is_one_dossier_whatever_digits_write_it(web):
    code = dossier()
    Citizen(web.url).quick(code)
    date_and_serial = len("251126-0001")  # what the pattern's \d took in any script
    spellings = [written_with(code, d, date_and_serial) for d in DIGITS]
    spellings += [written_with(code, d) for d in DIGITS] + [code.lower(), f" {code} "]
    for spelling in spellings:
        again = Citizen(web.url).open().identify(spelling)
        assert again.status == 409, spelling
        assert said("rated.title") in again.page
    other = dossier()
    first = Citizen(web.url).quick(written_with(other, DIGITS[0]))  # rated in full-width
    assert said("offer.question") in first.page
    [row] = web.rows(other)
    assert row["payload"]["dossier_code"] == other  # kept as the receipt prints it
    for spelling in (other, written_with(other, DIGITS[3])):
        assert Citizen(web.url).open().identify(spelling).status == 409, spelling
    assert len(web.rows(other)) == 1


def test_no_one_can_lock_another_persons_dossier_out(web):
    code = dossier()
    attacker = Citizen(web.url)
    statuses = [attacker.open().identify(code).status for _ in range(7)]
    assert statuses == [200] * 5 + [429] * 2  # its own tries of the code: limited
    for _ in range(3):  # more phones, each trying the code until refused
        other = Citizen(web.url)
        assert [other.open().identify(code).status for _ in range(6)][-1] == 429
    busy = Citizen(web.url)  # a phone over its own limit: refused before the code counts
    assert all(busy.open().identify(dossier()).status == 200 for _ in range(20))
    assert [busy.open().identify(code).status for _ in range(6)] == [429] * 6
    owner = Citizen(web.url).quick(code)  # the receipt's owner, from their own phone
    assert owner.status == 200 and said("offer.question") in owner.page
    [row] = web.rows(code)
    assert row["payload"]["verdict"] == "satisfied"


def test_other_text_is_kept_only_where_a_choice_asks_for_it(web):
    code = dossier()
    citizen = Citizen(web.url).open().identify(code)
    citizen.answer("not_satisfied", other="A" * 6000)  # no choice of the verdict asks a text
    assert citizen.status == 200, citizen.page
    citizen.answer("progress", "other", other="B" * 1001, go="next")  # "Lý do khác": capped
    assert citizen.status == 422 and said("answer.too_long") in citizen.page
    citizen.answer("progress", other="HIDDEN", go="next")  # "Lý do khác" not ticked
    assert citizen.status == 200 and said("offer.question") in citizen.page
    [row] = web.rows(code)
    payload = row["payload"]
    assert payload["answers"] == {
        "verdict": {"value": "not_satisfied", "other_text": ""},
        "reasons": {"value": ["progress"], "other_text": ""},
    }
    assert payload["comment"] == ""
    pleased = dossier()
    citizen = Citizen(web.url).open().identify(pleased)
    citizen.answer("satisfied", other="C" * 6000).answer("Rất tốt", other="HIDDEN", go="next")
    assert citizen.status == 200 and said("offer.question") in citizen.page
    [row] = web.rows(pleased)
    assert row["payload"]["comment"] == "Rất tốt"
    assert row["payload"]["answers"]["comment"] == {"value": "Rất tốt", "other_text": ""}
    citizen.send(("go", "yes")).answer("1", other="D" * 6000)  # the long form's first step
    assert citizen.status == 200 and 'name="state"' in citizen.page


def race_to_finish(web: WebPortal, code: str, phones: int = 8) -> list[int]:
    """`phones` citizens begin the dossier, each on its own phone, and send its last page
    at the same moment; the status each got."""
    citizens = [Citizen(web.url) for _ in range(phones)]
    for citizen in citizens:
        citizen.open().identify(code).answer("satisfied")
        assert citizen.status == 200, citizen.page  # the comment's page: one more to send
    barrier = threading.Barrier(phones)

    def finish(citizen: Citizen) -> None:
        barrier.wait()
        citizen.answer("", go="next")

    threads = [threading.Thread(target=finish, args=(c,)) for c in citizens]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return sorted(citizen.status for citizen in citizens)


def test_phones_finishing_one_dossier_at_once_store_one_verdict(web):
    for _ in range(3):
        code = dossier()
        assert race_to_finish(web, code) == [200] + [409] * 7
        assert [row["payload"]["verdict"] for row in web.rows(code)] == ["satisfied"]


def test_phones_finishing_one_dossier_at_once_store_one_verdict_on_postgresql(postgres, tmp_path):
    city = start_web_portal(tmp_path, db=postgres.new_database(f"race_{uuid.uuid4().hex[:12]}"))
    try:
        for _ in range(3):
            code = dossier()
            assert race_to_finish(city, code) == [200] + [409] * 7
            assert len(city.rows(code)) == 1
    finally:
        city.portal.stop()


def test_control_and_bidi_characters_never_reach_the_store(web):
    code = dossier()
    citizen = Citizen(web.url).open()
    citizen.identify(f"\u202e{code}\x1b", phone="\u2066093 827 1605\x7f")
    assert citizen.status == 200, citizen.page
    citizen.answer("not_satisfied")
    other = "Chờ\x1b[2J lâu\r\n\u202equá\x9b\x85\x7f\tnhiều\u2069"
    citizen.answer("progress", "other", other=other, go="next")
    assert citizen.status == 200 and said("offer.question") in citizen.page
    [row] = web.rows(code)
    payload = row["payload"]
    assert payload["dossier_code"] == code
    assert payload["answers"]["reasons"]["other_text"] == "Chờ[2J lâu\nquá nhiều"
    assert payload["comment"] == "Chờ[2J lâu\nquá nhiều"  # the line break kept
    assert not UNSEEN.search(json.dumps(payload, ensure_ascii=False))
    sealed = base64.b64decode(payload["personal_sealed"])
    private = PrivateKey(base64.b64decode((web.folder / "private.key").read_text()))
    assert json.loads(SealedBox(private).decrypt(sealed)) == {"phone": PHONE}
    written = dossier()
    citizen = Citizen(web.url).open().identify(written).answer("satisfied")
    citizen.answer("Tốt\x1b]8;;x\x07 lắm\r\n\u202dthật", go="next")
    assert citizen.status == 200
    [row] = web.rows(written)
    assert row["payload"]["comment"] == "Tốt]8;;x lắm\nthật"
