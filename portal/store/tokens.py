"""The tokens programs use the API with: a program reading reports (`GET /api/v1/reports`)
or a one-stop system pushing dossiers (`POST /api/v1/dossiers`), each token for one of them
(its scope). Made by `portal token add NAME [--for dossiers]`, shown once, kept as SHA-256
only, revoked by name."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timezone

from sqlalchemy import Engine, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from portal.store.models import ApiToken

PREFIX = "khl_"  # says what a token is when one turns up in a log or a paste
REPORTS, DOSSIERS = "reports", "dossiers"
SCOPES = (REPORTS, DOSSIERS)


class TokenRefused(ValueError):
    """A token that cannot be made or revoked as asked."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(timezone.utc).replace(tzinfo=None)


def add_token(engine: Engine, name: str, scope: str = REPORTS) -> str:
    """A new token for `name` (shown once, never kept in clear); a revoked token's name may
    be given a new one (the same program, its token rotated)."""
    name = name.strip()
    if not 0 < len(name) <= 64 or not name.isprintable() or name.startswith("-"):
        raise TokenRefused("a token's name has 1 to 64 printable characters, not starting with '-'")
    token = PREFIX + secrets.token_urlsafe(32)
    try:
        with Session(engine) as session, session.begin():
            old = session.get(ApiToken, name)
            if old is not None and old.revoked_at is None:
                raise TokenRefused(f"a live token named {name!r} exists: revoke it first")
            if old is not None:
                session.delete(old)
                session.flush()
            session.add(
                ApiToken(name=name, token_hash=_digest(token), created_at=_now(), scope=scope)
            )
    except IntegrityError:  # the same name made at the same moment by another command
        raise TokenRefused(f"a live token named {name!r} exists: revoke it first") from None
    return token


def token_owner(engine: Engine, token: str, scope: str = REPORTS) -> str | None:
    """The name of a live token of that scope; None for any other string."""
    query = select(ApiToken.name).where(
        ApiToken.token_hash == _digest(token),
        ApiToken.revoked_at.is_(None),
        ApiToken.scope == scope,
    )
    with engine.connect() as connection:
        return connection.execute(query).scalar()


def revoke_token(engine: Engine, name: str) -> None:
    statement = (
        update(ApiToken)
        .where(ApiToken.name == name, ApiToken.revoked_at.is_(None))
        .values(revoked_at=_now())
    )
    with engine.begin() as connection:
        if connection.execute(statement).rowcount == 0:
            raise TokenRefused(f"no live token named {name!r}")


def list_tokens(engine: Engine) -> list[ApiToken]:
    with Session(engine) as session:
        return list(session.scalars(select(ApiToken).order_by(ApiToken.name)))
