"""A stolen tablet does not give up phone and ID numbers.

The thief copies the whole data directory (the live WAL with it) and knows the code: the
only way to learn whose numbers the answers hold is to hash every candidate number with
whatever key-like bytes the copy holds and look for the result. For any answer older than
the unit's current local day, nothing in the copy may make that work; for today's, what
it costs is measured (hashes per second with the kiosk's parameters x the number space).
"""

from __future__ import annotations

import base64
import binascii
import contextlib
import hashlib
import hmac
import os
import re
import shutil
import sqlite3
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nacl.public import PrivateKey

from kiosk.core import KioskCore
from kiosk.domain import integrity as rules
from kiosk.domain.flow import FinishedAnswer
from kiosk.store import personal
from tests.conftest import write_config

VN = timezone(timedelta(hours=7))
YESTERDAY = datetime(2025, 11, 25, 9, 0, tzinfo=VN)  # a Tuesday, office hours in Đà Nẵng
TODAY = YESTERDAY + timedelta(days=1)
# Canaries: typed only yesterday, and only today.
OLD_PHONE, OLD_ID = "0938271605", "048199001234"
NEW_PHONE, NEW_ID = "0971122334", "079188004321"
HEX = re.compile(rb"[0-9a-f]{32}")


def answer_at(core: KioskCore, moment: datetime, phone: str, citizen_id: str) -> FinishedAnswer:
    """A citizen's answer through the real flow, on the injected clock."""
    survey = core.new_survey()
    survey.now = lambda: moment.astimezone(timezone.utc)
    survey.started_at = survey.now() - timedelta(seconds=40)
    values = {"phone": phone, "citizen_id": citizen_id, "dossier_code": ""}
    assert survey.submit_identification(values) == {}
    survey.advance()
    survey.answer("verdict", "satisfied")
    return survey.finish()


def enrolled_core(tmp_path: Path) -> KioskCore:
    public = base64.b64encode(bytes(PrivateKey.generate().public_key)).decode()
    config = write_config(tmp_path / "config.yaml", portal__public_key=public)
    return KioskCore.open(config, tmp_path / "data")


def files_of(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file())


def key_candidates(folder: Path) -> set[bytes]:
    """Every small file's bytes, as they are and decoded from hex or base64, and every
    value the store keeps in its state table: wherever a key could be kept."""
    found: set[bytes] = set()
    for path in files_of(folder):
        if path.stat().st_size <= 1024:
            raw = path.read_bytes()
            found |= {raw, raw.strip()}
            for decode in (binascii.unhexlify, base64.b64decode):
                with contextlib.suppress(binascii.Error, ValueError):
                    found.add(decode(raw.strip()))
    with sqlite3.connect(folder / "kiosk.db") as db:  # the copy: WAL and all
        found |= {str(v).encode() for (v,) in db.execute("SELECT value FROM kiosk_state")}
    return {key for key in found if key}


def hashes_in(folder: Path) -> set[bytes]:
    """Every 32-hex-digit run in every file of the copy (the WAL, backups and exports too)."""
    return {m.group() for path in files_of(folder) for m in HEX.finditer(path.read_bytes())}


def recomputed(key: bytes, field: str, value: str) -> set[bytes]:
    """What an attacker who read the code computes: the kiosk's own hash of the number
    with that key, and the keyed HMAC of earlier releases."""
    message = f"{field}:{value}".encode()
    legacy = hmac.new(key, message, hashlib.sha256).hexdigest()[:32]
    return {legacy.encode(), personal.day_hash(key, field, value).encode()}


def found_by_trying(copy: Path, field: str, value: str) -> bool:
    stored = hashes_in(copy)
    return any(recomputed(key, field, value) & stored for key in key_candidates(copy))


def test_a_copied_data_directory_does_not_recompute_yesterdays_hashes(tmp_path):
    core = enrolled_core(tmp_path)
    for minutes in range(0, 40, 10):  # the same ID four times: the integrity rule still sees it
        core.save(answer_at(core, YESTERDAY + timedelta(minutes=minutes), OLD_PHONE, OLD_ID))
    core.save(answer_at(core, TODAY, NEW_PHONE, NEW_ID))
    copy = tmp_path / "stolen"
    shutil.copytree(core.data_dir, copy)  # while the store is open: the live WAL comes too
    assert (copy / "kiosk.db-wal").stat().st_size > 0

    assert found_by_trying(copy, "citizen_id", NEW_ID)  # the search works: today's is there
    assert not found_by_trying(copy, "citizen_id", OLD_ID)
    assert not found_by_trying(copy, "phone", OLD_PHONE)
    from kiosk.store.answers import iter_answers

    flags = [rules.REPEAT_ID in row.flags for row in iter_answers(core.engine)]
    assert flags == [False, False, False, True, False]


def test_the_day_key_is_overwritten_before_it_is_deleted(tmp_path):
    core = enrolled_core(tmp_path)
    core.save(answer_at(core, YESTERDAY, OLD_PHONE, OLD_ID))
    [key_file] = files_of(core.data_dir / "keys")
    witness = tmp_path / "witness"  # a second name for the same blocks, as a disk keeps them
    os.link(key_file, witness)
    assert witness.read_bytes().strip(b"\0")
    core.save(answer_at(core, TODAY, NEW_PHONE, NEW_ID))
    assert not key_file.exists()
    assert witness.read_bytes().strip(b"\0") == b""


def test_a_kiosk_left_idle_overnight_erases_yesterdays_key(tmp_path):
    core = enrolled_core(tmp_path)
    core.save(answer_at(core, YESTERDAY, OLD_PHONE, OLD_ID))
    core.forget_past_days(TODAY)  # what the kiosk does every half minute, nobody answering
    assert files_of(core.data_dir / "keys") == []
    core.save(answer_at(core, YESTERDAY + timedelta(hours=1), OLD_PHONE, OLD_ID))
    core.engine.dispose()
    # A tablet switched off before midnight erases the key when it starts (today is later).
    again = KioskCore.open(Path(core.config.source), core.data_dir)
    assert files_of(again.data_dir / "keys") == []
    again.engine.dispose()


def test_what_todays_hashes_cost_an_attacker():
    """Today's key is on the tablet: trying every number is the attacker's only way.
    The figure goes to the README; the test holds the parameters, not a time."""
    key = os.urandom(32)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < 2.0:
        personal.day_hash(key, "citizen_id", f"0481990{count:05d}")
        count += 1
    rate = count / (time.perf_counter() - start)
    # 12-digit ID: 63 province codes x (century/sex digit and two-digit birth year: about
    # 2 x 100 plausible) x 10^6 serials. Phones (5 prefixes x 10^8) are not hashed at all.
    ids = 63 * 200 * 10**6
    local = 200 * 10**6  # the unit's own province, a guess an attacker would make first
    day = 86_400
    print(
        f"\nscrypt N={personal.SCRYPT_N} r={personal.SCRYPT_R} p={personal.SCRYPT_P}: "
        f"{rate:.1f} hashes/s on one core; every ID number {ids / rate / day:,.0f} "
        f"core-days, one province's {local / rate / day:,.0f} core-days"
    )
    assert personal.SCRYPT_N * personal.SCRYPT_R * 128 >= 8 * 2**20  # 8 MiB a hash
