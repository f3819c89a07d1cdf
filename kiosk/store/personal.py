"""Personal data at rest: a hash that lives one local day for matching, sealed boxes for
the portal.

Phone and ID numbers have so few possible values that any hash of them is reversed by
trying them all, as long as whatever keys the hash is at hand. So the key lives for one
local day of the unit (config `integrity.timezone`): it is made on the day's first answer
with an ID number, kept in <data dir>/keys/day-YYYY-MM-DD.key so that a restart keeps
the day's integrity rules, and erased (overwritten, synced, deleted) as soon as another
day is seen. Once it is gone, the day's hashes are 128 random-looking bits that nothing
can recompute. Today's hashes are scrypt (memory-hard: 8 MiB each), so that even with
today's key each guess costs an attacker what it costs the tablet.

Only the ID number is hashed: the repeat_id rule needs it; nothing on the tablet matches
phone numbers, so none is kept. Both values are sealed to the portal's X25519 public key
(libsodium's sealed box, via PyNaCl): the tablet can write them but cannot read them
back. Without a portal key, nothing is sealed and only the day's ID hash is kept.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import threading
from datetime import date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from nacl.public import PublicKey, SealedBox

from kiosk.store.files import sync_folder

log = logging.getLogger("kiosk")

KEY_BYTES = 32
HASH_BYTES = 16  # 32 hex digits: ample for matching a day's answers, as the contract says
# scrypt's cost: N x r x 128 bytes = 8 MiB and 20-45 ms a hash on the test machine, once
# per answer with an ID number (tests/test_stolen_tablet.py measures what it costs a thief).
SCRYPT_N, SCRYPT_R, SCRYPT_P = 2**13, 8, 1
LEGACY_KEY = "hmac.key"  # earlier releases kept one key for ever: erased like a past day's


def day_hash(key: bytes, field: str, value: str) -> str:
    """The hash a number is kept as on the tablet, with the key of its day."""
    digest = hashlib.scrypt(
        f"{field}:{value}".encode(),
        salt=key,
        n=SCRYPT_N,
        r=SCRYPT_R,
        p=SCRYPT_P,
        dklen=HASH_BYTES,
        maxmem=64 * 2**20,
    )
    return digest.hex()


def erase(path: Path) -> None:
    """Overwrite a key file with zeros on disk, then delete it. Flash storage may keep an
    older copy of the blocks out of reach of any program: the README says so."""
    size = path.stat().st_size
    with open(path, "r+b") as handle:
        handle.write(b"\0" * size)
        handle.flush()
        os.fsync(handle.fileno())
    path.unlink()


class DayKeys:
    """The hash key of the unit's current local day, and the erasure of every other."""

    def __init__(self, folder: Path, zone: ZoneInfo):
        self.folder, self.zone = folder, zone
        self._lock = threading.Lock()  # the UI thread hashes; the store thread may erase
        self._day: date | None = None
        self._key = b""

    def _path(self, day: date) -> Path:
        return self.folder / f"day-{day.isoformat()}.key"

    def key_for(self, moment: datetime) -> bytes:
        """The key of the local day of `moment`, made on first use; other days' are erased."""
        day = moment.astimezone(self.zone).date()
        with self._lock:
            if day != self._day:
                self._erase_all_but(day)
                self._key, self._day = self._load_or_create(day), day
            return self._key

    def forget_other_days(self, now: datetime) -> list[Path]:
        """Erase every key but the one of `now`'s local day; the files erased."""
        day = now.astimezone(self.zone).date()
        with self._lock:
            if self._day != day:
                self._key, self._day = b"", None
            return self._erase_all_but(day)

    def _erase_all_but(self, day: date) -> list[Path]:
        keep = self._path(day)
        stale = [p for p in self.folder.glob("day-*.key") if p != keep]
        stale += [p for p in [self.folder / LEGACY_KEY] if p.exists()]
        erased = []
        for path in stale:
            try:
                erase(path)
                erased.append(path)
            except OSError as exc:  # another user's process (sync) or a failing disk:
                log.warning("hash key %s not erased: %s", path.name, exc)  # the kiosk retries
        if erased:
            try:
                sync_folder(self.folder)
            except OSError as exc:  # the erasure stands; only its durability is in doubt
                log.warning("keys folder not synced: %s", exc)
            log.info("hash keys of past days erased: %s", ", ".join(p.name for p in erased))
        return erased

    def _load_or_create(self, day: date) -> bytes:
        path = self._path(day)
        self.folder.mkdir(parents=True, exist_ok=True)
        key = os.urandom(KEY_BYTES)
        try:  # O_EXCL: the kiosk and a command started the same morning agree on one key
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            existing = path.read_bytes()
            if len(existing) == KEY_BYTES:
                return existing
            erase(path)  # cut short by a power loss before its first answer: make it again
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(key)
            handle.flush()
            os.fsync(handle.fileno())
        sync_folder(self.folder)
        return key


class PersonalData:
    """Turns a citizen's phone and ID number into what may be stored on the tablet."""

    def __init__(self, keys: DayKeys, portal_public_key: bytes | None):
        self.keys = keys
        self._box = SealedBox(PublicKey(portal_public_key)) if portal_public_key else None

    def with_public_key(self, portal_public_key: bytes | None) -> PersonalData:
        """The same day keys, sealing to another portal key (after an enrolment)."""
        return PersonalData(self.keys, portal_public_key)

    def citizen_id_hash(self, citizen_id: str, moment: datetime) -> str:
        """The ID number as kept for the repeat_id rule: hashed with the key of the
        answer's local day, so it matches that day's answers only."""
        return day_hash(self.keys.key_for(moment), "citizen_id", citizen_id)

    def seal(self, values: dict[str, str]) -> bytes | None:
        """The values as compact JSON in a sealed box (48 bytes over the plaintext)."""
        if self._box is None or not values:
            return None
        plain = json.dumps(values, sort_keys=True, separators=(",", ":"))
        return self._box.encrypt(plain.encode())
