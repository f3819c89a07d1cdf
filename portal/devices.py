"""The write side of devices: enrolling and revoking kiosks, one-time enrolment codes and
their claim, the counters of each unit, the portal's keypair for sealed personal data.

Ids, secrets and codes are made here; the enrolment and its offer are the contract's
values (contract/enrolment.py), which the kiosk reads. What is only read of devices is
in portal/store/devices.py.
"""

from __future__ import annotations

import base64
import hashlib
import os
import secrets
from datetime import datetime, timedelta, timezone
from pathlib import Path

from nacl.public import PrivateKey
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from contract.api import ENROLMENT_EXPIRED, ENROLMENT_UNKNOWN, ENROLMENT_USED
from contract.enrolment import Enrolment, EnrolmentOffer
from portal.store.models import Counter, Device, EnrolmentCode
from portal.store.settings import public_key, set_public_key


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def new_keypair(engine: Engine, private_out: Path) -> str:
    """Make the keypair for sealed personal data; the private key goes to a file only.

    Whoever re-verifies answers keeps that file; the portal itself can then not open
    what the kiosks seal.
    """
    key = PrivateKey.generate()
    fd = os.open(private_out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(base64.b64encode(bytes(key)).decode() + "\n")
    public = base64.b64encode(bytes(key.public_key)).decode()
    set_public_key(engine, public)
    return public


def add_device(engine: Engine, unit: str, counter: str, portal_url: str) -> Enrolment:
    device_id = f"kiosk-{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        session.add(
            Device(id=device_id, secret=secret, unit_code=unit, counter=counter, created_at=_now())
        )
    return Enrolment(portal_url, device_id, secret, unit, counter, public_key(engine))


def revoke_device(engine: Engine, device_id: str) -> bool:
    with Session(engine) as session, session.begin():
        device = session.get(Device, device_id)
        if device is None:
            return False
        device.revoked_at = device.revoked_at or _now()
        return True


def add_counters(engine: Engine, unit: str, codes: list[str]) -> None:
    """Make counters known for a unit (once each), so its tablets' answers may name them."""
    with Session(engine) as session, session.begin():
        for code in codes:
            session.merge(Counter(unit_code=unit, code=code, created_at=_now()))


class ClaimRefused(Exception):
    """An enrolment code that does not (or no longer) give a device secret."""

    def __init__(self, code: str, message: str, status: int) -> None:
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


def _hash(code: str) -> str:
    return hashlib.sha256(code.encode()).hexdigest()


def offer_enrolment(engine: Engine, device: Enrolment, valid_for: timedelta) -> EnrolmentOffer:
    """A one-time enrolment code for a device, to be shown as a QR code (kept only hashed)."""
    code = secrets.token_urlsafe(18)
    now = _now()
    with Session(engine) as session, session.begin():
        session.add(
            EnrolmentCode(
                code_hash=_hash(code),
                device_id=device.device_id,
                created_at=now,
                expires_at=now + valid_for,
            )
        )
    expires = (now + valid_for).replace(microsecond=0).isoformat() + "Z"
    return EnrolmentOffer(
        device.portal_url,
        device.device_id,
        code,
        device.unit_code,
        device.counter,
        device.public_key,
        expires,
    )


def claim_enrolment(engine: Engine, device_id: str, code: str) -> tuple[Device, str]:
    """Use an enrolment code once: a new device secret replaces the old one and is returned.

    Raises ClaimRefused for an unknown, used or expired code, or a revoked device.
    """
    now = _now()
    with Session(engine) as session, session.begin():
        row = session.get(EnrolmentCode, _hash(code), with_for_update=True)
        device = session.get(Device, device_id)
        if row is None or row.device_id != device_id or device is None or device.revoked_at:
            raise ClaimRefused(ENROLMENT_UNKNOWN, "no such enrolment code for this device", 401)
        if row.used_at is not None:
            used = row.used_at.replace(microsecond=0).isoformat()
            raise ClaimRefused(ENROLMENT_USED, f"this enrolment code was used at {used} UTC", 409)
        if row.expires_at <= now:
            expired = row.expires_at.replace(microsecond=0).isoformat()
            message = f"this enrolment code expired at {expired} UTC"
            raise ClaimRefused(ENROLMENT_EXPIRED, message, 410)
        row.used_at = now
        device.secret = secrets.token_urlsafe(32)
        session.flush()
        session.expunge(device)
        return device, device.secret
