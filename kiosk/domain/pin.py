"""Staff PINs: stored as a salted scrypt hash in config.yaml, checked with a lockout per account."""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
from dataclasses import dataclass
from typing import Literal

_N, _R, _P = 2**14, 8, 1


def hash_pin(pin: str, salt: bytes | None = None) -> str:
    """A PIN as it is written in config.yaml: 'scrypt$N$r$p$salt$hash'."""
    salt = salt or os.urandom(16)
    digest = hashlib.scrypt(pin.encode(), salt=salt, n=_N, r=_R, p=_P, dklen=32)
    b64 = base64.b64encode
    return f"scrypt${_N}${_R}${_P}${b64(salt).decode()}${b64(digest).decode()}"


def is_pin_hash(text: str) -> bool:
    parts = text.split("$")
    if len(parts) != 6 or parts[0] != "scrypt":
        return False
    try:
        [int(x) for x in parts[1:4]]
        base64.b64decode(parts[4], validate=True)
        base64.b64decode(parts[5], validate=True)
    except ValueError:
        return False
    return True


def verify_pin(pin: str, stored: str) -> bool:
    if not is_pin_hash(stored):
        return False
    _, n, r, p, salt, expected = stored.split("$")
    digest = hashlib.scrypt(
        pin.encode(), salt=base64.b64decode(salt), n=int(n), r=int(r), p=int(p), dklen=32
    )
    return hmac.compare_digest(digest, base64.b64decode(expected))


@dataclass
class PinGuard:
    """One account's PIN (IT's, or one officer's) with its own lockout: after
    `max_attempts` failures in a row it refuses every PIN for `lockout_s` seconds.

    Each account has its own guard, so that anyone tapping the corner and guessing IT's
    PIN cannot lock the officers out. Times are wall-clock seconds so that the lockout
    survives a restart (the caller saves `failures` and `locked_until`).
    """

    stored_hash: str
    max_attempts: int = 5
    lockout_s: float = 300.0
    failures: int = 0
    locked_until: float = 0.0

    def locked_for(self, now: float) -> float:
        """Seconds of lockout left (0 when a PIN may be tried)."""
        return max(0.0, self.locked_until - now)

    def attempt(self, pin: str, now: float) -> Literal["ok", "wrong", "locked"]:
        """Check a PIN: "ok", "wrong", or "locked" (refused unchecked: the lockout runs)."""
        if self.locked_for(now) > 0:
            return "locked"
        if verify_pin(pin, self.stored_hash):
            self.failures = 0
            return "ok"
        self.failures += 1
        if self.failures >= self.max_attempts:
            self.failures = 0
            self.locked_until = now + self.lockout_s
        return "wrong"
