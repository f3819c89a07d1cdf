"""Personal data at rest: keyed hashes for matching, sealed boxes for the portal.

Phone and ID numbers have so few possible values that a plain hash is reversed by trying
them all; an HMAC with a key kept apart from the database is not. The values themselves
are sealed to the portal's X25519 public key (libsodium's sealed box, via PyNaCl): the
tablet can write them but cannot read them back. Without a portal key, nothing is sealed
and only the keyed hashes are kept.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from pathlib import Path

from nacl.public import PublicKey, SealedBox

KEY_BYTES = 32
HASH_HEX = 32


def load_or_create_key(path: Path) -> bytes:
    """The HMAC key: read from `path`, or made and written there on first use (mode 0640:
    the kiosk and the sync daemon share a group, deploy/; others cannot read it)."""
    if path.is_file():
        key = path.read_bytes()
        if len(key) == KEY_BYTES:
            return key
    path.parent.mkdir(parents=True, exist_ok=True)
    key = os.urandom(KEY_BYTES)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o640)
    with os.fdopen(fd, "wb") as handle:
        handle.write(key)
        handle.flush()
        os.fsync(handle.fileno())
    return key


class PersonalData:
    """Turns a citizen's phone and ID number into what may be stored on the tablet."""

    def __init__(self, hash_key: bytes, portal_public_key: bytes | None):
        self._hash_key = hash_key
        self._box = SealedBox(PublicKey(portal_public_key)) if portal_public_key else None

    def with_public_key(self, portal_public_key: bytes | None) -> PersonalData:
        """The same hash key, sealing to another portal key (after an enrolment)."""
        return PersonalData(self._hash_key, portal_public_key)

    @property
    def can_seal(self) -> bool:
        return self._box is not None

    def keyed_hash(self, field: str, value: str) -> str:
        """HMAC-SHA256 truncated to 128 bits (32 hex digits): ample for matching, and every
        byte of it travels to the portal incompressible."""
        message = f"{field}:{value}".encode()
        return hmac.new(self._hash_key, message, hashlib.sha256).hexdigest()[:HASH_HEX]

    def seal(self, values: dict[str, str]) -> bytes | None:
        """The values as compact JSON in a sealed box (48 bytes over the plaintext)."""
        if self._box is None or not values:
            return None
        plain = json.dumps(values, sort_keys=True, separators=(",", ":"))
        return self._box.encrypt(plain.encode())
