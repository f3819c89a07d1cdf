"""The form versions added with `portal form add`, as the store keeps them."""

from __future__ import annotations

from sqlalchemy import Connection, Engine, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from portal.store.models import RegisteredForm


def registered_forms(connection: Connection) -> set[tuple[str, int]]:
    """(form id, version) of every registered form: one small query, read per batch so that
    a form added while the portal runs is accepted without a restart."""
    query = select(RegisteredForm.form_id, RegisteredForm.version)
    return {(form_id, version) for form_id, version in connection.execute(query)}


def keep_form(engine: Engine, row: dict[str, object]) -> str | None:
    """Keep a form version; None when it is new, else the SHA-256 of the text kept before.

    INSERT … ON CONFLICT DO NOTHING, then a look at what is there: two admins adding one
    version at once keep it once, and the one who came second is told what was kept.
    """
    dialect = postgresql if engine.dialect.name == "postgresql" else sqlite
    statement = (
        dialect.insert(RegisteredForm)
        .values(row)
        .on_conflict_do_nothing()
        .returning(RegisteredForm.id)
    )
    there = select(RegisteredForm.sha256).where(
        RegisteredForm.form_id == row["form_id"], RegisteredForm.version == row["version"]
    )
    with engine.begin() as connection:
        if connection.execute(statement).first() is not None:
            return None
        kept: str = connection.execute(there).scalar_one()
        return kept


def list_registered(engine: Engine | Connection) -> list[RegisteredForm]:
    """Every registered form version, by id then version (a migration reads them on its
    connection)."""
    query = select(RegisteredForm).order_by(RegisteredForm.form_id, RegisteredForm.version)
    with Session(engine) as session:
        return list(session.scalars(query))
