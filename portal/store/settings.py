"""The portal's settings: its public key for sealed personal data, each unit's yearly
dossier count (for its sample target), the secret its web pages sign their state with."""

from __future__ import annotations

import secrets

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session

from portal.store.engine import insert_ignoring_duplicates
from portal.store.models import Setting

PUBLIC_KEY = "public_key"
YEARLY_DOSSIERS = "yearly_dossiers:"  # then the unit's code
WEB_SECRET = "web_secret"


def public_key(engine: Engine) -> str:
    """The portal's public key (base64), "" before `portal keys` made one."""
    with Session(engine) as session:
        setting = session.get(Setting, PUBLIC_KEY)
        return setting.value if setting else ""


def set_public_key(engine: Engine, public: str) -> None:
    with Session(engine) as session, session.begin():
        session.merge(Setting(key=PUBLIC_KEY, value=public))


def set_yearly_dossiers(engine: Engine, unit: str, dossiers: int) -> None:
    """Keep a unit's yearly dossier count."""
    with Session(engine) as session, session.begin():
        session.merge(Setting(key=f"{YEARLY_DOSSIERS}{unit}", value=str(dossiers)))


def yearly_dossiers(engine: Engine) -> dict[str, int]:
    """Per unit with a dossier count: the count."""
    query = select(Setting).where(Setting.key.startswith(YEARLY_DOSSIERS))
    with Session(engine) as session:
        settings = session.scalars(query)
        return {s.key.removeprefix(YEARLY_DOSSIERS): int(s.value) for s in settings}


def web_secret(engine: Engine) -> bytes:
    """The key the portal's pages sign what they hand the browser with (a survey's state),
    made at first use and kept: every worker and every restart signs with the same one."""
    row = {"key": WEB_SECRET, "value": secrets.token_hex(32)}
    with engine.begin() as connection:  # two workers at once: the first one's stays
        connection.execute(insert_ignoring_duplicates(engine, Setting, [row]))
    with Session(engine) as session:
        setting = session.get(Setting, WEB_SECRET)
        assert setting is not None  # inserted above, never deleted
        return bytes.fromhex(setting.value)
