"""Enrolling, listing and revoking kiosks; the portal's public key for sealed personal data."""

from __future__ import annotations

import base64
import os
import secrets
from datetime import datetime, timezone
from pathlib import Path

from nacl.public import PrivateKey
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from kiosk.enrolment import Enrolment
from portal.models import Device, Setting

PUBLIC_KEY = "public_key"


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def public_key(engine: Engine) -> str:
    with Session(engine) as session:
        setting = session.get(Setting, PUBLIC_KEY)
        return setting.value if setting else ""


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
    with Session(engine) as session, session.begin():
        session.merge(Setting(key=PUBLIC_KEY, value=public))
    return public


def add_device(engine: Engine, unit: str, counter: str, portal_url: str) -> Enrolment:
    device_id = f"kiosk-{secrets.token_hex(6)}"
    secret = secrets.token_urlsafe(32)
    with Session(engine) as session, session.begin():
        session.add(Device(id=device_id, secret=secret, unit_code=unit, counter=counter,
                           created_at=_now()))  # fmt: skip
    return Enrolment(portal_url, device_id, secret, unit, counter, public_key(engine))


def revoke_device(engine: Engine, device_id: str) -> bool:
    with Session(engine) as session, session.begin():
        device = session.get(Device, device_id)
        if device is None:
            return False
        device.revoked_at = device.revoked_at or _now()
        return True


def list_devices(engine: Engine) -> list[Device]:
    with Session(engine) as session:
        return list(session.scalars(select(Device).order_by(Device.created_at)))
