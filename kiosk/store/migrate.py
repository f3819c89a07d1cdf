"""Bringing a kiosk's SQLite file to the current schema with Alembic, from code.

Alembic is imported only when the file is not at SCHEMA_HEAD already: at every start
of the kiosk the check is one SELECT, and Alembic's import (~130 ms on a tablet-class
CPU) is paid only on the start that upgrades. tests/test_store.py keeps SCHEMA_HEAD equal
to the newest migration.
"""

from __future__ import annotations

from sqlalchemy import Engine, text
from sqlalchemy.exc import OperationalError

from kiosk.resources import MIGRATIONS

SCHEMA_HEAD = "0001"


def _alembic_config():
    from alembic.config import Config as AlembicConfig

    config = AlembicConfig()
    config.set_main_option("script_location", str(MIGRATIONS))
    return config


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(_alembic_config()).get_current_head() or ""


def current_revision(engine: Engine) -> str:
    try:
        with engine.connect() as connection:
            query = text("SELECT version_num FROM alembic_version")
            return connection.execute(query).scalar() or ""
    except OperationalError:  # no alembic_version table: a new file
        return ""


def upgrade(engine: Engine, revision: str = "head") -> None:
    from alembic import command

    config = _alembic_config()
    with engine.connect() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, revision)
        connection.commit()


def ensure_schema(engine: Engine) -> None:
    """Upgrade the file to the newest schema unless it is there already."""
    if current_revision(engine) != SCHEMA_HEAD:
        upgrade(engine)
